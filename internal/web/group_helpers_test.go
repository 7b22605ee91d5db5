package web_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"mila/internal/authz"
	"mila/internal/membership"
	"mila/internal/webtest"
)

// groupWorld is a server with one user per permission set, signed-in
// clients for the admin, a board (read_only) and an own_data user.
type groupWorld struct {
	srv     *webtest.Server
	users   map[authz.PermissionSet]seededUser
	admin   *http.Client
	board   *http.Client
	ownData *http.Client
}

func newGroupWorld(t *testing.T) *groupWorld {
	t.Helper()
	srv := webtest.NewServer(t)
	users := seedUsers(t, srv)
	return &groupWorld{
		srv:     srv,
		users:   users,
		admin:   signIn(t, srv, users[authz.Admin].Email, testPassword),
		board:   signIn(t, srv, users[authz.ReadOnly].Email, testPassword),
		ownData: signIn(t, srv, users[authz.OwnData].Email, testPassword),
	}
}

func (w *groupWorld) adminActor() authz.Actor { return w.users[authz.Admin].Actor }

func (w *groupWorld) group(t *testing.T, name, desc string) membership.Group {
	t.Helper()
	g, err := membership.NewGroups(w.srv.DB).CreateGroup(context.Background(), w.adminActor(),
		membership.GroupInput{Name: name, Description: desc})
	if err != nil {
		t.Fatalf("create group %s: %v", name, err)
	}
	return g
}

func (w *groupWorld) member(t *testing.T, first, last, email string) string {
	t.Helper()
	m, err := membership.NewMembers(w.srv.DB).Create(context.Background(), w.adminActor(),
		membership.MemberInput{FirstName: first, LastName: last, Email: email})
	if err != nil {
		t.Fatalf("create member %s %s: %v", first, last, err)
	}
	return m.ID
}

func (w *groupWorld) join(t *testing.T, g membership.Group, memberIDs ...string) {
	t.Helper()
	if _, err := membership.NewGroups(w.srv.DB).AddMembersToGroup(context.Background(), w.adminActor(), g.ID, memberIDs); err != nil {
		t.Fatal(err)
	}
}

// count runs a count(*) query.
func (w *groupWorld) count(t *testing.T, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := w.srv.DB.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// snapshot is the groups and memberships as text, to show that a refused
// request changed nothing.
func (w *groupWorld) snapshot(t *testing.T) string {
	t.Helper()
	var s string
	err := w.srv.DB.QueryRow(context.Background(), `SELECT coalesce(string_agg(x, '|' ORDER BY x), '') FROM (
		SELECT g.id || g.name || g.slug || g.description || g.member_count AS x FROM groups g
		UNION ALL SELECT mg.member_id || '>' || mg.group_id FROM member_groups mg) t`).Scan(&s)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// get fetches path and checks the status.
func groupGet(t *testing.T, srv *webtest.Server, c *http.Client, path string, want int, header ...string) string {
	t.Helper()
	res := srv.Get(t, c, path, header...)
	body := webtest.Body(t, res)
	if res.StatusCode != want {
		t.Fatalf("GET %s: status %d, want %d\n%s", path, res.StatusCode, want, groupMain(body))
	}
	return body
}

// post submits form to path, checks the status and, for a redirect, the
// target; it returns the body (of the page redirected to, for a 303).
func groupPost(t *testing.T, srv *webtest.Server, c *http.Client, path string, form url.Values, want int, wantLocation string) string {
	t.Helper()
	res := srv.PostForm(t, c, path, form)
	body := webtest.Body(t, res)
	if res.StatusCode != want {
		t.Fatalf("POST %s: status %d, want %d\n%s", path, res.StatusCode, want, groupMain(body))
	}
	if want == http.StatusSeeOther {
		loc := res.Header.Get("Location")
		if wantLocation != "" && loc != wantLocation {
			t.Fatalf("POST %s: Location %q, want %q", path, loc, wantLocation)
		}
		return groupGet(t, srv, c, loc, http.StatusOK)
	}
	return body
}

// groupMain is the <main> of a page, for short failure messages.
func groupMain(body string) string {
	if i := strings.Index(body, "<main"); i >= 0 {
		body = body[i:]
	}
	if j := strings.Index(body, "</main>"); j >= 0 {
		body = body[:j]
	}
	return body
}

func mustNotContain(t *testing.T, body string, nots ...string) {
	t.Helper()
	for _, n := range nots {
		if strings.Contains(body, n) {
			t.Errorf("page contains %q", n)
		}
	}
}

// rowNames lists the names of the group list's rows, in order.
func rowNames(body string) []string {
	re := regexp.MustCompile(`<th scope="row" class="font-medium"><a class="link link-primary" href="/groups/[a-z0-9-]+">([^<]*)</a>`)
	var out []string
	for _, m := range re.FindAllStringSubmatch(body, -1) {
		out = append(out, html.UnescapeString(m[1]))
	}
	return out
}
