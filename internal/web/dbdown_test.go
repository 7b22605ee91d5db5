package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"mila/internal/web"
	"mila/internal/webtest"
)

// deadDB makes the app's pool point at a server that does not exist, so
// every database call fails as it does while PostgreSQL is down. (The
// full outage — a real server stopped and started again — is tested in
// reliability/.)
func deadDB(t *testing.T) func(*web.Config) {
	pool, err := pgxpool.New(context.Background(), "host=/nonexistent-mila-socket-dir port=5432 user=mila dbname=mila sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return func(c *web.Config) { c.DB = pool }
}

func TestDBUnavailablePage(t *testing.T) {
	srv := webtest.NewServer(t, deadDB(t))
	for _, c := range []struct{ lang, want string }{
		{"en", "Database unavailable"},
		{"de", "Datenbank nicht erreichbar"},
	} {
		cl := srv.Client()
		u, _ := url.Parse(srv.URL)
		cl.Jar.SetCookies(u, []*http.Cookie{{Name: "mila_session", Value: "some-token"}})
		res := srv.Get(t, cl, "/", "Accept-Language", c.lang)
		body := webtest.Body(t, res)
		if res.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("%s: status %d, want 503:\n%s", c.lang, res.StatusCode, body)
		}
		if res.Header.Get("Retry-After") == "" {
			t.Errorf("%s: no Retry-After", c.lang)
		}
		if res.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: Cache-Control %q", c.lang, res.Header.Get("Cache-Control"))
		}
		if !strings.Contains(body, "<h1") || !strings.Contains(body, c.want) {
			t.Errorf("%s: page lacks %q:\n%s", c.lang, c.want, body)
		}
	}
	if res := srv.Get(t, srv.Client(), "/readyz"); res.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("/readyz: %d, want 503", res.StatusCode)
	}
	if logs := srv.Logs(); strings.Contains(logs, "server error") || strings.Contains(logs, "status=500") {
		t.Errorf("an outage was logged as a server error:\n%s", logs)
	}
}

// TestDBUnavailableAtSessionCommit: the handler changed the session (a
// flash) and redirects; saving the session then fails. The visitor gets
// the 503 page alone — not the 503 page followed by the redirect scs
// would otherwise still write.
func TestDBUnavailableAtSessionCommit(t *testing.T) {
	srv := webtest.NewServer(t, deadDB(t))
	srv.App.HandleForTest("POST /test/flash", srv.App.FlashForTest("success", "BackHome"))
	res := srv.PostForm(t, srv.Client(), "/test/flash", url.Values{})
	body := webtest.Body(t, res)
	if res.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("status %d, want 503:\n%s", res.StatusCode, body)
	}
	if loc := res.Header.Get("Location"); loc != "" {
		t.Errorf("Location %q on the 503 answer", loc)
	}
	if n := strings.Count(body, "<html"); n != 1 || strings.Contains(body, "See Other") {
		t.Errorf("the body is not exactly one page:\n%s", body)
	}
	if strings.Contains(srv.Logs(), "superfluous") {
		t.Errorf("a second status was written:\n%s", srv.Logs())
	}
}
