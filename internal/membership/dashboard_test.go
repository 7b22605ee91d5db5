package membership

import (
	"context"
	"errors"
	"testing"
	"time"

	"mila/internal/authz"
)

// TestDashboardCountsMatchRecount: the home page's numbers equal counts
// made independently over the members, for a day in the middle of a year.
func TestDashboardCountsMatchRecount(t *testing.T) {
	s, db := memberTestStore(t)
	ctx := context.Background()
	today := time.Date(2026, 6, 15, 0, 0, 0, 0, time.UTC)
	d := func(y, m, day int) time.Time { return time.Date(y, time.Month(m), day, 0, 0, 0, 0, time.UTC) }
	type mem struct {
		join  time.Time
		exit  *time.Time
		email string
	}
	at := func(t time.Time) *time.Time { return &t }
	members := []mem{
		{d(2010, 1, 1), nil, "a@example.org"},    // active, long ago
		{d(2026, 1, 1), nil, ""},                 // joined this year, no email
		{d(2026, 6, 15), nil, "b@example.org"},   // joined today
		{d(2026, 6, 16), nil, ""},                // joins tomorrow: not "joined this year" yet
		{d(2020, 1, 1), at(d(2026, 3, 1)), ""},   // left this year
		{d(2020, 1, 1), at(d(2026, 6, 15)), ""},  // left today: former
		{d(2020, 1, 1), at(d(2026, 7, 1)), ""},   // leaves in 16 days: active, leaving soon
		{d(2020, 1, 1), at(d(2026, 8, 1)), ""},   // leaves in 47 days: not soon
		{d(2000, 1, 1), at(d(2025, 12, 31)), ""}, // left last year
	}
	for i, m := range members {
		var email any
		if m.email != "" {
			email = m.email
		}
		if _, err := db.Exec(ctx, `INSERT INTO members (first_name, last_name, join_date, exit_date, email) VALUES ('M', $1, $2, $3, $4)`,
			string(rune('A'+i)), m.join, m.exit, email); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.Dashboard(ctx, memberTestAdmin, today)
	if err != nil {
		t.Fatal(err)
	}
	var want Dashboard
	for _, m := range members {
		active := m.exit == nil || m.exit.After(today)
		if active {
			want.Active++
			if m.email == "" {
				want.NoEmail++
			}
		} else {
			want.Former++
		}
		if m.join.Year() == today.Year() && !m.join.After(today) {
			want.JoinedThisYear++
		}
		if m.exit != nil && m.exit.Year() == today.Year() && !m.exit.After(today) {
			want.LeftThisYear++
		}
	}
	if got.Active != want.Active || got.Former != want.Former || got.JoinedThisYear != want.JoinedThisYear ||
		got.LeftThisYear != want.LeftThisYear || got.NoEmail != want.NoEmail {
		t.Errorf("dashboard %+v, recount %+v", got, want)
	}
	if len(got.Leaving) != 1 || got.Leaving[0].LastName != "G" {
		t.Errorf("leaving soon: %+v", got.Leaving)
	}
	if len(got.RecentlyChanged) != 5 {
		t.Errorf("recently changed: %d rows", len(got.RecentlyChanged))
	}
	// Those who do not read every member get no dashboard.
	for _, set := range []authz.PermissionSet{authz.OwnData} {
		if _, err := s.Dashboard(ctx, authz.Actor{UserID: memberTestAdmin.UserID, Set: set}, today); !errors.Is(err, authz.ErrForbidden) {
			t.Errorf("%s: %v", set, err)
		}
	}
	if _, err := s.Dashboard(ctx, authz.Actor{UserID: memberTestAdmin.UserID, Set: authz.ReadOnly}, today); err != nil {
		t.Errorf("read only: %v", err)
	}
}
