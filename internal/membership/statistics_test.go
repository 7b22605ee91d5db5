package membership

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"mila/internal/authz"
)

// TestStatisticsEqualIndependentCounts: every number equals a count
// written independently in SQL, and the overview its Query describes
// lists exactly that many members (the links lead to those members).
func TestStatisticsEqualIndependentCounts(t *testing.T) {
	s, db := groupTestStore(t)
	ctx := context.Background()
	h := NewHistory(db)
	fields := NewCustomFields(db)
	birth, err := fields.Create(ctx, groupAdmin, CustomFieldInput{Name: "Geburtsdatum", ValueType: CustomFieldDate})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.SetBirthDateField(ctx, groupAdmin, birth.ID); err != nil {
		t.Fatal(err)
	}
	coach, err := h.CreateRole(ctx, groupAdmin, "", "Coach", true)
	if err != nil {
		t.Fatal(err)
	}
	g1, g2 := groupTestCreate(t, s, "Jugend U14"), groupTestCreate(t, s, "Chor")
	own, err := h.CreateRole(ctx, groupAdmin, g2.ID, "Kassenwart", false)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 80 {
		jy := 2012 + i%12
		join := fmt.Sprintf("%d-%02d-01", jy, 1+i%12)
		var exit any
		if i%4 == 0 {
			exit = fmt.Sprintf("%d-06-30", min(jy+1+i%3, 2024))
		}
		var id string
		if err := db.QueryRow(ctx, `INSERT INTO members (first_name, last_name, join_date, exit_date) VALUES ($1, 'S', $2::date, $3::date) RETURNING id`,
			fmt.Sprintf("M%02d", i), join, exit).Scan(&id); err != nil {
			t.Fatal(err)
		}
		if exit != nil && i%8 == 0 { // re-joined
			if _, err := h.AddPeriod(ctx, groupAdmin, id, PeriodInput{StartsOn: fmt.Sprintf("%d-01-01", 2025)}); err != nil {
				t.Fatal(err)
			}
		}
		if i%3 != 0 {
			if _, err := db.Exec(ctx, `INSERT INTO custom_field_values (member_id, custom_field_id, value) VALUES ($1, $2, $3)`,
				id, birth.ID, fmt.Sprintf("%d-03-15", 1950+i%60)); err != nil {
				t.Fatal(err)
			}
		}
		in := MembershipInput{From: fmt.Sprintf("%d-01-01", 2015+i%8)}
		if i%5 == 0 {
			in.Until = fmt.Sprintf("%d-01-01", 2024+i%2)
		}
		if i%7 == 0 {
			in.RoleID = coach.ID
		}
		if _, err := h.AddMembership(ctx, groupAdmin, id, g1.ID, in); err != nil {
			t.Fatal(err)
		}
		if i%2 == 0 {
			in2 := MembershipInput{From: "2018-05-05"}
			if i%6 == 0 {
				in2.RoleID = own.ID
			}
			if _, err := h.AddMembership(ctx, groupAdmin, id, g2.ID, in2); err != nil {
				t.Fatal(err)
			}
		}
	}
	members := NewMembers(db)
	check := func(what string, c StatCount, indep string, args ...any) {
		t.Helper()
		want := groupCount(t, db, indep, args...)
		if c.Count != want {
			t.Errorf("%s: %d, independent count %d", what, c.Count, want)
		}
		q := c.Query
		q.PerPage = 100
		p, err := members.List(ctx, groupReadOnly, q)
		if err != nil {
			t.Fatal(err)
		}
		if p.Total != want {
			t.Errorf("%s: the link lists %d members, want %d", what, p.Total, want)
		}
	}
	for _, d := range []string{"2019-12-31", "2024-06-30", Today().Format("2006-01-02")} {
		st, err := h.Statistics(ctx, groupReadOnly, day(d), DefaultAgeBrackets)
		if err != nil {
			t.Fatal(err)
		}
		in := `m.join_date <= $1 AND EXISTS (SELECT 1 FROM member_periods p WHERE p.member_id = m.id AND p.starts_on <= $1 AND (p.ends_on IS NULL OR p.ends_on > $1))`
		check("members "+d, st.Members, `SELECT count(*) FROM members m WHERE `+in, day(d))
		if len(st.Years) != StatisticsYears {
			t.Fatalf("%d years", len(st.Years))
		}
		for _, y := range st.Years {
			check(fmt.Sprint("joins ", y.Year), y.Joins, `SELECT count(*) FROM members m WHERE EXISTS (SELECT 1 FROM member_periods p WHERE p.member_id = m.id AND extract(year FROM p.starts_on) = $1)`, y.Year)
			check(fmt.Sprint("exits ", y.Year), y.Exits, `SELECT count(*) FROM members m WHERE EXISTS (SELECT 1 FROM member_periods p WHERE p.member_id = m.id AND extract(year FROM p.ends_on) = $1)`, y.Year)
		}
		for _, g := range st.Groups {
			check("group "+g.Key+" "+d, g, `SELECT count(*) FROM members m WHERE `+in+` AND EXISTS (SELECT 1 FROM group_memberships x JOIN groups g ON g.id = x.group_id
				WHERE x.member_id = m.id AND g.slug = $2 AND x.valid_from <= $1 AND (x.valid_until IS NULL OR x.valid_until > $1))`, day(d), g.Key)
		}
		if len(st.Roles) != 2 {
			t.Fatalf("roles %+v", st.Roles)
		}
		for _, r := range st.Roles {
			check("role "+r.Label+" "+d, r, `SELECT count(*) FROM members m WHERE `+in+` AND EXISTS (SELECT 1 FROM group_memberships x
				WHERE x.member_id = m.id AND x.role_id = $2 AND x.valid_from <= $1 AND (x.valid_until IS NULL OR x.valid_until > $1))`, day(d), r.Key)
		}
		if st.BirthField != birth.ID || len(st.Ages) != len(DefaultAgeBrackets)+1 {
			t.Fatalf("ages %+v", st.Ages)
		}
		sum := 0
		for i, a := range st.Ages {
			sum += a.Count
			if a.Key == AgeUnknown {
				check("age unknown "+d, a, `SELECT count(*) FROM members m WHERE `+in+` AND NOT EXISTS (SELECT 1 FROM custom_field_values v WHERE v.member_id = m.id AND v.custom_field_id = $2)`, day(d), birth.ID)
				continue
			}
			hi := 999
			if i+1 < len(DefaultAgeBrackets) {
				hi = DefaultAgeBrackets[i+1] - 1
			}
			check("age "+a.Key+" "+d, a, `SELECT count(*) FROM members m JOIN custom_field_values v ON v.member_id = m.id AND v.custom_field_id = $2
				WHERE `+in+` AND extract(year FROM age($1, v.value::date)) BETWEEN $3 AND $4`, day(d), birth.ID, DefaultAgeBrackets[i], hi)
		}
		if sum != st.Members.Count {
			t.Errorf("%s: age brackets add up to %d of %d members", d, sum, st.Members.Count)
		}
	}
	// Own data users get no statistics; the board does.
	if _, err := h.Statistics(ctx, groupOwnData(""), Today(), DefaultAgeBrackets); !errors.Is(err, authz.ErrForbidden) {
		t.Fatalf("own_data: %v", err)
	}
	// One birth-date field at most, and only a date field.
	other, err := fields.Create(ctx, groupAdmin, CustomFieldInput{Name: "Text", ValueType: CustomFieldString})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.SetBirthDateField(ctx, groupAdmin, other.ID); err == nil {
		t.Fatal("a text field became the birth date")
	}
	if _, err := db.Exec(ctx, `UPDATE custom_fields SET birth_date = true WHERE id = $1`, other.ID); err == nil {
		t.Fatal("the database let a second field be the birth date")
	}
}
