package importer

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// Encodings a CSV file may have.
const (
	EncodingUTF8        = "utf-8"
	EncodingWindows1252 = "windows-1252"
)

type csvSource struct {
	r    *csv.Reader
	head []string
	line int
	// Encoding and Separator are what was detected, for the dry run's summary.
	encoding  string
	separator rune
}

// openCSV detects the encoding (UTF-8, with or without BOM, else
// Windows-1252: what Excel on Windows writes as "CSV") and the separator
// (, ; or tab, whichever the header row has most of outside quotes), and
// reads the header.
func openCSV(f File) (*csvSource, error) {
	var start int64
	bom := make([]byte, 3)
	if n, _ := f.Data.ReadAt(bom, 0); n == 3 && bytes.Equal(bom, []byte{0xEF, 0xBB, 0xBF}) {
		start = 3
	}
	if n, _ := f.Data.ReadAt(bom[:2], 0); n == 2 && (bytes.Equal(bom[:2], []byte{0xFF, 0xFE}) || bytes.Equal(bom[:2], []byte{0xFE, 0xFF})) {
		// UTF-16 ("Unicode text"): not offered; it reads as garbage otherwise.
		return nil, newErr(MsgNotText, nil)
	}
	isUTF8, err := scanText(io.NewSectionReader(f.Data, start, f.Size-start))
	if err != nil {
		return nil, err
	}
	enc := EncodingUTF8
	var text io.Reader = io.NewSectionReader(f.Data, start, f.Size-start)
	if !isUTF8 {
		enc = EncodingWindows1252
		text = charmap.Windows1252.NewDecoder().Reader(text)
	}
	first := make([]byte, 64<<10)
	n, err := io.ReadFull(io.NewSectionReader(f.Data, start, f.Size-start), first)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, err
	}
	sep := detectSeparator(first[:n])

	r := csv.NewReader(text)
	r.Comma = sep
	r.FieldsPerRecord = -1 // short and long rows are the mapping's business
	head, err := r.Read()
	if errors.Is(err, io.EOF) {
		return nil, newErr(MsgEmptyFile, nil)
	}
	if err != nil {
		return nil, csvError(err, 1)
	}
	if len(head) > MaxColumns {
		return nil, newErr(MsgTooManyColumns, map[string]any{"Max": MaxColumns})
	}
	if err := checkRow(head, 1); err != nil {
		return nil, err
	}
	return &csvSource{r: r, head: head, line: 1, encoding: enc, separator: sep}, nil
}

func (s *csvSource) header() []string { return s.head }

func (s *csvSource) next() ([]string, int, error) {
	rec, err := s.r.Read()
	if err == io.EOF {
		return nil, 0, io.EOF
	}
	s.line++
	if err != nil {
		return nil, s.line, csvError(err, s.line)
	}
	if err := checkRow(rec, s.line); err != nil {
		return nil, s.line, err
	}
	return rec, s.line, nil
}

func (s *csvSource) close() error { return nil }

func csvError(err error, line int) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &Error{Msg: Msg{ID: MsgBadCSV, Data: map[string]any{"Row": line}}, err: err}
	}
	return err
}

// scanText reads the whole file once: it refuses binary content (NUL
// bytes, or more than 1% other control characters — a zip, an image, a
// database file renamed .csv) and reports whether the text is valid UTF-8.
func scanText(r io.Reader) (bool, error) {
	buf := make([]byte, 64<<10)
	valid := true
	var carry []byte
	var total, controls int
	for {
		n, err := r.Read(buf)
		chunk := buf[:n]
		if bytes.IndexByte(chunk, 0) >= 0 {
			return false, newErr(MsgNotText, nil)
		}
		for _, b := range chunk {
			if (b < 0x20 && b != '\t' && b != '\n' && b != '\r' && b != '\f') || b == 0x7f {
				controls++
			}
		}
		total += n
		if total >= 4096 && controls*100 > total {
			return false, newErr(MsgNotText, nil)
		}
		if valid {
			data := append(carry, chunk...)
			// An incomplete rune at the end continues in the next chunk.
			cut := len(data)
			for i := len(data) - 1; i >= 0 && i >= len(data)-utf8.UTFMax; i-- {
				if utf8.RuneStart(data[i]) {
					if !utf8.FullRune(data[i:]) {
						cut = i
					}
					break
				}
			}
			if !utf8.Valid(data[:cut]) {
				valid = false
			}
			carry = append(carry[:0], data[cut:]...)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return false, err
		}
	}
	if controls*100 > total && total > 0 {
		return false, newErr(MsgNotText, nil)
	}
	return valid && len(carry) == 0, nil
}

// detectSeparator counts , ; and tab outside quotes in the first line.
func detectSeparator(b []byte) rune {
	counts := map[rune]int{}
	quoted := false
	for _, c := range b {
		if c == '"' {
			quoted = !quoted
			continue
		}
		if quoted {
			continue
		}
		if c == '\n' || c == '\r' {
			break
		}
		switch c {
		case ',', ';', '\t':
			counts[rune(c)]++
		}
	}
	best := ','
	for _, c := range []rune{';', '\t'} {
		if counts[c] > counts[best] {
			best = c
		}
	}
	return best
}
