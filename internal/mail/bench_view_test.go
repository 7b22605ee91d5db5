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
// of 10,000 active members (among 12,000): the view's ids in one
// statement (Members.ViewIDs, as the mailing form resolves
// "overview=/members?..."), then the mailing as BenchmarkQueue10k.
// Target: ≤ 5 s together.
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
	members := membership.NewMembers(db)
	ms := mail.NewMailings(db, mail.Config{Host: "127.0.0.1", Port: 25})
	unsub := func(m, tok string) string { return "https://mila.example.org/unsubscribe?m=" + m + "&t=" + tok }
	b.ResetTimer()
	for b.Loop() {
		ids, err := members.ViewIDs(ctx, admin, membership.MemberQuery{Status: membership.MemberStatusActive, Sort: "city"}, mail.MaxSelection)
		if err != nil {
			b.Fatal(err)
		}
		if len(ids) != 10000 {
			b.Fatalf("the view has %d members, want 10,000", len(ids))
		}
		d := mail.Draft{Subject: "Einladung", Body: "Hallo **{{first_name}}** aus {{city}}", MemberIDs: ids, Overview: "/members?sort=city"}
		if _, err := ms.Create(ctx, admin, d, unsub); err != nil {
			b.Fatal(err)
		}
	}
}
