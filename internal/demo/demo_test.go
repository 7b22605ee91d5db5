package demo

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"mila/internal/authz"
	"mila/internal/membership"
	"mila/internal/testpg"
)

func TestMain(m *testing.M) { testpg.Main(m) }

var testAdmin = authz.Actor{UserID: "0190a000-0000-7000-8000-000000000001", Set: authz.Admin}

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
	res, err := Load(ctx, db, Options{Members: 2000, Groups: 40, Seed: 7, Today: demoTestDay})
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
	if err := membership.CheckGroupConsistency(ctx, db); err != nil {
		t.Fatal(err)
	}
	// Five years of history: re-joins, ended memberships, roles; the
	// join and exit dates are the first period's start and the last's end,
	// and member_groups is exactly the memberships current today.
	if res.Rejoins < 60 || res.EndedMemberships < 400 || res.Roles < 50 {
		t.Fatalf("history %+v", res)
	}
	var badDates, badCurrent int
	if err := db.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM members m JOIN LATERAL (SELECT min(starts_on) AS s, (array_agg(ends_on ORDER BY starts_on DESC))[1] AS e
			FROM member_periods p WHERE p.member_id = m.id) d ON true WHERE (m.join_date, m.exit_date) IS DISTINCT FROM (d.s, d.e)),
		(SELECT count(*) FROM (SELECT member_id, group_id FROM member_groups
			EXCEPT SELECT member_id, group_id FROM group_memberships WHERE span @> current_date) d)
		+ (SELECT count(*) FROM (SELECT member_id, group_id FROM group_memberships WHERE span @> current_date
			EXCEPT SELECT member_id, group_id FROM member_groups) d)`).Scan(&badDates, &badCurrent); err != nil {
		t.Fatal(err)
	}
	if badDates != 0 || badCurrent != 0 {
		t.Fatalf("%d members whose dates differ from their periods, %d current memberships out of line", badDates, badCurrent)
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
	// Every member can be saved unchanged through the member form's action
	// (so demo data can be edited): its checks accept what the demo made.
	members := membership.NewMembers(db)
	page, err := members.List(ctx, testAdmin, membership.MemberQuery{Status: membership.MemberStatusAll, PerPage: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range page.Rows {
		m, err := members.Get(ctx, testAdmin, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		in := membership.MemberInput{FirstName: m.FirstName, LastName: m.LastName, Email: m.Email, Phone: m.Phone, Street: m.Street,
			HouseNumber: m.HouseNumber, PostalCode: m.PostalCode, City: m.City, Country: m.Country,
			JoinDate: m.JoinDate.Format(time.DateOnly), Notes: m.Notes, Custom: m.Custom, Version: m.Version}
		if m.ExitDate != nil {
			in.ExitDate = m.ExitDate.Format(time.DateOnly)
		}
		if _, err := members.Update(ctx, testAdmin, m.ID, in); err != nil {
			t.Fatalf("demo member %+v fails the form checks: %v", m, err)
		}
	}
	// Search works on the loaded data.
	if rows, err := members.Search(ctx, testAdmin, "Muller", 5); err != nil || len(rows) == 0 {
		t.Fatalf("search demo data: %v %v", rows, err)
	}

	// A database with members is refused without Force; Force replaces it,
	// and the same seed gives the same data.
	before := demoTestNames(t, db)
	if _, err := Load(ctx, db, Options{Members: 10, Seed: 7, Today: demoTestDay}); !errors.Is(err, ErrNotEmpty) {
		t.Fatalf("non-empty database: %v", err)
	}
	if _, err := Load(ctx, db, Options{Members: 2000, Groups: 40, Seed: 7, Force: true, Today: demoTestDay}); err != nil {
		t.Fatal(err)
	}
	if after := demoTestNames(t, db); !slices.Equal(before, after) {
		for i := range min(len(before), len(after)) {
			if before[i] != after[i] {
				t.Fatalf("same seed, different data: %q vs %q", before[i], after[i])
			}
		}
		t.Fatalf("same seed, different data: %d vs %d rows", len(before), len(after))
	}
	if err := membership.CheckGroupConsistency(ctx, db); err != nil {
		t.Fatal(err)
	}
	// Another seed, other data; without groups the existing groups stay, emptied.
	if _, err := Load(ctx, db, Options{Members: 50, Seed: 8, Force: true, Today: demoTestDay}); err != nil {
		t.Fatal(err)
	}
	if other := demoTestNames(t, db); slices.Equal(before[:50], other) {
		t.Fatal("another seed gave the same data")
	}
	if err := membership.CheckGroupConsistency(ctx, db); err != nil {
		t.Fatal(err)
	}
	// The triggers are back on: a new value updates cf_text.
	m, err := members.Create(ctx, testAdmin, membership.MemberInput{FirstName: "Neu", LastName: "Mitglied", Custom: map[string]string{"beitragsart": "Sonderfall"}})
	if err != nil {
		t.Fatal(err)
	}
	if rows, _ := members.Search(ctx, testAdmin, "Sonderfall", 5); len(rows) != 1 || rows[0].ID != m.ID {
		t.Fatalf("trigger off after demo: %v", rows)
	}
}
