package export

import (
	"fmt"
	"io"
	"strings"
)

// LabelSheet is an A4 sheet of address labels: columns × rows labels of
// W × H mm, starting Left and Top mm from the sheet's corner, with no
// gap between them.
type LabelSheet struct {
	Name       string // "3x8"
	Cols, Rows int
	W, H       float64
	Left, Top  float64
	FontSize   float64 // pt
}

// LabelSheets are the sheets Mila prints on, by name: the two most common
// A4 address label sheets (e.g. Avery Zweckform 3475 and 3484).
var LabelSheets = map[string]LabelSheet{
	"3x8": {Name: "3x8", Cols: 3, Rows: 8, W: 70, H: 36, Left: 0, Top: 4.5, FontSize: 10},
	"2x8": {Name: "2x8", Cols: 2, Rows: 8, W: 105, H: 37, Left: 0, Top: 0.5, FontSize: 11},
}

// LabelSheetNames are the sheets in the order a form offers them.
var LabelSheetNames = []string{"3x8", "2x8"}

// labelPadding is the room inside a label's edge, in mm.
const labelPadding = 5.0

// LabelTexts are the words of a labels PDF in the reader's language.
type LabelTexts struct {
	Title string // the document's title
	// Incomplete heads the last page: the members whose address is not
	// complete enough to post, e.g. "Without a complete address (3)".
	Incomplete func(n int) string
}

// Address is one member's postal address. Complete reports whether a
// letter can be sent with it: a street, a postal code and a city.
type Address struct {
	Name, Street, HouseNumber, PostalCode, City, Country string
}

// Complete reports whether the address has a street, postal code and city.
func (a Address) Complete() bool {
	return strings.TrimSpace(a.Street) != "" && strings.TrimSpace(a.PostalCode) != "" && strings.TrimSpace(a.City) != ""
}

// lines is the address as printed.
func (a Address) lines() []string {
	out := []string{a.Name, strings.TrimSpace(a.Street + " " + a.HouseNumber), strings.TrimSpace(a.PostalCode + " " + a.City)}
	if c := strings.TrimSpace(a.Country); c != "" {
		out = append(out, c)
	}
	return out
}

// Labels writes address labels for sheet: one label per member with a
// complete address, in the list's order, and the members without one
// listed by name on a last page instead of printing empty labels.
// each calls its function with every member, in order.
func Labels(w io.Writer, sheet LabelSheet, t LabelTexts, lang string, each func(fn func(Address) error) error) error {
	pdf, err := newPDF("P", Table{Title: t.Title, Lang: lang})
	if err != nil {
		return err
	}
	pdf.SetMargins(0, 0, 0)
	pdf.SetAutoPageBreak(false, 0)
	pdf.SetFont(fontFamily, "", sheet.FontSize)
	lineH := sheet.FontSize * 0.3528 * 1.25 // pt to mm, with leading
	perPage := sheet.Cols * sheet.Rows
	n := 0
	var incomplete []string
	err = each(func(a Address) error {
		if !a.Complete() {
			if len(incomplete) < 100_000 {
				incomplete = append(incomplete, a.Name)
			}
			return nil
		}
		slot := n % perPage
		if slot == 0 {
			pdf.AddPage()
			pdf.SetFont(fontFamily, "", sheet.FontSize)
		}
		n++
		x := sheet.Left + float64(slot%sheet.Cols)*sheet.W
		y := sheet.Top + float64(slot/sheet.Cols)*sheet.H
		lines := a.lines()
		top := y + (sheet.H-float64(len(lines))*lineH)/2
		// The text starts labelPadding inside the label (a cell adds its
		// own margin before the text).
		m := pdf.GetCellMargin()
		for i, l := range lines {
			pdf.SetXY(x+labelPadding-m, top+float64(i)*lineH)
			cw := sheet.W - 2*labelPadding + 2*m
			pdf.CellFormat(cw, lineH, fit(pdf, l, cw), "", 0, "L", false, 0, "")
		}
		if err := pdf.Error(); err != nil {
			return fmt.Errorf("labels: %w", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if len(incomplete) > 0 || n == 0 {
		pdf.SetMargins(20, 20, 20)
		pdf.SetAutoPageBreak(true, 20)
		pdf.AddPage()
		pdf.SetFont(fontFamily, "B", 13)
		pdf.MultiCell(0, 7, t.Incomplete(len(incomplete)), "", "L", false)
		pdf.Ln(2)
		pdf.SetFont(fontFamily, "", 10)
		for _, name := range incomplete {
			pdf.CellFormat(0, 5, name, "", 1, "L", false, 0, "")
		}
	}
	if err := pdf.Output(w); err != nil {
		return fmt.Errorf("labels: %w", err)
	}
	return nil
}
