package membership

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strconv"
	"testing"
	"time"

	"mila/internal/authz"
)

// TestUnknownColumnKeys: the keys of no available column, in order and
// once each; "cf:overview" stands for columns and is never unknown.
func TestUnknownColumnKeys(t *testing.T) {
	available := []MemberColumn{{Key: ColEmail}, {Key: ColCity}}
	got := UnknownColumnKeys(available, []string{"telefon", ColEmail, ColOverviewFields, "cf_gone", "telefon", ColCity})
	if !slices.Equal(got, []string{"telefon", "cf_gone"}) {
		t.Errorf("unknown = %q", got)
	}
	if got := UnknownColumnKeys(available, nil); got != nil {
		t.Errorf("no columns asked for: %q", got)
	}
}

func TestParseColumnKeys(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []string
		bad  bool
	}{
		{"", nil, false},
		{" email , city,,email ", []string{"email", "city"}, false},
		{"cf_mitgliedsnummer,member_since,cf:overview", []string{"cf_mitgliedsnummer", "member_since", "cf:overview"}, false},
		{"cf_gone-field,bogus", []string{"cf_gone-field", "bogus"}, false}, // well-formed: dropped later, not an error
		{"email;city", []string{"email", "city"}, false},                   // semicolons separate too (a spreadsheet habit)
		{" email ; city,phone;;email", []string{"email", "city", "phone"}, false},
		{"EMAIL", nil, true},
		{"cf_", nil, true},
		{"cf_-x", nil, true},
		{"<script>", nil, true},
		{"name with space", nil, true},
	} {
		got, err := ParseColumnKeys(c.in)
		if c.bad {
			memberTestWantField(t, err, "cols", ErrColumnsMalformed)
			continue
		}
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("ParseColumnKeys(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	many := "email"
	for i := range OverviewColumnsMax {
		many += ",cf_f" + strconv.Itoa(i)
	}
	if _, err := ParseColumnKeys(many); err == nil {
		t.Errorf("%d keys accepted", OverviewColumnsMax+1)
	}
}

// TestColumnPrefs: each user keeps their own columns; nil resets to the
// default, empty keeps only the name; own_data may not choose; a
// deleted user takes their choice along.
func TestColumnPrefs(t *testing.T) {
	_, db := memberTestStore(t)
	ctx := context.Background()
	p := NewColumnPrefs(db)
	board := authz.Actor{UserID: memberTestUser(t, db, "board@example.org"), Set: authz.ReadOnly}
	clerk := authz.Actor{UserID: memberTestUser(t, db, "clerk@example.org"), Set: authz.NormalUser}
	own := authz.Actor{UserID: memberTestUser(t, db, "own@example.org"), Set: authz.OwnData}

	if got, err := p.Get(ctx, board); err != nil || got != nil {
		t.Fatalf("nothing chosen: %q %v", got, err)
	}
	if err := p.Save(ctx, board, []string{"phone", "cf_nummer", "phone", "member_since"}); err != nil {
		t.Fatal(err)
	}
	if got, _ := p.Get(ctx, board); !slices.Equal(got, []string{"phone", "cf_nummer", "member_since"}) {
		t.Errorf("board's columns %q", got)
	}
	if got, _ := p.Get(ctx, clerk); got != nil {
		t.Errorf("the clerk sees the board's choice: %q", got)
	}
	if err := p.Save(ctx, board, []string{"email", "city"}); err != nil {
		t.Fatal(err)
	}
	if got, _ := p.Get(ctx, board); !slices.Equal(got, []string{"email", "city"}) {
		t.Errorf("changed columns %q", got)
	}
	if err := p.Save(ctx, clerk, []string{}); err != nil {
		t.Fatal(err)
	}
	if got, _ := p.Get(ctx, clerk); got == nil || len(got) != 0 {
		t.Errorf("only the name: %#v", got)
	}
	if err := p.Save(ctx, clerk, nil); err != nil {
		t.Fatal(err)
	}
	if got, _ := p.Get(ctx, clerk); got != nil {
		t.Errorf("reset: %#v", got)
	}
	memberTestWantField(t, p.Save(ctx, board, []string{"email", "x,y"}), "cols", ErrColumnsMalformed)
	memberTestWantField(t, p.Save(ctx, board, []string{"DROP TABLE"}), "cols", ErrColumnsMalformed)
	if got, _ := p.Get(ctx, board); !slices.Equal(got, []string{"email", "city"}) {
		t.Errorf("a refused save changed the columns: %q", got)
	}
	if err := p.Save(ctx, own, []string{"email"}); !errors.Is(err, authz.ErrForbidden) {
		t.Errorf("own_data saves columns: %v", err)
	}
	if _, err := p.Get(ctx, authz.Actor{Set: authz.Admin}); !errors.Is(err, authz.ErrForbidden) {
		t.Errorf("no user: %v", err)
	}
	if _, err := db.Exec(ctx, `DELETE FROM users WHERE id = $1`, board.UserID); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM member_list_columns`).Scan(&n); err != nil || n != 0 {
		t.Errorf("%d choices left after deleting their user (%v)", n, err)
	}
}

// TestMemberListColumns: the overview shows the chosen columns in order
// — any readable custom field (not only those shown in the overview by
// default), member since from the periods — drops unknown keys and
// those of a deleted field, and reads nothing of a column not chosen.
func TestMemberListColumns(t *testing.T) {
	s, db := memberTestStore(t)
	ctx := context.Background()
	fields := NewCustomFields(db)
	num, err := fields.Create(ctx, memberTestAdmin, CustomFieldInput{Name: "Nummer", ValueType: CustomFieldInteger, ShowInOverview: true})
	if err != nil {
		t.Fatal(err)
	}
	shoe, err := fields.Create(ctx, memberTestAdmin, CustomFieldInput{Name: "Schuhgröße", ValueType: CustomFieldString})
	if err != nil {
		t.Fatal(err)
	}
	anna := memberTestCreate(t, s, MemberInput{FirstName: "Anna", LastName: "Ahrens", Phone: "0301234", Street: "Hauptstraße", PostalCode: "01067",
		City: "Dresden", JoinDate: "2001-03-01", Notes: "Kassenprüferin", Custom: map[string]string{num.Slug: "7", shoe.Slug: "38"}})
	memberTestCreate(t, s, MemberInput{FirstName: "Bernd", LastName: "Bauer", JoinDate: "2015-06-01", Custom: map[string]string{shoe.Slug: "45"}})
	// Anna left and came back: member since her second period.
	h := NewHistory(db)
	periods, err := h.Periods(ctx, memberTestAdmin, anna.ID)
	if err != nil || len(periods) != 1 {
		t.Fatalf("periods %v %v", periods, err)
	}
	if _, err := h.UpdatePeriod(ctx, memberTestAdmin, anna.ID, periods[0].ID, PeriodInput{StartsOn: "2001-03-01", EndsOn: "2005-01-01"}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.AddPeriod(ctx, memberTestAdmin, anna.ID, PeriodInput{StartsOn: "2012-09-15"}); err != nil {
		t.Fatal(err)
	}

	cols := []string{"cf_" + shoe.Slug, "member_since", "bogus", "postal_code", "cf_no-such-field", "notes", "user_email", "first_name"}
	page, err := s.List(ctx, memberTestAdmin, MemberQuery{Columns: cols, Sort: "cf_" + shoe.Slug, Dir: MemberDirDesc})
	if err != nil {
		t.Fatal(err)
	}
	if got := ColumnKeys(page.Chosen); !slices.Equal(got, []string{"cf_" + shoe.Slug, "member_since", "postal_code", "notes"}) {
		t.Errorf("chosen %q: unknown keys, the user's address and the name are not overview columns", got)
	}
	if len(page.Columns) != 1 || page.Columns[0].ID != shoe.ID {
		t.Errorf("custom columns %+v", page.Columns)
	}
	// Sorted by a chosen field that the overview does not show by default.
	if page.Query.Sort != "cf_"+shoe.Slug || memberListTestIDs(page)[0] != "Bauer" {
		t.Errorf("sort by the chosen field: %s %v", page.Query.Sort, memberListTestIDs(page))
	}
	a := page.Rows[1]
	if a.PostalCode != "01067" || a.Notes != "Kassenprüferin" || a.Custom[shoe.Slug] != "38" ||
		!a.MemberSince.Equal(time.Date(2012, 9, 15, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("Anna's row %+v", a)
	}
	// Not chosen, not read.
	if a.Phone != "" || a.Street != "" || a.Custom[num.Slug] != "" || a.Groups != nil {
		t.Errorf("columns not chosen were read: %+v", a)
	}
	if b := page.Rows[0]; !b.MemberSince.Equal(time.Date(2015, 6, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("Bernd's member since %v", b.MemberSince)
	}

	// The default: email, city, join date, groups, number, overview fields.
	page, err = s.List(ctx, memberTestAdmin, MemberQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if got := ColumnKeys(page.Chosen); !slices.Equal(got, []string{"email", "city", "join_date", "groups", "group_count", "cf_" + num.Slug}) {
		t.Errorf("default columns %q", got)
	}
	// Only the name.
	page, err = s.List(ctx, memberTestAdmin, MemberQuery{Columns: []string{}})
	if err != nil || len(page.Chosen) != 0 || len(page.Rows) != 2 {
		t.Errorf("only the name: %+v %v", page.Chosen, err)
	}

	// A deleted field's column is dropped, also from a saved list.
	lists := NewSavedLists(db)
	admin := authz.Actor{UserID: memberTestUser(t, db, "admin@example.org"), Set: authz.Admin}
	l, err := lists.Create(ctx, admin, SavedListInput{Name: "Schuhe"}, MemberQuery{Columns: []string{"cf_" + shoe.Slug, "phone"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := fields.Delete(ctx, memberTestAdmin, shoe.ID); err != nil {
		t.Fatal(err)
	}
	l, err = lists.Get(ctx, admin, l.ID)
	if err != nil || !slices.Equal(l.Query.Columns, []string{"cf_" + shoe.Slug, "phone"}) {
		t.Fatalf("saved list %+v %v", l, err)
	}
	page, err = s.List(ctx, admin, l.Query)
	if err != nil {
		t.Fatal(err)
	}
	if got := ColumnKeys(page.Chosen); !slices.Equal(got, []string{"phone"}) {
		t.Errorf("deleted field's column kept: %q", got)
	}
}

// TestSavedListColumns: a saved list keeps its columns (round trip);
// one saved without keeps none (the opener's apply); malformed keys are
// refused.
func TestSavedListColumns(t *testing.T) {
	_, db := memberTestStore(t)
	ctx := context.Background()
	lists := NewSavedLists(db)
	board := authz.Actor{UserID: memberTestUser(t, db, "board@example.org"), Set: authz.ReadOnly}
	want := []string{"phone", "member_since", "cf_nummer", "groups"}
	l, err := lists.Create(ctx, board, SavedListInput{Name: "Telefon"}, MemberQuery{Group: "chor", Columns: want})
	if err != nil {
		t.Fatal(err)
	}
	got, err := lists.Get(ctx, board, l.ID)
	if err != nil || !reflect.DeepEqual(got.Query, MemberQuery{Status: MemberStatusActive, Group: "chor", Columns: want}) {
		t.Errorf("round trip: %+v %v", got.Query, err)
	}
	named, err := lists.Named(ctx, board, "telefon")
	if err != nil || !slices.Equal(named.Query.Columns, want) {
		t.Errorf("by name: %+v %v", named.Query, err)
	}
	plain, err := lists.Create(ctx, board, SavedListInput{Name: "Ohne"}, MemberQuery{})
	if err != nil || plain.Query.Columns != nil {
		t.Errorf("no columns: %#v %v", plain.Query.Columns, err)
	}
	_, err = lists.Create(ctx, board, SavedListInput{Name: "Kaputt"}, MemberQuery{Columns: []string{"email", "Robert'); DROP TABLE"}})
	memberTestWantField(t, err, "cols", ErrColumnsMalformed)
}

// TestMemberExportColumns: an export with a view's columns has exactly
// those the actor may read, in order, member since from the periods.
func TestMemberExportColumns(t *testing.T) {
	s, db := memberTestStore(t)
	ctx := context.Background()
	m := memberTestCreate(t, s, MemberInput{FirstName: "Anna", LastName: "Ahrens", Phone: "0301234", JoinDate: "2001-03-01"})
	h := NewHistory(db)
	periods, _ := h.Periods(ctx, memberTestAdmin, m.ID)
	if _, err := h.UpdatePeriod(ctx, memberTestAdmin, m.ID, periods[0].ID, PeriodInput{StartsOn: "2001-03-01", EndsOn: "2005-01-01"}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.AddPeriod(ctx, memberTestAdmin, m.ID, PeriodInput{StartsOn: "2012-09-15"}); err != nil {
		t.Fatal(err)
	}
	e, err := s.Export(ctx, memberTestBoard, MemberQuery{}, []string{"last_name", "member_since", "user_email", "phone", "cf_gone"})
	if err != nil {
		t.Fatal(err)
	}
	if got := ColumnKeys(e.Columns); !slices.Equal(got, []string{"last_name", "member_since", "phone"}) {
		t.Errorf("board's export columns %q (the user's address is the admin's)", got)
	}
	var rows [][]any
	if err := e.Each(ctx, func(v []any) error { rows = append(rows, slices.Clone(v)); return nil }); err != nil {
		t.Fatal(err)
	}
	want := [][]any{{"Ahrens", time.Date(2012, 9, 15, 0, 0, 0, 0, time.UTC), "0301234"}}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("rows %v, want %v", rows, want)
	}
}

// TestMemberExportShapesAgree: the whole register (values read per table,
// grouped by member) and a filtered list (values read per member) export
// the same values for the same member, for every permission set that may
// export — groups and their count, custom values, member since.
func TestMemberExportShapesAgree(t *testing.T) {
	s, db := memberTestStore(t)
	ctx := context.Background()
	fields := NewCustomFields(db)
	size, err := fields.Create(ctx, memberTestAdmin, CustomFieldInput{Name: "Größe", ValueType: CustomFieldString})
	if err != nil {
		t.Fatal(err)
	}
	num, err := fields.Create(ctx, memberTestAdmin, CustomFieldInput{Name: "Nummer", ValueType: CustomFieldInteger})
	if err != nil {
		t.Fatal(err)
	}
	groups := NewGroups(db)
	chor, jugend := groupTestCreate(t, groups, "Chor"), groupTestCreate(t, groups, "Jugend")
	var ids []string
	for i, in := range []MemberInput{
		{FirstName: "Anna", LastName: "Ahrens", JoinDate: "2001-03-01", Custom: map[string]string{size.Slug: "M", num.Slug: "7"}},
		{FirstName: "Bernd", LastName: "Bäcker", JoinDate: "2010-01-01", Custom: map[string]string{num.Slug: "8"}},
		{FirstName: "Carla", LastName: "Czerny", JoinDate: "2020-05-05"},
	} {
		m := memberTestCreate(t, s, in)
		ids = append(ids, m.ID)
		if i < 2 {
			if _, err := groups.AddMembersToGroup(ctx, groupAdmin, chor.ID, []string{m.ID}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := groups.AddMembersToGroup(ctx, groupAdmin, jugend.ID, ids[:1]); err != nil {
		t.Fatal(err)
	}
	read := func(a authz.Actor, q MemberQuery) map[string][]any {
		t.Helper()
		e, err := s.Export(ctx, a, q, nil)
		if err != nil {
			t.Fatal(err)
		}
		last := slices.IndexFunc(e.Columns, func(c MemberColumn) bool { return c.Key == ColLastName })
		out := map[string][]any{}
		if err := e.Each(ctx, func(v []any) error { out[v[last].(string)] = slices.Clone(v); return nil }); err != nil {
			t.Fatal(err)
		}
		return out
	}
	for _, a := range []authz.Actor{memberTestAdmin, memberTestBoard} {
		whole := read(a, MemberQuery{Status: MemberStatusAll})
		if len(whole) != 3 {
			t.Fatalf("%s: whole register: %d rows", a.Set, len(whole))
		}
		if got := whole["Ahrens"]; !slices.ContainsFunc(got, func(v any) bool { return v == "M" }) {
			t.Errorf("%s: Ahrens's row %v lacks the size", a.Set, got)
		}
		for _, q := range []MemberQuery{{Status: MemberStatusAll, Group: chor.Slug}, {Status: MemberStatusAll, Q: "Ahrens"}, {Status: MemberStatusAll, Q: "Czerny"}} {
			for name, row := range read(a, q) {
				if !reflect.DeepEqual(row, whole[name]) {
					t.Errorf("%s %+v: %s: filtered %v, whole %v", a.Set, q, name, row, whole[name])
				}
			}
		}
	}
}

// TestMemberExportKeepsListOrder: the whole register streams in list
// order from the unsorted statement, and when PostgreSQL returns its rows
// in another order (here: merge joins, which sort by member id — the
// members were created in reverse name order) the export still comes in
// list order, read again sorted from where the order broke.
func TestMemberExportKeepsListOrder(t *testing.T) {
	s, db := memberTestStore(t)
	ctx := context.Background()
	fields := NewCustomFields(db)
	size, err := fields.Create(ctx, memberTestAdmin, CustomFieldInput{Name: "Größe", ValueType: CustomFieldString})
	if err != nil {
		t.Fatal(err)
	}
	groups := NewGroups(db)
	chor := groupTestCreate(t, groups, "Chor")
	var want []string
	for i := 29; i >= 0; i-- {
		last := "Name" + strconv.Itoa(100+i)
		m := memberTestCreate(t, s, MemberInput{FirstName: "Vera", LastName: last, Custom: map[string]string{size.Slug: strconv.Itoa(i)}})
		if i%3 == 0 {
			if _, err := groups.AddMembersToGroup(ctx, groupAdmin, chor.ID, []string{m.ID}); err != nil {
				t.Fatal(err)
			}
		}
	}
	for i := 0; i < 30; i++ {
		want = append(want, "Name"+strconv.Itoa(100+i))
	}
	export := func() (*MemberExport, []string) {
		t.Helper()
		e, err := s.Export(ctx, memberTestAdmin, MemberQuery{Status: MemberStatusAll}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if e.sql == "" {
			t.Fatal("the whole register has no unsorted statement")
		}
		last := slices.IndexFunc(e.Columns, func(c MemberColumn) bool { return c.Key == ColLastName })
		var got []string
		if err := e.Each(ctx, func(v []any) error { got = append(got, v[last].(string)); return nil }); err != nil {
			t.Fatal(err)
		}
		return e, got
	}
	if _, got := export(); !slices.Equal(got, want) {
		t.Errorf("streamed export order %q, want %q", got, want)
	}

	saved := exportSettings
	exportSettings += `; SET LOCAL enable_hashjoin = off; SET LOCAL enable_nestloop = off`
	t.Cleanup(func() { exportSettings = saved })
	e, got := export()
	if !slices.Equal(got, want) {
		t.Errorf("export order with merge joins %q, want %q", got, want)
	}
	// The unsorted statement itself did come out of order: the sorted
	// re-read is what kept the export right.
	tx, err := db.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, exportSettings); err != nil {
		t.Fatal(err)
	}
	rows, err := tx.Query(ctx, e.sql, e.args[:len(e.args)-1]...)
	if err != nil {
		t.Fatal(err)
	}
	var order []int64
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			t.Fatal(err)
		}
		order = append(order, vals[0].(int64))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(order) != 30 || slices.IsSorted(order) {
		t.Errorf("with merge joins the unsorted statement gave positions %v: the fallback was not exercised", order)
	}
}
