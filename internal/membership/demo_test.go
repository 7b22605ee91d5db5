package membership

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"mila/internal/testpg"
)

var demoTestDay = time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)

// demoTestNames returns the members' names and emails in a stable order.
func demoTestNames(t *testing.T, db *pgxpool.Pool) []string {
	t.Helper()
	rows, err := db.Query(context.Background(), `SELECT first_name || ' ' || last_name || ' ' || coalesce(email::text, '-')
		|| ' ' || join_date || ' ' || coalesce(exit_date::text, '-') || ' ' || cf_text
		|| ' ' || coalesce((SELECT string_agg(g.name, ' ' ORDER BY g.name) FROM member_groups mg JOIN groups g ON g.id = mg.group_id
		                     WHERE mg.member_id = members.id), '')
		FROM members ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return names
}

func TestDemoLoad(t *testing.T) {
	db := testpg.New(t)
	ctx := context.Background()
	res, err := LoadDemo(ctx, db, DemoOptions{Members: 2000, Groups: 40, Seed: 7, Today: demoTestDay})
	if err != nil {
		t.Fatal(err)
	}
	if res.Members != 2000 || res.Groups != 40 || res.Former < 120 || res.Former > 300 {
		t.Fatalf("result %+v", res)
	}
	if per := float64(res.Memberships) / float64(res.Members); per < 2.2 || per > 2.8 {
		t.Fatalf("%.2f memberships per member", per)
	}
	// What the loader computed itself is what the triggers would have.
	if err := CheckGroupConsistency(ctx, db); err != nil {
		t.Fatal(err)
	}
	var badCF, formerSQL, values int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM members m WHERE cf_text <> coalesce((
			SELECT string_agg(v.value, ' ' ORDER BY f.position, f.name) FROM custom_field_values v
			JOIN custom_fields f ON f.id = v.custom_field_id
			WHERE v.member_id = m.id AND f.value_type <> 'boolean'), '')`).Scan(&badCF); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(ctx, `SELECT (SELECT count(*) FROM members WHERE exit_date <= $1), (SELECT count(*) FROM custom_field_values)`,
		demoTestDay).Scan(&formerSQL, &values); err != nil {
		t.Fatal(err)
	}
	if badCF != 0 || formerSQL != res.Former || values != res.CustomValues {
		t.Fatalf("cf_text wrong on %d members; former %d vs %d; values %d vs %d", badCF, formerSQL, res.Former, values, res.CustomValues)
	}
	// Group sizes differ a lot.
	var largest, smallest int
	if err := db.QueryRow(ctx, `SELECT max(member_count), min(member_count) FROM groups`).Scan(&largest, &smallest); err != nil {
		t.Fatal(err)
	}
	if largest < 10*smallest {
		t.Fatalf("group sizes %d..%d are too even", smallest, largest)
	}
	// Every member passes the member form's own checks (so demo data can be edited).
	fields, err := CustomFields{DB: db}.List(ctx, memberTestAdmin)
	if err != nil {
		t.Fatal(err)
	}
	page, err := Members{DB: db}.List(ctx, memberTestAdmin, MemberQuery{Status: MemberStatusAll, PerPage: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range page.Rows {
		m, err := Members{DB: db}.Get(ctx, memberTestAdmin, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		in := MemberInput{FirstName: m.FirstName, LastName: m.LastName, Email: m.Email, Phone: m.Phone, Street: m.Street,
			HouseNumber: m.HouseNumber, PostalCode: m.PostalCode, City: m.City, Country: m.Country,
			JoinDate: m.JoinDate.Format(dateLayout), Notes: m.Notes, Custom: m.Custom}
		if m.ExitDate != nil {
			in.ExitDate = m.ExitDate.Format(dateLayout)
		}
		if _, e := in.check(fields, demoTestDay, true); len(e) > 0 {
			t.Fatalf("demo member %+v fails the form checks: %v", m, e)
		}
	}
	// Search works on the loaded data.
	if rows, err := (Members{DB: db}).Search(ctx, memberTestAdmin, "Muller", 5); err != nil || len(rows) == 0 {
		t.Fatalf("search demo data: %v %v", rows, err)
	}

	// A database with members is refused without Force; Force replaces it,
	// and the same seed gives the same data.
	before := demoTestNames(t, db)
	if _, err := LoadDemo(ctx, db, DemoOptions{Members: 10, Seed: 7, Today: demoTestDay}); !errors.Is(err, ErrDemoNotEmpty) {
		t.Fatalf("non-empty database: %v", err)
	}
	if _, err := LoadDemo(ctx, db, DemoOptions{Members: 2000, Groups: 40, Seed: 7, Force: true, Today: demoTestDay}); err != nil {
		t.Fatal(err)
	}
	if after := demoTestNames(t, db); !slices.Equal(before, after) {
		t.Fatalf("same seed, different data: %v… vs %v…", before[:3], after[:3])
	}
	if err := CheckGroupConsistency(ctx, db); err != nil {
		t.Fatal(err)
	}
	// Another seed, other data; without groups the existing groups stay, emptied.
	if _, err := LoadDemo(ctx, db, DemoOptions{Members: 50, Seed: 8, Force: true, Today: demoTestDay}); err != nil {
		t.Fatal(err)
	}
	if other := demoTestNames(t, db); slices.Equal(before[:50], other) {
		t.Fatal("another seed gave the same data")
	}
	if err := CheckGroupConsistency(ctx, db); err != nil {
		t.Fatal(err)
	}
	// The triggers are back on: a new value updates cf_text.
	m := memberTestCreate(t, Members{DB: db}, MemberInput{FirstName: "Neu", LastName: "Mitglied", Custom: map[string]string{"beitragsart": "Sonderfall"}})
	if rows, _ := (Members{DB: db}).Search(ctx, memberTestAdmin, "Sonderfall", 5); len(rows) != 1 || rows[0].ID != m.ID {
		t.Fatalf("trigger off after demo: %v", rows)
	}
}
