// Command load is Mila's bounded loopback load run: it
// starts `mila serve` on its own data directory with the demo data set
// (100,000 members, 300 groups by default), signs in 50 clients under
// four permission sets (admin, treasurer = normal_user, board =
// read_only, members = own_data linked to their record), lets them use
// every page for 60 seconds — 90% reads, 10% writes, each client with
// its own session — and then asserts that nothing went wrong:
//
//   - no 5xx answer, no transport error, no answer other than the one the
//     request expects (a 409 conflict of two concurrent edits of one member
//     is an expected, counted outcome);
//   - no log line at level ERROR (and no panic) in the server's log;
//   - the data is consistent: membership.CheckGroupConsistency, every
//     member count on /groups equals a recount of member_groups, and the
//     /members totals of several filters equal SQL counts from scratch.
//
// It prints the figures and writes them to <out>/load.md, and exits 1
// when a check fails.
//
//	make load                                   # or: go run ./bench/load
//	go run ./bench/load -members 10000 -duration 10s -clients 10   # quick
//
// The data directory (<out>/load-data) is Mila's managed PostgreSQL; the
// data set is loaded with `mila demo` once and reused by later runs with
// the same parameters (-reload loads it again). The run adds members,
// memberships and groups to it; that is fine for the next run.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"mila/bench/internal/harness"
)

type config struct {
	members, groups int
	seed            uint64
	duration        time.Duration
	clients         int
	writes          float64 // share of operations that write
	own             int     // own_data users (each linked to a member)
	out             string  // output directory
	dataDir         string  // Mila's data directory
	bin             string
	build           bool
	reload          bool
	logLevel        string // of mila serve
}

func main() {
	var c config
	flag.IntVar(&c.members, "members", 100_000, "members in the data set (mila demo --members)")
	flag.IntVar(&c.groups, "groups", 300, "groups in the data set (mila demo --groups)")
	flag.Uint64Var(&c.seed, "seed", 1, "random seed of the data set and of the clients")
	flag.DurationVar(&c.duration, "duration", 60*time.Second, "how long the clients run")
	flag.IntVar(&c.clients, "clients", 50, "concurrent clients, each with its own session")
	flag.Float64Var(&c.writes, "writes", 0.10, "share of operations that write (0..1)")
	flag.IntVar(&c.own, "own", 4, "own_data users linked to members (at most one client each)")
	flag.StringVar(&c.out, "out", "bench/out", "output directory (load.md, load-serve.log)")
	flag.StringVar(&c.dataDir, "data-dir", "", "Mila's data directory (default <out>/load-data)")
	flag.StringVar(&c.bin, "bin", "bin/mila", "the mila binary")
	flag.BoolVar(&c.build, "build", true, "build the mila binary first (go build ./cmd/mila)")
	flag.BoolVar(&c.reload, "reload", false, "load the data set again even if it is already there")
	flag.StringVar(&c.logLevel, "log-level", "info", "log level of mila serve (info logs every request)")
	flag.Parse()
	if c.dataDir == "" {
		c.dataDir = filepath.Join(c.out, "load-data")
	}
	if c.clients < 1 || c.writes < 0 || c.writes > 1 || c.duration <= 0 {
		fmt.Fprintln(os.Stderr, "load: -clients must be at least 1, -writes between 0 and 1, -duration positive")
		os.Exit(2)
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	ok, err := run(ctx, c)
	if err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
	if !ok {
		fmt.Fprintln(os.Stderr, "load: FAILED (see the checks above)")
		os.Exit(1)
	}
}

func run(ctx context.Context, c config) (bool, error) {
	if err := os.MkdirAll(c.out, 0o755); err != nil {
		return false, err
	}
	machine := harness.MachineLine()
	harness.Logf("machine: %s", machine)
	if c.build {
		if err := harness.Build(ctx, c.bin); err != nil {
			return false, err
		}
	}
	var err error
	if c.bin, err = filepath.Abs(c.bin); err != nil {
		return false, err
	}
	if c.dataDir, err = filepath.Abs(c.dataDir); err != nil {
		return false, err
	}

	m, err := startMila(ctx, c)
	if err != nil {
		return false, err
	}
	defer m.Stop()

	db, err := openDB(ctx, c.dataDir)
	if err != nil {
		return false, err
	}
	defer db.Close()

	ds, err := ensureDataSet(ctx, c, db)
	if err != nil {
		return false, err
	}
	world, err := prepare(ctx, c, m, db)
	if err != nil {
		return false, fmt.Errorf("prepare: %w", err)
	}

	rep := &report{cfg: c, machine: machine, dataSet: ds, started: time.Now().UTC()}
	if err := db.QueryRow(ctx, `SHOW server_version`).Scan(&rep.pgVersion); err != nil {
		return false, err
	}
	rep.before, err = counts(ctx, db)
	if err != nil {
		return false, err
	}

	stats, err := drive(ctx, c, m, world)
	if err != nil {
		return false, err
	}
	rep.stats = stats
	rep.rssPeak = m.PeakRSS()
	rep.hwm = m.Status("VmHWM")

	rep.after, err = counts(ctx, db)
	if err != nil {
		return false, err
	}
	rep.checks = verify(ctx, m, db, world, stats)
	m.Stop() // the log is complete only once the server has stopped
	logCheck, logSum := scanLog(m.LogPath)
	rep.checks = append(rep.checks, logCheck)
	rep.log = logSum
	rep.finished = time.Now().UTC()

	text := rep.markdown()
	fmt.Println()
	fmt.Print(text)
	path := filepath.Join(c.out, "load.md")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		return false, err
	}
	harness.Logf("results written to %s", path)
	return rep.ok(), nil
}
