package membership

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"mila/internal/authz"
)

// TestGroupPermissions runs every group and membership action as each
// permission set (plus an anonymous actor and an own_data user without a
// linked member) and checks it is allowed or refused as the permission
// table says. A refusal wraps authz.ErrForbidden and changes nothing.
func TestGroupPermissions(t *testing.T) {
	s, db := groupTestStore(t)
	ctx := context.Background()
	own := groupTestMember(t, db, "Olga", "Eigen")
	other := groupTestMember(t, db, "Otto", "Anders")

	actors := []struct {
		name  string
		actor authz.Actor
	}{
		{"own_data", groupOwnData(own)},
		{"read_only", groupReadOnly},
		{"normal_user", groupNormal},
		{"admin", groupAdmin},
		{"anonymous", authz.Anonymous},
		{"own_data_unlinked", groupOwnData("")},
	}

	// The expectations, written out: groups are readable by every set that
	// reads members (own_data too); only admin changes groups and
	// memberships; memberships are readable by the sets with MemberGroup
	// read, and own_data sees the groups of its own member only.
	var (
		readers    = "own_data read_only normal_user admin own_data_unlinked"
		adminOnly  = "admin"
		mgReaders  = "read_only normal_user admin"
		ownGroups  = "own_data read_only normal_user admin"
		otherGroup = "read_only normal_user admin"
	)
	type fixture struct{ g Group }
	actions := []struct {
		name    string
		allowed string
		run     func(a authz.Actor, f fixture) error
	}{
		{"ListGroups", readers, func(a authz.Actor, f fixture) error {
			_, err := s.ListGroups(ctx, a, GroupListOptions{})
			return err
		}},
		{"GroupByID", readers, func(a authz.Actor, f fixture) error {
			_, err := s.GroupByID(ctx, a, f.g.ID)
			return err
		}},
		{"GroupBySlug", readers, func(a authz.Actor, f fixture) error {
			_, err := s.GroupBySlug(ctx, a, f.g.Slug)
			return err
		}},
		{"CreateGroup", adminOnly, func(a authz.Actor, f fixture) error {
			_, err := s.CreateGroup(ctx, a, GroupInput{Name: f.g.Name + " neu"})
			return err
		}},
		{"UpdateGroup", adminOnly, func(a authz.Actor, f fixture) error {
			_, err := s.UpdateGroup(ctx, a, f.g.ID, GroupInput{Name: f.g.Name + " umbenannt"})
			return err
		}},
		{"DeleteGroup", adminOnly, func(a authz.Actor, f fixture) error {
			return s.DeleteGroup(ctx, a, f.g.ID)
		}},
		{"AddMember", adminOnly, func(a authz.Actor, f fixture) error {
			_, err := s.AddMember(ctx, a, f.g.ID, other)
			return err
		}},
		{"RemoveMember", adminOnly, func(a authz.Actor, f fixture) error {
			_, err := s.RemoveMember(ctx, a, f.g.ID, own)
			return err
		}},
		{"AddMemberToGroups", adminOnly, func(a authz.Actor, f fixture) error {
			_, err := s.AddMemberToGroups(ctx, a, other, []string{f.g.ID})
			return err
		}},
		{"RemoveMemberFromGroups", adminOnly, func(a authz.Actor, f fixture) error {
			_, err := s.RemoveMemberFromGroups(ctx, a, own, []string{f.g.ID})
			return err
		}},
		{"AddMembersToGroup", adminOnly, func(a authz.Actor, f fixture) error {
			_, err := s.AddMembersToGroup(ctx, a, f.g.ID, []string{other})
			return err
		}},
		{"RemoveMembersFromGroup", adminOnly, func(a authz.Actor, f fixture) error {
			_, err := s.RemoveMembersFromGroup(ctx, a, f.g.ID, []string{own})
			return err
		}},
		{"GroupsOfMember own", ownGroups, func(a authz.Actor, f fixture) error {
			gs, err := s.GroupsOfMember(ctx, a, own)
			if err == nil && len(gs) == 0 {
				return errors.New("own member's groups missing")
			}
			return err
		}},
		{"GroupsOfMember other", otherGroup, func(a authz.Actor, f fixture) error {
			_, err := s.GroupsOfMember(ctx, a, other)
			return err
		}},
		{"MembersOfGroup", mgReaders, func(a authz.Actor, f fixture) error {
			p, err := s.MembersOfGroup(ctx, a, f.g.ID, 1, 10)
			if err == nil && (p.Total != 1 || len(p.Members) != 1 || p.Members[0].ID != own) {
				return fmt.Errorf("members of group: %+v", p)
			}
			return err
		}},
	}

	state := func() string {
		var st string
		if err := db.QueryRow(ctx, `SELECT coalesce((SELECT string_agg(id || name || description || member_count, ',' ORDER BY id) FROM groups), '')
			|| coalesce((SELECT string_agg(member_id || '/' || group_id, ',' ORDER BY member_id, group_id) FROM member_groups), '')`).Scan(&st); err != nil {
			t.Fatal(err)
		}
		return st
	}

	for _, ac := range actions {
		for _, a := range actors {
			t.Run(ac.name+"/"+a.name, func(t *testing.T) {
				// A fresh group with the own member in it, made by admin.
				g := groupTestCreate(t, s, fmt.Sprintf("%s %s", ac.name, a.name))
				if _, err := s.AddMember(ctx, groupAdmin, g.ID, own); err != nil {
					t.Fatal(err)
				}
				g.MemberCount = 1
				want := groupContains(ac.allowed, a.name)
				before := state()
				err := ac.run(a.actor, fixture{g: g})
				switch {
				case want && err != nil:
					t.Fatalf("allowed, but got %v", err)
				case !want && !errors.Is(err, authz.ErrForbidden):
					t.Fatalf("want forbidden, got %v", err)
				case !want && state() != before:
					t.Fatal("a refused action changed data")
				}
			})
		}
	}
}

// groupContains reports whether the space-separated list holds name.
func groupContains(list, name string) bool {
	return slices.Contains(strings.Fields(list), name)
}

// TestGroupPermissionsMatchTable checks the expectations above against the
// permission table itself, so the two cannot drift apart silently.
func TestGroupPermissionsMatchTable(t *testing.T) {
	for _, set := range authz.PermissionSets {
		a := authz.Actor{UserID: "u", Set: set}
		if got, want := a.Can(authz.Group, authz.Read), a.Can(authz.Member, authz.Read); got != want {
			t.Errorf("%s: Group read %v, but Member read %v", set, got, want)
		}
		for _, act := range []authz.Action{authz.Create, authz.Update, authz.Destroy} {
			if got := a.Can(authz.Group, act); got != (set == authz.Admin) {
				t.Errorf("%s: Group %s = %v", set, act, got)
			}
		}
		for _, act := range []authz.Action{authz.Create, authz.Destroy} {
			if got := a.Can(authz.MemberGroup, act); got != (set == authz.Admin) {
				t.Errorf("%s: MemberGroup %s = %v", set, act, got)
			}
		}
		if got := a.Can(authz.MemberGroup, authz.Read); got != (set != authz.OwnData) {
			t.Errorf("%s: MemberGroup read = %v", set, got)
		}
	}
}
