package export

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"mila/internal/export/pdftext"
	"mila/internal/membership"
)

var asOf = time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)

func testTable(lang string) Table {
	t := Table{
		Lang: lang, Title: "Mitglieder: Jugend U14", Filter: "Aktive Mitglieder · Gruppe: Jugend U14",
		AsOf: asOf, Sheet: "Mitglieder", Yes: "Ja", No: "Nein", AsOfText: "Stand: 03.12.2026",
		PageText: func(x, y string) string { return "Seite " + x + " von " + y },
		Columns: []Column{
			{"Nachname", membership.KindText}, {"Postleitzahl", membership.KindCode},
			{"Eintrittsdatum", membership.KindDate}, {"Gruppen", membership.KindInt},
			{"Schlüssel", membership.KindBool}, {"Notizen", membership.KindText},
		},
	}
	return t
}

// tricky are values spreadsheets get wrong.
var tricky = [][]any{
	{"Müller-Lüdenscheidt", "01067", time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC), int64(3), true, "eine Zeile\nund noch eine; mit Semikolon"},
	{"Łukasiewicz", "00100", time.Date(1999, 1, 5, 0, 0, 0, 0, time.UTC), int64(0), false, "=HYPERLINK(\"http://x\")"},
	{"Doğan", nil, nil, int64(1), false, "+49 171 1234567"},
	{"José Straße", "12345", time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC), int64(12), true, "-1+1"},
	{"@home", "99999", nil, nil, nil, "\tTab"},
	{"Quote \"q\"", "1", nil, nil, nil, "\rCR"},
}

func rowsOf(data [][]any) Rows {
	return func(fn func([]any) error) error {
		buf := make([]any, 0, 8)
		for _, r := range data {
			buf = append(buf[:0], r...)
			if err := fn(buf); err != nil {
				return err
			}
		}
		return nil
	}
}

// TestCSVGermanExcel reads the file back as German Excel does: UTF-8
// by its BOM, ";" between fields, RFC 4180 quotes; dates dd.mm.yyyy,
// formulas inert.
func TestCSVGermanExcel(t *testing.T) {
	var buf bytes.Buffer
	if err := CSV(&buf, testTable("de"), rowsOf(tricky)); err != nil {
		t.Fatal(err)
	}
	raw := buf.Bytes()
	if !bytes.HasPrefix(raw, []byte("\xEF\xBB\xBF")) {
		t.Fatalf("no BOM: % x", raw[:3])
	}
	if bytes.Contains(raw, []byte("sep=")) {
		t.Fatal("sep= line written")
	}
	if !bytes.HasSuffix(raw, []byte("\r\n")) {
		t.Fatal("lines do not end in CRLF")
	}
	r := csv.NewReader(bytes.NewReader(raw[3:]))
	r.Comma = ';'
	got, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"Nachname", "Postleitzahl", "Eintrittsdatum", "Gruppen", "Schlüssel", "Notizen"},
		{"Müller-Lüdenscheidt", "01067", "29.02.2024", "3", "Ja", "eine Zeile\nund noch eine; mit Semikolon"},
		{"Łukasiewicz", "00100", "05.01.1999", "0", "Nein", "'=HYPERLINK(\"http://x\")"},
		{"Doğan", "", "", "1", "Nein", "'+49 171 1234567"},
		{"José Straße", "12345", "03.12.2026", "12", "Ja", "'-1+1"},
		{"'@home", "99999", "", "", "", "'\tTab"},
		{"Quote \"q\"", "1", "", "", "", "'\rCR"},
	}
	if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", want) {
		t.Errorf("read back:\n%q\nwant\n%q", got, want)
	}
	// The line break inside a value is kept inside its quotes.
	if !bytes.Contains(raw, []byte("\"eine Zeile\nund noch eine; mit Semikolon\"")) {
		t.Errorf("multi-line value not quoted as RFC 4180 says:\n%s", raw)
	}
}

func TestCSVEnglish(t *testing.T) {
	var buf bytes.Buffer
	tab := testTable("en")
	tab.Yes, tab.No = "Yes", "No"
	if err := CSV(&buf, tab, rowsOf(tricky[:2])); err != nil {
		t.Fatal(err)
	}
	raw := buf.Bytes()
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(raw, []byte("\xEF\xBB\xBF"))))
	got, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[1][2] != "2024-02-29" || got[2][2] != "1999-01-05" || got[1][4] != "Yes" || got[1][5] != "eine Zeile\nund noch eine; mit Semikolon" {
		t.Errorf("English CSV read back as %q", got)
	}
	if !bytes.HasPrefix(raw, []byte("\xEF\xBB\xBFNachname,Postleitzahl,")) {
		t.Errorf("English CSV does not start with BOM and comma-separated header: %q", raw[:40])
	}
}

// TestXLSXReadBack opens the workbook with excelize: typed cells,
// leading zeros, umlauts, bold frozen header, widths.
func TestXLSXReadBack(t *testing.T) {
	var buf bytes.Buffer
	if err := XLSX(&buf, testTable("de"), rowsOf(tricky)); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	const sh = "Mitglieder"
	check := func(cell, want string, typ excelize.CellType) {
		t.Helper()
		got, err := f.GetCellValue(sh, cell)
		if err != nil || got != want {
			t.Errorf("%s = %q (%v), want %q", cell, got, err, want)
		}
		ct, err := f.GetCellType(sh, cell)
		if err != nil || ct != typ {
			t.Errorf("%s type = %v (%v), want %v", cell, ct, err, typ)
		}
	}
	check("A1", "Nachname", excelize.CellTypeInlineString)
	check("A2", "Müller-Lüdenscheidt", excelize.CellTypeInlineString)
	check("A3", "Łukasiewicz", excelize.CellTypeInlineString)
	check("A4", "Doğan", excelize.CellTypeInlineString)
	check("B2", "01067", excelize.CellTypeInlineString)
	check("B3", "00100", excelize.CellTypeInlineString)
	check("C2", "29.02.2024", excelize.CellTypeUnset) // a number with a date format
	check("D5", "12", excelize.CellTypeUnset)
	check("E2", "TRUE", excelize.CellTypeBool)
	check("F3", "=HYPERLINK(\"http://x\")", excelize.CellTypeInlineString)
	raw, err := f.GetCellValue(sh, "C2", excelize.Options{RawCellValue: true})
	if err != nil || raw != "45351" { // 2024-02-29 as an Excel serial day
		t.Errorf("C2 raw = %q (%v), want the serial 45351", raw, err)
	}
	if formula, _ := f.GetCellFormula(sh, "F3"); formula != "" {
		t.Errorf("F3 became a formula: %q", formula)
	}
	style, err := f.GetCellStyle(sh, "A1")
	if err != nil {
		t.Fatal(err)
	}
	st, err := f.GetStyle(style)
	if err != nil || st.Font == nil || !st.Font.Bold {
		t.Errorf("header not bold: %+v %v", st, err)
	}
	panes, err := f.GetPanes(sh)
	if err != nil || !panes.Freeze || panes.YSplit != 1 {
		t.Errorf("header not frozen: %+v %v", panes, err)
	}
	wA, _ := f.GetColWidth(sh, "A")
	wB, _ := f.GetColWidth(sh, "B")
	if wA <= wB || wA < 19 {
		t.Errorf("widths not fitted: A %v, B %v", wA, wB)
	}
	rows, _ := f.GetRows(sh)
	if len(rows) != len(tricky)+1 {
		t.Errorf("%d rows, want %d", len(rows), len(tricky)+1)
	}
}

// pdfText extracts a PDF's text with pdftotext (poppler-utils; make test
// installs it) and its page count with pdfinfo.
func pdfText(t *testing.T, pdf []byte) (pages []string) {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		if os.Getenv("MILA_REQUIRE_BROWSER") != "" {
			t.Fatal("pdftotext missing (Debian poppler-utils)")
		}
		t.Skip("pdftotext missing (Debian poppler-utils)")
	}
	return pdftext.PDFPages(t, pdf)
}

// TestPDFList checks the PDF's text: title, filter, date, the header
// on every page, "page x of y", every row with its accents.
func TestPDFList(t *testing.T) {
	var data [][]any
	for i := range 120 {
		r := append([]any(nil), tricky[i%len(tricky)]...)
		r[0] = fmt.Sprintf("%s %03d", r[0], i)
		data = append(data, r)
	}
	var buf bytes.Buffer
	if err := PDF(&buf, testTable("de"), rowsOf(data)); err != nil {
		t.Fatal(err)
	}
	pages := pdfText(t, buf.Bytes())
	if len(pages) < 3 {
		t.Fatalf("%d pages for 120 rows, want at least 3", len(pages))
	}
	all := strings.Join(pages, "\n")
	for _, want := range []string{"Mitglieder: Jugend U14", "Aktive Mitglieder · Gruppe: Jugend U14", "Stand: 03.12.2026"} {
		if !strings.Contains(pages[0], want) {
			t.Errorf("first page lacks %q:\n%s", want, pages[0])
		}
	}
	for i, p := range pages {
		if !strings.Contains(p, "Nachname") || !strings.Contains(p, "Eintrittsdatum") {
			t.Errorf("page %d lacks the header row:\n%s", i+1, p)
		}
		if want := fmt.Sprintf("Seite %d von %d", i+1, len(pages)); !strings.Contains(p, want) {
			t.Errorf("page %d lacks %q:\n%s", i+1, want, p)
		}
	}
	for i, r := range data {
		if !strings.Contains(all, r[0].(string)) {
			t.Errorf("row %d (%s) missing", i, r[0])
		}
	}
	for _, want := range []string{"Müller-Lüdenscheidt", "Łukasiewicz", "Doğan", "José Straße", "29.02.2024"} {
		if !strings.Contains(all, want) {
			t.Errorf("text lacks %q", want)
		}
	}
}
