package membership

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"mila/internal/authz"
)

// BirthdayQuery asks for the birthdays of active members: in the Days
// days from From on (From included), or — when Month is set — in that
// month of Year.
type BirthdayQuery struct {
	From  time.Time // a day; the zero time is today
	Days  int       // 1 to BirthdayDaysMax; default BirthdayDaysDefault
	Month int       // 1 to 12; 0: use Days
	Year  int       // with Month; 0: From's year
}

// Limits and defaults of the birthday list.
const (
	BirthdayDaysDefault = 30
	BirthdayDaysMax     = 366
)

// BirthdayRow is one member's birthday.
type BirthdayRow struct {
	MemberID            string
	FirstName, LastName string
	Born                time.Time // the birth date
	Date                time.Time // the birthday in the list's span (29 February: 28 February in other years)
	Age                 int       // the age they turn
	Round               bool      // a round birthday: 10, 20, 30 …
}

// BirthdayList is the answer: the birth date field (nil when no field
// is marked as the birth date — then there is no list) and the rows by
// date, then name.
type BirthdayList struct {
	Field    *CustomField
	From, To time.Time // the span, both days included
	Rows     []BirthdayRow
}

// Birthdays lists the birthdays of active members in the span q asks
// for, from the custom field marked as the birth date. It needs the
// right to read every member and their custom values.
func (s *Members) Birthdays(ctx context.Context, actor authz.Actor, q BirthdayQuery) (BirthdayList, error) {
	if actor.Scope(authz.Member, authz.Read) != authz.All || actor.Scope(authz.CustomFieldValue, authz.Read) != authz.All ||
		!actor.Can(authz.CustomField, authz.Read) {
		return BirthdayList{}, fmt.Errorf("birthdays: %w", authz.ErrForbidden)
	}
	from := dateOnly(q.From)
	if q.From.IsZero() {
		from = dateOnly(time.Now())
	}
	var out BirthdayList
	if q.Month >= 1 && q.Month <= 12 {
		year := q.Year
		if year < 1900 || year > 2999 {
			year = from.Year()
		}
		out.From = time.Date(year, time.Month(q.Month), 1, 0, 0, 0, 0, time.UTC)
		out.To = out.From.AddDate(0, 1, -1)
	} else {
		days := q.Days
		if days < 1 || days > BirthdayDaysMax {
			days = BirthdayDaysDefault
		}
		out.From, out.To = from, from.AddDate(0, 0, days-1)
	}
	var f CustomField
	f, err := scanCustomField(s.db.QueryRow(ctx, `SELECT `+customFieldColumns+` FROM custom_fields f WHERE f.birth_date`), false)
	if errors.Is(err, pgx.ErrNoRows) {
		return out, nil
	}
	if err != nil {
		return BirthdayList{}, fmt.Errorf("birthdays: birth date field: %w", err)
	}
	out.Field = &f
	// Only the values whose month and day fall in the span are read
	// (custom_field_values_month_day_idx, migration 00032: 'MM-DD' of the
	// stored YYYY-MM-DD), then each such member's birthday in the year of
	// the span's start and the one after (a span may cross New Year);
	// date + interval keeps 29 February in leap years and makes it 28
	// February in the others (birthdayKeys asks for 29 February then).
	rows, err := s.db.Query(ctx, `SELECT id, first_name, last_name, born, day, (extract(year FROM day) - extract(year FROM born))::int AS age
		FROM (
			SELECT m.id, m.first_name, m.last_name, v.value::date AS born,
				v.value::date + make_interval(years => (y - extract(year FROM v.value::date))::int) AS day
			FROM custom_field_values v
			JOIN members m ON m.id = v.member_id
			CROSS JOIN (VALUES ($2::int), ($2::int + 1)) AS ys (y)
			WHERE v.custom_field_id = $1 AND right(v.value, 5) = ANY($5::text[])
				AND v.value ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'
				AND (m.exit_date IS NULL OR m.exit_date > $3::date)
		) b
		WHERE day::date BETWEEN $3::date AND $4::date AND day::date > born
		ORDER BY day, last_name, first_name, id`, f.ID, out.From.Year(), out.From, out.To, birthdayKeys(out.From, out.To))
	if err != nil {
		return BirthdayList{}, fmt.Errorf("birthdays: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r BirthdayRow
		if err := rows.Scan(&r.MemberID, &r.FirstName, &r.LastName, &r.Born, &r.Date, &r.Age); err != nil {
			return BirthdayList{}, fmt.Errorf("birthdays: %w", err)
		}
		r.Round = r.Age > 0 && r.Age%10 == 0
		out.Rows = append(out.Rows, r)
	}
	return out, rows.Err()
}

// birthdayKeys are the months and days ('MM-DD', as date values end) of
// the days from from to to, both included: whose birth date ends in one
// of them has a birthday in the span. A 28 February of a common year
// adds '02-29', the day those born on 29 February celebrate then.
func birthdayKeys(from, to time.Time) []string {
	var keys []string
	seen := map[string]bool{}
	add := func(k string) {
		if !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	for d := from; !d.After(to) && len(seen) < 366; d = d.AddDate(0, 0, 1) {
		add(d.Format("01-02"))
		if d.Month() == time.February && d.Day() == 28 && !isLeap(d.Year()) {
			add("02-29")
		}
	}
	return keys
}

func isLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

// JubileeYears are the membership anniversaries the jubilee list shows.
var JubileeYears = []int{10, 25, 40, 50, 60}

// JubileeRow is a member reaching an anniversary of membership.
type JubileeRow struct {
	MemberID            string
	FirstName, LastName string
	Since               time.Time // the join date the years count from
	Date                time.Time // the anniversary
	Years               int
}

// Jubilees lists the active members who reach 10, 25, 40, 50 or 60 years
// of membership in year, counted from their join date, by anniversary
// date. A member who leaves before the anniversary is not listed.
func (s *Members) Jubilees(ctx context.Context, actor authz.Actor, year int) ([]JubileeRow, error) {
	if actor.Scope(authz.Member, authz.Read) != authz.All {
		return nil, fmt.Errorf("jubilees: %w", authz.ErrForbidden)
	}
	if year < 1900 || year > 2999 {
		return nil, fmt.Errorf("jubilees: year %d out of range: %w", year, ErrNotFound)
	}
	return s.JubileesBetween(ctx, actor, time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(year, 12, 31, 0, 0, 0, 0, time.UTC))
}

// JubileesBetween lists the anniversaries (Jubilees' rule) from from to
// to, both days included: the home page's week, which may cross New
// Year.
func (s *Members) JubileesBetween(ctx context.Context, actor authz.Actor, from, to time.Time) ([]JubileeRow, error) {
	if actor.Scope(authz.Member, authz.Read) != authz.All {
		return nil, fmt.Errorf("jubilees: %w", authz.ErrForbidden)
	}
	from, to = dateOnly(from), dateOnly(to)
	// For each number of years n, the members who joined n years before
	// a day of the span: a range of members_join_date_idx (migration
	// 00032), one branch each, with the bounds as values (so that the
	// planner sees a narrow range), a day wider on both sides for 29
	// February (date + interval makes it 28 February in common years, Go's
	// AddDate 1 March); then the exact test.
	args := []any{from, to}
	branches := make([]string, len(JubileeYears))
	for i, n := range JubileeYears {
		lo, hi := from.AddDate(-n, 0, -1), to.AddDate(-n, 0, 1)
		args = append(args, lo, hi)
		branches[i] = `SELECT id, first_name, last_name, join_date, exit_date, ` + strconv.Itoa(n) + ` AS years FROM members
			WHERE join_date BETWEEN $` + strconv.Itoa(len(args)-1) + `::date AND $` + strconv.Itoa(len(args)) + `::date`
	}
	rows, err := s.db.Query(ctx, `SELECT c.id, c.first_name, c.last_name, c.join_date, j.day, c.years
		FROM (`+strings.Join(branches, " UNION ALL ")+`) c
		CROSS JOIN LATERAL (SELECT (c.join_date + make_interval(years => c.years))::date AS day) j
		WHERE j.day BETWEEN $1::date AND $2::date AND (c.exit_date IS NULL OR c.exit_date > j.day)
		ORDER BY j.day, c.last_name, c.first_name, c.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("jubilees: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (JubileeRow, error) {
		var j JubileeRow
		err := r.Scan(&j.MemberID, &j.FirstName, &j.LastName, &j.Since, &j.Date, &j.Years)
		return j, err
	})
}
