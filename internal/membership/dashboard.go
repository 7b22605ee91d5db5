package membership

import (
	"context"
	"fmt"
	"time"

	"mila/internal/authz"
)

// Dashboard is what the home page shows those who may read all members:
// how many there are, who joined and left this year, what changed lately
// and what needs attention.
type Dashboard struct {
	Active, Former       int
	JoinedThisYear       int // join date in today's calendar year
	LeftThisYear         int // exit date in today's calendar year, up to today
	NoEmail              int // active members without an email address
	Leaving              []MemberRow
	RecentlyChanged      []MemberRow // most recently created or changed first (updated_at starts at creation)
	RecentlyChangedTimes []time.Time // when, by index of RecentlyChanged
}

// DashboardLeavingDays is how far ahead "leaving soon" looks.
const DashboardLeavingDays = 30

// dashboardListLen bounds the lists of the dashboard.
const dashboardListLen = 5

// Dashboard reads the home page's numbers as of today (the caller's date,
// so that tests can fix it). Only for those who read every member: a
// member's own-data view has no register to sum up.
func (s *Members) Dashboard(ctx context.Context, actor authz.Actor, today time.Time) (Dashboard, error) {
	if actor.Scope(authz.Member, authz.Read) != authz.All {
		return Dashboard{}, fmt.Errorf("dashboard: %w", authz.ErrForbidden)
	}
	day := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)
	yearStart := time.Date(today.Year(), 1, 1, 0, 0, 0, 0, time.UTC)
	var d Dashboard
	// Each number is an index range (index-only where it counts): no
	// statement here reads every member row. "Active" is split into "no
	// exit date" and "exit date to come", two ranges of
	// members_exit_date_idx (an OR would be a bitmap scan of the table);
	// joins are a range of members_join_date_idx, the members without an
	// email those of the partial members_no_email_idx (migration 00032).
	err := s.db.QueryRow(ctx, `SELECT
			(SELECT count(*) FROM members WHERE exit_date IS NULL) + (SELECT count(*) FROM members WHERE exit_date > $1),
			(SELECT count(*) FROM members WHERE exit_date <= $1),
			(SELECT count(*) FROM members WHERE join_date >= $2 AND join_date <= $1),
			(SELECT count(*) FROM members WHERE exit_date >= $2 AND exit_date <= $1),
			(SELECT count(*) FROM members WHERE email IS NULL AND exit_date IS NULL) +
				(SELECT count(*) FROM members WHERE email IS NULL AND exit_date > $1)`,
		day, yearStart).Scan(&d.Active, &d.Former, &d.JoinedThisYear, &d.LeftThisYear, &d.NoEmail)
	if err != nil {
		return Dashboard{}, fmt.Errorf("dashboard: %w", err)
	}
	rows, err := s.db.Query(ctx, `SELECT id, first_name, last_name, coalesce(email::text, ''), city, join_date, exit_date FROM members
		WHERE exit_date > $1 AND exit_date <= $1 + $2::int ORDER BY exit_date, sort_name, id LIMIT $3`,
		day, DashboardLeavingDays, dashboardListLen)
	if err != nil {
		return Dashboard{}, fmt.Errorf("dashboard leaving: %w", err)
	}
	for rows.Next() {
		var r MemberRow
		if err := rows.Scan(&r.ID, &r.FirstName, &r.LastName, &r.Email, &r.City, &r.JoinDate, &r.ExitDate); err != nil {
			rows.Close()
			return Dashboard{}, fmt.Errorf("dashboard leaving: %w", err)
		}
		d.Leaving = append(d.Leaving, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return Dashboard{}, fmt.Errorf("dashboard leaving: %w", err)
	}
	rows, err = s.db.Query(ctx, `SELECT id, first_name, last_name, coalesce(email::text, ''), city, join_date, exit_date, updated_at
		FROM members ORDER BY updated_at DESC, id DESC LIMIT $1`, dashboardListLen)
	if err != nil {
		return Dashboard{}, fmt.Errorf("dashboard recent: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r MemberRow
		var at time.Time
		if err := rows.Scan(&r.ID, &r.FirstName, &r.LastName, &r.Email, &r.City, &r.JoinDate, &r.ExitDate, &at); err != nil {
			return Dashboard{}, fmt.Errorf("dashboard recent: %w", err)
		}
		d.RecentlyChanged, d.RecentlyChangedTimes = append(d.RecentlyChanged, r), append(d.RecentlyChangedTimes, at)
	}
	return d, rows.Err()
}
