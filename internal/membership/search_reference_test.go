package membership

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"mila/internal/testpg"
)

// searchReference ranks every member for q the way the search is defined,
// by brute force: one search vector per member made of its own vector and
// the words of its groups' names at weight B (what members.search_vector
// held before migration 00007 moved the group names out of the row), and
// the relevance tiers of search.go computed on all matches. The words'
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

// TestSearchMatchesReference compares the search (Search and the
// overview's List, with relevance and with a sort, on several pages) with
// searchReference on the demo data and a few members of its own, for
// group names, their prefixes and typos, surnames, and words of names,
// group names and addresses mixed.
func TestSearchMatchesReference(t *testing.T) {
	db := testpg.New(t)
	ctx := context.Background()
	if _, err := LoadDemo(ctx, db, DemoOptions{Members: 2000, Groups: 40, Seed: 11, Today: demoTestDay}); err != nil {
		t.Fatal(err)
	}
	s, groups := Members{DB: db}, NewGroupStore(db)
	// Members whose own data holds a group's words, so that the parts of
	// the search (group words, own vector, both) meet.
	var names []string
	if err := db.QueryRow(ctx, `SELECT array_agg(name ORDER BY member_count DESC, name) FROM groups`).Scan(&names); err != nil {
		t.Fatal(err)
	}
	first := func(s string) string { return strings.Fields(s)[0] }
	last := func(s string) string { f := strings.Fields(s); return f[len(f)-1] }
	for i, in := range []MemberInput{
		{FirstName: "Erika", LastName: first(names[0]), City: "Bonn"},                         // a group word as a last name
		{FirstName: first(names[1]), LastName: "Zauner", Notes: "mag " + last(names[2])},      // as a first name, and in notes
		{FirstName: "Hugo", LastName: "Ypsilon", Street: first(names[3]) + "weg"},             // in the address (weight C)
		{FirstName: "Ida", LastName: first(names[4]) + "mann", Email: "ida@" + "example.org"}, // a name starting with a group word
	} {
		m := memberTestCreate(t, s, in)
		if i%2 == 0 {
			var gid string
			if err := db.QueryRow(ctx, `SELECT id FROM groups WHERE name = $1`, names[5]).Scan(&gid); err != nil {
				t.Fatal(err)
			}
			if _, err := groups.AddMember(ctx, memberTestAdmin, gid, m.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	typo := func(w string) string { // drop the second-to-last letter
		r := []rune(w)
		if len(r) < 5 {
			return w
		}
		return string(append(r[:len(r)-2:len(r)-2], r[len(r)-1]))
	}
	var surname, city, firstName string
	if err := db.QueryRow(ctx, `SELECT last_name FROM members GROUP BY last_name ORDER BY count(*) DESC, last_name LIMIT 1`).Scan(&surname); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(ctx, `SELECT city FROM members WHERE city <> '' GROUP BY city ORDER BY count(*) DESC, city LIMIT 1`).Scan(&city); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(ctx, `SELECT first_name FROM members GROUP BY first_name ORDER BY count(*) DESC, first_name LIMIT 1`).Scan(&firstName); err != nil {
		t.Fatal(err)
	}
	queries := []string{surname, typo(surname), firstName + " " + surname, city, "sch", "Mül", "Erika",
		firstName + " " + first(names[0]), surname + " " + last(names[1]), city + " " + first(names[2]),
		first(names[3]), first(names[4])}
	for i, n := range names[:12] {
		queries = append(queries, n, first(n), last(n), typo(last(n)), string([]rune(first(n))[:4]))
		if i < 4 {
			queries = append(queries, strings.ToUpper(n), first(n)+" "+last(names[i+1]), typo(first(n))+" "+last(n))
		}
	}
	for _, q := range queries {
		all := searchReference(t, db, q, MemberStatusAll)
		got, err := s.Search(ctx, memberTestAdmin, q, 100)
		if err != nil {
			t.Fatalf("search %q: %v", q, err)
		}
		if want := all[:min(100, len(all))]; !slices.Equal(searchRefIDs(got), want) {
			t.Errorf("search %q: %d rows differ from the reference's %d (of %d)\n got %v\nwant %v", q, len(got), len(want), len(all),
				searchRefIDs(got)[:min(5, len(got))], want[:min(5, len(want))])
		}
		active := searchReference(t, db, q, MemberStatusActive)
		for _, pg := range []int{1, 3} {
			page, err := s.List(ctx, memberTestAdmin, MemberQuery{Q: q, PerPage: 25, Page: pg})
			if err != nil {
				t.Fatalf("list %q: %v", q, err)
			}
			lo := min(len(active), (page.Query.Page-1)*25)
			if want := active[lo:min(len(active), lo+25)]; !slices.Equal(searchRefIDs(page.Rows), want) {
				t.Errorf("list %q page %d: rows differ from the reference (%d active matches)", q, pg, len(active))
			}
			if !page.TotalIsEstimate && page.Total != len(active) {
				t.Errorf("list %q: total %d, reference %d", q, page.Total, len(active))
			}
		}
		// The same matches by name: the set, not the ranking.
		byName := slices.Clone(active)
		if err := db.QueryRow(ctx, `SELECT coalesce(array_agg(id::text ORDER BY sort_name, id), '{}') FROM members WHERE id = ANY ($1::uuid[])`,
			byName).Scan(&byName); err != nil {
			t.Fatal(err)
		}
		page, err := s.List(ctx, memberTestAdmin, MemberQuery{Q: q, Sort: MemberSortName, PerPage: 100})
		if err != nil {
			t.Fatalf("list %q by name: %v", q, err)
		}
		if want := byName[:min(100, len(byName))]; !slices.Equal(searchRefIDs(page.Rows), want) {
			t.Errorf("list %q by name: rows differ from the reference", q)
		}
		page, err = s.List(ctx, memberTestAdmin, MemberQuery{Q: q, Sort: MemberSortGroups, PerPage: 25, Page: 2})
		if err != nil {
			t.Fatalf("list %q by groups: %v", q, err)
		}
		if len(active) > 25 && len(page.Rows) == 0 {
			t.Errorf("list %q by groups, page 2: empty", q)
		}
	}
	// Within a group: the largest (more members than the overview counts
	// exactly, so each candidate is looked up in it) and a small one.
	var largest, small string
	if err := db.QueryRow(ctx, `SELECT (SELECT slug FROM groups ORDER BY member_count DESC, slug LIMIT 1),
		(SELECT slug FROM groups ORDER BY member_count, slug LIMIT 1)`).Scan(&largest, &small); err != nil {
		t.Fatal(err)
	}
	var size int
	if err := db.QueryRow(ctx, `SELECT member_count FROM groups WHERE slug = $1`, largest).Scan(&size); err != nil || size <= MemberCountExactMax {
		t.Fatalf("largest group has %d members (%v): too few for this test", size, err)
	}
	for _, q := range queries[:12] {
		for _, group := range []string{largest, small} {
			want := searchReferenceIn(t, db, q, MemberStatusActive, group)
			for _, sort := range []string{MemberSortRelevance, MemberSortName} {
				page, err := s.List(ctx, memberTestAdmin, MemberQuery{Q: q, Group: group, Sort: sort, PerPage: 100})
				if err != nil {
					t.Fatalf("list %q in %s: %v", q, group, err)
				}
				w := want
				if sort == MemberSortName {
					if err := db.QueryRow(ctx, `SELECT coalesce(array_agg(id::text ORDER BY sort_name, id), '{}') FROM members WHERE id = ANY ($1::uuid[])`,
						want).Scan(&w); err != nil {
						t.Fatal(err)
					}
				}
				if w = w[:min(100, len(w))]; !slices.Equal(searchRefIDs(page.Rows), w) {
					t.Errorf("list %q in %s by %s: rows differ from the reference (%d matches)", q, group, sort, len(want))
				}
			}
		}
	}
	t.Logf("%d queries compared", len(queries))
}

// TestSearchOddGroupNames: words of group names that the text parser
// keeps whole (an email, a path, a version, a hyphenated word, signs and
// quotes) are looked for in group_words as exact lexemes; the search
// agrees with searchReference for each and never fails.
func TestSearchOddGroupNames(t *testing.T) {
	s, db := memberTestStore(t)
	ctx := context.Background()
	groups := NewGroupStore(db)
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
