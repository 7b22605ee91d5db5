package membership

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"mila/internal/authz"
	"mila/internal/testpg"
	"mila/internal/validate"
)

// TestBirthDateField: at most one field is the birth date, and only a
// date field — checked with a friendly error, and by the database.
func TestBirthDateField(t *testing.T) {
	db := testpg.New(t)
	ctx := context.Background()
	admin := authz.Actor{UserID: "01890000-0000-7000-8000-000000000001", Set: authz.Admin}
	fields := NewCustomFields(db)
	born, err := fields.Create(ctx, admin, CustomFieldInput{Name: "Geburtstag", ValueType: CustomFieldDate, BirthDate: new(true)})
	if err != nil || !born.BirthDate {
		t.Fatalf("create birth date field: %+v %v", born, err)
	}
	check := func(err error, msg string) {
		t.Helper()
		fe, ok := validate.As(err)
		if !ok || fe["birth_date"].ID != msg {
			t.Errorf("got %v, want birth_date %s", err, msg)
		}
	}
	_, err = fields.Create(ctx, admin, CustomFieldInput{Name: "Taufe", ValueType: CustomFieldDate, BirthDate: new(true)})
	check(err, ErrCustomFieldBirthDateTaken)
	_, err = fields.Create(ctx, admin, CustomFieldInput{Name: "Geburtsort", ValueType: CustomFieldString, BirthDate: new(true)})
	check(err, ErrCustomFieldBirthDateType)
	_, err = fields.Update(ctx, admin, born.ID, CustomFieldInput{Name: "Geburtstag", ValueType: CustomFieldString})
	check(err, ErrCustomFieldBirthDateType) // the flag stays: the type cannot change under it
	// The database itself refuses a second one and a non-date one.
	if _, err := db.Exec(ctx, `INSERT INTO custom_fields (name, slug, value_type, birth_date) VALUES ('X', 'x', 'date', true)`); err == nil || !strings.Contains(err.Error(), "custom_fields_one_birth_date") {
		t.Errorf("second birth date field: %v", err)
	}
	if _, err := db.Exec(ctx, `UPDATE custom_fields SET value_type = 'string' WHERE id = $1`, born.ID); err == nil || !strings.Contains(err.Error(), "custom_fields_birth_date_type") {
		t.Errorf("birth date field made text: %v", err)
	}
	// Unmarked, another field may take it.
	if _, err := fields.Update(ctx, admin, born.ID, CustomFieldInput{Name: "Geburtstag", ValueType: CustomFieldDate, BirthDate: new(false)}); err != nil {
		t.Fatal(err)
	}
	if _, err := fields.Create(ctx, admin, CustomFieldInput{Name: "Taufe", ValueType: CustomFieldDate, BirthDate: new(true)}); err != nil {
		t.Errorf("after unmarking: %v", err)
	}
}

// TestBirthdaysAndJubilees: the next days across New Year, a month, 29
// February in a common year, round birthdays, former members left out;
// anniversaries of 10, 25, 40, 50 and 60 years.
func TestBirthdaysAndJubilees(t *testing.T) {
	db := testpg.New(t)
	ctx := context.Background()
	admin := authz.Actor{UserID: "01890000-0000-7000-8000-000000000001", Set: authz.Admin}
	members := NewMembers(db)
	none, err := members.Birthdays(ctx, admin, BirthdayQuery{})
	if err != nil || none.Field != nil || len(none.Rows) != 0 {
		t.Fatalf("without a birth date field: %+v %v", none, err)
	}
	f, err := NewCustomFields(db).Create(ctx, admin, CustomFieldInput{Name: "Geburtsdatum", ValueType: CustomFieldDate, BirthDate: new(true)})
	if err != nil {
		t.Fatal(err)
	}
	add := func(last, bornOn, joined, exit string) {
		t.Helper()
		if _, err := members.Create(ctx, admin, MemberInput{FirstName: "A", LastName: last, JoinDate: joined, ExitDate: exit,
			Custom: map[string]string{f.Slug: bornOn}}); err != nil {
			t.Fatal(err)
		}
	}
	add("Silvester", "1976-12-31", "2016-05-01", "")     // 50 on 31.12.2026; 10 years a member in 2026
	add("Neujahr", "2000-01-01", "2001-01-01", "")       // 27 on 1.1.2027; 25 years in 2026
	add("Schalttag", "2000-02-29", "1986-02-28", "")     // 27 on 28.2.2027; 40 years in 2026
	add("Weg", "1990-12-25", "1976-03-01", "2026-01-31") // former: no birthday; would be 50 years in 2026
	add("Dezember", "1996-12-24", "1966-12-24", "")      // 30 on 24.12.2026; 60 years in 2026

	got := func(l BirthdayList) string {
		var out []string
		for _, r := range l.Rows {
			mark := ""
			if r.Round {
				mark = "*"
			}
			out = append(out, fmt.Sprintf("%s %s %d%s", r.LastName, r.Date.Format("2006-01-02"), r.Age, mark))
		}
		return strings.Join(out, ", ")
	}
	l, err := members.Birthdays(ctx, admin, BirthdayQuery{From: time.Date(2026, 12, 20, 15, 0, 0, 0, time.UTC), Days: 14})
	if err != nil {
		t.Fatal(err)
	}
	if want := "Dezember 2026-12-24 30*, Silvester 2026-12-31 50*, Neujahr 2027-01-01 27"; got(l) != want {
		t.Errorf("next 14 days from 20.12.2026: %q, want %q", got(l), want)
	}
	l, err = members.Birthdays(ctx, admin, BirthdayQuery{Month: 2, Year: 2027})
	if err != nil {
		t.Fatal(err)
	}
	if want := "Schalttag 2027-02-28 27"; got(l) != want || !l.From.Equal(time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC)) || l.To.Day() != 28 {
		t.Errorf("February 2027: %q (%s–%s), want %q", got(l), l.From, l.To, want)
	}
	l, _ = members.Birthdays(ctx, admin, BirthdayQuery{Month: 2, Year: 2028})
	if want := "Schalttag 2028-02-29 28"; got(l) != want {
		t.Errorf("February 2028: %q, want %q", got(l), want)
	}
	if _, err := members.Birthdays(ctx, authz.Actor{UserID: admin.UserID, Set: authz.OwnData}, BirthdayQuery{}); !errors.Is(err, authz.ErrForbidden) {
		t.Errorf("own_data: %v", err)
	}

	j, err := members.Jubilees(ctx, admin, 2026)
	if err != nil {
		t.Fatal(err)
	}
	var js []string
	for _, r := range j {
		js = append(js, fmt.Sprintf("%s %d %s", r.LastName, r.Years, r.Date.Format("01-02")))
	}
	if want := "Neujahr 25 01-01, Schalttag 40 02-28, Silvester 10 05-01, Dezember 60 12-24"; strings.Join(js, ", ") != want {
		t.Errorf("jubilees 2026: %q, want %q", strings.Join(js, ", "), want)
	}
}
