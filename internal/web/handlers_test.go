package web_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"mila/internal/authz"
	"mila/internal/testpg"
	"mila/internal/web"
	"mila/internal/webtest"
)

func TestMain(m *testing.M) { testpg.Main(m) }

func TestHealthz(t *testing.T) {
	srv := webtest.NewServer(t)
	res := srv.Get(t, srv.Client(), "/healthz")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status = %d", res.StatusCode)
	}
	var got map[string]string
	if err := json.NewDecoder(res.Body).Decode(&got); err != nil {
		t.Fatal(err)
	}
	if got["status"] != "ok" || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("body = %v, content type %q", got, res.Header.Get("Content-Type"))
	}
}

func TestReadyz(t *testing.T) {
	t.Run("default pings the database", func(t *testing.T) {
		srv := webtest.NewServer(t)
		if res := srv.Get(t, srv.Client(), "/readyz"); res.StatusCode != http.StatusOK {
			t.Fatalf("status = %d", res.StatusCode)
		}
	})
	t.Run("ready", func(t *testing.T) {
		srv := webtest.NewServer(t, func(c *web.Config) {
			c.Ready = func(context.Context) error { return nil }
		})
		if res := srv.Get(t, srv.Client(), "/readyz"); res.StatusCode != http.StatusOK {
			t.Fatalf("status = %d", res.StatusCode)
		}
	})
	t.Run("not ready", func(t *testing.T) {
		srv := webtest.NewServer(t, func(c *web.Config) {
			c.Ready = func(context.Context) error { return errors.New("migrations pending: 3") }
		})
		res := srv.Get(t, srv.Client(), "/readyz")
		if res.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("status = %d", res.StatusCode)
		}
		var got map[string]string
		if err := json.NewDecoder(res.Body).Decode(&got); err != nil {
			t.Fatal(err)
		}
		// The reason is generic: the details stay in the log, not on a public endpoint.
		if got["status"] != "unavailable" || got["reason"] != "not ready" {
			t.Fatalf("body = %v", got)
		}
		if !strings.Contains(srv.Logs(), "migrations pending: 3") {
			t.Fatalf("details not logged: %s", srv.Logs())
		}
	})
}

func TestHomePage(t *testing.T) {
	srv := webtest.NewServer(t)
	res := srv.Get(t, srv.Client(), "/")
	body := webtest.Body(t, res)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status = %d", res.StatusCode)
	}
	for _, want := range []string{`<html lang="en">`, "Welcome to Mila", `href="#main"`, `<main id="main"`, `name="htmx-config"`} {
		if !strings.Contains(body, want) {
			t.Errorf("home page lacks %q", want)
		}
	}
	// The version is for signed-in users only (security.TestVersionOnlyForSignedIn).
	if strings.Contains(body, "Mila version test") {
		t.Error("the anonymous home page shows the version")
	}
	if strings.Contains(body, "<script>") || strings.Contains(body, "style=") {
		t.Error("page has inline script or style; the CSP forbids both")
	}
}

func TestNotFoundInBothLanguages(t *testing.T) {
	srv := webtest.NewServer(t)
	tests := []struct {
		name   string
		header []string
		lang   string
		text   string
	}{
		{"default english", nil, "en", "Page not found"},
		{"accept-language german", []string{"Accept-Language", "de-DE,de;q=0.9,en;q=0.5"}, "de", "Seite nicht gefunden"},
		{"cookie beats accept-language", []string{"Accept-Language", "de", "Cookie", "lang=en"}, "en", "Page not found"},
		{"unsupported language falls back", []string{"Accept-Language", "fr-FR"}, "en", "Page not found"},
		{"bad cookie ignored", []string{"Cookie", "lang=xx", "Accept-Language", "de"}, "de", "Seite nicht gefunden"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, path := range []string{"/no/such/page", "/static/nope.css"} {
				res := srv.Get(t, srv.Client(), path, tt.header...)
				body := webtest.Body(t, res)
				if res.StatusCode != http.StatusNotFound {
					t.Fatalf("%s: status = %d", path, res.StatusCode)
				}
				if !strings.Contains(body, `<html lang="`+tt.lang+`">`) || !strings.Contains(body, tt.text) {
					t.Errorf("%s: want lang %s and %q in:\n%s", path, tt.lang, tt.text, body)
				}
			}
		})
	}
}

func TestMethodNotAllowed(t *testing.T) {
	srv := webtest.NewServer(t)
	res := srv.Do(t, srv.Client(), webtest.NewRequest(t, http.MethodDelete, "/lang", nil))
	if res.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("status = %d", res.StatusCode)
	}
	if allow := res.Header.Get("Allow"); !strings.Contains(allow, "POST") {
		t.Errorf("Allow = %q", allow)
	}
}

func TestPanicIsA500WithoutStack(t *testing.T) {
	srv := webtest.NewServer(t)
	srv.App.HandleForTest("GET /test/panic", func(http.ResponseWriter, *http.Request) {
		panic("kaboom secret detail")
	})
	res := srv.Get(t, srv.Client(), "/test/panic", "Accept-Language", "de")
	body := webtest.Body(t, res)
	if res.StatusCode != http.StatusInternalServerError {
		t.Fatalf("status = %d", res.StatusCode)
	}
	if strings.Contains(body, "kaboom") || strings.Contains(body, "goroutine") || strings.Contains(body, ".go:") {
		t.Errorf("500 page leaks the panic:\n%s", body)
	}
	if !strings.Contains(body, "Etwas ist schiefgelaufen") {
		t.Errorf("500 page not in German:\n%s", body)
	}
	logs := srv.Logs()
	if !strings.Contains(logs, "kaboom secret detail") || !strings.Contains(logs, "goroutine") {
		t.Errorf("panic and stack not logged:\n%s", logs)
	}
	// The server keeps serving.
	if res := srv.Get(t, srv.Client(), "/healthz"); res.StatusCode != http.StatusOK {
		t.Fatalf("after panic: status = %d", res.StatusCode)
	}
}

func TestTemplateErrorIsA500(t *testing.T) {
	srv := webtest.NewServer(t)
	srv.App.HandleForTest("GET /test/missing-template", srv.App.RenderForTest("no_such_page"))
	res := srv.Get(t, srv.Client(), "/test/missing-template")
	body := webtest.Body(t, res)
	if res.StatusCode != http.StatusInternalServerError || !strings.Contains(body, "Something went wrong") {
		t.Fatalf("status = %d, body:\n%s", res.StatusCode, body)
	}
}

func TestBodyLimit(t *testing.T) {
	srv := webtest.NewServer(t)
	form := url.Values{"l": {"de"}, "pad": {strings.Repeat("x", 2<<20)}}
	res := srv.PostForm(t, srv.Client(), "/lang", form)
	body := webtest.Body(t, res)
	if res.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("status = %d", res.StatusCode)
	}
	if !strings.Contains(body, "Too much data") {
		t.Errorf("413 page lacks its title:\n%s", body)
	}
	// A normal-sized form still works.
	if res := srv.PostForm(t, srv.Client(), "/lang", url.Values{"l": {"de"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("small form: status = %d", res.StatusCode)
	}
}

func TestSecurityHeaders(t *testing.T) {
	srv := webtest.NewServer(t)
	for _, path := range []string{"/", "/nope", "/healthz"} {
		res := srv.Get(t, srv.Client(), path)
		h := res.Header
		csp := h.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'self'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "form-action 'self'", "base-uri 'self'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %q", path, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
			t.Errorf("%s: CSP allows unsafe code: %q", path, csp)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: X-Content-Type-Options = %q", path, h.Get("X-Content-Type-Options"))
		}
		if h.Get("Referrer-Policy") == "" || h.Get("X-Request-Id") == "" {
			t.Errorf("%s: Referrer-Policy %q, X-Request-Id %q", path, h.Get("Referrer-Policy"), h.Get("X-Request-Id"))
		}
	}
}

func TestCrossOriginPostRefused(t *testing.T) {
	srv := webtest.NewServer(t)
	form := url.Values{"l": {"de"}, "return_to": {"/"}}
	tests := []struct {
		name   string
		header []string
		want   int
	}{
		{"cross-site fetch metadata", []string{"Sec-Fetch-Site", "cross-site"}, http.StatusForbidden},
		{"foreign origin", []string{"Origin", "https://evil.example"}, http.StatusForbidden},
		{"same-origin fetch metadata", []string{"Sec-Fetch-Site", "same-origin"}, http.StatusSeeOther},
		{"same origin header", []string{"Origin", srv.URL}, http.StatusSeeOther},
		{"no browser headers", nil, http.StatusSeeOther},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := srv.PostForm(t, srv.Client(), "/lang", form, tt.header...)
			if res.StatusCode != tt.want {
				t.Fatalf("status = %d, want %d", res.StatusCode, tt.want)
			}
			if tt.want == http.StatusForbidden {
				if body := webtest.Body(t, res); !strings.Contains(body, "Access denied") {
					t.Errorf("403 page lacks its title:\n%s", body)
				}
				for _, c := range res.Cookies() {
					if c.Name == "lang" {
						t.Error("refused request still set the lang cookie")
					}
				}
			}
		})
	}
}

func TestLanguageSwitch(t *testing.T) {
	srv := webtest.NewServer(t)
	c := srv.Client()
	res := srv.PostForm(t, c, "/lang", url.Values{"l": {"de"}, "return_to": {"/some/page?q=M%C3%BCller"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("status = %d", res.StatusCode)
	}
	if loc := res.Header.Get("Location"); loc != "/some/page?q=M%C3%BCller" {
		t.Errorf("Location = %q", loc)
	}
	var cookie *http.Cookie
	for _, ck := range res.Cookies() {
		if ck.Name == "lang" {
			cookie = ck
		}
	}
	if cookie == nil || cookie.Value != "de" || cookie.Path != "/" || cookie.SameSite != http.SameSiteLaxMode {
		t.Fatalf("lang cookie = %+v", cookie)
	}
	// The cookie now wins over Accept-Language.
	body := webtest.Body(t, srv.Get(t, c, "/", "Accept-Language", "en"))
	if !strings.Contains(body, `<html lang="de">`) || !strings.Contains(body, "Willkommen bei Mila") {
		t.Errorf("home after switching to German:\n%s", body)
	}
	// GET works too (for links), and switches back.
	res = srv.Get(t, c, "/lang?l=en&return_to=/")
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("GET /lang: status = %d", res.StatusCode)
	}
	body = webtest.Body(t, srv.Get(t, c, "/"))
	if !strings.Contains(body, `<html lang="en">`) || !strings.Contains(body, "Welcome to Mila") {
		t.Errorf("home after switching back:\n%s", body)
	}
	// An unknown language is a 400, not a cookie.
	if res := srv.PostForm(t, c, "/lang", url.Values{"l": {"fr"}}); res.StatusCode != http.StatusBadRequest {
		t.Errorf("l=fr: status = %d", res.StatusCode)
	}
}

func TestReturnToStaysOnSite(t *testing.T) {
	srv := webtest.NewServer(t)
	tests := map[string]string{
		"https://evil.example/":   "/",
		"//evil.example/x":        "/",
		"/\\evil.example":         "/",
		"\\\\evil.example":        "/",
		"javascript:alert(1)":     "/",
		"evil.example":            "/",
		"/%0d%0aSet-Cookie:x=y":   "/%0d%0aSet-Cookie:x=y", // escaped, harmless path
		"/members?q=a&status=all": "/members?q=a&status=all",
		"":                        "/",
	}
	for in, want := range tests {
		res := srv.PostForm(t, srv.Client(), "/lang", url.Values{"l": {"en"}, "return_to": {in}})
		if got := res.Header.Get("Location"); got != want {
			t.Errorf("return_to %q: Location = %q, want %q", in, got, want)
		}
	}
}

var assetHref = regexp.MustCompile(`href="(/static/app\.css\?v=[0-9a-f]+)"`)

func TestStaticAssetCaching(t *testing.T) {
	srv := webtest.NewServer(t)
	c := srv.Client()
	m := assetHref.FindStringSubmatch(webtest.Body(t, srv.Get(t, c, "/")))
	if m == nil {
		t.Fatal("home page links no hashed app.css; are the assets built? run `npm ci && npm run build`")
	}
	res := srv.Get(t, c, m[1])
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status = %d", m[1], res.StatusCode)
	}
	if cc := res.Header.Get("Cache-Control"); cc != "public, max-age=31536000, immutable" {
		t.Errorf("Cache-Control = %q", cc)
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/css") {
		t.Errorf("Content-Type = %q", ct)
	}
	if res.Header.Get("Set-Cookie") != "" {
		t.Error("static file sets a cookie")
	}
	// A stale or missing hash must not be cached forever.
	res = srv.Get(t, c, "/static/app.css?v=0000")
	if cc := res.Header.Get("Cache-Control"); res.StatusCode != http.StatusOK || cc != "no-cache" {
		t.Errorf("stale hash: status %d, Cache-Control %q", res.StatusCode, cc)
	}
	for _, name := range []string{"htmx.min.js", "app.js"} {
		if res := srv.Get(t, c, "/static/"+name); res.StatusCode != http.StatusOK {
			t.Errorf("%s: status = %d", name, res.StatusCode)
		}
	}
	if res := srv.Get(t, c, "/static/.gitkeep"); res.StatusCode != http.StatusNotFound {
		t.Errorf(".gitkeep: status = %d", res.StatusCode)
	}
}

func TestGuardSendsAnonymousToSignIn(t *testing.T) {
	srv := webtest.NewServer(t)
	srv.App.GuardedForTest("GET /test/secret", authz.Member, authz.Read, func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusTeapot)
	})
	res := srv.Get(t, srv.Client(), "/test/secret?page=2")
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("status = %d", res.StatusCode)
	}
	if loc := res.Header.Get("Location"); loc != "/sign-in?return_to=%2Ftest%2Fsecret%3Fpage%3D2" {
		t.Errorf("Location = %q", loc)
	}
	res = srv.Get(t, srv.Client(), "/test/secret", "HX-Request", "true")
	if res.Header.Get("HX-Redirect") == "" {
		t.Error("htmx request got no HX-Redirect")
	}
}

func TestRoutesAreDeclared(t *testing.T) {
	srv := webtest.NewServer(t)
	seen := map[string]bool{}
	for _, rt := range srv.App.Routes() {
		seen[rt.Pattern] = true
		if !rt.Public && (rt.Resource == "" || rt.Action == "") {
			t.Errorf("route %s declares no permission", rt.Pattern)
		}
		if rt.Method == "" {
			t.Errorf("route %s has no method", rt.Pattern)
		}
	}
	for _, p := range []string{"GET /healthz", "GET /readyz", "GET /{$}", "POST /lang"} {
		if !seen[p] {
			t.Errorf("route %s not registered", p)
		}
	}
}

func TestFlashShownOnce(t *testing.T) {
	srv := webtest.NewServer(t)
	srv.App.HandleForTest("POST /test/flash-ok", srv.App.FlashForTest("success", "HomeHeading"))
	srv.App.HandleForTest("POST /test/flash-err", srv.App.FlashForTest("error", "ErrorServerTitle"))
	c := srv.Client()
	res := srv.PostForm(t, c, "/test/flash-ok", url.Values{})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("status = %d", res.StatusCode)
	}
	var session *http.Cookie
	for _, ck := range res.Cookies() {
		if ck.Name == "mila_session" {
			session = ck
		}
	}
	if session == nil || !session.HttpOnly || session.SameSite != http.SameSiteLaxMode {
		t.Fatalf("session cookie = %+v", session)
	}
	srv.PostForm(t, c, "/test/flash-err", url.Values{})
	body := webtest.Body(t, srv.Get(t, c, "/"))
	if !strings.Contains(body, `role="status" class="alert flash flash-quiet" data-flash="success"`) ||
		!strings.Contains(body, `role="alert" class="alert alert-error flash" data-flash="error"`) {
		t.Errorf("flashes missing:\n%s", body)
	}
	body = webtest.Body(t, srv.Get(t, c, "/"))
	if strings.Contains(body, "data-flash=") {
		t.Error("flash shown twice")
	}
}

func TestErrorResponseMapsSentinels(t *testing.T) {
	srv := webtest.NewServer(t)
	tests := []struct {
		name string
		err  error
		want int
		text string
	}{
		{"forbidden", fmt.Errorf("delete group: %w", authz.ErrForbidden), http.StatusForbidden, "Access denied"},
		{"not found", fmt.Errorf("load member: %w", web.ErrNotFound), http.StatusNotFound, "Page not found"},
		{"no rows", fmt.Errorf("load group: %w", pgx.ErrNoRows), http.StatusNotFound, "Page not found"},
		{"other", errors.New("connection reset"), http.StatusInternalServerError, "Something went wrong"},
	}
	for _, tt := range tests {
		path := "/test/error/" + strings.ReplaceAll(tt.name, " ", "-")
		srv.App.HandleForTest("GET "+path, srv.App.ErrorForTest(tt.err))
		res := srv.Get(t, srv.Client(), path)
		body := webtest.Body(t, res)
		if res.StatusCode != tt.want || !strings.Contains(body, tt.text) {
			t.Errorf("%s: status %d, want %d with %q", tt.name, res.StatusCode, tt.want, tt.text)
		}
		if strings.Contains(body, "connection reset") {
			t.Errorf("%s: error text leaked to the page", tt.name)
		}
	}
}

func TestRenderPartial(t *testing.T) {
	srv := webtest.NewServer(t)
	srv.App.HandleForTest("GET /test/partial", srv.App.PartialForTest("home", "main"))
	body := webtest.Body(t, srv.Get(t, srv.Client(), "/test/partial", "HX-Request", "true", "Accept-Language", "de"))
	if !strings.Contains(body, "Willkommen bei Mila") || strings.Contains(body, "<html") {
		t.Errorf("partial:\n%s", body)
	}
}

func TestExpiredSessionsDeleted(t *testing.T) {
	srv := webtest.NewServer(t)
	ctx := context.Background()
	_, err := srv.DB.Exec(ctx, `INSERT INTO sessions (token, data, expiry) VALUES
		('old', '\x00', now() - interval '1 hour'), ('live', '\x00', now() + interval '1 hour')`)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.App.DeleteExpiredSessions(ctx); err != nil {
		t.Fatal(err)
	}
	rows, _ := srv.DB.Query(ctx, `SELECT token FROM sessions ORDER BY token`)
	tokens, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(tokens, ",") != "live" {
		t.Errorf("sessions left: %v", tokens)
	}
}
