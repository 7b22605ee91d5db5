package webtest

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// checksumSkipped are the tables any request may legitimately write: the
// session store, sign-in throttling, and goose's own bookkeeping.
var checksumSkipped = []string{"sessions", "sign_in_failures", "goose_db_version"}

// Checksum fingerprints the rows of every table of the database except
// the session and sign-in bookkeeping, as "table=md5;" for each table in
// name order. Two equal checksums mean a request changed nothing; tests
// of refused requests (forbidden, cross-site, hostile input) compare one
// taken before with one taken after, and ChangedTables names the
// difference.
func Checksum(tb testing.TB, db *pgxpool.Pool) string {
	tb.Helper()
	ctx := context.Background()
	rows, err := db.Query(ctx, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = 'public' AND table_type = 'BASE TABLE'
		  AND table_name <> ALL ($1) ORDER BY 1`, checksumSkipped)
	if err != nil {
		tb.Fatalf("webtest: checksum: %v", err)
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		tb.Fatalf("webtest: checksum: %v", err)
	}
	var sb strings.Builder
	for _, tbl := range tables {
		var sum string
		q := fmt.Sprintf(`SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM %s t`, pgx.Identifier{tbl}.Sanitize())
		if err := db.QueryRow(ctx, q).Scan(&sum); err != nil {
			tb.Fatalf("webtest: checksum of %s: %v", tbl, err)
		}
		sb.WriteString(tbl + "=" + sum + ";")
	}
	return sb.String()
}

// ChangedTables names the tables whose checksums differ between two
// Checksum results, comma-separated ("" if none).
func ChangedTables(before, after string) string {
	b := map[string]string{}
	for _, p := range strings.Split(before, ";") {
		if k, v, ok := strings.Cut(p, "="); ok {
			b[k] = v
		}
	}
	var out []string
	for _, p := range strings.Split(after, ";") {
		if k, v, ok := strings.Cut(p, "="); ok && b[k] != v {
			out = append(out, k)
		}
	}
	return strings.Join(out, ", ")
}
