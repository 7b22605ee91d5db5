package membership

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestMembershipConsistencyRandom runs a random sequence of adds, removes,
// renames and deletes of groups and members and then recomputes every
// denormalised counter from scratch.
func TestMembershipConsistencyRandom(t *testing.T) {
	s, db := groupTestStore(t)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(5, 2026))
	members := groupTestMembers(t, db, 60)
	var groups []string
	for i := range 8 {
		groups = append(groups, groupTestCreate(t, s, fmt.Sprintf("Gruppe %d", i)).ID)
	}
	pick := func(ids []string, n int) []string {
		out := make([]string, 0, n)
		for range n {
			out = append(out, ids[rng.IntN(len(ids))])
		}
		return out
	}
	okOrNotFound := func(err error) {
		t.Helper()
		if err != nil && !errors.Is(err, ErrNotFound) {
			t.Fatal(err)
		}
	}
	for step := range 300 {
		g := groups[rng.IntN(len(groups))]
		m := members[rng.IntN(len(members))]
		switch op := rng.IntN(20); {
		case op < 6:
			_, err := s.AddMembersToGroup(ctx, groupAdmin, g, pick(members, 1+rng.IntN(15)))
			okOrNotFound(err)
		case op < 9:
			_, err := s.AddMemberToGroups(ctx, groupAdmin, m, pick(groups, 1+rng.IntN(4)))
			okOrNotFound(err)
		case op < 12:
			_, err := s.RemoveMembersFromGroup(ctx, groupAdmin, g, pick(members, 1+rng.IntN(10)))
			okOrNotFound(err)
		case op < 14:
			_, err := s.RemoveMemberFromGroups(ctx, groupAdmin, m, pick(groups, 1+rng.IntN(3)))
			okOrNotFound(err)
		case op < 16:
			_, err := s.UpdateGroup(ctx, groupAdmin, g, GroupInput{Name: fmt.Sprintf("Umbenannt %d", step)})
			okOrNotFound(err)
		case op < 17:
			okOrNotFound(s.DeleteGroup(ctx, groupAdmin, g))
			groups = append(groups, groupTestCreate(t, s, fmt.Sprintf("Neu %d", step)).ID)
		case op < 18:
			if _, err := db.Exec(ctx, `DELETE FROM members WHERE id = $1`, m); err != nil {
				t.Fatal(err)
			}
			members = append(members, groupTestMember(t, db, fmt.Sprintf("Neu%d", step), "Mitglied"))
		default:
			_, err := s.AddMember(ctx, groupAdmin, g, m)
			okOrNotFound(err)
		}
	}
	if n := groupMembershipRows(t, db); n == 0 {
		t.Fatal("the random run left no memberships: not a useful check")
	}
	if err := CheckGroupConsistency(ctx, db); err != nil {
		t.Fatal(err)
	}

	// And the check does notice a wrong counter.
	if _, err := db.Exec(ctx, `UPDATE groups SET member_count = member_count + 1 WHERE id = $1`, groups[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(ctx, `UPDATE member_group_keys SET group_words = 'falsch' WHERE member_id = (SELECT id FROM members ORDER BY id LIMIT 1)`); err != nil {
		t.Fatal(err)
	}
	err := CheckGroupConsistency(ctx, db)
	if err == nil || !strings.Contains(err.Error(), "groups.member_count") || !strings.Contains(err.Error(), "'falsch'") {
		t.Fatalf("corrupted counters not both detected: %v", err)
	}
	// A stale copy of a member's name is noticed too.
	if _, err := db.Exec(ctx, `UPDATE member_group_keys SET sort_name = 'zzz' WHERE member_id = (SELECT id FROM members ORDER BY id DESC LIMIT 1)`); err != nil {
		t.Fatal(err)
	}
	if err := CheckGroupConsistency(ctx, db); err == nil || !strings.Contains(err.Error(), "'zzz'") {
		t.Fatalf("stale sort_name not detected: %v", err)
	}
}
