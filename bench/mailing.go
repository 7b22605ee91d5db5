package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/emersion/go-smtp"

	"mila/bench/internal/harness"
)

// mailingResult is the overview measured while a mailing sends (issue 17):
// its latency before (idle) and during the send, how long queueing took
// (the POST that creates the mailing) and how fast the messages went.
type mailingResult struct {
	recipients       int
	queue            time.Duration // POST /mailings to its redirect: every message in the outbox
	send             time.Duration // from the redirect until the last message was accepted by the SMTP server
	received         int64
	idle, during     []time.Duration // GET /members latencies
	overviewRequests int
}

// Targets of issue 17.
const (
	targetMailQueue   = 5 * time.Second
	targetMailRate    = 50.0 // messages per second over one connection
	targetMailOverP95 = 50 * time.Millisecond
)

// smtpSink is an SMTP server on loopback that accepts every message and
// counts them.
type smtpSink struct {
	srv      *smtp.Server
	addr     string
	received atomic.Int64
}

func startSMTPSink() (*smtpSink, error) {
	s := &smtpSink{}
	s.srv = smtp.NewServer(sinkBackend{s})
	s.srv.Domain = "bench.local"
	s.srv.AllowInsecureAuth = true
	s.srv.ReadTimeout, s.srv.WriteTimeout = time.Minute, time.Minute
	s.srv.MaxMessageBytes = 50 << 20
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s.addr = ln.Addr().String()
	go s.srv.Serve(ln) //nolint:errcheck // ends with Close
	return s, nil
}

type sinkBackend struct{ s *smtpSink }

func (b sinkBackend) NewSession(*smtp.Conn) (smtp.Session, error) { return &sinkSession{s: b.s}, nil }

type sinkSession struct{ s *smtpSink }

func (*sinkSession) Mail(string, *smtp.MailOptions) error { return nil }
func (*sinkSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (se *sinkSession) Data(r io.Reader) error {
	if _, err := io.Copy(io.Discard, r); err != nil {
		return err
	}
	se.s.received.Add(1)
	return nil
}
func (*sinkSession) Reset()        {}
func (*sinkSession) Logout() error { return nil }

// measureMailing starts a second `mila serve` that sends mail (to the
// sink, no rate limit: MILA_MAIL_RATE=0), measures the overview on it
// while idle, queues a mailing to n active members with an address (one
// request, as the form sends a selection), and measures the overview on
// the same process while its worker sends, until the sink has them all.
func measureMailing(ctx context.Context, c config, db *benchDB, n int) (mailingResult, error) {
	r := mailingResult{recipients: n}
	sink, err := startSMTPSink()
	if err != nil {
		return r, err
	}
	defer sink.srv.Close()
	srv, err := harness.StartServer(ctx, harness.ServerOptions{
		Bin: c.bin, LogPath: filepath.Join(c.out, "serve-mail.log"), Ready: "/healthz", Wait: time.Minute,
		Env: harness.Env("DATABASE_URL="+db.url, "MILA_SMTP_URL=smtp://"+sink.addr, "MILA_MAIL_FROM=Bench <bench@mila.example>", "MILA_MAIL_RATE=0"),
	})
	if err != nil {
		return r, err
	}
	defer srv.Stop()
	m := &milaProc{Server: srv, client: harness.NewClient(&http.Transport{MaxIdleConns: 8, MaxIdleConnsPerHost: 8, DisableCompression: true})}
	if err := signIn(m.client, m.Base); err != nil {
		return r, err
	}
	// Earlier runs' mailings are done; this one's messages are counted alone.
	if _, err := db.pool.Exec(ctx, `UPDATE mail_outbox SET state = 'cancelled' WHERE state = 'queued'`); err != nil {
		return r, err
	}
	rows, err := db.pool.Query(ctx, `SELECT id::text FROM members WHERE email IS NOT NULL AND (exit_date IS NULL OR exit_date > current_date)
		ORDER BY id LIMIT $1`, n)
	if err != nil {
		return r, err
	}
	form := url.Values{"kind": {"normal"}, "subject": {"Einladung zur Versammlung"},
		"body": {"Hallo {{first_name}},\n\nwir laden Sie herzlich ein.\n\nIhr Vorstand"}, "do": {"send"}, "from": {"selection"}}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return r, err
		}
		form.Add("member_id", id)
	}
	rows.Close()
	if got := len(form["member_id"]); got < n {
		r.recipients = got
	}
	overview := "/members"
	for range 20 { // warm up
		if _, err := m.get(overview, http.StatusOK); err != nil {
			return r, err
		}
	}
	for range 200 {
		t := time.Now()
		if _, err := m.get(overview, http.StatusOK); err != nil {
			return r, err
		}
		r.idle = append(r.idle, time.Since(t))
	}
	t := time.Now()
	loc, err := m.post("/mailings", form)
	if err != nil {
		return r, fmt.Errorf("queue the mailing: %w", err)
	}
	r.queue = time.Since(t)
	if !strings.HasPrefix(loc, "/mailings/") {
		return r, fmt.Errorf("queue the mailing: redirected to %q", loc)
	}
	harness.Logf("mailing to %d queued in %.0f ms; measuring the overview while it sends", r.recipients, harness.Ms(r.queue))
	start := time.Now()
	deadline := start.Add(10 * time.Minute)
	for sink.received.Load() < int64(r.recipients) {
		if time.Now().After(deadline) || ctx.Err() != nil {
			return r, fmt.Errorf("only %d of %d messages arrived", sink.received.Load(), r.recipients)
		}
		t := time.Now()
		if _, err := m.get(overview, http.StatusOK); err != nil {
			return r, err
		}
		r.during = append(r.during, time.Since(t))
		time.Sleep(10 * time.Millisecond) // another user reading, not a flood
	}
	r.send = time.Since(start)
	r.received = sink.received.Load()
	r.overviewRequests = len(r.during)
	return r, nil
}

// markdown writes the section of results.md.
func (r mailingResult) markdown() string {
	var b strings.Builder
	rate := float64(r.received) / r.send.Seconds()
	b.WriteString("Mailing while others read the overview (a second `mila serve` with MILA_SMTP_URL pointing at an SMTP sink on loopback, MILA_MAIL_RATE=0):\n\n")
	b.WriteString("| | measured | target |\n|---|---:|---:|\n")
	fmt.Fprintf(&b, "| queue a mailing to %s members (one POST) | %.0f ms | ≤ %.0f ms%s |\n", strconv.Itoa(r.recipients), harness.Ms(r.queue), harness.Ms(targetMailQueue), miss(r.queue > targetMailQueue))
	fmt.Fprintf(&b, "| send them over one connection | %.1f s, %.0f messages/s | ≥ %.0f/s%s |\n", r.send.Seconds(), rate, targetMailRate, miss(rate < targetMailRate))
	fmt.Fprintf(&b, "| overview /members idle (200 requests) | p50 %.1f ms, p95 %.1f ms | |\n", harness.Ms(harness.Percentile(r.idle, 50)), harness.Ms(harness.Percentile(r.idle, 95)))
	p95 := harness.Percentile(r.during, 95)
	fmt.Fprintf(&b, "| overview /members while sending (%d requests) | p50 %.1f ms, p95 %.1f ms | p95 ≤ %.0f ms%s |\n\n", r.overviewRequests,
		harness.Ms(harness.Percentile(r.during, 50)), harness.Ms(p95), harness.Ms(targetMailOverP95), miss(p95 > targetMailOverP95))
	return b.String()
}

func miss(b bool) string {
	if b {
		return " **missed**"
	}
	return ""
}
