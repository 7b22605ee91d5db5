package importer_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"mila/internal/authz"
	"mila/internal/importer"
	"mila/internal/membership"
	"mila/internal/testpg"
)

// TestXLSX: a workbook's chosen sheet, Excel serial dates (the cell as
// stored, whatever its display format), numbers as text.
func TestXLSX(t *testing.T) {
	t.Parallel()
	db := testpg.New(t)
	ctx := context.Background()
	join := time.Date(2021, 3, 15, 0, 0, 0, 0, time.UTC)
	content := workbook(t, map[string][][]any{
		"Notizen":    {{"irrelevant"}},
		"Mitglieder": {{"Vorname", "Nachname", "E-Mail", "PLZ", "Eintritt"}, {"Jörg", "Müller", "j@example.org", 50667, join}, {"Änne", "Weiß", "", "01067", 44197}},
	}, "Notizen", "Mitglieder")
	f := file("register.xlsx", content)
	sheets, err := importer.Sheets(f)
	if err != nil || strings.Join(sheets, ",") != "Notizen,Mitglieder" {
		t.Fatalf("sheets %q, %v", sheets, err)
	}
	f.Sheet = "Mitglieder"
	b := dryRun(t, db, f, importer.Options{})
	if b.Spec.Format != importer.FormatXLSX || b.New != 2 || b.Errors != 0 {
		t.Fatalf("dry run %+v %+v", b, rows(t, db, b.ID))
	}
	commit(t, db, b, false)
	var got string
	err = db.QueryRow(ctx, `SELECT string_agg(first_name || ' ' || postal_code || ' ' || join_date, '|' ORDER BY first_name) FROM members`).Scan(&got)
	if err != nil || got != "Jörg 50667 2021-03-15|Änne 01067 2021-01-01" {
		t.Fatalf("imported %q, %v", got, err)
	}
	f.Sheet = "Fehlt"
	_, err = importer.Importer{DB: db}.DryRun(ctx, admin, f, importer.Mapping{}, importer.Options{})
	wantMsg(t, err, importer.MsgNoSheet)
}

// TestLateFailureLeavesNothing: the commit fails at the file's last
// row (its membership number was taken after the dry run; an email could
// be shared, migration 00026) after several chunks were written: the
// register is unchanged, the batch failed with the reason.
func TestLateFailureLeavesNothing(t *testing.T) {
	t.Parallel()
	db := testpg.New(t)
	number := field(t, db, numberField)
	const n = 1_500 // three chunks of the test's commits
	var b strings.Builder
	b.WriteString("Vorname;Nachname;E-Mail;Gruppen;Mitgliedsnummer\n")
	for i := range n {
		fmt.Fprintf(&b, "Vor%d;Nach%d;m%d@example.org;Neu;%d\n", i, i, i, 10_000+i)
	}
	batch := dryRun(t, db, csvFile(b.String()), importer.Options{CreateGroups: true})
	if batch.New != n {
		t.Fatalf("dry run %+v", batch)
	}
	member(t, db, membership.MemberInput{FirstName: "Zuletzt", LastName: "Da", Custom: map[string]string{number.Slug: fmt.Sprint(10_000 + n - 1)}})
	before := memberData(t, db)
	got := commit(t, db, batch, false)
	if got.State != importer.StateFailed || got.Failure.ID != importer.MsgConflict {
		t.Fatalf("batch after the failure %+v", got)
	}
	if after := memberData(t, db); after != before {
		t.Fatalf("a failed commit changed %s", changedTables(before, after))
	}
}

// TestUndoRefusedAfterChange: once a member of the batch was saved
// since, undo is refused and changes nothing.
func TestUndoRefusedAfterChange(t *testing.T) {
	t.Parallel()
	db := testpg.New(t)
	ctx := context.Background()
	im := importer.Importer{DB: db}
	m := member(t, db, membership.MemberInput{FirstName: "Anna", LastName: "Becker", Email: "anna@example.org"})
	b := commit(t, db, dryRun(t, db, csvFile("E-Mail,Ort,Vorname,Nachname\nanna@example.org,Köln,,\nbob@example.org,Bonn,Bob,Baum\n"), importer.Options{}), false)
	if b.New != 1 || b.Updated != 1 {
		t.Fatalf("import %+v", b)
	}
	cur, err := membership.NewMembers(db).Get(ctx, admin, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	_, err = membership.NewMembers(db).Update(ctx, admin, m.ID, membership.MemberInput{FirstName: "Anna", LastName: "Becker",
		Email: "anna@example.org", City: "Aachen", Version: cur.Version})
	if err != nil {
		t.Fatal(err)
	}
	before := memberData(t, db)
	wantMsg(t, im.Undo(ctx, admin, b.ID), importer.MsgChangedSince)
	if after := memberData(t, db); after != before {
		t.Fatal("a refused undo changed the register")
	}
}

// TestStaleDryRun: a member saved between the dry run and the commit
// makes the commit fail rather than overwrite that change.
func TestStaleDryRun(t *testing.T) {
	t.Parallel()
	db := testpg.New(t)
	ctx := context.Background()
	m := member(t, db, membership.MemberInput{FirstName: "Anna", LastName: "Becker", Email: "anna@example.org"})
	b := dryRun(t, db, csvFile("E-Mail,Ort\nanna@example.org,Köln\n"), importer.Options{Mode: importer.ModeUpdate})
	if _, err := (membership.NewMembers(db)).Update(ctx, admin, m.ID, membership.MemberInput{FirstName: "Anna", LastName: "B", Version: m.Version}); err != nil {
		t.Fatal(err)
	}
	if got := commit(t, db, b, false); got.State != importer.StateFailed || got.Failure.ID != importer.MsgStale {
		t.Fatalf("stale commit %+v", got)
	}
}

// TestErrorRowsAndValidOnly: a dry run with errors cannot be committed
// unless only the valid rows are; the error rows download as CSV with
// an "error" column, in the viewer's language, and import again once fixed.
func TestErrorRowsAndValidOnly(t *testing.T) {
	t.Parallel()
	db := testpg.New(t)
	ctx := context.Background()
	im := importer.Importer{DB: db}
	src := "Vorname;Nachname;E-Mail;Eintritt\nAnna;Becker;anna@example.org;01.02.2020\nBob;;kein-email;31.02.2020\n"
	b := dryRun(t, db, csvFile(src), importer.Options{})
	wantMsg(t, im.Commit(ctx, admin, b.ID, false), importer.MsgHasErrors)

	texts, err := importer.NewTexts(os.DirFS("../web/locales"))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := im.WriteErrorCSV(ctx, admin, b.ID, &out, func(m importer.Msg) string { return texts.Text(m, "de") }); err != nil {
		t.Fatal(err)
	}
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(out.String(), "\uFEFF")))
	r.Comma = ';'
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 || strings.Join(recs[0], "|") != "Vorname|Nachname|E-Mail|Eintritt|error" || recs[1][0] != "Bob" ||
		!strings.Contains(recs[1][4], "Eintritt: Kein Datum im Format") || !strings.Contains(recs[1][4], "Nachname: Bitte füllen") ||
		!strings.Contains(recs[1][4], "E-Mail: Geben Sie eine E-Mail-Adresse") {
		t.Fatalf("error CSV %q", recs)
	}
	page, err := im.Rows(ctx, admin, b.ID, importer.RowQuery{Search: "kein-EMAIL"})
	if err != nil || page.Total != 1 || page.Rows[0].Line != 3 {
		t.Fatalf("search %+v, %v", page, err)
	}
	if page, _ = im.Rows(ctx, admin, b.ID, importer.RowQuery{Status: importer.StatusNew}); page.Total != 1 || page.Rows[0].Line != 2 {
		t.Fatalf("filter new %+v", page)
	}

	if got := commit(t, db, b, true); got.State != importer.StateDone {
		t.Fatalf("valid rows only %+v", got)
	}
	// Fixed and uploaded again: the "error" column is ignored.
	fixed := strings.Replace(strings.Replace(out.String(), "Bob;;kein-email;31.02.2020", "Bob;Baum;bob@example.org;28.02.2020", 1), "\r\n", "\n", -1)
	b2 := dryRun(t, db, file("fehler.csv", []byte(fixed)), importer.Options{})
	if b2.New != 1 || b2.Errors != 0 {
		t.Fatalf("re-upload %+v %+v", b2, rows(t, db, b2.ID))
	}
}

// TestOnlyAdminsImport: every action asks the permission table.
func TestOnlyAdminsImport(t *testing.T) {
	t.Parallel()
	db := testpg.New(t)
	ctx := context.Background()
	im := importer.Importer{DB: db}
	b := dryRun(t, db, csvFile("Vorname,Nachname,E-Mail\nA,B,a@example.org\n"), importer.Options{})
	for _, set := range []authz.PermissionSet{authz.OwnData, authz.ReadOnly, authz.NormalUser} {
		a := authz.Actor{UserID: "u", Set: set}
		f := csvFile("Vorname,Nachname,E-Mail\nA,B,a@example.org\n")
		_, err1 := im.Inspect(ctx, a, f)
		_, err2 := im.DryRun(ctx, a, f, importer.Mapping{}, importer.Options{})
		err3 := im.Commit(ctx, a, b.ID, false)
		err4 := im.Undo(ctx, a, b.ID)
		_, _, err5 := im.Batches(ctx, a, 10, 0)
		_, err6 := im.Rows(ctx, a, b.ID, importer.RowQuery{})
		err7 := im.SaveMapping(ctx, a, "x", importer.Mapping{}, importer.Options{})
		for i, err := range []error{err1, err2, err3, err4, err5, err6, err7} {
			if !isForbidden(err) {
				t.Errorf("%s, action %d: %v", set, i+1, err)
			}
		}
	}
}

// TestSavedMappings: a mapping saved under a name comes back, replaced
// by a save under the same name in other case.
func TestSavedMappings(t *testing.T) {
	t.Parallel()
	db := testpg.New(t)
	ctx := context.Background()
	im := importer.Importer{DB: db}
	m := importer.Mapping{Columns: []importer.ColumnMap{{Header: "Eintritt", Target: "join_date", DateFormat: importer.DateDMY}}}
	if err := im.SaveMapping(ctx, admin, "Kassenliste", m, importer.Options{Match: importer.MatchEmail}); err != nil {
		t.Fatal(err)
	}
	if err := im.SaveMapping(ctx, admin, "kassenliste", m, importer.Options{Match: importer.MatchNumber}); err != nil {
		t.Fatal(err)
	}
	got, err := im.MappingNamed(ctx, admin, "KASSENLISTE")
	if err != nil || got.Name != "Kassenliste" || got.Options.Match != importer.MatchNumber || got.Mapping.Columns[0].DateFormat != importer.DateDMY {
		t.Fatalf("saved mapping %+v, %v", got, err)
	}
	wantMsg(t, im.SaveMapping(ctx, admin, "  ", m, importer.Options{}), importer.MsgMappingName)
	if list, err := im.Mappings(ctx, admin); err != nil || len(list) != 1 {
		t.Fatalf("list %+v, %v", list, err)
	}
	if err := im.DeleteMapping(ctx, admin, "Kassenliste"); err != nil {
		t.Fatal(err)
	}
	_, err = im.MappingNamed(ctx, admin, "Kassenliste")
	wantMsg(t, err, importer.MsgNotFound)
}

// TestRecoverInterrupted: a started batch whose data transaction is gone
// is marked rolled back; one still running (locked) is left alone.
func TestRecoverInterrupted(t *testing.T) {
	t.Parallel()
	db := testpg.New(t)
	ctx := context.Background()
	im := importer.Importer{DB: db}
	a := dryRun(t, db, csvFile("Vorname,Nachname,E-Mail\nA,B,a@example.org\n"), importer.Options{})
	b := dryRun(t, db, csvFile("Vorname,Nachname,E-Mail\nC,D,c@example.org\n"), importer.Options{})
	for _, x := range []importer.Batch{a, b} {
		if err := im.Commit(ctx, admin, x.ID, false); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(ctx, `INSERT INTO import_progress (batch_id) VALUES ($1)`, x.ID); err != nil {
			t.Fatal(err)
		}
	}
	running, err := db.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer running.Rollback(ctx) //nolint:errcheck // the test's stand-in for a live worker
	if _, err := running.Exec(ctx, `SELECT 1 FROM import_batches WHERE id = $1 FOR NO KEY UPDATE`, b.ID); err != nil {
		t.Fatal(err)
	}
	if n, err := importer.RecoverInterrupted(ctx, db); err != nil || n != 1 {
		t.Fatalf("recovered %d, %v", n, err)
	}
	ga, _ := im.Batch(ctx, admin, a.ID)
	gb, _ := im.Batch(ctx, admin, b.ID)
	if ga.State != importer.StateRolledBack || ga.Failure.ID != importer.MsgInterrupted || gb.State != importer.StateRunning {
		t.Fatalf("states %s (%s), %s", ga.State, ga.Failure.ID, gb.State)
	}
}
