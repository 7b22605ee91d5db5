package reliability

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"mila/internal/accounts"
	"mila/internal/testpg"
	"mila/internal/webtest"
)

const (
	adminEmail    = "admin@example.org"
	adminPassword = "reliable horse battery staple"
)

// TestDatabaseOutage stops PostgreSQL under a serving Mila: /readyz turns
// 503, every page that needs the database shows the friendly 503 page in
// the viewer's language (also when it is the session store that fails),
// the log has outage lines but no 500s or stacks, and once PostgreSQL is
// back Mila serves again without a restart — same process, same pool,
// same session.
//
// It stops the cluster all tests in this package share, so it must not run
// in parallel with other tests (it does not call t.Parallel, and the
// parallel tests only start after the sequential ones have finished).
func TestDatabaseOutage(t *testing.T) {
	srv := webtest.NewServer(t)
	ctx := context.Background()
	if _, err := accounts.New(srv.DB).CreateOrResetAdmin(ctx, adminEmail, adminPassword); err != nil {
		t.Fatal(err)
	}
	admin := srv.Client()
	signIn(t, srv, admin)
	page := "/groups"
	if res := srv.Get(t, admin, page); res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s before the outage: %d", page, res.StatusCode)
	}

	cluster := testpg.Cluster(t)
	if err := cluster.StopServer(ctx); err != nil {
		t.Fatalf("stop PostgreSQL: %v", err)
	}
	restarted := false
	t.Cleanup(func() {
		// Leave the shared cluster running for the tests after us.
		if !restarted {
			if err := cluster.StartServer(context.Background()); err != nil {
				t.Errorf("restart PostgreSQL: %v", err)
			}
		}
	})

	res := srv.Get(t, admin, "/readyz")
	if res.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("/readyz while PostgreSQL is down: %d, want 503", res.StatusCode)
	}

	anon := srv.Client()
	// A stale or foreign session cookie makes the session store read the
	// database before any handler runs: that path must be a 503 too.
	u, _ := url.Parse(srv.URL)
	anon.Jar.SetCookies(u, []*http.Cookie{{Name: "mila_session", Value: "stale-token"}})

	cases := []struct {
		name   string
		client *http.Client
		req    *http.Request
		lang   string
		want   []string
	}{
		{"signed-in page, English", admin, webtest.NewRequest(t, http.MethodGet, page, nil, "Accept-Language", "en"), "en",
			[]string{"Database unavailable", "Try again", "PostgreSQL"}},
		{"signed-in page, German", admin, webtest.NewRequest(t, http.MethodGet, page, nil, "Accept-Language", "de"), "de",
			[]string{"Datenbank nicht erreichbar", "Erneut versuchen", "ein Neustart ist nicht nötig"}},
		{"session store fails, German", anon, webtest.NewRequest(t, http.MethodGet, "/", nil, "Accept-Language", "de-DE,de;q=0.9"), "de",
			[]string{"Datenbank nicht erreichbar"}},
		{"form post by a signed-in user", admin, webtest.NewRequest(t, http.MethodPost, "/groups",
			url.Values{"name": {"Choir"}}, "Accept-Language", "en"), "en",
			[]string{"Database unavailable"}},
		{"sign-in attempt", srv.Client(), webtest.NewRequest(t, http.MethodPost, "/sign-in",
			url.Values{"email": {adminEmail}, "password": {adminPassword}}, "Accept-Language", "en"), "en",
			[]string{"Database unavailable"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := srv.Do(t, c.client, c.req)
			body := webtest.Body(t, res)
			if res.StatusCode != http.StatusServiceUnavailable {
				t.Fatalf("status %d, want 503; body:\n%s", res.StatusCode, body)
			}
			if ra := res.Header.Get("Retry-After"); ra == "" {
				t.Error("no Retry-After header")
			}
			if cl := res.Header.Get("Content-Language"); cl != c.lang {
				t.Errorf("Content-Language %q, want %q", cl, c.lang)
			}
			for _, w := range c.want {
				if !strings.Contains(body, w) {
					t.Errorf("page lacks %q:\n%s", w, body)
				}
			}
			// Exactly one page: nothing of a redirect or another page glued on.
			if n := strings.Count(body, "<html"); n != 1 {
				t.Errorf("body has %d <html> tags, want 1", n)
			}
		})
	}

	// htmx requests get a short text, not a page to swap in.
	res = srv.Get(t, admin, page, "HX-Request", "true")
	if body := webtest.Body(t, res); res.StatusCode != http.StatusServiceUnavailable || strings.Contains(body, "<html") {
		t.Errorf("htmx request: %d %q, want 503 with plain text", res.StatusCode, body)
	}

	logs := srv.Logs()
	if !strings.Contains(logs, "database unavailable") {
		t.Errorf("the log does not say the database is unavailable:\n%s", logs)
	}
	for _, bad := range []string{"server error", "panic", "goroutine ", "status=500"} {
		if strings.Contains(logs, bad) {
			t.Errorf("the log has %q during the outage:\n%s", bad, logs)
		}
	}

	// Back up: the same app recovers by itself.
	if err := cluster.StartServer(ctx); err != nil {
		t.Fatalf("restart PostgreSQL: %v", err)
	}
	restarted = true
	waitReady(t, srv.URL)
	// The first query on each pooled connection may still meet a
	// connection the restart killed; pgxpool drops those, so poll.
	deadline := time.Now().Add(30 * time.Second)
	for {
		res := srv.Get(t, admin, page)
		if res.StatusCode == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET %s after PostgreSQL came back: %d", page, res.StatusCode)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// The session (kept in PostgreSQL) survived the outage: still signed in.
	body := webtest.Body(t, srv.Get(t, admin, page))
	if strings.Contains(body, "Database unavailable") {
		t.Errorf("the outage page is still shown after recovery")
	}
}

// signIn signs c in as the admin.
func signIn(t *testing.T, srv *webtest.Server, c *http.Client) {
	t.Helper()
	res := srv.PostForm(t, c, "/sign-in", url.Values{"email": {adminEmail}, "password": {adminPassword}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in: status %d, want 303:\n%s", res.StatusCode, webtest.Body(t, res))
	}
}
