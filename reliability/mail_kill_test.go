package reliability

import (
	"context"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"mila/internal/authz"
	"mila/internal/mail"
	"mila/internal/mail/mailtest"
	"mila/internal/testpg"
)

// TestKillDuringMailing kills `mila serve` with SIGKILL in the middle of
// a mailing, at a moment when one message has provably reached the SMTP
// server but its answer has not reached Mila (the test server records it
// and then stalls). Two Mila processes are then started on the same
// database: together they send the rest. At the server every recipient
// has exactly one message — the one in flight at the kill is not sent
// again, and is marked unknown for the admin to decide.
func TestKillDuringMailing(t *testing.T) {
	ctx := context.Background()
	db := testpg.New(t)
	const n = 300
	var uid, gid string
	if err := db.QueryRow(ctx, `INSERT INTO users (email, role_id) SELECT 'vorstand@example.org', id FROM roles WHERE system_key = 'admin' RETURNING id`).Scan(&uid); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(ctx, `INSERT INTO groups (name, slug) VALUES ('Alle', 'alle') RETURNING id`).Scan(&gid); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(ctx, `WITH m AS (
		  INSERT INTO members (first_name, last_name, email)
		  SELECT 'Vor' || i, 'Nach' || i, 'm' || i || '@example.org' FROM generate_series(1, $1) i RETURNING id)
		INSERT INTO member_groups (member_id, group_id) SELECT id, $2 FROM m`, n, gid); err != nil {
		t.Fatal(err)
	}
	srv := mailtest.Start(t, mailtest.Options{})
	const stallAt = "m150@example.org"
	srv.Answer(func(to string, attempt int) mailtest.Behaviour {
		if to == stallAt {
			return mailtest.AcceptThenStall
		}
		return mailtest.Accept
	})
	cfg, err := mail.ParseConfig(srv.URL(), "Verein <verein@example.org>", "0", "")
	if err != nil {
		t.Fatal(err)
	}
	admin := authz.Actor{UserID: uid, Email: "vorstand@example.org", Set: authz.Admin}
	id, err := mail.NewMailings(db, cfg).Create(ctx, admin, mail.Draft{Subject: "Hallo {{first_name}}", Body: "Text", Groups: []string{"alle"}},
		func(m, tok string) string { return "http://x/unsubscribe?m=" + m + "&t=" + tok })
	if err != nil {
		t.Fatal(err)
	}
	env := []string{"DATABASE_URL=" + testpg.ConnString(t, db), "MILA_SMTP_URL=" + srv.URL(),
		"MILA_MAIL_FROM=Verein <verein@example.org>", "MILA_MAIL_RATE=0"}
	p := startMila(t, env)
	deadline := time.Now().Add(90 * time.Second)
	for srv.Stalled() == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the stalled message never came; %d received:\n%s", len(srv.Messages()), p.logs.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	var state string
	if err := db.QueryRow(ctx, `SELECT state FROM mail_outbox WHERE to_address = $1`, stallAt).Scan(&state); err != nil || state != mail.StateSending {
		t.Fatalf("the stalled message is %q (%v), want sending", state, err)
	}
	before := len(srv.Messages())
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if err := p.wait(t, time.Minute); err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("mila serve did not die of SIGKILL: %v", err)
	}
	srv.Release()
	if before >= n {
		t.Fatalf("all %d messages were out before the kill", before)
	}

	// Two processes share the outbox from here; a slower server gives
	// the second one time to join in.
	srv.SetDelay(50 * time.Millisecond)
	p2 := startMila(t, env)
	p3 := startMila(t, env)
	waitReady(t, p2.URL)
	waitReady(t, p3.URL)
	deadline = time.Now().Add(2 * time.Minute)
	for {
		var queued int
		if err := db.QueryRow(ctx, `SELECT count(*) FROM mail_outbox WHERE mailing_id = $1 AND state IN ('queued', 'sending')`, id).Scan(&queued); err != nil {
			t.Fatal(err)
		}
		if queued == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d messages still queued after the restart:\n%s\n%s", queued, p2.logs.String(), p3.logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	per := srv.PerRecipient()
	if len(per) != n {
		t.Errorf("%d recipients got mail, want %d", len(per), n)
	}
	for i := 1; i <= n; i++ {
		to := fmt.Sprintf("m%d@example.org", i)
		if per[to] != 1 {
			t.Errorf("%s received %d messages, want 1", to, per[to])
		}
	}
	c := map[string]int{}
	rows, err := db.Query(ctx, `SELECT state, count(*) FROM mail_outbox WHERE mailing_id = $1 GROUP BY state`, id)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var s string
		var k int
		if err := rows.Scan(&s, &k); err != nil {
			t.Fatal(err)
		}
		c[s] = k
	}
	if c[mail.StateSent] != n-1 || c[mail.StateUnknown] != 1 {
		t.Errorf("states %v, want %d sent and 1 unknown", c, n-1)
	}
	if err := db.QueryRow(ctx, `SELECT state FROM mail_outbox WHERE to_address = $1`, stallAt).Scan(&state); err != nil || state != mail.StateUnknown {
		t.Errorf("the message in flight at the kill is %q, want unknown", state)
	}
	// Both processes sent part of the rest: they really shared the outbox.
	if srv.Connections() < 3 {
		t.Errorf("%d SMTP connections; want one per process at least (3)", srv.Connections())
	}
}
