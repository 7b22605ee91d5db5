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
	"mila/internal/pg"
	"mila/internal/validate"
)

// StatisticsYears is how many years the joins and exits table covers.
const StatisticsYears = 10

// DefaultAgeBrackets are the lower bounds of the age brackets.
var DefaultAgeBrackets = []int{0, 18, 27, 41, 61}

// StatCount is one number of the statistics with what it counts; Query
// is the member overview filtered to exactly those members.
type StatCount struct {
	Label string // a group or role name, an age bracket, a year
	Key   string // slug, role id, bracket ("18-26"), year
	Count int
	Query MemberQuery
}

// StatYear is one year's joins and exits.
type StatYear struct {
	Year         int
	Joins, Exits StatCount
}

// Statistics are the numbers of the statistics page, all on AsOf.
type Statistics struct {
	AsOf     time.Time
	Members  StatCount // in the club on AsOf
	Years    []StatYear
	Groups   []StatCount
	Roles    []StatCount
	Brackets []int
	// BirthField is the custom field marked as birth date ("" none); Ages
	// then has one count per bracket and one for "unknown".
	BirthField     string
	BirthFieldName string
	Ages           []StatCount
	// DateFields are the date fields that could be the birth date.
	DateFields []CustomField
}

// ParseAgeBrackets reads "0,18,27" (ascending lower bounds from 0).
func ParseAgeBrackets(s string) ([]int, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return DefaultAgeBrackets, true
	}
	var out []int
	for _, p := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || n < 0 || n > 150 || (len(out) > 0 && n <= out[len(out)-1]) || len(out) >= 20 {
			return DefaultAgeBrackets, false
		}
		out = append(out, n)
	}
	if out[0] != 0 {
		out = append([]int{0}, out...)
	}
	return out, true
}

// bracketKey is the overview's age filter of bracket i.
func bracketKey(b []int, i int) string {
	if i == len(b)-1 {
		return strconv.Itoa(b[i]) + "-"
	}
	return strconv.Itoa(b[i]) + "-" + strconv.Itoa(b[i+1]-1)
}

// Statistics reads the numbers on day: members, joins and exits per year
// for the StatisticsYears years up to day's, members per group and per
// role, and per age bracket when a date field is the birth date. Board,
// treasurer and admin (authz.Statistics read). Every count is of
// distinct members and equals the total of its Query in the overview.
func (h *History) Statistics(ctx context.Context, actor authz.Actor, day time.Time, brackets []int) (Statistics, error) {
	if err := actor.Require(authz.Statistics, authz.Read); err != nil {
		return Statistics{}, err
	}
	day = dateOnly(day)
	st := Statistics{AsOf: day, Brackets: brackets}
	// Planned for the day every time: a generic plan of these statements
	// took seconds where the day's plan takes milliseconds.
	db := pg.PlanForValues(h.db)
	onDay := MemberQuery{AsOf: day}
	all := MemberQuery{Status: MemberStatusAll}
	active := `EXISTS (SELECT 1 FROM member_periods pp WHERE pp.member_id = m.id AND ` + periodCovers("pp", "$1::date") + `)`

	err := db.QueryRow(ctx, `SELECT count(*) FROM members m WHERE `+active, day).Scan(&st.Members.Count)
	if err != nil {
		return st, fmt.Errorf("statistics: %w", err)
	}
	st.Members.Query = onDay

	first := day.Year() - StatisticsYears + 1
	rows, err := db.Query(ctx, `SELECT y,
			(SELECT count(DISTINCT member_id) FROM member_periods WHERE starts_on >= make_date(y, 1, 1) AND starts_on < make_date(y + 1, 1, 1)),
			(SELECT count(DISTINCT member_id) FROM member_periods WHERE ends_on >= make_date(y, 1, 1) AND ends_on < make_date(y + 1, 1, 1))
		FROM generate_series($1::integer, $2::integer) y ORDER BY y`, first, day.Year())
	if err != nil {
		return st, fmt.Errorf("statistics: %w", err)
	}
	var y, joins, exits int
	_, err = pgx.ForEachRow(rows, []any{&y, &joins, &exits}, func() error {
		jq, eq := all, all
		jq.JoinYear, eq.ExitYear = y, y
		st.Years = append(st.Years, StatYear{Year: y,
			Joins: StatCount{Label: strconv.Itoa(y), Key: strconv.Itoa(y), Count: joins, Query: jq},
			Exits: StatCount{Label: strconv.Itoa(y), Key: strconv.Itoa(y), Count: exits, Query: eq}})
		return nil
	})
	if err != nil {
		return st, fmt.Errorf("statistics: %w", err)
	}

	rows, err = db.Query(ctx, `SELECT g.name, g.slug, (SELECT count(DISTINCT h.member_id) FROM group_memberships h JOIN members m ON m.id = h.member_id
			WHERE h.group_id = g.id AND `+membershipCovers("h", "$1::date")+` AND `+active+`)
		FROM groups g ORDER BY g.name_key, g.name, g.id`, day)
	if err != nil {
		return st, fmt.Errorf("statistics: %w", err)
	}
	var label, key string
	var n int
	_, err = pgx.ForEachRow(rows, []any{&label, &key, &n}, func() error {
		q := onDay
		q.Group = key
		st.Groups = append(st.Groups, StatCount{Label: label, Key: key, Count: n, Query: q})
		return nil
	})
	if err != nil {
		return st, fmt.Errorf("statistics: %w", err)
	}

	rows, err = db.Query(ctx, `SELECT CASE WHEN r.group_id IS NULL THEN r.name ELSE r.name || ' (' || g.name || ')' END, r.id::text,
			(SELECT count(DISTINCT h.member_id) FROM group_memberships h JOIN members m ON m.id = h.member_id
			  WHERE h.role_id = r.id AND `+membershipCovers("h", "$1::date")+` AND `+active+`)
		FROM group_roles r LEFT JOIN groups g ON g.id = r.group_id
		ORDER BY r.group_id NULLS FIRST, g.name_key, r.position, lower(r.name), r.id`, day)
	if err != nil {
		return st, fmt.Errorf("statistics: %w", err)
	}
	_, err = pgx.ForEachRow(rows, []any{&label, &key, &n}, func() error {
		q := onDay
		q.RoleID = key
		st.Roles = append(st.Roles, StatCount{Label: label, Key: key, Count: n, Query: q})
		return nil
	})
	if err != nil {
		return st, fmt.Errorf("statistics: %w", err)
	}

	fields, err := loadCustomFields(ctx, h.db, false)
	if err != nil {
		return st, err
	}
	for _, f := range fields {
		if f.ValueType == CustomFieldDate {
			st.DateFields = append(st.DateFields, f)
		}
	}
	err = h.db.QueryRow(ctx, `SELECT id::text, name FROM custom_fields WHERE birth_date`).Scan(&st.BirthField, &st.BirthFieldName)
	if errors.Is(err, pgx.ErrNoRows) {
		return st, nil
	}
	if err != nil {
		return st, fmt.Errorf("statistics: %w", err)
	}
	ages := make([]int, len(brackets)+1)
	rows, err = db.Query(ctx, `SELECT CASE WHEN v.value IS NULL THEN -1
			ELSE coalesce((SELECT max(i) FROM unnest($3::integer[]) WITH ORDINALITY AS b (lo, i)
			               WHERE date_part('year', age($1::date, v.value::date)) >= b.lo), 0)::integer END AS bracket, count(*)::integer
		FROM members m LEFT JOIN custom_field_values v ON v.member_id = m.id AND v.custom_field_id = $2
		WHERE `+active+` GROUP BY 1`, day, st.BirthField, brackets)
	if err != nil {
		return st, fmt.Errorf("statistics: %w", err)
	}
	var bracket int
	_, err = pgx.ForEachRow(rows, []any{&bracket, &n}, func() error {
		switch {
		case bracket < 0:
			ages[len(brackets)] += n
		case bracket >= 1:
			ages[bracket-1] += n
		}
		// bracket 0: younger than the first bound (born after day) — not shown
		return nil
	})
	if err != nil {
		return st, fmt.Errorf("statistics: %w", err)
	}
	for i := range brackets {
		q := onDay
		q.Age = bracketKey(brackets, i)
		st.Ages = append(st.Ages, StatCount{Label: q.Age, Key: q.Age, Count: ages[i], Query: q})
	}
	q := onDay
	q.Age = AgeUnknown
	st.Ages = append(st.Ages, StatCount{Label: AgeUnknown, Key: AgeUnknown, Count: ages[len(brackets)], Query: q})
	return st, nil
}

// SetBirthDateField marks the date field id as the birth date ("" for
// none); at most one field is (a unique index says so too). Admin only,
// like changing data fields.
func (h *History) SetBirthDateField(ctx context.Context, actor authz.Actor, id string) error {
	if err := actor.Require(authz.CustomField, authz.Update); err != nil {
		return err
	}
	if id != "" && !validate.UUID(id) {
		return validate.Field("birth_field", validate.NotFound, nil)
	}
	// pg.Begin names the actor for the audit trail.
	tx, err := pg.Begin(ctx, h.db)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx) //nolint:errcheck
	if _, err := tx.Exec(ctx, `UPDATE custom_fields SET birth_date = false WHERE birth_date AND id IS DISTINCT FROM nullif($1, '')::uuid`, id); err != nil {
		return err
	}
	if id != "" {
		tag, err := tx.Exec(ctx, `UPDATE custom_fields SET birth_date = true WHERE id = $1 AND value_type = 'date'`, id)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return validate.Field("birth_field", validate.NotFound, nil)
		}
	}
	return tx.Commit(ctx)
}
