package importer_test

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"hash/crc32"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"mila/internal/importer"
	"mila/internal/testpg"
)

// TestHostileFiles: files made to hurt get a clear message, never a
// crash or a 500 — and nothing is stored.
func TestHostileFiles(t *testing.T) {
	t.Parallel()
	db := testpg.New(t)
	ctx := context.Background()
	im := importer.Importer{DB: db}
	garbage := make([]byte, 200_000)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range garbage {
		garbage[i] = byte(r.UintN(256))
	}
	var manyCols strings.Builder
	for i := range 10_000 {
		if i > 0 {
			manyCols.WriteByte(',')
		}
		manyCols.WriteString("c")
		manyCols.WriteString(strings.Repeat("x", i%7))
		manyCols.WriteString(string(rune('a' + i%26)))
	}
	manyCols.WriteString("\n")
	for _, c := range []struct {
		name string
		f    importer.File
		want string
	}{
		{"binary garbage named .csv", importer.File{Name: "x.csv", Size: int64(len(garbage)), Data: bytes.NewReader(garbage)}, importer.MsgNotText},
		{"zip bomb named .xlsx", file("bomb.xlsx", zipBomb(t, 1<<30)), importer.MsgTooLarge},
		{"zip bomb hiding its size", file("bomb.xlsx", zipBomb(t, 1<<10)), importer.MsgBadXLSX},
		{"a zip that is no workbook", file("x.xlsx", zipOf(t, "hello.txt", []byte("hi"))), importer.MsgBadXLSX},
		{"old Excel", file("x.xls", []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0}), importer.MsgXLS},
		{"10,000 columns", csvFile(manyCols.String()), importer.MsgTooManyColumns},
		{"10 MB in one cell", csvFile("Vorname,Nachname,E-Mail\nA,\"" + strings.Repeat("x", 10<<20) + "\"\n"), importer.MsgCellTooLarge},
		{"over 50 MB", importer.File{Name: "big.csv", Size: 50<<20 + 1, Data: bytes.NewReader(nil)}, importer.MsgTooLarge},
		{"unclosed quote", csvFile("Vorname,Nachname,E-Mail\n\"A,B\nC\"D,E\n"), importer.MsgBadCSV},
		{"empty", csvFile(""), importer.MsgEmptyFile},
		{"header only", csvFile("Vorname,Nachname,E-Mail\n"), importer.MsgNoRows},
		{"duplicate headings", csvFile("Vorname,vorname,Nachname\nA,B,C\n"), importer.MsgDuplicateHeader},
		{"UTF-16", file("u.csv", []byte("\xFF\xFEV\x00o\x00")), importer.MsgNotText},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := im.DryRun(ctx, admin, c.f, mapping3, importer.Options{})
			e, ok := importer.AsError(err)
			if !ok || e.Msg.ID != c.want {
				t.Fatalf("got %v, want %s", err, c.want)
			}
			if en, de := e.Msg.Text("en"), e.Msg.Text("de"); en == e.Msg.ID || de == e.Msg.ID || en == de {
				t.Errorf("message texts: %q / %q", en, de)
			}
		})
	}
	var n int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM import_batches`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d batches stored, %v", n, err)
	}

	// A formula is a row error, not a value: it would run in the
	// spreadsheet of whoever exports and opens it next.
	b := dryRun(t, db, csvFile("Vorname,Nachname,E-Mail\n\"=HYPERLINK(\"\"http://evil\"\")\",B,\nA,B,\n"), importer.Options{})
	rs := rows(t, db, b.ID)
	if rowErrs(rs[0]) != "Vorname:"+importer.MsgRowFormula || rs[1].Status != importer.StatusNew {
		t.Fatalf("formula rows %+v", rs)
	}
}

// mapping3 maps the three columns of the hostile files.
var mapping3 = importer.Mapping{Columns: []importer.ColumnMap{
	{Header: "Vorname", Target: "first_name"}, {Header: "Nachname", Target: "last_name"}, {Header: "E-Mail", Target: "email"}}}

// zipBomb is a workbook-looking zip whose worksheet unpacks to 16 MB of
// zeros (from 16 KB) and whose directory says it unpacks to declared
// bytes: the truth (as a real bomb of a gigabyte would), or a lie that
// hides its size.
func zipBomb(t *testing.T, declared uint64) []byte {
	var raw bytes.Buffer
	fw, err := flate.NewWriter(&raw, flate.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	zero := make([]byte, 1<<20)
	for range 16 {
		if _, err := fw.Write(zero); err != nil {
			t.Fatal(err)
		}
	}
	if err := fw.Close(); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateRaw(&zip.FileHeader{Name: "xl/worksheets/sheet1.xml", Method: zip.Deflate,
		CompressedSize64: uint64(raw.Len()), UncompressedSize64: declared, CRC32: crc32.ChecksumIEEE(make([]byte, 16<<20))})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(raw.Bytes()); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func zipOf(t *testing.T, name string, content []byte) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(content); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// workbook builds an XLSX with sheets of rows (values as excelize writes them).
func workbook(t *testing.T, sheets map[string][][]any, order ...string) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, name := range order {
		if i == 0 {
			if err := f.SetSheetName("Sheet1", name); err != nil {
				t.Fatal(err)
			}
		} else if _, err := f.NewSheet(name); err != nil {
			t.Fatal(err)
		}
		for r, row := range sheets[name] {
			cell, _ := excelize.CoordinatesToCellName(1, r+1)
			if err := f.SetSheetRow(name, cell, &row); err != nil {
				t.Fatal(err)
			}
		}
	}
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
