// Package security holds Mila's hostile-input, race and security tests:
// every one runs over HTTP against the whole app on a real
// server (internal/webtest) with a fresh PostgreSQL database (testpg), the
// way an attacker or a careless client would meet it. docs/SECURITY.md
// names the test behind each claim.
package security

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"mila/internal/accounts"
	"mila/internal/authz"
	"mila/internal/membership"
	"mila/internal/testpg"
	"mila/internal/webtest"
)

func TestMain(m *testing.M) { testpg.Main(m) }

// password is every seeded user's password.
const password = "correct horse battery"

// unknownID is a well-formed UUID of no record.
const unknownID = "0190f5e4-7c1a-7b3e-9f00-0123456789ab"

// fixture is a small club: users of every permission set (the own_data
// user linked to a member), custom fields of every type, members with
// values and groups.
type fixture struct {
	t     *testing.T
	srv   *webtest.Server
	admin authz.Actor
	email map[authz.PermissionSet]string // a user of each set

	adminRoleID, customRoleID, targetUserID string

	fields map[string]membership.CustomField // by value type
	anna   membership.Member                 // plain member with custom values
	bert   membership.Member                 // in the groups Chor and Band
	own    membership.Member                 // linked to the own_data user
	chor   membership.Group
	band   membership.Group
}

func ctxb() context.Context { return context.Background() }

func newFixture(t *testing.T, srv *webtest.Server) *fixture {
	t.Helper()
	ctx := ctxb()
	svc := accounts.New(srv.DB)
	if _, err := svc.CreateOrResetAdmin(ctx, "admin@example.org", password); err != nil {
		t.Fatal(err)
	}
	fx := &fixture{t: t, srv: srv, email: map[authz.PermissionSet]string{authz.Admin: "admin@example.org"}, fields: map[string]membership.CustomField{}}
	fx.admin = fx.actor("admin@example.org")
	roles, err := svc.ListRoles(ctx, fx.admin)
	if err != nil {
		t.Fatal(err)
	}
	roleOf := func(set authz.PermissionSet) string {
		for _, r := range roles {
			if r.IsSystem() && r.Set == set {
				return r.ID
			}
		}
		t.Fatalf("no system role for %s", set)
		return ""
	}
	fx.adminRoleID = roleOf(authz.Admin)
	userIDs := map[authz.PermissionSet]string{}
	for _, set := range []authz.PermissionSet{authz.OwnData, authz.ReadOnly, authz.NormalUser} {
		e := string(set) + "@example.org"
		u, _, err := svc.CreateUser(ctx, fx.admin, accounts.NewUser{Name: "Test User", Email: e, RoleID: roleOf(set), Password: password})
		if err != nil {
			t.Fatal(err)
		}
		fx.email[set], userIDs[set] = e, u.ID
	}
	target, _, err := svc.CreateUser(ctx, fx.admin, accounts.NewUser{Name: "Test User", Email: "target@example.org", RoleID: roleOf(authz.OwnData), Password: password})
	if err != nil {
		t.Fatal(err)
	}
	fx.targetUserID = target.ID
	role, err := svc.CreateRole(ctx, fx.admin, accounts.RoleInput{Name: "Helpers", Set: authz.OwnData})
	if err != nil {
		t.Fatal(err)
	}
	fx.customRoleID = role.ID

	cf := membership.NewCustomFields(srv.DB)
	for typ, name := range map[string]string{
		membership.CustomFieldString:  "Spitzname",
		membership.CustomFieldInteger: "Startnummer",
		membership.CustomFieldBoolean: "Satzung",
		membership.CustomFieldDate:    "Geburtstag",
		membership.CustomFieldEmail:   "Notfallmail",
	} {
		f, err := cf.Create(ctx, fx.admin, membership.CustomFieldInput{Name: name, ValueType: typ, ShowInOverview: true})
		if err != nil {
			t.Fatal(err)
		}
		fx.fields[typ] = f
	}
	fx.anna = fx.member(membership.MemberInput{FirstName: "Anna", LastName: "Ahrens", Email: "anna@example.org",
		Custom: map[string]string{fx.slug("string"): "Annie", fx.slug("integer"): "7", fx.slug("date"): "1990-05-01"}})
	fx.bert = fx.member(membership.MemberInput{FirstName: "Bert", LastName: "Brandt"})
	fx.own = fx.member(membership.MemberInput{FirstName: "Olga", LastName: "Ohm"})
	if err := membership.NewMembers(srv.DB).LinkUser(ctx, fx.admin, fx.own.ID, userIDs[authz.OwnData]); err != nil {
		t.Fatal(err)
	}
	fx.chor = fx.group("Chor", fx.bert.ID)
	fx.band = fx.group("Band", fx.bert.ID)
	return fx
}

func (fx *fixture) actor(email string) authz.Actor {
	fx.t.Helper()
	var id string
	if err := fx.srv.DB.QueryRow(ctxb(), `SELECT id FROM users WHERE email = $1`, email).Scan(&id); err != nil {
		fx.t.Fatalf("find user %s: %v", email, err)
	}
	a, err := accounts.New(fx.srv.DB).ActorForUser(ctxb(), id)
	if err != nil {
		fx.t.Fatal(err)
	}
	return a
}

// slug is the slug of the custom field of value type typ.
func (fx *fixture) slug(typ string) string { return fx.fields[typ].Slug }

// cf is the member form's name of the custom field of value type typ.
func (fx *fixture) cf(typ string) string { return fx.fields[typ].FormName() }

func (fx *fixture) member(in membership.MemberInput) membership.Member {
	fx.t.Helper()
	m, err := membership.NewMembers(fx.srv.DB).Create(ctxb(), fx.admin, in)
	if err != nil {
		fx.t.Fatal(err)
	}
	return m
}

func (fx *fixture) group(name string, memberIDs ...string) membership.Group {
	fx.t.Helper()
	store := membership.NewGroups(fx.srv.DB)
	g, err := store.CreateGroup(ctxb(), fx.admin, membership.GroupInput{Name: name})
	if err != nil {
		fx.t.Fatal(err)
	}
	if len(memberIDs) > 0 {
		if _, err := store.AddMembersToGroup(ctxb(), fx.admin, g.ID, memberIDs); err != nil {
			fx.t.Fatal(err)
		}
	}
	return g
}

// version is the member's current version (for a valid edit form).
func (fx *fixture) version(id string) int {
	fx.t.Helper()
	var v int
	if err := fx.srv.DB.QueryRow(ctxb(), `SELECT version FROM members WHERE id = $1`, id).Scan(&v); err != nil {
		fx.t.Fatal(err)
	}
	return v
}

// signIn returns a client signed in as email.
func signIn(t *testing.T, srv *webtest.Server, email string) *http.Client {
	t.Helper()
	c := srv.Client()
	res := srv.PostForm(t, c, "/sign-in", url.Values{"email": {email}, "password": {password}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in as %s: status %d", email, res.StatusCode)
	}
	return c
}

// sessionToken is the client's current session cookie value.
func sessionToken(srv *webtest.Server, c *http.Client) string {
	u, _ := url.Parse(srv.URL)
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == "mila_session" || ck.Name == "__Host-mila_session" {
			return ck.Value
		}
	}
	return ""
}

// noServerErrors fails the test when the app logged an error.
func noServerErrors(t *testing.T, srv *webtest.Server) {
	t.Helper()
	for _, line := range strings.Split(srv.Logs(), "\n") {
		if strings.Contains(line, "level=ERROR") {
			t.Errorf("server logged an error: %s", line)
		}
	}
}

// fieldMarked reports whether body marks the form field name as invalid:
// its input carries aria-invalid, or the error summary links to it.
func fieldMarked(body, name string) bool {
	id := regexp.QuoteMeta("field-" + name)
	re := regexp.MustCompile(`id="` + id + `"[^>]*aria-invalid="true"|href="#` + id + `"`)
	return re.MatchString(body)
}

func itoa(n int) string { return strconv.Itoa(n) }

// hostTransport sends every request with Host set to host, as a browser
// does for Mila's public name while the test server listens on 127.0.0.1.
type hostTransport struct{ host string }

func (h hostTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.Host = h.host
	return http.DefaultTransport.RoundTrip(req)
}

// clientFor is srv.Client() sending Host host.
func clientFor(srv *webtest.Server, host string) *http.Client {
	c := srv.Client()
	c.Transport = hostTransport{host: host}
	return c
}
