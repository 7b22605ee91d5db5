package membership

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// CheckGroupConsistency recomputes from scratch what the triggers of
// migrations 00004 and 00007 keep denormalised — groups.member_count, and
// each member's row in member_group_keys: group_count, first_group_key,
// group_words and the copies of sort_name and exit_date — and returns an
// error naming the first few rows that disagree (nil when all agree). It
// also looks for memberships whose member or group is gone and members
// without keys. Tests and load tests run it after their writes; it reads
// everything, so it is not for production requests.
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
		// The same aggregate as members_refresh_groups in 00007.
		{"member_group_keys", `
			WITH calc AS (
			  SELECT m.id, m.sort_name, m.exit_date,
			         count(g.id)::integer AS n,
			         min(g.name_key) AS first_key,
			         strip(tsvector_agg(g.search_vector)) AS words
			    FROM members m
			    LEFT JOIN member_groups mg ON mg.member_id = m.id
			    LEFT JOIN groups g ON g.id = mg.group_id
			   GROUP BY m.id)
			SELECT CASE WHEN k.member_id IS NULL THEN format('member %s has no member_group_keys row', c.id)
			       ELSE format('member %s has group_count %s, first_group_key %L, group_words %L, sort_name %L, exit_date %s; counted %s, %L, %L, %L, %s',
			              c.id, k.group_count, k.first_group_key, k.group_words, k.sort_name, k.exit_date,
			              c.n, c.first_key, c.words, c.sort_name, c.exit_date) END
			  FROM calc c LEFT JOIN member_group_keys k ON k.member_id = c.id
			 WHERE k.member_id IS NULL OR k.group_count <> c.n OR k.first_group_key IS DISTINCT FROM c.first_key
			    OR k.group_words <> c.words OR k.sort_name IS DISTINCT FROM c.sort_name OR k.exit_date IS DISTINCT FROM c.exit_date
			 ORDER BY c.id LIMIT 10`},
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
