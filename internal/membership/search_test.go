package membership

import (
	"context"
	"slices"
	"strings"
	"testing"
)

// The Go folding must agree with SQL search_key, or typed words would
// miss the stored keys.
func TestSearchFoldMatchesSQL(t *testing.T) {
	_, db := memberTestStore(t)
	for _, s := range []string{
		"Müller", "MÜLLER", "Jürgen Groß", "GROẞ", "Straße", "Ærøskøbing", "Łódź", "Œuvre", "Þór Ðuro",
		"François Lefèvre", "Çağla Öztürk", "Dvořák", "Nguyễn Thị", "Ó Súilleabháin", "Ayşe Yılmaz",
		"Zoë Chloé Anaïs", "Señor Muñoz", "Søren Åberg", "O'Brien", "van den Berg", "Åsa", "Wiśniewski",
	} {
		var want string
		if err := db.QueryRow(context.Background(), `SELECT search_key($1)`, s).Scan(&want); err != nil {
			t.Fatal(err)
		}
		if got := searchFold(s); got != want {
			t.Errorf("searchFold(%q) = %q, SQL search_key = %q", s, got, want)
		}
	}
}

func TestParseSearch(t *testing.T) {
	for _, c := range []struct {
		in, tsquery, key, alt string
	}{
		{"Müller", "'muller':*", "muller", "muller"},
		{"Mueller", "('mueller':* | 'muller':*)", "mueller", "muller"},
		{"  Anna   MÜLLER ", "'anna':* & 'muller':*", "anna muller", "anna muller"},
		{"a&b|c!(d):*'e\\f", "'a':* & 'b':* & 'c':* & 'd':* & 'e':* & 'f':*", "a b c d e f", "a b c d e f"},
		{"o'brien", "'o':* & 'brien':*", "o brien", "o brien"},
		{"anna@example.org", "'anna':* & 'example':* & 'org':*", "anna example org", "anna example org"},
	} {
		got, ok := parseSearch(c.in)
		if !ok || got.tsquery != c.tsquery || got.key != c.key || got.altKey != c.alt {
			t.Errorf("parseSearch(%q) = %+v, %v", c.in, got, ok)
		}
	}
	for _, blank := range []string{"", "   ", "\t\n", "&|!():*'\\", "'''", "-- ;"} {
		if _, ok := parseSearch(blank); ok {
			t.Errorf("parseSearch(%q) has something to search", blank)
		}
	}
	long, _ := parseSearch(strings.Repeat("wort ", 100))
	if len(long.tokens) != searchMaxTokens {
		t.Errorf("long input: %d tokens", len(long.tokens))
	}
}

func searchTestNames(rows []MemberRow) []string {
	var out []string
	for _, r := range rows {
		out = append(out, r.Name())
	}
	return out
}

func TestSearchSpellings(t *testing.T) {
	s, _ := memberTestStore(t)
	ctx := context.Background()
	memberTestCreate(t, s, MemberInput{FirstName: "Jürgen", LastName: "Müller"})
	memberTestCreate(t, s, MemberInput{FirstName: "Bernd", LastName: "Bauer"})
	memberTestCreate(t, s, MemberInput{FirstName: "Chloé", LastName: "Lefèvre"})
	memberTestCreate(t, s, MemberInput{FirstName: "Klaus", LastName: "Groß"})
	for _, q := range []string{"Müller", "muller", "MULLER", "Mueller", "Müler", "Mül", "mul", "jurgen mul", "Jürgen Müller"} {
		rows, err := s.Search(ctx, memberTestAdmin, q, 10)
		if err != nil {
			t.Fatalf("search %q: %v", q, err)
		}
		if len(rows) == 0 || rows[0].LastName != "Müller" {
			t.Errorf("search %q found %v, want Müller first", q, searchTestNames(rows))
		}
	}
	for q, want := range map[string]string{"chloe lefevre": "Lefèvre", "Lefevre": "Lefèvre", "gross": "Groß", "Groß": "Groß", "GROSS": "Groß"} {
		rows, err := s.Search(ctx, memberTestAdmin, q, 10)
		if err != nil || len(rows) == 0 || rows[0].LastName != want {
			t.Errorf("search %q found %v (%v), want %s", q, searchTestNames(rows), err, want)
		}
	}
	// A word nobody has finds nobody.
	if rows, err := s.Search(ctx, memberTestAdmin, "Zylinderkopf", 10); err != nil || len(rows) != 0 {
		t.Errorf("unrelated word found %v (%v)", searchTestNames(rows), err)
	}
}

func TestSearchOtherFields(t *testing.T) {
	s, db := memberTestStore(t)
	ctx := context.Background()
	f, err := NewCustomFields(db).Create(ctx, memberTestAdmin, CustomFieldInput{Name: "Lieblingsverein", ValueType: CustomFieldString})
	if err != nil {
		t.Fatal(err)
	}
	memberTestCreate(t, s, MemberInput{FirstName: "Anna", LastName: "Ahrens", Email: "anna.ahrens@example.org",
		City: "Würzburg", Notes: "Fährt den Vereinsbus", Custom: map[string]string{f.Slug: "Borussia Mönchengladbach"}})
	memberTestCreate(t, s, MemberInput{FirstName: "Bernd", LastName: "Bauer"})
	for _, q := range []string{"Mönchengladbach", "monchengl", "borussia", "wurzburg", "Vereinsbus", "anna.ahrens@example.org", "example.org"} {
		rows, err := s.Search(ctx, memberTestAdmin, q, 10)
		if err != nil || len(rows) != 1 || rows[0].LastName != "Ahrens" {
			t.Errorf("search %q found %v (%v), want Ahrens", q, searchTestNames(rows), err)
		}
	}
	// Changing the custom value changes what is found.
	page, _ := s.List(ctx, memberTestAdmin, MemberQuery{Q: "Ahrens"})
	m, _ := s.Get(ctx, memberTestAdmin, page.Rows[0].ID)
	if _, err := s.Update(ctx, memberTestAdmin, m.ID, MemberInput{FirstName: m.FirstName, LastName: m.LastName, Email: m.Email,
		Version: m.Version, Custom: map[string]string{f.Slug: "Werder Bremen"}}); err != nil {
		t.Fatal(err)
	}
	if rows, _ := s.Search(ctx, memberTestAdmin, "Mönchengladbach", 10); len(rows) != 0 {
		t.Errorf("old custom value still found: %v", searchTestNames(rows))
	}
	if rows, _ := s.Search(ctx, memberTestAdmin, "werder", 10); len(rows) != 1 {
		t.Errorf("new custom value not found: %v", searchTestNames(rows))
	}
}

// Query syntax and odd input never error, in the search and in the overview.
func TestSearchSyntaxInput(t *testing.T) {
	s, _ := memberTestStore(t)
	ctx := context.Background()
	memberTestCreate(t, s, MemberInput{FirstName: "Anna", LastName: "O'Brien"})
	for _, q := range []string{"&", "|", "!", "(", ")", ":", "*", "'", "\\", "   ", "a & b", "anna | !x", "(anna", "anna:*",
		"o'brien", "'; DROP TABLE members; --", "\\x00", "müller\\", "a:b:c", "!!!anna", "''''", "\u00a0", "日本",
		strings.Repeat("x", 5000), strings.Repeat("a ", 500)} {
		if _, err := s.Search(ctx, memberTestAdmin, q, 10); err != nil {
			t.Errorf("search %q: %v", q, err)
		}
		if _, err := s.List(ctx, memberTestAdmin, MemberQuery{Q: q}); err != nil {
			t.Errorf("list q=%q: %v", q, err)
		}
	}
	if rows, _ := s.Search(ctx, memberTestAdmin, "o'brien", 10); len(rows) != 1 {
		t.Errorf("o'brien found %v", searchTestNames(rows))
	}
	// Blank input lists everybody in the overview.
	if page, _ := s.List(ctx, memberTestAdmin, MemberQuery{Q: " ( ) "}); page.Total != 1 || page.Searching {
		t.Errorf("punctuation-only search: %+v", page)
	}
}

func TestSearchRanking(t *testing.T) {
	s, _ := memberTestStore(t)
	ctx := context.Background()
	// Created in reverse of the expected order, so insertion order cannot pass the test.
	memberTestCreate(t, s, MemberInput{FirstName: "Typo", LastName: "Muler"})                                // similarity only
	memberTestCreate(t, s, MemberInput{FirstName: "Notiz", LastName: "Zeller", Notes: "Nachbar von Müller"}) // full text, weight B
	memberTestCreate(t, s, MemberInput{FirstName: "Ort", LastName: "Yilmaz", Street: "Müllerstraße"})        // full text prefix, weight C
	memberTestCreate(t, s, MemberInput{FirstName: "Präfix", LastName: "Müllerschön"})                        // name prefix
	memberTestCreate(t, s, MemberInput{FirstName: "Genau", LastName: "Müller"})                              // exact
	memberTestCreate(t, s, MemberInput{FirstName: "Anders", LastName: "Bauer"})                              // no match
	rows, err := s.Search(ctx, memberTestAdmin, "Müller", 10)
	if err != nil {
		t.Fatal(err)
	}
	got := searchTestNames(rows)
	want := []string{"Genau Müller", "Präfix Müllerschön", "Notiz Zeller", "Ort Yilmaz", "Typo Muler"}
	if !slices.Equal(got, want) {
		t.Fatalf("ranking\n got %v\nwant %v", got, want)
	}
	// The overview ranks the same way by default when searching, and sorts
	// by name when asked.
	page, err := s.List(ctx, memberTestAdmin, MemberQuery{Q: "Müller"})
	if err != nil || page.Query.Sort != MemberSortRelevance || !slices.Equal(searchTestNames(page.Rows), want) {
		t.Fatalf("overview ranking: %v %v %v", page.Query.Sort, searchTestNames(page.Rows), err)
	}
	page, _ = s.List(ctx, memberTestAdmin, MemberQuery{Q: "Müller", Sort: MemberSortName})
	if got := searchTestNames(page.Rows); got[0] != "Typo Muler" || len(got) != 5 {
		t.Fatalf("overview by name: %v", got)
	}
}
