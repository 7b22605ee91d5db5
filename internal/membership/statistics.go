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
// brackets are the age brackets' lower bounds, ascending from 0
// (ParseAgeBrackets).
//
// The statements are set-based, whatever the number of groups and roles:
// the members in the club on day are read once (one pass over the
// periods) and counted per group, per role and per age bracket in one
// pass each; the joins and exits of all years are one pass over the
// periods. It all reads one snapshot (a read-only repeatable-read
// transaction), so the parts agree with the total while others edit.
func (h *History) Statistics(ctx context.Context, actor authz.Actor, day time.Time, brackets []int) (Statistics, error) {
	if err := actor.Require(authz.Statistics, authz.Read); err != nil {
		return Statistics{}, err
	}
	if !bracketsValid(brackets) {
		return Statistics{}, fmt.Errorf("statistics: age brackets %v are not ascending from 0", brackets)
	}
	day = dateOnly(day)
	st := Statistics{AsOf: day, Brackets: brackets}
	fields, err := loadCustomFields(ctx, h.db, false)
	if err != nil {
		return st, err
	}
	for _, f := range fields {
		if f.ValueType == CustomFieldDate {
			st.DateFields = append(st.DateFields, f)
		}
	}
	tx, err := h.db.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return st, fmt.Errorf("statistics: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // read only: nothing to undo
	if err := statisticsOn(ctx, tx, &st); err != nil {
		return st, fmt.Errorf("statistics: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return st, fmt.Errorf("statistics: %w", err)
	}
	return st, nil
}

// bracketsValid: lower bounds strictly ascending from 0 (width_bucket
// needs them sorted).
func bracketsValid(b []int) bool {
	if len(b) == 0 || b[0] != 0 {
		return false
	}
	for i := 1; i < len(b); i++ {
		if b[i] <= b[i-1] {
			return false
		}
	}
	return true
}

// statisticsOn fills st (AsOf, Brackets set) in tx.
func statisticsOn(ctx context.Context, tx pgx.Tx, st *Statistics) error {
	day, brackets := st.AsOf, st.Brackets
	onDay := MemberQuery{AsOf: day}
	all := MemberQuery{Status: MemberStatusAll}

	err := tx.QueryRow(ctx, `SELECT id::text, name FROM custom_fields WHERE birth_date`).Scan(&st.BirthField, &st.BirthFieldName)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return err
	}

	// The counts on day: in the club (one covering period per member —
	// a member's periods do not overlap, the database refuses it), per
	// group (one covering membership per member and group, likewise), per
	// role (a club-wide role may be held in several groups: distinct
	// members) and per age bracket (width_bucket: the index of the
	// highest lower bound not above the age, 0 below the first; no value:
	// no birth date). Each part joins the periods covering day (a hash
	// join: one pass over the periods, one over the memberships) instead
	// of looking up each row's period; a CTE of them would hide their
	// statistics from the planner (which then probed the memberships
	// once per member).
	active := `member_periods p`
	covered := periodCovers("p", "$1::date")
	ages, args := "", []any{day}
	if st.BirthField != "" {
		args = append(args, st.BirthField, brackets)
		ages = `UNION ALL
		SELECT 'a', '', CASE WHEN v.value IS NULL THEN -1
				ELSE width_bucket(date_part('year', age($1::date, v.value::date))::integer, $3::integer[]) END, count(*)::integer
			FROM ` + active + ` LEFT JOIN custom_field_values v ON v.member_id = p.member_id AND v.custom_field_id = $2::uuid
			WHERE ` + covered + `
			GROUP BY 3`
	}
	// Planned for the day: which rows cover it decides the plan.
	db := pg.PlanForValues(tx)
	rows, err := db.Query(ctx, `SELECT 'm', '', 0, count(*)::integer FROM `+active+` WHERE `+covered+`
		UNION ALL
		SELECT 'g', h.group_id::text, 0, count(*)::integer
			FROM group_memberships h JOIN `+active+` ON p.member_id = h.member_id AND `+covered+`
			WHERE `+membershipCovers("h", "$1::date")+`
			GROUP BY h.group_id
		UNION ALL
		SELECT 'r', h.role_id::text, 0, count(DISTINCT h.member_id)::integer
			FROM group_memberships h JOIN `+active+` ON p.member_id = h.member_id AND `+covered+`
			WHERE h.role_id IS NOT NULL AND `+membershipCovers("h", "$1::date")+`
			GROUP BY h.role_id
		`+ages, args...)
	if err != nil {
		return err
	}
	byGroup, byRole := map[string]int{}, map[string]int{}
	ageCounts := make([]int, len(brackets)+1)
	var kind, id string
	var bracket, n int
	_, err = pgx.ForEachRow(rows, []any{&kind, &id, &bracket, &n}, func() error {
		switch kind {
		case "m":
			st.Members = StatCount{Count: n, Query: onDay}
		case "g":
			byGroup[id] = n
		case "r":
			byRole[id] = n
		case "a":
			switch {
			case bracket < 0:
				ageCounts[len(brackets)] += n
			case bracket >= 1:
				ageCounts[bracket-1] += n
			}
			// bracket 0: younger than the first bound (born after day) — not shown
		}
		return nil
	})
	if err != nil {
		return err
	}

	// Joins and exits per year: one pass over the periods each (distinct
	// members: a member may join twice in a year).
	first := day.Year() - StatisticsYears + 1
	joins, exits := map[int]int{}, map[int]int{}
	perYear := func(col string) string {
		return `SELECT ` + strconv.FormatBool(col == "ends_on") + `, date_part('year', ` + col + `)::integer, count(DISTINCT member_id)::integer
			FROM member_periods WHERE ` + col + ` >= make_date($1, 1, 1) AND ` + col + ` < make_date($2 + 1, 1, 1) GROUP BY 2`
	}
	rows, err = db.Query(ctx, perYear("starts_on")+` UNION ALL `+perYear("ends_on"), first, day.Year())
	if err != nil {
		return err
	}
	var exit bool
	var y int
	_, err = pgx.ForEachRow(rows, []any{&exit, &y, &n}, func() error {
		if exit {
			exits[y] = n
		} else {
			joins[y] = n
		}
		return nil
	})
	if err != nil {
		return err
	}
	for y := first; y <= day.Year(); y++ {
		jq, eq := all, all
		jq.JoinYear, eq.ExitYear = y, y
		st.Years = append(st.Years, StatYear{Year: y,
			Joins: StatCount{Label: strconv.Itoa(y), Key: strconv.Itoa(y), Count: joins[y], Query: jq},
			Exits: StatCount{Label: strconv.Itoa(y), Key: strconv.Itoa(y), Count: exits[y], Query: eq}})
	}

	rows, err = tx.Query(ctx, `SELECT g.id::text, g.name, g.slug FROM groups g ORDER BY g.name_key, g.name, g.id`)
	if err != nil {
		return err
	}
	var gid, label, key string
	_, err = pgx.ForEachRow(rows, []any{&gid, &label, &key}, func() error {
		q := onDay
		q.Group = key
		st.Groups = append(st.Groups, StatCount{Label: label, Key: key, Count: byGroup[gid], Query: q})
		return nil
	})
	if err != nil {
		return err
	}

	rows, err = tx.Query(ctx, `SELECT CASE WHEN r.group_id IS NULL THEN r.name ELSE r.name || ' (' || g.name || ')' END, r.id::text
		FROM group_roles r LEFT JOIN groups g ON g.id = r.group_id
		ORDER BY r.group_id NULLS FIRST, g.name_key, r.position, lower(r.name), r.id`)
	if err != nil {
		return err
	}
	_, err = pgx.ForEachRow(rows, []any{&label, &key}, func() error {
		q := onDay
		q.RoleID = key
		st.Roles = append(st.Roles, StatCount{Label: label, Key: key, Count: byRole[key], Query: q})
		return nil
	})
	if err != nil {
		return err
	}

	if st.BirthField == "" {
		return nil
	}
	for i := range brackets {
		q := onDay
		q.Age = bracketKey(brackets, i)
		st.Ages = append(st.Ages, StatCount{Label: q.Age, Key: q.Age, Count: ageCounts[i], Query: q})
	}
	q := onDay
	q.Age = AgeUnknown
	st.Ages = append(st.Ages, StatCount{Label: AgeUnknown, Key: AgeUnknown, Count: ageCounts[len(brackets)], Query: q})
	return nil
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
