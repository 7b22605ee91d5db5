package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"mila/internal/accounts"
	"mila/internal/authz"
	"mila/internal/webtest"
)

// testPassword is the password of every seeded user.
const testPassword = "correct horse battery"

// seededUser is a user made for a test, one per permission set.
type seededUser struct {
	Email string
	Actor authz.Actor
}

// seedUsers creates an admin (admin@example.org) and one user per lower
// permission set (<set>@example.org, e.g. own_data@example.org), all with
// testPassword and the system role of their set.
func seedUsers(t testing.TB, srv *webtest.Server) map[authz.PermissionSet]seededUser {
	t.Helper()
	ctx := context.Background()
	svc := accounts.New(srv.DB)
	if _, err := svc.CreateOrResetAdmin(ctx, "admin@example.org", testPassword); err != nil {
		t.Fatal(err)
	}
	out := map[authz.PermissionSet]seededUser{}
	admin := actorByEmail(t, srv, "admin@example.org")
	out[authz.Admin] = seededUser{Email: "admin@example.org", Actor: admin}
	roles, err := svc.ListRoles(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	for _, set := range []authz.PermissionSet{authz.OwnData, authz.ReadOnly, authz.NormalUser} {
		email := string(set) + "@example.org"
		if _, _, err := svc.CreateUser(ctx, admin, accounts.NewUser{Name: "Test User", Email: email, RoleID: systemRole(roles, set).ID, Password: testPassword}); err != nil {
			t.Fatal(err)
		}
		out[set] = seededUser{Email: email, Actor: actorByEmail(t, srv, email)}
	}
	return out
}

func systemRole(roles []accounts.Role, set authz.PermissionSet) accounts.Role {
	for _, r := range roles {
		if r.IsSystem() && r.Set == set {
			return r
		}
	}
	panic("no system role for " + string(set))
}

func actorByEmail(t testing.TB, srv *webtest.Server, email string) authz.Actor {
	t.Helper()
	var id string
	if err := srv.DB.QueryRow(context.Background(), `SELECT id FROM users WHERE email = $1`, email).Scan(&id); err != nil {
		t.Fatalf("find user %s: %v", email, err)
	}
	a, err := accounts.New(srv.DB).ActorForUser(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// signIn returns a client signed in as email (via POST /sign-in).
func signIn(t testing.TB, srv *webtest.Server, email, password string) *http.Client {
	t.Helper()
	c := srv.Client()
	res := srv.PostForm(t, c, "/sign-in", url.Values{"email": {email}, "password": {password}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in as %s: status %d: %s", email, res.StatusCode, webtest.Body(t, res))
	}
	return c
}

// sessionCookie is the client's current session token ("" if none).
func sessionCookie(srv *webtest.Server, c *http.Client) string {
	u, _ := url.Parse(srv.URL)
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == "mila_session" {
			return ck.Value
		}
	}
	return ""
}

func mustContain(t *testing.T, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("page lacks %q", w)
		}
	}
}
