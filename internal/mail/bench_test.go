package mail_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"mila/internal/authz"
	"mila/internal/mail"
	"mila/internal/mail/mailtest"
	"mila/internal/testpg"
)

// BenchmarkQueue10k queues a mailing to 10,000 members of a group: the
// recipients resolved, each message rendered (Markdown, placeholders
// with a custom field) and copied into the outbox in one transaction.
// Target: ≤ 5 s (docs/PERFORMANCE.md, "Mail").
//
//	go test ./internal/mail -run '^$' -bench Queue10k -benchtime 3x
func BenchmarkQueue10k(b *testing.B) {
	db := testpg.New(b)
	ctx := context.Background()
	var uid, gid string
	if err := db.QueryRow(ctx, `INSERT INTO users (email, role_id) SELECT 'vorstand@example.org', id FROM roles WHERE system_key = 'admin' RETURNING id`).Scan(&uid); err != nil {
		b.Fatal(err)
	}
	if err := db.QueryRow(ctx, `INSERT INTO groups (name, slug) VALUES ('Alle', 'alle') RETURNING id`).Scan(&gid); err != nil {
		b.Fatal(err)
	}
	if _, err := db.Exec(ctx, `INSERT INTO custom_fields (name, slug, value_type) VALUES ('Trikotgröße', 'trikotgroesse', 'string')`); err != nil {
		b.Fatal(err)
	}
	if _, err := db.Exec(ctx, `WITH m AS (
		  INSERT INTO members (first_name, last_name, email, city)
		  SELECT 'Vor' || i, 'Nach' || i, 'm' || i || '@example.org', 'Ort' FROM generate_series(1, 10000) i RETURNING id),
		g AS (INSERT INTO member_groups (member_id, group_id) SELECT id, $1 FROM m)
		INSERT INTO custom_field_values (member_id, custom_field_id, value) SELECT m.id, f.id, '152' FROM m, custom_fields f`, gid); err != nil {
		b.Fatal(err)
	}
	ms := mail.NewMailings(db, mail.Config{Host: "127.0.0.1", Port: 25})
	admin := authz.Actor{UserID: uid, Email: "vorstand@example.org", Set: authz.Admin}
	d := mail.Draft{Subject: "Einladung für {{first_name}}", Newsletter: true, Groups: []string{"alle"},
		Body: "Hallo **{{first_name}} {{last_name}}**,\n\nwir laden ein:\n\n- Termin: Dienstag\n- Ort: {{city}}\n\nTrikot: {{cf_trikotgroesse}}\n"}
	unsub := func(m, tok string) string { return "https://mila.example.org/unsubscribe?m=" + m + "&t=" + tok }
	b.ResetTimer()
	for b.Loop() {
		if _, err := ms.Create(ctx, admin, d, unsub); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	var n int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM mail_outbox`).Scan(&n); err != nil || n != 10000*b.N {
		b.Fatalf("%d messages queued for %d runs (%v)", n, b.N, err)
	}
}

// BenchmarkSend sends 1,000 queued messages through one worker (one SMTP
// connection, no rate limit) to the in-process test server and reports
// messages per second. Target: ≥ 50/s.
//
//	go test ./internal/mail -run '^$' -bench Send -benchtime 1x
func BenchmarkSend(b *testing.B) {
	const n = 1000
	for b.Loop() {
		b.StopTimer()
		db := testpg.New(b)
		ctx := context.Background()
		srv := mailtest.Start(b, mailtest.Options{})
		for i := range n {
			if _, err := mail.Enqueue(ctx, db, mail.Outgoing{To: fmt.Sprintf("m%d@example.org", i), ToName: "M", Subject: "Hallo",
				Text: "Hallo, dies ist eine Nachricht.", HTML: "<p>Hallo, dies ist eine Nachricht.</p>"}); err != nil {
				b.Fatal(err)
			}
		}
		cfg, err := mail.ParseConfig(srv.URL(), "Verein <verein@example.org>", "0", "")
		if err != nil {
			b.Fatal(err)
		}
		wctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		b.StartTimer()
		start := time.Now()
		go func() {
			defer close(done)
			w := mail.Worker{DB: db, Config: cfg, Poll: 10 * time.Millisecond}
			w.Run(wctx)
		}()
		srv.WaitFor(b, n, 5*time.Minute)
		took := time.Since(start)
		b.StopTimer()
		cancel()
		<-done
		b.ReportMetric(float64(n)/took.Seconds(), "msgs/s")
		if c := srv.Connections(); c != 1 {
			b.Errorf("%d SMTP connections, want 1", c)
		}
		b.StartTimer()
	}
}
