package membership

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

// The home dashboard reads its numbers and lists from index ranges
// (migration 00032). These tests hold them to counts made in Go over the
// same members, on the days where ranges go wrong: New Year, 28 and 29
// February in common and leap years, an exit date of today.

func recountDay(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC) }

// anniversary is PostgreSQL's date + n years: 29 February becomes 28
// February in a common year.
func anniversary(d time.Time, years int) time.Time {
	y := d.Year() + years
	if d.Month() == time.February && d.Day() == 29 && !isLeap(y) {
		return recountDay(y, 2, 28)
	}
	return recountDay(y, int(d.Month()), d.Day())
}

type recountMember struct {
	id          string
	first, last string
	join        time.Time
	exit        *time.Time
	email       bool
	born        *time.Time
}

// recountMembers inserts n members with dates drawn around the days that
// matter (year ends, end of February), and a birth date for most.
func recountMembers(t *testing.T, n int) (*Members, []recountMember, CustomField) {
	t.Helper()
	s, db := memberTestStore(t)
	ctx := context.Background()
	f, err := NewCustomFields(db).Create(ctx, memberTestAdmin, CustomFieldInput{Name: "Geburtsdatum", ValueType: CustomFieldDate, BirthDate: new(true)})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(7, 32))
	// Days near the boundaries are drawn often, others now and then.
	special := []time.Time{recountDay(2000, 2, 29), recountDay(2000, 2, 28), recountDay(2000, 3, 1), recountDay(2000, 1, 1),
		recountDay(2000, 12, 31), recountDay(2000, 12, 28), recountDay(2000, 1, 3), recountDay(2000, 6, 15)}
	date := func(years ...int) time.Time {
		y := years[rng.IntN(len(years))]
		if rng.IntN(3) > 0 {
			s := special[rng.IntN(len(special))]
			if s.Month() == time.February && s.Day() == 29 && !isLeap(y) {
				y = 2016 // a leap year
			}
			return recountDay(y, int(s.Month()), s.Day())
		}
		return recountDay(y, 1, 1).AddDate(0, 0, rng.IntN(365))
	}
	var out []recountMember
	for i := range n {
		m := recountMember{first: "F", last: fmt.Sprintf("L%03d", i), email: rng.IntN(4) > 0}
		m.join = date(1966, 1976, 1986, 1988, 2001, 2002, 2016, 2017, 2018, 2025, 2026, 2027, 2028)
		if rng.IntN(3) == 0 {
			e := date(2025, 2026, 2027, 2028)
			if e.Before(m.join) {
				e = m.join
			}
			m.exit = &e
		}
		if rng.IntN(8) > 0 {
			b := date(1950, 1976, 1990, 2000, 2004, 2012)
			m.born = &b
		}
		var email any
		if m.email {
			email = fmt.Sprintf("m%d@example.org", i)
		}
		if err := db.QueryRow(ctx, `INSERT INTO members (first_name, last_name, join_date, exit_date, email) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
			m.first, m.last, m.join, m.exit, email).Scan(&m.id); err != nil {
			t.Fatal(err)
		}
		if m.born != nil {
			if _, err := db.Exec(ctx, `INSERT INTO custom_field_values (member_id, custom_field_id, value) VALUES ($1, $2, $3)`,
				m.id, f.ID, m.born.Format(time.DateOnly)); err != nil {
				t.Fatal(err)
			}
		}
		out = append(out, m)
	}
	return s, out, f
}

func recountActive(m recountMember, day time.Time) bool { return m.exit == nil || m.exit.After(day) }

// TestDashboardRecountAtBoundaries: the five numbers and the "leaving
// soon" list equal a recount for days at year ends, around 29 February
// and on members' exit days.
func TestDashboardRecountAtBoundaries(t *testing.T) {
	s, members, _ := recountMembers(t, 400)
	ctx := context.Background()
	days := []time.Time{recountDay(2026, 1, 1), recountDay(2026, 12, 31), recountDay(2027, 1, 1), recountDay(2028, 2, 29),
		recountDay(2028, 2, 28), recountDay(2027, 3, 1), recountDay(2026, 6, 15), recountDay(2028, 12, 28)}
	exitsToday := 0
	for _, day := range days {
		got, err := s.Dashboard(ctx, memberTestAdmin, day)
		if err != nil {
			t.Fatal(err)
		}
		var want Dashboard
		yearStart := recountDay(day.Year(), 1, 1)
		type leaving struct {
			exit time.Time
			last string
		}
		var soon []leaving
		for _, m := range members {
			if recountActive(m, day) {
				want.Active++
				if !m.email {
					want.NoEmail++
				}
			} else {
				want.Former++
			}
			if !m.join.Before(yearStart) && !m.join.After(day) {
				want.JoinedThisYear++
			}
			if m.exit != nil && !m.exit.Before(yearStart) && !m.exit.After(day) {
				want.LeftThisYear++
			}
			if m.exit != nil && m.exit.Equal(day) {
				exitsToday++
			}
			if m.exit != nil && m.exit.After(day) && !m.exit.After(day.AddDate(0, 0, DashboardLeavingDays)) {
				soon = append(soon, leaving{*m.exit, m.last})
			}
		}
		if got.Active != want.Active || got.Former != want.Former || got.JoinedThisYear != want.JoinedThisYear ||
			got.LeftThisYear != want.LeftThisYear || got.NoEmail != want.NoEmail {
			t.Errorf("%s: dashboard %d/%d/%d/%d/%d, recount %d/%d/%d/%d/%d", day.Format(time.DateOnly),
				got.Active, got.Former, got.JoinedThisYear, got.LeftThisYear, got.NoEmail,
				want.Active, want.Former, want.JoinedThisYear, want.LeftThisYear, want.NoEmail)
		}
		slices.SortFunc(soon, func(a, b leaving) int {
			if c := a.exit.Compare(b.exit); c != 0 {
				return c
			}
			return strings.Compare(a.last, b.last) // sort_name: the last names differ
		})
		var gotSoon, wantSoon []string
		for _, r := range got.Leaving {
			gotSoon = append(gotSoon, r.LastName)
		}
		for _, l := range soon[:min(len(soon), dashboardListLen)] {
			wantSoon = append(wantSoon, l.last)
		}
		if !slices.Equal(gotSoon, wantSoon) {
			t.Errorf("%s: leaving soon %v, recount %v", day.Format(time.DateOnly), gotSoon, wantSoon)
		}
	}
	if exitsToday == 0 {
		t.Error("no member leaves on one of the days: the exit-today boundary is not tested")
	}
}

// TestBirthdaysAndJubileesRecount: the birthdays and anniversaries of
// every week starting from 1 December to 15 March, across a New Year
// into a common year and into a leap year, and of whole months, equal a
// recount — a birthday on 1 January is seen from 28 December, one on 29
// February is on 28 February in a common year and on the 29th in a leap
// year, a member leaving today has neither.
func TestBirthdaysAndJubileesRecount(t *testing.T) {
	s, members, _ := recountMembers(t, 500)
	ctx := context.Background()
	recountBirthdays := func(from, to time.Time) []string {
		type row struct {
			day  time.Time
			last string
			age  int
		}
		var rows []row
		for _, m := range members {
			if m.born == nil || !recountActive(m, from) {
				continue
			}
			for _, y := range []int{from.Year(), from.Year() + 1} {
				d := anniversary(*m.born, y-m.born.Year())
				if !d.Before(from) && !d.After(to) && d.After(*m.born) {
					rows = append(rows, row{d, m.last, y - m.born.Year()})
				}
			}
		}
		slices.SortFunc(rows, func(a, b row) int {
			if c := a.day.Compare(b.day); c != 0 {
				return c
			}
			return strings.Compare(a.last, b.last)
		})
		out := make([]string, len(rows))
		for i, r := range rows {
			out[i] = fmt.Sprintf("%s %s %d", r.day.Format(time.DateOnly), r.last, r.age)
		}
		return out
	}
	recountJubilees := func(from, to time.Time) []string {
		type row struct {
			day   time.Time
			last  string
			years int
		}
		var rows []row
		for _, m := range members {
			for _, n := range JubileeYears {
				d := anniversary(m.join, n)
				if !d.Before(from) && !d.After(to) && (m.exit == nil || m.exit.After(d)) {
					rows = append(rows, row{d, m.last, n})
				}
			}
		}
		slices.SortFunc(rows, func(a, b row) int {
			if c := a.day.Compare(b.day); c != 0 {
				return c
			}
			return strings.Compare(a.last, b.last)
		})
		out := make([]string, len(rows))
		for i, r := range rows {
			out[i] = fmt.Sprintf("%s %s %d", r.day.Format(time.DateOnly), r.last, r.years)
		}
		return out
	}
	check := func(what string, from, to time.Time, got, want []string) {
		t.Helper()
		if !slices.Equal(got, want) {
			t.Errorf("%s %s–%s:\n got  %v\n want %v", what, from.Format(time.DateOnly), to.Format(time.DateOnly), got, want)
		}
	}
	seen := map[string]bool{}
	weeks := 0
	for _, start := range []time.Time{recountDay(2026, 12, 1), recountDay(2027, 12, 1)} {
		for from := start; from.Before(start.AddDate(0, 3, 15)); from = from.AddDate(0, 0, 1) {
			to := from.AddDate(0, 0, 6)
			l, err := s.Birthdays(ctx, memberTestAdmin, BirthdayQuery{From: from, Days: 7})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range l.Rows {
				got = append(got, fmt.Sprintf("%s %s %d", r.Date.Format(time.DateOnly), r.LastName, r.Age))
				seen[r.Date.Format("01-02")+" born "+r.Born.Format("01-02")] = true
			}
			check("birthdays", from, to, got, recountBirthdays(from, to))
			j, err := s.JubileesBetween(ctx, memberTestAdmin, from, to)
			if err != nil {
				t.Fatal(err)
			}
			got = nil
			for _, r := range j {
				got = append(got, fmt.Sprintf("%s %s %d", r.Date.Format(time.DateOnly), r.LastName, r.Years))
			}
			check("jubilees", from, to, got, recountJubilees(from, to))
			weeks++
		}
	}
	// Whole months and whole years, as the lists' own pages ask for them.
	for _, ym := range [][2]int{{2027, 2}, {2028, 2}, {2026, 12}, {2027, 1}} {
		l, err := s.Birthdays(ctx, memberTestAdmin, BirthdayQuery{Month: ym[1], Year: ym[0]})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range l.Rows {
			got = append(got, fmt.Sprintf("%s %s %d", r.Date.Format(time.DateOnly), r.LastName, r.Age))
		}
		check("birthdays of the month", l.From, l.To, got, recountBirthdays(l.From, l.To))
	}
	for _, y := range []int{2026, 2027, 2028} {
		j, err := s.Jubilees(ctx, memberTestAdmin, y)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range j {
			got = append(got, fmt.Sprintf("%s %s %d", r.Date.Format(time.DateOnly), r.LastName, r.Years))
		}
		check("jubilees of the year", recountDay(y, 1, 1), recountDay(y, 12, 31), got, recountJubilees(recountDay(y, 1, 1), recountDay(y, 12, 31)))
	}
	// The data did reach the boundaries.
	for _, want := range []string{"01-01 born 01-01", "02-28 born 02-29", "02-29 born 02-29", "12-31 born 12-31"} {
		if !seen[want] {
			t.Errorf("no birthday %q in %d weeks: the boundary is not tested", want, weeks)
		}
	}
}

// TestBirthdayKeys: the months and days a span asks the index for.
func TestBirthdayKeys(t *testing.T) {
	for _, c := range []struct {
		from, to time.Time
		want     string
	}{
		{recountDay(2026, 12, 28), recountDay(2027, 1, 3), "12-28 12-29 12-30 12-31 01-01 01-02 01-03"},
		{recountDay(2027, 2, 26), recountDay(2027, 3, 1), "02-26 02-27 02-28 02-29 03-01"}, // common year: 29 Feb on the 28th
		{recountDay(2028, 2, 26), recountDay(2028, 3, 1), "02-26 02-27 02-28 02-29 03-01"}, // leap year: its own day
		{recountDay(2028, 2, 27), recountDay(2028, 2, 28), "02-27 02-28"},
		{recountDay(2027, 3, 1), recountDay(2027, 3, 1), "03-01"},
	} {
		if got := strings.Join(birthdayKeys(c.from, c.to), " "); got != c.want {
			t.Errorf("%s–%s: %q, want %q", c.from.Format(time.DateOnly), c.to.Format(time.DateOnly), got, c.want)
		}
	}
	if n := len(birthdayKeys(recountDay(2027, 3, 1), recountDay(2028, 2, 29))); n != 366 {
		t.Errorf("a whole year: %d keys, want 366", n)
	}
}
