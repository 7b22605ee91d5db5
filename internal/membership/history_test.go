package membership

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"mila/internal/authz"
	"mila/internal/validate"
)

func day(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

func histMember(t *testing.T, db *pgxpool.Pool, first, join string, exit any) string {
	t.Helper()
	var id string
	if err := db.QueryRow(context.Background(), `INSERT INTO members (first_name, last_name, join_date, exit_date)
		VALUES ($1, 'Hist', $2::date, $3::date) RETURNING id`, first, join, exit).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

func histString(t *testing.T, db *pgxpool.Pool, sql string, args ...any) string {
	t.Helper()
	var s *string
	if err := db.QueryRow(context.Background(), sql, args...).Scan(&s); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	if s == nil {
		return ""
	}
	return *s
}

func wantFieldErr(t *testing.T, err error, field, id string) {
	t.Helper()
	fe, ok := validate.As(err)
	if !ok || fe[field].ID != id {
		t.Fatalf("want %s on %s, got %v", id, field, err)
	}
}

// TestPeriodsFollowJoinAndExitDates: the member form's dates move the
// first and last period, and periods move the dates back.
func TestPeriodsFollowJoinAndExitDates(t *testing.T) {
	db := testDB(t)
	ctx := context.Background()
	h := NewHistory(db)
	m := histMember(t, db, "Paula", "2010-01-01", nil)
	periods := func() string {
		return histString(t, db, `SELECT string_agg(starts_on || '..' || coalesce(ends_on::text, ''), ' ' ORDER BY starts_on) FROM member_periods WHERE member_id = $1`, m)
	}
	dates := func() string {
		return histString(t, db, `SELECT join_date || '..' || coalesce(exit_date::text, '') FROM members WHERE id = $1`, m)
	}
	if got := periods(); got != "2010-01-01.." {
		t.Fatalf("new member: periods %q", got)
	}
	if _, err := db.Exec(ctx, `UPDATE members SET exit_date = '2015-12-31' WHERE id = $1`, m); err != nil {
		t.Fatal(err)
	}
	if got := periods(); got != "2010-01-01..2015-12-31" {
		t.Fatalf("after exit: %q", got)
	}
	// Re-join: a period of the same member, never a new member.
	before := groupCount(t, db, `SELECT count(*) FROM members`)
	version := groupCount(t, db, `SELECT version FROM members WHERE id = $1`, m)
	p, err := h.AddPeriod(ctx, groupAdmin, m, PeriodInput{StartsOn: "2020-03-01"})
	if err != nil {
		t.Fatal(err)
	}
	if p.EndsOn != nil || !p.StartsOn.Equal(day("2020-03-01")) {
		t.Fatalf("period %+v", p)
	}
	if n := groupCount(t, db, `SELECT count(*) FROM members`); n != before {
		t.Fatalf("re-join made %d members of %d", n, before)
	}
	if got := dates(); got != "2010-01-01.." {
		t.Fatalf("re-joined member's dates %q", got)
	}
	if v := groupCount(t, db, `SELECT version FROM members WHERE id = $1`, m); v != version+1 {
		t.Fatalf("version %d, want %d (an open edit form must notice)", v, version+1)
	}
	// The form's dates now move the first start and the last end.
	if _, err := db.Exec(ctx, `UPDATE members SET join_date = '2009-06-01', exit_date = '2024-01-01' WHERE id = $1`, m); err != nil {
		t.Fatal(err)
	}
	if got := periods(); got != "2009-06-01..2015-12-31 2020-03-01..2024-01-01" {
		t.Fatalf("after form edit: %q", got)
	}
	// The member form moving the join date past the first period's end
	// is a field error, not a database error.
	cur, err := NewMembers(db).Get(ctx, groupAdmin, m)
	if err != nil {
		t.Fatal(err)
	}
	_, err = NewMembers(db).Update(ctx, groupAdmin, m, MemberInput{FirstName: cur.FirstName, LastName: cur.LastName,
		JoinDate: "2018-01-01", ExitDate: "2024-01-01", Version: cur.Version})
	wantFieldErr(t, err, "join_date", ErrMemberDatesPeriods)
	if got := periods(); got != "2009-06-01..2015-12-31 2020-03-01..2024-01-01" {
		t.Fatalf("a refused form changed the periods: %q", got)
	}
	// Overlap, a second open period, and deleting the last are refused.
	_, err = h.AddPeriod(ctx, groupAdmin, m, PeriodInput{StartsOn: "2015-01-01", EndsOn: "2016-01-01"})
	wantFieldErr(t, err, "starts_on", ErrPeriodOverlap)
	_, err = h.AddPeriod(ctx, groupAdmin, m, PeriodInput{StartsOn: "2017-01-01"})
	wantFieldErr(t, err, "ends_on", ErrPeriodOpenNotLast)
	_, err = h.AddPeriod(ctx, groupAdmin, m, PeriodInput{StartsOn: "2017-01-01", EndsOn: "2016-01-01"})
	wantFieldErr(t, err, "ends_on", ErrPeriodEndBeforeStart)
	ps, err := h.Periods(ctx, groupReadOnly, m)
	if err != nil || len(ps) != 2 {
		t.Fatalf("periods %v %v", ps, err)
	}
	if err := h.DeletePeriod(ctx, groupAdmin, m, ps[1].ID); err != nil {
		t.Fatal(err)
	}
	if got := dates(); got != "2009-06-01..2015-12-31" {
		t.Fatalf("after deleting the last period: %q", got)
	}
	wantFieldErr(t, h.DeletePeriod(ctx, groupAdmin, m, ps[0].ID), "period", ErrPeriodLast)
	// Who may: every member's update right, not own_data on its own record.
	if _, err := h.AddPeriod(ctx, groupOwnData(m), m, PeriodInput{StartsOn: "2030-01-01"}); !errors.Is(err, authz.ErrForbidden) {
		t.Fatalf("own_data added a period: %v", err)
	}
	if _, err := h.AddPeriod(ctx, groupReadOnly, m, PeriodInput{StartsOn: "2030-01-01"}); !errors.Is(err, authz.ErrForbidden) {
		t.Fatalf("read_only added a period: %v", err)
	}
	if _, err := h.AddPeriod(ctx, groupNormal, m, PeriodInput{StartsOn: "2030-01-01"}); err != nil {
		t.Fatalf("normal_user (treasurer) re-join: %v", err)
	}
	// Deleting the member takes its periods.
	if _, err := db.Exec(ctx, `DELETE FROM members WHERE id = $1`, m); err != nil {
		t.Fatal(err)
	}
	if n := groupCount(t, db, `SELECT count(*) FROM member_periods WHERE member_id = $1`, m); n != 0 {
		t.Fatalf("%d periods left", n)
	}
}

func testDB(t *testing.T) *pgxpool.Pool {
	_, db := groupTestStore(t)
	return db
}

// TestMemberGroupsKeepHistory: adding and removing as the existing code
// does (member_groups) opens and ends dated memberships, and dated
// memberships keep member_groups to those covering today.
func TestMemberGroupsKeepHistory(t *testing.T) {
	s, db := groupTestStore(t)
	ctx := context.Background()
	h := NewHistory(db)
	g := groupTestCreate(t, s, "Jugend U14")
	ids := groupTestMembers(t, db, 3)
	if _, err := s.AddMembersToGroup(ctx, groupAdmin, g.ID, ids); err != nil {
		t.Fatal(err)
	}
	hist := func() string {
		return histString(t, db, `SELECT string_agg(m.first_name || ':' || (h.valid_from = current_date) || ':' || coalesce((h.valid_until = current_date)::text, 'open'), ' ' ORDER BY m.first_name, h.valid_from)
			FROM group_memberships h JOIN members m ON m.id = h.member_id WHERE h.group_id = $1`, g.ID)
	}
	if got := hist(); got != "Member1:true:open Member2:true:open Member3:true:open" {
		t.Fatalf("after add: %q", got)
	}
	// Removing on the day it began: a mistake undone, no history left.
	if _, err := s.RemoveMember(ctx, groupAdmin, g.ID, ids[0]); err != nil {
		t.Fatal(err)
	}
	if got := hist(); got != "Member2:true:open Member3:true:open" {
		t.Fatalf("after same-day remove: %q", got)
	}
	// A membership from the past, removed today, is ended today.
	if _, err := db.Exec(ctx, `UPDATE group_memberships SET valid_from = '2020-01-01' WHERE group_id = $1`, g.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RemoveMember(ctx, groupAdmin, g.ID, ids[1]); err != nil {
		t.Fatal(err)
	}
	if got := hist(); got != "Member2:false:true Member3:false:open" {
		t.Fatalf("after remove: %q", got)
	}
	if g2, _ := s.GroupByID(ctx, groupAdmin, g.ID); g2.MemberCount != 1 {
		t.Fatalf("member_count %d, want 1", g2.MemberCount)
	}
	// Re-added the same day: the membership goes on.
	if _, err := s.AddMember(ctx, groupAdmin, g.ID, ids[1]); err != nil {
		t.Fatal(err)
	}
	if got := hist(); got != "Member2:false:open Member3:false:open" {
		t.Fatalf("after re-add: %q", got)
	}
	// Dated writes: a past membership is history only; ending one takes it
	// out of member_groups; the same person may be in the group again later.
	mem, err := h.AddMembership(ctx, groupAdmin, ids[0], g.ID, MembershipInput{From: "2018-01-01", Until: "2019-01-01"})
	if err != nil {
		t.Fatal(err)
	}
	if n := groupCount(t, db, `SELECT count(*) FROM member_groups WHERE member_id = $1`, ids[0]); n != 0 {
		t.Fatalf("a past membership is current")
	}
	if _, err := h.AddMembership(ctx, groupAdmin, ids[0], g.ID, MembershipInput{From: "2018-06-01"}); err == nil {
		t.Fatal("overlapping membership accepted")
	} else {
		wantFieldErr(t, err, "from", ErrMembershipOverlap)
	}
	if _, err := h.AddMembership(ctx, groupAdmin, ids[0], g.ID, MembershipInput{From: "2022-01-01"}); err != nil {
		t.Fatal(err)
	}
	if n := groupCount(t, db, `SELECT count(*) FROM member_groups WHERE member_id = $1 AND group_id = $2`, ids[0], g.ID); n != 1 {
		t.Fatalf("a current membership is not in member_groups")
	}
	_, err = h.AddMembership(ctx, groupAdmin, ids[2], g.ID, MembershipInput{From: Today().AddDate(0, 0, 1).Format("2006-01-02")})
	wantFieldErr(t, err, "from", ErrMembershipFuture)
	n, err := h.EndMemberships(ctx, groupAdmin, g.ID, ids, Today())
	if err != nil || n != 3 {
		t.Fatalf("ended %d, %v; want 3", n, err)
	}
	if g2, _ := s.GroupByID(ctx, groupAdmin, g.ID); g2.MemberCount != 0 {
		t.Fatalf("member_count %d after ending all, want 0", g2.MemberCount)
	}
	if n := groupCount(t, db, `SELECT count(*) FROM group_memberships WHERE group_id = $1`, g.ID); n != 4 {
		t.Fatalf("%d history rows, want 4", n)
	}
	// Deleting a row is admin only.
	if err := h.DeleteMembership(ctx, groupNormal, mem.ID); !errors.Is(err, authz.ErrForbidden) {
		t.Fatalf("normal user deleted: %v", err)
	}
	if err := h.DeleteMembership(ctx, groupAdmin, mem.ID); err != nil {
		t.Fatal(err)
	}
	if err := CheckGroupConsistency(ctx, db); err != nil {
		t.Fatal(err)
	}
}

// TestOverlapRefusedUnderConcurrency: many transactions insert
// overlapping memberships and periods at once; the database lets exactly
// one of each through and the others get the friendly field error.
func TestOverlapRefusedUnderConcurrency(t *testing.T) {
	s, db := groupTestStore(t)
	ctx := context.Background()
	h := NewHistory(db)
	g := groupTestCreate(t, s, "Chor")
	m := histMember(t, db, "Rita", "2000-01-01", "2001-01-01")
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	start := make(chan struct{})
	for i := range 20 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			<-start
			_, err := h.AddMembership(ctx, groupAdmin, m, g.ID, MembershipInput{From: fmt.Sprintf("2010-01-%02d", i+1), Until: "2011-01-01"})
			errs <- err
		}()
		go func() {
			defer wg.Done()
			<-start
			_, err := h.AddPeriod(ctx, groupAdmin, m, PeriodInput{StartsOn: fmt.Sprintf("2010-01-%02d", i+1), EndsOn: "2011-01-01"})
			errs <- err
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	ok := 0
	for err := range errs {
		if err == nil {
			ok++
			continue
		}
		fe, isField := validate.As(err)
		if !isField || (fe["from"].ID != ErrMembershipOverlap && fe["starts_on"].ID != ErrPeriodOverlap) {
			t.Errorf("unexpected error %v", err)
		}
	}
	if ok != 2 {
		t.Fatalf("%d inserts succeeded, want 2 (one membership, one period)", ok)
	}
	if n := groupCount(t, db, `SELECT count(*) FROM group_memberships WHERE member_id = $1`, m); n != 1 {
		t.Fatalf("%d memberships", n)
	}
	if n := groupCount(t, db, `SELECT count(*) FROM member_periods WHERE member_id = $1`, m); n != 2 {
		t.Fatalf("%d periods, want 2", n)
	}
}

// TestAsOfBoundaries: the overview and the group list as of the first
// and last day of a period, the day after, and an open end.
func TestAsOfBoundaries(t *testing.T) {
	s, db := groupTestStore(t)
	ctx := context.Background()
	h := NewHistory(db)
	members := NewMembers(db)
	g := groupTestCreate(t, s, "Jugend U14")
	a := histMember(t, db, "Anna", "2020-01-01", "2021-01-01") // last day 2020-12-31
	b := histMember(t, db, "Bert", "2020-06-01", nil)          // open
	c := histMember(t, db, "Cleo", "2019-01-01", "2020-01-01")
	if _, err := h.AddPeriod(ctx, groupAdmin, c, PeriodInput{StartsOn: "2022-01-01"}); err != nil { // re-joined
		t.Fatal(err)
	}
	if _, err := h.AddMembership(ctx, groupAdmin, a, g.ID, MembershipInput{From: "2020-01-01", Until: "2021-01-01"}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.AddMembership(ctx, groupAdmin, b, g.ID, MembershipInput{From: "2020-12-31"}); err != nil {
		t.Fatal(err)
	}
	names := func(status MemberStatus, asOf, group string) []string {
		t.Helper()
		p, err := members.List(ctx, groupAdmin, MemberQuery{Status: status, AsOf: day(asOf), Group: group})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range p.Rows {
			out = append(out, r.FirstName)
		}
		return out
	}
	cases := []struct {
		status MemberStatus
		asOf   string
		group  string
		want   []string
	}{
		{MemberStatusActive, "2019-12-31", "", []string{"Cleo"}},
		{MemberStatusActive, "2020-01-01", "", []string{"Anna"}},                // Cleo's exit day, Anna's first
		{MemberStatusActive, "2020-12-31", "", []string{"Anna", "Bert"}},        // Anna's last day
		{MemberStatusActive, "2021-01-01", "", []string{"Bert"}},                // Anna's exit day
		{MemberStatusActive, "2022-01-01", "", []string{"Bert", "Cleo"}},        // Cleo re-joined
		{MemberStatusFormer, "2021-01-01", "", []string{"Anna", "Cleo"}},        //
		{MemberStatusAll, "2020-03-01", "", []string{"Anna", "Cleo"}},           // Bert not yet joined
		{MemberStatusAll, "2020-12-31", "jugend-u14", []string{"Anna", "Bert"}}, // both in the group that day
		{MemberStatusAll, "2021-01-01", "jugend-u14", []string{"Bert"}},         //
		{MemberStatusAll, "2020-12-30", "jugend-u14", []string{"Anna"}},         //
		{MemberStatusAll, "2021-01-01", "none", []string{"Anna", "Cleo"}},       //
	}
	for _, tc := range cases {
		if got := names(tc.status, tc.asOf, tc.group); !slices.Equal(got, tc.want) {
			t.Errorf("%s on %s group %q: %v, want %v", tc.status, tc.asOf, tc.group, got, tc.want)
		}
	}
	// The group sorts follow the day: on 2020-12-31 Anna and Bert are in
	// the group, Cleo in none (last by group, first by fewest groups).
	for _, tc := range []struct {
		sort, dir string
		want      []string
	}{
		{MemberSortGroups, MemberDirAsc, []string{"Anna", "Bert", "Cleo"}},
		{MemberSortGroupCount, MemberDirAsc, []string{"Cleo", "Anna", "Bert"}},
	} {
		p, err := members.List(ctx, groupAdmin, MemberQuery{Status: MemberStatusAll, AsOf: day("2020-12-31"), Sort: tc.sort, Dir: tc.dir})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range p.Rows {
			got = append(got, r.FirstName)
			if r.FirstName != "Cleo" && r.GroupCount != 1 {
				t.Errorf("%s: group count %d on 2020-12-31", r.FirstName, r.GroupCount)
			}
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("sort %s as of 2020-12-31: %v, want %v", tc.sort, got, tc.want)
		}
	}
	// Today: the current view (as before).
	if got := names(MemberStatusActive, Today().Format("2006-01-02"), ""); !slices.Equal(got, []string{"Bert", "Cleo"}) {
		t.Errorf("today: %v", got)
	}
	// The group's list on those days.
	gl := func(show, asOf string) []string {
		t.Helper()
		p, err := h.GroupMemberships(ctx, groupReadOnly, GroupHistoryQuery{GroupID: g.ID, Show: show, AsOf: day(asOf)})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range p.Rows {
			out = append(out, r.FirstName)
		}
		return out
	}
	for _, tc := range []struct {
		show, asOf string
		want       []string
	}{
		{GroupShowCurrent, "2020-12-31", []string{"Anna", "Bert"}},
		{GroupShowCurrent, "2021-01-01", []string{"Bert"}},
		{GroupShowFormer, "2021-01-01", []string{"Anna"}},
		{GroupShowFormer, "2020-12-31", nil},
		{GroupShowAll, "2020-06-01", []string{"Anna"}},
		{GroupShowAll, "2030-01-01", []string{"Anna", "Bert"}},
	} {
		if got := gl(tc.show, tc.asOf); !slices.Equal(got, tc.want) {
			t.Errorf("group %s on %s: %v, want %v", tc.show, tc.asOf, got, tc.want)
		}
	}
	// Anna has left the club: marked.
	p, err := h.GroupMemberships(ctx, groupReadOnly, GroupHistoryQuery{GroupID: g.ID, Show: GroupShowAll})
	if err != nil || len(p.Rows) != 2 || !p.Rows[0].LeftClub || p.Rows[1].LeftClub {
		t.Fatalf("left-club marks: %+v %v", p.Rows, err)
	}
}

// TestGroupCountsOnEqualRecount: the counts on a day equal a recount from
// scratch, over random histories, on many days.
func TestGroupCountsOnEqualRecount(t *testing.T) {
	s, db := groupTestStore(t)
	ctx := context.Background()
	h := NewHistory(db)
	var gids []string
	for i := range 4 {
		gids = append(gids, groupTestCreate(t, s, fmt.Sprintf("G%d", i)).ID)
	}
	ids := groupTestMembers(t, db, 60)
	// in the club since long before (the overview as of a day lists
	// members who had joined by then)
	if _, err := db.Exec(ctx, `UPDATE members SET join_date = '2000-01-01'`); err != nil {
		t.Fatal(err)
	}
	for i, m := range ids {
		for j, g := range gids {
			if (i+j)%3 == 0 {
				continue
			}
			from := day("2015-01-01").AddDate(0, 0, (i*37+j*101)%2000)
			in := MembershipInput{From: from.Format("2006-01-02")}
			if (i+j)%2 == 0 {
				in.Until = from.AddDate(0, 0, 30+(i*13)%900).Format("2006-01-02")
			}
			if _, err := h.AddMembership(ctx, groupAdmin, m, g, in); err != nil {
				t.Fatal(err)
			}
		}
	}
	for d := day("2014-12-31"); d.Before(day("2022-01-01")); d = d.AddDate(0, 0, 97) {
		got, err := h.GroupCountsOn(ctx, groupReadOnly, d)
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range gids {
			want := groupCount(t, db, `SELECT count(DISTINCT member_id) FROM group_memberships
				WHERE group_id = $1 AND valid_from <= $2 AND coalesce(valid_until, 'infinity') > $2`, g, d)
			if got[g] != want {
				t.Errorf("%s on %s: %d, want %d", g, d.Format("2006-01-02"), got[g], want)
			}
			p, err := NewMembers(db).List(ctx, groupAdmin, MemberQuery{Status: MemberStatusAll, AsOf: d, PerPage: 100, Group: groupSlug(t, db, g)})
			if err != nil {
				t.Fatal(err)
			}
			if p.Total != want {
				t.Errorf("overview of %s on %s: %d, want %d", g, d.Format("2006-01-02"), p.Total, want)
			}
		}
	}
	// Today's counts are the trigger-kept ones.
	got, err := h.GroupCountsOn(ctx, groupReadOnly, Today())
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range gids {
		if n := groupCount(t, db, `SELECT member_count FROM groups WHERE id = $1`, g); n != got[g] {
			t.Errorf("today %s: %d, member_count %d", g, got[g], n)
		}
	}
}

func groupSlug(t *testing.T, db *pgxpool.Pool, id string) string {
	return histString(t, db, `SELECT slug FROM groups WHERE id = $1`, id)
}
