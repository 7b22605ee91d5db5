package membership

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// searchReference ranks every member for q the way the search is defined,
// by brute force: one search vector per member made of its own vector and
// the words of its groups' names at weight B (the search itself reads the
// group words from member_group_keys, so that group changes do not
// rewrite member rows; this joins them the plain way), and the relevance
// tiers of search.go computed on all matches. The words'
// alternatives (similar words) are the ones resolve found.
func searchReference(t *testing.T, db *pgxpool.Pool, q string, status MemberStatus) []string {
	return searchReferenceIn(t, db, q, status, "")
}

// searchReferenceIn is searchReference among the members of the group
// with slug group ("" for all).
func searchReferenceIn(t *testing.T, db *pgxpool.Pool, q string, status MemberStatus, group string) []string {
	t.Helper()
	ctx := context.Background()
	terms, ok := parseSearch(q)
	if !ok {
		t.Fatalf("nothing to search in %q", q)
	}
	terms, err := terms.resolve(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	exact := make([]string, len(terms.tokens))
	for i, w := range terms.tokens {
		exact[i] = "'" + w + "':A"
		if alt := searchUmlautSpelling.Replace(w); alt != w {
			exact[i] = "('" + w + "':A | '" + alt + "':A)"
		}
	}
	statusCond := map[MemberStatus]string{
		MemberStatusAll:    "true",
		MemberStatusActive: "(m.exit_date IS NULL OR m.exit_date > current_date)",
		MemberStatusFormer: "m.exit_date <= current_date",
	}[status]
	rows, err := db.Query(ctx, `
		WITH q AS (SELECT to_tsquery('simple', $1) AS match, to_tsquery('simple', $2) AS ab,
		                  to_tsquery('simple', $3) AS pre, to_tsquery('simple', $4) AS exact),
		c AS (SELECT m.id, m.sort_name, m.name_keys, m.search_vector AS own,
		             m.search_vector || setweight(coalesce((SELECT tsvector_agg(g.search_vector)
		                 FROM member_groups mg JOIN groups g ON g.id = mg.group_id WHERE mg.member_id = m.id), ''), 'B') AS v
		        FROM members m WHERE `+statusCond+` AND ($8 = '' OR EXISTS (SELECT 1 FROM member_groups mg JOIN groups g ON g.id = mg.group_id
		                                                  WHERE mg.member_id = m.id AND g.slug = $8)))
		SELECT c.id::text FROM c, q WHERE c.v @@ q.match
		ORDER BY CASE WHEN c.own @@ q.exact AND c.name_keys && $5::text[] THEN 0
		              WHEN c.sort_name ^@ $6 OR c.sort_name ^@ $7 THEN 1
		              WHEN c.v @@ q.ab THEN 2 WHEN c.v @@ q.pre THEN 3 ELSE 4 END,
		         CASE WHEN NOT c.v @@ q.pre THEN greatest(word_similarity($6, c.sort_name), word_similarity($7, c.sort_name)) END DESC NULLS LAST,
		         c.sort_name, c.id`,
		strings.Join(terms.match, " & "), terms.abQuery, terms.tsquery, strings.Join(exact, " & "),
		[]string{terms.key, terms.altKey}, terms.key, terms.altKey, group)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func searchRefIDs(rows []MemberRow) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.ID
	}
	return out
}

// TestSearchOddGroupNames: words of group names that the text parser
// keeps whole (an email, a path, a version, a hyphenated word, signs and
// quotes) are looked for in group_words as exact lexemes; the search
// agrees with searchReference for each and never fails.
func TestSearchOddGroupNames(t *testing.T) {
	s, db := memberTestStore(t)
	ctx := context.Background()
	groups := NewGroups(db)
	names := []string{`C:\Temp\x'y Klub`, "a@b.de Team", "Version 1.5.2 /usr/local/bin", "http://x.y/z?q=1 Fans",
		"Jugend-Team Ü-30", `O'Neil's \ Kurs`, "-5 +3.5e2 1/2", "Chor & <b>Orchester</b>"}
	for i, n := range names {
		g, err := groups.CreateGroup(ctx, memberTestAdmin, GroupInput{Name: n})
		if err != nil {
			t.Fatalf("group %q: %v", n, err)
		}
		m := memberTestCreate(t, s, MemberInput{FirstName: "Mitglied", LastName: fmt.Sprintf("Nummer%d", i)})
		if _, err := groups.AddMember(ctx, memberTestAdmin, g.ID, m.ID); err != nil {
			t.Fatal(err)
		}
	}
	memberTestCreate(t, s, MemberInput{FirstName: "Team", LastName: "Klub", Notes: "Version 2 des Orchester-Plans"})
	queries := []string{"a@b.de", "team", "1.5.2", "version 1", "/usr/local", "x.y", "jugend-team", "Ü-30", "u 30", "o'neil",
		`\`, "kurs", "-5", "3.5e2", "1/2", "Klub Team", "klub temp", "orchester", "chor orchester", "<b>", "Mitglied Kurs",
		"Versoin", "Orchster", "http", "fans q"}
	for _, q := range queries {
		if _, ok := parseSearch(q); !ok {
			continue
		}
		want := searchReference(t, db, q, MemberStatusAll)
		got, err := s.Search(ctx, memberTestAdmin, q, 100)
		if err != nil {
			t.Fatalf("search %q: %v", q, err)
		}
		if !slices.Equal(searchRefIDs(got), want) {
			t.Errorf("search %q: %d rows, reference %d", q, len(got), len(want))
		}
		for _, sort := range []string{MemberSortName, MemberSortGroups} {
			if _, err := s.List(ctx, memberTestAdmin, MemberQuery{Q: q, Sort: sort}); err != nil {
				t.Fatalf("list %q by %s: %v", q, sort, err)
			}
		}
	}
}
