package importer_test

import (
	"context"
	"testing"

	"mila/internal/authz"
	"mila/internal/importer"
	"mila/internal/membership"
	"mila/internal/testpg"
)

// TestHistoryNamesUsersByDisplayName: the history names who imported and
// who undid by the user's display name (users.display_name, or the
// linked member's name), not by the sign-in email; an actor that is no
// user (the command line) keeps its own name.
func TestHistoryNamesUsersByDisplayName(t *testing.T) {
	t.Parallel()
	db := testpg.New(t)
	ctx := context.Background()
	im := importer.Importer{DB: db}
	user := func(email, display, memberID string) authz.Actor {
		t.Helper()
		var id string
		if err := db.QueryRow(ctx, `INSERT INTO users (email, role_id, display_name, member_id)
			VALUES ($1, (SELECT id FROM roles WHERE system_key = 'admin'), nullif($2, ''), nullif($3, '')::uuid) RETURNING id`,
			email, display, memberID).Scan(&id); err != nil {
			t.Fatal(err)
		}
		return authz.Actor{UserID: id, Email: email, Set: authz.Admin}
	}
	erika := user("erika@example.org", "Erika Mustermann", "")
	linked := member(t, db, membership.MemberInput{FirstName: "Jürgen", LastName: "Großmann", Email: "jg@example.org"})
	juergen := user("jg@example.org", "", linked.ID)

	f := csvFile("Vorname;Nachname;E-Mail\nAnna;Becker;anna@example.org\n")
	pv, err := im.Inspect(ctx, erika, f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := im.DryRun(ctx, erika, csvFile("Vorname;Nachname;E-Mail\nAnna;Becker;anna@example.org\n"), pv.Mapping, importer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if b.ActorName != "Erika Mustermann" {
		t.Fatalf("dry run by %q, want the display name", b.ActorName)
	}
	done := commit(t, db, b, false)
	if done.State != importer.StateDone || done.ActorName != "Erika Mustermann" {
		t.Fatalf("after commit %+v", done)
	}
	if err := im.Undo(ctx, juergen, b.ID); err != nil {
		t.Fatal(err)
	}
	list, _, err := im.Batches(ctx, erika, 10, 0)
	if err != nil || len(list) != 1 || list[0].ActorName != "Erika Mustermann" || list[0].UndoneBy != "Jürgen Großmann" {
		t.Fatalf("history %+v, %v", list, err)
	}

	// The test's admin is no user: its email names it, as before.
	other := dryRun(t, db, csvFile("Vorname;Nachname;E-Mail\nBernd;Schulz;bernd@example.org\n"), importer.Options{})
	if other.ActorName != admin.Email {
		t.Fatalf("an actor without a user row is named %q, want %q", other.ActorName, admin.Email)
	}
}
