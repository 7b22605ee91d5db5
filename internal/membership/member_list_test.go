package membership

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"
)

func TestMemberQueryNormalize(t *testing.T) {
	// The fields the list may sort by: those among its chosen columns
	// (geheim is not one of them).
	fields := []CustomField{{ID: "f1", Slug: "nummer", ValueType: CustomFieldInteger, ShowInOverview: true}}
	for _, c := range []struct {
		in, want MemberQuery
	}{
		{MemberQuery{}, MemberQuery{Status: "active", Sort: "name", Dir: "asc", Page: 1, PerPage: 50}},
		{MemberQuery{Status: "weird", Sort: "password", Dir: "up", Page: -3, PerPage: 7},
			MemberQuery{Status: "active", Sort: "name", Dir: "asc", Page: 1, PerPage: 50}},
		{MemberQuery{Status: "former", Sort: "city", Dir: "desc", Page: 3, PerPage: 100},
			MemberQuery{Status: "former", Sort: "city", Dir: "desc", Page: 3, PerPage: 100}},
		{MemberQuery{Q: " anna ", PerPage: 25}, MemberQuery{Q: "anna", Status: "active", Sort: "relevance", Dir: "asc", Page: 1, PerPage: 25}},
		{MemberQuery{Q: "&&", Sort: "relevance"}, MemberQuery{Q: "&&", Status: "active", Sort: "name", Dir: "asc", Page: 1, PerPage: 50}},
		{MemberQuery{Sort: "cf_nummer"}, MemberQuery{Status: "active", Sort: "cf_nummer", Dir: "asc", Page: 1, PerPage: 50}},
		{MemberQuery{Sort: "cf_geheim"}, MemberQuery{Status: "active", Sort: "name", Dir: "asc", Page: 1, PerPage: 50}},
		{MemberQuery{Sort: "group_count"}, MemberQuery{Status: "active", Sort: "group_count", Dir: "desc", Page: 1, PerPage: 50}},
		{MemberQuery{Sort: "groups", Group: "none"}, MemberQuery{Status: "active", Sort: "groups", Dir: "asc", Page: 1, PerPage: 50, Group: "none"}},
		{MemberQuery{Group: "jugend-2"}, MemberQuery{Status: "active", Sort: "name", Dir: "asc", Page: 1, PerPage: 50, Group: "jugend-2"}},
		// The group is List's to resolve against the groups (an unknown or
		// malformed slug becomes GroupNotFound there).
		{MemberQuery{Group: "Ju gend'"}, MemberQuery{Status: "active", Sort: "name", Dir: "asc", Page: 1, PerPage: 50, Group: "Ju gend'"}},
	} {
		if got := c.in.Normalize(fields); !reflect.DeepEqual(got, c.want) {
			t.Errorf("Normalize(%+v)\n got %+v\nwant %+v", c.in, got, c.want)
		}
	}
}

func memberListTestIDs(page MemberPage) []string {
	var out []string
	for _, r := range page.Rows {
		out = append(out, r.LastName)
	}
	return out
}

func TestMemberListStatus(t *testing.T) {
	s, _ := memberTestStore(t)
	ctx := context.Background()
	today := time.Now().Format(dateLayout)
	tomorrow := time.Now().AddDate(0, 0, 1).Format(dateLayout)
	memberTestCreate(t, s, MemberInput{FirstName: "A", LastName: "Aktiv", JoinDate: "2000-01-01"})
	memberTestCreate(t, s, MemberInput{FirstName: "A", LastName: "Gekündigt", JoinDate: "2000-01-01", ExitDate: tomorrow})
	memberTestCreate(t, s, MemberInput{FirstName: "A", LastName: "Heute", JoinDate: "2000-01-01", ExitDate: today})
	memberTestCreate(t, s, MemberInput{FirstName: "A", LastName: "Früher", JoinDate: "2000-01-01", ExitDate: "2010-01-01"})
	for status, want := range map[MemberStatus][]string{
		MemberStatusActive: {"Aktiv", "Gekündigt"},
		MemberStatusFormer: {"Früher", "Heute"},
		MemberStatusAll:    {"Aktiv", "Früher", "Gekündigt", "Heute"},
		"":                 {"Aktiv", "Gekündigt"},
	} {
		page, err := s.List(ctx, memberTestAdmin, MemberQuery{Status: status})
		if err != nil {
			t.Fatal(err)
		}
		if got := memberListTestIDs(page); !slices.Equal(got, want) || page.Total != len(want) {
			t.Errorf("status %q: %v (total %d), want %v", status, got, page.Total, want)
		}
	}
}

func TestMemberListSort(t *testing.T) {
	s, db := memberTestStore(t)
	ctx := context.Background()
	num, err := NewCustomFields(db).Create(ctx, memberTestAdmin, CustomFieldInput{Name: "Nummer", ValueType: CustomFieldInteger, ShowInOverview: true})
	if err != nil {
		t.Fatal(err)
	}
	// Last names chosen so that each column orders them differently.
	memberTestCreate(t, s, MemberInput{FirstName: "X", LastName: "Álvarez", Email: "z@example.org", City: "Zwickau", JoinDate: "2010-01-01",
		Custom: map[string]string{num.Slug: "100"}})
	memberTestCreate(t, s, MemberInput{FirstName: "X", LastName: "Bäcker", Email: "a@example.org", City: "", JoinDate: "2020-01-01",
		Custom: map[string]string{num.Slug: "9"}})
	memberTestCreate(t, s, MemberInput{FirstName: "X", LastName: "Czerny", City: "Ärzen", JoinDate: "2000-01-01",
		Custom: map[string]string{num.Slug: "10"}})
	memberTestCreate(t, s, MemberInput{FirstName: "X", LastName: "Dietz", Email: "m@example.org", City: "Berlin", JoinDate: "2015-01-01"})
	for _, c := range []struct {
		sort, dir string
		want      []string
	}{
		{"name", "asc", []string{"Álvarez", "Bäcker", "Czerny", "Dietz"}},
		{"name", "desc", []string{"Dietz", "Czerny", "Bäcker", "Álvarez"}},
		{"email", "asc", []string{"Bäcker", "Dietz", "Álvarez", "Czerny"}},
		{"email", "desc", []string{"Álvarez", "Dietz", "Bäcker", "Czerny"}},
		{"city", "asc", []string{"Czerny", "Dietz", "Álvarez", "Bäcker"}},
		{"city", "desc", []string{"Álvarez", "Dietz", "Czerny", "Bäcker"}},
		{"join_date", "asc", []string{"Czerny", "Álvarez", "Dietz", "Bäcker"}},
		{"join_date", "desc", []string{"Bäcker", "Dietz", "Álvarez", "Czerny"}},
		{"cf_" + num.Slug, "asc", []string{"Bäcker", "Czerny", "Álvarez", "Dietz"}},
		{"cf_" + num.Slug, "desc", []string{"Álvarez", "Czerny", "Bäcker", "Dietz"}},
		{"groups", "asc", []string{"Álvarez", "Bäcker", "Czerny", "Dietz"}},
		{"group_count", "", []string{"Álvarez", "Bäcker", "Czerny", "Dietz"}},
	} {
		page, err := s.List(ctx, memberTestAdmin, MemberQuery{Sort: c.sort, Dir: c.dir})
		if err != nil {
			t.Fatal(err)
		}
		if got := memberListTestIDs(page); !slices.Equal(got, c.want) {
			t.Errorf("sort %s %s: %v, want %v", c.sort, c.dir, got, c.want)
		}
	}
	page, _ := s.List(ctx, memberTestAdmin, MemberQuery{})
	if len(page.Columns) != 1 || page.Rows[0].Custom[num.Slug] != "100" || page.Rows[3].Custom != nil {
		t.Fatalf("overview custom column: %+v / %+v", page.Columns, page.Rows)
	}
}

func TestMemberListGroups(t *testing.T) {
	s, db := memberTestStore(t)
	ctx := context.Background()
	a := memberTestCreate(t, s, MemberInput{FirstName: "A", LastName: "Eins"})
	b := memberTestCreate(t, s, MemberInput{FirstName: "B", LastName: "Zwei"})
	memberTestCreate(t, s, MemberInput{FirstName: "C", LastName: "Ohne"})
	join := func(member, name string) {
		t.Helper()
		if _, err := db.Exec(ctx, `WITH g AS (INSERT INTO groups (name, slug) VALUES ($1, lower($1))
			ON CONFLICT (slug) DO UPDATE SET name = EXCLUDED.name RETURNING id)
			INSERT INTO member_groups (member_id, group_id) SELECT $2, id FROM g`, name, member); err != nil {
			t.Fatal(err)
		}
	}
	join(a.ID, "Zither")
	join(b.ID, "Chor")
	join(b.ID, "Zither")
	for _, c := range []struct {
		q    MemberQuery
		want []string
	}{
		{MemberQuery{Sort: "groups"}, []string{"Zwei", "Eins", "Ohne"}},
		{MemberQuery{Sort: "groups", Dir: "desc"}, []string{"Eins", "Zwei", "Ohne"}},
		{MemberQuery{Sort: "group_count"}, []string{"Zwei", "Eins", "Ohne"}},
		{MemberQuery{Sort: "group_count", Dir: "asc"}, []string{"Ohne", "Eins", "Zwei"}},
		{MemberQuery{Group: "chor"}, []string{"Zwei"}},
		{MemberQuery{Group: "zither"}, []string{"Eins", "Zwei"}},
		{MemberQuery{Group: "none"}, []string{"Ohne"}},
		{MemberQuery{Group: "unknown"}, []string{"Eins", "Ohne", "Zwei"}}, // dropped: TestMemberListResolvesGroup
		{MemberQuery{Q: "Zither", Group: "chor"}, []string{"Zwei"}},
	} {
		page, err := s.List(ctx, memberTestAdmin, c.q)
		if err != nil {
			t.Fatal(err)
		}
		if got := memberListTestIDs(page); !slices.Equal(got, c.want) {
			t.Errorf("%+v: %v, want %v", c.q, got, c.want)
		}
	}
	page, _ := s.List(ctx, memberTestAdmin, MemberQuery{Sort: "name"})
	if g := page.Rows[1].Groups; len(g) != 0 || page.Rows[2].LastName != "Zwei" || len(page.Rows[2].Groups) != 2 ||
		page.Rows[2].Groups[0] != (MemberRowGroup{Name: "Chor", Slug: "chor"}) {
		t.Fatalf("group badges: %+v", page.Rows)
	}
}

func TestMemberListPaging(t *testing.T) {
	s, _ := memberTestStore(t)
	ctx := context.Background()
	for i := range 30 {
		memberTestCreate(t, s, MemberInput{FirstName: "M", LastName: fmt.Sprintf("Nr%02d", i)})
	}
	page, err := s.List(ctx, memberTestAdmin, MemberQuery{PerPage: 25, Page: 2})
	if err != nil {
		t.Fatal(err)
	}
	if page.Total != 30 || page.Pages != 2 || len(page.Rows) != 5 || page.Rows[0].LastName != "Nr25" {
		t.Fatalf("page 2: total %d pages %d rows %v", page.Total, page.Pages, memberListTestIDs(page))
	}
	// Past the end: the last page.
	page, _ = s.List(ctx, memberTestAdmin, MemberQuery{PerPage: 25, Page: 99})
	if page.Query.Page != 2 || len(page.Rows) != 5 {
		t.Fatalf("page 99: %+v", page.Query)
	}
	page, _ = s.List(ctx, memberTestAdmin, MemberQuery{PerPage: 33})
	if page.Query.PerPage != 50 || len(page.Rows) != 30 || page.Pages != 1 {
		t.Fatalf("odd per_page: %+v", page.Query)
	}
	// Nothing matches: one empty page.
	page, _ = s.List(ctx, memberTestAdmin, MemberQuery{Q: "Zylinder", Page: 3})
	if page.Total != 0 || page.Pages != 1 || page.Query.Page != 1 || len(page.Rows) != 0 {
		t.Fatalf("empty: %+v", page)
	}
}

// TestMemberListResolvesGroup: List looks the group filter up itself, in
// the groups it returns for the filter's choices. An unknown or malformed
// slug is dropped with GroupNotFound (all groups are shown, and the page
// says so) instead of matching nobody; an actor who may not see
// memberships gets no group filter, no group sort and no groups.
func TestMemberListResolvesGroup(t *testing.T) {
	s, db := memberTestStore(t)
	ctx := context.Background()
	a := memberTestCreate(t, s, MemberInput{FirstName: "A", LastName: "Eins"})
	memberTestCreate(t, s, MemberInput{FirstName: "B", LastName: "Zwei"})
	if _, err := db.Exec(ctx, `WITH g AS (INSERT INTO groups (name, slug) VALUES ('Chor', 'chor'), ('Alte Herren', 'alte-herren') RETURNING id, slug)
		INSERT INTO member_groups (member_id, group_id) SELECT $1, id FROM g WHERE slug = 'chor'`, a.ID); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		group, wantGroup, wantName string
		notFound                   bool
		want                       []string
	}{
		{"chor", "chor", "Chor", false, []string{"Eins"}},
		{" chor ", "chor", "Chor", false, []string{"Eins"}},
		{"none", "none", "", false, []string{"Zwei"}},
		{"", "", "", false, []string{"Eins", "Zwei"}},
		{"jugend", "", "", true, []string{"Eins", "Zwei"}},
		{"Ju gend'", "", "", true, []string{"Eins", "Zwei"}},
	} {
		page, err := s.List(ctx, memberTestAdmin, MemberQuery{Group: c.group})
		if err != nil {
			t.Fatal(err)
		}
		name := ""
		if page.Group != nil {
			name = page.Group.Name
		}
		if page.Query.Group != c.wantGroup || name != c.wantName || page.GroupNotFound != c.notFound || !page.ShowGroups {
			t.Errorf("group %q: query group %q, group %q, not found %v, shown %v; want %q, %q, %v", c.group,
				page.Query.Group, name, page.GroupNotFound, page.ShowGroups, c.wantGroup, c.wantName, c.notFound)
		}
		if got := memberListTestIDs(page); !slices.Equal(got, c.want) {
			t.Errorf("group %q: %v, want %v", c.group, got, c.want)
		}
		if len(page.Groups) != 2 || page.Groups[0].Name != "Alte Herren" || page.Groups[1].Slug != "chor" {
			t.Errorf("group %q: choices %+v", c.group, page.Groups)
		}
	}

	// Reading members but not memberships (own_data, its own record): the
	// filter and the group sort are dropped, quietly (the order would
	// reveal memberships).
	page, err := s.List(ctx, memberTestOwn(a.ID), MemberQuery{Group: "chor", Sort: MemberSortGroupCount})
	if err != nil {
		t.Fatal(err)
	}
	if page.ShowGroups || page.Groups != nil || page.Group != nil || page.GroupNotFound || page.Query.Group != "" || page.Query.Sort != MemberSortName {
		t.Errorf("without memberships: %+v", page)
	}
}

// TestMemberRowActive: a row is former from its exit date on, as the
// status filter says (Member.Active's rule).
func TestMemberRowActive(t *testing.T) {
	day := time.Date(2026, 6, 1, 15, 0, 0, 0, time.UTC)
	date := func(s string) *time.Time {
		d, err := time.Parse("2006-01-02", s)
		if err != nil {
			t.Fatal(err)
		}
		return &d
	}
	for _, c := range []struct {
		exit *time.Time
		want bool
	}{{nil, true}, {date("2026-06-02"), true}, {date("2026-06-01"), false}, {date("2020-01-01"), false}} {
		if got := (MemberRow{ExitDate: c.exit}).Active(day); got != c.want {
			t.Errorf("exit %v: active %v, want %v", c.exit, got, c.want)
		}
		if got := (Member{ExitDate: c.exit}).Active(day); got != c.want {
			t.Errorf("member with exit %v: active %v, want %v", c.exit, got, c.want)
		}
	}
}
