package membership

import (
	"context"
	"errors"
	"slices"
	"testing"

	"mila/internal/authz"
	"mila/internal/testpg"
)

func TestMembershipBulkResult(t *testing.T) {
	s, db := groupTestStore(t)
	ctx := context.Background()
	g := groupTestCreate(t, s, "Jugend")
	ids := groupTestMembers(t, db, 15)
	if _, err := s.AddMembersToGroup(ctx, groupAdmin, g.ID, ids[:3]); err != nil {
		t.Fatal(err)
	}
	r, err := s.AddMembersToGroup(ctx, groupAdmin, g.ID, ids)
	if err != nil || r != (MembershipAddResult{Added: 12, AlreadyMember: 3}) {
		t.Fatalf("12 added, 3 already: got %+v, %v", r, err)
	}
	rr, err := s.RemoveMembersFromGroup(ctx, groupAdmin, g.ID, ids[10:])
	if err != nil || rr != (MembershipRemoveResult{Removed: 5}) {
		t.Fatalf("%+v, %v", rr, err)
	}
	rr, err = s.RemoveMembersFromGroup(ctx, groupAdmin, g.ID, ids[8:])
	if err != nil || rr != (MembershipRemoveResult{Removed: 2, NotMember: 5}) {
		t.Fatalf("%+v, %v", rr, err)
	}
	if n := groupMemberCount(t, s, g.ID); n != 8 {
		t.Fatalf("member count %d, want 8", n)
	}
	// Empty lists change nothing and are no error.
	if r, err := s.AddMembersToGroup(ctx, groupAdmin, g.ID, nil); err != nil || r != (MembershipAddResult{}) {
		t.Fatalf("%+v, %v", r, err)
	}
	if err := CheckGroupConsistency(ctx, db); err != nil {
		t.Fatal(err)
	}
}

func TestMembershipBulkAllOrNothing(t *testing.T) {
	s, db := groupTestStore(t)
	ctx := context.Background()
	g1 := groupTestCreate(t, s, "Jugend")
	g2 := groupTestCreate(t, s, "Chor")
	ids := groupTestMembers(t, db, 10)
	if _, err := s.AddMembersToGroup(ctx, groupAdmin, g1.ID, ids[:5]); err != nil {
		t.Fatal(err)
	}
	state := func() string {
		var s string
		if err := db.QueryRow(ctx, `SELECT coalesce(string_agg(member_id || '/' || group_id, ',' ORDER BY member_id, group_id), '')
			|| (SELECT string_agg(member_count::text, ',' ORDER BY id) FROM groups)
			|| (SELECT string_agg(group_words::text || group_count, ',' ORDER BY member_id) FROM member_group_keys)
			FROM member_groups`).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	before := state()
	// The last item fails: a member that does not exist, or is malformed.
	_, err := s.AddMembersToGroup(ctx, groupAdmin, g1.ID, append(slices.Clone(ids), groupMissingID))
	groupWantMissing(t, err, authz.Member)
	var nf *MembershipNotFoundError
	if errors.As(err, &nf); len(nf.IDs) != 1 || nf.IDs[0] != groupMissingID {
		t.Fatalf("not found names %v", nf.IDs)
	}
	_, err = s.AddMembersToGroup(ctx, groupAdmin, g1.ID, append(slices.Clone(ids), "x"))
	groupWantMissing(t, err, authz.Member)
	_, err = s.AddMemberToGroups(ctx, groupAdmin, ids[9], []string{g1.ID, g2.ID, groupMissingID})
	groupWantMissing(t, err, authz.Group)
	_, err = s.RemoveMembersFromGroup(ctx, groupAdmin, g1.ID, append(slices.Clone(ids), groupMissingID))
	groupWantMissing(t, err, authz.Member)
	_, err = s.RemoveMemberFromGroups(ctx, groupAdmin, ids[0], []string{g1.ID, groupMissingID})
	groupWantMissing(t, err, authz.Group)
	if after := state(); after != before {
		t.Fatalf("a failed bulk call changed data:\n%s\n%s", before, after)
	}

	// And the happy paths of the two member-side forms.
	r, err := s.AddMemberToGroups(ctx, groupAdmin, ids[0], []string{g1.ID, g2.ID})
	if err != nil || r != (MembershipAddResult{Added: 1, AlreadyMember: 1}) {
		t.Fatalf("%+v, %v", r, err)
	}
	rr, err := s.RemoveMemberFromGroups(ctx, groupAdmin, ids[0], []string{g1.ID, g2.ID})
	if err != nil || rr != (MembershipRemoveResult{Removed: 2}) {
		t.Fatalf("%+v, %v", rr, err)
	}
}

// TestMembershipBulkLarge adds and removes 10,000 members in one call each
// (one statement; the statement-level triggers do the rest). Its speed is
// measured by BenchmarkMembershipBulkAdd, not asserted here.
func TestMembershipBulkLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("large bulk")
	}
	s, db := groupTestStore(t)
	ctx := context.Background()
	g := groupTestCreate(t, s, "Großgruppe")
	ids := groupTestMembers(t, db, 10000)
	r, err := s.AddMembersToGroup(ctx, groupAdmin, g.ID, ids)
	if err != nil || r.Added != 10000 {
		t.Fatalf("%+v, %v", r, err)
	}
	if n := groupMemberCount(t, s, g.ID); n != 10000 {
		t.Fatalf("member count %d", n)
	}
	if n := groupCount(t, db, `SELECT count(*) FROM member_group_keys WHERE group_words = strip(to_tsvector('simple', 'grossgruppe'))`); n != 10000 {
		t.Fatalf("%d members carry the group name", n)
	}
	if err := CheckGroupConsistency(ctx, db); err != nil {
		t.Fatal(err)
	}
	rr, err := s.RemoveMembersFromGroup(ctx, groupAdmin, g.ID, ids[:5000])
	if err != nil || rr.Removed != 5000 {
		t.Fatalf("%+v, %v", rr, err)
	}
	if err := CheckGroupConsistency(ctx, db); err != nil {
		t.Fatal(err)
	}
}

func BenchmarkMembershipBulkAdd(b *testing.B) {
	db := testpg.New(b)
	s := NewGroups(db)
	ctx := context.Background()
	var ids []string
	rows, err := db.Query(ctx, `INSERT INTO members (first_name, last_name)
		SELECT 'M' || i, 'Bench' FROM generate_series(1, 10000) i RETURNING id`)
	if err != nil {
		b.Fatal(err)
	}
	for rows.Next() {
		var id string
		_ = rows.Scan(&id)
		ids = append(ids, id)
	}
	g, err := s.CreateGroup(ctx, groupAdmin, GroupInput{Name: "Bench"})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if r, err := s.AddMembersToGroup(ctx, groupAdmin, g.ID, ids); err != nil || r.Added != len(ids) {
			b.Fatalf("%+v, %v", r, err)
		}
		b.StopTimer()
		if _, err := s.RemoveMembersFromGroup(ctx, groupAdmin, g.ID, ids); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}
