package security

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"mila/internal/web"
	"mila/internal/webtest"
)

// concretePath fills a route's wildcards with real records of fx, so a
// missing protection would really change something.
func concretePath(fx *fixture, rt web.Route) string {
	p := rt.Path
	id := ""
	switch {
	case strings.HasPrefix(p, "/members/"):
		id = fx.anna.ID
	case strings.HasPrefix(p, "/users/"):
		id = fx.targetUserID
	case strings.HasPrefix(p, "/admin/roles/"):
		id = fx.customRoleID
	case strings.HasPrefix(p, "/admin/fields/"):
		id = fx.fields["string"].ID
	}
	r := strings.NewReplacer("{id}", id, "{slug}", fx.chor.Slug, "{member_id}", fx.bert.ID, "{path...}", "app.js", "{$}", "")
	return r.Replace(p)
}

// unionForm is valid for every action at once (each reads its own keys):
// a cross-site request that got through would change the database.
func unionForm(fx *fixture) url.Values {
	return url.Values{
		"first_name": {"Evil"}, "last_name": {"Site"}, "version": {fmt.Sprint(fx.version(fx.anna.ID))},
		"name": {"Evil"}, "confirm_name": {"Chor"}, "value_type": {"string"}, "permission_set": {"admin"},
		"role_id": {fx.adminRoleID}, "email": {"evil@example.org"}, "password_mode": {"link"},
		"member_id": {fx.anna.ID}, "group": {fx.band.Slug}, "user_id": {fx.targetUserID},
		"l": {"de"}, "return_to": {"/"}, "password": {password}, "current_password": {password},
		"new_password": {"evil new password"}, "new_password_confirm": {"evil new password"},
		"password_confirm": {"evil new password"}, "token": {"x"},
	}
}

// TestCrossOriginEveryUnsafeRoute posts to every unsafe route of the
// registry as a signed-in admin, from another site — once announced by
// Origin, once by Sec-Fetch-Site — with a form that would be valid: each
// is refused with 403, the database and the session unchanged.
func TestCrossOriginEveryUnsafeRoute(t *testing.T) {
	srv := webtest.NewServer(t)
	fx := newFixture(t, srv)
	c := signIn(t, srv, fx.email["admin"])
	token := sessionToken(srv, c)
	tried := 0
	for _, rt := range srv.App.Routes() {
		if rt.Method == "" || rt.Method == http.MethodGet || rt.Method == http.MethodHead {
			continue
		}
		p := concretePath(fx, rt)
		for _, h := range [][]string{
			{"Origin", "https://evil.example"},
			{"Sec-Fetch-Site", "cross-site"},
		} {
			before := webtest.Checksum(t, srv.DB)
			res := srv.Do(t, c, webtest.NewRequest(t, rt.Method, p, unionForm(fx), h...))
			body := webtest.Body(t, res)
			where := fmt.Sprintf("%s %s with %s: %s", rt.Method, p, h[0], h[1])
			if res.StatusCode != http.StatusForbidden || !strings.Contains(body, "Access denied") {
				t.Errorf("%s: %d, want the 403 page", where, res.StatusCode)
			}
			if after := webtest.Checksum(t, srv.DB); after != before {
				t.Errorf("%s: the database changed (%s)", where, webtest.ChangedTables(before, after))
			}
			if got := sessionToken(srv, c); got != token {
				t.Errorf("%s: the session changed", where)
			}
			for _, ck := range res.Cookies() {
				t.Errorf("%s: refused request set cookie %s", where, ck.Name)
			}
			tried++
		}
	}
	if tried < 2*30 {
		t.Errorf("only %d cross-origin requests; are all routes registered?", tried)
	}
	t.Logf("%d cross-origin requests refused", tried)
	// The same requests from the site itself still work (the check is not
	// simply refusing everything): one harmless example.
	res := srv.PostForm(t, c, "/lang", url.Values{"l": {"de"}, "return_to": {"/"}}, "Origin", srv.URL, "Sec-Fetch-Site", "same-origin")
	if res.StatusCode != http.StatusSeeOther {
		t.Errorf("same-origin POST /lang: %d", res.StatusCode)
	}
}
