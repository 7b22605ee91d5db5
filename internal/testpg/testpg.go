// Package testpg gives tests a real PostgreSQL: one throwaway cluster per test
// binary, started on first use, with a migrated template database from which
// every test gets a fresh database of its own in milliseconds.
//
// Use it from TestMain:
//
//	func TestMain(m *testing.M) { testpg.Main(m) }
//
//	func TestX(t *testing.T) {
//		pool := testpg.New(t) // migrated, empty, dropped after the test
//	}
package testpg

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"mila/internal/pg"
)

const templateName = "mila_template"

var (
	mainCalled bool
	once       sync.Once
	cluster    *pg.Cluster
	dir        string
	startErr   error
	admin      *pgxpool.Pool
	seq        atomic.Int64
)

// Main runs the tests and removes the cluster afterwards. Call it from
// TestMain; the cluster only starts if a test asks for a database.
func Main(m *testing.M) {
	os.Exit(Run(m))
}

// Run is Main for a TestMain that has its own set-up and tear-down: it runs
// the tests, stops the cluster and returns the exit code.
func Run(m *testing.M) int {
	mainCalled = true
	code := m.Run()
	if err := shutdown(); err != nil {
		fmt.Fprintln(os.Stderr, "testpg:", err)
		if code == 0 {
			code = 1
		}
	}
	return code
}

func shutdown() error {
	var err error
	if admin != nil {
		admin.Close()
	}
	if cluster != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err = cluster.Stop(ctx)
		cancel()
	}
	if dir != "" {
		if rerr := os.RemoveAll(dir); rerr != nil && err == nil {
			err = rerr
		}
	}
	return err
}

func start() {
	ctx := context.Background()
	// A directory of our own rather than t.TempDir(): the postgres user must
	// pass through every parent, and the test temp root is 0700 root's.
	dir, startErr = os.MkdirTemp("", "mila-testpg-")
	if startErr != nil {
		return
	}
	if startErr = os.Chmod(dir, 0o711); startErr != nil {
		return
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	cluster, startErr = pg.StartManaged(ctx, dir, log, pg.Fast(), pg.WithSettings(map[string]string{
		// Many parallel tests, each with its own pool.
		"max_connections": "300",
		// Each clone writes the template to the WAL; keep that from
		// triggering checkpoints.
		"max_wal_size":       "4GB",
		"checkpoint_timeout": "1h",
	}))
	if startErr != nil {
		return
	}
	admin, startErr = pgxpool.New(ctx, cluster.ConnString("postgres"))
	if startErr != nil {
		return
	}
	startErr = buildTemplate(ctx)
}

// buildTemplate migrates the template database once per test binary.
func buildTemplate(ctx context.Context) error {
	if err := cluster.EnsureDatabase(ctx, templateName); err != nil {
		return err
	}
	pool, err := pgxpool.New(ctx, cluster.ConnString(templateName))
	if err != nil {
		return err
	}
	err = pg.Migrate(ctx, pool, nil)
	pool.Close() // CREATE DATABASE ... TEMPLATE needs the template unused
	if err != nil {
		return fmt.Errorf("migrate template database: %w", err)
	}
	// Refuse stray connections that would make cloning fail.
	_, err = admin.Exec(ctx, "ALTER DATABASE "+templateName+" WITH IS_TEMPLATE true ALLOW_CONNECTIONS false")
	return err
}

// Cluster returns the shared cluster, starting it if needed. Fault tests use
// it to stop and restart the server (StopServer / StartServer).
func Cluster(tb testing.TB) *pg.Cluster {
	tb.Helper()
	if !mainCalled {
		tb.Fatal("testpg: call testpg.Main(m) from TestMain in this package")
	}
	once.Do(start)
	if startErr != nil {
		tb.Fatalf("testpg: start PostgreSQL: %v", startErr)
	}
	return cluster
}

// New returns a pool on a fresh, fully migrated database that is dropped when
// the test ends.
func New(tb testing.TB) *pgxpool.Pool {
	tb.Helper()
	return create(tb, templateName)
}

// NewEmpty returns a pool on a fresh database with no migrations applied
// (for migration tests).
func NewEmpty(tb testing.TB) *pgxpool.Pool {
	tb.Helper()
	return create(tb, "template0")
}

// ConnString is the URL of the test database behind pool, for code (or a
// child process) that connects by itself.
func ConnString(tb testing.TB, pool *pgxpool.Pool) string {
	tb.Helper()
	return pool.Config().ConnString()
}

// DBName is the name of the test database behind pool.
func DBName(pool *pgxpool.Pool) string {
	return pool.Config().ConnConfig.Database
}

// adminExec runs a statement on the maintenance pool. A fault test may have
// restarted the server under the pool, so a dead connection is dropped and
// the statement tried once more.
func adminExec(ctx context.Context, sql string) error {
	_, err := admin.Exec(ctx, sql)
	var pgErr *pgconn.PgError
	if err != nil && !errors.As(err, &pgErr) {
		admin.Reset()
		_, err = admin.Exec(ctx, sql)
	}
	return err
}

func create(tb testing.TB, template string) *pgxpool.Pool {
	tb.Helper()
	c := Cluster(tb)
	ctx := context.Background()
	name := fmt.Sprintf("test_%d", seq.Add(1))
	ident := pgx.Identifier{name}.Sanitize()
	if err := adminExec(ctx, "CREATE DATABASE "+ident+" TEMPLATE "+pgx.Identifier{template}.Sanitize()+" STRATEGY WAL_LOG"); err != nil {
		tb.Fatalf("testpg: create database: %v", err)
	}
	pool, err := pgxpool.New(ctx, c.ConnString(name))
	if err != nil {
		tb.Fatalf("testpg: connect: %v", err)
	}
	tb.Cleanup(func() {
		pool.Close()
		// FORCE: a test may leave a connection open (e.g. a server under test).
		if err := adminExec(context.Background(), "DROP DATABASE IF EXISTS "+ident+" WITH (FORCE)"); err != nil {
			tb.Errorf("testpg: drop database %s: %v", name, err)
		}
	})
	return pool
}
