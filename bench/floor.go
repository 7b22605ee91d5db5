package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime/pprof"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"mila/bench/internal/harness"
	"mila/internal/pg"
	"mila/internal/web"
)

// statement is one SQL statement Mila ran, with its arguments.
type statement struct {
	sql  string
	args []any
	// batch numbers the pgx batch the statement was sent in (0: none);
	// the statements of one batch are replayed as one batch (one round
	// trip, one implicit transaction — pg.PlanForValues relies on that).
	batch int
}

// recorder is a pgx QueryTracer and BatchTracer that keeps the statements
// run while it is on.
type recorder struct {
	mu      sync.Mutex
	on      bool
	stmts   []statement
	batches int
}

func (r *recorder) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	r.mu.Lock()
	r.batches++
	r.mu.Unlock()
	return ctx
}

func (r *recorder) TraceBatchQuery(_ context.Context, _ *pgx.Conn, d pgx.TraceBatchQueryData) {
	r.mu.Lock()
	if r.on {
		r.stmts = append(r.stmts, statement{sql: d.SQL, args: d.Args, batch: r.batches})
	}
	r.mu.Unlock()
}

func (r *recorder) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData) {}

func (r *recorder) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	r.mu.Lock()
	if r.on {
		r.stmts = append(r.stmts, statement{sql: d.SQL, args: d.Args})
	}
	r.mu.Unlock()
	return ctx
}

func (r *recorder) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (r *recorder) start() {
	r.mu.Lock()
	r.on, r.stmts = true, nil
	r.mu.Unlock()
}

func (r *recorder) stop() []statement {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.on = false
	return r.stmts
}

// capturePages runs the web app in this process on a traced pool (built
// like mila serve's, same connection settings) and records, per page,
// every statement one request runs — the session lookup included. The
// replay of exactly these statements is the page's SQL floor.
func capturePages(ctx context.Context, dbURL string, pages []benchPage) (map[string][]statement, error) {
	cfg, err := pg.PoolConfig(dbURL)
	if err != nil {
		return nil, err
	}
	rec := &recorder{}
	cfg.ConnConfig.Tracer = rec
	pool, err := pg.ConnectConfig(ctx, cfg, 10*time.Second)
	if err != nil {
		return nil, err
	}
	defer pool.Close()
	app, err := web.New(web.Config{DB: pool, Logger: harness.QuietLogger(), Version: "bench"})
	if err != nil {
		return nil, err
	}
	defer app.Close()
	srv := httptest.NewServer(app.Handler())
	defer srv.Close()
	client := harness.NewClient(nil)
	if err := signIn(client, srv.URL); err != nil {
		return nil, err
	}
	out := map[string][]statement{}
	for _, p := range pages {
		// Once unrecorded, so that caches (statement cache, the pool's
		// connections) are warm as in the measured runs.
		for i := range 2 {
			if i == 1 {
				rec.start()
			}
			res, err := client.Get(srv.URL + p.path)
			if err != nil {
				rec.stop()
				return nil, err
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				rec.stop()
				return nil, fmt.Errorf("%s: status %d", p.path, res.StatusCode)
			}
		}
		out[p.name] = rec.stop()
	}
	return out, nil
}

// replay runs the statements in order on one connection (as one request
// would), warmup times unmeasured and then n times, and returns the p50
// and p95 of the time for all of them together. Rows are read but not
// decoded: this is the time PostgreSQL needs, plus the round trips.
func replay(ctx context.Context, dbURL string, stmts []statement, warmup, n int) (p50, p95 time.Duration, err error) {
	cfg, err := pg.PoolConfig(dbURL)
	if err != nil {
		return 0, 0, err
	}
	conn, err := pgx.ConnectConfig(ctx, cfg.ConnConfig)
	if err != nil {
		return 0, 0, err
	}
	defer conn.Close(ctx)
	once := func() error {
		for i := 0; i < len(stmts); {
			s := stmts[i]
			if s.batch == 0 {
				rows, err := conn.Query(ctx, s.sql, s.args...)
				if err != nil {
					return err
				}
				for rows.Next() {
					_ = rows.RawValues()
				}
				rows.Close()
				if err := rows.Err(); err != nil {
					return fmt.Errorf("%s: %w", firstLine(s.sql), err)
				}
				i++
				continue
			}
			b := &pgx.Batch{}
			j := i
			for ; j < len(stmts) && stmts[j].batch == s.batch; j++ {
				b.Queue(stmts[j].sql, stmts[j].args...)
			}
			br := conn.SendBatch(ctx, b)
			for k := i; k < j; k++ {
				rows, err := br.Query()
				if err != nil {
					br.Close()
					return fmt.Errorf("%s: %w", firstLine(stmts[k].sql), err)
				}
				for rows.Next() {
					_ = rows.RawValues()
				}
				rows.Close()
				if err := rows.Err(); err != nil {
					br.Close()
					return fmt.Errorf("%s: %w", firstLine(stmts[k].sql), err)
				}
			}
			if err := br.Close(); err != nil {
				return err
			}
			i = j
		}
		return nil
	}
	for range warmup {
		if err := once(); err != nil {
			return 0, 0, err
		}
	}
	lat := make([]time.Duration, 0, n)
	for range n {
		t := time.Now()
		if err := once(); err != nil {
			return 0, 0, err
		}
		lat = append(lat, time.Since(t))
	}
	return harness.Percentile(lat, 50), harness.Percentile(lat, 95), nil
}

// writePlans writes EXPLAIN (ANALYZE, BUFFERS) of every captured
// statement (transaction control left out), for finding slow ones.
func writePlans(ctx context.Context, dbURL, path string, pages []benchPage, captured map[string][]statement) error {
	cfg, err := pg.PoolConfig(dbURL)
	if err != nil {
		return err
	}
	conn, err := pgx.ConnectConfig(ctx, cfg.ConnConfig)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	var b strings.Builder
	for _, p := range pages {
		fmt.Fprintf(&b, "######## %s   (%s)\n\n", p.name, p.path)
		for _, s := range captured[p.name] {
			fmt.Fprintf(&b, "-- %s\n-- args: %v\n", strings.TrimSpace(s.sql), s.args)
			if !strings.HasPrefix(strings.ToUpper(strings.TrimSpace(s.sql)), "SELECT") &&
				!strings.HasPrefix(strings.ToUpper(strings.TrimSpace(s.sql)), "WITH") {
				b.WriteString("\n")
				continue
			}
			rows, err := conn.Query(ctx, "EXPLAIN (ANALYZE, BUFFERS) "+s.sql, s.args...)
			if err != nil {
				fmt.Fprintf(&b, "   explain failed: %v\n\n", err)
				continue
			}
			for rows.Next() {
				var line string
				if err := rows.Scan(&line); err == nil {
					b.WriteString("   " + line + "\n")
				}
			}
			rows.Close()
			b.WriteString("\n")
		}
	}
	harness.Logf("plans written to %s", path)
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}

// profilePage serves path from an in-process app (the same code as mila
// serve) with c clients for d and writes a CPU profile of the whole
// process (app and clients), for finding where Mila's own time goes.
func profilePage(ctx context.Context, dbURL, path string, c int, d time.Duration, file string) error {
	cfg, err := pg.PoolConfig(dbURL)
	if err != nil {
		return err
	}
	pool, err := pg.ConnectConfig(ctx, cfg, 10*time.Second)
	if err != nil {
		return err
	}
	defer pool.Close()
	app, err := web.New(web.Config{DB: pool, Logger: harness.QuietLogger(), Version: "bench"})
	if err != nil {
		return err
	}
	defer app.Close()
	srv := httptest.NewServer(app.Handler())
	defer srv.Close()
	client := harness.NewClient(&http.Transport{MaxIdleConnsPerHost: 64})
	if err := signIn(client, srv.URL); err != nil {
		return err
	}
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := pprof.StartCPUProfile(f); err != nil {
		return err
	}
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	var n atomic.Int64
	for range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				res, err := client.Get(srv.URL + path)
				if err != nil {
					return
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				n.Add(1)
			}
		}()
	}
	wg.Wait()
	pprof.StopCPUProfile()
	harness.Logf("profile of %s: %d requests in %s (%.0f/s, in-process) → %s", path, n.Load(), d, float64(n.Load())/d.Seconds(), file)
	return nil
}
