package mail_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"mila/internal/mail"
	"mila/internal/mail/mailtest"
	"mila/internal/testpg"
)

var fastBackoff = mail.Backoff{First: 20 * time.Millisecond, Max: 100 * time.Millisecond, MaxAttempts: 4}

func config(t *testing.T, s *mailtest.Server, rate int) mail.Config {
	t.Helper()
	c, err := mail.ParseConfig(s.URL(), "Verein <verein@example.org>", fmt.Sprint(rate), "")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// runWorker runs a worker until the test ends.
func runWorker(t *testing.T, db *pgxpool.Pool, cfg mail.Config, o mail.SenderOptions) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		w := mail.Worker{DB: db, Config: cfg, Sender: o, Backoff: fastBackoff, Poll: 10 * time.Millisecond}
		w.Run(ctx)
	}()
	t.Cleanup(func() { cancel(); wg.Wait() })
}

func enqueue(t *testing.T, db *pgxpool.Pool, to, name, subject string) string {
	t.Helper()
	id, err := mail.Enqueue(context.Background(), db, mail.Outgoing{To: to, ToName: name, Subject: subject, Text: "Hallo " + name})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// waitState waits until the message reaches one of the final states.
func waitState(t *testing.T, db *pgxpool.Pool, id string) (state string, attempts int, answer string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		err := db.QueryRow(context.Background(), `SELECT state, attempts, last_answer FROM mail_outbox WHERE id = $1`, id).
			Scan(&state, &attempts, &answer)
		if err != nil {
			t.Fatal(err)
		}
		if state != mail.StateQueued && state != mail.StateSending {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("message %s still %s after 15s (last answer %q)", id, state, answer)
	return
}

func TestWorkerSendsOverOneConnection(t *testing.T) {
	db := testpg.New(t)
	srv := mailtest.Start(t, mailtest.Options{})
	var ids []string
	for i := range 5 {
		ids = append(ids, enqueue(t, db, fmt.Sprintf("m%d@example.org", i), "M", "Hi"))
	}
	runWorker(t, db, config(t, srv, 0), mail.SenderOptions{})
	for _, id := range ids {
		if st, att, _ := waitState(t, db, id); st != mail.StateSent || att != 1 {
			t.Errorf("message %s: state %s after %d attempts, want sent after 1", id, st, att)
		}
	}
	if got := len(srv.Messages()); got != 5 {
		t.Errorf("server got %d messages, want 5", got)
	}
	if c := srv.Connections(); c != 1 {
		t.Errorf("%d connections for 5 messages, want 1 reused", c)
	}
	// Account mail may carry one-time links: the body is gone once sent.
	var body string
	if err := db.QueryRow(context.Background(), `SELECT body_text FROM mail_outbox WHERE id = $1`, ids[0]).Scan(&body); err != nil {
		t.Fatal(err)
	}
	if body != "" {
		t.Errorf("sent account mail keeps its body %q", body)
	}
}

func TestWorkerOutcomes(t *testing.T) {
	db := testpg.New(t)
	srv := mailtest.Start(t, mailtest.Options{})
	srv.Answer(func(to string, attempt int) mailtest.Behaviour {
		switch {
		case strings.HasPrefix(to, "temp@") && attempt == 1:
			return mailtest.Temporary
		case strings.HasPrefix(to, "drop@") && attempt == 1:
			return mailtest.Drop
		case strings.HasPrefix(to, "perm@"):
			return mailtest.Permanent
		case strings.HasPrefix(to, "reject@"):
			return mailtest.RejectAtEnd
		case strings.HasPrefix(to, "always@"):
			return mailtest.Temporary
		case strings.HasPrefix(to, "lost@"):
			return mailtest.DropAtEnd
		case strings.HasPrefix(to, "stall@"):
			return mailtest.Stall
		}
		return mailtest.Accept
	})
	ids := map[string]string{}
	for _, who := range []string{"temp", "drop", "perm", "reject", "always", "lost", "stall", "ok"} {
		ids[who] = enqueue(t, db, who+"@example.org", who, "Subject "+who)
	}
	runWorker(t, db, config(t, srv, 0), mail.SenderOptions{Timeout: 2 * time.Second})
	want := map[string]struct {
		state    string
		attempts int
		answer   string
	}{
		"temp":   {mail.StateSent, 2, ""},
		"drop":   {mail.StateSent, 2, ""},
		"perm":   {mail.StateFailed, 1, "550"},
		"reject": {mail.StateFailed, 1, "554"},
		"always": {mail.StateFailed, fastBackoff.MaxAttempts, "451"},
		"lost":   {mail.StateUnknown, 1, "no answer"},
		"stall":  {mail.StateUnknown, 1, "no answer"},
		"ok":     {mail.StateSent, 1, ""},
	}
	for who, w := range want {
		st, att, ans := waitState(t, db, ids[who])
		if st != w.state || att != w.attempts || !strings.Contains(ans, w.answer) {
			t.Errorf("%s: state %s, %d attempts, answer %q; want %s, %d, containing %q", who, st, att, ans, w.state, w.attempts, w.answer)
		}
	}
	got := srv.PerRecipient()
	for _, who := range []string{"temp", "drop", "ok"} {
		if got[who+"@example.org"] != 1 {
			t.Errorf("%s received %d times, want 1", who, got[who+"@example.org"])
		}
	}
	for _, who := range []string{"perm", "reject", "always", "lost", "stall"} {
		if got[who+"@example.org"] != 0 {
			t.Errorf("%s recorded %d times, want 0", who, got[who+"@example.org"])
		}
	}
}

func TestTwoWorkersShareTheOutboxWithoutDuplicates(t *testing.T) {
	db := testpg.New(t)
	// A second pool: another process's connections to the same database.
	db2, err := pgxpool.New(context.Background(), testpg.ConnString(t, db))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db2.Close)
	srv := mailtest.Start(t, mailtest.Options{})
	const n = 300
	for i := range n {
		enqueue(t, db, fmt.Sprintf("r%03d@example.org", i), "R", "Hi")
	}
	cfg := config(t, srv, 0)
	runWorker(t, db, cfg, mail.SenderOptions{})
	runWorker(t, db2, cfg, mail.SenderOptions{})
	srv.WaitFor(t, n, 60*time.Second)
	time.Sleep(200 * time.Millisecond)
	per := srv.PerRecipient()
	if len(per) != n {
		t.Errorf("%d recipients got mail, want %d", len(per), n)
	}
	for to, c := range per {
		if c != 1 {
			t.Errorf("%s received %d messages", to, c)
		}
	}
	if c := srv.Connections(); c != 2 {
		t.Errorf("%d connections, want 2 (one per worker)", c)
	}
}

func TestRecoverOrphansMarksUnknownOnlyForDeadWorkers(t *testing.T) {
	db := testpg.New(t)
	ctx := context.Background()
	dead := enqueue(t, db, "dead@example.org", "", "x")
	alive := enqueue(t, db, "alive@example.org", "", "x")
	conn, err := db.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock(1296124236, 77)`); err != nil {
		t.Fatal(err)
	}
	defer conn.Exec(ctx, `SELECT pg_advisory_unlock(1296124236, 77)`) //nolint:errcheck
	if _, err := db.Exec(ctx, `UPDATE mail_outbox SET state = 'sending', worker_id = 66 WHERE id = $1`, dead); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(ctx, `UPDATE mail_outbox SET state = 'sending', worker_id = 77 WHERE id = $1`, alive); err != nil {
		t.Fatal(err)
	}
	n, err := mail.NewOutbox(db).RecoverOrphans(ctx)
	if err != nil || n != 1 {
		t.Fatalf("RecoverOrphans = %d, %v; want 1", n, err)
	}
	for id, want := range map[string]string{dead: mail.StateUnknown, alive: mail.StateSending} {
		var st string
		if err := db.QueryRow(ctx, `SELECT state FROM mail_outbox WHERE id = $1`, id).Scan(&st); err != nil {
			t.Fatal(err)
		}
		if st != want {
			t.Errorf("state %s, want %s", st, want)
		}
	}
}

func TestRateLimitHoldsMessagesBack(t *testing.T) {
	db := testpg.New(t)
	srv := mailtest.Start(t, mailtest.Options{})
	for i := range 4 {
		enqueue(t, db, fmt.Sprintf("x%d@example.org", i), "", "x")
	}
	runWorker(t, db, config(t, srv, 2), mail.SenderOptions{})
	srv.WaitFor(t, 2, 10*time.Second)
	time.Sleep(500 * time.Millisecond)
	if n := len(srv.Messages()); n != 2 {
		t.Errorf("%d messages within the first minute at 2 per minute, want 2", n)
	}
	var queued int
	if err := db.QueryRow(context.Background(), `SELECT count(*) FROM mail_outbox WHERE state = 'queued'`).Scan(&queued); err != nil {
		t.Fatal(err)
	}
	if queued != 2 {
		t.Errorf("%d still queued, want 2", queued)
	}
}

func TestDailyLimit(t *testing.T) {
	db := testpg.New(t)
	srv := mailtest.Start(t, mailtest.Options{})
	for i := range 3 {
		enqueue(t, db, fmt.Sprintf("d%d@example.org", i), "", "x")
	}
	cfg := config(t, srv, 0)
	cfg.DailyLimit = 1
	runWorker(t, db, cfg, mail.SenderOptions{})
	srv.WaitFor(t, 1, 10*time.Second)
	time.Sleep(500 * time.Millisecond)
	if n := len(srv.Messages()); n != 1 {
		t.Errorf("%d messages with a daily limit of 1", n)
	}
}

func TestStartTLSWithCredentials(t *testing.T) {
	db := testpg.New(t)
	srv := mailtest.Start(t, mailtest.Options{TLS: true, User: "club", Password: "s3cret"})
	id := enqueue(t, db, "tls@example.org", "", "x")
	runWorker(t, db, config(t, srv, 0), mail.SenderOptions{TLS: &tls.Config{RootCAs: srv.CertPool, ServerName: "127.0.0.1"}})
	if st, _, ans := waitState(t, db, id); st != mail.StateSent {
		t.Fatalf("state %s (%s), want sent", st, ans)
	}
	if srv.Auths() != 1 {
		t.Errorf("%d AUTHs, want 1", srv.Auths())
	}
}

func TestCredentialsNeverSentWithoutTLS(t *testing.T) {
	db := testpg.New(t)
	srv := mailtest.Start(t, mailtest.Options{User: "club", Password: "s3cret"}) // no STARTTLS offered
	id := enqueue(t, db, "plain@example.org", "", "x")
	runWorker(t, db, config(t, srv, 0), mail.SenderOptions{})
	st, _, ans := waitState(t, db, id)
	if st != mail.StateFailed || !strings.Contains(ans, "STARTTLS") {
		t.Errorf("state %s, answer %q; want failed for lack of STARTTLS", st, ans)
	}
	if srv.Auths() != 0 || len(srv.Messages()) != 0 {
		t.Errorf("credentials or mail went over a plain connection")
	}
}

func TestImplicitTLS(t *testing.T) {
	db := testpg.New(t)
	srv := mailtest.Start(t, mailtest.Options{ImplicitTLS: true, User: "club", Password: "pw"})
	if !strings.HasPrefix(srv.URL(), "smtps://") {
		t.Fatalf("URL %s", srv.URL())
	}
	id := enqueue(t, db, "ssl@example.org", "", "x")
	runWorker(t, db, config(t, srv, 0), mail.SenderOptions{TLS: &tls.Config{RootCAs: srv.CertPool, ServerName: "127.0.0.1"}})
	if st, _, ans := waitState(t, db, id); st != mail.StateSent {
		t.Fatalf("state %s (%s), want sent", st, ans)
	}
}

func TestHostileNamesCannotAddHeaders(t *testing.T) {
	db := testpg.New(t)
	srv := mailtest.Start(t, mailtest.Options{})
	id := enqueue(t, db, "victim@example.org", "Eve\r\nBcc: spy@evil.example", "Hello\r\nBcc: spy2@evil.example")
	runWorker(t, db, config(t, srv, 0), mail.SenderOptions{})
	if st, _, ans := waitState(t, db, id); st != mail.StateSent {
		t.Fatalf("state %s (%s)", st, ans)
	}
	m := srv.Messages()[0]
	if len(m.To) != 1 || m.To[0] != "victim@example.org" {
		t.Errorf("envelope recipients %v", m.To)
	}
	h := m.Header()
	if h.Get("Bcc") != "" {
		t.Errorf("a Bcc header was injected: %q", h.Get("Bcc"))
	}
	head, _, _ := strings.Cut(string(m.Data), "\r\n\r\n")
	for _, line := range strings.Split(head, "\r\n") {
		if strings.HasPrefix(strings.ToLower(line), "bcc:") {
			t.Errorf("injected header line %q", line)
		}
	}
}

func TestParseConfig(t *testing.T) {
	for _, tc := range []struct {
		url, from, rate, daily string
		ok                     bool
		port                   int
		implicit               bool
	}{
		{"", "", "", "", true, 0, false},
		{"smtp://u:p@mail.example.org", "a@b.org", "", "", true, 587, false},
		{"smtp://127.0.0.1", "Club <a@b.org>", "0", "100", true, 25, false},
		{"smtps://u:p@mail.example.org", "a@b.org", "", "", true, 465, true},
		{"smtp://h:2525", "a@b.org", "", "", true, 2525, false},
		{"http://h", "a@b.org", "", "", false, 0, false},
		{"smtp://h:99999", "a@b.org", "", "", false, 0, false},
		{"smtp://h", "", "", "", false, 0, false},
		{"smtp://h", "not an address", "", "", false, 0, false},
		{"smtp://h", "a@b.org", "-1", "", false, 0, false},
		{"smtp://h", "a@b.org", "", "x", false, 0, false},
	} {
		c, err := mail.ParseConfig(tc.url, tc.from, tc.rate, tc.daily)
		if (err == nil) != tc.ok {
			t.Errorf("%q: err %v, want ok=%v", tc.url, err, tc.ok)
			continue
		}
		if err == nil && (c.Port != tc.port || c.ImplicitTLS != tc.implicit) {
			t.Errorf("%q: port %d implicit %v", tc.url, c.Port, c.ImplicitTLS)
		}
	}
	c, _ := mail.ParseConfig("smtp://h", "a@b.org", "", "")
	if c.Rate != mail.DefaultRate {
		t.Errorf("default rate %d", c.Rate)
	}
}
