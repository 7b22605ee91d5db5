package pg_test

import (
	"context"
	"testing"

	"mila/internal/pg"
	"mila/internal/testpg"
)

// TestPlanForValues: a statement through PlanForValues is not prepared
// on the server (so PostgreSQL plans it for its values each time); the
// same statement through the pool is.
func TestPlanForValues(t *testing.T) {
	db := testpg.New(t)
	ctx := context.Background()
	conn, err := db.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	prepared := func(sql string) bool {
		t.Helper()
		var n int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_prepared_statements WHERE statement = $1`, sql).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n > 0
	}
	const viaPlan, viaPool = `SELECT count(*) FROM members WHERE last_name = $1`, `SELECT count(*) FROM members WHERE first_name = $1`
	for range 3 {
		var n int
		if err := pg.PlanForValues(conn.Conn()).QueryRow(ctx, viaPlan, "Müller").Scan(&n); err != nil {
			t.Fatal(err)
		}
		rows, err := pg.PlanForValues(conn.Conn()).Query(ctx, viaPlan, "Schmidt")
		if err != nil {
			t.Fatal(err)
		}
		rows.Close()
		if err := conn.QueryRow(ctx, viaPool, "Anna").Scan(&n); err != nil {
			t.Fatal(err)
		}
	}
	if prepared(viaPlan) {
		t.Error("a statement through PlanForValues was prepared")
	}
	if !prepared(viaPool) {
		t.Error("the pool's statement was not prepared (the check would prove nothing)")
	}
}
