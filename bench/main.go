// Command bench measures Mila at scale: it loads the demo data
// set (100,000 members, 300 groups by default), starts `mila serve` on it,
// and for each overview, search and group page measures latency over HTTP
// on loopback at concurrency 1 (p50, p95) and throughput at concurrency 8,
// and beside each the SQL floor: the very statements Mila ran for that
// page, replayed directly through pgx. It also times a bulk add and
// removal of 10,000 memberships (one request each), checks that search
// and the denormalised group keys are still right afterwards, and records
// Mila's resident memory during the concurrency-8 runs. Last, a second
// `mila serve` with mail set up sends a mailing to 10,000 members to an
// SMTP sink on loopback while the overview is measured on it (-mail).
// Then an admin imports a register of 100,000 rows through the web pages
// (upload, mapping, dry run, commit, undo) while another user reads the
// overview and a search page (-import; bench/importstep.go).
//
//	make bench                      # or: go run ./bench
//	go run ./bench -members 20000   # a quicker run while iterating
//
// Without DATABASE_URL it runs its own PostgreSQL (the same managed
// cluster `mila serve` uses) in bench/out/data and loads the data set
// once; a later run with the same parameters reuses it. With DATABASE_URL
// it uses that database and REPLACES its members and groups.
//
// Results go to stdout and bench/out/results.md.
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
	requests        int           // measured requests per page at concurrency 1
	warmup          int           // unmeasured requests before them
	duration        time.Duration // per page at concurrency 8
	concurrency     int
	bulk            int // memberships added and removed in one request each
	bulkRounds      int
	out             string // output directory
	bin             string // the mila binary
	build           bool   // build bin first
	reload          bool   // load the data set even if it is there
	only            string // run only pages whose name contains this
	plans           bool   // write EXPLAIN ANALYZE of every captured statement
	profile         string // a path to profile in-process instead of measuring
	exportRounds    int    // runs of each export (0: skip)
	mail            int    // recipients of the mailing sent while the overview is measured (0: skip)
	importRows      int    // rows of the import run through the web while the overview is measured (0: skip)
}

func main() {
	var c config
	flag.IntVar(&c.members, "members", 100_000, "members in the data set")
	flag.IntVar(&c.groups, "groups", 300, "groups in the data set")
	flag.Uint64Var(&c.seed, "seed", 1, "random seed of the data set")
	flag.IntVar(&c.requests, "n", 200, "measured requests per page at concurrency 1 (and SQL floor repetitions)")
	flag.IntVar(&c.warmup, "warmup", 20, "unmeasured requests per page before measuring")
	flag.DurationVar(&c.duration, "duration", 3*time.Second, "throughput run per page at concurrency -c")
	flag.IntVar(&c.concurrency, "c", 8, "concurrency of the throughput run")
	flag.IntVar(&c.bulk, "bulk", 10_000, "memberships added and removed in one request each (0: skip)")
	flag.IntVar(&c.bulkRounds, "bulk-rounds", 3, "how often the bulk add and removal run")
	flag.StringVar(&c.out, "out", "bench/out", "output directory (data directory, logs, results.md)")
	flag.StringVar(&c.bin, "bin", "bin/mila", "the mila binary")
	flag.BoolVar(&c.build, "build", true, "build the mila binary first (go build ./cmd/mila)")
	flag.BoolVar(&c.reload, "reload", false, "load the data set again even if it is already there")
	flag.StringVar(&c.only, "only", "", "measure only the pages whose name or path contains this text (alternatives separated by |: as_of|statistics)")
	flag.BoolVar(&c.plans, "plans", false, "write EXPLAIN (ANALYZE, BUFFERS) of every captured statement to <out>/plans.txt")
	flag.StringVar(&c.profile, "profile", "", "only profile this path, or the first page whose name contains it (e.g. /members/{id}), in-process at concurrency -c; CPU profile to <out>/cpu.prof")
	flag.IntVar(&c.exportRounds, "export-rounds", 3, "runs of each export: CSV and XLSX of every member, PDF of a group of about 1,000 (0: skip)")
	flag.IntVar(&c.mail, "mail", 10_000, "recipients of a mailing sent to an SMTP sink while the overview is measured (0: skip)")
	flag.IntVar(&c.importRows, "import", 100_000, "rows (× 15 columns) of an import uploaded, dry-run, committed and undone through the web while the overview and a search are measured (0: skip)")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, c); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, c config) error {
	if err := os.MkdirAll(c.out, 0o755); err != nil {
		return err
	}
	machine := harness.MachineLine()
	harness.Logf("machine: %s", machine)
	if c.build {
		if err := harness.Build(ctx, c.bin); err != nil {
			return err
		}
	}
	bin, err := filepath.Abs(c.bin)
	if err != nil {
		return err
	}
	c.bin = bin

	db, err := openDB(ctx, c)
	if err != nil {
		return err
	}
	defer db.close()

	load, err := db.ensureDataSet(ctx, c)
	if err != nil {
		return err
	}
	params, err := db.params(ctx)
	if err != nil {
		return err
	}

	if err := createAdmin(ctx, c, db.url); err != nil {
		return err
	}
	if params.SavedList, err = savedListView(ctx, db, params); err != nil {
		return err
	}
	if c.profile != "" {
		// A page's name works too ("/members/{id}", "(group name)"): the
		// first page of the list whose name or path contains it is
		// profiled with the data set's real parameters.
		path := c.profile
		if pages := benchPages(params, c.profile); len(pages) > 0 {
			path = pages[0].path
		}
		return profilePage(ctx, db.url, path, c.concurrency, c.duration, filepath.Join(c.out, "cpu.prof"))
	}

	mila, err := startMila(ctx, c, db.url)
	if err != nil {
		return err
	}
	defer mila.Stop()

	pages := benchPages(params, c.only)
	report := &report{cfg: c, load: load, params: params, started: time.Now(), machine: machine, pgVersion: db.version}

	// The SQL floor first: capture the statements of every page with an
	// in-process app on a traced pool, so the replay runs exactly them.
	captured, err := capturePages(ctx, db.url, pages)
	if err != nil {
		return fmt.Errorf("capture statements: %w", err)
	}
	if c.plans {
		if err := writePlans(ctx, db.url, filepath.Join(c.out, "plans.txt"), pages, captured); err != nil {
			return err
		}
	}

	for _, p := range pages {
		r, err := measurePage(ctx, c, mila, db, p, captured[p.name])
		if err != nil {
			return fmt.Errorf("%s: %w", p.name, err)
		}
		report.pages = append(report.pages, r)
		harness.Logf("%-34s p50 %6.1f ms  p95 %6.1f ms  %6.0f req/s  SQL %5.1f/%5.1f ms (%d stmts)  %d KB  RSS %d MB",
			p.name, harness.Ms(r.p50), harness.Ms(r.p95), r.rps, harness.Ms(r.sqlP50), harness.Ms(r.sqlP95), r.statements, r.bytes>>10, r.rssMax>>20)
	}
	report.rssPeak = mila.PeakRSS()

	if c.bulk > 0 {
		b, err := measureBulk(ctx, c, mila, db, params)
		if err != nil {
			return fmt.Errorf("bulk: %w", err)
		}
		report.bulk = b
	}
	if c.exportRounds > 0 {
		ex, err := measureExports(ctx, mila, db, c.exportRounds)
		if err != nil {
			return fmt.Errorf("exports: %w", err)
		}
		report.exports = ex
	}
	if c.mail > 0 {
		mr, err := measureMailing(ctx, c, db, c.mail)
		if err != nil {
			return fmt.Errorf("mailing: %w", err)
		}
		report.mailing = &mr
		harness.Logf("mailing to %d: queued in %.0f ms, sent in %.1f s; overview p95 idle %.1f ms, while sending %.1f ms",
			mr.recipients, harness.Ms(mr.queue), mr.send.Seconds(), harness.Ms(harness.Percentile(mr.idle, 95)), harness.Ms(harness.Percentile(mr.during, 95)))
	}
	if c.importRows > 0 {
		ir, err := measureImport(ctx, c, mila, db, params)
		if err != nil {
			return fmt.Errorf("import: %w", err)
		}
		report.imp = &ir
	}
	report.rssHWM = mila.Status("VmHWM")
	report.finished = time.Now()

	text := report.markdown()
	fmt.Println()
	fmt.Print(text)
	path := filepath.Join(c.out, "results.md")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		return err
	}
	harness.Logf("results written to %s", path)
	return nil
}
