package mail_test

import (
	"context"
	"testing"

	"mila/internal/authz"
	"mila/internal/mail"
	"mila/internal/membership"
	"mila/internal/testpg"
)

// BenchmarkQueueView10k queues a mailing to the overview's current view
// of 10,000 active members (among 12,000): the draft carries the view's
// query (as the mailing form does for "overview=/members?..."), Create
// resolves it to its ids in one statement (Members.ViewIDs) and queues
// the mailing as BenchmarkQueue10k. Target: ≤ 5 s together.
//
//	go test ./internal/mail -run '^$' -bench QueueView10k -benchtime 3x
func BenchmarkQueueView10k(b *testing.B) {
	db := testpg.New(b)
	ctx := context.Background()
	var uid string
	if err := db.QueryRow(ctx, `INSERT INTO users (email, role_id) SELECT 'vorstand@example.org', id FROM roles WHERE system_key = 'admin' RETURNING id`).Scan(&uid); err != nil {
		b.Fatal(err)
	}
	if _, err := db.Exec(ctx, `INSERT INTO members (first_name, last_name, email, city, join_date, exit_date)
		SELECT 'Vor' || i, 'Nach' || i, 'm' || i || '@example.org', 'Ort', '2000-01-01',
		       CASE WHEN i > 10000 THEN date '2010-01-01' END FROM generate_series(1, 12000) i`); err != nil {
		b.Fatal(err)
	}
	if _, err := db.Exec(ctx, `ANALYZE`); err != nil {
		b.Fatal(err)
	}
	admin := authz.Actor{UserID: uid, Email: "vorstand@example.org", Set: authz.Admin}
	ms := mail.NewMailings(db, mail.Config{Host: "127.0.0.1", Port: 25})
	unsub := func(m, tok string) string { return "https://mila.example.org/unsubscribe?m=" + m + "&t=" + tok }
	view := &mail.View{Query: membership.MemberQuery{Status: membership.MemberStatusActive, Sort: "city"}, URL: "/members?sort=city"}
	b.ResetTimer()
	for b.Loop() {
		d := mail.Draft{Subject: "Einladung", Body: "Hallo **{{first_name}}** aus {{city}}", Overview: view}
		if _, err := ms.Create(ctx, admin, d, unsub); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	var n int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM mail_outbox`).Scan(&n); err != nil || n != 10000*b.N {
		b.Fatalf("%d messages queued for %d runs, want 10,000 each (%v)", n, b.N, err)
	}
}
