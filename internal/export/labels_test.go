package export

import (
	"bytes"
	"fmt"
	"math"
	"strings"
	"testing"

	"mila/internal/export/pdftext"
)

const ptPerMM = 72 / 25.4

// TestLabelsGeometry prints 25 complete and 3 incomplete addresses on
// each sheet and finds every label's first word where the sheet's
// label is: column by column, row by row, a new sheet after the last
// label, and the incomplete ones by name on a last page.
func TestLabelsGeometry(t *testing.T) {
	var addrs []Address
	for i := range 28 {
		a := Address{Name: fmt.Sprintf("Name%02d Łęcki-Müller", i), Street: "Hauptstraße", HouseNumber: fmt.Sprint(i + 1),
			PostalCode: fmt.Sprintf("%05d", 1067+i), City: "Köln"}
		if i%10 == 9 { // 9, 19: no city; 27: no street
			a.City = ""
		}
		if i == 27 {
			a.Street, a.City = "", "Köln"
		}
		addrs = append(addrs, a)
	}
	texts := LabelTexts{Title: "Etiketten", Incomplete: func(n int) string { return fmt.Sprintf("Ohne vollständige Anschrift (%d)", n) }}
	for _, name := range LabelSheetNames {
		sheet := LabelSheets[name]
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			err := Labels(&buf, sheet, texts, "de", func(fn func(Address) error) error {
				for _, a := range addrs {
					if err := fn(a); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			pages := pdfWords(t, buf.Bytes())
			perPage := sheet.Cols * sheet.Rows
			complete := 25
			wantPages := (complete+perPage-1)/perPage + 1
			if len(pages) != wantPages {
				t.Fatalf("%d pages, want %d", len(pages), wantPages)
			}
			slot := 0
			for i, a := range addrs {
				first := strings.Fields(a.Name)[0]
				if !a.Complete() {
					if findWord(pages[len(pages)-1], first) == nil {
						t.Errorf("%s (incomplete) not on the last page", first)
					}
					continue
				}
				page := slot / perPage
				s := slot % perPage
				slot++
				w := findWord(pages[page], first)
				if w == nil {
					t.Errorf("label %d (%s) not on page %d", i, first, page+1)
					continue
				}
				wantX := (sheet.Left + float64(s%sheet.Cols)*sheet.W + labelPadding) * ptPerMM
				labelTop := (sheet.Top + float64(s/sheet.Cols)*sheet.H) * ptPerMM
				if math.Abs(w.XMin-wantX) > 1.5 {
					t.Errorf("%s at x %.1f pt, want %.1f", first, w.XMin, wantX)
				}
				if w.YMin < labelTop || w.YMin > labelTop+sheet.H*ptPerMM/2 {
					t.Errorf("%s at y %.1f pt, outside the upper half of its label (%.1f–%.1f)", first, w.YMin, labelTop, labelTop+sheet.H*ptPerMM/2)
				}
				// The label's lines: street and postal code with city, on it.
				if findWord(pages[page], "01067") == nil && i == 0 {
					t.Error("postal code of the first label missing")
				}
			}
			last := pages[len(pages)-1]
			if findWord(last, "(3)") == nil {
				t.Errorf("last page does not head the 3 incomplete addresses: %v", last)
			}
		})
	}
}

func pdfWords(t *testing.T, pdf []byte) [][]pdftext.Word {
	t.Helper()
	pdfText(t, pdf) // skips without pdftotext
	return pdftext.Words(t, pdf)
}

func findWord(words []pdftext.Word, text string) *pdftext.Word {
	for i := range words {
		if words[i].Text == text {
			return &words[i]
		}
	}
	return nil
}
