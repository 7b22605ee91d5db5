package importer

import (
	"bytes"
	"io"
	"strings"
	"unicode/utf8"
)

// Limits of what a file may hold. Each is checked while reading, and
// reading stops at the first one exceeded, with a message saying which.
const (
	MaxFileBytes = 50 << 20 // 50 MB
	MaxRows      = 100_000  // data rows, the header not counted
	MaxColumns   = 200
	MaxCellChars = 10_000 // the longest member field (notes) holds as many
)

// File is an uploaded file: its name as the person chose it, and its
// content. Data is read more than once (the encoding is found before the
// rows are read), hence a ReaderAt — an *os.File or a *bytes.Reader.
type File struct {
	Name  string
	Size  int64
	Data  io.ReaderAt
	Sheet string // XLSX: the sheet to read; "" for the first
}

// source yields a file's rows as text cells. Line numbers are those a
// spreadsheet shows: the header is line 1.
type source interface {
	// header returns the first row (the column headings).
	header() []string
	// next returns the next data row and its line number, or io.EOF.
	next() (cells []string, line int, err error)
	close() error
}

// Format of a file, found from its content (never from its name: a file
// called .csv may be a workbook, and a hostile one anything at all).
const (
	FormatCSV  = "csv"
	FormatXLSX = "xlsx"
)

// sniff reads the first bytes of f and names its format.
func sniff(f File) (string, error) {
	if f.Size > MaxFileBytes {
		return "", newErr(MsgTooLarge, map[string]any{"Max": MaxFileBytes >> 20})
	}
	head := make([]byte, 8)
	n, err := f.Data.ReadAt(head, 0)
	if err != nil && err != io.EOF {
		return "", err
	}
	head = head[:n]
	switch {
	case n == 0:
		return "", newErr(MsgEmptyFile, nil)
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return FormatXLSX, nil
	case bytes.HasPrefix(head, []byte{0xD0, 0xCF, 0x11, 0xE0}):
		return "", newErr(MsgXLS, nil)
	}
	return FormatCSV, nil
}

// openSource opens f for reading its rows, whatever its format.
func openSource(f File) (source, string, error) {
	format, err := sniff(f)
	if err != nil {
		return nil, "", err
	}
	var src source
	if format == FormatXLSX {
		src, err = openXLSX(f)
	} else {
		src, err = openCSV(f)
	}
	if err != nil {
		return nil, "", err
	}
	h := src.header()
	if len(h) > MaxColumns {
		src.close()
		return nil, "", newErr(MsgTooManyColumns, map[string]any{"Max": MaxColumns})
	}
	seen := map[string]bool{}
	for i, c := range h {
		c = strings.TrimSpace(c)
		if c == "" {
			src.close()
			return nil, "", newErr(MsgEmptyHeader, map[string]any{"Column": ColumnName(i)})
		}
		k := normalizeHeader(c)
		if seen[k] {
			src.close()
			return nil, "", newErr(MsgDuplicateHeader, map[string]any{"Header": c})
		}
		seen[k] = true
	}
	return src, format, nil
}

// checkRow applies the per-row limits to a row just read.
func checkRow(cells []string, line int) error {
	if line-1 > MaxRows {
		return newErr(MsgTooManyRows, map[string]any{"Max": MaxRows})
	}
	if len(cells) > MaxColumns {
		return newErr(MsgTooManyColumns, map[string]any{"Max": MaxColumns})
	}
	for i, c := range cells {
		if len(c) > MaxCellChars && utf8.RuneCountInString(c) > MaxCellChars {
			return newErr(MsgCellTooLarge, map[string]any{"Row": line, "Column": ColumnName(i), "Max": MaxCellChars})
		}
	}
	return nil
}

// ColumnName is the spreadsheet name of the column with index i: A, B, … Z, AA.
func ColumnName(i int) string {
	name := ""
	for i++; i > 0; i = (i - 1) / 26 {
		name = string(rune('A'+(i-1)%26)) + name
	}
	return name
}
