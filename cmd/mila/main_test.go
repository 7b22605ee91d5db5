package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"mila/internal/testpg"
)

// milaBin is the command built once for all tests: they run it as a child
// process, as an operator would, to see real exit codes and output.
var milaBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "mila-cmdtest-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	milaBin = filepath.Join(dir, "mila")
	build := exec.Command("go", "build", "-o", milaBin, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build mila:", err)
		os.Exit(1)
	}
	code := testpg.Run(m)
	os.RemoveAll(dir)
	os.Exit(code)
}

// milaCmd prepares mila with a clean environment: none of the operator's
// MILA_* or DATABASE_URL settings leak into the test.
func milaCmd(t *testing.T, env []string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(milaBin, args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "MILA_") && !strings.HasPrefix(kv, "DATABASE_URL=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, env...)
	cmd.Dir = t.TempDir()
	return cmd
}

// ownDir is a directory the postgres system user can reach (t.TempDir's
// parent is 0700 root's).
func ownDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "mila-cmdtest-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o711); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

func procExit(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}

func TestUsageErrors(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	free := "MILA_LISTEN=127.0.0.1:0"

	tests := []struct {
		name string
		env  []string
		args []string
		want string
	}{
		{"unknown command", nil, []string{"frobnicate"}, `unknown command "frobnicate"`},
		{"unknown flag", nil, []string{"serve", "--frob"}, "flag provided but not defined: -frob"},
		{"stray argument", nil, []string{"serve", "now"}, `unexpected argument "now"`},
		{"bad log format", []string{"MILA_LOG_FORMAT=xml"}, []string{"serve"}, `MILA_LOG_FORMAT="xml" is not valid: use text or json`},
		{"bad log format flag", nil, []string{"serve", "--log-format", "xml"}, `--log-format="xml" is not valid`},
		{"relative base url", []string{"MILA_BASE_URL=mila.example.org"}, []string{"serve"}, `MILA_BASE_URL="mila.example.org" is not valid`},
		{"ftp base url", []string{"MILA_BASE_URL=ftp://mila.example.org"}, []string{"serve"}, `MILA_BASE_URL="ftp://mila.example.org" is not valid`},
		{"bad listen", []string{"MILA_LISTEN=4000"}, []string{"serve"}, `MILA_LISTEN="4000" is not valid`},
		{"bad db wait", []string{"MILA_DB_WAIT=soon"}, []string{"serve"}, `MILA_DB_WAIT="soon" is not valid`},
		{"bad trusted proxies", []string{"MILA_TRUSTED_PROXIES=10.0.0.0/8,proxy.local"}, []string{"serve"}, `MILA_TRUSTED_PROXIES="10.0.0.0/8,proxy.local" is not valid`},
		{"bad trusted proxies flag", nil, []string{"serve", "--trusted-proxies", "10.0.0.0/33"}, `--trusted-proxies="10.0.0.0/33" is not valid`},
		{"bad session idle", []string{"MILA_SESSION_IDLE=forever"}, []string{"serve"}, `MILA_SESSION_IDLE="forever" is not valid`},
		{"session idle past the lifetime", nil, []string{"serve", "--session-idle", "13h"}, `--session-idle="13h" is not valid`},
		{"port in use", []string{"MILA_LISTEN=" + busy.Addr().String()}, []string{"serve"}, busy.Addr().String() + " is already in use"},
		// Under a regular file, so even root cannot create it.
		{"unwritable data dir", []string{free, "MILA_DATA_DIR=" + filepath.Join(file, "data")}, []string{"serve"}, "is not usable"},
		{"bad database url", []string{free, "DATABASE_URL=postgres://%zz"}, []string{"serve"}, "invalid database connection string"},
		{"migrate without action", nil, []string{"migrate"}, "say what to do"},
		{"migrate unknown action", nil, []string{"migrate", "sideways"}, `unknown migrate action "sideways"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := milaCmd(t, tt.env, tt.args...)
			var stdout, stderr strings.Builder
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			if code := procExit(err); code != 2 {
				t.Errorf("exit code %d, want 2 (stderr %q)", code, stderr.String())
			}
			lines := strings.Split(strings.TrimRight(stderr.String(), "\n"), "\n")
			if len(lines) != 1 || !strings.Contains(lines[0], tt.want) {
				t.Errorf("stderr = %q, want one line containing %q", stderr.String(), tt.want)
			}
			if strings.Contains(stderr.String(), "goroutine") {
				t.Errorf("panic trace in output: %s", stderr.String())
			}
		})
	}
}

func TestHelpAndVersion(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"help"}, {"serve", "--help"}, {"migrate", "-h"}, {"version", "--help"}, {"help", "serve"}} {
		out, err := milaCmd(t, nil, args...).CombinedOutput()
		if err != nil || !strings.Contains(string(out), "Usage: mila") {
			t.Errorf("mila %v: %v\n%s", args, err, out)
		}
	}
	// Both commands share the database of a running `mila serve`; their
	// help no longer says to stop it.
	for _, args := range [][]string{{"demo", "--help"}, {"admin", "create", "--help"}} {
		out, err := milaCmd(t, nil, args...).CombinedOutput()
		if err != nil || strings.Contains(string(out), "stop `mila serve`") || !strings.Contains(string(out), "also works while `mila serve` runs") {
			t.Errorf("mila %v: %v\n%s", args, err, out)
		}
	}
	out, err := milaCmd(t, nil, "version").Output()
	if err != nil || !strings.HasPrefix(string(out), "mila dev") {
		t.Errorf("version: %v %q", err, out)
	}
}

// TestServeHelpStatesGCDefaults: the garbage collector defaults that
// `mila serve` sets are in its help, with the variables that override them.
func TestServeHelpStatesGCDefaults(t *testing.T) {
	out, err := milaCmd(t, nil, "serve", "--help").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"GOGC=1200", "GOMEMLIMIT=100MiB"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("serve --help does not say %s:\n%s", want, out)
		}
	}
}

// server is a running `mila serve`.
type server struct {
	cmd  *exec.Cmd
	url  string
	done chan struct{}
	err  error
	out  *strings.Builder
}

var runningRE = regexp.MustCompile(`Mila is running on (http://[^" ]+)`)

// startServe starts `mila serve` and waits for its "running" line.
func startServe(t *testing.T, env ...string) *server {
	t.Helper()
	cmd := milaCmd(t, append([]string{"MILA_LISTEN=127.0.0.1:0"}, env...), "serve")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &server{cmd: cmd, done: make(chan struct{}), out: &strings.Builder{}}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			s.out.WriteString(line + "\n")
			if m := runningRE.FindStringSubmatch(line); m != nil {
				found <- m[1]
			}
		}
		_, _ = io.Copy(io.Discard, stderr)
		s.err = cmd.Wait()
		close(s.done)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-s.done
	})
	select {
	case s.url = <-found:
		return s
	case <-s.done:
		t.Fatalf("mila serve exited before running (%v):\n%s", s.err, s.out)
	case <-time.After(2 * time.Minute):
		t.Fatalf("mila serve did not start:\n%s", s.out)
	}
	return nil
}

func (s *server) get(t *testing.T, path string) int {
	t.Helper()
	resp, err := http.Get(s.url + path)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// stop sends SIGTERM and returns the exit code.
func (s *server) stop(t *testing.T) int {
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	<-s.done
	return procExit(s.err)
}

// TestServeManaged runs the managed mode end to end: start, refuse a second
// Mila, survive a SIGKILL, stop cleanly on SIGTERM.
func TestServeManaged(t *testing.T) {
	data := "MILA_DATA_DIR=" + filepath.Join(ownDir(t), "data")
	s := startServe(t, data)
	if code := s.get(t, "/readyz"); code != 200 {
		t.Fatalf("/readyz = %d\n%s", code, s.out)
	}

	out, err := milaCmd(t, []string{data, "MILA_LISTEN=127.0.0.1:0"}, "serve").CombinedOutput()
	if procExit(err) != 2 || !strings.Contains(string(out), "another Mila is already running on data dir") ||
		!strings.Contains(string(out), fmt.Sprintf("(pid %d)", s.cmd.Process.Pid)) {
		t.Errorf("second serve: %v %q", err, out)
	}

	// Commands that only need the database work beside the running serve,
	// through its server; the data it writes is visible to serve at once.
	adminOut, err := milaCmd(t, []string{data, "MILA_ADMIN_PASSWORD=beside serve 123"}, "admin", "create", "--name", "Bea Beside", "--email", "beside@example.org").CombinedOutput()
	if err != nil || !strings.Contains(string(adminOut), "beside@example.org") {
		t.Errorf("admin create beside serve: %v %q", err, adminOut)
	}
	demoOut, err := milaCmd(t, []string{data}, "demo", "--members", "20").CombinedOutput()
	if err != nil || !strings.Contains(string(demoOut), "loaded 20 members") {
		t.Errorf("demo beside serve: %v %q", err, demoOut)
	}
	// Changing the schema under a running Mila is still refused.
	if out, err := milaCmd(t, []string{data}, "migrate", "down").CombinedOutput(); procExit(err) != 2 ||
		!strings.Contains(string(out), "another Mila is already running") {
		t.Errorf("migrate down beside serve: %v %q", err, out)
	}

	// Killed outright: the next start must recover by itself.
	if err := s.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-s.done
	s = startServe(t, data)
	if code := s.get(t, "/readyz"); code != 200 {
		t.Fatalf("/readyz after SIGKILL restart = %d\n%s", code, s.out)
	}
	if code := s.stop(t); code != 0 {
		t.Fatalf("exit code after SIGTERM = %d\n%s", code, s.out)
	}
	pidFile := filepath.Join(strings.TrimPrefix(data, "MILA_DATA_DIR="), "pg", "postmaster.pid")
	if _, err := os.Stat(pidFile); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("postgres still running after Mila stopped (%v)", err)
	}
}

func TestServeExternal(t *testing.T) {
	pool := testpg.NewEmpty(t)
	s := startServe(t, "DATABASE_URL="+testpg.ConnString(t, pool))
	if code := s.get(t, "/readyz"); code != 200 {
		t.Fatalf("/readyz = %d\n%s", code, s.out)
	}
	if code := s.stop(t); code != 0 {
		t.Fatalf("exit code after SIGTERM = %d\n%s", code, s.out)
	}
	var n int
	if err := pool.QueryRow(context.Background(), "SELECT count(*) FROM goose_db_version").Scan(&n); err != nil || n == 0 {
		t.Errorf("serve did not migrate the external database: %v %d", err, n)
	}
}

func TestServeExternalUnreachable(t *testing.T) {
	cmd := milaCmd(t, []string{"MILA_LISTEN=127.0.0.1:0", "MILA_DB_WAIT=500ms",
		"DATABASE_URL=postgres://mila@127.0.0.1:1/mila?connect_timeout=1"}, "serve")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	err := cmd.Run()
	if procExit(err) != 1 {
		t.Errorf("exit code %d, want 1", procExit(err))
	}
	last := strings.TrimSpace(stderr.String())
	if i := strings.LastIndex(last, "\n"); i >= 0 {
		last = last[i+1:]
	}
	if !strings.HasPrefix(last, "mila serve: cannot connect to the database") || !strings.Contains(last, "DATABASE_URL") {
		t.Errorf("last line %q", last)
	}
}

func TestMigrateCommand(t *testing.T) {
	pool := testpg.NewEmpty(t)
	env := []string{"DATABASE_URL=" + testpg.ConnString(t, pool)}
	run := func(args ...string) string {
		t.Helper()
		out, err := milaCmd(t, env, args...).Output()
		if err != nil {
			t.Fatalf("mila %v: %v", args, err)
		}
		return string(out)
	}
	if out := run("migrate", "status"); !strings.Contains(out, "pending") {
		t.Errorf("status before up:\n%s", out)
	}
	if out := run("migrate", "up"); !strings.Contains(out, "applied 00001_") {
		t.Errorf("up:\n%s", out)
	}
	if out := run("migrate", "up"); !strings.Contains(out, "up to date") {
		t.Errorf("second up:\n%s", out)
	}
	if out := run("migrate", "status"); strings.Contains(out, "pending") {
		t.Errorf("status after up:\n%s", out)
	}
	if out := run("migrate", "down"); !strings.Contains(out, "rolled back") {
		t.Errorf("down:\n%s", out)
	}
	if out := run("migrate", "status"); !strings.Contains(out, "pending") {
		t.Errorf("status after down:\n%s", out)
	}
}
