package membership

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"mila/internal/authz"
	"mila/internal/pg"
)

// Keys of the member columns a list can show or export. A custom field
// is "cf_<slug>".
const (
	ColFirstName   = "first_name"
	ColLastName    = "last_name"
	ColEmail       = "email"
	ColPhone       = "phone"
	ColStreet      = "street"
	ColHouseNumber = "house_number"
	ColPostalCode  = "postal_code"
	ColCity        = "city"
	ColCountry     = "country"
	ColJoinDate    = "join_date"
	ColExitDate    = "exit_date"
	ColNotes       = "notes"
	// ColMemberSince is the date the member's current membership began:
	// the start of their latest period begun by today (member_periods),
	// the join date when none has begun.
	ColMemberSince = "member_since"
	ColGroups      = "groups"
	ColGroupCount  = "group_count"
	// ColUserEmail is the sign-in address of the user linked to the
	// member: only for actors who may read every user.
	ColUserEmail = "user_email"
	// ColOverviewFields, asked for as a column, stands for the custom
	// fields shown in the overview, in their order.
	ColOverviewFields = "cf:overview"
)

// MemberCoreColumns are the member's own columns, in form order.
var MemberCoreColumns = []string{ColFirstName, ColLastName, ColEmail, ColPhone, ColStreet, ColHouseNumber,
	ColPostalCode, ColCity, ColCountry, ColJoinDate, ColExitDate, ColNotes}

// ColumnKind is the type of a column's values, so that a spreadsheet
// gets dates as dates and codes as text.
type ColumnKind int

const (
	KindText ColumnKind = iota // free text
	KindCode                   // text that looks like a number but is not one (postal codes, member numbers): keep it text
	KindDate                   // a date (time.Time, UTC midnight)
	KindInt                    // a whole number (int64)
	KindBool                   // yes or no (bool)
)

// MemberColumn is one column of an exported list. Values of a row come
// in the columns' order, each nil (empty), a string, a time.Time (a
// date), an int64 or a bool, as Kind says.
type MemberColumn struct {
	Key   string
	Kind  ColumnKind
	Field *CustomField // the custom field of a "cf_" column, else nil
}

// memberColumnKinds are the kinds of the core columns.
var memberColumnKinds = map[string]ColumnKind{
	ColPostalCode: KindCode, ColHouseNumber: KindCode, ColPhone: KindCode,
	ColJoinDate: KindDate, ColExitDate: KindDate, ColMemberSince: KindDate,
	ColGroupCount: KindInt,
}

// ReadableMemberColumns lists every column the actor may read, in the
// default order: the core fields, member since, groups and their number,
// the custom fields in form order, and the linked user's sign-in address.
// fields are all custom fields (in form order).
func ReadableMemberColumns(actor authz.Actor, fields []CustomField) []MemberColumn {
	if !actor.Can(authz.Member, authz.Read) {
		return nil
	}
	var out []MemberColumn
	for _, k := range MemberCoreColumns {
		out = append(out, MemberColumn{Key: k, Kind: memberColumnKinds[k]})
	}
	out = append(out, MemberColumn{Key: ColMemberSince, Kind: KindDate})
	if actor.Can(authz.MemberGroup, authz.Read) && actor.Can(authz.Group, authz.Read) {
		out = append(out, MemberColumn{Key: ColGroups}, MemberColumn{Key: ColGroupCount, Kind: KindInt})
	}
	if actor.Can(authz.CustomField, authz.Read) && actor.Can(authz.CustomFieldValue, authz.Read) {
		for i := range fields {
			f := fields[i]
			kind := KindText
			switch f.ValueType {
			case CustomFieldDate:
				kind = KindDate
			case CustomFieldInteger:
				kind = KindInt
				if f.Unique {
					// A membership number: "007" is not 7 (values are
					// canonical integers, but a spreadsheet must not
					// add them up either).
					kind = KindCode
				}
			case CustomFieldBoolean:
				kind = KindBool
			case CustomFieldString:
				if f.Unique {
					kind = KindCode
				}
			}
			out = append(out, MemberColumn{Key: MemberSortCustom + f.Slug, Kind: kind, Field: &f})
		}
	}
	if actor.Scope(authz.User, authz.Read) == authz.All {
		out = append(out, MemberColumn{Key: ColUserEmail})
	}
	return out
}

// MemberExport is a member list resolved for export: the query as the
// overview would normalise it, the columns, and what the list is
// filtered by. Each reads its rows.
type MemberExport struct {
	Query         MemberQuery // normalised (page and page size do not apply)
	Columns       []MemberColumn
	Searching     bool         // Query.Q searches something
	Group         *GroupChoice // the group filter, nil for all groups or "none"
	GroupNotFound bool         // the query named an unknown group: dropped, as in the overview

	s        *Members
	actor    authz.Actor
	sortable []CustomField
	// sql reads the rows without a final sort, in the order they happen to
	// come (empty: only sortedSQL); sortedSQL reads them sorted by list
	// position, from the position in its last argument on.
	sql       string
	sortedSQL string
	args      []any
	plan      bool // run through pg.PlanForValues
}

// exportSettings are the export transaction's settings: no JIT
// (compiling the statement costs more than it saves on a read of every
// member), and room for the whole register's hash joins in memory (one
// batch each, which keeps their rows in list order; see build).
var exportSettings = `SET LOCAL jit = off; SET LOCAL work_mem = '32MB'; SET LOCAL max_parallel_workers_per_gather = 0`

// Export resolves the overview query q for export: the same filters,
// search and order as List (so the file holds exactly the overview's
// rows, of all its pages), with the columns want (keys, in order; those
// the actor may not read are left out) or, when want is empty, every
// column the actor may read. Rows are read by Each.
func (s *Members) Export(ctx context.Context, actor authz.Actor, q MemberQuery, want []string) (*MemberExport, error) {
	q, page, filter, err := s.resolveGroup(ctx, actor, q)
	if err != nil {
		return nil, err
	}
	fields, err := loadCustomFields(ctx, s.db, false)
	if err != nil {
		return nil, err
	}
	readable := ReadableMemberColumns(actor, fields)
	columns := pickColumns(readable, want)
	// The custom fields the list may sort by: the exported ones (a view's
	// chosen columns) and the overview's.
	var sortable []CustomField
	if actor.Can(authz.CustomField, authz.Read) {
		for _, f := range fields {
			if f.ShowInOverview || slices.ContainsFunc(columns, func(c MemberColumn) bool { return c.Field != nil && c.Field.ID == f.ID }) {
				sortable = append(sortable, f)
			}
		}
	}
	page, b, l, terms, err := s.plan(ctx, actor, q, page, filter, sortable)
	if err != nil {
		return nil, err
	}
	e := &MemberExport{
		Query: page.Query, Searching: page.Searching, Group: page.Group, GroupNotFound: page.GroupNotFound,
		s: s, actor: actor, sortable: sortable,
	}
	e.Columns = columns
	e.build(page, b, l, terms, sortable)
	return e, nil
}

// ExportGroup is Export of a group's page: every member of the group
// identified by slug (current and former, as the page lists them), by
// name. It needs the right to see who is in a group; an unknown group is
// ErrNotFound.
func (s *Members) ExportGroup(ctx context.Context, actor authz.Actor, slug string, want []string) (*MemberExport, error) {
	if err := actor.Require(authz.MemberGroup, authz.Read); err != nil {
		return nil, err
	}
	if err := actor.Require(authz.Group, authz.Read); err != nil {
		return nil, err
	}
	slug = strings.TrimSpace(slug)
	if slug == "" || slug == MemberGroupNone {
		return nil, groupNotFound(slug)
	}
	e, err := s.Export(ctx, actor, MemberQuery{Group: slug, Status: MemberStatusAll, Sort: MemberSortName}, want)
	if err != nil {
		return nil, err
	}
	if e.Group == nil {
		return nil, groupNotFound(slug)
	}
	return e, nil
}

// pickColumns returns the columns of readable named by want, in want's
// order, without repeats; all of readable when want is empty.
func pickColumns(readable []MemberColumn, want []string) []MemberColumn {
	if len(want) == 0 {
		return readable
	}
	var out []MemberColumn
	for _, k := range want {
		if k == ColOverviewFields {
			for _, c := range readable {
				if c.Field != nil && c.Field.ShowInOverview && !slices.ContainsFunc(out, func(o MemberColumn) bool { return o.Key == c.Key }) {
					out = append(out, c)
				}
			}
			continue
		}
		i := slices.IndexFunc(readable, func(c MemberColumn) bool { return c.Key == k })
		if i >= 0 && !slices.ContainsFunc(out, func(c MemberColumn) bool { return c.Key == k }) {
			out = append(out, readable[i])
		}
	}
	return out
}

// SortFieldName is the name of the custom field the list is sorted by
// ("" when it is sorted by something else).
func (e *MemberExport) SortFieldName() string {
	if f := memberCustomSortField(e.sortable, e.Query.Sort); f != nil {
		return f.Name
	}
	return ""
}

// has reports whether the export has the column key.
func (e *MemberExport) has(key string) bool {
	return slices.ContainsFunc(e.Columns, func(c MemberColumn) bool { return c.Key == key })
}

// build writes the export's one statement: the list's ids in order (as
// List pages them, but all of them), then per member its columns, its
// group names and its custom values — only those of the chosen columns,
// each read under the actor's scope.
//
// Two shapes of the same statement: a filtered list (a search, a group)
// reads each listed member's values by index (a lateral subquery per
// member); the whole register (no search, no group) reads each value
// table once, grouped by member, and joins by hash — 100,000 index probes
// per table cost more than one pass over it (docs/PERFORMANCE.md,
// "Exports").
func (e *MemberExport) build(page MemberPage, b0 *memberQueryBuilder, l memberListSQL, terms searchTerms, sortable []CustomField) {
	b := b0.clone()
	ids, ctes := memberIDsSQL(page, b, l, terms, sortable, false, true)
	whole := !page.Searching && page.Query.Group == ""
	var with, joins strings.Builder
	// A member's groups come as ids; Each names and orders them from the
	// groups it reads first (a join per member onto the groups costs a
	// hash of every group for each member).
	groups, groupCount := "NULL::text[]", "0"
	switch {
	case whole && (e.has(ColGroups) || e.has(ColGroupCount)):
		with.WriteString(`, mgg AS (SELECT mg.member_id, count(*)::integer AS n,
			array_agg(mg.group_id::text) FILTER (WHERE ` + b.scope(e.actor, authz.MemberGroup, "mg.member_id") + `) AS ids
			FROM member_groups mg GROUP BY mg.member_id)`)
		joins.WriteString(` LEFT JOIN mgg ON mgg.member_id = p.id`)
		groups, groupCount = "mgg.ids", "coalesce(mgg.n, 0)"
	default:
		if e.has(ColGroups) {
			groups = `(SELECT array_agg(mg.group_id::text) FROM member_groups mg
				WHERE mg.member_id = p.id AND ` + b.scope(e.actor, authz.MemberGroup, "mg.member_id") + `)`
		}
		if e.has(ColGroupCount) {
			groupCount = "gk.group_count"
			joins.WriteString(` JOIN member_group_keys gk ON gk.member_id = p.id`)
		}
	}
	var fieldIDs []string
	for _, c := range e.Columns {
		if c.Field != nil {
			fieldIDs = append(fieldIDs, c.Field.ID)
		}
	}
	custom := "NULL::text[], NULL::text[]"
	if len(fieldIDs) > 0 {
		custom = "cv.ids, cv.vals"
		values := `SELECT v.member_id, array_agg(v.custom_field_id::text) AS ids, array_agg(v.value) AS vals
			FROM custom_field_values v
			WHERE v.custom_field_id = ANY(` + b.arg(fieldIDs) + `::uuid[])
			AND ` + b.scope(e.actor, authz.CustomFieldValue, "v.member_id")
		if whole {
			with.WriteString(`, cv AS (` + values + ` GROUP BY v.member_id)`)
			joins.WriteString(` LEFT JOIN cv ON cv.member_id = p.id`)
		} else {
			joins.WriteString(` LEFT JOIN LATERAL (` + values + ` AND v.member_id = p.id GROUP BY v.member_id) cv ON true`)
		}
	}
	since := "NULL::date"
	if e.has(ColMemberSince) {
		if whole {
			with.WriteString(`, ms AS (SELECT pp.member_id, max(pp.starts_on) AS since FROM member_periods pp
				WHERE pp.starts_on <= current_date GROUP BY pp.member_id)`)
			joins.WriteString(` LEFT JOIN ms ON ms.member_id = p.id`)
			since = "ms.since"
		} else {
			since = `(SELECT max(pp.starts_on) FROM member_periods pp WHERE pp.member_id = p.id AND pp.starts_on <= current_date)`
		}
	}
	user := "NULL::text"
	if e.has(ColUserEmail) {
		user = "u.email::text"
		joins.WriteString(` LEFT JOIN users u ON u.member_id = p.id`)
	}
	sql := `WITH ` + ctes + `page AS MATERIALIZED (` + ids + `),
		ord AS (SELECT id, row_number() OVER () AS n FROM page)` + with.String() + `
		SELECT p.n, m.first_name, m.last_name, coalesce(m.email::text, ''), m.phone, m.street, m.house_number,
			m.postal_code, m.city, m.country, m.join_date, m.exit_date, m.notes, ` + groupCount + `,
			` + groups + `, ` + custom + `, ` + user + `, ` + since + `
		FROM ord p JOIN members m ON m.id = p.id` + joins.String()
	// The sorted statement starts at a list position (Each's fallback).
	from := b.arg(int64(1))
	e.sortedSQL = sql + ` WHERE p.n >= ` + from + `::bigint ORDER BY p.n`
	e.args, e.plan = b.args, b.forValues
	if whole {
		// The whole register's rows leave the hash joins in the order of
		// their outer side, the list (each value table's hash fits in
		// work_mem: one batch), so they can stream without the final
		// sort — which held back the first row until every row was
		// joined, and spilled 50 MB to disk at 100,000 members. PostgreSQL
		// does not promise that order, so Each checks it row by row.
		e.sql = sql
	}
}

// Each reads the export's rows in the list's order and calls fn with
// each row's values (see MemberColumn), streaming: one row in memory at
// a time. fn's values slice is reused for the next row. An error of fn
// stops the read and is returned.
func (e *MemberExport) Each(ctx context.Context, fn func(values []any) error) error {
	// One read-only transaction: the groups and the rows from one
	// snapshot (also when the rows are read twice, see below).
	tx, err := e.s.db.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return fmt.Errorf("export members: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if _, err := tx.Exec(ctx, exportSettings); err != nil {
		return fmt.Errorf("export members: %w", err)
	}
	// Group names by id, and each group's place in the name order.
	groupName := map[string]string{}
	groupRank := map[string]int{}
	if e.has(ColGroups) {
		rows, err := tx.Query(ctx, `SELECT id::text, name FROM groups ORDER BY name_key, name, id`)
		if err != nil {
			return fmt.Errorf("export members: groups: %w", err)
		}
		var id, name string
		_, err = pgx.ForEachRow(rows, []any{&id, &name}, func() error {
			groupName[id], groupRank[id] = name, len(groupRank)
			return nil
		})
		if err != nil {
			return fmt.Errorf("export members: groups: %w", err)
		}
	}
	var q pg.Querier = tx
	if e.plan {
		q = pg.PlanForValues(tx)
	}
	values := make([]any, len(e.Columns))
	var (
		n                                                                      int64
		first, last, email, phone, street, house, postal, city, country, notes string
		join                                                                   time.Time
		exit                                                                   *time.Time
		groupCount                                                             int32
		groupIDs, customVals                                                   []string
		customIDs, names                                                       []string
		userEmail                                                              *string
		memberSince                                                            *time.Time
	)
	// next is the list position of the next row to hand to fn.
	next := int64(1)
	// read runs one of the statements and hands its rows to fn while they
	// come in list order; it reports false when a row came out of order
	// (nothing of that row or later ones has reached fn).
	read := func(sql string, args []any) (bool, error) {
		rows, err := q.Query(ctx, sql, args...)
		if err != nil {
			return false, fmt.Errorf("export members: %w", err)
		}
		defer rows.Close()
		custom := map[string]string{}
		for rows.Next() {
			groupIDs, customIDs, customVals, userEmail, memberSince = nil, nil, nil, nil, nil
			if err := rows.Scan(&n, &first, &last, &email, &phone, &street, &house, &postal, &city, &country,
				&join, &exit, &notes, &groupCount, &groupIDs, &customIDs, &customVals, &userEmail, &memberSince); err != nil {
				return false, fmt.Errorf("scan exported member: %w", err)
			}
			if n != next {
				return false, nil
			}
			next++
			clear(custom)
			for i := range min(len(customIDs), len(customVals)) {
				custom[customIDs[i]] = customVals[i]
			}
			for i, c := range e.Columns {
				var v any
				switch c.Key {
				case ColFirstName:
					v = first
				case ColLastName:
					v = last
				case ColEmail:
					v = email
				case ColPhone:
					v = phone
				case ColStreet:
					v = street
				case ColHouseNumber:
					v = house
				case ColPostalCode:
					v = postal
				case ColCity:
					v = city
				case ColCountry:
					v = country
				case ColJoinDate:
					v = join
				case ColMemberSince:
					v = join
					if memberSince != nil {
						v = *memberSince
					}
				case ColExitDate:
					if exit != nil {
						v = *exit
					}
				case ColNotes:
					v = notes
				case ColGroups:
					slices.SortFunc(groupIDs, func(a, b string) int { return groupRank[a] - groupRank[b] })
					names = names[:0]
					for _, id := range groupIDs {
						if n, ok := groupName[id]; ok {
							names = append(names, n)
						}
					}
					v = strings.Join(names, ", ")
				case ColGroupCount:
					v = int64(groupCount)
				case ColUserEmail:
					if userEmail != nil {
						v = *userEmail
					}
				default:
					if c.Field != nil {
						v = customExportValue(c, custom[c.Field.ID])
					}
				}
				if s, ok := v.(string); ok && s == "" {
					v = nil
				}
				values[i] = v
			}
			if err := fn(values); err != nil {
				return false, err
			}
		}
		if err := rows.Err(); err != nil {
			return false, fmt.Errorf("export members: %w", err)
		}
		return true, nil
	}
	args := slices.Clone(e.args)
	if e.sql != "" {
		// The unsorted statement, as long as its rows come in list order.
		inOrder, err := read(e.sql, args[:len(args)-1])
		if err != nil || inOrder {
			return err
		}
	}
	// The rest (or all) sorted, from the same snapshot: the same list.
	args[len(args)-1] = next
	inOrder, err := read(e.sortedSQL, args)
	if err == nil && !inOrder {
		err = fmt.Errorf("export members: row %d out of list order", next)
	}
	return err
}

// customExportValue is a stored custom value as its column's type.
func customExportValue(c MemberColumn, raw string) any {
	switch c.Kind {
	case KindBool:
		// Only a ticked box is stored: no value is "no".
		return raw == "true"
	case KindInt:
		if n, err := strconv.ParseInt(raw, 10, 64); err == nil {
			return n
		}
	case KindDate:
		if t, err := time.Parse(dateLayout, raw); err == nil {
			return t
		}
	}
	if raw == "" {
		return nil
	}
	return raw
}
