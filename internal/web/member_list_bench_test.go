package web_test

import (
	"context"
	"io"
	"net/http"
	"testing"

	"mila/internal/demo"
	"mila/internal/webtest"
)

// BenchmarkMemberOverview renders the member overview (50 rows with group
// badges, 300 groups in the selects) through the whole handler stack on a
// real database, signed in as admin. It separates Go's share of a page
// from PostgreSQL's (bench/ measures both over HTTP at 100,000 members):
//
//	go test ./internal/web -run '^$' -bench MemberOverview -benchmem -cpuprofile /tmp/cpu.prof
func BenchmarkMemberOverview(b *testing.B) {
	srv := webtest.NewServer(b)
	if _, err := demo.Load(context.Background(), srv.DB, demo.Options{Members: 2000, Groups: 300, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	seedUsers(b, srv)
	client := signIn(b, srv, "admin@example.org", testPassword)
	for _, path := range []string{"/members", "/members?sort=groups", "/groups"} {
		b.Run(path, func(b *testing.B) {
			for b.Loop() {
				res := srv.Get(b, client, path)
				if _, err := io.Copy(io.Discard, res.Body); err != nil {
					b.Fatal(err)
				}
				res.Body.Close()
				if res.StatusCode != http.StatusOK {
					b.Fatalf("status %d", res.StatusCode)
				}
			}
		})
	}
}
