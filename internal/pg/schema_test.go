package pg_test

import (
	"context"
	"errors"
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/pressly/goose/v3"

	"mila/internal/pg"
	"mila/internal/testpg"
)

var update = flag.Bool("update", false, "rewrite schema.sql from the migrations (make schema)")

func TestMain(m *testing.M) { testpg.Main(m) }

// dump returns the normalised schema of the database behind pool.
func dump(t *testing.T, pool *pgxpool.Pool) string {
	t.Helper()
	s, err := testpg.Cluster(t).DumpSchema(context.Background(), testpg.DBName(pool))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func migrator(t *testing.T, pool *pgxpool.Pool) *pg.Migrator {
	t.Helper()
	m, err := pg.NewMigrator(pool)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// TestSchemaSnapshot holds the migrations to the committed schema.sql, so a
// schema change is visible in review. Regenerate with `make schema`.
func TestSchemaSnapshot(t *testing.T) {
	pool := testpg.NewEmpty(t)
	if _, err := migrator(t, pool).Up(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := dump(t, pool)
	if *update {
		if err := os.WriteFile("schema.sql", []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile("schema.sql")
	if err != nil {
		t.Fatalf("%v (create it with `make schema`)", err)
	}
	if d := diff(string(want), got); d != "" {
		t.Errorf("internal/pg/schema.sql does not match the migrations; if the change is intended, run `make schema`.\n--- schema.sql\n+++ migrations\n%s", d)
	}
}

// TestMigrationsRoundTrip runs up, down one step at a time to zero, and up
// again: every down must work and undo its up exactly.
func TestMigrationsRoundTrip(t *testing.T) {
	ctx := context.Background()
	pool := testpg.NewEmpty(t)
	m := migrator(t, pool)
	if _, err := m.Up(ctx); err != nil {
		t.Fatal(err)
	}
	first := dump(t, pool)
	if err := pg.MigrationsCurrent(ctx, pool); err != nil {
		t.Fatalf("MigrationsCurrent after up: %v", err)
	}

	for {
		res, err := m.Down(ctx)
		if errors.Is(err, goose.ErrNoNextVersion) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("down %s", res.Source.Path)
		if err := pg.MigrationsCurrent(ctx, pool); err == nil {
			t.Fatalf("MigrationsCurrent reports current after rolling back %s", res.Source.Path)
		}
	}
	assertNothingOfOurs(t, pool)

	if _, err := m.Up(ctx); err != nil {
		t.Fatal(err)
	}
	if d := diff(first, dump(t, pool)); d != "" {
		t.Errorf("schema after up → down to zero → up differs from the first up:\n%s", d)
	}

	// DownToZero in one go must also work.
	if _, err := m.DownToZero(ctx); err != nil {
		t.Fatal(err)
	}
	assertNothingOfOurs(t, pool)
}

// assertNothingOfOurs checks that no relation, function, type or extension
// is left in the database except goose's own version table.
func assertNothingOfOurs(t *testing.T, pool *pgxpool.Pool) {
	t.Helper()
	const q = `
SELECT 'relation ' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
   AND c.relname NOT LIKE 'goose_db_version%'
UNION ALL
SELECT 'function ' || p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
UNION ALL
SELECT 'type ' || t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
   AND t.typname NOT LIKE '%goose_db_version%'
UNION ALL
SELECT 'extension ' || extname FROM pg_extension WHERE extname <> 'plpgsql'
UNION ALL
SELECT 'schema ' || nspname FROM pg_namespace
 WHERE nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast', 'public') AND nspname NOT LIKE 'pg_temp%' AND nspname NOT LIKE 'pg_toast_temp%'`
	rows, err := pool.Query(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var left []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		left = append(left, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(left) > 0 {
		t.Errorf("after migrating down to zero these remain: %s", strings.Join(left, ", "))
	}
}

// diff is a small line diff (longest common subsequence), enough to point
// at the changed statements of a schema dump.
func diff(a, b string) string {
	if a == b {
		return ""
	}
	x, y := strings.Split(a, "\n"), strings.Split(b, "\n")
	n, m := len(x), len(y)
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if x[i] == y[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out strings.Builder
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && x[i] == y[j]:
			i++
			j++
		case j < m && (i == n || lcs[i][j+1] >= lcs[i+1][j]):
			out.WriteString("+ " + y[j] + "\n")
			j++
		default:
			out.WriteString("- " + x[i] + "\n")
			i++
		}
	}
	return out.String()
}
