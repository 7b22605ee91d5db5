package importer

import (
	"archive/zip"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"
)

// Unpacked-size limits of a workbook. A zip bomb (a small file that
// unpacks to gigabytes) is refused from the sizes its directory declares,
// before anything is unpacked; archive/zip refuses a part that unpacks to
// more than it declared. Worksheets and the shared strings go to
// temporary files above xlsxXMLInMemory, so they do not count against
// memory; everything else is read into memory and must stay small.
const (
	xlsxUnpackedMax = 400 << 20
	xlsxOtherMax    = 32 << 20
	xlsxXMLInMemory = 16 << 20
)

type xlsxSource struct {
	f    *excelize.File
	rows *excelize.Rows
	head []string
	line int
}

// Sheets lists the sheets of a workbook, for the sheet picker.
func Sheets(f File) ([]string, error) {
	format, err := sniff(f)
	if err != nil || format != FormatXLSX {
		return nil, err
	}
	x, err := openWorkbook(f)
	if err != nil {
		return nil, err
	}
	defer x.Close()
	return x.GetSheetList(), nil
}

func openWorkbook(f File) (*excelize.File, error) {
	zr, err := zip.NewReader(f.Data, f.Size)
	if err != nil {
		return nil, &Error{Msg: Msg{ID: MsgBadXLSX}, err: err}
	}
	var total, other uint64
	for _, z := range zr.File {
		total += z.UncompressedSize64
		name := strings.ToLower(z.Name)
		if !strings.HasPrefix(name, "xl/worksheets/") && name != "xl/sharedstrings.xml" {
			other += z.UncompressedSize64
		}
	}
	if total > xlsxUnpackedMax || other > xlsxOtherMax {
		return nil, newErr(MsgTooLarge, map[string]any{"Max": MaxFileBytes >> 20})
	}
	x, err := excelize.OpenReader(io.NewSectionReader(f.Data, 0, f.Size), excelize.Options{
		// Dates come as their serial number (the date transform reads
		// it), not in the workbook's display format of the day.
		RawCellValue:      true,
		UnzipSizeLimit:    xlsxUnpackedMax,
		UnzipXMLSizeLimit: xlsxXMLInMemory,
	})
	if err != nil {
		return nil, &Error{Msg: Msg{ID: MsgBadXLSX}, err: err}
	}
	return x, nil
}

// openXLSX reads the chosen sheet (the first without one) row by row:
// the sheet is streamed, never loaded whole. Formula cells give their
// last computed value, which the workbook stores; nothing is calculated.
func openXLSX(f File) (*xlsxSource, error) {
	x, err := openWorkbook(f)
	if err != nil {
		return nil, err
	}
	sheet := f.Sheet
	sheets := x.GetSheetList()
	if sheet == "" && len(sheets) > 0 {
		sheet = sheets[0]
	}
	found := false
	for _, s := range sheets {
		found = found || s == sheet
	}
	if !found {
		x.Close()
		return nil, newErr(MsgNoSheet, map[string]any{"Sheet": sheet})
	}
	rows, err := x.Rows(sheet)
	if err != nil {
		x.Close()
		return nil, &Error{Msg: Msg{ID: MsgBadXLSX}, err: err}
	}
	s := &xlsxSource{f: x, rows: rows}
	// The header is the first row with any text.
	for {
		cells, line, err := s.next()
		if err == io.EOF {
			s.close()
			return nil, newErr(MsgEmptyFile, nil)
		}
		if err != nil {
			s.close()
			return nil, err
		}
		if len(cells) > 0 {
			s.head = cells
			s.line = line
			return s, nil
		}
	}
}

func (s *xlsxSource) header() []string { return s.head }

func (s *xlsxSource) next() ([]string, int, error) {
	if !s.rows.Next() {
		if err := s.rows.Error(); err != nil {
			return nil, s.line, &Error{Msg: Msg{ID: MsgBadXLSX}, err: err}
		}
		return nil, 0, io.EOF
	}
	s.line++
	cells, err := s.rows.Columns(excelize.Options{RawCellValue: true})
	if err != nil {
		return nil, s.line, &Error{Msg: Msg{ID: MsgBadXLSX}, err: err}
	}
	// Trailing empty cells are not columns.
	for len(cells) > 0 && cells[len(cells)-1] == "" {
		cells = cells[:len(cells)-1]
	}
	if err := checkRow(cells, s.line); err != nil {
		return nil, s.line, err
	}
	return cells, s.line, nil
}

func (s *xlsxSource) close() error {
	if s.rows != nil {
		s.rows.Close()
	}
	return s.f.Close()
}
