package membership

import (
	"context"
	"database/sql"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"mila/internal/pg"
	"mila/internal/testpg"
)

// historyVersion is the migration of periods and dated memberships.
const historyVersion = 17

// historyProvider returns a goose provider on pool and the version just
// before the history migration (whatever other migrations exist).
func historyProvider(t *testing.T, pool *pgxpool.Pool) (*goose.Provider, int64) {
	t.Helper()
	db := stdlib.OpenDBFromPool(pool)
	t.Cleanup(func() { db.Close() })
	p, err := goose.NewProvider(goose.DialectPostgres, db, pg.Migrations(), goose.WithTableName("goose_db_version"))
	if err != nil {
		t.Fatal(err)
	}
	var before int64
	for _, s := range p.ListSources() {
		if s.Version < historyVersion && s.Version > before {
			before = s.Version
		}
	}
	return p, before
}

// historySnapshot is every stored value of members and member_groups, as text.
func historySnapshot(t *testing.T, db *sql.DB) string {
	t.Helper()
	var s string
	if err := db.QueryRow(`SELECT
		  coalesce((SELECT string_agg(concat_ws('|', id, first_name, last_name, join_date, exit_date, version, created_at, updated_at), E'\n' ORDER BY id) FROM members), '')
		  || E'\n--\n' ||
		  coalesce((SELECT string_agg(concat_ws('|', id, member_id, group_id, created_at, updated_at), E'\n' ORDER BY id) FROM member_groups), '')
		  || E'\n--\n' ||
		  coalesce((SELECT string_agg(concat_ws('|', id, member_count), E'\n' ORDER BY id) FROM groups), '')`).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestHistoryMigrationKeepsValues migrates a register with join and exit
// dates and memberships up and down: the periods and dated memberships are
// exactly the old values, and down leaves members and member_groups as
// they were, value for value.
func TestHistoryMigrationKeepsValues(t *testing.T) {
	ctx := context.Background()
	pool := testpg.NewEmpty(t)
	p, before := historyProvider(t, pool)
	if _, err := p.UpTo(ctx, before); err != nil {
		t.Fatal(err)
	}
	db := stdlib.OpenDBFromPool(pool)
	defer db.Close()
	if _, err := db.Exec(`
		INSERT INTO members (first_name, last_name, join_date, exit_date, created_at, updated_at) VALUES
		  ('Anna', 'Alt', '1999-04-01', NULL, '2020-01-01 10:00+00', '2021-01-01 10:00+00'),
		  ('Bernd', 'Bald', '2010-01-01', '2015-06-30', '2020-01-02 10:00+00', '2020-01-02 10:00+00'),
		  ('Carla', 'Gleich', '2012-03-03', '2012-03-03', now(), now()),
		  ('Dora', 'Zukunft', '2030-01-01', NULL, now(), now());
		INSERT INTO groups (name, slug) VALUES ('Chor', 'chor'), ('Jugend', 'jugend');
		INSERT INTO member_groups (member_id, group_id, created_at)
		  SELECT m.id, g.id, TIMESTAMPTZ '2019-05-05 12:00+00' FROM members m, groups g WHERE m.first_name IN ('Anna', 'Bernd') AND g.slug = 'chor';
		INSERT INTO member_groups (member_id, group_id)
		  SELECT m.id, g.id FROM members m, groups g WHERE m.first_name = 'Carla' AND g.slug = 'jugend';
		UPDATE members SET version = 7 WHERE first_name = 'Anna';`); err != nil {
		t.Fatal(err)
	}
	old := historySnapshot(t, db)

	if _, err := p.UpTo(ctx, historyVersion); err != nil {
		t.Fatal(err)
	}
	if got := historySnapshot(t, db); got != old {
		t.Fatalf("up changed members or member_groups:\n%s\nwas\n%s", got, old)
	}
	var periods, memberships string
	if err := db.QueryRow(`SELECT string_agg(m.first_name || ' ' || p.starts_on || ' ' || coalesce(p.ends_on::text, 'open'), ', ' ORDER BY m.first_name)
		FROM member_periods p JOIN members m ON m.id = p.member_id`).Scan(&periods); err != nil {
		t.Fatal(err)
	}
	if want := "Anna 1999-04-01 open, Bernd 2010-01-01 2015-06-30, Carla 2012-03-03 2012-03-03, Dora 2030-01-01 open"; periods != want {
		t.Errorf("periods = %q, want %q", periods, want)
	}
	if err := db.QueryRow(`SELECT string_agg(m.first_name || ' ' || g.slug || ' ' || (h.valid_from = mg.created_at::date)::text || ' ' || coalesce(h.valid_until::text, 'open'), ', ' ORDER BY m.first_name)
		FROM group_memberships h JOIN members m ON m.id = h.member_id JOIN groups g ON g.id = h.group_id
		JOIN member_groups mg ON mg.member_id = h.member_id AND mg.group_id = h.group_id`).Scan(&memberships); err != nil {
		t.Fatal(err)
	}
	if want := "Anna chor true open, Bernd chor true open, Carla jugend true open"; memberships != want {
		t.Errorf("memberships = %q, want %q", memberships, want)
	}
	if n := groupCount(t, pool, `SELECT count(*) FROM group_memberships`); n != 3 {
		t.Errorf("%d memberships, want 3", n)
	}

	if _, err := p.DownTo(ctx, before); err != nil {
		t.Fatal(err)
	}
	if got := historySnapshot(t, db); got != old {
		t.Fatalf("down changed members or member_groups:\n%s\nwas\n%s", got, old)
	}
	if _, err := p.UpTo(ctx, historyVersion); err != nil {
		t.Fatalf("up again: %v", err)
	}
}
