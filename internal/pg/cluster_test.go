package pg_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"mila/internal/pg"
	"mila/internal/testpg"
)

// clusterDir makes a directory the postgres user can reach (t.TempDir's
// parent is 0700 root's), removed after the test.
func clusterDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "mila-pgtest-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o711); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

func exec1(t *testing.T, c *pg.Cluster, sql string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, c.ConnString(pg.DatabaseName))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatal(err)
	}
}

// TestManagedCluster walks a cluster's life: first start (initdb), lock
// against a second user, restart reusing the data, a stale postmaster.pid,
// the server dying under us, and a cluster of another major version.
func TestManagedCluster(t *testing.T) {
	ctx := context.Background()
	// A name long enough that the socket must move to a short directory.
	dataDir := filepath.Join(clusterDir(t), strings.Repeat("d", 90))

	c, err := pg.StartManaged(ctx, dataDir, nil, pg.Fast())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(c.SocketDir(), os.TempDir()) || len(c.SocketDir()) > 40 {
		t.Errorf("socket dir %q: want a short fallback under %s", c.SocketDir(), os.TempDir())
	}
	t.Cleanup(func() { os.RemoveAll(c.SocketDir()) })
	exec1(t, c, "CREATE TABLE kept (x int); INSERT INTO kept VALUES (42)")

	// A second Mila on the same data dir is refused, naming the holder.
	_, err = pg.StartManaged(ctx, dataDir, nil)
	var locked *pg.LockedError
	if !errors.As(err, &locked) || locked.PID != os.Getpid() {
		t.Fatalf("second start: got %v, want LockedError with pid %d", err, os.Getpid())
	}
	if !strings.Contains(err.Error(), "another Mila is already running on data dir") {
		t.Errorf("lock message: %q", err)
	}

	if err := c.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case <-c.Exited():
	default:
		t.Fatal("Exited not closed after Stop")
	}
	if c.Err() != nil {
		t.Errorf("clean stop reported %v", c.Err())
	}

	// A server left running by a killed Mila (started here by hand, as if
	// its parent had died) is stopped cleanly and replaced.
	orphanDone := startOrphan(t, c)
	c, err = pg.StartManaged(ctx, dataDir, nil, pg.Fast())
	if err != nil {
		t.Fatalf("start with orphan: %v", err)
	}
	select {
	case <-orphanDone:
	default:
		t.Fatal("orphaned postgres still running")
	}
	if err := c.Stop(ctx); err != nil {
		t.Fatal(err)
	}

	// A postmaster.pid naming a dead process (as after a machine crash).
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	pidFile := filepath.Join(dataDir, "pg", "postmaster.pid")
	stale := strconv.Itoa(dead.Process.Pid) + "\n" + filepath.Join(dataDir, "pg") + "\n"
	if err := os.WriteFile(pidFile, []byte(stale), 0o600); err != nil {
		t.Fatal(err)
	}

	c, err = pg.StartManaged(ctx, dataDir, nil, pg.Fast())
	if err != nil {
		t.Fatalf("restart: %v", err)
	}
	var x int
	conn, err := pgx.Connect(ctx, c.ConnString(pg.DatabaseName))
	if err != nil {
		t.Fatal(err)
	}
	if err := conn.QueryRow(ctx, "SELECT x FROM kept").Scan(&x); err != nil || x != 42 {
		t.Fatalf("data not kept across restart: %v %d", err, x)
	}
	conn.Close(ctx)

	// The server dying is reported through Exited/Err.
	data, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(strings.SplitN(string(data), "\n", 2)[0])
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	select {
	case <-c.Exited():
	case <-time.After(time.Minute):
		t.Fatal("Exited not closed after postgres was killed")
	}
	if c.Err() == nil {
		t.Error("Err is nil after postgres was killed")
	}
	if err := c.Stop(ctx); err != nil {
		t.Fatal(err)
	}

	// A cluster made by another major version is reported, not touched.
	if err := os.WriteFile(filepath.Join(dataDir, "pg", "PG_VERSION"), []byte("9\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = pg.StartManaged(ctx, dataDir, nil)
	var vm *pg.VersionMismatchError
	if !errors.As(err, &vm) || vm.ClusterMajor != 9 {
		t.Fatalf("other major version: got %v", err)
	}
	if !strings.Contains(err.Error(), "PostgreSQL 9") {
		t.Errorf("message does not name the version: %q", err)
	}
}

// startOrphan runs the stopped cluster's server outside any Cluster and
// waits until it accepts connections; the channel closes when it exits.
func startOrphan(t *testing.T, c *pg.Cluster) <-chan struct{} {
	t.Helper()
	pgDir := filepath.Join(c.DataDir(), "pg")
	cmd := exec.Command(c.Binaries().Path("postgres"), "-D", pgDir,
		"-c", "listen_addresses=", "-c", "unix_socket_directories="+c.SocketDir())
	cmd.Dir = "/"
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Fatal(err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		cmd.SysProcAttr.Credential = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), Groups: []uint32{}}
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() { _ = cmd.Process.Kill(); <-done })
	for {
		conn, err := pgx.Connect(context.Background(), c.ConnString("postgres"))
		if err == nil {
			conn.Close(context.Background())
			return done
		}
		select {
		case <-done:
			t.Fatal("hand-started postgres exited")
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func TestStartManagedUnusableDir(t *testing.T) {
	file := filepath.Join(clusterDir(t), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := pg.StartManaged(context.Background(), filepath.Join(file, "data"), nil)
	var dd *pg.DataDirError
	if !errors.As(err, &dd) {
		t.Fatalf("got %v, want DataDirError", err)
	}

	if os.Geteuid() == 0 {
		// t.TempDir's parent is 0700: the postgres user cannot get through.
		_, err := pg.StartManaged(context.Background(), filepath.Join(t.TempDir(), "data"), nil)
		if !errors.As(err, &dd) || !strings.Contains(err.Error(), "chmod o+x") {
			t.Fatalf("data dir behind a 0700 directory: got %v", err)
		}
	}
}

func TestConnect(t *testing.T) {
	ctx := context.Background()
	pool := testpg.New(t)

	p, err := pg.Connect(ctx, testpg.ConnString(t, pool), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	p.Close()

	if _, err := pg.Connect(ctx, "postgres://%zz", time.Second); !errors.Is(err, pg.ErrInvalidConnString) {
		t.Errorf("bad string: got %v", err)
	}

	// Nothing listens on port 1: refused until the wait is over.
	_, err = pg.Connect(ctx, "postgres://mila@127.0.0.1:1/mila?connect_timeout=1", 300*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "cannot connect to the database") {
		t.Errorf("unreachable: got %v", err)
	}

	// A missing database will not appear by waiting: fail at once.
	missing := strings.Replace(testpg.ConnString(t, pool), "/"+testpg.DBName(pool), "/no_such_db", 1)
	start := time.Now()
	_, err = pg.Connect(ctx, missing, time.Hour)
	if err == nil || time.Since(start) > time.Minute {
		t.Errorf("missing database: got %v after %s", err, time.Since(start))
	}
}
