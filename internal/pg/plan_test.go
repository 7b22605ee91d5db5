package pg_test

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5"

	"mila/internal/pg"
	"mila/internal/testpg"
)

// TestPlanForValues: a statement through PlanForValues is planned for its
// values every time it runs (custom plans only), where the same kind of
// statement through the connection settles on a generic plan; the setting
// ends with the statement, also when it fails.
func TestPlanForValues(t *testing.T) {
	db := testpg.New(t)
	ctx := context.Background()
	conn, err := db.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	plans := func(sql string) (generic, custom int) {
		t.Helper()
		if err := conn.QueryRow(ctx, `SELECT coalesce(sum(generic_plans), 0), coalesce(sum(custom_plans), 0)
			FROM pg_prepared_statements WHERE statement = $1`, sql).Scan(&generic, &custom); err != nil {
			t.Fatal(err)
		}
		return generic, custom
	}
	mode := func() string {
		t.Helper()
		var m string
		if err := conn.QueryRow(ctx, `SELECT current_setting('plan_cache_mode')`).Scan(&m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	const viaPlan, viaConn = `SELECT count(*) FROM members WHERE last_name = $1`, `SELECT count(*) FROM members WHERE first_name = $1`
	for range 8 {
		var n int
		if err := pg.PlanForValues(conn.Conn()).QueryRow(ctx, viaPlan, "Müller").Scan(&n); err != nil {
			t.Fatal(err)
		}
		rows, err := pg.PlanForValues(conn.Conn()).Query(ctx, viaPlan, "Schmidt")
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if err := conn.QueryRow(ctx, viaConn, "Anna").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if m := mode(); m != "auto" {
			t.Fatalf("plan_cache_mode after a statement through PlanForValues = %q, want auto", m)
		}
	}
	if generic, custom := plans(viaPlan); generic != 0 || custom != 16 {
		t.Errorf("through PlanForValues: %d generic and %d custom plans, want 0 and 16", generic, custom)
	}
	if generic, _ := plans(viaConn); generic == 0 {
		t.Error("the connection's own statement never got a generic plan (the check would prove nothing)")
	}

	// A failing statement: the error comes back, the setting is gone.
	if _, err := pg.PlanForValues(conn.Conn()).Query(ctx, `SELECT no_such_column FROM members`); err == nil {
		t.Error("a bad statement through PlanForValues: no error")
	}
	var n int
	if err := pg.PlanForValues(conn.Conn()).QueryRow(ctx, `SELECT 1/$1::int`, 0).Scan(&n); err == nil {
		t.Error("division by zero through PlanForValues: no error")
	}
	if m := mode(); m != "auto" {
		t.Errorf("plan_cache_mode after a failed statement = %q, want auto", m)
	}

	// Through the pool: QueryRow's semantics, the connection back in the pool.
	var id string
	if err := pg.PlanForValues(db).QueryRow(ctx, `SELECT id::text FROM members WHERE last_name = $1`, "Niemand").Scan(&id); !errors.Is(err, pgx.ErrNoRows) {
		t.Errorf("no row through PlanForValues on the pool: %v, want ErrNoRows", err)
	}
	for range 2 * int(db.Config().MaxConns) {
		if err := pg.PlanForValues(db).QueryRow(ctx, `SELECT $1::int`, 7).Scan(&n); err != nil || n != 7 {
			t.Fatalf("through the pool: %d, %v", n, err)
		}
	}

	// In a transaction the setting lasts to its end, not beyond.
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := pg.PlanForValues(tx).QueryRow(ctx, `SELECT $1::int`, 1).Scan(&n); err != nil {
		t.Fatal(err)
	}
	var inTx string
	if err := tx.QueryRow(ctx, `SELECT current_setting('plan_cache_mode')`).Scan(&inTx); err != nil {
		t.Fatal(err)
	}
	if inTx != "force_custom_plan" {
		t.Errorf("in the transaction plan_cache_mode = %q", inTx)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if m := mode(); m != "auto" {
		t.Errorf("plan_cache_mode after the transaction = %q, want auto", m)
	}
}
