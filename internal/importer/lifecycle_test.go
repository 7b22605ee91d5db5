package importer_test

import (
	"context"
	"strings"
	"testing"

	"mila/internal/importer"
	"mila/internal/membership"
	"mila/internal/testpg"
)

// register is a small club register: by membership number, with a
// boolean field in yes/no words, German dates and groups.
const register = "Mitgliedsnummer;Vorname;Nachname;E-Mail;Ort;Eintritt;Jugend;Gruppen\n" +
	"1;Anna;Becker;anna@example.org;Köln;01.02.2020;ja;Vorstand, Chor\n" +
	"2;Bernd;Schulz;;Bonn;2019-05-03;nein;Chor\n" +
	"3;Clara;Ömer;clara@example.org;;15.03.2021;x;\n"

// TestImportLifecycle: a dry run shows every change and writes nothing,
// the commit writes it, the same file again changes nothing, and undo
// restores the register exactly.
func TestImportLifecycle(t *testing.T) {
	t.Parallel()
	db := testpg.New(t)
	ctx := context.Background()
	im := importer.Importer{DB: db}
	nr := field(t, db, numberField)
	youth := field(t, db, membership.CustomFieldInput{Name: "Jugend", ValueType: membership.CustomFieldBoolean})
	// Bernd exists already (number 2), with a phone the file does not have.
	bernd := member(t, db, membership.MemberInput{FirstName: "Bernd", LastName: "Schulz", Phone: "0228 1234", City: "Beuel",
		JoinDate: "2019-05-03", Custom: map[string]string{nr.Slug: "2", youth.Slug: "true"}})
	if _, err := db.Exec(ctx, `INSERT INTO groups (name, slug) VALUES ('Chor', 'chor')`); err != nil {
		t.Fatal(err)
	}
	before := memberData(t, db)

	o := importer.Options{Match: importer.MatchNumber, Mode: importer.ModeUpsert, CreateGroups: true}
	b := dryRun(t, db, csvFile(register), o)
	if b.State != importer.StateDryRun || b.Total != 3 || b.New != 2 || b.Updated != 1 || b.Errors != 0 {
		t.Fatalf("dry run %+v", b)
	}
	if after := memberData(t, db); after != before {
		t.Fatal("the dry run changed the register")
	}
	rs := rows(t, db, b.ID)
	// Bernd: city Beuel → Bonn, youth true → (nein) none, Chor added;
	// his phone stays, as the file has no phone column.
	changes := map[string]importer.Change{}
	for _, c := range rs[1].Changes {
		changes[c.Field] = c
	}
	if rs[1].Status != importer.StatusUpdate || rs[1].MemberID != bernd.ID || len(changes) != 3 ||
		changes["city"].Old != "Beuel" || changes["city"].New != "Bonn" ||
		changes[importer.CustomTarget(youth.Slug)].Old != "true" || changes[importer.CustomTarget(youth.Slug)].New != "" ||
		changes["groups"].New != "Chor" {
		t.Fatalf("Bernd's changes %+v", rs[1].Changes)
	}

	done := commit(t, db, b, false)
	if done.State != importer.StateDone || done.RowsDone != 3 {
		t.Fatalf("after commit %+v", done)
	}
	var count int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM members`).Scan(&count); err != nil || count != 3 {
		t.Fatalf("%d members, %v", count, err)
	}
	got, err := membership.NewMembers(db).Get(ctx, admin, bernd.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.City != "Bonn" || got.Phone != "0228 1234" || got.Custom[youth.Slug] != "" || got.GroupCount != 1 || got.Version != bernd.Version+1 {
		t.Fatalf("Bernd after import %+v", got)
	}
	var vorstand, anna int
	if err := db.QueryRow(ctx, `SELECT member_count FROM groups WHERE name = 'Vorstand'`).Scan(&vorstand); err != nil || vorstand != 1 {
		t.Fatalf("created group Vorstand: %d members, %v", vorstand, err)
	}
	if err := db.QueryRow(ctx, `SELECT count(*) FROM members m JOIN custom_field_values v ON v.member_id = m.id
		WHERE m.first_name = 'Anna' AND m.join_date = '2020-02-01' AND v.value IN ('1', 'true')`).Scan(&anna); err != nil || anna != 2 {
		t.Fatalf("Anna's number and youth: %d, %v", anna, err)
	}

	// The same file again: nothing to do.
	again := dryRun(t, db, csvFile(register), o)
	if again.Unchanged != 3 || again.New+again.Updated+again.Errors != 0 {
		t.Fatalf("re-import %+v", again)
	}
	wantMsg(t, im.Commit(ctx, admin, again.ID, false), importer.MsgNothingToDo)

	list, total, err := im.Batches(ctx, admin, 10, 0)
	if err != nil || total != 1 || list[0].ID != b.ID || list[0].ActorName != "admin@example.org" || list[0].FileName != "members.csv" {
		t.Fatalf("history %+v (%d), %v", list, total, err)
	}

	if err := im.Undo(ctx, admin, b.ID); err != nil {
		t.Fatal(err)
	}
	if after := memberData(t, db); after != before {
		t.Fatalf("undo left differences in %s", changedTables(before, after))
	}
	wantMsg(t, im.Undo(ctx, admin, b.ID), importer.MsgNotUndoable)
	if u, _ := im.Batch(ctx, admin, b.ID); u.State != importer.StateUndone || u.UndoneAt == nil {
		t.Fatalf("after undo %+v", u)
	}
}

// TestEmptyCellsKeepValues: an empty cell never wipes a stored value; the
// clear marker does when it is enabled, and not on a required field.
func TestEmptyCellsKeepValues(t *testing.T) {
	t.Parallel()
	db := testpg.New(t)
	ctx := context.Background()
	m := member(t, db, membership.MemberInput{FirstName: "Anna", LastName: "Becker", Email: "anna@example.org", Phone: "123", City: "Köln"})
	file := csvFile("E-Mail,Vorname,Nachname,Telefon,Ort\nanna@example.org,,,,\n")
	b := dryRun(t, db, file, importer.Options{})
	if b.Unchanged != 1 {
		t.Fatalf("empty cells: %+v", b)
	}
	file = csvFile("E-Mail,Vorname,Nachname,Telefon,Ort\nanna@example.org,,#leer,#leer,Bonn\n")
	b = dryRun(t, db, file, importer.Options{}) // no marker: "#leer" is a value
	if b.Updated != 1 {
		t.Fatalf("without marker %+v %+v", b, rows(t, db, b.ID))
	}
	b = dryRun(t, db, file, importer.Options{ClearMarker: "#leer"})
	if r := rows(t, db, b.ID)[0]; r.Status != importer.StatusError || rowErrs(r) != "Nachname:"+importer.MsgRowClearDenied {
		t.Fatalf("clearing the last name: %+v", r)
	}
	file = csvFile("E-Mail,Vorname,Nachname,Telefon,Ort\nanna@example.org,,,#leer,Bonn\n")
	b = commit(t, db, dryRun(t, db, file, importer.Options{ClearMarker: "#leer"}), false)
	got, err := membership.NewMembers(db).Get(ctx, admin, m.ID)
	if err != nil || got.Phone != "" || got.City != "Bonn" || got.FirstName != "Anna" {
		t.Fatalf("after clearing %+v, %v", got, err)
	}
}

// TestMatchErrors: rows matching several members, rows of the file
// matching each other, and rows the mode refuses are errors, never guesses.
func TestMatchErrors(t *testing.T) {
	t.Parallel()
	db := testpg.New(t)
	birth := field(t, db, membership.CustomFieldInput{Name: "Geburtsdatum", ValueType: membership.CustomFieldDate})
	for range 2 {
		member(t, db, membership.MemberInput{FirstName: "Max", LastName: "Meier", Custom: map[string]string{birth.Slug: "1990-01-01"}})
	}
	member(t, db, membership.MemberInput{FirstName: "Eva", LastName: "Lang", Email: "eva@example.org", Custom: map[string]string{birth.Slug: "1985-06-07"}})
	content := "Vorname,Nachname,Geburtsdatum,E-Mail\n" +
		"Max,Meier,01.01.1990,\n" + // two members
		"Eva,Lang,07.06.1985,\n" + // one
		"Tom,Neu,02.02.2000,tom@example.org\n" + // none: new
		"tom,NEU,2000-02-02,\n" + // the row above again (case, format)
		"Uwe,Zwei,03.03.2003,eva@example.org\n" // another member's email: a household, fine
	b := dryRun(t, db, csvFile(content), importer.Options{Match: importer.MatchNameBirth})
	rs := rows(t, db, b.ID)
	want := []string{
		"Vorname:" + importer.MsgRowAmbiguous,
		"",
		"Vorname:" + importer.MsgRowDuplicate,
		"Vorname:" + importer.MsgRowDuplicate,
		"",
	}
	for i, r := range rs {
		if rowErrs(r) != want[i] {
			t.Errorf("line %d: errors %q, want %q", r.Line, rowErrs(r), want[i])
		}
	}
	if rs[1].Status != importer.StatusUnchanged || rs[4].Status != importer.StatusNew || b.Errors != 3 {
		t.Fatalf("counts %+v", b)
	}
	if d := rs[3].Errors[0].Msg.Data["Line"]; d != float64(4) {
		t.Errorf("the duplicate names line %v, want 4", d)
	}

	b = dryRun(t, db, csvFile("E-Mail,Vorname,Nachname\neva@example.org,Eva,Lang\nneu@example.org,Neu,Neu\n"), importer.Options{Mode: importer.ModeCreate})
	if got := rowErrs(rows(t, db, b.ID)[0]); got != "E-Mail:"+importer.MsgRowExists {
		t.Errorf("create only, existing member: %q", got)
	}
	b = dryRun(t, db, csvFile("E-Mail,Vorname,Nachname\neva@example.org,Eva,Lang\nneu@example.org,Neu,Neu\n"), importer.Options{Mode: importer.ModeUpdate})
	if got := rowErrs(rows(t, db, b.ID)[1]); got != "E-Mail:"+importer.MsgRowNoMatch {
		t.Errorf("update only, new member: %q", got)
	}
}

func changedTables(before, after string) string {
	b := map[string]string{}
	for _, p := range strings.Split(before, ";") {
		k, v, _ := strings.Cut(p, "=")
		b[k] = v
	}
	var out []string
	for _, p := range strings.Split(after, ";") {
		if k, v, _ := strings.Cut(p, "="); b[k] != v {
			out = append(out, k)
		}
	}
	return strings.Join(out, ", ")
}
