package security

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"mila/internal/web"
	"mila/internal/webtest"
)

// The informational findings (9) of the assessment, each with its test.

// TestVersionOnlyForSignedIn: the footer named the running version (the
// commit) to anonymous visitors, who could look up what it is known to
// lack. Now only signed-in users see it.
func TestVersionOnlyForSignedIn(t *testing.T) {
	srv := webtest.NewServer(t, func(c *web.Config) { c.Version = "v1.2.3-4-gdeadbee" })
	fx := newFixture(t, srv)
	for _, p := range []string{"/", "/sign-in", "/no-such-page", "/setup?token=x", "/set-password?token=x"} {
		if body := webtest.Body(t, srv.Get(t, srv.Client(), p)); strings.Contains(body, "deadbee") {
			t.Errorf("anonymous GET %s shows the version", p)
		}
	}
	c := signIn(t, srv, fx.email["own_data"])
	if body := webtest.Body(t, srv.Get(t, c, "/account")); !strings.Contains(body, "Mila version v1.2.3-4-gdeadbee") {
		t.Error("a signed-in user does not see the version")
	}
}

// sessionCount is the number of stored sessions.
func sessionCount(t *testing.T, srv *webtest.Server) int {
	t.Helper()
	var n int
	if err := srv.DB.QueryRow(ctxb(), `SELECT count(*) FROM sessions`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestSessionIdleTimeout: a session had only its absolute 12 hours. Now
// it also ends after MILA_SESSION_IDLE (default 2 h) without a request;
// the next page says why. (The test moves the session's last-seen time
// back instead of waiting.)
func TestSessionIdleTimeout(t *testing.T) {
	srv := webtest.NewServer(t)
	fx := newFixture(t, srv)
	c := signIn(t, srv, fx.email["normal_user"])
	age := func(d string) {
		t.Helper()
		tag, err := srv.DB.Exec(ctxb(), `UPDATE sessions SET data = convert_to(jsonb_set(convert_from(data, 'UTF8')::jsonb,
			'{strings,seen}', to_jsonb(((convert_from(data, 'UTF8')::jsonb #>> '{strings,seen}')::bigint - extract(epoch FROM $2::interval)::bigint)::text))::text, 'UTF8')
			WHERE token = $1`, sessionToken(srv, c), d)
		if err != nil || tag.RowsAffected() != 1 {
			t.Fatalf("age the session: %v (%d rows)", err, tag.RowsAffected())
		}
	}
	age("1 hour 50 minutes")
	if !signedIn(t, srv, c) {
		t.Fatal("signed out before two idle hours")
	}
	age("2 hours 1 minute") // from the last request: it moved seen on
	res := srv.Get(t, c, "/members")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/sign-in") {
		t.Fatalf("after two idle hours: %d %s, want the sign-in redirect", res.StatusCode, res.Header.Get("Location"))
	}
	if body := webtest.Body(t, srv.Get(t, c, "/sign-in")); !strings.Contains(body, "not active for a while") {
		t.Error("the sign-in page does not say why")
	}
	// The setting is honoured.
	srv2 := webtest.NewServer(t, func(c *web.Config) { c.SessionIdle = 30 * 60e9 })
	fx2 := newFixture(t, srv2)
	c2 := signIn(t, srv2, fx2.email["normal_user"])
	if _, err := srv2.DB.Exec(ctxb(), `UPDATE sessions SET data = convert_to(jsonb_set(convert_from(data, 'UTF8')::jsonb,
		'{strings,seen}', to_jsonb(((convert_from(data, 'UTF8')::jsonb #>> '{strings,seen}')::bigint - 1860)::text))::text, 'UTF8')`); err != nil {
		t.Fatal(err)
	}
	if signedIn(t, srv2, c2) {
		t.Error("MILA_SESSION_IDLE=30m: still signed in after 31 idle minutes")
	}
}

// TestAnonymousRequestsStoreNoSession: anonymous requests (GET
// /setup?token=x repeated, say) created a session row each — a cheap way
// to fill the table. Now an anonymous visitor gets a session only when
// something must be stored. Every public route is tried, three times,
// by fresh clients and with an unknown session cookie.
func TestAnonymousRequestsStoreNoSession(t *testing.T) {
	srv := webtest.NewServer(t)
	newFixture(t, srv)
	u, _ := url.Parse(srv.URL)
	before := sessionCount(t, srv)
	tried := 0
	for _, rt := range srv.App.Routes() {
		if !rt.Public || rt.Bare {
			continue
		}
		p := rt.Path
		switch p {
		case "/{$}":
			p = "/"
		case "/setup", "/set-password":
			p += "?token=x"
		case "/lang":
			p += "?l=de&return_to=%2F"
		}
		var form url.Values
		if rt.Method == http.MethodPost {
			form = url.Values{"token": {"x"}, "email": {"nobody@example.org"}, "password": {"wrong password"},
				"password_confirm": {"wrong password"}, "l": {"de"}}
		}
		for i := range 3 {
			c := srv.Client()
			if i == 2 {
				c.Jar.SetCookies(u, []*http.Cookie{{Name: "mila_session", Value: "no-such-session"}})
			}
			res := srv.Do(t, c, webtest.NewRequest(t, rt.Method, p, form))
			if res.StatusCode >= 500 {
				t.Errorf("%s %s: %d", rt.Method, p, res.StatusCode)
			}
			tried++
		}
	}
	if n := sessionCount(t, srv) - before; n != 0 {
		t.Errorf("%d anonymous requests stored %d sessions, want none", tried, n)
	}
}

// TestFlashQueueBounded: one session's flash messages queued without
// bound for a client that acts and never follows the redirects. Now at
// most the newest five are kept.
func TestFlashQueueBounded(t *testing.T) {
	srv := webtest.NewServer(t)
	fx := newFixture(t, srv)
	admin := signIn(t, srv, fx.email["admin"])
	for range 20 {
		if res := srv.PostForm(t, admin, "/users/"+fx.targetUserID+"/reactivate", url.Values{}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("reactivate: %d", res.StatusCode)
		}
	}
	var size int
	if err := srv.DB.QueryRow(ctxb(), `SELECT jsonb_array_length(convert_from(data, 'UTF8')::jsonb #> '{flashes,flashes}') FROM sessions WHERE token = $1`,
		sessionToken(srv, admin)).Scan(&size); err != nil {
		t.Fatal(err)
	}
	if size != 5 {
		t.Errorf("%d flashes queued after 20 actions, want 5", size)
	}
	if n := strings.Count(webtest.Body(t, srv.Get(t, admin, "/users")), "data-flash="); n != 5 {
		t.Errorf("%d flashes shown, want 5", n)
	}
}

// TestForeignHostMisdirected: with MILA_BASE_URL set, a request naming
// another host — a page on another name pointed at Mila's address (DNS
// rebinding), whose script could then read Mila's answers — is answered
// 421 and reaches nothing. The health probes answer under any host.
func TestForeignHostMisdirected(t *testing.T) {
	srv := webtest.NewServer(t, func(c *web.Config) { c.BaseURL = "https://mila.example.org" }, behindProxy(nil))
	fx := newFixture(t, srv)
	good := clientFor(srv, "mila.example.org")
	res := srv.PostForm(t, good, "/sign-in", url.Values{"email": {fx.email["admin"]}, "password": {password}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in under the base URL's host: %d", res.StatusCode)
	}
	for _, host := range []string{"MILA.example.org", "mila.example.org:443", "mila.example.org."} {
		if res := srv.Get(t, clientFor(srv, host), "/sign-in"); res.StatusCode != http.StatusOK {
			t.Errorf("Host %s: %d", host, res.StatusCode)
		}
	}
	ck := setCookie(res, "__Host-mila_session")
	if ck == nil {
		t.Fatal("no __Host-mila_session cookie at sign-in")
	}
	token := ck.Value
	for _, host := range []string{"evil.example", "127.0.0.1", "mila.example.org.evil.example", "mila.example.org:8443"} {
		c := clientFor(srv, host)
		u, _ := url.Parse(srv.URL)
		c.Jar.SetCookies(u, []*http.Cookie{{Name: "__Host-mila_session", Value: token}})
		for _, p := range []string{"/members", "/users", "/sign-in", "/"} {
			res := srv.Get(t, c, p)
			body := webtest.Body(t, res)
			if res.StatusCode != http.StatusMisdirectedRequest || strings.Contains(body, fx.anna.LastName) || len(res.Header.Values("Set-Cookie")) > 0 {
				t.Errorf("Host %s, GET %s: %d, want 421 and nothing of Mila's", host, p, res.StatusCode)
			}
		}
		if res := srv.Get(t, c, "/healthz"); res.StatusCode != http.StatusOK {
			t.Errorf("Host %s, /healthz: %d", host, res.StatusCode)
		}
	}
	// A trusted proxy that rewrites Host says the original in X-Forwarded-Host.
	if res := srv.Get(t, clientFor(srv, "127.0.0.1:4000"), "/sign-in", "X-Forwarded-Host", "mila.example.org"); res.StatusCode != http.StatusOK {
		t.Errorf("X-Forwarded-Host from a trusted proxy: %d", res.StatusCode)
	}
	// Without a base URL nothing is checked (the address is unknown).
	plain := webtest.NewServer(t)
	if res := plain.Get(t, clientFor(plain, "anything.example"), "/sign-in"); res.StatusCode != http.StatusOK {
		t.Errorf("no base URL, any host: %d", res.StatusCode)
	}
}

// TestPathCleaningRedirectEncodesOnce: a path to clean (/./\/x) was
// redirected to a doubly encoded Location (/%255C/x). Now the cleaned
// path is encoded once, and a backslash never comes back bare (a browser
// would read "/\/x" as "//x", another host).
func TestPathCleaningRedirectEncodesOnce(t *testing.T) {
	srv := webtest.NewServer(t)
	for _, tc := range []struct{ raw, want string }{
		{"/./%5C/x", "/%5C/x"},
		{"/./%5C%5Cevil.example", "/%5C%5Cevil.example"},
		{"/a/../sign-in?return_to=%2Fmembers", "/sign-in?return_to=%2Fmembers"},
		{"/members/./%C3%A4/../x", "/members/x"},
		{"/./%C3%A4", "/%C3%A4"},
		{"//sign-in", "/sign-in"},
	} {
		req := webtest.NewRequest(t, http.MethodGet, "/", nil)
		u, err := url.Parse(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		req.URL = u
		req.URL.Opaque = "//" + u.Host + tc.raw // sent exactly as written
		res, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if loc := res.Header.Get("Location"); res.StatusCode/100 != 3 || loc != tc.want {
			t.Errorf("GET %s: %d Location %q, want %q", tc.raw, res.StatusCode, loc, tc.want)
		}
	}
}
