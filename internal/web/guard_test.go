package web_test

// The route walk: every route in the registry (App.Routes), requested as
// an anonymous visitor and as a user of each permission set, must answer
// as the permission table says. Routes added later (members, groups, ...)
// are covered automatically, because the walk reads the registry.
//
// To extend it for your routes:
//
//   - A route with a path wildcard ({id}, {slug}, ...) needs a concrete
//     path. Add an entry to pathFixtures: pattern path → func(*walkFixture)
//     string that returns a path to a REAL record (create it with the
//     domain package, as f.Admin). Without an entry the walk substitutes a
//     well-formed id of no record (see defaultPath), which only proves the
//     guard and the 404, and logs a reminder.
//   - An unsafe route is sent an empty form by the walk. For the
//     "lower sets change nothing" test (TestAdminPostsForbidden), add a
//     VALID form to postForms, so a missing permission check would really
//     change the database.
//   - A public route (a.publicRoute) must be listed in publicRoutes: a
//     route that declares no permission is a decision, not an accident.

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"mila/internal/accounts"
	"mila/internal/authz"
	"mila/internal/membership"
	"mila/internal/web"
	"mila/internal/webtest"
)

// publicRoutes are the routes anyone may call, signed in or not.
var publicRoutes = map[string]bool{
	"GET /healthz":          true,
	"GET /readyz":           true,
	"GET /static/{path...}": true,
	"GET /{$}":              true,
	"GET /lang":             true,
	"POST /lang":            true,
	"GET /help":             true,
	"GET /club/logo":        true,
	"GET /club/theme.css":   true,
	"GET /sign-in":          true,
	"POST /sign-in":         true,
	"POST /sign-out":        true,
	"GET /setup":            true,
	"POST /setup":           true,
	"GET /set-password":     true,
	"POST /set-password":    true,
	// Password reset by mail and the newsletter opt-out (mail_routes.go).
	"GET /forgot-password":  true,
	"POST /forgot-password": true,
	"GET /reset-password":   true,
	"POST /reset-password":  true,
	"GET /unsubscribe":      true,
	"POST /unsubscribe":     true,
}

// walkFixture holds the records the walk's paths point at. Extend it (or
// use IDs) when your pathFixtures entry needs more.
type walkFixture struct {
	T     *testing.T
	Srv   *webtest.Server
	Admin authz.Actor
	Users map[authz.PermissionSet]seededUser

	TargetUserID string // an own_data user nobody walks as
	CustomRoleID string // a custom role without users
	AdminRoleID  string
	IDs          map[string]string // free for other features' records
}

// pathFixtures maps a route's path pattern to a concrete path.
var pathFixtures = map[string]func(f *walkFixture) string{
	"/users/{id}":                func(f *walkFixture) string { return "/users/" + f.TargetUserID },
	"/users/{id}/role":           func(f *walkFixture) string { return "/users/" + f.TargetUserID + "/role" },
	"/users/{id}/email":          func(f *walkFixture) string { return "/users/" + f.TargetUserID + "/email" },
	"/users/{id}/name":           func(f *walkFixture) string { return "/users/" + f.TargetUserID + "/name" },
	"/users/{id}/deactivate":     func(f *walkFixture) string { return "/users/" + f.TargetUserID + "/deactivate" },
	"/users/{id}/reactivate":     func(f *walkFixture) string { return "/users/" + f.TargetUserID + "/reactivate" },
	"/users/{id}/link":           func(f *walkFixture) string { return "/users/" + f.TargetUserID + "/link" },
	"/users/{id}/delete":         func(f *walkFixture) string { return "/users/" + f.TargetUserID + "/delete" },
	"/admin/roles/{id}":          func(f *walkFixture) string { return "/admin/roles/" + f.CustomRoleID },
	"/admin/roles/{id}/delete":   func(f *walkFixture) string { return "/admin/roles/" + f.CustomRoleID + "/delete" },
	"/static/{path...}":          func(*walkFixture) string { return "/static/app.js" },
	"/{$}":                       func(*walkFixture) string { return "/" },
	"/setup":                     func(*walkFixture) string { return "/setup?token=x" },
	"/set-password":              func(*walkFixture) string { return "/set-password?token=x" },
	"/sign-in":                   func(*walkFixture) string { return "/sign-in?return_to=%2Faccount" },
	"/lang":                      func(*walkFixture) string { return "/lang?l=de&return_to=%2F" },
	"/account":                   func(*walkFixture) string { return "/account" },
	"/reset-password":            func(*walkFixture) string { return "/reset-password?token=x" },
	"/unsubscribe":               func(f *walkFixture) string { return "/unsubscribe?m=" + f.IDs["member"] + "&t=x" },
	"/admin/roles/{id}/mailings": func(f *walkFixture) string { return "/admin/roles/" + f.CustomRoleID + "/mailings" },
	"/mailings/{id}":             func(f *walkFixture) string { return "/mailings/" + f.IDs["mailing"] },
	"/mailings/{id}/progress":    func(f *walkFixture) string { return "/mailings/" + f.IDs["mailing"] + "/progress" },
	"/mailings/{id}/pause":       func(f *walkFixture) string { return "/mailings/" + f.IDs["mailing"] + "/pause" },
	"/mailings/{id}/resume":      func(f *walkFixture) string { return "/mailings/" + f.IDs["mailing"] + "/resume" },
	"/mailings/{id}/cancel":      func(f *walkFixture) string { return "/mailings/" + f.IDs["mailing"] + "/cancel" },
	"/mailings/{id}/retry":       func(f *walkFixture) string { return "/mailings/" + f.IDs["mailing"] + "/retry" },

	// Members, custom fields and groups: see addMemberRecords.
	"/members/{id}":             func(f *walkFixture) string { return "/members/" + f.IDs["member"] },
	"/members/{id}/edit":        func(f *walkFixture) string { return "/members/" + f.IDs["member"] + "/edit" },
	"/members/{id}/delete":      func(f *walkFixture) string { return "/members/" + f.IDs["member"] + "/delete" },
	"/members/{id}/user":        func(f *walkFixture) string { return "/members/" + f.IDs["member2"] + "/user" },
	"/members/{id}/user/unlink": func(f *walkFixture) string { return "/members/" + f.IDs["member"] + "/user/unlink" },
	"/members/{id}/groups":      func(f *walkFixture) string { return "/members/" + f.IDs["member"] + "/groups" },
	"/members/{id}/groups/{slug}/remove": func(f *walkFixture) string {
		return "/members/" + f.IDs["member"] + "/groups/" + f.IDs["group"] + "/remove"
	},
	"/admin/fields/{id}":         func(f *walkFixture) string { return "/admin/fields/" + f.IDs["field"] },
	"/admin/fields/{id}/edit":    func(f *walkFixture) string { return "/admin/fields/" + f.IDs["field"] + "/edit" },
	"/admin/fields/{id}/delete":  func(f *walkFixture) string { return "/admin/fields/" + f.IDs["field"] + "/delete" },
	"/admin/fields/{id}/move":    func(f *walkFixture) string { return "/admin/fields/" + f.IDs["field"] + "/move" },
	"/admin/fields/{id}/options": func(f *walkFixture) string { return "/admin/fields/" + f.IDs["choice"] + "/options" },
	"/admin/fields/{id}/options/{option}": func(f *walkFixture) string {
		return "/admin/fields/" + f.IDs["choice"] + "/options/" + f.IDs["option0"]
	},
	"/admin/fields/{id}/options/{option}/move": func(f *walkFixture) string {
		return "/admin/fields/" + f.IDs["choice"] + "/options/" + f.IDs["option0"] + "/move"
	},
	"/admin/fields/{id}/options/{option}/delete": func(f *walkFixture) string {
		return "/admin/fields/" + f.IDs["choice"] + "/options/" + f.IDs["option1"] + "/delete"
	},
	"/groups/{slug}":            func(f *walkFixture) string { return "/groups/" + f.IDs["group"] },
	"/groups/{slug}/edit":       func(f *walkFixture) string { return "/groups/" + f.IDs["group"] + "/edit" },
	"/groups/{slug}/delete":     func(f *walkFixture) string { return "/groups/" + f.IDs["group"] + "/delete" },
	"/groups/{slug}/candidates": func(f *walkFixture) string { return "/groups/" + f.IDs["group"] + "/candidates?q=wa" },
	"/groups/{slug}/members":    func(f *walkFixture) string { return "/groups/" + f.IDs["group"] + "/members" },
	"/groups/{slug}/members/{member_id}/remove": func(f *walkFixture) string {
		return "/groups/" + f.IDs["group"] + "/members/" + f.IDs["member"] + "/remove"
	},

	// The audit trail: the member's history, and the newest
	// entry (the fixture's records left some).
	"/members/{id}/history":     func(f *walkFixture) string { return "/members/" + f.IDs["member"] + "/history" },
	"/members/{id}/export.json": func(f *walkFixture) string { return "/members/" + f.IDs["member"] + "/export.json" },
	"/members/{id}/export.pdf":  func(f *walkFixture) string { return "/members/" + f.IDs["member"] + "/export.pdf" },
	"/members/{id}/erase":       func(f *walkFixture) string { return "/members/" + f.IDs["member"] + "/erase" },
	"/admin/audit/{id}": func(f *walkFixture) string {
		var id int64
		if err := f.Srv.DB.QueryRow(context.Background(), `SELECT max(id) FROM audit_log`).Scan(&id); err != nil {
			f.T.Fatal(err)
		}
		return "/admin/audit/" + strconv.FormatInt(id, 10)
	},
	// Exports (export_routes.go).
	"/members/export": func(*walkFixture) string { return "/members/export?format=csv" },
	"/members/labels": func(*walkFixture) string { return "/members/labels?sheet=3x8" },

	// Saved lists (list_routes.go).
	"/lists/{id}":           func(f *walkFixture) string { return "/lists/" + f.IDs["list"] },
	"/lists/{id}/export":    func(f *walkFixture) string { return "/lists/" + f.IDs["list"] + "/export?format=csv" },
	"/lists/{id}/edit":      func(f *walkFixture) string { return "/lists/" + f.IDs["list"] + "/edit" },
	"/lists/{id}/delete":    func(f *walkFixture) string { return "/lists/" + f.IDs["list"] + "/delete" },
	"/groups/{slug}/export": func(f *walkFixture) string { return "/groups/" + f.IDs["group"] + "/export?format=csv" },

	// History (history_routes.go, history_lists.go).
	"/members/{id}/memberships": func(f *walkFixture) string { return "/members/" + f.IDs["member"] + "/memberships" },
	"/members/{id}/memberships/{membership_id}": func(f *walkFixture) string {
		return "/members/" + f.IDs["member"] + "/memberships/" + f.IDs["membership"]
	},
	"/members/{id}/memberships/{membership_id}/end": func(f *walkFixture) string {
		return "/members/" + f.IDs["member"] + "/memberships/" + f.IDs["membership"] + "/end"
	},
	"/members/{id}/memberships/{membership_id}/delete": func(f *walkFixture) string {
		return "/members/" + f.IDs["member"] + "/memberships/" + f.IDs["membership"] + "/delete"
	},
	"/groups/{slug}/memberships/end": func(f *walkFixture) string { return "/groups/" + f.IDs["group"] + "/memberships/end" },
	"/groups/{slug}/roles":           func(f *walkFixture) string { return "/groups/" + f.IDs["group"] + "/roles" },
	"/groups/{slug}/roles/{role_id}": func(f *walkFixture) string {
		return "/groups/" + f.IDs["group"] + "/roles/" + f.IDs["group_role"]
	},
	"/groups/{slug}/roles/{role_id}/delete": func(f *walkFixture) string {
		return "/groups/" + f.IDs["group"] + "/roles/" + f.IDs["group_role"] + "/delete"
	},
	"/admin/group-roles/{role_id}":           func(f *walkFixture) string { return "/admin/group-roles/" + f.IDs["default_role"] },
	"/admin/group-roles/{role_id}/delete":    func(f *walkFixture) string { return "/admin/group-roles/" + f.IDs["default_role"] + "/delete" },
	"/admin/exit-reasons/{reason_id}":        func(f *walkFixture) string { return "/admin/exit-reasons/" + f.IDs["exit_reason"] },
	"/admin/exit-reasons/{reason_id}/delete": func(f *walkFixture) string { return "/admin/exit-reasons/" + f.IDs["exit_reason"] + "/delete" },
}

// postForms maps "METHOD pattern" to a valid form for that action.
var postForms = map[string]func(f *walkFixture) url.Values{
	"POST /users": func(f *walkFixture) url.Values {
		return url.Values{"email": {"sneaky@example.org"}, "role_id": {f.AdminRoleID}, "password_mode": {"password"}, "password": {"long enough password"}}
	},
	"POST /users/{id}/role":           func(f *walkFixture) url.Values { return url.Values{"role_id": {f.AdminRoleID}} },
	"POST /admin/roles":               func(*walkFixture) url.Values { return url.Values{"name": {"Sneaky"}, "permission_set": {"admin"}} },
	"POST /admin/roles/{id}":          func(*walkFixture) url.Values { return url.Values{"name": {"Sneaky"}, "permission_set": {"admin"}} },
	"POST /admin/roles/{id}/mailings": func(*walkFixture) url.Values { return url.Values{"may_send_mailings": {"true"}} },

	"POST /members": func(*walkFixture) url.Values {
		return url.Values{"first_name": {"Sneaky"}, "last_name": {"Member"}, "join_date": {"2024-01-01"}}
	},
	"POST /members/{id}": func(f *walkFixture) url.Values {
		return url.Values{"first_name": {"Sneaky"}, "last_name": {"Walk"}, "join_date": {"2024-01-01"}, "version": {f.IDs["member_version"]}}
	},
	"POST /members/{id}/user":        func(f *walkFixture) url.Values { return url.Values{"user_id": {f.TargetUserID}} },
	"POST /admin/retention/settings": func(*walkFixture) url.Values { return url.Values{"years": {"1"}, "mode": {"delete"}} },
	"POST /admin/retention/apply": func(f *walkFixture) url.Values {
		return url.Values{"member_id": {f.IDs["member"]}, "confirm": {"yes"}}
	},
	"POST /members/{id}/erase": func(*walkFixture) url.Values {
		return url.Values{"mode": {"anonymise"}, "confirm_name": {"Walter Walk"}}
	},
	"POST /members/{id}/groups": func(f *walkFixture) url.Values { return url.Values{"group": {f.IDs["spare"]}} },
	"POST /members/{id}/memberships": func(f *walkFixture) url.Values {
		return url.Values{"group_id": {f.IDs["spare_id"]}, "from": {"2021-01-01"}, "until": {"2022-01-01"}}
	},
	"POST /members/{id}/memberships/{membership_id}": func(*walkFixture) url.Values { return url.Values{"from": {"2020-06-01"}} },
	"POST /groups/{slug}/roles":                      func(*walkFixture) url.Values { return url.Values{"name": {"Sneaky"}} },
	"POST /groups/{slug}/roles/{role_id}":            func(*walkFixture) url.Values { return url.Values{"name": {"Sneaky"}, "leads": {"on"}} },
	"POST /admin/group-roles":                        func(*walkFixture) url.Values { return url.Values{"name": {"Sneaky"}} },
	"POST /admin/group-roles/{role_id}":              func(*walkFixture) url.Values { return url.Values{"name": {"Sneaky"}} },
	"POST /admin/exit-reasons":                       func(*walkFixture) url.Values { return url.Values{"name": {"Sneaky"}} },
	"POST /admin/exit-reasons/{reason_id}":           func(*walkFixture) url.Values { return url.Values{"name": {"Sneaky"}} },
	"POST /members/groups/add": func(f *walkFixture) url.Values {
		return url.Values{"member_id": {f.IDs["member2"]}, "group": {f.IDs["group"]}, "return_to": {"/members"}}
	},
	"POST /members/groups/remove": func(f *walkFixture) url.Values {
		return url.Values{"member_id": {f.IDs["member"]}, "group": {f.IDs["group"]}, "return_to": {"/members"}}
	},
	"POST /admin/fields":      func(*walkFixture) url.Values { return url.Values{"name": {"Sneaky"}, "value_type": {"string"}} },
	"POST /admin/fields/{id}": func(*walkFixture) url.Values { return url.Values{"name": {"Sneaky"}, "value_type": {"string"}} },
	"POST /admin/fields/{id}/delete": func(f *walkFixture) url.Values {
		return url.Values{"confirm_name": {f.IDs["field_name"]}}
	},
	"POST /admin/fields/{id}/move":                    func(*walkFixture) url.Values { return url.Values{"direction": {"up"}} },
	"POST /admin/fields/{id}/options":                 func(*walkFixture) url.Values { return url.Values{"label": {"Sneaky"}} },
	"POST /admin/fields/{id}/options/{option}":        func(*walkFixture) url.Values { return url.Values{"label": {"Sneaky"}} },
	"POST /admin/fields/{id}/options/{option}/move":   func(*walkFixture) url.Values { return url.Values{"direction": {"down"}} },
	"POST /admin/fields/{id}/options/{option}/delete": func(*walkFixture) url.Values { return url.Values{"values": {"clear"}} },
	"POST /groups":        func(*walkFixture) url.Values { return url.Values{"name": {"Sneaky"}} },
	"POST /groups/{slug}": func(*walkFixture) url.Values { return url.Values{"name": {"Sneaky"}} },
	"POST /groups/{slug}/delete": func(f *walkFixture) url.Values {
		return url.Values{"confirm_name": {f.IDs["group_name"]}}
	},
	"POST /groups/{slug}/members": func(f *walkFixture) url.Values { return url.Values{"member_id": {f.IDs["member2"]}} },
}

var wildcardRE = regexp.MustCompile(`\{[^}]*\}`)

// defaultPath fills wildcards with values of no record: a well-formed
// UUID v7 for ids, a slug-like word otherwise.
func defaultPath(p string) string {
	return wildcardRE.ReplaceAllStringFunc(p, func(w string) string {
		if strings.Contains(strings.ToLower(w), "id") {
			return "0190f5e4-7c1a-7b3e-9f00-0123456789ab"
		}
		return "no-such-record"
	})
}

func newWalkFixture(t *testing.T, srv *webtest.Server) *walkFixture {
	t.Helper()
	ctx := context.Background()
	users := seedUsers(t, srv)
	f := &walkFixture{T: t, Srv: srv, Admin: users[authz.Admin].Actor, Users: users, IDs: map[string]string{}}
	svc := accounts.New(srv.DB)
	roles, err := svc.ListRoles(ctx, f.Admin)
	if err != nil {
		t.Fatal(err)
	}
	f.AdminRoleID = systemRole(roles, authz.Admin).ID
	target, _, err := svc.CreateUser(ctx, f.Admin, accounts.NewUser{Name: "Test User", Email: "target@example.org", RoleID: systemRole(roles, authz.OwnData).ID, Password: testPassword})
	if err != nil {
		t.Fatal(err)
	}
	f.TargetUserID = target.ID
	role, err := svc.CreateRole(ctx, f.Admin, accounts.RoleInput{Name: "Helpers", Set: authz.OwnData})
	if err != nil {
		t.Fatal(err)
	}
	f.CustomRoleID = role.ID
	addMemberRecords(t, f)
	addMailingRecords(t, f)
	return f
}

// addMemberRecords creates the records the member, field and group routes
// are walked with: Walter Walk (in the group "Walkers", linked to an
// own_data user nobody walks as), Wanda Wait (in no group, for the add
// forms), a spare group and a custom field. IDs: member, member2,
// member_version, group and spare (slugs), group_name, field.
func addMemberRecords(t *testing.T, f *walkFixture) {
	t.Helper()
	ctx := context.Background()
	ms := membership.NewMembers(f.Srv.DB)
	walter, err := ms.Create(ctx, f.Admin, membership.MemberInput{FirstName: "Walter", LastName: "Walk", Email: "walter@example.org", JoinDate: "2020-01-01"})
	if err != nil {
		t.Fatal(err)
	}
	wanda, err := ms.Create(ctx, f.Admin, membership.MemberInput{FirstName: "Wanda", LastName: "Wait", JoinDate: "2020-01-01"})
	if err != nil {
		t.Fatal(err)
	}
	svc := accounts.New(f.Srv.DB)
	roles, err := svc.ListRoles(ctx, f.Admin)
	if err != nil {
		t.Fatal(err)
	}
	linked, _, err := svc.CreateUser(ctx, f.Admin, accounts.NewUser{Name: "Test User", Email: "walter@example.org", RoleID: systemRole(roles, authz.OwnData).ID, Password: testPassword})
	if err != nil {
		t.Fatal(err)
	}
	if err := ms.LinkUser(ctx, f.Admin, walter.ID, linked.ID); err != nil {
		t.Fatal(err)
	}
	if walter, err = ms.Get(ctx, f.Admin, walter.ID); err != nil {
		t.Fatal(err)
	}
	gs := membership.NewGroups(f.Srv.DB)
	g, err := gs.CreateGroup(ctx, f.Admin, membership.GroupInput{Name: "Walkers"})
	if err != nil {
		t.Fatal(err)
	}
	spare, err := gs.CreateGroup(ctx, f.Admin, membership.GroupInput{Name: "Spare"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := gs.AddMembersToGroup(ctx, f.Admin, g.ID, []string{walter.ID}); err != nil {
		t.Fatal(err)
	}
	field, err := membership.NewCustomFields(f.Srv.DB).Create(ctx, f.Admin, membership.CustomFieldInput{Name: "Shoe size", ValueType: "string", ShowInOverview: true})
	if err != nil {
		t.Fatal(err)
	}
	f.IDs["member"], f.IDs["member2"] = walter.ID, wanda.ID
	f.IDs["member_version"] = strconv.Itoa(walter.Version)
	f.IDs["group"], f.IDs["spare"], f.IDs["group_name"] = g.Slug, spare.Slug, g.Name
	f.IDs["spare_id"] = spare.ID
	f.IDs["field"], f.IDs["field_name"] = field.ID, field.Name
	choice, err := membership.NewCustomFields(f.Srv.DB).Create(ctx, f.Admin, membership.CustomFieldInput{Name: "Shirt size", ValueType: membership.CustomFieldChoice})
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range []string{"S", "M"} {
		o, err := membership.NewCustomFields(f.Srv.DB).AddOption(ctx, f.Admin, choice.ID, l)
		if err != nil {
			t.Fatal(err)
		}
		f.IDs["option"+strconv.Itoa(i)] = o.ID
	}
	f.IDs["choice"] = choice.ID
	list, err := membership.NewSavedLists(f.Srv.DB).Create(ctx, f.Admin, membership.SavedListInput{Name: "Walkers list", Shared: true},
		membership.MemberQuery{Group: g.Slug})
	if err != nil {
		t.Fatal(err)
	}
	f.IDs["list"] = list.ID
	// History: a group role of Walkers, a club-wide one, an
	// exit reason and Walter's membership row.
	h := membership.NewHistory(f.Srv.DB)
	own, err := h.CreateRole(ctx, f.Admin, g.ID, "Walk leader", true)
	if err != nil {
		t.Fatal(err)
	}
	def, err := h.CreateRole(ctx, f.Admin, "", "Walk coach", false)
	if err != nil {
		t.Fatal(err)
	}
	reason, err := h.CreateExitReason(ctx, f.Admin, "Walked away")
	if err != nil {
		t.Fatal(err)
	}
	ms2, err := h.MemberMemberships(ctx, f.Admin, walter.ID)
	if err != nil || len(ms2) == 0 {
		t.Fatal("Walter's membership", err)
	}
	f.IDs["group_role"], f.IDs["default_role"], f.IDs["exit_reason"], f.IDs["membership"] = own.ID, def.ID, reason.ID, ms2[0].ID
}

func (f *walkFixture) path(rt web.Route) string {
	if fn, ok := pathFixtures[rt.Path]; ok && fn != nil {
		return fn(f)
	}
	if wildcardRE.MatchString(rt.Path) {
		f.T.Logf("route %q has no pathFixtures entry; walking it with a path of no record", rt.Pattern)
	}
	return defaultPath(rt.Path)
}

// walker keeps one signed-in client per set, signing in again when a
// request ended the session (sign-out renews the token).
type walker struct {
	srv     *webtest.Server
	users   map[authz.PermissionSet]seededUser
	clients map[authz.PermissionSet]*http.Client
	tokens  map[authz.PermissionSet]string
}

func (w *walker) client(t *testing.T, set authz.PermissionSet) *http.Client {
	if set == "" {
		return w.srv.Client()
	}
	c, ok := w.clients[set]
	if !ok || sessionCookie(w.srv, c) != w.tokens[set] {
		c = signIn(t, w.srv, w.users[set].Email, testPassword)
		w.clients[set], w.tokens[set] = c, sessionCookie(w.srv, c)
	}
	return c
}

// TestRouteWalk requests every registered route as anonymous and as each
// permission set and checks the answer against the permission table.
func TestRouteWalk(t *testing.T) {
	srv := webtest.NewServer(t)
	f := newWalkFixture(t, srv)
	w := &walker{srv: srv, users: f.Users, clients: map[authz.PermissionSet]*http.Client{}, tokens: map[authz.PermissionSet]string{}}

	routes := srv.App.Routes()
	if len(routes) == 0 {
		t.Fatal("no routes registered")
	}
	// Deleting routes last, so the records stay for the other routes.
	sort.SliceStable(routes, func(i, j int) bool {
		return !strings.Contains(routes[i].Path, "delete") && strings.Contains(routes[j].Path, "delete")
	})
	actors := append([]authz.PermissionSet{""}, authz.PermissionSets...) // "" is anonymous; admin last
	seen := map[string]bool{}
	for _, rt := range routes {
		if seen[rt.Pattern] {
			t.Errorf("route %q registered twice", rt.Pattern)
		}
		seen[rt.Pattern] = true
		if rt.Public || rt.Bare {
			if !publicRoutes[rt.Pattern] {
				t.Errorf("route %q declares no permission: register it with a.route(..., resource, action, ...), or add it to publicRoutes if anyone may really call it", rt.Pattern)
			}
		} else if !validResource(rt.Resource) || !validAction(rt.Action) {
			t.Errorf("route %q declares an unknown permission %q %q", rt.Pattern, rt.Resource, rt.Action)
			continue
		}
		method := rt.Method
		if method == "" {
			method = http.MethodGet
		}
		p := f.path(rt)
		for _, set := range actors {
			name := string(set)
			if name == "" {
				name = "anonymous"
			}
			var form url.Values
			if method != http.MethodGet && method != http.MethodHead {
				form = url.Values{}
			}
			res := srv.Do(t, w.client(t, set), webtest.NewRequest(t, method, p, form))
			body := webtest.Body(t, res)
			checkWalk(t, rt, set, name, p, res, body)
			// A fixture names a real record: the admin's GET finds it.
			if _, ok := pathFixtures[rt.Path]; ok && wildcardRE.MatchString(rt.Path) && set == authz.Admin &&
				method == http.MethodGet && res.StatusCode == http.StatusNotFound {
				t.Errorf("GET %s as admin: 404 (does the pathFixtures entry name a real record?)", p)
			}
		}
	}
}

func checkWalk(t *testing.T, rt web.Route, set authz.PermissionSet, name, p string, res *http.Response, body string) {
	t.Helper()
	code, loc := res.StatusCode, res.Header.Get("Location")
	where := fmt.Sprintf("%s %s as %s", rt.Method, p, name)
	if code >= 500 {
		t.Errorf("%s: %d (server error)", where, code)
		return
	}
	if rt.Public || rt.Bare {
		if code == http.StatusForbidden || strings.HasPrefix(loc, "/sign-in?return_to=") {
			t.Errorf("%s: public route answered %d %s", where, code, loc)
		}
		return
	}
	if set == "" {
		if code != http.StatusSeeOther || !strings.HasPrefix(loc, "/sign-in?return_to=") {
			t.Errorf("%s: %d %q, want 303 to /sign-in?return_to=…", where, code, loc)
		}
		if (rt.Method == http.MethodGet || rt.Method == "") && loc != "/sign-in?return_to="+url.QueryEscape(p) {
			t.Errorf("%s: Location %q does not come back to %q", where, loc, p)
		}
		return
	}
	switch seededScope(set, rt.Resource, rt.Action) {
	case authz.None:
		if code != http.StatusForbidden {
			t.Errorf("%s: %d, want 403 (table: %s has no %s %s)", where, code, set, rt.Action, rt.Resource)
		} else if !strings.Contains(body, "Access denied") {
			t.Errorf("%s: 403 without the 403 page", where)
		}
	case authz.All:
		if code == http.StatusForbidden || strings.HasPrefix(loc, "/sign-in") {
			t.Errorf("%s: %d %q, but the table grants %s %s to all", where, code, loc, rt.Action, rt.Resource)
		}
	default:
		// Own or linked: the handler narrows the scope; the record in the
		// path may not be theirs, so 403 and 404 are right answers too.
		if strings.HasPrefix(loc, "/sign-in") {
			t.Errorf("%s: sent to sign in although signed in", where)
		}
	}
}

func validResource(r authz.Resource) bool {
	for _, x := range authz.Resources {
		if x == r {
			return true
		}
	}
	return false
}

func validAction(a authz.Action) bool {
	for _, x := range authz.Actions {
		if x == a {
			return true
		}
	}
	return false
}

// TestAdminPostsForbidden sends every unsafe guarded route that the set
// may not use on every record — with a valid form where postForms has one
// — as each lower set: 403, and the database unchanged.
func TestAdminPostsForbidden(t *testing.T) {
	srv := webtest.NewServer(t)
	f := newWalkFixture(t, srv)
	w := &walker{srv: srv, users: f.Users, clients: map[authz.PermissionSet]*http.Client{}, tokens: map[authz.PermissionSet]string{}}
	tried := 0
	for _, set := range []authz.PermissionSet{authz.OwnData, authz.ReadOnly, authz.NormalUser} {
		for _, rt := range srv.App.Routes() {
			if rt.Public || rt.Bare || rt.Method == http.MethodGet || rt.Method == "" {
				continue
			}
			scope := seededScope(set, rt.Resource, rt.Action)
			if scope == authz.All || (scope != authz.None && !wildcardRE.MatchString(rt.Path)) {
				continue // allowed, or the own record (e.g. /account/password)
			}
			form := url.Values{}
			if fn, ok := postForms[rt.Pattern]; ok {
				form = fn(f)
			}
			p := f.path(rt)
			c := w.client(t, set) // signing in writes last_sign_in_at: before the checksum
			before := webtest.Checksum(t, srv.DB)
			res := srv.Do(t, c, webtest.NewRequest(t, rt.Method, p, form))
			if res.StatusCode != http.StatusForbidden {
				t.Errorf("%s %s as %s: %d, want 403", rt.Method, p, set, res.StatusCode)
			}
			if after := webtest.Checksum(t, srv.DB); after != before {
				t.Errorf("%s %s as %s changed the database", rt.Method, p, set)
			}
			tried++
		}
	}
	if tried < 3*8 {
		t.Errorf("only %d forbidden requests tried; are the admin routes registered?", tried)
	}
}

// TestForbiddenPageInGerman: the 403 page speaks the viewer's language.
func TestForbiddenPageInGerman(t *testing.T) {
	srv := webtest.NewServer(t)
	users := seedUsers(t, srv)
	c := signIn(t, srv, users[authz.ReadOnly].Email, testPassword)
	res := srv.Get(t, c, "/users/new", "Accept-Language", "de")
	body := webtest.Body(t, res)
	if res.StatusCode != http.StatusForbidden {
		t.Fatalf("status %d", res.StatusCode)
	}
	mustContain(t, body, `lang="de"`, "Zugriff verweigert")
}
