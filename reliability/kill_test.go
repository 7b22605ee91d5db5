package reliability

import (
	"context"
	"errors"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"mila/internal/membership"
	"mila/internal/testpg"
)

// TestKillDuringBulkAssignment kills `mila serve` with SIGKILL while the
// INSERT of a bulk "add these members to the group" is running inside
// PostgreSQL, and checks that the group then holds all of the members or
// none — never a part — with every counter consistent, and that Mila
// starts again on the same database.
//
// To kill *during* the statement rather than somewhere near it, the test
// holds a row lock on one of the members: the INSERT's foreign key check
// and count triggers wait for it, so the statement is provably in flight
// (pg_stat_activity shows it waiting) when Mila dies. Then the lock is
// released and PostgreSQL finds the client gone.
func TestKillDuringBulkAssignment(t *testing.T) {
	for _, n := range []int{1000, 10000} {
		t.Run(strconv.Itoa(n), func(t *testing.T) { killDuringBulkAssignment(t, n) })
	}
}

func killDuringBulkAssignment(t *testing.T, n int) {
	ctx := context.Background()
	db := testpg.New(t)
	ids := insertMembers(t, db, n)
	var groupID string
	if err := db.QueryRow(ctx, `INSERT INTO groups (name, slug) VALUES ('Bulk', 'bulk') RETURNING id`).Scan(&groupID); err != nil {
		t.Fatal(err)
	}

	env := []string{
		"DATABASE_URL=" + testpg.ConnString(t, db),
		"MILA_ADMIN_EMAIL=" + adminEmail,
		"MILA_ADMIN_PASSWORD=" + adminPassword,
	}
	p := startMila(t, env)
	c := signedInClient(t, p.URL)

	// Hold the lock the INSERT will need.
	blocker, err := db.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer blocker.Rollback(ctx) //nolint:errcheck // released below; this is for early failures
	if _, err := blocker.Exec(ctx, `SELECT 1 FROM members WHERE id = (SELECT id FROM members ORDER BY id DESC LIMIT 1) FOR UPDATE`); err != nil {
		t.Fatal(err)
	}

	form := url.Values{"member_id": ids}
	posted := make(chan string, 1)
	go func() {
		res, err := c.PostForm(p.URL+"/groups/bulk/members", form)
		if err != nil {
			posted <- "error: " + err.Error() // expected: the process dies
			return
		}
		res.Body.Close()
		posted <- "status " + strconv.Itoa(res.StatusCode)
	}()

	// Wait until the INSERT is running (and waiting for our lock).
	var pid int
	deadline := time.Now().Add(60 * time.Second)
	for pid == 0 {
		select {
		case got := <-posted:
			if got == "status 400" {
				t.Skipf("POST /groups/{slug}/members refuses %d member ids at once (groupAddMax in internal/web/group_members.go); "+
					"this size runs once the route accepts it", n)
			}
			t.Fatalf("the bulk add finished before it could be interrupted: %s", got)
		default:
		}
		err := db.QueryRow(ctx, `SELECT pid FROM pg_stat_activity
			WHERE datname = current_database() AND pid <> pg_backend_pid()
			  AND state = 'active' AND wait_event_type = 'Lock'
			  AND query LIKE 'INSERT INTO member_groups%'`).Scan(&pid)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			t.Fatal("the bulk INSERT never showed up in pg_stat_activity")
		}
		if pid == 0 {
			time.Sleep(5 * time.Millisecond)
		}
	}

	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if err := p.wait(t, time.Minute); err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("mila serve did not die of SIGKILL: %v", err)
	}
	if err := blocker.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	// The backend carries on until it notices its client is gone, then
	// rolls back. Wait for it to end before looking.
	deadline = time.Now().Add(60 * time.Second)
	for {
		var alive bool
		if err := db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid = $1)`, pid).Scan(&alive); err != nil {
			t.Fatal(err)
		}
		if !alive {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the killed Mila's backend (pid %d) is still there", pid)
		}
		time.Sleep(10 * time.Millisecond)
	}

	rows := assertAllOrNothing(t, db, groupID, n)
	t.Logf("after SIGKILL the group has %d of %d members", rows, n)

	// Mila starts again on the same database, and what it shows agrees.
	p2 := startMila(t, env)
	waitReady(t, p2.URL)
	c2 := signedInClient(t, p2.URL)
	res, err := c2.Get(p2.URL + "/groups/bulk")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /groups/bulk after the restart: %d", res.StatusCode)
	}
	if again := assertAllOrNothing(t, db, groupID, n); again != rows {
		t.Fatalf("the group changed across the restart: %d, then %d", rows, again)
	}
	p2.stop(t)
}

// assertAllOrNothing checks the group holds 0 or n members and that every
// denormalised counter agrees with the rows; it returns the row count.
func assertAllOrNothing(t *testing.T, db *pgxpool.Pool, groupID string, n int) int {
	t.Helper()
	ctx := context.Background()
	var rows, count int
	if err := db.QueryRow(ctx, `SELECT (SELECT count(*) FROM member_groups WHERE group_id = $1),
		(SELECT member_count FROM groups WHERE id = $1)`, groupID).Scan(&rows, &count); err != nil {
		t.Fatal(err)
	}
	if rows != 0 && rows != n {
		t.Fatalf("the group has %d of %d members: a partial bulk assignment survived", rows, n)
	}
	if count != rows {
		t.Fatalf("groups.member_count is %d, but %d memberships exist", count, rows)
	}
	if err := membership.CheckGroupConsistency(ctx, db); err != nil {
		t.Fatal(err)
	}
	return rows
}

// insertMembers adds n members in one statement and returns their ids.
func insertMembers(t *testing.T, db *pgxpool.Pool, n int) []string {
	t.Helper()
	var ids []string
	err := db.QueryRow(context.Background(), `WITH m AS (
		INSERT INTO members (first_name, last_name, email)
		SELECT 'Member' || i, 'Bulk', 'member' || i || '@example.org' FROM generate_series(1, $1) i
		RETURNING id)
		SELECT array_agg(id::text ORDER BY id) FROM m`, n).Scan(&ids)
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// signedInClient signs in as the admin on a running `mila serve`.
func signedInClient(t *testing.T, base string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 2 * time.Minute,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.PostForm(base+"/sign-in", url.Values{"email": {adminEmail}, "password": {adminPassword}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in: status %d, want 303", res.StatusCode)
	}
	return c
}

// TestManagedPostgresKilled kills the managed PostgreSQL under `mila
// serve`: Mila must say so in one clear log line, exit non-zero (so a
// service manager restarts it), and the next `mila serve` on the same
// data directory must start cleanly — crash recovery, stale pid file and
// socket included.
func TestManagedPostgresKilled(t *testing.T) {
	t.Parallel()
	dataDir := filepath.Join(scratchDir(t), "data")
	p := startMila(t, nil, "--data-dir", dataDir)
	waitReady(t, p.URL)

	pid := postmasterPID(t, dataDir)
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	err := p.wait(t, time.Minute)
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() == 0 {
		t.Fatalf("mila serve ended with %v, want a non-zero exit code", err)
	}
	logs := p.logs.String()
	if !strings.Contains(logs, "the managed PostgreSQL stopped unexpectedly") {
		t.Fatalf("mila did not report the dead PostgreSQL:\n%s", logs)
	}
	if strings.Contains(logs, "goroutine ") || strings.Contains(logs, "panic") {
		t.Fatalf("mila died with a stack trace:\n%s", logs)
	}

	p2 := startMila(t, nil, "--data-dir", dataDir)
	waitReady(t, p2.URL)
	if pid2 := postmasterPID(t, dataDir); pid2 == pid {
		t.Fatalf("the same postmaster pid %d after the restart", pid)
	}
	p2.stop(t)
	if _, err := os.Stat(filepath.Join(dataDir, "pg", "postmaster.pid")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("postmaster.pid left behind after a clean stop (%v)", err)
	}
}

// postmasterPID reads the server's pid from <data dir>/pg/postmaster.pid.
func postmasterPID(t *testing.T, dataDir string) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dataDir, "pg", "postmaster.pid"))
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(strings.SplitN(string(b), "\n", 2)[0]))
	if err != nil || pid <= 0 {
		t.Fatalf("postmaster.pid: %q", b)
	}
	return pid
}
