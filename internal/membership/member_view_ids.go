package membership

import (
	"context"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"

	"mila/internal/authz"
	"mila/internal/pg"
)

// ViewIDs returns the ids of every member the overview view q lists (all
// its pages, the same filters and search as List), at most limit of
// them, in one statement — for a mailing "to the current view".
func (s *Members) ViewIDs(ctx context.Context, actor authz.Actor, q MemberQuery, limit int) ([]string, error) {
	q, page, filter, err := s.resolveGroup(ctx, actor, q)
	if err != nil {
		return nil, err
	}
	var sortable []CustomField
	if actor.Can(authz.CustomField, authz.Read) {
		fields, err := loadCustomFields(ctx, s.db, false)
		if err != nil {
			return nil, err
		}
		for _, f := range fields {
			if f.ShowInOverview {
				sortable = append(sortable, f)
			}
		}
	}
	page, b, l, terms, err := s.plan(ctx, actor, q, page, filter, sortable)
	if err != nil {
		return nil, err
	}
	b = b.clone()
	ids, ctes := memberIDsSQL(page, b, l, terms, sortable, false, true)
	sql := `WITH ` + ctes + `page AS MATERIALIZED (` + ids + `) SELECT id::text FROM page LIMIT ` + strconv.Itoa(limit)
	var db pg.Querier = s.db
	if b.forValues {
		db = pg.PlanForValues(s.db)
	}
	rows, err := db.Query(ctx, sql, b.args...)
	if err != nil {
		return nil, fmt.Errorf("member ids of a view: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("member ids of a view: %w", err)
	}
	return out, nil
}
