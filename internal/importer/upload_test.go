package importer_test

import (
	"context"
	"io"
	"testing"

	"mila/internal/authz"
	"mila/internal/importer"
	"mila/internal/membership"
	"mila/internal/testpg"
)

// TestYesNoWords: a column's own yes/no words are read before the usual
// ones; a word both yes and no is refused; without them, the club's own
// words are row errors.
func TestYesNoWords(t *testing.T) {
	db := testpg.New(t)
	ctx := context.Background()
	paid := field(t, db, membership.CustomFieldInput{Name: "Bezahlt", ValueType: membership.CustomFieldBoolean})
	f := csvFile("Vorname;Nachname;Bezahlt\nAnna;A;bezahlt\nBert;B;offen\nCarla;C;ja\nDora;D;vielleicht\n")
	im := importer.Importer{DB: db}
	m := importer.Mapping{Columns: []importer.ColumnMap{{Header: "Vorname", Target: "first_name"}, {Header: "Nachname", Target: "last_name"},
		{Header: "Bezahlt", Target: importer.CustomTarget(paid.Slug), Yes: " Bezahlt , erledigt", No: "offen"}}}
	_, err := im.DryRun(ctx, admin, f, m, importer.Options{Match: importer.MatchEmail, Mode: importer.ModeCreate})
	wantMsg(t, err, importer.MsgMatchUnmapped)
	_, err = im.DryRun(ctx, admin, f, m, importer.Options{Match: importer.MatchNameBirth, Mode: importer.ModeCreate})
	wantMsg(t, err, importer.MsgNoBirthField)
	// Match by number on a unique field the file fills: all rows new.
	num := field(t, db, numberField)
	f = csvFile("Nr;Vorname;Nachname;Bezahlt\n1;Anna;A;bezahlt\n2;Bert;B;offen\n3;Carla;C;ja\n4;Dora;D;vielleicht\n")
	m.Columns = append([]importer.ColumnMap{{Header: "Nr", Target: importer.CustomTarget(num.Slug)}}, m.Columns...)
	b, err := im.DryRun(ctx, admin, f, m, importer.Options{Match: importer.MatchNumber, Mode: importer.ModeCreate})
	if err != nil {
		t.Fatal(err)
	}
	rs := rows(t, db, b.ID)
	// "false" is no value, as the member form stores it: no change.
	want := []string{"true", "", "true", ""}
	for i, r := range rs {
		got := ""
		for _, c := range r.Changes {
			if c.Field == importer.CustomTarget(paid.Slug) {
				got = c.New
			}
		}
		if got != want[i] {
			t.Errorf("line %d: %q, want %q (%s)", r.Line, got, want[i], rowErrs(r))
		}
	}
	if rowErrs(rs[1]) != "" || rs[1].Status != importer.StatusNew {
		t.Errorf("own no word: %s %s", rs[1].Status, rowErrs(rs[1]))
	}
	if rowErrs(rs[3]) != "Bezahlt:"+importer.MsgRowBadYesNo {
		t.Errorf("unknown word: %s", rowErrs(rs[3]))
	}
	m.Columns[3].No = "offen, erledigt"
	_, err = im.DryRun(ctx, admin, f, m, importer.Options{Match: importer.MatchNumber, Mode: importer.ModeCreate})
	wantMsg(t, err, importer.MsgBadOption)
}

// TestUploads: an upload is kept only when it can be read, is read back
// whole, needs the import permission, and is forgotten after a day.
func TestUploads(t *testing.T) {
	db := testpg.New(t)
	ctx := context.Background()
	im := importer.Importer{DB: db}
	if _, _, err := im.SaveUpload(ctx, admin, "x.csv", []byte{0, 1, 2, 0xff, 0xfe}); err == nil {
		t.Fatal("binary upload kept")
	}
	content := "Vorname;Nachname\nAnna;A\n"
	u, pv, err := im.SaveUpload(ctx, admin, `C:\Users\kasse\mitglieder.csv`, []byte(content))
	if err != nil {
		t.Fatal(err)
	}
	if u.FileName != "mitglieder.csv" || len(pv.Spec.Header) != 2 || pv.Mapping.Columns[0].Target != "first_name" {
		t.Fatalf("upload %+v, preview %+v", u, pv)
	}
	got, err := im.UploadByID(ctx, admin, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	f := got.File("")
	data, err := io.ReadAll(io.NewSectionReader(f.Data, 0, f.Size))
	if err != nil || string(data) != content {
		t.Fatalf("read back %q, %v", data, err)
	}
	board := authz.Actor{UserID: "board", Set: authz.NormalUser}
	if _, err := im.UploadByID(ctx, board, u.ID); !isForbidden(err) {
		t.Fatalf("board reads an upload: %v", err)
	}
	if _, _, err := im.SaveUpload(ctx, board, "y.csv", []byte(content)); !isForbidden(err) {
		t.Fatalf("board uploads: %v", err)
	}
	_, err = im.UploadByID(ctx, admin, "not-an-id")
	wantMsg(t, err, importer.MsgNotFound)
	if err := importer.Housekeep(ctx, db); err != nil {
		t.Fatal(err)
	}
	if _, err := im.UploadByID(ctx, admin, u.ID); err != nil {
		t.Fatalf("a fresh upload was forgotten: %v", err)
	}
	if _, err := db.Exec(ctx, `UPDATE import_uploads SET created_at = now() - interval '25 hours'`); err != nil {
		t.Fatal(err)
	}
	if err := importer.Housekeep(ctx, db); err != nil {
		t.Fatal(err)
	}
	_, err = im.UploadByID(ctx, admin, u.ID)
	wantMsg(t, err, importer.MsgNotFound)
}

// TestCommitCFText: the commit writes new members' cf_text itself and
// lets the values' trigger skip it (migration 00018); the text is what
// the trigger would have made, for new and updated members alike.
func TestCommitCFText(t *testing.T) {
	db := testpg.New(t)
	ctx := context.Background()
	num := field(t, db, numberField)
	field(t, db, membership.CustomFieldInput{Name: "Instrument", ValueType: membership.CustomFieldString})
	field(t, db, membership.CustomFieldInput{Name: "Jugend", ValueType: membership.CustomFieldBoolean})
	old := member(t, db, membership.MemberInput{FirstName: "Alt", LastName: "Mitglied", Custom: map[string]string{num.Slug: "7"}})
	b := dryRun(t, db, csvFile("Mitgliedsnummer;Vorname;Nachname;Instrument;Jugend\n7;Alt;Mitglied;Tuba;ja\n8;Neu;Mitglied;Geige;nein\n9;Noch;Neuer;;ja\n"),
		importer.Options{Match: importer.MatchNumber})
	if b.New != 2 || b.Updated != 1 {
		t.Fatalf("dry run %+v", b)
	}
	if got := commit(t, db, b, false); got.State != importer.StateDone {
		t.Fatalf("commit %+v", got)
	}
	var wrong int
	err := db.QueryRow(ctx, `SELECT count(*) FROM members m WHERE m.cf_text IS DISTINCT FROM coalesce((
		SELECT string_agg(v.value, ' ' ORDER BY f.position, f.name) FROM custom_field_values v
		JOIN custom_fields f ON f.id = v.custom_field_id WHERE v.member_id = m.id AND f.value_type <> 'boolean'), '')`).Scan(&wrong)
	if err != nil || wrong != 0 {
		t.Fatalf("%d members with a wrong cf_text (%v)", wrong, err)
	}
	var text string
	if err := db.QueryRow(ctx, `SELECT cf_text FROM members WHERE id = $1`, old.ID).Scan(&text); err != nil || text != "7 Tuba" {
		t.Fatalf("updated member's cf_text %q, %v", text, err)
	}
}
