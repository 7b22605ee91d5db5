package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"mila/internal/accounts"
	"mila/internal/authz"
	"mila/internal/web"
	"mila/internal/webtest"
)

func TestSignInPage(t *testing.T) {
	srv := webtest.NewServer(t)
	res := srv.Get(t, srv.Client(), "/sign-in?return_to=%2Fusers")
	body := webtest.Body(t, res)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d", res.StatusCode)
	}
	mustContain(t, body, `name="email"`, `name="password"`, `name="return_to" value="/users"`, `autocomplete="current-password"`,
		"Mila has no users yet", "mila admin create --name")
	seedUsers(t, srv)
	body = webtest.Body(t, srv.Get(t, srv.Client(), "/sign-in"))
	if strings.Contains(body, "Mila has no users yet") {
		t.Error("the empty-installation note shows although users exist")
	}
}

func TestSignInAndOut(t *testing.T) {
	srv := webtest.NewServer(t)
	seedUsers(t, srv)
	c := srv.Client()

	// A session from before sign-in (here: from an earlier sign-in and
	// sign-out; an anonymous visitor gets none of their own) ...
	srv.PostForm(t, c, "/sign-in", url.Values{"email": {"admin@example.org"}, "password": {testPassword}})
	srv.PostForm(t, c, "/sign-out", url.Values{})
	before := sessionCookie(srv, c)
	if before == "" {
		t.Fatal("no session cookie before sign-in")
	}
	res := srv.PostForm(t, c, "/sign-in", url.Values{"email": {"ADMIN@example.org"}, "password": {testPassword}, "return_to": {"/users?x=1"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/users?x=1" {
		t.Fatalf("sign in: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	// ... is not the session after it (no session fixation).
	after := sessionCookie(srv, c)
	if after == "" || after == before {
		t.Fatal("session token not renewed at sign-in")
	}
	ck := findSetCookie(res, "mila_session")
	if ck == nil || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Secure {
		t.Errorf("session cookie flags: %+v", ck)
	}
	if res := srv.Get(t, c, "/users"); res.StatusCode != http.StatusOK {
		t.Fatalf("signed in: /users %d", res.StatusCode)
	}
	body := webtest.Body(t, srv.Get(t, c, "/account"))
	mustContain(t, body, "admin@example.org", `action="/sign-out"`, `href="/users"`, `href="/admin/roles"`)

	res = srv.PostForm(t, c, "/sign-out", url.Values{})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/sign-in" {
		t.Fatalf("sign out: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	if sessionCookie(srv, c) == after {
		t.Error("session token not renewed at sign-out")
	}
	mustContain(t, webtest.Body(t, srv.Get(t, c, "/sign-in")), "You have signed out.")
	res = srv.Get(t, c, "/account")
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/sign-in?return_to=%2Faccount" {
		t.Fatalf("after sign-out: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	// The old token is dead too, even if someone kept it.
	old := srv.Client()
	u, _ := url.Parse(srv.URL)
	old.Jar.SetCookies(u, []*http.Cookie{{Name: "mila_session", Value: after}})
	if res := srv.Get(t, old, "/account"); res.StatusCode != http.StatusSeeOther {
		t.Errorf("old session token still works: %d", res.StatusCode)
	}
}

func TestSecureCookieBehindHTTPS(t *testing.T) {
	srv := webtest.NewServer(t, func(c *web.Config) { c.SecureCookies = true })
	seedUsers(t, srv)
	res := srv.PostForm(t, srv.Client(), "/sign-in", url.Values{"email": {"admin@example.org"}, "password": {testPassword}})
	if ck := findSetCookie(res, "mila_session"); ck == nil || !ck.Secure {
		t.Errorf("session cookie not Secure: %+v", ck)
	}
}

func findSetCookie(res *http.Response, name string) *http.Cookie {
	for _, ck := range res.Cookies() {
		if ck.Name == name {
			return ck
		}
	}
	return nil
}

// TestSignInFailures: unknown email and wrong password get the same
// message, in the viewer's language; required fields are checked.
func TestSignInFailures(t *testing.T) {
	srv := webtest.NewServer(t)
	seedUsers(t, srv)
	tests := []struct {
		email, password, lang, want string
		status                      int
	}{
		{"admin@example.org", "wrong password", "en", "The email or the password is wrong.", 422},
		{"nobody@example.org", testPassword, "en", "The email or the password is wrong.", 422},
		{"admin@example.org", "wrong password", "de", "E-Mail oder Passwort ist falsch.", 422},
		{"", "", "en", "Please fill in this field.", 422},
	}
	for _, tt := range tests {
		res := srv.PostForm(t, srv.Client(), "/sign-in", url.Values{"email": {tt.email}, "password": {tt.password}}, "Accept-Language", tt.lang)
		body := webtest.Body(t, res)
		if res.StatusCode != tt.status {
			t.Errorf("%s/%s: status %d", tt.email, tt.lang, res.StatusCode)
		}
		mustContain(t, body, tt.want, `value="`+tt.email+`"`)
		if tt.password != "" && strings.Contains(body, tt.password) {
			t.Errorf("%s: the password is sent back", tt.email)
		}
	}
}

func TestSignInThrottled(t *testing.T) {
	srv := webtest.NewServer(t)
	seedUsers(t, srv)
	for i := 0; i < accounts.DefaultThrottle.PerEmail; i++ {
		srv.PostForm(t, srv.Client(), "/sign-in", url.Values{"email": {"admin@example.org"}, "password": {"wrong password"}})
	}
	for _, tt := range []struct{ lang, want string }{
		{"en", "Too many failed attempts. Please try again in 15 minutes."},
		{"de", "Zu viele fehlgeschlagene Versuche. Bitte versuchen Sie es in 15 Minuten erneut."},
	} {
		res := srv.PostForm(t, srv.Client(), "/sign-in", url.Values{"email": {"admin@example.org"}, "password": {testPassword}}, "Accept-Language", tt.lang)
		if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" {
			t.Errorf("%s: status %d, Retry-After %q", tt.lang, res.StatusCode, res.Header.Get("Retry-After"))
		}
		mustContain(t, webtest.Body(t, res), tt.want)
	}
}

// TestReturnToSanitised: sign-in goes back only to paths on this site.
func TestReturnToSanitised(t *testing.T) {
	srv := webtest.NewServer(t)
	seedUsers(t, srv)
	tests := map[string]string{
		"":                       "/",
		"/users?sort=email":      "/users?sort=email",
		"/account":               "/account",
		"//evil.example/x":       "/",
		"/\\evil.example":        "/",
		"\\\\evil.example":       "/",
		"https://evil.example/":  "/",
		"javascript:alert(1)":    "/",
		"users":                  "/",
		"/ok\r\nSet-Cookie: x=y": "/",
		"http:/evil.example":     "/",
	}
	for in, want := range tests {
		res := srv.PostForm(t, srv.Client(), "/sign-in", url.Values{"email": {"admin@example.org"}, "password": {testPassword}, "return_to": {in}})
		if got := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || got != want {
			t.Errorf("return_to %q: %d %q, want %q", in, res.StatusCode, got, want)
		}
	}
	// Already signed in: GET /sign-in goes straight on, sanitised too.
	c := signIn(t, srv, "admin@example.org", testPassword)
	if got := srv.Get(t, c, "/sign-in?return_to=//evil.example").Header.Get("Location"); got != "/" {
		t.Errorf("signed-in GET /sign-in goes to %q", got)
	}
}

func TestChangeOwnPassword(t *testing.T) {
	srv := webtest.NewServer(t)
	users := seedUsers(t, srv)
	email := users[authz.OwnData].Email
	c := signIn(t, srv, email, testPassword)
	other := signIn(t, srv, email, testPassword) // another device

	res := srv.PostForm(t, c, "/account/password", url.Values{"current_password": {"not it at all"}, "new_password": {"a brand new password"}, "new_password_confirm": {"a brand new password"}})
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("wrong current: %d", res.StatusCode)
	}
	mustContain(t, webtest.Body(t, res), "This is not your current password.")
	res = srv.PostForm(t, c, "/account/password", url.Values{"current_password": {testPassword}, "new_password": {"a brand new password"}, "new_password_confirm": {"a different one!"}})
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("mismatch: %d", res.StatusCode)
	}
	mustContain(t, webtest.Body(t, res), "The two passwords are not the same.")

	res = srv.PostForm(t, c, "/account/password", url.Values{"current_password": {testPassword}, "new_password": {"a brand new password"}, "new_password_confirm": {"a brand new password"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/account" {
		t.Fatalf("change: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	mustContain(t, webtest.Body(t, srv.Get(t, c, "/account")), "Your password has been changed.")
	// The other device is signed out; the old password no longer works.
	if res := srv.Get(t, other, "/account"); res.StatusCode != http.StatusSeeOther {
		t.Errorf("other session survived the password change: %d", res.StatusCode)
	}
	res = srv.PostForm(t, srv.Client(), "/sign-in", url.Values{"email": {email}, "password": {testPassword}})
	if res.StatusCode == http.StatusSeeOther {
		t.Error("old password still signs in")
	}
	signIn(t, srv, email, "a brand new password")
}

var tokenRE = regexp.MustCompile(`token=([A-Za-z0-9_-]{43})`)

func TestSetupFlow(t *testing.T) {
	srv := webtest.NewServer(t)
	tok, err := accounts.New(srv.DB).NewSetupToken(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	c := srv.Client()
	if res := srv.Get(t, c, "/setup?token=wrong"); res.StatusCode != http.StatusNotFound {
		t.Errorf("wrong token: %d", res.StatusCode)
	}
	res := srv.Get(t, c, "/setup?token="+tok)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("setup page: %d", res.StatusCode)
	}
	mustContain(t, webtest.Body(t, res), "Create the first administrator", `name="token"`)
	res = srv.PostForm(t, c, "/setup", url.Values{"token": {tok}, "name": {"Chief"}, "email": {"chief@example.org"}, "password": {"short"}, "password_confirm": {"short"}})
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("short password: %d", res.StatusCode)
	}
	// Every mistake is reported at once: no name, a bad email, a short
	// password and a confirmation that differs, all in one answer.
	res = srv.PostForm(t, c, "/setup", url.Values{"token": {tok}, "email": {"chief-at-example"}, "password": {"short"}, "password_confirm": {"shirt"}})
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("three mistakes: %d", res.StatusCode)
	}
	body := webtest.Body(t, res)
	for _, id := range []string{`id="field-name-error"`, `id="field-email-error"`, `id="field-password-error"`, `id="field-password_confirm-error"`} {
		if !strings.Contains(body, id) {
			t.Errorf("setup with three mistakes does not report %s", id)
		}
	}
	res = srv.PostForm(t, c, "/setup", url.Values{"token": {tok}, "name": {"Chief"}, "email": {"chief@example.org"}, "password": {"chief password"}, "password_confirm": {"chief password"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/" {
		t.Fatalf("setup: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	if res := srv.Get(t, c, "/users"); res.StatusCode != http.StatusOK {
		t.Errorf("the new admin is not signed in: %d", res.StatusCode)
	}
	// The link is dead now.
	other := srv.Client()
	res = srv.PostForm(t, other, "/setup", url.Values{"token": {tok}, "name": {"Second"}, "email": {"second@example.org"}, "password": {"second password"}, "password_confirm": {"second password"}})
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("second use: %d", res.StatusCode)
	}
	mustContain(t, webtest.Body(t, res), "This link no longer works")
	// Opening any setup link now leads to sign-in: setup is over.
	if res := srv.Get(t, other, "/setup?token="+tok); res.Header.Get("Location") != "/sign-in" {
		t.Errorf("setup page after setup: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	var n int
	_ = srv.DB.QueryRow(context.Background(), `SELECT count(*) FROM users`).Scan(&n)
	if n != 1 {
		t.Errorf("%d users after setup", n)
	}
}

// TestAdminManagesUsers: create with a link, the user sets their
// password, role change, deactivation ends their session, last admin.
func TestAdminManagesUsers(t *testing.T) {
	srv := webtest.NewServer(t)
	seedUsers(t, srv)
	admin := signIn(t, srv, "admin@example.org", testPassword)
	ctx := context.Background()
	roles, _ := accounts.New(srv.DB).ListRoles(ctx, actorByEmail(t, srv, "admin@example.org"))
	boardRole, treasurerRole := systemRole(roles, authz.ReadOnly).ID, systemRole(roles, authz.NormalUser).ID

	res := srv.PostForm(t, admin, "/users", url.Values{"name": {"New Colleague"}, "email": {"neu@example.org"}, "role_id": {boardRole}, "password_mode": {"link"}})
	body := webtest.Body(t, res)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("create with link: %d", res.StatusCode)
	}
	m := tokenRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no link on the page:\n%s", body)
	}
	mustContain(t, body, srv.URL+"/set-password?token=")

	// The new user follows the link.
	u := srv.Client()
	res = srv.Get(t, u, "/set-password?token="+m[1])
	if res.StatusCode != http.StatusOK {
		t.Fatalf("set-password page: %d", res.StatusCode)
	}
	mustContain(t, webtest.Body(t, res), "neu@example.org")
	res = srv.PostForm(t, u, "/set-password", url.Values{"token": {m[1]}, "password": {"my chosen password"}, "password_confirm": {"my chosen password"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("set password: %d", res.StatusCode)
	}
	if res := srv.Get(t, u, "/set-password?token="+m[1]); res.StatusCode != http.StatusNotFound {
		t.Errorf("link works twice: %d", res.StatusCode)
	}
	neu := actorByEmail(t, srv, "neu@example.org")
	if neu.Set != authz.ReadOnly {
		t.Errorf("new user's set %s", neu.Set)
	}

	// Role change.
	res = srv.PostForm(t, admin, "/users/"+neu.UserID+"/role", url.Values{"role_id": {treasurerRole}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("role change: %d", res.StatusCode)
	}
	mustContain(t, webtest.Body(t, srv.Get(t, admin, "/users/"+neu.UserID)), "The role of neu@example.org has been changed.", "Treasurer")
	if a := actorByEmail(t, srv, "neu@example.org"); a.Set != authz.NormalUser {
		t.Errorf("set after role change: %s", a.Set)
	}

	// The role change ended the user's session; they sign in anew.
	if res := srv.Get(t, u, "/account"); res.StatusCode != http.StatusSeeOther {
		t.Errorf("session survives a role change: %d", res.StatusCode)
	}
	u = signIn(t, srv, "neu@example.org", "my chosen password")

	// Deactivation ends the user's session.
	if res := srv.Get(t, u, "/account"); res.StatusCode != http.StatusOK {
		t.Fatalf("user signed in: %d", res.StatusCode)
	}
	srv.PostForm(t, admin, "/users/"+neu.UserID+"/deactivate", url.Values{})
	if res := srv.Get(t, u, "/account"); res.StatusCode != http.StatusSeeOther {
		t.Errorf("deactivated user still signed in: %d", res.StatusCode)
	}

	// The last admin cannot demote or delete themselves.
	self := actorByEmail(t, srv, "admin@example.org")
	srv.PostForm(t, admin, "/users/"+self.UserID+"/role", url.Values{"role_id": {boardRole}})
	mustContain(t, webtest.Body(t, srv.Get(t, admin, "/users/"+self.UserID)), "this is the last active administrator")
	res = srv.PostForm(t, admin, "/users/"+self.UserID+"/delete", url.Values{})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("delete last admin: %d", res.StatusCode)
	}
	if a := actorByEmail(t, srv, "admin@example.org"); a.Set != authz.Admin {
		t.Error("the last admin was demoted")
	}

	// Delete a user; a malformed or unknown id is a 404.
	res = srv.PostForm(t, admin, "/users/"+neu.UserID+"/delete", url.Values{})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/users" {
		t.Fatalf("delete: %d", res.StatusCode)
	}
	for _, p := range []string{"/users/" + neu.UserID, "/users/not-an-id", "/admin/roles/not-an-id"} {
		if res := srv.Get(t, admin, p); res.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", p, res.StatusCode)
		}
	}
}

func TestAdminManagesRoles(t *testing.T) {
	srv := webtest.NewServer(t)
	seedUsers(t, srv)
	admin := signIn(t, srv, "admin@example.org", testPassword)

	body := webtest.Body(t, srv.Get(t, admin, "/admin/roles", "Accept-Language", "de"))
	mustContain(t, body, "Mitglied", "Vorstand", "Kassenwart", "Administrator", "Berechtigungsstufe")
	// Each role says in plain words what it allows and what it is for.
	mustContain(t, body, "Liest alle Mitglieder, Gruppen und Datenfelder; ändert nichts.", "Für Vorstandsmitglieder, die nachschlagen")
	mustContain(t, webtest.Body(t, srv.Get(t, admin, "/admin/roles")), "Reads all members, groups and data fields; changes nothing.",
		"Cannot delete members or change groups")
	mustContain(t, webtest.Body(t, srv.Get(t, admin, "/users/new")), "What each role allows", "<dt class=\"font-medium\">Board</dt>",
		"Sees and changes only their own member record")

	res := srv.PostForm(t, admin, "/admin/roles", url.Values{"name": {""}, "permission_set": {"root"}})
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("invalid role: %d", res.StatusCode)
	}
	mustContain(t, webtest.Body(t, res), "Choose one of the permission sets.", "Please fill in this field.")
	res = srv.PostForm(t, admin, "/admin/roles", url.Values{"name": {"Kassenprüfer"}, "description": {"Prüft die Kasse."}, "permission_set": {"read_only"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("create role: %d", res.StatusCode)
	}
	var id string
	_ = srv.DB.QueryRow(context.Background(), `SELECT id FROM roles WHERE name = 'Kassenprüfer'`).Scan(&id)
	res = srv.PostForm(t, admin, "/admin/roles/"+id, url.Values{"name": {"Prüfer"}, "permission_set": {"normal_user"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("update role: %d", res.StatusCode)
	}
	mustContain(t, webtest.Body(t, srv.Get(t, admin, "/admin/roles")), "Role Prüfer saved.", "Prüfer")
	res = srv.PostForm(t, admin, "/admin/roles/"+id+"/delete", url.Values{})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("delete role: %d", res.StatusCode)
	}
	mustContain(t, webtest.Body(t, srv.Get(t, admin, "/admin/roles")), "Role Prüfer deleted.")

	// A system role cannot be edited or deleted.
	var sys string
	_ = srv.DB.QueryRow(context.Background(), `SELECT id FROM roles WHERE system_key = 'board'`).Scan(&sys)
	srv.PostForm(t, admin, "/admin/roles/"+sys+"/delete", url.Values{})
	mustContain(t, webtest.Body(t, srv.Get(t, admin, "/admin/roles")), "The built-in roles cannot be changed or deleted.")
}

// TestNavigationFollowsTable: Users and Roles appear only for admins.
func TestNavigationFollowsTable(t *testing.T) {
	srv := webtest.NewServer(t)
	users := seedUsers(t, srv)
	for set, u := range users {
		body := webtest.Body(t, srv.Get(t, signIn(t, srv, u.Email, testPassword), "/account"))
		has := strings.Contains(body, `href="/users"`) && strings.Contains(body, `href="/admin/roles"`)
		if has != (set == authz.Admin) {
			t.Errorf("%s: admin navigation shown = %v", set, has)
		}
	}
	// Board may read roles, without buttons to change them.
	body := webtest.Body(t, srv.Get(t, signIn(t, srv, users[authz.ReadOnly].Email, testPassword), "/admin/roles"))
	if strings.Contains(body, `href="/admin/roles/new"`) || strings.Contains(body, "/delete") {
		t.Error("board sees role management buttons")
	}
}
