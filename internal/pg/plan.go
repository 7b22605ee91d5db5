package pg

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
)

// Querier runs statements: a *pgxpool.Pool, a *pgx.Conn or a pgx.Tx.
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

// PlanForValues returns q for statements whose best plan depends on the
// values of their arguments (the members of a group of 40 or of 40,000, a
// rare or a common search word): PostgreSQL plans each of them for its
// values every time it runs.
//
// pgx prepares every statement once per connection, and after five runs
// PostgreSQL may settle on a generic plan, made for no value in
// particular — right for neither the small group nor the big one.
// Through PlanForValues a statement runs with plan_cache_mode =
// force_custom_plan, set for it alone: the setting and the statement go
// in one batch (one round trip, one implicit transaction), and the
// setting is local to that transaction, so it ends with the statement —
// also when the statement fails. In an explicit transaction it lasts to
// the transaction's end.
//
// It is a choice per statement, not a pool setting: planning every
// statement (plan_cache_mode = force_custom_plan on the connections)
// made a lookup of one member by id take 160 µs instead of 70 µs, and
// most of Mila's statements are such lookups, for which the generic plan
// is the right one.
func PlanForValues(q Querier) Querier { return valuePlanned{q} }

type valuePlanned struct{ q Querier }

// customPlans is the setting, local to the transaction (the batch's
// implicit one); set_config rather than SET LOCAL, which PostgreSQL
// ignores outside an explicit transaction block.
const customPlans = `SELECT set_config('plan_cache_mode', 'force_custom_plan', true)`

func (v valuePlanned) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	b := &pgx.Batch{}
	b.Queue(customPlans)
	b.Queue(sql, args...)
	br := v.q.SendBatch(ctx, b)
	if _, err := br.Exec(); err != nil {
		return nil, errors.Join(err, br.Close())
	}
	rows, err := br.Query()
	if err != nil {
		return nil, errors.Join(err, br.Close())
	}
	return &batchRows{Rows: rows, br: br}, nil
}

func (v valuePlanned) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	rows, err := v.Query(ctx, sql, args...)
	return plannedRow{rows: rows, err: err}
}

// SendBatch sends b as it is: its statements are not planned for their
// values.
func (v valuePlanned) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	return v.q.SendBatch(ctx, b)
}

// batchRows are the rows of a batch's statement; closing them closes the
// batch (which releases a pool's connection).
type batchRows struct {
	pgx.Rows
	br       pgx.BatchResults
	closed   bool
	closeErr error
}

func (r *batchRows) Close() {
	if r.closed {
		return
	}
	r.closed = true
	r.Rows.Close()
	r.closeErr = r.br.Close()
}

func (r *batchRows) Next() bool {
	if r.Rows.Next() {
		return true
	}
	r.Close()
	return false
}

func (r *batchRows) Err() error {
	if err := r.Rows.Err(); err != nil {
		return err
	}
	return r.closeErr
}

// plannedRow is QueryRow's row: pgx's semantics (ErrNoRows, the first row
// of several).
type plannedRow struct {
	rows pgx.Rows
	err  error
}

func (r plannedRow) Scan(dest ...any) error {
	if r.err != nil {
		return r.err
	}
	defer r.rows.Close()
	if !r.rows.Next() {
		if err := r.rows.Err(); err != nil {
			return err
		}
		return pgx.ErrNoRows
	}
	if err := r.rows.Scan(dest...); err != nil {
		return err
	}
	r.rows.Close()
	return r.rows.Err()
}
