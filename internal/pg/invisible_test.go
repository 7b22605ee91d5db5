package pg_test

import (
	"context"
	"fmt"
	"testing"
	"unicode"

	"mila/internal/testpg"
	"mila/internal/validate"
)

// TestFoldInvisibleMatchesGo holds the character class of the SQL
// function fold_invisible (migration 00012) to validate.Invisible, code
// point by code point: names are compared in SQL, addresses refused in
// Go, and both must mean the same characters. A newer Unicode in Go
// that adds format characters fails here: add a migration that redefines
// the function.
func TestFoldInvisibleMatchesGo(t *testing.T) {
	db := testpg.New(t)
	rows, err := db.Query(context.Background(), `SELECT cp FROM generate_series(1, 1114111) cp
		WHERE cp NOT BETWEEN 55296 AND 57343 AND fold_invisible(chr(cp)) = ''`)
	if err != nil {
		t.Fatal(err)
	}
	sql := map[rune]bool{}
	for rows.Next() {
		var cp int32
		if err := rows.Scan(&cp); err != nil {
			t.Fatal(err)
		}
		sql[cp] = true
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	var diff []string
	for r := rune(1); r <= unicode.MaxRune; r++ {
		if r >= 0xd800 && r <= 0xdfff {
			continue
		}
		if sql[r] != validate.Invisible(r) {
			diff = append(diff, fmt.Sprintf("%U (sql %v, go %v)", r, sql[r], validate.Invisible(r)))
		}
	}
	if len(diff) > 0 {
		t.Errorf("%d code points differ (Go's Unicode is %s): %v", len(diff), unicode.Version, diff[:min(len(diff), 20)])
	}
	if len(sql) < 4000 {
		t.Errorf("only %d invisible code points in SQL", len(sql))
	}
}
