package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"mila/bench/internal/sysinfo"
	"mila/internal/pg"
)

// milaProc is the running `mila serve` under load.
type milaProc struct {
	cfg     config
	cmd     *exec.Cmd
	base    string // http://127.0.0.1:<port>
	logPath string
	waitErr chan error
	exited  chan struct{}

	mu     sync.Mutex
	rssMax int64
}

// milaEnv is the environment of every mila command: the managed cluster
// in the load's own data directory, whatever the caller's shell has set.
func milaEnv(c config) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "DATABASE_URL=") && !strings.HasPrefix(kv, "MILA_") {
			env = append(env, kv)
		}
	}
	return append(env, "MILA_DATA_DIR="+c.dataDir, "MILA_LOG_FORMAT=text")
}

// startMila starts `mila serve` on the data directory, its log (standard
// output and error) in <out>/load-serve.log, and waits until it is ready.
func startMila(ctx context.Context, c config) (*milaProc, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	m := &milaProc{cfg: c, base: "http://127.0.0.1:" + strconv.Itoa(port), logPath: filepath.Join(c.out, "load-serve.log"),
		waitErr: make(chan error, 1), exited: make(chan struct{})}
	logFile, err := os.Create(m.logPath)
	if err != nil {
		return nil, err
	}
	m.cmd = exec.Command(c.bin, "serve", "--listen", "127.0.0.1:"+strconv.Itoa(port), "--log-level", c.logLevel)
	m.cmd.Env = milaEnv(c)
	m.cmd.Stdout, m.cmd.Stderr = logFile, logFile
	if err := m.cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("start mila serve: %w", err)
	}
	go func() { m.waitErr <- m.cmd.Wait(); logFile.Close(); close(m.exited) }()
	logf("mila serve started (pid %d) on %s, data directory %s, log %s", m.cmd.Process.Pid, m.base, c.dataDir, m.logPath)

	client := &http.Client{Timeout: 5 * time.Second}
	deadline := time.Now().Add(2 * time.Minute) // the first start runs initdb
	for {
		res, err := client.Get(m.base + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				break
			}
		}
		select {
		case err := <-m.waitErr:
			m.waitErr <- err
			return nil, fmt.Errorf("mila serve exited: %v (see %s)", err, m.logPath)
		case <-ctx.Done():
			m.stop()
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			m.stop()
			return nil, fmt.Errorf("mila serve was not ready within two minutes (see %s)", m.logPath)
		}
	}
	go m.sampleRSS()
	return m, nil
}

// stop ends mila serve with SIGINT (a clean stop) and waits for it.
func (m *milaProc) stop() {
	if m.cmd == nil || m.cmd.Process == nil {
		return
	}
	select {
	case <-m.exited:
		return
	default:
	}
	_ = m.cmd.Process.Signal(os.Interrupt)
	select {
	case <-m.exited:
	case <-time.After(30 * time.Second):
		_ = m.cmd.Process.Kill()
		<-m.exited
	}
}

// alive reports whether mila serve still runs.
func (m *milaProc) alive() bool {
	select {
	case <-m.exited:
		return false
	default:
		return true
	}
}

// status reads a field of /proc/<pid>/status in bytes (VmRSS, VmHWM).
func (m *milaProc) status(field string) int64 {
	return sysinfo.ProcStatus(m.cmd.Process.Pid, field)
}

// sampleRSS records the largest VmRSS while the server runs.
func (m *milaProc) sampleRSS() {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-m.exited:
			return
		case <-t.C:
		}
		r := m.status("VmRSS")
		m.mu.Lock()
		m.rssMax = max(m.rssMax, r)
		m.mu.Unlock()
	}
}

func (m *milaProc) peakRSS() int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.rssMax
}

// openDB connects to the PostgreSQL of the running mila serve, through
// its Unix socket.
func openDB(ctx context.Context, dataDir string) (*pgxpool.Pool, error) {
	conn, err := pg.RunningConnString(dataDir, pg.DatabaseName)
	if err != nil {
		return nil, err
	}
	return pg.Connect(ctx, conn, 30*time.Second)
}

// dataSet is what was loaded, remembered in <out>/load-dataset.json so
// that a later run reuses it.
type dataSet struct {
	DataDir  string    `json:"data_dir"`
	Members  int       `json:"members"`
	Groups   int       `json:"groups"`
	Seed     uint64    `json:"seed"`
	LoadedAt time.Time `json:"loaded_at"`
	Seconds  float64   `json:"seconds"`
	Output   string    `json:"output"` // mila demo's summary line
	Reused   bool      `json:"-"`
}

// ensureDataSet runs `mila demo` (beside the running server) unless the
// same data set is there. Earlier load runs only add members, so "there"
// means at least as many members as asked for.
func ensureDataSet(ctx context.Context, c config, db *pgxpool.Pool) (dataSet, error) {
	want := dataSet{DataDir: c.dataDir, Members: c.members, Groups: c.groups, Seed: c.seed}
	marker := filepath.Join(c.out, "load-dataset.json")
	if !c.reload {
		var have dataSet
		if b, err := os.ReadFile(marker); err == nil && json.Unmarshal(b, &have) == nil &&
			have.DataDir == want.DataDir && have.Members == want.Members && have.Groups == want.Groups && have.Seed == want.Seed {
			var members, groups int
			err := db.QueryRow(ctx, `SELECT (SELECT count(*) FROM members), (SELECT count(*) FROM groups)`).Scan(&members, &groups)
			if err == nil && members >= c.members && groups >= c.groups {
				logf("data set already loaded (%d members, %d groups, seed %d): reused", members, groups, c.seed)
				have.Reused = true
				return have, nil
			}
		}
	}
	_ = os.Remove(marker)
	logf("loading: mila demo --members %d --groups %d --seed %d --force", c.members, c.groups, c.seed)
	began := time.Now()
	cmd := exec.CommandContext(ctx, c.bin, "demo", "--members", strconv.Itoa(c.members), "--groups", strconv.Itoa(c.groups),
		"--seed", strconv.FormatUint(c.seed, 10), "--force", "--log-level", "warn")
	cmd.Env = milaEnv(c)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return want, fmt.Errorf("mila demo: %v\n%s", err, out)
	}
	want.Seconds = time.Since(began).Seconds()
	want.LoadedAt = time.Now().UTC()
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	want.Output = strings.TrimSpace(lines[len(lines)-1])
	logf("%s (%.1f s wall)", want.Output, want.Seconds)
	b, _ := json.MarshalIndent(want, "", "  ")
	return want, os.WriteFile(marker, b, 0o644)
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// command runs a program, passing its output through on failure.
func command(ctx context.Context, env []string, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return fmt.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
		}
		return err
	}
	return nil
}
