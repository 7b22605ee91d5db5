package security

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"mila/internal/web"
	"mila/internal/webtest"
)

func setCookie(res *http.Response, name string) *http.Cookie {
	for _, ck := range res.Cookies() {
		if ck.Name == name {
			return ck
		}
	}
	return nil
}

// TestSessionCookies: the session token changes at sign-in and at
// sign-out (a planted or stolen pre-sign-in token is worthless), the old
// token no longer signs anyone in, and the session and language cookies
// are HttpOnly, SameSite=Lax, site-wide — and Secure when Mila is served
// over https, where the session cookie is __Host-mila_session (finding
// 9: the prefix makes browsers refuse it from a subdomain or over http).
func TestSessionCookies(t *testing.T) {
	for _, tt := range []struct {
		name   string
		https  bool
		cookie string
		config func(*web.Config)
	}{
		{"http", false, "mila_session", func(*web.Config) {}},
		// As `mila serve` configures it for MILA_BASE_URL=https://… (cmd/mila/serve.go).
		{"https base URL", true, "__Host-mila_session", func(c *web.Config) { c.BaseURL, c.SecureCookies = "https://mila.example.org", true }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := webtest.NewServer(t, tt.config)
			fx := newFixture(t, srv)
			client := srv.Client
			if tt.https {
				// Requests name Mila's host, as a browser does.
				client = func() *http.Client { return clientFor(srv, "mila.example.org") }
			}
			c := client()
			// A visit before signing in gets a session (a flash, the sign-in page).
			srv.Get(t, c, "/members")
			first := srv.Get(t, c, "/sign-in")
			pre := sessionToken(srv, c)
			if ck := setCookie(first, tt.cookie); pre == "" && ck != nil {
				pre = ck.Value
			}
			res := srv.PostForm(t, c, "/sign-in", url.Values{"email": {fx.email["admin"]}, "password": {password}})
			if res.StatusCode != http.StatusSeeOther {
				t.Fatalf("sign in: %d", res.StatusCode)
			}
			ck := setCookie(res, tt.cookie)
			if ck == nil {
				t.Fatalf("sign-in set no session cookie %s", tt.cookie)
			}
			if ck.Value == pre {
				t.Error("session token not renewed at sign-in")
			}
			if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" || ck.Domain != "" || ck.Secure != tt.https {
				t.Errorf("session cookie flags: HttpOnly=%v SameSite=%v Path=%q Secure=%v (want Secure=%v)",
					ck.HttpOnly, ck.SameSite, ck.Path, ck.Secure, tt.https)
			}
			signedIn := ck.Value
			if tt.https {
				// The jar keeps Secure cookies from an http test server away; carry it by hand.
				u, _ := url.Parse(srv.URL)
				c.Jar.SetCookies(u, []*http.Cookie{{Name: tt.cookie, Value: signedIn, Path: "/"}})
			}
			if res := srv.Get(t, c, "/account"); res.StatusCode != http.StatusOK {
				t.Fatalf("account after sign-in: %d", res.StatusCode)
			}
			out := srv.PostForm(t, c, "/sign-out", url.Values{})
			ck = setCookie(out, tt.cookie)
			if ck == nil || ck.Value == signedIn {
				t.Error("session token not renewed at sign-out")
			}
			// Someone who kept the signed-in token gets nothing with it.
			thief := client()
			u, _ := url.Parse(srv.URL)
			thief.Jar.SetCookies(u, []*http.Cookie{{Name: tt.cookie, Value: signedIn, Path: "/"}})
			if res := srv.Get(t, thief, "/account"); res.StatusCode != http.StatusSeeOther {
				t.Errorf("old session token still signed in: %d", res.StatusCode)
			}
			lang := setCookie(srv.PostForm(t, client(), "/lang", url.Values{"l": {"de"}, "return_to": {"/"}}), "lang")
			if lang == nil || !lang.HttpOnly || lang.SameSite != http.SameSiteLaxMode || lang.Secure != tt.https {
				t.Errorf("lang cookie flags: %+v", lang)
			}
		})
	}
}

// TestReturnToCannotLeaveSite: every way to smuggle another site into
// return_to — at sign-in, on the sign-in page when already signed in,
// and at the language switch — ends on a path of Mila.
func TestReturnToCannotLeaveSite(t *testing.T) {
	srv := webtest.NewServer(t)
	fx := newFixture(t, srv)
	hostile := []string{
		"//evil.example", "/\\evil.example", "\\\\evil.example", "https://evil.example", "http:evil.example",
		"%2F%2Fevil.example", "/%2F/evil.example", "javascript:alert(1)", "JaVaScRiPt:alert(1)",
		"data:text/html,<script>alert(1)</script>", " //evil.example", "/\t/evil.example", "/\n/evil.example",
		"///evil.example", "//evil.example/%2e%2e", "https:/\\evil.example", "/\x00/evil.example",
		"mailto:a@evil.example", "evil.example", "//user@evil.example", "/" + strings.Repeat("a", 3000),
	}
	admin := signIn(t, srv, fx.email["admin"])
	for _, rt := range hostile {
		check := func(how string, res *http.Response) {
			t.Helper()
			loc := res.Header.Get("Location")
			if res.StatusCode != http.StatusSeeOther {
				t.Errorf("%s %q: status %d", how, rt, res.StatusCode)
				return
			}
			u, err := url.Parse(loc)
			if err != nil || u.Scheme != "" || u.Host != "" || !strings.HasPrefix(loc, "/") ||
				strings.HasPrefix(loc, "//") || strings.HasPrefix(loc, "/\\") {
				t.Errorf("%s %q: Location %q leaves the site", how, rt, loc)
			}
		}
		// Sign-in (a fresh client each time; the right password).
		c := srv.Client()
		check("sign-in", srv.PostForm(t, c, "/sign-in?return_to="+url.QueryEscape(rt),
			url.Values{"email": {fx.email["admin"]}, "password": {password}, "return_to": {rt}}))
		check("sign-in page when signed in", srv.Get(t, admin, "/sign-in?return_to="+url.QueryEscape(rt)))
		check("language switch GET", srv.Get(t, srv.Client(), "/lang?l=de&return_to="+url.QueryEscape(rt)))
		check("language switch POST", srv.PostForm(t, srv.Client(), "/lang", url.Values{"l": {"en"}, "return_to": {rt}}))
	}
}
