package membership

import (
	"context"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
)

// groupTestSearch returns the ids of the members the member search finds
// for q (the members helper's search, which ranks by the same vector).
func groupTestSearch(t *testing.T, db *pgxpool.Pool, q string) []string {
	t.Helper()
	rows, err := NewMembers(db).Search(context.Background(), groupAdmin, q, 100)
	if err != nil {
		t.Fatalf("search %q: %v", q, err)
	}
	var ids []string
	for _, r := range rows {
		ids = append(ids, r.ID)
	}
	slices.Sort(ids)
	return ids
}

// groupTestMatch reports whether member id matches q by the search
// predicates themselves: prefix full-text on the member's search_vector or
// its group_words, or — for typos — a word of search_words similar to q
// (pg_trgm word similarity) that group_words holds.
func groupTestMatch(t *testing.T, db *pgxpool.Pool, id, q string) (prefix, fuzzy bool) {
	t.Helper()
	err := db.QueryRow(context.Background(), `
		WITH q AS (SELECT to_tsquery('simple', string_agg(quote_literal(w) || ':*', ' & ')) AS q
		             FROM regexp_split_to_table(search_key($2), '[^[:alnum:]]+') w WHERE w <> '')
		SELECT coalesce(m.search_vector @@ q.q OR k.group_words @@ q.q, false),
		       EXISTS (SELECT 1 FROM search_words w WHERE search_key($2) <% w.word
		                AND k.group_words @@ to_tsquery('simple', quote_literal(w.word)))
		  FROM members m JOIN member_group_keys k ON k.member_id = m.id, q WHERE m.id = $1`, id, q).Scan(&prefix, &fuzzy)
	if err != nil {
		t.Fatal(err)
	}
	return prefix, fuzzy
}

func TestMembershipSearchByGroupName(t *testing.T) {
	s, db := groupTestStore(t)
	ctx := context.Background()
	g := groupTestCreate(t, s, "Jugendgruppe")
	anna := groupTestMember(t, db, "Anna", "Ahrens")
	bernd := groupTestMember(t, db, "Bernd", "Bauer")
	groupTestMember(t, db, "Carla", "Christ")

	found := func(q string, want ...string) {
		t.Helper()
		slices.Sort(want)
		if got := groupTestSearch(t, db, q); !slices.Equal(got, want) {
			t.Fatalf("search %q found %v, want %v", q, got, want)
		}
	}
	found("Jugendgruppe")
	if _, err := s.AddMembersToGroup(ctx, groupAdmin, g.ID, []string{anna, bernd}); err != nil {
		t.Fatal(err)
	}
	found("Jugendgruppe", anna, bernd)
	found("Jugend", anna, bernd) // prefix
	found("JUGENDGRUPPE", anna, bernd)
	if p, f := groupTestMatch(t, db, anna, "jugend"); !p || !f {
		t.Fatalf("prefix %v fuzzy %v", p, f)
	}
	if _, f := groupTestMatch(t, db, anna, "Jugendgrupe"); !f { // a typo
		t.Fatal("typo in the group name not found by trigram similarity")
	}
	found("Jugendgrupe", anna, bernd) // and the search finds it so
	found("Anna Jugend", anna)        // a name word and a group word
	// The group name is not part of the member's own vector (a group
	// change must not rewrite the member).
	var own bool
	if err := db.QueryRow(ctx, `SELECT search_vector @@ to_tsquery('simple', 'jugendgruppe') FROM members WHERE id = $1`, anna).Scan(&own); err != nil || own {
		t.Fatalf("group name in the member's vector: %v %v", own, err)
	}

	// Gone after remove.
	if _, err := s.RemoveMember(ctx, groupAdmin, g.ID, bernd); err != nil {
		t.Fatal(err)
	}
	found("Jugendgruppe", anna)

	// Rename: the old name is gone, the new one found.
	if _, err := s.UpdateGroup(ctx, groupAdmin, g.ID, GroupInput{Name: "Nachwuchs"}); err != nil {
		t.Fatal(err)
	}
	found("Jugendgruppe")
	found("Nachwuchs", anna)
	found("nachw", anna)

	// Delete: gone.
	if err := s.DeleteGroup(ctx, groupAdmin, g.ID); err != nil {
		t.Fatal(err)
	}
	found("Nachwuchs")
	if p, f := groupTestMatch(t, db, anna, "Nachwuchs"); p || f {
		t.Fatalf("deleted group still matches: prefix %v fuzzy %v", p, f)
	}
	if err := CheckGroupConsistency(ctx, db); err != nil {
		t.Fatal(err)
	}
}
