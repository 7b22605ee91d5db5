package audit_test

import (
	"testing"

	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"mila/internal/audit"
	"mila/internal/pg"
	"mila/internal/testpg"
)

// chainerVersion is the migration that moved the chain out of the
// triggers.
const chainerVersion = 28

// Migration 00028 keeps the chain of the rows written before it (they
// verify after up, and new rows follow them), and down gives back a
// chain in id order that the old triggers extend.
func TestChainerMigrationKeepsChain(t *testing.T) {
	pool := testpg.NewEmpty(t)
	db := stdlib.OpenDBFromPool(pool)
	t.Cleanup(func() { db.Close() })
	p, err := goose.NewProvider(goose.DialectPostgres, db, pg.Migrations(), goose.WithTableName("goose_db_version"))
	if err != nil {
		t.Fatal(err)
	}
	var before int64
	for _, s := range p.ListSources() {
		if s.Version < chainerVersion && s.Version > before {
			before = s.Version
		}
	}
	if _, err := p.UpTo(ctxb, before); err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		exec(t, pool, as("old"), `INSERT INTO groups (name, slug) VALUES ($1, $1)`, "old"+string(rune('a'+i)))
	}
	exec(t, pool, as("old"), `UPDATE groups SET name = 'renamed' WHERE slug = 'olda'`)
	if _, err := p.UpTo(ctxb, chainerVersion); err != nil {
		t.Fatal(err)
	}
	rep := intact(t, pool)
	if rep.Rows != 5 || rep.LastID != 5 || rep.Pending != 0 {
		t.Errorf("after up: %+v", rep)
	}
	exec(t, pool, as("new"), `INSERT INTO groups (name, slug) VALUES ('new', 'new')`)
	if rep := intact(t, pool); rep.Rows != 6 || rep.LastID != 6 {
		t.Errorf("after a new row: %+v", rep)
	}
	// A change to a row from before the migration is still detected.
	tamper(t, pool, `UPDATE audit_log SET actor = 'someone' WHERE id = 2`)
	if rep, err := audit.Verify(ctxb, pool); err != nil || rep.Broken == nil || rep.Broken.ID != 2 {
		t.Errorf("tampered row from before the migration: %+v, %v", rep, err)
	}
	tamper(t, pool, `UPDATE audit_log SET actor = 'old' WHERE id = 2`)

	// One more row left unchained (as if the chainer had not run yet).
	exec(t, pool, as("new"), `INSERT INTO groups (name, slug) VALUES ('late', 'late')`)
	if _, err := p.DownTo(ctxb, before); err != nil {
		t.Fatal(err)
	}
	exec(t, pool, as("old again"), `INSERT INTO groups (name, slug) VALUES ('again', 'again')`)
	// The old chain: every row in id order, linked to the one before, and
	// the head naming the last.
	var rows, bad int
	var headOK bool
	if err := pool.QueryRow(ctxb, `WITH c AS (
			SELECT id, content_hash, prev_hash, hash, lag(hash) OVER (ORDER BY id) AS before,
			       sha256(convert_to(audit_content(a), 'UTF8')) AS content
			  FROM audit_log a)
		SELECT count(*), count(*) FILTER (WHERE content_hash <> content OR hash <> sha256(prev_hash || content_hash)
		                                     OR prev_hash <> coalesce(before, '\x0000000000000000000000000000000000000000000000000000000000000000')),
		       (SELECT h.hash = (SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1) FROM audit_head h)
		  FROM c`).Scan(&rows, &bad, &headOK); err != nil {
		t.Fatal(err)
	}
	if rows != 8 || bad != 0 || !headOK {
		t.Errorf("after down: %d rows, %d bad links, head ok %v", rows, bad, headOK)
	}
	if _, err := p.UpTo(ctxb, chainerVersion); err != nil {
		t.Fatal(err)
	}
	if rep := intact(t, pool); rep.Rows != 8 || rep.Pending != 0 {
		t.Errorf("after up again: %+v", rep)
	}
}
