package membership_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"mila/internal/authz"
	"mila/internal/demo"
	"mila/internal/membership"
	"mila/internal/testpg"
)

// This test is outside the package (membership_test) because it loads the
// demo data set, and internal/demo imports membership; the brute-force
// reference it compares with comes from export_test.go.

var (
	searchTestDay   = time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)
	searchTestAdmin = authz.Actor{UserID: "0190a000-0000-7000-8000-000000000001", Set: authz.Admin}
)

func searchRefIDs(rows []membership.MemberRow) []string {
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
	if _, err := demo.Load(ctx, db, demo.Options{Members: 2000, Groups: 40, Seed: 11, Today: searchTestDay}); err != nil {
		t.Fatal(err)
	}
	s, groups := membership.NewMembers(db), membership.NewGroups(db)
	// Members whose own data holds a group's words, so that the parts of
	// the search (group words, own vector, both) meet.
	var names []string
	if err := db.QueryRow(ctx, `SELECT array_agg(name ORDER BY member_count DESC, name) FROM groups`).Scan(&names); err != nil {
		t.Fatal(err)
	}
	first := func(s string) string { return strings.Fields(s)[0] }
	last := func(s string) string { f := strings.Fields(s); return f[len(f)-1] }
	for i, in := range []membership.MemberInput{
		{FirstName: "Erika", LastName: first(names[0]), City: "Bonn"},                         // a group word as a last name
		{FirstName: first(names[1]), LastName: "Zauner", Notes: "mag " + last(names[2])},      // as a first name, and in notes
		{FirstName: "Hugo", LastName: "Ypsilon", Street: first(names[3]) + "weg"},             // in the address (weight C)
		{FirstName: "Ida", LastName: first(names[4]) + "mann", Email: "ida@" + "example.org"}, // a name starting with a group word
	} {
		m, err := s.Create(ctx, searchTestAdmin, in)
		if err != nil {
			t.Fatal(err)
		}
		if i%2 == 0 {
			var gid string
			if err := db.QueryRow(ctx, `SELECT id FROM groups WHERE name = $1`, names[5]).Scan(&gid); err != nil {
				t.Fatal(err)
			}
			if _, err := groups.AddMember(ctx, searchTestAdmin, gid, m.ID); err != nil {
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
		all := membership.SearchReference(t, db, q, membership.MemberStatusAll)
		got, err := s.Search(ctx, searchTestAdmin, q, 100)
		if err != nil {
			t.Fatalf("search %q: %v", q, err)
		}
		if want := all[:min(100, len(all))]; !slices.Equal(searchRefIDs(got), want) {
			t.Errorf("search %q: %d rows differ from the reference's %d (of %d)\n got %v\nwant %v", q, len(got), len(want), len(all),
				searchRefIDs(got)[:min(5, len(got))], want[:min(5, len(want))])
		}
		active := membership.SearchReference(t, db, q, membership.MemberStatusActive)
		for _, pg := range []int{1, 3} {
			page, err := s.List(ctx, searchTestAdmin, membership.MemberQuery{Q: q, PerPage: 25, Page: pg})
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
		page, err := s.List(ctx, searchTestAdmin, membership.MemberQuery{Q: q, Sort: membership.MemberSortName, PerPage: 100})
		if err != nil {
			t.Fatalf("list %q by name: %v", q, err)
		}
		if want := byName[:min(100, len(byName))]; !slices.Equal(searchRefIDs(page.Rows), want) {
			t.Errorf("list %q by name: rows differ from the reference", q)
		}
		page, err = s.List(ctx, searchTestAdmin, membership.MemberQuery{Q: q, Sort: membership.MemberSortGroups, PerPage: 25, Page: 2})
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
	if err := db.QueryRow(ctx, `SELECT member_count FROM groups WHERE slug = $1`, largest).Scan(&size); err != nil || size <= membership.MemberCountExactMax {
		t.Fatalf("largest group has %d members (%v): too few for this test", size, err)
	}
	for _, q := range queries[:12] {
		for _, group := range []string{largest, small} {
			want := membership.SearchReferenceIn(t, db, q, membership.MemberStatusActive, group)
			for _, sort := range []string{membership.MemberSortRelevance, membership.MemberSortName} {
				page, err := s.List(ctx, searchTestAdmin, membership.MemberQuery{Q: q, Group: group, Sort: sort, PerPage: 100})
				if err != nil {
					t.Fatalf("list %q in %s: %v", q, group, err)
				}
				w := want
				if sort == membership.MemberSortName {
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
