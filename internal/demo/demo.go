// Package demo fills a database with deterministic, realistic demo data
// for development and benchmarks (`mila demo`, bench/, the web package's
// benchmarks).
//
// It is not a domain action, so it lives outside membership: it takes no
// actor, writes the tables directly with COPY and switches off the
// triggers whose work it does itself. It takes membership's names for the
// custom field types and the date range members accept, and its test
// checks the result with membership's own reads and consistency check.
package demo

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"mila/internal/membership"
	"mila/internal/slug"
)

// Options says what Load generates.
type Options struct {
	Members int    // how many members
	Groups  int    // how many groups (0: none); about 2.5 memberships per member
	Seed    uint64 // the same seed gives the same data
	// Force deletes all existing members (with their values and
	// memberships) and, with Groups, all groups before loading. Without it
	// a database that has members (or groups, with Groups) is refused.
	Force bool
	// Today is the reference date for join and exit dates (zero: today).
	// Tests fix it to make the data independent of the day they run.
	Today time.Time
}

// Result reports what Load loaded and how long it took.
type Result struct {
	Members      int
	Former       int
	CustomValues int
	Groups       int
	Memberships  int
	// History (migration 00017): earlier periods of members who left and
	// re-joined, memberships that ended, and memberships with a role.
	Rejoins, EndedMemberships, Roles int
	Duration                         time.Duration
}

// ErrNotEmpty: the database already has data and Force was not given.
var ErrNotEmpty = errors.New("the database already has members (or groups); use --force to replace them")

// field is a custom field the demo fills.
type field struct {
	name, valueType string
	overview        bool
	id              string
	position        int
}

var fieldSpecs = []field{
	{name: "Mitgliedsnummer", valueType: membership.CustomFieldInteger, overview: true},
	{name: "Beitragsart", valueType: membership.CustomFieldString, overview: true},
	{name: "SEPA-Lastschrift", valueType: membership.CustomFieldBoolean},
	{name: "Geburtsdatum", valueType: membership.CustomFieldDate},
	{name: "Notfallkontakt", valueType: membership.CustomFieldEmail},
}

// Load fills the database with deterministic, realistic demo data in
// one transaction, with COPY: members with German and international names,
// addresses, join and exit dates (about 10% former members), five custom
// fields with values, and optionally groups of very different sizes.
//
// Speed: the derived data that triggers normally maintain (cf_text,
// groups.member_count, the members' member_group_keys rows) is computed
// here — in Go and copied with the rows, or in one set-based statement —
// while the triggers that would recompute it member by member are
// disabled inside the transaction. The orders they use come from the
// database itself (the custom fields' positions), so the result is the
// same as the triggers would give; the demo test checks it.
func Load(ctx context.Context, db *pgxpool.Pool, opt Options) (Result, error) {
	start := time.Now()
	if opt.Members < 0 || opt.Groups < 0 {
		return Result{}, errors.New("demo: counts must not be negative")
	}
	today := opt.Today
	if today.IsZero() {
		today = time.Now()
	}
	today = time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)
	var res Result
	err := pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		// The audit trail records the load as "demo", one entry per
		// statement with its row count but without the rows' values
		// (mila.audit_detail; docs/PRIVACY.md) — the demo data is made up,
		// and 100,000 members' values would double the load's time.
		if _, err := tx.Exec(ctx, `SELECT set_config('mila.actor', 'demo', true), set_config('mila.audit_detail', 'off', true)`); err != nil {
			return fmt.Errorf("declare actor: %w", err)
		}
		// Only one loader at a time; the lock ends with the transaction.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('mila demo'))`); err != nil {
			return fmt.Errorf("lock: %w", err)
		}
		if err := prepare(ctx, tx, opt); err != nil {
			return err
		}
		fields, err := ensureFields(ctx, tx)
		if err != nil {
			return err
		}
		g := newGenerator(opt.Seed, today)
		groups, err := insertGroups(ctx, tx, g, opt.Groups)
		if err != nil {
			return err
		}
		if res, err = insertMembers(ctx, tx, g, opt.Members, fields, groups); err != nil {
			return err
		}
		return insertHistory(ctx, tx, &res)
	})
	if err != nil {
		return Result{}, fmt.Errorf("demo: %w", err)
	}
	// Fresh statistics, so the planner knows the tables are big now, and
	// a visibility map, so that index-only scans (counts, deep pages) need
	// not visit the table; autovacuum would get there too, later.
	if _, err := db.Exec(ctx, `VACUUM (ANALYZE) members, custom_field_values, groups, member_groups, member_group_keys, member_periods, group_memberships`); err != nil {
		return Result{}, fmt.Errorf("demo: vacuum: %w", err)
	}
	res.Duration = time.Since(start)
	return res, nil
}

// prepare refuses a database with data unless Force, and with Force
// removes the members (and groups) quickly: TRUNCATE for the dependent
// rows (no per-row triggers), then DELETE for the tables users point at.
func prepare(ctx context.Context, tx pgx.Tx, opt Options) error {
	var members, groups int
	if err := tx.QueryRow(ctx, `SELECT (SELECT count(*) FROM members), (SELECT count(*) FROM groups)`).Scan(&members, &groups); err != nil {
		return fmt.Errorf("count existing data: %w", err)
	}
	if members == 0 && (opt.Groups == 0 || groups == 0) {
		return nil
	}
	if !opt.Force {
		return ErrNotEmpty
	}
	stmts := []string{
		`TRUNCATE member_groups, custom_field_values, member_group_keys, group_memberships, member_periods`,
		`UPDATE users SET member_id = NULL WHERE member_id IS NOT NULL`,
		`DELETE FROM members`,
	}
	if opt.Groups > 0 {
		stmts = append(stmts, `DELETE FROM groups`)
	} else {
		stmts = append(stmts, `UPDATE groups SET member_count = 0 WHERE member_count <> 0`)
	}
	for _, s := range stmts {
		if _, err := tx.Exec(ctx, s); err != nil {
			return fmt.Errorf("remove existing data (%s): %w", s, err)
		}
	}
	return nil
}

// ensureFields creates the demo's custom fields (or reuses fields of
// the same slug and type) and returns them with id and position.
func ensureFields(ctx context.Context, tx pgx.Tx) ([]field, error) {
	out := slices.Clone(fieldSpecs)
	for i := range out {
		f := &out[i]
		sl, err := slug.Make(f.name)
		if err != nil {
			return nil, err
		}
		var typ string
		err = tx.QueryRow(ctx, `SELECT id, value_type, position FROM custom_fields WHERE slug = $1`, sl).Scan(&f.id, &typ, &f.position)
		if errors.Is(err, pgx.ErrNoRows) {
			err = tx.QueryRow(ctx, `INSERT INTO custom_fields (name, slug, value_type, show_in_overview, position)
				VALUES ($1, $2, $3, $4, (SELECT coalesce(max(position), 0) + 1 FROM custom_fields))
				RETURNING id, value_type, position`, f.name, sl, f.valueType, f.overview).Scan(&f.id, &typ, &f.position)
		}
		if err != nil {
			return nil, fmt.Errorf("custom field %s: %w", f.name, err)
		}
		if typ != f.valueType {
			return nil, fmt.Errorf("custom field %q exists with type %s, the demo needs %s", f.name, typ, f.valueType)
		}
	}
	// cf_text joins values by field position, then name (see migration
	// 00003); the demo's fields have distinct positions.
	sort.SliceStable(out, func(i, j int) bool { return out[i].position < out[j].position })
	return out, nil
}

// group is a generated group.
type group struct {
	id     pgtype.UUID
	name   string
	weight float64 // share of the memberships
	count  int
}

// insertGroups creates n groups whose sizes follow a Zipf-like curve:
// a few with tens of thousands of members, many with a few dozen.
func insertGroups(ctx context.Context, tx pgx.Tx, g *generator, n int) ([]*group, error) {
	if n == 0 {
		return nil, nil
	}
	names := g.groupNames(n)
	groups := make([]*group, n)
	for i, name := range names {
		// Exponent 1.4: with 300 groups and 100,000 members the largest
		// groups get tens of thousands of members and about half of them
		// fewer than a hundred (the smallest a few dozen), like a big club.
		dg := &group{id: g.uuid(1, uint64(i)), name: name, weight: 1 / math.Pow(float64(i+1), 1.4)}
		groups[i] = dg
	}
	// member_count is set at the end.
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"groups"}, []string{"id", "name", "slug", "description"},
		pgx.CopyFromSlice(n, func(i int) ([]any, error) {
			sl, err := slug.Make(groups[i].name)
			if err != nil {
				return nil, err
			}
			return []any{groups[i].id, groups[i].name, sl, ""}, nil
		}))
	if err != nil {
		return nil, fmt.Errorf("copy groups: %w", err)
	}
	return groups, nil
}

// insertMembers generates and copies the members, their custom values
// and their memberships.
func insertMembers(ctx context.Context, tx pgx.Tx, g *generator, n int, fields []field, groups []*group) (Result, error) {
	res := Result{Members: n, Groups: len(groups)}
	picker := newGroupPicker(groups)
	type value struct {
		member pgtype.UUID
		field  string
		value  string
	}
	var values []value
	var memberships [][2]pgtype.UUID
	rows := make([][]any, 0, n)
	restore, err := deferIndexes(ctx, tx)
	if err != nil {
		return res, err
	}
	for i := range n {
		m := g.member()
		id := g.uuid(0, uint64(i))
		// Custom values, in the order of the fields' positions.
		var cf []string
		for _, f := range fields {
			v := g.customValue(f, i, m)
			if v == "" {
				continue
			}
			values = append(values, value{id, f.id, v})
			if f.valueType != membership.CustomFieldBoolean {
				cf = append(cf, v)
			}
		}
		var mine []*group
		if len(groups) > 0 {
			mine = picker.pick(g.r, g.membershipCount())
		}
		for _, dg := range mine {
			dg.count++
			memberships = append(memberships, [2]pgtype.UUID{id, dg.id})
		}
		if m.exit != nil && !m.exit.After(g.today) {
			res.Former++
		}
		rows = append(rows, []any{id, m.first, m.last, m.email, m.phone, m.street, m.houseNumber, m.postalCode,
			m.city, m.country, m.join, m.exit, m.notes, strings.Join(cf, " ")})
	}
	// The statement triggers would compute what is copied here member by
	// member (and the keys twice: once for the member, once for its
	// groups); DISABLE TRIGGER is transactional, so a failure re-enables
	// them with the rollback.
	for _, t := range []string{
		`ALTER TABLE members DISABLE TRIGGER members_group_keys_ins`,
		`ALTER TABLE custom_field_values DISABLE TRIGGER custom_field_values_cf_text_ins`,
		`ALTER TABLE member_groups DISABLE TRIGGER member_groups_changed_ins`,
		// the dated memberships are inserted in one statement afterwards
		// (insertHistory), with their dates and roles
		`ALTER TABLE member_groups DISABLE TRIGGER member_groups_history_ins`,
	} {
		if _, err := tx.Exec(ctx, t); err != nil {
			return res, fmt.Errorf("disable trigger: %w", err)
		}
	}
	_, err = tx.CopyFrom(ctx, pgx.Identifier{"members"}, []string{"id", "first_name", "last_name", "email", "phone",
		"street", "house_number", "postal_code", "city", "country", "join_date", "exit_date", "notes", "cf_text"},
		pgx.CopyFromRows(rows))
	if err != nil {
		return res, fmt.Errorf("copy members: %w", err)
	}
	rows = nil
	res.CustomValues = len(values)
	_, err = tx.CopyFrom(ctx, pgx.Identifier{"custom_field_values"}, []string{"member_id", "custom_field_id", "value"},
		pgx.CopyFromSlice(len(values), func(i int) ([]any, error) {
			return []any{values[i].member, values[i].field, values[i].value}, nil
		}))
	if err != nil {
		return res, fmt.Errorf("copy custom values: %w", err)
	}
	res.Memberships = len(memberships)
	_, err = tx.CopyFrom(ctx, pgx.Identifier{"member_groups"}, []string{"member_id", "group_id"},
		pgx.CopyFromSlice(len(memberships), func(i int) ([]any, error) {
			return []any{memberships[i][0], memberships[i][1]}, nil
		}))
	if err != nil {
		return res, fmt.Errorf("copy memberships: %w", err)
	}
	// The members' keys in one statement, with the aggregate of
	// members_refresh_groups (migration 00007).
	_, err = tx.Exec(ctx, `INSERT INTO member_group_keys (member_id, sort_name, exit_date, group_count, first_group_key, group_words)
		SELECT m.id, m.sort_name, m.exit_date, coalesce(c.n, 0), c.first_key, coalesce(c.words, '')
		  FROM members m
		  LEFT JOIN (SELECT mg.member_id, count(*)::integer AS n, min(g.name_key) AS first_key,
		                    strip(tsvector_agg(g.search_vector)) AS words
		               FROM member_groups mg JOIN groups g ON g.id = mg.group_id
		              GROUP BY mg.member_id) c ON c.member_id = m.id
		 ORDER BY m.sort_name, m.id`)
	if err != nil {
		return res, fmt.Errorf("member group keys: %w", err)
	}
	for _, t := range []string{
		`ALTER TABLE members ENABLE TRIGGER members_group_keys_ins`,
		`ALTER TABLE custom_field_values ENABLE TRIGGER custom_field_values_cf_text_ins`,
		`ALTER TABLE member_groups ENABLE TRIGGER member_groups_changed_ins`,
		`ALTER TABLE member_groups ENABLE TRIGGER member_groups_history_ins`,
	} {
		if _, err := tx.Exec(ctx, t); err != nil {
			return res, fmt.Errorf("enable trigger: %w", err)
		}
	}
	if err := restore(); err != nil {
		return res, err
	}
	if len(groups) > 0 {
		ids := make([]pgtype.UUID, len(groups))
		counts := make([]int32, len(groups))
		for i, dg := range groups {
			ids[i], counts[i] = dg.id, int32(dg.count)
		}
		_, err = tx.Exec(ctx, `UPDATE groups g SET member_count = t.n
			FROM unnest($1::uuid[], $2::int[]) AS t (id, n) WHERE g.id = t.id`, ids, counts)
		if err != nil {
			return res, fmt.Errorf("set group member counts: %w", err)
		}
	}
	return res, nil
}

// deferIndexes drops the secondary indexes and the foreign keys of
// the tables the demo fills, and returns a function that creates them
// again from their own definitions (read from the catalogue, so the
// schema stays exactly what the migrations made). Building an index once
// over all rows, and checking a foreign key with one join, is several
// times faster than maintaining them row by row during COPY. Unique
// indexes stay: they guard the data. All of it is transactional: a failed
// load rolls back to the original schema.
func deferIndexes(ctx context.Context, tx pgx.Tx) (restore func() error, err error) {
	const tables = `ARRAY['members', 'custom_field_values', 'member_groups', 'member_group_keys']::regclass[]`
	var drops, creates []string
	rows, err := tx.Query(ctx, `SELECT format('DROP INDEX %s', i.indexrelid::regclass), pg_get_indexdef(i.indexrelid)
		FROM pg_index i WHERE i.indrelid = ANY (`+tables+`) AND NOT i.indisunique AND NOT i.indisprimary
		ORDER BY i.indexrelid`)
	if err != nil {
		return nil, fmt.Errorf("read indexes: %w", err)
	}
	for rows.Next() {
		var drop, create string
		if err := rows.Scan(&drop, &create); err != nil {
			return nil, err
		}
		drops, creates = append(drops, drop), append(creates, create)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read indexes: %w", err)
	}
	rows, err = tx.Query(ctx, `SELECT format('ALTER TABLE %s DROP CONSTRAINT %I', c.conrelid::regclass, c.conname),
		format('ALTER TABLE %s ADD CONSTRAINT %I %s', c.conrelid::regclass, c.conname, pg_get_constraintdef(c.oid))
		FROM pg_constraint c WHERE c.contype = 'f' AND c.conrelid = ANY (`+tables+`) ORDER BY c.conname`)
	if err != nil {
		return nil, fmt.Errorf("read foreign keys: %w", err)
	}
	for rows.Next() {
		var drop, create string
		if err := rows.Scan(&drop, &create); err != nil {
			return nil, err
		}
		drops, creates = append(drops, drop), append(creates, create)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read foreign keys: %w", err)
	}
	drops = append(drops, `SET LOCAL maintenance_work_mem = '256MB'`)
	for _, d := range drops {
		if _, err := tx.Exec(ctx, d); err != nil {
			return nil, fmt.Errorf("%s: %w", d, err)
		}
	}
	return func() error {
		for _, c := range creates {
			if _, err := tx.Exec(ctx, c); err != nil {
				return fmt.Errorf("%s: %w", c, err)
			}
		}
		return nil
	}, nil
}

// groupPicker draws groups by weight without replacement.
type groupPicker struct {
	groups []*group
	cum    []float64
}

func newGroupPicker(groups []*group) *groupPicker {
	p := &groupPicker{groups: groups, cum: make([]float64, len(groups))}
	sum := 0.0
	for i, g := range groups {
		sum += g.weight
		p.cum[i] = sum
	}
	return p
}

func (p *groupPicker) pick(r *rand.Rand, k int) []*group {
	k = min(k, len(p.groups))
	out := make([]*group, 0, k)
	chosen := map[int]bool{}
	for tries := 0; len(out) < k; tries++ {
		var i int
		if tries < 50 {
			x := r.Float64() * p.cum[len(p.cum)-1]
			i = sort.SearchFloat64s(p.cum, x)
			i = min(i, len(p.groups)-1)
		} else {
			i = r.IntN(len(p.groups)) // heavy weights keep colliding: take any
		}
		if chosen[i] {
			continue
		}
		chosen[i] = true
		out = append(out, p.groups[i])
	}
	return out
}

// generator generates the data from one seeded random source, in a fixed
// order, so a seed always gives the same data.
type generator struct {
	r       *rand.Rand
	today   time.Time
	emails  map[string]bool
	idMilli uint64
}

func newGenerator(seed uint64, today time.Time) *generator {
	return &generator{
		r:      rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		today:  today,
		emails: map[string]bool{},
		// Ids are UUID v7 like the database's: the load time, then a
		// counter, so they are unique and in insertion order.
		idMilli: uint64(time.Now().UnixMilli()),
	}
}

// uuid returns a version 7 UUID for the kind-th table's n-th row.
func (g *generator) uuid(kind byte, n uint64) pgtype.UUID {
	var b [16]byte
	binary.BigEndian.PutUint64(b[0:8], g.idMilli<<16)
	b[6] = 0x70 // version 7
	b[7] = kind
	binary.BigEndian.PutUint64(b[8:16], n)
	b[8] = 0x80 | (b[8] & 0x3f) // RFC 9562 variant
	return pgtype.UUID{Bytes: b, Valid: true}
}

type member struct {
	first, last, phone, street, houseNumber, postalCode, city, country, notes string
	email                                                                     *string
	join                                                                      time.Time
	exit                                                                      *time.Time
}

func (g *generator) pickOf(list []string) string { return list[g.r.IntN(len(list))] }

func (g *generator) member() member {
	var m member
	// Most members have German names; a good third international ones.
	if g.r.IntN(100) < 62 {
		m.first, m.last = g.pickOf(firstNamesDE), g.pickOf(lastNamesDE)
	} else {
		m.first, m.last = g.pickOf(firstNamesIntl), g.pickOf(lastNamesIntl)
	}
	if g.r.IntN(100) < 90 {
		e := g.email(m.first, m.last)
		m.email = &e
	}
	if g.r.IntN(100) < 80 {
		m.phone = fmt.Sprintf("+49 %d %d", 30+g.r.IntN(9900), 100000+g.r.IntN(8999999))
	}
	c := cities[g.r.IntN(len(cities))]
	m.street = g.pickOf(streets)
	m.houseNumber = strconv.Itoa(1 + g.r.IntN(180))
	if g.r.IntN(10) == 0 {
		m.houseNumber += string(rune('a' + g.r.IntN(4)))
	}
	m.postalCode = fmt.Sprintf("%0*d", len(c.plz), mustAtoi(c.plz)+g.r.IntN(40))
	m.city, m.country = c.city, c.country
	// Join dates over 60 years, most of them recent.
	days := int(math.Pow(g.r.Float64(), 2) * 60 * 365)
	m.join = g.today.AddDate(0, 0, -days)
	switch x := g.r.IntN(100); {
	case x < 10: // former member: left between joining and today
		left := m.join.AddDate(0, 0, g.r.IntN(days+1))
		m.exit = &left
	case x < 11: // has given notice: leaves at the end of the year
		end := time.Date(g.today.Year(), 12, 31, 0, 0, 0, 0, time.UTC)
		if end.After(g.today) {
			m.exit = &end
		}
	}
	if g.r.IntN(5) == 0 {
		m.notes = g.pickOf(notes)
	}
	return m
}

func mustAtoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		panic(err)
	}
	return n
}

// email makes a unique address at an example domain (never a real one).
func (g *generator) email(first, last string) string {
	local := asciiName(first) + "." + asciiName(last)
	domain := g.pickOf(domains)
	e := local + "@" + domain
	for n := 2; g.emails[strings.ToLower(e)]; n++ {
		e = local + strconv.Itoa(n) + "@" + domain
	}
	g.emails[strings.ToLower(e)] = true
	return e
}

// asciiName makes a name usable in an email address: folded, letters only.
func asciiName(s string) string {
	var b strings.Builder
	for _, r := range slug.Fold(s) {
		if r >= 'a' && r <= 'z' {
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return "x"
	}
	return b.String()
}

// membershipCount draws how many groups a member is in: about 2.5 on average.
func (g *generator) membershipCount() int {
	switch x := g.r.IntN(100); {
	case x < 10:
		return 0
	case x < 25:
		return 1
	case x < 50:
		return 2
	case x < 70:
		return 3
	case x < 87:
		return 4
	default:
		return 5
	}
}

// customValue is member i's value for a demo field ("" for none), in the
// canonical form the member form stores.
func (g *generator) customValue(f field, i int, m member) string {
	switch f.name {
	case "Mitgliedsnummer":
		return strconv.Itoa(1000 + i)
	case "Beitragsart":
		if g.r.IntN(100) < 95 {
			return g.pickOf(feeTypes)
		}
	case "SEPA-Lastschrift":
		if g.r.IntN(100) < 70 {
			return "true"
		}
	case "Geburtsdatum":
		if g.r.IntN(100) < 85 {
			age := 6 + g.r.IntN(80)
			born := m.join.AddDate(-age, 0, -g.r.IntN(365))
			if born.Before(membership.MemberMinDate) {
				born = membership.MemberMinDate
			}
			return born.Format(time.DateOnly)
		}
	case "Notfallkontakt":
		if g.r.IntN(100) < 30 {
			return "notfall." + asciiName(m.last) + strconv.Itoa(i) + "@example.net"
		}
	}
	return ""
}

// groupNames returns n distinct group names, shuffled so that size (by
// position) does not follow the alphabet.
func (g *generator) groupNames(n int) []string {
	names := slices.Clone(specialGroups)
	for _, s := range sports {
		for _, t := range teams {
			names = append(names, s+" "+t)
		}
	}
	base := len(names)
	for i := 0; len(names) < n; i++ {
		names = append(names, fmt.Sprintf("%s %d", names[i%base], 2+i/base))
	}
	g.r.Shuffle(len(names), func(i, j int) { names[i], names[j] = names[j], names[i] })
	return names[:n]
}

var firstNamesDE = []string{
	"Anna", "Emma", "Mia", "Sophie", "Marie", "Lena", "Lea", "Hannah", "Johanna", "Clara", "Jürgen", "Jörg",
	"Björn", "Sören", "Günther", "Uwe", "Klaus", "Hans", "Peter", "Wolfgang", "Thomas", "Michael", "Andreas",
	"Stefan", "Sabine", "Ute", "Birgit", "Monika", "Ursula", "Gisela", "Renate", "Maximilian", "Lukas", "Jonas",
	"Felix", "Paul", "Leon", "Finn", "Ben", "Elias", "Käthe", "Lüder", "Grete", "Jörn", "Anneliese", "Bärbel",
	"Dörte", "Hauke", "Malte", "Frauke", "Heinz", "Karin", "Petra", "Matthias", "Tobias", "Katharina", "Greta",
	"Frieda", "Anton", "Mathilda", "Emil", "Oskar", "Ida", "Jan", "Tim", "Nele", "Sönke", "Gesine",
}

var lastNamesDE = []string{
	"Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann",
	"Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf", "Schröder", "Neumann", "Schwarz", "Zimmermann",
	"Braun", "Krüger", "Hofmann", "Hartmann", "Lange", "Schmitt", "Werner", "Schmitz", "Krause", "Meier",
	"Lehmann", "Schmid", "Schulze", "Maier", "Köhler", "Herrmann", "König", "Walter", "Mayer", "Huber",
	"Kaiser", "Fuchs", "Peters", "Lang", "Scholz", "Möller", "Weiß", "Jung", "Hahn", "Schubert", "Vogel",
	"Friedrich", "Keller", "Günther", "Frank", "Berger", "Winkler", "Roth", "Beck", "Lorenz", "Baumann",
	"Franke", "Albrecht", "Schuster", "Simon", "Ludwig", "Böhm", "Winter", "Kraus", "Martin", "Schumacher",
	"Krämer", "Vogt", "Stein", "Jäger", "Otto", "Sommer", "Groß", "Seidel", "Heinrich", "Brandt", "Haas",
	"Schreiber", "Graf", "Schulte", "Dietrich", "Ziegler", "Kuhn", "Kühn", "Pohl", "Engel", "Horn", "Busch",
	"Bergmann", "Voigt", "Sauer", "Arnold", "Wolff", "Pfeiffer", "Mueller", "Müller-Lüdenscheidt",
	"von Weizsäcker", "Straßburger", "Döring", "Weißmüller", "Rößler", "Großmann", "Fröhlich", "Brückner",
}

var firstNamesIntl = []string{
	"Zoë", "Chloé", "Anaïs", "Hélène", "François", "Amélie", "Renée", "José", "María", "Inés", "Sebastián",
	"João", "Ana", "Łukasz", "Małgorzata", "Wojciech", "Zofia", "Agnieszka", "Piotr", "Mehmet", "Ayşe", "Emine",
	"Mustafa", "Elif", "Yusuf", "Zeynep", "Fatma", "Ahmet", "Søren", "Åsa", "Ingrid", "Bjørn", "Dragan",
	"Jovana", "Miloš", "Ljubica", "Giuseppe", "Giulia", "Francesca", "Luca", "Niccolò", "Dimitrios", "Eleni",
	"Nikolaos", "Aoife", "Siobhán", "Seán", "Oğuz", "Çağla", "Ömer", "Iñigo", "Noémie", "Thi Lan", "Minh",
	"Olamide", "Chidi", "Priya", "Arjun", "Sanne", "Daan",
}

var lastNamesIntl = []string{
	"Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Öztürk", "Aydın", "Özdemir", "Arslan", "Doğan", "Kowalski",
	"Nowak", "Wiśniewski", "Wójcik", "Kamińska", "Lewandowski", "Zieliński", "Dąbrowski", "Rossi", "Russo",
	"Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "García", "Fernández", "González", "Rodríguez",
	"López", "Martínez", "Sánchez", "Pérez", "Muñoz", "Gómez", "Jiménez", "Dubois", "Lefèvre", "Moreau",
	"Girard", "Bonnet", "Mercier", "Fontaine", "Papadopoulos", "Georgiou", "Nikolaidis", "Jensen", "Nielsen",
	"Hansen", "Sørensen", "Andersson", "Johansson", "Lindström", "Åberg", "Novák", "Dvořák", "Černý",
	"Procházková", "Horváth", "Nagy", "Kovačević", "Petrović", "Jovanović", "Nguyễn", "Trần", "Lê", "O'Brien",
	"Murphy", "Ó Súilleabháin", "Smith", "Jones", "de Jong", "van den Berg", "Okafor", "Adeyemi", "Sharma",
}

type city struct{ plz, city, country string }

var cities = []city{
	{"10115", "Berlin", "Deutschland"}, {"20095", "Hamburg", "Deutschland"}, {"80331", "München", "Deutschland"},
	{"50667", "Köln", "Deutschland"}, {"60311", "Frankfurt am Main", "Deutschland"}, {"70173", "Stuttgart", "Deutschland"},
	{"40213", "Düsseldorf", "Deutschland"}, {"04109", "Leipzig", "Deutschland"}, {"44135", "Dortmund", "Deutschland"},
	{"45127", "Essen", "Deutschland"}, {"28195", "Bremen", "Deutschland"}, {"01067", "Dresden", "Deutschland"},
	{"30159", "Hannover", "Deutschland"}, {"90402", "Nürnberg", "Deutschland"}, {"47051", "Duisburg", "Deutschland"},
	{"44787", "Bochum", "Deutschland"}, {"42103", "Wuppertal", "Deutschland"}, {"33602", "Bielefeld", "Deutschland"},
	{"53111", "Bonn", "Deutschland"}, {"48143", "Münster", "Deutschland"}, {"76133", "Karlsruhe", "Deutschland"},
	{"68159", "Mannheim", "Deutschland"}, {"86150", "Augsburg", "Deutschland"}, {"65183", "Wiesbaden", "Deutschland"},
	{"79098", "Freiburg im Breisgau", "Deutschland"}, {"93047", "Regensburg", "Deutschland"},
	{"37073", "Göttingen", "Deutschland"}, {"99084", "Erfurt", "Deutschland"}, {"24103", "Kiel", "Deutschland"},
	{"18055", "Rostock", "Deutschland"}, {"06108", "Halle (Saale)", "Deutschland"}, {"39104", "Magdeburg", "Deutschland"},
	{"66111", "Saarbrücken", "Deutschland"}, {"14467", "Potsdam", "Deutschland"}, {"89073", "Ulm", "Deutschland"},
	{"97070", "Würzburg", "Deutschland"}, {"21335", "Lüneburg", "Deutschland"}, {"72070", "Tübingen", "Deutschland"},
	{"1010", "Wien", "Österreich"}, {"8010", "Graz", "Österreich"}, {"8001", "Zürich", "Schweiz"}, {"3011", "Bern", "Schweiz"},
}

var streets = []string{
	"Hauptstraße", "Schulstraße", "Gartenstraße", "Bahnhofstraße", "Dorfstraße", "Bergstraße", "Birkenweg",
	"Lindenstraße", "Kirchstraße", "Waldstraße", "Ringstraße", "Schillerstraße", "Goethestraße", "Mühlenweg",
	"Am Sportplatz", "Rosenweg", "Jahnstraße", "Wiesenweg", "Königsallee", "Lessingstraße", "Mozartstraße",
	"Brückenstraße", "Feldstraße", "Am Mühlbach", "Blumenstraße", "Grüner Weg", "Weiherstraße", "Südring",
}

var domains = []string{"example.org", "example.com", "example.net", "verein.example", "beispiel.example"}

var feeTypes = []string{"Vollzahler", "Ermäßigt", "Familie", "Jugend", "Ehrenmitglied"}

var notes = []string{
	"Hilft beim Sommerfest.", "Übungsleiterlizenz C seit 2019.", "Bitte nur per E-Mail kontaktieren.",
	"Beitrag wird jährlich überwiesen.", "Interessiert an Vorstandsarbeit.", "Fährt den Vereinsbus.",
	"Allergie: Nüsse.", "Kassenprüfer 2023.", "Speaks English and Spanish.", "Ehemalige Jugendtrainerin.",
}

var specialGroups = []string{
	"Vorstand", "Kassenprüfer", "Ehrenmitglieder", "Übungsleiter", "Festausschuss", "Jugendausschuss",
	"Kinderturnen", "Eltern-Kind-Turnen", "Chor", "Theatergruppe",
}

var sports = []string{
	"Fußball", "Handball", "Tennis", "Tischtennis", "Schwimmen", "Leichtathletik", "Turnen", "Volleyball",
	"Basketball", "Badminton", "Judo", "Karate", "Yoga", "Radsport", "Rudern", "Kanu", "Schach", "Wandern",
	"Klettern", "Boule", "Tanzen", "Reiten", "Fechten", "Bogenschießen", "Gymnastik",
}

var teams = []string{
	"Herren", "Damen", "Jugend", "U8", "U10", "U12", "U14", "U16", "U18", "Senioren", "Mixed", "Anfänger",
	"Fortgeschrittene", "Freizeit", "Wettkampf",
}
