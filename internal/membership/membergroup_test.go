package membership

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"mila/internal/authz"
	"mila/internal/pg"
)

const groupMissingID = "0190a000-0000-7000-8000-00000000dead"

// groupMemberCount reads groups.member_count through the store.
func groupMemberCount(t *testing.T, s *Groups, id string) int {
	t.Helper()
	g, err := s.GroupByID(context.Background(), groupAdmin, id)
	if err != nil {
		t.Fatal(err)
	}
	return g.MemberCount
}

// groupWantMissing fails unless err is ErrNotFound naming res.
func groupWantMissing(t *testing.T, err error, res authz.Resource) {
	t.Helper()
	var nf *MembershipNotFoundError
	if !errors.Is(err, ErrNotFound) || !errors.As(err, &nf) || nf.Resource != res {
		t.Fatalf("want %s not found, got %v", res, err)
	}
}

func groupMembershipRows(t *testing.T, db *pgxpool.Pool) int {
	t.Helper()
	return groupCount(t, db, `SELECT count(*) FROM member_groups`)
}

func TestMembershipAddRemove(t *testing.T) {
	s, db := groupTestStore(t)
	ctx := context.Background()
	g := groupTestCreate(t, s, "Jugend")
	a := groupTestMember(t, db, "Anna", "Ahrens")
	b := groupTestMember(t, db, "Bernd", "Bauer")

	if n := groupMemberCount(t, s, g.ID); n != 0 {
		t.Fatalf("new group has %d members", n)
	}
	r, err := s.AddMember(ctx, groupAdmin, g.ID, a)
	if err != nil || r != (MembershipAddResult{Added: 1}) {
		t.Fatalf("add: %+v, %v", r, err)
	}
	// Adding again is not an error: "already a member".
	r, err = s.AddMember(ctx, groupAdmin, g.ID, a)
	if err != nil || r != (MembershipAddResult{AlreadyMember: 1}) {
		t.Fatalf("add again: %+v, %v", r, err)
	}
	if _, err := s.AddMember(ctx, groupAdmin, g.ID, b); err != nil {
		t.Fatal(err)
	}
	if n := groupMemberCount(t, s, g.ID); n != 2 {
		t.Fatalf("member count %d after adds, want 2", n)
	}
	rr, err := s.RemoveMember(ctx, groupAdmin, g.ID, a)
	if err != nil || rr != (MembershipRemoveResult{Removed: 1}) {
		t.Fatalf("remove: %+v, %v", rr, err)
	}
	rr, err = s.RemoveMember(ctx, groupAdmin, g.ID, a)
	if err != nil || rr != (MembershipRemoveResult{NotMember: 1}) {
		t.Fatalf("remove again: %+v, %v", rr, err)
	}
	if n := groupMemberCount(t, s, g.ID); n != 1 {
		t.Fatalf("member count %d after remove, want 1", n)
	}

	// Missing or malformed ids are not found, and say which side.
	_, err = s.AddMember(ctx, groupAdmin, groupMissingID, a)
	groupWantMissing(t, err, authz.Group)
	_, err = s.AddMember(ctx, groupAdmin, g.ID, groupMissingID)
	groupWantMissing(t, err, authz.Member)
	_, err = s.AddMember(ctx, groupAdmin, "nope", a)
	groupWantMissing(t, err, authz.Group)
	_, err = s.AddMember(ctx, groupAdmin, g.ID, "1; DROP TABLE members")
	groupWantMissing(t, err, authz.Member)
	_, err = s.RemoveMember(ctx, groupAdmin, groupMissingID, a)
	groupWantMissing(t, err, authz.Group)
	_, err = s.RemoveMember(ctx, groupAdmin, g.ID, groupMissingID)
	groupWantMissing(t, err, authz.Member)

	if err := CheckGroupConsistency(ctx, db); err != nil {
		t.Fatal(err)
	}
}

func TestMembershipUnique(t *testing.T) {
	s, db := groupTestStore(t)
	ctx := context.Background()
	g := groupTestCreate(t, s, "Jugend")
	m := groupTestMember(t, db, "Anna", "Ahrens")
	if _, err := s.AddMember(ctx, groupAdmin, g.ID, m); err != nil {
		t.Fatal(err)
	}
	// The database refuses a second row for the pair, whatever the code does.
	_, err := db.Exec(ctx, `INSERT INTO member_groups (member_id, group_id) VALUES ($1, $2)`, m, g.ID)
	if !pg.IsUniqueViolation(err, "member_groups_member_group_key") {
		t.Fatalf("duplicate membership row: %v", err)
	}
	// The same id twice in one bulk call counts once (also in upper case).
	g2 := groupTestCreate(t, s, "Chor")
	r, err := s.AddMemberToGroups(ctx, groupAdmin, m, []string{g2.ID, g2.ID, " " + upper(g2.ID)})
	if err != nil || r != (MembershipAddResult{Added: 1}) {
		t.Fatalf("duplicate ids: %+v, %v", r, err)
	}
	if n := groupMembershipRows(t, db); n != 2 {
		t.Fatalf("%d rows", n)
	}
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

func TestMembershipCascadeMemberDeleted(t *testing.T) {
	s, db := groupTestStore(t)
	ctx := context.Background()
	g1 := groupTestCreate(t, s, "Jugend")
	g2 := groupTestCreate(t, s, "Chor")
	m := groupTestMember(t, db, "Anna", "Ahrens")
	other := groupTestMember(t, db, "Bernd", "Bauer")
	if _, err := s.AddMemberToGroups(ctx, groupAdmin, m, []string{g1.ID, g2.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddMember(ctx, groupAdmin, g1.ID, other); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(ctx, `DELETE FROM members WHERE id = $1`, m); err != nil {
		t.Fatal(err)
	}
	if n := groupCount(t, db, `SELECT count(*) FROM member_groups WHERE member_id = $1`, m); n != 0 {
		t.Fatalf("%d memberships of the deleted member left", n)
	}
	if n := groupCount(t, db, `SELECT count(*) FROM groups`); n != 2 {
		t.Fatalf("groups deleted with the member: %d left", n)
	}
	if c1, c2 := groupMemberCount(t, s, g1.ID), groupMemberCount(t, s, g2.ID); c1 != 1 || c2 != 0 {
		t.Fatalf("member counts %d, %d; want 1, 0", c1, c2)
	}
	if err := CheckGroupConsistency(ctx, db); err != nil {
		t.Fatal(err)
	}
}

func TestMembershipCascadeGroupDeleted(t *testing.T) {
	s, db := groupTestStore(t)
	ctx := context.Background()
	g := groupTestCreate(t, s, "Jugend")
	keep := groupTestCreate(t, s, "Chor")
	ids := groupTestMembers(t, db, 4)
	if _, err := s.AddMembersToGroup(ctx, groupAdmin, g.ID, ids); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddMembersToGroup(ctx, groupAdmin, keep.ID, ids[:2]); err != nil {
		t.Fatal(err)
	}
	// Deleted by SQL as well as by the action: the cascade is the database's.
	if _, err := db.Exec(ctx, `DELETE FROM groups WHERE id = $1`, g.ID); err != nil {
		t.Fatal(err)
	}
	if n := groupCount(t, db, `SELECT count(*) FROM member_groups WHERE group_id = $1`, g.ID); n != 0 {
		t.Fatalf("%d memberships of the deleted group left", n)
	}
	if n := groupCount(t, db, `SELECT count(*) FROM members`); n != 4 {
		t.Fatalf("%d members left", n)
	}
	var words string
	if err := db.QueryRow(ctx, `SELECT group_words::text FROM member_group_keys WHERE member_id = $1`, ids[0]).Scan(&words); err != nil || words != "'chor'" {
		t.Fatalf("group_words %q, %v", words, err)
	}
	if err := CheckGroupConsistency(ctx, db); err != nil {
		t.Fatal(err)
	}
}

func TestMembershipSeveralGroupsAndMembers(t *testing.T) {
	s, db := groupTestStore(t)
	ctx := context.Background()
	zeug := groupTestCreate(t, s, "Zeugwart")
	arzte := groupTestCreate(t, s, "Ärzte")
	chor := groupTestCreate(t, s, "chor")
	anna := groupTestMember(t, db, "Anna", "Zander")
	bernd := groupTestMember(t, db, "Bernd", "Özdemir")
	carla := groupTestMember(t, db, "Carla", "Otto")
	dora := groupTestMember(t, db, "Dora", "Otto")

	// A member in several groups.
	r, err := s.AddMemberToGroups(ctx, groupAdmin, anna, []string{zeug.ID, arzte.ID, chor.ID})
	if err != nil || r.Added != 3 {
		t.Fatalf("%+v, %v", r, err)
	}
	gs, err := s.GroupsOfMember(ctx, groupAdmin, anna)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, g := range gs {
		got = append(got, g.Name)
	}
	if want := []string{"Ärzte", "chor", "Zeugwart"}; !slices.Equal(got, want) {
		t.Fatalf("groups of member %v, want %v (by name, ignoring case and accents)", got, want)
	}
	var count int
	var first string
	if err := db.QueryRow(ctx, `SELECT group_count, first_group_key FROM member_group_keys WHERE member_id = $1`, anna).Scan(&count, &first); err != nil {
		t.Fatal(err)
	}
	if count != 3 || first != "arzte" {
		t.Fatalf("group_count %d, first_group_key %q", count, first)
	}

	// A group with several members, paginated by last name, first name.
	if _, err := s.AddMembersToGroup(ctx, groupAdmin, chor.ID, []string{bernd, carla, dora}); err != nil {
		t.Fatal(err)
	}
	var order []string
	for page := 1; page <= 3; page++ {
		p, err := s.MembersOfGroup(ctx, groupReadOnly, chor.ID, page, 2)
		if err != nil {
			t.Fatal(err)
		}
		if p.Total != 4 || p.Pages() != 2 || p.Page != page || p.PerPage != 2 {
			t.Fatalf("page %d: %+v", page, p)
		}
		for _, m := range p.Members {
			order = append(order, m.FirstName+" "+m.LastName)
		}
	}
	if want := []string{"Carla Otto", "Dora Otto", "Bernd Özdemir", "Anna Zander"}; !slices.Equal(order, want) {
		t.Fatalf("members of group %v, want %v", order, want)
	}

	// MembersOfGroupSized gives the same pages whatever size the caller
	// read (the size only picks the plan): right, stale either way, or
	// none; a page past the end has the total and no members.
	for _, size := range []int{4, 0, 100000} {
		g := chor
		g.MemberCount = size
		for page := 1; page <= 3; page++ {
			want, err := s.MembersOfGroup(ctx, groupReadOnly, chor.ID, page, 2)
			if err != nil {
				t.Fatal(err)
			}
			got, err := s.MembersOfGroupSized(ctx, groupReadOnly, g, page, 2)
			if err != nil {
				t.Fatal(err)
			}
			if got.Total != 4 || got.Page != page || !slices.Equal(got.Members, want.Members) {
				t.Fatalf("size %d, page %d: %+v, want %+v", size, page, got, want)
			}
			if page == 3 && len(got.Members) != 0 {
				t.Fatalf("page past the end: %+v", got)
			}
		}
	}
	missing := chor
	missing.ID = groupMissingID
	_, err = s.MembersOfGroupSized(ctx, groupAdmin, missing, 1, 10)
	groupWantMissing(t, err, authz.Group)
	if _, err := s.MembersOfGroupSized(ctx, groupOwnData(anna), chor, 1, 10); !errors.Is(err, authz.ErrForbidden) {
		t.Fatalf("own_data: %v, want forbidden", err)
	}

	// No groups is an empty list; a missing member is not found.
	if gs, err := s.GroupsOfMember(ctx, groupAdmin, bernd); err != nil || len(gs) != 1 {
		t.Fatalf("%v, %v", gs, err)
	}
	lone := groupTestMember(t, db, "Emil", "Einsam")
	if gs, err := s.GroupsOfMember(ctx, groupAdmin, lone); err != nil || len(gs) != 0 {
		t.Fatalf("%v, %v", gs, err)
	}
	_, err = s.GroupsOfMember(ctx, groupAdmin, groupMissingID)
	groupWantMissing(t, err, authz.Member)
	_, err = s.MembersOfGroup(ctx, groupAdmin, groupMissingID, 1, 10)
	groupWantMissing(t, err, authz.Group)
	if p, err := s.MembersOfGroup(ctx, groupAdmin, zeug.ID, 0, 0); err != nil || p.Page != 1 || p.PerPage != GroupMembersPerPage || len(p.Members) != 1 {
		t.Fatalf("defaults: %+v, %v", p, err)
	}
}
