package membership

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"mila/internal/authz"
	"mila/internal/pg"
	"mila/internal/testpg"
)

const groupMissingID = "0190a000-0000-7000-8000-00000000dead"

// groupMemberCount reads groups.member_count through the store.
func groupMemberCount(t *testing.T, s *GroupStore, id string) int {
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
	s := NewGroupStore(db)
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

// TestMembershipRaceWithGroupDelete races adds and removes against the
// deletion of the group: every call ends in success or not found — never
// a raw database error — and no membership outlives its group.
func TestMembershipRaceWithGroupDelete(t *testing.T) {
	s, db := groupTestStore(t)
	ctx := context.Background()
	ids := groupTestMembers(t, db, 40)
	for round := range 5 {
		g := groupTestCreate(t, s, fmt.Sprintf("Runde %d", round))
		other := groupTestCreate(t, s, fmt.Sprintf("Bleibt %d", round))
		if _, err := s.AddMembersToGroup(ctx, groupAdmin, g.ID, ids[:20]); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make(chan error, 100)
		start := make(chan struct{})
		for i := range 12 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				var err error
				switch i % 4 {
				case 0:
					_, err = s.AddMembersToGroup(ctx, groupAdmin, g.ID, ids[i:i+20])
				case 1:
					_, err = s.RemoveMembersFromGroup(ctx, groupAdmin, g.ID, ids[i:i+10])
				case 2:
					_, err = s.AddMemberToGroups(ctx, groupAdmin, ids[i], []string{other.ID, g.ID})
				case 3:
					_, err = s.AddMember(ctx, groupAdmin, g.ID, ids[30+i%10])
				}
				errs <- err
			}()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs <- s.DeleteGroup(ctx, groupAdmin, g.ID)
		}()
		close(start)
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil && !errors.Is(err, ErrNotFound) {
				t.Errorf("round %d: raw error surfaced: %v", round, err)
			}
		}
		if n := groupCount(t, db, `SELECT count(*) FROM member_groups WHERE group_id = $1`, g.ID); n != 0 {
			t.Fatalf("round %d: %d orphan memberships", round, n)
		}
		if _, err := s.GroupByID(ctx, groupAdmin, g.ID); !errors.Is(err, ErrNotFound) {
			t.Fatalf("round %d: group survived its delete: %v", round, err)
		}
		if err := CheckGroupConsistency(ctx, db); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
	}
}

// TestMembershipRaceWithMemberDelete: a member deleted while being added
// is reported as not found, never as a foreign key error.
func TestMembershipRaceWithMemberDelete(t *testing.T) {
	s, db := groupTestStore(t)
	ctx := context.Background()
	g := groupTestCreate(t, s, "Jugend")
	for round := range 10 {
		ids := groupTestMembers(t, db, 30)
		var wg sync.WaitGroup
		var addErr error
		start := make(chan struct{})
		wg.Add(2)
		go func() {
			defer wg.Done()
			<-start
			_, addErr = s.AddMembersToGroup(ctx, groupAdmin, g.ID, ids)
		}()
		go func() {
			defer wg.Done()
			<-start
			_, err := db.Exec(ctx, `DELETE FROM members WHERE id = $1`, ids[29])
			if err != nil && !pg.IsRetryable(err) {
				t.Errorf("delete member: %v", err)
			}
		}()
		close(start)
		wg.Wait()
		if addErr != nil && !errors.Is(addErr, ErrNotFound) {
			t.Fatalf("round %d: %v", round, addErr)
		}
		if err := CheckGroupConsistency(ctx, db); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
	}
}

// groupTestSearch returns the ids of the members the member search finds
// for q (the members helper's search, which ranks by the same vector).
func groupTestSearch(t *testing.T, db *pgxpool.Pool, q string) []string {
	t.Helper()
	rows, err := Members{DB: db}.Search(context.Background(), groupAdmin, q, 100)
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

// TestMembershipForeignKeyRaceIsNotFound makes the race deterministic: the
// member is deleted by a transaction that commits only after the add has
// checked it exists and is waiting in its INSERT. The foreign key
// violation that follows must come back as not found.
func TestMembershipForeignKeyRaceIsNotFound(t *testing.T) {
	s, db := groupTestStore(t)
	ctx := context.Background()
	g := groupTestCreate(t, s, "Jugend")
	ids := groupTestMembers(t, db, 3)
	tx, err := db.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck
	if _, err := tx.Exec(ctx, `DELETE FROM members WHERE id = $1`, ids[2]); err != nil {
		t.Fatal(err)
	}
	done := make(chan error)
	go func() {
		_, err := s.AddMembersToGroup(ctx, groupAdmin, g.ID, ids)
		done <- err
	}()
	for groupCount(t, db, `SELECT count(*) FROM pg_stat_activity
		WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'INSERT INTO member_groups%'`) == 0 {
		select {
		case err := <-done:
			t.Fatalf("the add did not wait for the delete: %v", err)
		case <-time.After(5 * time.Millisecond): // poll gently
		}
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	err = <-done
	groupWantMissing(t, err, authz.Member)
	var nf *MembershipNotFoundError
	if errors.As(err, &nf); len(nf.IDs) != 1 || nf.IDs[0] != ids[2] {
		t.Fatalf("not found names %v, want %s", nf.IDs, ids[2])
	}
	if n := groupMembershipRows(t, db); n != 0 {
		t.Fatalf("%d memberships left by the failed add", n)
	}
	if err := CheckGroupConsistency(ctx, db); err != nil {
		t.Fatal(err)
	}
}

// TestMemberGroupChoices: the member page's one statement gives the
// member's groups (as GroupsOfMember) and the others (GroupChoices minus
// those), both by name, under GroupsOfMember's permission.
func TestMemberGroupChoices(t *testing.T) {
	s, db := groupTestStore(t)
	ctx := context.Background()
	anna := groupTestMember(t, db, "Anna", "Zander")
	lone := groupTestMember(t, db, "Emil", "Einsam")
	var ids []string
	for _, name := range []string{"Zeugwart", "Ärzte", "chor", "Jugend", "Vorstand"} {
		ids = append(ids, groupTestCreate(t, s, name).ID)
	}
	for _, id := range ids[:3] {
		if _, err := s.AddMembersToGroup(ctx, groupAdmin, id, []string{anna}); err != nil {
			t.Fatal(err)
		}
	}
	all, err := s.GroupChoices(ctx, groupAdmin)
	if err != nil {
		t.Fatal(err)
	}
	names := func(cs []GroupChoice) []string {
		var out []string
		for _, c := range cs {
			out = append(out, c.Name)
		}
		return out
	}
	for _, tc := range []struct {
		member   string
		in, out  []string
		withRest bool
	}{
		{anna, []string{"Ärzte", "chor", "Zeugwart"}, []string{"Jugend", "Vorstand"}, true},
		{anna, []string{"Ärzte", "chor", "Zeugwart"}, nil, false},
		{lone, []string{}, names(all), true},
	} {
		in, out, err := s.MemberGroupChoices(ctx, groupReadOnly, tc.member, tc.withRest)
		if err != nil {
			t.Fatal(err)
		}
		if got := names(in); !slices.Equal(got, tc.in) {
			t.Errorf("in %v, want %v", got, tc.in)
		}
		if got := names(out); !slices.Equal(got, tc.out) {
			t.Errorf("others %v, want %v", got, tc.out)
		}
		full, err := s.GroupsOfMember(ctx, groupReadOnly, tc.member)
		if err != nil {
			t.Fatal(err)
		}
		for i, g := range full {
			if in[i].ID != g.ID || in[i].Slug != g.Slug {
				t.Errorf("group %d: %+v, GroupsOfMember has %+v", i, in[i], g)
			}
		}
	}
	if _, _, err := s.MemberGroupChoices(ctx, groupOwnData(lone), anna, false); !errors.Is(err, authz.ErrForbidden) {
		t.Errorf("own_data on another member: %v, want forbidden", err)
	}
	if _, _, err := s.MemberGroupChoices(ctx, groupAdmin, "nonsense", true); !errors.Is(err, ErrNotFound) {
		t.Errorf("malformed id: %v, want not found", err)
	}
}
