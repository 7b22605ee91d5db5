package testpg_test

import (
	"context"
	"testing"

	"mila/internal/pg"
	"mila/internal/testpg"
)

func TestMain(m *testing.M) { testpg.Main(m) }

func TestNewIsMigratedAndIsolated(t *testing.T) {
	ctx := context.Background()
	a, b := testpg.New(t), testpg.New(t)
	if testpg.DBName(a) == testpg.DBName(b) {
		t.Fatal("two tests share a database")
	}
	if err := pg.MigrationsCurrent(ctx, a); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Exec(ctx, "CREATE TABLE only_in_a (x int)"); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := b.QueryRow(ctx, "SELECT count(*) FROM pg_class WHERE relname = 'only_in_a'").Scan(&n); err != nil || n != 0 {
		t.Fatalf("database b sees a's table: %v %d", err, n)
	}
}

func TestStopStartServer(t *testing.T) {
	ctx := context.Background()
	pool := testpg.New(t)
	c := testpg.Cluster(t)
	if err := c.StopServer(ctx); err != nil {
		t.Fatal(err)
	}
	if err := pool.Ping(ctx); err == nil {
		t.Fatal("ping succeeded with the server stopped")
	}
	if err := c.StartServer(ctx); err != nil {
		t.Fatal(err)
	}
	if err := pool.Ping(ctx); err != nil {
		t.Fatalf("ping after restart: %v", err)
	}
}

// BenchmarkNew measures what a test pays for its own database: clone the
// template and connect (the drops run at the end, through Cleanup).
func BenchmarkNew(b *testing.B) {
	testpg.Cluster(b) // start-up is paid once per binary, not per test
	for b.Loop() {
		pool := testpg.New(b)
		if err := pool.Ping(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}
