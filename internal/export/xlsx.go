package export

import (
	"fmt"
	"io"

	"github.com/xuri/excelize/v2"

	"mila/internal/membership"
)

// XLSX writes the table as an Excel workbook with excelize's stream
// writer (rows go to a temporary file, not memory): typed cells — dates
// are dates in the viewer's format, numbers numbers, yes/no booleans,
// and codes (postal codes, membership numbers, phone numbers) text that
// keeps its leading zeros; a bold header row frozen above the rows;
// column widths fitted to the header and the first rows.
func XLSX(w io.Writer, t Table, rows Rows) error {
	f := excelize.NewFile()
	defer f.Close()
	sheet := t.Sheet
	if sheet == "" {
		sheet = "Sheet1"
	}
	if sheet != "Sheet1" {
		if err := f.SetSheetName("Sheet1", sheet); err != nil {
			return fmt.Errorf("xlsx: %w", err)
		}
	}
	f.SetDocProps(&excelize.DocProperties{Title: t.Title, Description: t.Filter, Creator: "Mila", Language: t.Lang})
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	dateFmt := "yyyy-mm-dd"
	if t.german() {
		dateFmt = "dd.mm.yyyy"
	}
	date, err := f.NewStyle(&excelize.Style{CustomNumFmt: &dateFmt})
	if err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	// "@": the cell is text, also when someone types into it later.
	text, err := f.NewStyle(&excelize.Style{NumFmt: 49})
	if err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	n := len(t.Columns)
	cells := make([]any, n)
	row := 1
	write := func(values []any) error {
		row++
		for i := range cells {
			var v any
			if i < len(values) {
				v = values[i]
			}
			switch x := v.(type) {
			case nil:
				cells[i] = nil
			case string:
				style := 0
				if t.Columns[i].Kind == membership.KindCode {
					style = text
				}
				cells[i] = excelize.Cell{StyleID: style, Value: x}
			case bool:
				cells[i] = x
			default:
				if t.Columns[i].Kind == membership.KindDate {
					cells[i] = excelize.Cell{StyleID: date, Value: x}
				} else {
					cells[i] = x
				}
			}
		}
		cell, err := excelize.CoordinatesToCellName(1, row)
		if err != nil {
			return err
		}
		return sw.SetRow(cell, cells)
	}
	start := func(s *sample) error {
		widths := s.widths(t, 60, false)
		for i, wd := range widths {
			// A little room for the filter arrow and bold text.
			if err := sw.SetColWidth(i+1, i+1, float64(max(wd, 6))+2); err != nil {
				return err
			}
		}
		if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
			return err
		}
		head := make([]any, n)
		for i, c := range t.Columns {
			head[i] = excelize.Cell{StyleID: bold, Value: c.Label}
		}
		if err := sw.SetRow("A1", head, excelize.RowOpts{StyleID: bold}); err != nil {
			return err
		}
		for _, r := range s.rows {
			if err := write(r); err != nil {
				return err
			}
		}
		return nil
	}
	if err := stream(rows, start, write); err != nil {
		return err
	}
	if err := sw.Flush(); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	if _, err := f.WriteTo(w); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	return nil
}
