package membership

import (
	"context"
	"errors"
	"strings"
	"testing"

	"mila/internal/authz"
)

// TestGroupPage: the group page in one action — the group by slug (by id:
// only where it lives now), the asked page of its members (past the end:
// the last page) for those who may see them, and the picker's matches
// for those who may add.
func TestGroupPage(t *testing.T) {
	s, db := groupTestStore(t)
	ctx := context.Background()
	chor := groupTestCreate(t, s, "Chor")
	ids := groupTestMembers(t, db, GroupMembersPerPage+3)
	if _, err := s.AddMembersToGroup(ctx, groupAdmin, chor.ID, ids); err != nil {
		t.Fatal(err)
	}
	anna := groupTestMember(t, db, "Anna", "Zauberhaft")

	p, err := s.Page(ctx, groupAdmin, GroupPageQuery{Key: "chor", Page: 99, Q: "  zauberhaft "})
	if err != nil {
		t.Fatal(err)
	}
	if p.Group.ID != chor.ID || p.MovedTo != "" || !p.MembersShown || p.Members.Page != 2 || len(p.Members.Members) != 3 ||
		p.Members.Total != GroupMembersPerPage+3 {
		t.Errorf("admin, page 99: %+v", p)
	}
	if !p.Picker || !p.Searched || p.Q != "zauberhaft" || len(p.Candidates) != 1 || p.Candidates[0].ID != anna || p.Candidates[0].InGroup {
		t.Errorf("admin, picker: %+v", p)
	}
	if p, err := s.Page(ctx, groupAdmin, GroupPageQuery{Key: "chor", Q: " "}); err != nil || p.Searched || p.Candidates != nil {
		t.Errorf("blank search: %+v %v", p, err)
	}

	// By id: only where the group lives.
	if p, err := s.Page(ctx, groupAdmin, GroupPageQuery{Key: strings.ToUpper(chor.ID)}); err != nil || p.MovedTo != "chor" || p.MembersShown {
		t.Errorf("by id: %+v %v", p, err)
	}
	for _, key := range []string{"nope", "0190a000-0000-7000-8000-00000000ffff", ""} {
		if _, err := s.Page(ctx, groupAdmin, GroupPageQuery{Key: key}); !errors.Is(err, ErrNotFound) {
			t.Errorf("key %q: %v, want not found", key, err)
		}
	}

	// The board sees the members, not the picker; own_data the group only.
	if p, err := s.Page(ctx, groupReadOnly, GroupPageQuery{Key: "chor", Q: "anna"}); err != nil || !p.MembersShown || p.Picker || p.Candidates != nil {
		t.Errorf("board: %+v %v", p, err)
	}
	if p, err := s.Page(ctx, groupOwnData(anna), GroupPageQuery{Key: "chor", Q: "anna"}); err != nil || p.MembersShown || p.Picker || p.Members.Members != nil {
		t.Errorf("own_data: %+v %v", p, err)
	}
	if _, err := s.Page(ctx, authz.Anonymous, GroupPageQuery{Key: "chor"}); !errors.Is(err, authz.ErrForbidden) {
		t.Errorf("anonymous: %v", err)
	}

	// The picker on its own: members already in are marked.
	var first string
	if err := db.QueryRow(ctx, `SELECT first_name FROM members WHERE id = $1`, ids[0]).Scan(&first); err != nil {
		t.Fatal(err)
	}
	c, err := s.Candidates(ctx, groupAdmin, "chor", first)
	if err != nil || c.Group.ID != chor.ID || !c.Searched || len(c.Candidates) == 0 || !c.Candidates[0].InGroup {
		t.Errorf("candidates: %+v %v", c, err)
	}
	if _, err := s.Candidates(ctx, groupReadOnly, "chor", "anna"); !errors.Is(err, authz.ErrForbidden) {
		t.Errorf("board's candidates: %v", err)
	}
	if _, err := s.Candidates(ctx, groupAdmin, "nope", "anna"); !errors.Is(err, ErrNotFound) {
		t.Errorf("candidates of no group: %v", err)
	}
}

// TestChangeMemberGroup: one membership changed by member id and group
// slug, with what happened as the outcome.
func TestChangeMemberGroup(t *testing.T) {
	s, db := groupTestStore(t)
	ctx := context.Background()
	chor := groupTestCreate(t, s, "Chor")
	anna := groupTestMember(t, db, "Anna", "Becker")

	for _, c := range []struct {
		slug string
		add  bool
		want MemberGroupOutcome
	}{
		{" chor ", true, MemberGroupAdded},
		{"chor", true, MemberGroupAlreadyIn},
		{"chor", false, MemberGroupRemoved},
		{"chor", false, MemberGroupWasNotIn},
		{"gone", true, MemberGroupNoSuchGroup},
		{"", true, MemberGroupNoSuchGroup},
	} {
		got, err := s.ChangeMemberGroup(ctx, groupAdmin, strings.ToUpper(anna), c.slug, c.add)
		if err != nil {
			t.Fatalf("%q add %v: %v", c.slug, c.add, err)
		}
		if got.Outcome != c.want || got.Member.ID != anna || got.Member.Name() != "Anna Becker" {
			t.Errorf("%q add %v: %+v, want outcome %v", c.slug, c.add, got, c.want)
		}
		if c.want != MemberGroupNoSuchGroup && got.Group.ID != chor.ID {
			t.Errorf("%q add %v: group %+v", c.slug, c.add, got.Group)
		}
	}
	if n := groupMemberCount(t, s, chor.ID); n != 0 {
		t.Errorf("chor has %d members, want 0", n)
	}

	// Removing from a group that does not exist names a missing address;
	// a missing member is not found either way; the board may not change.
	if _, err := s.ChangeMemberGroup(ctx, groupAdmin, anna, "gone", false); !errors.Is(err, ErrNotFound) {
		t.Errorf("remove from no group: %v", err)
	}
	for _, id := range []string{"0190a000-0000-7000-8000-00000000ffff", "12345"} {
		if _, err := s.ChangeMemberGroup(ctx, groupAdmin, id, "chor", true); !errors.Is(err, ErrNotFound) {
			t.Errorf("member %q: %v", id, err)
		}
	}
	if _, err := s.ChangeMemberGroup(ctx, groupReadOnly, anna, "chor", true); !errors.Is(err, authz.ErrForbidden) {
		t.Errorf("board adds: %v", err)
	}
	if n := groupMemberCount(t, s, chor.ID); n != 0 {
		t.Errorf("chor has %d members after refusals, want 0", n)
	}
}
