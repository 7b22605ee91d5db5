package membership

import (
	"context"
	"slices"
	"testing"

	"mila/internal/authz"
)

// TestMemberViewIDs: the one statement returns exactly the members the
// overview lists on all its pages, for filters, groups and searches, and
// stops at the limit.
func TestMemberViewIDs(t *testing.T) {
	s, db := memberTestStore(t)
	ctx := context.Background()
	ids := groupTestMembers(t, db, 230)
	if _, err := db.Exec(ctx, `UPDATE members SET join_date = '2000-01-01', exit_date = '2010-01-01' WHERE id = ANY ($1::uuid[])`, ids[:40]); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(ctx, `UPDATE members SET last_name = 'Zeppelin' WHERE id = ANY ($1::uuid[])`, ids[100:130]); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(ctx, `WITH g AS (INSERT INTO groups (name, slug) VALUES ('Chor', 'chor') RETURNING id)
		INSERT INTO member_groups (member_id, group_id) SELECT m, g.id FROM g, unnest($1::uuid[]) m`, ids[20:140]); err != nil {
		t.Fatal(err)
	}
	listed := func(q MemberQuery) []string {
		t.Helper()
		var out []string
		q.PerPage = 100
		for p := 1; ; p++ {
			q.Page = p
			page, err := s.List(ctx, memberTestAdmin, q)
			if err != nil {
				t.Fatal(err)
			}
			if page.Query.Page != p {
				break
			}
			for _, r := range page.Rows {
				out = append(out, r.ID)
			}
			if len(page.Rows) < q.PerPage {
				break
			}
		}
		return out
	}
	for _, q := range []MemberQuery{
		{},
		{Status: MemberStatusAll},
		{Status: MemberStatusFormer},
		{Group: "chor"},
		{Group: "chor", Status: MemberStatusAll},
		{Group: "none"},
		{Q: "zeppelin"},
		{Q: "zeppelin chor", Status: MemberStatusAll},
		{Sort: "email", Dir: "desc"},
	} {
		want := listed(q)
		got, err := s.ViewIDs(ctx, memberTestAdmin, q, 100_000)
		if err != nil {
			t.Fatal(err)
		}
		if len(want) == 0 {
			t.Fatalf("%+v lists nobody: the test's data is wrong", q)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%+v: ViewIDs gave %d ids, the overview lists %d (or another order)", q, len(got), len(want))
		}
	}
	got, err := s.ViewIDs(ctx, memberTestAdmin, MemberQuery{Status: MemberStatusAll}, 50)
	if err != nil || len(got) != 50 {
		t.Fatalf("limit 50: %d ids, %v", len(got), err)
	}
	// The actor's scope applies: own data only sees its own member (none here).
	own, err := s.ViewIDs(ctx, authz.Actor{UserID: memberTestAdmin.UserID, Set: authz.OwnData}, MemberQuery{Status: MemberStatusAll}, 100)
	if err == nil && len(own) != 0 {
		t.Fatalf("own data got %d members", len(own))
	}
}
