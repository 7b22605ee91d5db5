package importer_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"mila/internal/importer"
	"mila/internal/testpg"
)

// TestCommitKeepsGINPendingListsSmall: a commit moves its search entries
// into the members' GIN indexes as it goes (a 64 kB pending list for its
// transaction), so others' searches never read megabytes of unsorted
// pending entries while it runs; so does the undo.
func TestCommitKeepsGINPendingListsSmall(t *testing.T) {
	t.Parallel()
	db := testpg.New(t)
	ctx := context.Background()
	if _, err := db.Exec(ctx, `CREATE EXTENSION IF NOT EXISTS pgstattuple`); err != nil {
		t.Fatal(err)
	}
	// Entries wait in a pending list only with fastupdate, PostgreSQL's
	// default; the indexes must have it for this test to mean something.
	var fast int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM pg_class WHERE relname IN ('members_search_vector_idx', 'members_name_keys_idx')
		AND NOT coalesce('fastupdate=off' = ANY (reloptions), false)`).Scan(&fast); err != nil || fast != 2 {
		t.Fatalf("indexes with a pending list: %d, %v", fast, err)
	}
	pending := func() (n int) {
		t.Helper()
		if err := db.QueryRow(ctx, `SELECT (SELECT pending_pages FROM pgstatginindex('members_search_vector_idx'))
			+ (SELECT pending_pages FROM pgstatginindex('members_name_keys_idx'))`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	var b strings.Builder
	b.WriteString("Vorname;Nachname;E-Mail;Ort;Notizen\n")
	for i := range 3000 {
		fmt.Fprintf(&b, "Vorname%d;Nachname%d;m%d@example.org;Ort%d;Notiz %d Wort%d\n", i, i, i, i%97, i, i*7)
	}
	batch := commit(t, db, dryRun(t, db, csvFile(b.String()), importer.Options{}), false)
	if batch.State != importer.StateDone || batch.New != 3000 {
		t.Fatalf("commit %+v", batch)
	}
	// 3,000 members' entries are well over 64 kB: they were moved into
	// the indexes (at most 64 kB per index may be left).
	if n := pending(); n > 2*9 {
		t.Fatalf("%d pending pages after the commit", n)
	}
	if _, err := db.Exec(ctx, `SELECT gin_clean_pending_list('members_search_vector_idx'), gin_clean_pending_list('members_name_keys_idx')`); err != nil {
		t.Fatal(err)
	}
	// The same file with other places updates every member.
	again := commit(t, db, dryRun(t, db, csvFile(strings.ReplaceAll(b.String(), ";Ort", ";Stadt")), importer.Options{}), false)
	if again.Updated != 3000 {
		t.Fatalf("update %+v", again)
	}
	if _, err := db.Exec(ctx, `SELECT gin_clean_pending_list('members_search_vector_idx'), gin_clean_pending_list('members_name_keys_idx')`); err != nil {
		t.Fatal(err)
	}
	if err := (importer.Importer{DB: db}).Undo(ctx, admin, again.ID); err != nil {
		t.Fatal(err)
	}
	if n := pending(); n > 2*9 {
		t.Fatalf("%d pending pages after the undo", n)
	}
}
