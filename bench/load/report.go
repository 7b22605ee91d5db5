package main

import (
	"fmt"
	"maps"
	"runtime"
	"slices"
	"strings"
	"time"

	"mila/bench/internal/harness"
)

type report struct {
	cfg               config
	machine           string
	pgVersion         string
	dataSet           harness.DataSet
	started, finished time.Time
	before, after     dataCounts
	stats             runStats
	rssPeak, hwm      int64
	checks            []check
	log               logSummary
}

func (r *report) ok() bool {
	for _, c := range r.checks {
		if !c.ok {
			return false
		}
	}
	return len(r.checks) > 0
}

func (r *report) markdown() string {
	var b strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&b, format+"\n", a...) }
	rec := r.stats.rec
	c := r.cfg
	verdict := "PASSED"
	if !r.ok() {
		verdict = "FAILED"
	}
	p("## Load run %s — %s", r.started.Format("2006-01-02 15:04 UTC"), verdict)
	p("")
	p("- Command: `%s`", harness.CommandLine("./bench/load"))
	p("- Machine: %s", r.machine)
	p("- PostgreSQL %s (Mila's managed cluster in %s, Unix socket), Go %s; client and server on the same machine (loopback)", r.pgVersion, c.dataDir, runtime.Version())
	ds := r.dataSet
	if ds.Reused {
		p("- Data: `mila demo --members %d --groups %d --seed %d`, loaded %s (%.1f s) and reused", ds.Members, ds.Groups, ds.Seed, ds.LoadedAt.Format("2006-01-02 15:04"), ds.Seconds)
	} else {
		p("- Data: `mila demo --members %d --groups %d --seed %d`: %s (%.1f s wall)", ds.Members, ds.Groups, ds.Seed, ds.Output, ds.Seconds)
	}
	p("- Before the run: %s; after: %s", r.before, r.after)
	cl := r.stats.clients
	p("- Clients: %d, each signed in with its own session — %d admin, %d treasurer (normal_user), %d board (read_only), %d own_data (each linked to a member); signing in took %.1f s",
		c.clients, cl[roleAdmin], cl[roleTreasurer], cl[roleBoard], cl[roleMember], r.stats.signedIn.Seconds())
	ops := rec.opsRead + rec.opsWrite
	p("- Mix: %.0f%% writes by operation — %d operations, %d reads (%.1f%%) and %d writes (%.1f%%); an operation is what a person does (a write loads its form first and follows the redirect afterwards)",
		c.writes*100, ops, rec.opsRead, pct(rec.opsRead, ops), rec.opsWrite, pct(rec.opsWrite, ops))
	p("- Ran %.1f s: **%d requests** (%.0f/s), %d GET and %d POST; %d member edits answered 409 (a concurrent edit of the same member: expected, the form is reloaded and saved again)",
		r.stats.elapsed.Seconds(), rec.total(), float64(rec.total())/r.stats.elapsed.Seconds(), rec.reads, rec.writes, rec.conflicts)
	p("- Mila's memory: VmHWM %.1f MB at the end of the run; largest VmRSS sampled (every 100 ms) %.1f MB", harness.MB(r.hwm), harness.MB(r.rssPeak))
	p("- Server log: %d lines, %d request lines, %d WARN, %d ERROR", r.log.lines, r.log.requests, r.log.warns, r.log.errors)
	if len(r.log.warnMsgs) > 0 {
		var w []string
		for _, k := range slices.Sorted(maps.Keys(r.log.warnMsgs)) {
			w = append(w, fmt.Sprintf("%q ×%d", k, r.log.warnMsgs[k]))
		}
		p("  (WARN: %s)", strings.Join(w, ", "))
	}
	p("")
	p("### Checks")
	p("")
	p("| Check | Result |")
	p("|---|---|")
	for _, k := range r.checks {
		mark := "✓"
		if !k.ok {
			mark = "✗"
		}
		p("| %s | %s %s |", cell(k.name), mark, cell(k.detail))
	}
	p("")
	p("### Status codes")
	p("")
	p("| Status | Requests |")
	p("|---:|---:|")
	for _, s := range slices.Sorted(maps.Keys(rec.statuses)) {
		p("| %d | %d |", s, rec.statuses[s])
	}
	if rec.errors > 0 {
		p("| transport error | %d |", rec.errors)
	}
	p("")
	p("### Latency by route group")
	p("")
	p("Wall time per request at the client, until the whole body is read.")
	p("")
	p("| Route group | Requests | p50 ms | p95 ms | p99 ms | max ms | Statuses |")
	p("|---|---:|---:|---:|---:|---:|---|")
	for _, name := range rec.routeNames() {
		s := rec.routes[name]
		var st []string
		for _, k := range slices.Sorted(maps.Keys(s.statuses)) {
			label := fmt.Sprint(k)
			if k == 0 {
				label = "error"
			}
			st = append(st, fmt.Sprintf("%s×%d", label, s.statuses[k]))
		}
		p("| `%s` | %d | %.1f | %.1f | %.1f | %.1f | %s |", name, len(s.lat), harness.Ms(harness.Percentile(s.lat, 50)), harness.Ms(harness.Percentile(s.lat, 95)),
			harness.Ms(harness.Percentile(s.lat, 99)), harness.Ms(harness.Percentile(s.lat, 100)), strings.Join(st, " "))
	}
	var all []time.Duration
	for _, s := range rec.routes {
		all = append(all, s.lat...)
	}
	p("| **all** | %d | %.1f | %.1f | %.1f | %.1f | |", len(all), harness.Ms(harness.Percentile(all, 50)), harness.Ms(harness.Percentile(all, 95)), harness.Ms(harness.Percentile(all, 99)), harness.Ms(harness.Percentile(all, 100)))
	p("")
	p("### Operations")
	p("")
	var o []string
	for _, k := range slices.Sorted(maps.Keys(rec.ops)) {
		o = append(o, fmt.Sprintf("%s %d", k, rec.ops[k]))
	}
	p("%s.", strings.Join(o, " · "))
	if len(rec.samples) > 0 {
		p("")
		p("### Problems (first %d)", len(rec.samples))
		p("")
		for _, s := range rec.samples {
			p("- %s", s)
		}
	}
	p("")
	p("Run took %s.", r.finished.Sub(r.started).Round(time.Second))
	return b.String()
}

func (d dataCounts) String() string {
	return fmt.Sprintf("%d members, %d groups, %d memberships, %d custom values, %d users", d.members, d.groups, d.memberships, d.values, d.users)
}

func pct(n, of int) float64 {
	if of == 0 {
		return 0
	}
	return 100 * float64(n) / float64(of)
}

// cell makes text safe inside a Markdown table cell.
func cell(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
}
