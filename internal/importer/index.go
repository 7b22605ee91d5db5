package importer

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"golang.org/x/text/unicode/norm"
)

// querier is a pool or a transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// index holds what a dry run looks up for every row, read once: the
// members' keys (email, unique custom values, name and birth date), the
// users' emails and links, and the groups. At 100,000 members it is a
// few maps of short strings, some tens of megabytes.
type index struct {
	byEmail     map[string][]string          // folded email → member ids (a household shares one)
	unique      map[string]map[string]string // unique field slug → value → member id
	byNameBirth map[string][]string          // nameBirthKey → member ids
	userByEmail map[string]string            // folded email → user id
	userOf      map[string]string            // member id → linked user id
	groups      map[string]string            // folded group name → id
}

func foldEmail(s string) string { return strings.ToLower(s) }

// nameBirthKey folds a name (Unicode NFC, case, inner spaces) so that
// "Jörg  Müller" typed on a Mac and on Windows finds the same member.
func nameBirthKey(first, last, birth string) string {
	f := func(s string) string { return strings.Join(strings.Fields(strings.ToLower(norm.NFC.String(s))), " ") }
	return f(first) + "\x00" + f(last) + "\x00" + birth
}

func foldGroup(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

func loadIndex(ctx context.Context, q querier, p *plan) (*index, error) {
	ix := &index{byEmail: map[string][]string{}, unique: map[string]map[string]string{},
		byNameBirth: map[string][]string{}, userByEmail: map[string]string{}, userOf: map[string]string{}, groups: map[string]string{}}
	rows, err := q.Query(ctx, `SELECT id, email::text FROM members WHERE email IS NOT NULL`)
	if err != nil {
		return nil, fmt.Errorf("read member emails: %w", err)
	}
	var id, s string
	_, err = pgx.ForEachRow(rows, []any{&id, &s}, func() error { k := foldEmail(s); ix.byEmail[k] = append(ix.byEmail[k], id); return nil })
	if err != nil {
		return nil, fmt.Errorf("read member emails: %w", err)
	}

	var uniqueIDs []string
	slugOf := map[string]string{}
	for _, f := range p.fields {
		if f.Unique {
			uniqueIDs = append(uniqueIDs, f.ID)
			slugOf[f.ID] = f.Slug
			ix.unique[f.Slug] = map[string]string{}
		}
	}
	if len(uniqueIDs) > 0 {
		rows, err := q.Query(ctx, `SELECT member_id, custom_field_id, value FROM custom_field_values WHERE custom_field_id = ANY ($1)`, uniqueIDs)
		if err != nil {
			return nil, fmt.Errorf("read unique values: %w", err)
		}
		var fid, v string
		_, err = pgx.ForEachRow(rows, []any{&id, &fid, &v}, func() error { ix.unique[slugOf[fid]][v] = id; return nil })
		if err != nil {
			return nil, fmt.Errorf("read unique values: %w", err)
		}
	}

	if p.opts.Match == MatchNameBirth {
		birth := p.bySlug[p.opts.BirthField]
		rows, err := q.Query(ctx, `SELECT m.id, m.first_name, m.last_name, v.value
			FROM members m JOIN custom_field_values v ON v.member_id = m.id AND v.custom_field_id = $1`, birth.ID)
		if err != nil {
			return nil, fmt.Errorf("read names and birth dates: %w", err)
		}
		var first, last, b string
		_, err = pgx.ForEachRow(rows, []any{&id, &first, &last, &b}, func() error {
			k := nameBirthKey(first, last, b)
			ix.byNameBirth[k] = append(ix.byNameBirth[k], id)
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("read names and birth dates: %w", err)
		}
	}

	rows, err = q.Query(ctx, `SELECT id, email::text, coalesce(member_id::text, '') FROM users`)
	if err != nil {
		return nil, fmt.Errorf("read users: %w", err)
	}
	var mid string
	_, err = pgx.ForEachRow(rows, []any{&id, &s, &mid}, func() error {
		ix.userByEmail[foldEmail(s)] = id
		if mid != "" {
			ix.userOf[mid] = id
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read users: %w", err)
	}

	rows, err = q.Query(ctx, `SELECT id, name FROM groups`)
	if err != nil {
		return nil, fmt.Errorf("read groups: %w", err)
	}
	_, err = pgx.ForEachRow(rows, []any{&id, &s}, func() error { ix.groups[foldGroup(s)] = id; return nil })
	if err != nil {
		return nil, fmt.Errorf("read groups: %w", err)
	}
	return ix, nil
}

// stored is a member as a dry run compares it: its values in the member
// form's text form.
type stored struct {
	id      string
	version int
	core    map[string]string // CoreFields → value ("" for none; dates yyyy-mm-dd)
	custom  map[string]string // slug → canonical value
	groups  map[string]bool   // folded names of its groups
}

// loadStored reads the members with ids, for the rows of one chunk.
func loadStored(ctx context.Context, q querier, ids []string) (map[string]*stored, error) {
	out := make(map[string]*stored, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := q.Query(ctx, `SELECT m.id, m.version, m.first_name, m.last_name, coalesce(m.email::text, ''), m.phone,
		m.street, m.house_number, m.postal_code, m.city, m.country, m.join_date, m.exit_date, m.notes,
		coalesce(cv.slugs, '{}'), coalesce(cv.vals, '{}'), coalesce(gr.names, '{}')
		FROM members m
		LEFT JOIN LATERAL (SELECT array_agg(f.slug) AS slugs, array_agg(v.value) AS vals
			FROM custom_field_values v JOIN custom_fields f ON f.id = v.custom_field_id WHERE v.member_id = m.id) cv ON true
		LEFT JOIN LATERAL (SELECT array_agg(g.name) AS names
			FROM member_groups mg JOIN groups g ON g.id = mg.group_id WHERE mg.member_id = m.id) gr ON true
		WHERE m.id = ANY ($1)`, ids)
	if err != nil {
		return nil, fmt.Errorf("read matched members: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		s := &stored{core: make(map[string]string, len(CoreFields)), custom: map[string]string{}, groups: map[string]bool{}}
		var first, last, email, phone, street, house, postal, city, country, notes string
		var join time.Time
		var exit *time.Time
		var slugs, vals, groups []string
		if err := rows.Scan(&s.id, &s.version, &first, &last, &email, &phone, &street, &house, &postal, &city, &country,
			&join, &exit, &notes, &slugs, &vals, &groups); err != nil {
			return nil, fmt.Errorf("read matched members: %w", err)
		}
		s.core["first_name"], s.core["last_name"], s.core["email"], s.core["phone"] = first, last, email, phone
		s.core["street"], s.core["house_number"], s.core["postal_code"] = street, house, postal
		s.core["city"], s.core["country"], s.core["notes"] = city, country, notes
		s.core["join_date"] = join.Format("2006-01-02")
		if exit != nil {
			s.core["exit_date"] = exit.Format("2006-01-02")
		} else {
			s.core["exit_date"] = ""
		}
		for i, sl := range slugs {
			s.custom[sl] = vals[i]
		}
		for _, g := range groups {
			s.groups[foldGroup(g)] = true
		}
		out[s.id] = s
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read matched members: %w", err)
	}
	return out, nil
}
