package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"mila/bench/internal/harness"
	"mila/internal/membership"
)

// bulkResult is one round of the bulk add and removal.
type bulkResult struct {
	add, remove time.Duration
	// end: POST /groups/{slug}/memberships/end of the same n members,
	// whose memberships began before today (ending keeps them as history).
	end time.Duration
}

type bulkReport struct {
	n      int
	rounds []bulkResult
	checks []string // what was verified afterwards
}

const bulkGroupName = "Bench Bulk"

// measureBulk adds n members to a group with one POST /groups/{slug}/members
// and removes them with one POST /members/groups/remove, rounds times, and
// checks after each step that search and the group keys are right.
func measureBulk(ctx context.Context, c config, m *milaProc, db *benchDB, p benchParams) (bulkReport, error) {
	rep := bulkReport{n: c.bulk}
	slug, err := bulkGroup(ctx, m, db)
	if err != nil {
		return rep, err
	}
	// Active members spread over the whole register, the same each run.
	rows, err := db.pool.Query(ctx, `SELECT id::text FROM members WHERE exit_date IS NULL
		ORDER BY md5(id::text) LIMIT $1`, c.bulk)
	if err != nil {
		return rep, err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return rep, err
	}
	if len(ids) < c.bulk {
		return rep, fmt.Errorf("only %d active members for a bulk of %d", len(ids), c.bulk)
	}
	add := url.Values{"member_id": ids}
	remove := url.Values{"member_id": ids, "group": {slug}, "return_to": {"/members"}}
	harness.Logf("bulk: %d memberships, %d rounds (request body %d KB)", c.bulk, c.bulkRounds, len(add.Encode())>>10)
	for round := range c.bulkRounds {
		var r bulkResult
		t := time.Now()
		if _, err := m.post("/groups/"+slug+"/members", add); err != nil {
			return rep, err
		}
		r.add = time.Since(t)
		if err := bulkCheck(ctx, db, slug, c.bulk); err != nil {
			return rep, fmt.Errorf("after adding: %w", err)
		}
		t = time.Now()
		if _, err := m.post("/members/groups/remove", remove); err != nil {
			return rep, err
		}
		r.remove = time.Since(t)
		if err := bulkCheck(ctx, db, slug, 0); err != nil {
			return rep, fmt.Errorf("after removing: %w", err)
		}
		// Bulk end (history): add again and date the memberships back
		// (not timed), then end them all in one request.
		if _, err := m.post("/groups/"+slug+"/members", add); err != nil {
			return rep, err
		}
		if _, err := db.pool.Exec(ctx, `UPDATE group_memberships SET valid_from = current_date - 30
			WHERE group_id = (SELECT id FROM groups WHERE slug = $1) AND valid_until IS NULL`, slug); err != nil {
			return rep, err
		}
		t = time.Now()
		if _, err := m.post("/groups/"+slug+"/memberships/end", url.Values{"member_id": ids}); err != nil {
			return rep, err
		}
		r.end = time.Since(t)
		if err := bulkCheck(ctx, db, slug, 0); err != nil {
			return rep, fmt.Errorf("after ending: %w", err)
		}
		var ended int
		if err := db.pool.QueryRow(ctx, `SELECT count(*) FROM group_memberships WHERE group_id = (SELECT id FROM groups WHERE slug = $1)
			AND valid_until = current_date`, slug).Scan(&ended); err != nil {
			return rep, err
		}
		if ended != c.bulk {
			return rep, fmt.Errorf("after ending: %d memberships end today, want %d", ended, c.bulk)
		}
		// The next round starts without this history.
		if _, err := db.pool.Exec(ctx, `DELETE FROM group_memberships WHERE group_id = (SELECT id FROM groups WHERE slug = $1)`, slug); err != nil {
			return rep, err
		}
		harness.Logf("bulk round %d: add %.0f ms, remove %.0f ms, end %.0f ms", round+1, harness.Ms(r.add), harness.Ms(r.remove), harness.Ms(r.end))
		rep.rounds = append(rep.rounds, r)
	}
	rep.checks = []string{
		fmt.Sprintf("after each add: the group counts %d members; searching its name finds exactly them (full text and the overview's search)", c.bulk),
		"after each removal: the group is empty and the search finds nobody",
		fmt.Sprintf("after each bulk end: the group is empty, the search finds nobody, and %d dated memberships end today", c.bulk),
		"after each step: every member's group_count, first_group_key and group_words and every group's member_count equal a recount from scratch (membership.CheckGroupConsistency)",
	}
	return rep, nil
}

// bulkGroup creates the bulk group through the web form, or empties it if
// an interrupted run left it behind.
func bulkGroup(ctx context.Context, m *milaProc, db *benchDB) (string, error) {
	var slug string
	err := db.pool.QueryRow(ctx, `SELECT slug FROM groups WHERE name = $1`, bulkGroupName).Scan(&slug)
	if errors.Is(err, pgx.ErrNoRows) {
		loc, err := m.post("/groups", url.Values{"name": {bulkGroupName}})
		if err != nil {
			return "", err
		}
		slug = strings.TrimPrefix(loc, "/groups/")
		if i := strings.IndexAny(slug, "?#"); i >= 0 {
			slug = slug[:i]
		}
		return slug, nil
	}
	if err != nil {
		return "", err
	}
	_, err = db.pool.Exec(ctx, `DELETE FROM member_groups WHERE group_id = (SELECT id FROM groups WHERE slug = $1)`, slug)
	return slug, err
}

// bulkCheck verifies the group has want members, that the search finds
// exactly them by the group's name, and that the denormalised keys agree
// with a recount.
func bulkCheck(ctx context.Context, db *benchDB, slug string, want int) error {
	var count, inGroup, found int
	err := db.pool.QueryRow(ctx, `SELECT g.member_count, (SELECT count(*) FROM member_groups mg WHERE mg.group_id = g.id),
		(SELECT count(*) FROM member_group_keys k WHERE k.group_words @@ to_tsquery('simple', 'bench:* & bulk:*'))
		FROM groups g WHERE g.slug = $1`, slug).Scan(&count, &inGroup, &found)
	if err != nil {
		return err
	}
	if count != want || inGroup != want || found != want {
		return fmt.Errorf("group has member_count %d, %d memberships, search finds %d; want %d", count, inGroup, found, want)
	}
	// The overview's own search (with the actor's view of it).
	page, err := membership.NewMembers(db.pool).List(ctx, benchAdmin, membership.MemberQuery{Q: bulkGroupName, Status: membership.MemberStatusAll, PerPage: 100})
	if err != nil {
		return err
	}
	if want == 0 && len(page.Rows) != 0 {
		return fmt.Errorf("the overview still finds %d members for %q", len(page.Rows), bulkGroupName)
	}
	if want > 0 {
		// Above MemberCountExactMax the total is the planner's estimate
		// ("about N"), which need not be close before the next ANALYZE;
		// the exact count is checked above.
		if len(page.Rows) != min(want, 100) || (!page.TotalIsEstimate && page.Total != want) {
			return fmt.Errorf("the overview's search for %q finds %d rows, total %d; want %d", bulkGroupName, len(page.Rows), page.Total, want)
		}
		for _, r := range page.Rows {
			ok := false
			for _, g := range r.Groups {
				ok = ok || g.Slug == slug
			}
			if !ok {
				return fmt.Errorf("the overview's search for %q finds member %s, who is not in the group", bulkGroupName, r.ID)
			}
		}
	}
	return membership.CheckGroupConsistency(ctx, db.pool)
}
