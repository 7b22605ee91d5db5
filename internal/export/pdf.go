package export

import (
	"embed"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"

	"codeberg.org/go-pdf/fpdf"
)

// fonts holds DejaVu Sans Condensed (regular and bold), which `npm run
// build` copies from the npm package dejavu-fonts-ttf: Latin, Greek and
// Cyrillic with every accent a member's name may carry (ä ö ü ß é ł ğ …).
// Licence: Bitstream Vera / DejaVu (free to use, embed and redistribute;
// fonts/LICENSE). The files are not committed; fonts/.gitkeep keeps a
// clean clone compiling.
//
//go:embed all:fonts
var fonts embed.FS

// ErrNoFont: the binary was built without its PDF font (run make assets).
var ErrNoFont = errors.New("export: PDF font missing (build the assets: make assets)")

var loadFonts = sync.OnceValues(func() ([2][]byte, error) {
	regular, err1 := fonts.ReadFile("fonts/DejaVuSansCondensed.ttf")
	bold, err2 := fonts.ReadFile("fonts/DejaVuSansCondensed-Bold.ttf")
	if err1 != nil || err2 != nil {
		return [2][]byte{}, ErrNoFont
	}
	return [2][]byte{regular, bold}, nil
})

// Fonts returns the embedded PDF font (regular and bold), for other PDFs
// of Mila (the access export, internal/privacy) to print alike.
func Fonts() (regular, bold []byte, err error) {
	f, err := loadFonts()
	return f[0], f[1], err
}

const fontFamily = "DejaVu"

// newPDF starts an A4 document in the given orientation ("L" or "P")
// with the embedded font.
func newPDF(orientation string, t Table) (*fpdf.Fpdf, error) {
	ttf, err := loadFonts()
	if err != nil {
		return nil, err
	}
	pdf := fpdf.New(orientation, "mm", "A4", "")
	pdf.AddUTF8FontFromBytes(fontFamily, "", ttf[0])
	pdf.AddUTF8FontFromBytes(fontFamily, "B", ttf[1])
	pdf.SetTitle(t.Title, true)
	pdf.SetCreator("Mila", true)
	pdf.SetLang(t.Lang)
	pdf.SetCreationDate(t.AsOf)
	pdf.SetModificationDate(t.AsOf)
	return pdf, pdf.Error()
}

// PDF layout of the list, in mm.
const (
	pdfMargin  = 10.0
	pdfRowH    = 5.5
	pdfFont    = 8.5
	pdfMinColW = 12.0
)

// PDF writes the table as a landscape A4 list: the title, what the list
// shows and its date at the top; the header row repeated on every page;
// "page x of y" at the foot. Long values are cut to their column with
// "…" (line breaks become spaces); the columns share the width by the
// header and the first rows.
func PDF(w io.Writer, t Table, rows Rows) error {
	pdf, err := newPDF("L", t)
	if err != nil {
		return err
	}
	pdf.SetMargins(pdfMargin, pdfMargin, pdfMargin)
	pdf.SetAutoPageBreak(true, pdfMargin+6)
	pdf.AliasNbPages("{nb}")
	pageW, _ := pdf.GetPageSize()
	usable := pageW - 2*pdfMargin
	var colW []float64

	header := func() {
		if pdf.PageNo() == 1 {
			pdf.SetFont(fontFamily, "B", 14)
			pdf.CellFormat(usable, 7, t.Title, "", 1, "L", false, 0, "")
			pdf.SetFont(fontFamily, "", 9)
			if t.Filter != "" {
				pdf.MultiCell(usable, 4.5, t.Filter, "", "L", false)
			}
			pdf.CellFormat(usable, 5, t.AsOfText, "", 1, "L", false, 0, "")
			pdf.Ln(2)
		} else {
			pdf.SetFont(fontFamily, "", 8)
			pdf.CellFormat(usable, 5, t.Title+" · "+t.AsOfText, "", 1, "L", false, 0, "")
		}
		pdf.SetFont(fontFamily, "B", pdfFont)
		pdf.SetFillColor(225, 225, 225)
		for i, c := range t.Columns {
			pdf.CellFormat(colW[i], pdfRowH+0.5, fit(pdf, c.Label, colW[i]), "B", 0, "L", true, 0, "")
		}
		pdf.Ln(-1)
		pdf.SetFont(fontFamily, "", pdfFont)
	}
	pdf.SetHeaderFunc(header)
	pdf.SetFooterFunc(func() {
		pdf.SetY(-pdfMargin - 2)
		pdf.SetFont(fontFamily, "", 8)
		page := strconv.Itoa(pdf.PageNo())
		if t.PageText != nil {
			page = t.PageText(page, "{nb}")
		}
		pdf.CellFormat(usable/2, 4, t.Title, "", 0, "L", false, 0, "")
		pdf.CellFormat(usable/2, 4, page, "", 0, "R", false, 0, "")
	})

	line := 0
	write := func(values []any) error {
		line++
		fill := line%2 == 0
		pdf.SetFillColor(245, 245, 245)
		for i := range t.Columns {
			var v any
			if i < len(values) {
				v = values[i]
			}
			pdf.CellFormat(colW[i], pdfRowH, fit(pdf, oneLine(t.text(v, true)), colW[i]), "", 0, "L", fill, 0, "")
		}
		pdf.Ln(-1)
		if err := pdf.Error(); err != nil {
			return fmt.Errorf("pdf: %w", err)
		}
		return nil
	}
	start := func(s *sample) error {
		colW = pdfColumnWidths(s.widths(t, 45, true), usable)
		pdf.AddPage()
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
	if err := pdf.Output(w); err != nil {
		return fmt.Errorf("pdf: %w", err)
	}
	return nil
}

// pdfColumnWidths shares usable mm between columns in proportion to
// their widest values (in characters), each at least pdfMinColW when
// there is room.
func pdfColumnWidths(chars []int, usable float64) []float64 {
	out := make([]float64, len(chars))
	if len(chars) == 0 {
		return out
	}
	total := 0.0
	for _, c := range chars {
		total += float64(max(c, 3))
	}
	minW := min(pdfMinColW, usable/float64(len(chars)))
	// Give every column its minimum, then the rest by share.
	rest := usable - minW*float64(len(chars))
	for i, c := range chars {
		out[i] = minW + rest*float64(max(c, 3))/total
	}
	return out
}

// fit cuts s to fit a cell of width w (with the cell's inner margins),
// ending it in "…".
func fit(pdf *fpdf.Fpdf, s string, w float64) string {
	room := w - 2*pdf.GetCellMargin()
	if pdf.GetStringWidth(s) <= room {
		return s
	}
	r := []rune(s)
	lo, hi := 0, len(r)
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if pdf.GetStringWidth(string(r[:mid])+"…") <= room {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return string(r[:lo]) + "…"
}
