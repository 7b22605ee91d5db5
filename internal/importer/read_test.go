package importer_test

import (
	"context"
	"testing"

	"golang.org/x/text/encoding/charmap"

	"mila/internal/importer"
	"mila/internal/membership"
	"mila/internal/testpg"
)

// TestEncodingsAndSeparators: the same register in every encoding and
// separator a club's spreadsheet writes reads the same: umlauts intact,
// the quoted address with a line break one cell.
func TestEncodingsAndSeparators(t *testing.T) {
	t.Parallel()
	db := testpg.New(t)
	rowsFor := func(sep string) string {
		return "Vorname" + sep + "Nachname" + sep + "E-Mail" + sep + "Ort" + sep + "Notizen\r\n" +
			"Jörg" + sep + "Müller" + sep + "joerg@example.org" + sep + "Köln" + sep + "\"erste Zeile\nzweite Zeile" + sep + " mit Trenner\"\r\n" +
			"Änne" + sep + "Weiß" + sep + "aenne@example.org" + sep + "Düsseldorf" + sep + "\r\n"
	}
	win := func(s string) string {
		b, err := charmap.Windows1252.NewEncoder().String(s)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for _, c := range []struct {
		name, content, encoding, sep string
	}{
		{"utf8 comma", rowsFor(","), importer.EncodingUTF8, ","},
		{"utf8 bom semicolon", "\uFEFF" + rowsFor(";"), importer.EncodingUTF8, ";"},
		{"utf8 tab", rowsFor("\t"), importer.EncodingUTF8, "\t"},
		{"windows-1252 semicolon", win(rowsFor(";")), importer.EncodingWindows1252, ";"},
		{"windows-1252 comma", win(rowsFor(",")), importer.EncodingWindows1252, ","},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := dryRun(t, db, csvFile(c.content), importer.Options{})
			if b.Spec.Encoding != c.encoding || b.Spec.Separator != c.sep {
				t.Fatalf("read as %s %q, want %s %q", b.Spec.Encoding, b.Spec.Separator, c.encoding, c.sep)
			}
			if b.Total != 2 || b.New != 2 || b.Errors != 0 {
				t.Fatalf("counts %+v", b)
			}
			rs := rows(t, db, b.ID)
			if rs[0].Cells[0] != "Jörg" || rs[0].Cells[1] != "Müller" || rs[1].Cells[1] != "Weiß" || rs[0].Cells[3] != "Köln" {
				t.Fatalf("cells %q %q", rs[0].Cells, rs[1].Cells)
			}
			if rs[0].Cells[4] != "erste Zeile\nzweite Zeile"+c.sep+" mit Trenner" {
				t.Fatalf("quoted cell %q", rs[0].Cells[4])
			}
			if rs[0].Line != 2 || rs[1].Line != 3 { // records, as a spreadsheet numbers its rows
				t.Fatalf("lines %d %d", rs[0].Line, rs[1].Line)
			}
		})
	}
}

// TestSuggestGermanAndEnglish: headings in either language, the column
// names an export writes, and custom fields by name or slug.
func TestSuggestGermanAndEnglish(t *testing.T) {
	t.Parallel()
	db := testpg.New(t)
	nr := field(t, db, numberField)
	header := []string{"Vorname", "Nachname", "E-Mail", "PLZ", "Ort", "Eintritt", "Austritt", "Straße", "Gruppen", "mitgliedsnummer", "Irgendwas",
		"first_name", "Phone"}
	m := importer.Suggest(header, []membership.CustomField{nr})
	want := []string{"first_name", "last_name", "email", "postal_code", "city", "join_date", "exit_date", "street", "groups",
		importer.CustomTarget(nr.Slug), "", "", "phone"}
	for i, c := range m.Columns {
		if c.Target != want[i] {
			t.Errorf("%q → %q, want %q", header[i], c.Target, want[i])
		}
	}
	pv, err := importer.Importer{DB: db}.Inspect(context.Background(), admin, csvFile("Nr;Vorname;Nachname;Mitgliedsnummer\n1;A;B;7\n"))
	if err != nil {
		t.Fatal(err)
	}
	if pv.Options.Match != importer.MatchNumber || pv.Options.NumberField != nr.Slug {
		t.Fatalf("suggested options %+v", pv.Options)
	}
	if len(pv.Sample) != 1 || pv.Sample[0][1] != "A" {
		t.Fatalf("sample %q", pv.Sample)
	}
}
