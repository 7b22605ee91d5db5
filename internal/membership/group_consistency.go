package membership

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// CheckGroupConsistency recomputes from scratch what the triggers of
// migration 00004 keep denormalised — groups.member_count and the members'
// group_count, group_names and first_group_key — and returns an error
// naming the first few rows that disagree (nil when all agree). It also
// looks for memberships whose member or group is gone. Tests and load
// tests run it after their writes; it reads everything, so it is not for
// production requests.
func CheckGroupConsistency(ctx context.Context, db *pgxpool.Pool) error {
	// One snapshot for all checks, so concurrent writers cannot make the
	// counts disagree between two queries.
	tx, err := db.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return fmt.Errorf("check group consistency: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // read-only

	var problems []error
	collect := func(what, sql string) error {
		rows, err := tx.Query(ctx, sql)
		if err != nil {
			return fmt.Errorf("check %s: %w", what, err)
		}
		lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return fmt.Errorf("check %s: %w", what, err)
		}
		for _, l := range lines {
			problems = append(problems, fmt.Errorf("%s: %s", what, l))
		}
		return nil
	}

	checks := []struct{ what, sql string }{
		{"groups.member_count", `
			SELECT format('group %s (%s) has member_count %s, counted %s', g.id, g.name, g.member_count, count(mg.id))
			  FROM groups g LEFT JOIN member_groups mg ON mg.group_id = g.id
			 GROUP BY g.id
			HAVING g.member_count <> count(mg.id)
			 ORDER BY g.id LIMIT 10`},
		// The same aggregate as members_refresh_groups in 00004.
		{"members group keys", `
			WITH calc AS (
			  SELECT m.id,
			         coalesce(string_agg(g.name, ' ' ORDER BY search_key(g.name), g.name), '') AS names,
			         count(g.id)::integer AS n,
			         min(search_key(g.name)) AS first_key
			    FROM members m
			    LEFT JOIN member_groups mg ON mg.member_id = m.id
			    LEFT JOIN groups g ON g.id = mg.group_id
			   GROUP BY m.id)
			SELECT format('member %s has group_count %s, group_names %L, first_group_key %L; counted %s, %L, %L',
			              m.id, m.group_count, m.group_names, m.first_group_key, c.n, c.names, c.first_key)
			  FROM members m JOIN calc c ON c.id = m.id
			 WHERE m.group_count <> c.n OR m.group_names <> c.names OR m.first_group_key IS DISTINCT FROM c.first_key
			 ORDER BY m.id LIMIT 10`},
		{"orphan memberships", `
			SELECT format('membership %s points at member %s / group %s that do not both exist', mg.id, mg.member_id, mg.group_id)
			  FROM member_groups mg
			 WHERE NOT EXISTS (SELECT 1 FROM members m WHERE m.id = mg.member_id)
			    OR NOT EXISTS (SELECT 1 FROM groups g WHERE g.id = mg.group_id)
			 ORDER BY mg.id LIMIT 10`},
	}
	for _, c := range checks {
		if err := collect(c.what, c.sql); err != nil {
			return err
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("group data inconsistent: %w", errors.Join(problems...))
	}
	return nil
}
