package membership

import (
	"context"
	"slices"
	"testing"
)

// TestSearchDeletionsMatchSQL: the typed word's variants (searchSpelling,
// searchDeletions) are made exactly as the database makes a name word's
// (search_spelling, search_deletions in migration 00019) — one letter left
// out from three letters, two from eight — or the lookup misses typos.
// And search_edit_distance counts as the search promises.
func TestSearchDeletionsMatchSQL(t *testing.T) {
	_, db := memberTestStore(t)
	ctx := context.Background()
	for _, w := range []string{"ab", "ida", "anna", "stephan", "matthias", "lewandowski", "weißmuller", "zoë", "çelik", "phth"} {
		var spelt string
		var sql []string
		if err := db.QueryRow(ctx, `SELECT search_spelling($1), array(SELECT search_deletions($1) ORDER BY 1)`, w).Scan(&spelt, &sql); err != nil {
			t.Fatal(err)
		}
		if got := searchSpelling(w); got != spelt {
			t.Errorf("spelling of %q: Go %q, SQL %q", w, got, spelt)
		}
		n, max := len([]rune(spelt)), 0
		switch {
		case n >= 8:
			max = 2
		case n >= 3:
			max = 1
		}
		got := searchDeletions(searchSpelling(w), max)
		slices.Sort(got)
		slices.Sort(sql) // the database's collation may order differently
		if !slices.Equal(got, sql) {
			t.Errorf("variants of %q: Go %v, SQL %v", w, got, sql)
		}
	}
	for _, c := range []struct {
		a, b      string
		max, want int
	}{
		{"arnlod", "arnold", 1, 1}, {"mulelr", "muller", 1, 1}, {"gunter", "gunter", 1, 0},
		{"bmauann", "baumann", 1, 2}, {"lewnadowksi", "lewandowski", 2, 2}, {"lwenadwoksi", "lewandowski", 2, 3},
		{"kitten", "sitting", 3, 3}, {"ca", "abc", 3, 3}, {"", "abc", 3, 3}, {"abcdef", "ab", 2, 3},
	} {
		var d int
		if err := db.QueryRow(ctx, `SELECT search_edit_distance($1, $2, $3)`, c.a, c.b, c.max).Scan(&d); err != nil {
			t.Fatal(err)
		}
		if d != c.want {
			t.Errorf("search_edit_distance(%q, %q, %d) = %d, want %d", c.a, c.b, c.max, d, c.want)
		}
	}
}
