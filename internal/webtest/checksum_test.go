package webtest

import (
	"context"
	"slices"
	"strings"
	"testing"

	"mila/internal/testpg"
)

func TestMain(m *testing.M) { testpg.Main(m) }

// TestChecksum: a written row changes the checksum and is named by
// ChangedTables; the session store is left out.
func TestChecksum(t *testing.T) {
	db := testpg.New(t)
	ctx := context.Background()
	before := Checksum(t, db)
	if again := Checksum(t, db); again != before {
		t.Fatalf("two checksums of an unchanged database differ:\n%s\n%s", before, again)
	}
	if _, err := db.Exec(ctx, `INSERT INTO sessions (token, data, expiry) VALUES ('t', '\x00', now() + interval '1 hour')`); err != nil {
		t.Fatal(err)
	}
	if after := Checksum(t, db); after != before {
		t.Errorf("a new session changed the checksum (%s)", ChangedTables(before, after))
	}
	if _, err := db.Exec(ctx, `INSERT INTO groups (name, slug) VALUES ('Chor', 'chor')`); err != nil {
		t.Fatal(err)
	}
	// The group's triggers write other tables too (its words for search).
	if changed := ChangedTables(before, Checksum(t, db)); !slices.Contains(strings.Split(changed, ", "), "groups") {
		t.Errorf("changed tables %q, want groups among them", changed)
	}
}
