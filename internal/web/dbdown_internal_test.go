package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"mila/internal/authz"
	"mila/internal/testpg"
)

// TestDBUnavailableErr pins which errors count as "database unavailable"
// (503 page) and which stay what they were (404, 403, 500).
func TestDBUnavailableErr(t *testing.T) {
	// A real connect error: a socket directory that does not exist.
	cctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, connErr := pgconn.Connect(cctx, "host=/nonexistent-mila-socket-dir port=5432 user=x dbname=y sslmode=disable")
	if connErr == nil {
		t.Fatal("connecting to a missing socket worked")
	}
	// A connection the server refuses: the database does not exist.
	_, refused := pgconn.Connect(cctx, testpg.Cluster(t).ConnString("no_such_database"))
	if refused == nil {
		t.Fatal("connecting to a missing database worked")
	}
	opErr := &net.OpError{Op: "read", Net: "unix", Err: syscall.ECONNRESET}
	pgErr := func(code string) error { return &pgconn.PgError{Severity: "FATAL", Code: code} }

	cases := []struct {
		name string
		err  error
		want bool
	}{
		{"connect error", connErr, true},
		{"wrapped connect error", fmt.Errorf("load session: %w", connErr), true},
		{"connection refused by the server (3D000)", refused, true},
		{"connection reset", fmt.Errorf("failed to receive message: %w", opErr), true},
		{"unexpected EOF", fmt.Errorf("failed to receive message: %w", io.ErrUnexpectedEOF), true},
		{"conn closed", fmt.Errorf("query: %w", pgconn.ErrConnClosed), true},
		{"acquire deadline", fmt.Errorf("acquire: %w", context.DeadlineExceeded), true},
		{"admin shutdown 57P01", pgErr("57P01"), true},
		{"crash shutdown 57P02", pgErr("57P02"), true},
		{"cannot connect now 57P03", pgErr("57P03"), true},
		{"connection failure 08006", pgErr("08006"), true},
		{"too many connections 53300", pgErr("53300"), true},

		{"nil", nil, false},
		{"visitor went away", fmt.Errorf("query: %w", context.Canceled), false},
		{"no rows", pgx.ErrNoRows, false},
		{"unique violation", pgErr("23505"), false},
		{"syntax error", pgErr("42601"), false},
		{"query canceled by statement_timeout", pgErr("57014"), false},
		{"forbidden", fmt.Errorf("x: %w", authz.ErrForbidden), false},
		{"plain error", errors.New("template broke"), false},
		{"file not found", &os.PathError{Op: "open", Path: "x", Err: syscall.ENOENT}, false},
	}
	for _, c := range cases {
		if got := dbUnavailableErr(c.err); got != c.want {
			t.Errorf("%s: dbUnavailableErr(%v) = %v, want %v", c.name, c.err, got, c.want)
		}
	}
	if got := statusFor(fmt.Errorf("list groups: %w", connErr)); got != http.StatusServiceUnavailable {
		t.Errorf("statusFor(connect error) = %d, want 503", got)
	}
}

// TestDBDownLogRateLimit: the first failure is logged, the next ones within
// dbLogEvery are counted and reported with the next line.
func TestDBDownLogRateLimit(t *testing.T) {
	var l dbDownLog
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if ok, n := l.take(t0); !ok || n != 0 {
		t.Fatalf("first: %v %d", ok, n)
	}
	for i := 1; i <= 3; i++ {
		if ok, _ := l.take(t0.Add(time.Duration(i) * time.Second)); ok {
			t.Fatalf("failure %d within the window was logged", i)
		}
	}
	if ok, n := l.take(t0.Add(dbLogEvery + time.Second)); !ok || n != 3 {
		t.Fatalf("after the window: %v %d, want true 3", ok, n)
	}
}
