package pg

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// ErrInvalidConnString marks a connection string that cannot be parsed; it is
// an operator's typo, so the CLI reports it as a configuration error.
var ErrInvalidConnString = errors.New("invalid database connection string")

// Connect opens a pool and waits, retrying with backoff for up to maxWait,
// until the server answers. The retry covers a database that starts together
// with Mila (containers, boot); errors no retry can fix, such as a wrong
// password or a missing database, end the wait at once.
func Connect(ctx context.Context, connString string, maxWait time.Duration) (*pgxpool.Pool, error) {
	cfg, err := PoolConfig(connString)
	if err != nil {
		return nil, err
	}
	return ConnectConfig(ctx, cfg, maxWait)
}

// PoolConfig parses connString into the pool configuration Mila uses:
// a connect timeout and the session settings below, unless the connection
// string sets them itself. Tools that need the same connections with a
// change (the benchmark adds a statement tracer) start from here.
func PoolConfig(connString string) (*pgxpool.Config, error) {
	cfg, err := pgxpool.ParseConfig(connString)
	if err != nil {
		// pgx redacts the password in its parse errors.
		return nil, fmt.Errorf("%w: %v", ErrInvalidConnString, err)
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		// Without a timeout a host that silently drops packets would hold
		// every request for minutes (the TCP timeout) before the friendly
		// "database unavailable" page; connect_timeout in the URL overrides.
		cfg.ConnConfig.ConnectTimeout = 5 * time.Second
	}
	if _, ok := cfg.ConnConfig.RuntimeParams["jit"]; !ok {
		// Mila's statements are short index lookups and page reads. Above
		// its cost threshold PostgreSQL would compile a query to machine
		// code first (tens of milliseconds) — a loss for every one of them,
		// measured in bench/ (docs/PERFORMANCE.md).
		cfg.ConnConfig.RuntimeParams["jit"] = "off"
	}
	return cfg, nil
}

// ConnectConfig is Connect with a configuration from PoolConfig.
func ConnectConfig(ctx context.Context, cfg *pgxpool.Config, maxWait time.Duration) (*pgxpool.Pool, error) {
	target := describe(&cfg.ConnConfig.Config)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open pool for %s: %w", target, err)
	}
	deadline := time.Now().Add(maxWait)
	delay := 100 * time.Millisecond
	for {
		pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err = pool.Ping(pctx)
		cancel()
		if err == nil {
			return pool, nil
		}
		if permanent(err) || time.Now().Add(delay).After(deadline) {
			pool.Close()
			return nil, fmt.Errorf("cannot connect to the database %s after %s: %v; check DATABASE_URL and that the server is running", target, maxWait, err)
		}
		select {
		case <-ctx.Done():
			pool.Close()
			return nil, ctx.Err()
		case <-time.After(delay):
		}
		delay = min(delay*2, 2*time.Second)
	}
}

// permanent reports server answers that waiting will not change.
func permanent(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "28P01", "28000", "3D000": // bad password, no access, no such database
			return true
		}
	}
	return false
}

// describe names a connection target without its password.
func describe(c *pgconn.Config) string {
	return fmt.Sprintf("%q on %s:%d as %q", c.Database, c.Host, c.Port, c.User)
}
