package pg

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// Querier runs statements: a *pgxpool.Pool, a *pgx.Conn or a pgx.Tx.
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// PlanForValues returns q for statements whose best plan depends on the
// values of their arguments (the members of a group of 40 or of 40,000, a
// rare or a common search word): PostgreSQL plans each of them for its
// values every time it runs.
//
// By default pgx prepares every statement once per connection, and after
// five runs PostgreSQL may settle on a generic plan, made for no value in
// particular — right for neither the small group nor the big one. Through
// PlanForValues a statement runs unprepared with pgx's cached description
// of it (pgx.QueryExecModeCacheDescribe), still in one round trip.
//
// It is a choice per statement, not a pool setting: planning every
// statement (plan_cache_mode = force_custom_plan on the connections)
// made a lookup of one member by id take 160 µs instead of 70 µs, and
// most of Mila's statements are such lookups, for which the generic plan
// is the right one.
func PlanForValues(q Querier) Querier { return valuePlanned{q} }

type valuePlanned struct{ q Querier }

// pgx reads an execution mode given as the first argument as an option
// for this statement, not as a value for $1.
func (v valuePlanned) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	return v.q.Query(ctx, sql, append([]any{pgx.QueryExecModeCacheDescribe}, args...)...)
}

func (v valuePlanned) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	return v.q.QueryRow(ctx, sql, append([]any{pgx.QueryExecModeCacheDescribe}, args...)...)
}
