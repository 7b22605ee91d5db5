package web_test

import (
	"context"
	"fmt"
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
	g, err := membership.NewGroupStore(w.srv.DB).CreateGroup(context.Background(), w.adminActor(),
		membership.GroupInput{Name: name, Description: desc})
	if err != nil {
		t.Fatalf("create group %s: %v", name, err)
	}
	return g
}

func (w *groupWorld) member(t *testing.T, first, last, email string) string {
	t.Helper()
	m, err := membership.Members{DB: w.srv.DB}.Create(context.Background(), w.adminActor(),
		membership.MemberInput{FirstName: first, LastName: last, Email: email})
	if err != nil {
		t.Fatalf("create member %s %s: %v", first, last, err)
	}
	return m.ID
}

func (w *groupWorld) join(t *testing.T, g membership.Group, memberIDs ...string) {
	t.Helper()
	if _, err := membership.NewGroupStore(w.srv.DB).AddMembersToGroup(context.Background(), w.adminActor(), g.ID, memberIDs); err != nil {
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

func TestGroupRoutesNeedSignIn(t *testing.T) {
	srv := webtest.NewServer(t)
	c := srv.Client()
	for _, p := range []string{"/groups", "/groups/new", "/groups/x", "/groups/x/edit", "/groups/x/delete", "/groups/x/candidates?q=a"} {
		res := srv.Get(t, c, p)
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/sign-in?return_to=") {
			t.Errorf("GET %s anonymous: %d %q", p, res.StatusCode, res.Header.Get("Location"))
		}
	}
	for _, p := range []string{"/groups", "/groups/x", "/groups/x/delete", "/groups/x/members", "/groups/x/members/0190a2b4-0000-7000-8000-000000000000/remove"} {
		res := srv.PostForm(t, c, p, url.Values{})
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/sign-in") {
			t.Errorf("POST %s anonymous: %d %q", p, res.StatusCode, res.Header.Get("Location"))
		}
	}
}

func TestGroupRoutesDeclarePermissions(t *testing.T) {
	srv := webtest.NewServer(t)
	want := map[string][2]string{
		"GET /groups":                                    {"Group", "read"},
		"GET /groups/new":                                {"Group", "create"},
		"POST /groups":                                   {"Group", "create"},
		"GET /groups/{slug}":                             {"Group", "read"},
		"GET /groups/{slug}/edit":                        {"Group", "update"},
		"POST /groups/{slug}":                            {"Group", "update"},
		"GET /groups/{slug}/delete":                      {"Group", "destroy"},
		"POST /groups/{slug}/delete":                     {"Group", "destroy"},
		"GET /groups/{slug}/candidates":                  {"MemberGroup", "create"},
		"POST /groups/{slug}/members":                    {"MemberGroup", "create"},
		"POST /groups/{slug}/members/{member_id}/remove": {"MemberGroup", "destroy"},
	}
	got := map[string]bool{}
	for _, rt := range srv.App.Routes() {
		w, ok := want[rt.Pattern]
		if !ok {
			continue
		}
		got[rt.Pattern] = true
		if string(rt.Resource) != w[0] || string(rt.Action) != w[1] || rt.Public {
			t.Errorf("%s: %s %s public=%v, want %s %s", rt.Pattern, rt.Resource, rt.Action, rt.Public, w[0], w[1])
		}
	}
	for p := range want {
		if !got[p] {
			t.Errorf("route %s not registered", p)
		}
	}
}

func TestGroupList(t *testing.T) {
	w := newGroupWorld(t)
	srv := w.srv

	t.Run("empty", func(t *testing.T) {
		body := groupGet(t, srv, w.admin, "/groups", http.StatusOK)
		mustContain(t, body, "<h1", ">Groups</h1>", "No groups yet", `href="/groups/new"`, "Create the first group")
		body = groupGet(t, srv, w.board, "/groups", http.StatusOK)
		mustContain(t, body, "No groups yet", "An administrator can create groups")
		mustNotContain(t, body, `href="/groups/new"`)
	})

	jugend := w.group(t, "Jugend", "Die Jugendabteilung")
	vorstand := w.group(t, "Vorstand", "")
	w.group(t, "Ältere Herren", "Ü40")
	a, b := w.member(t, "Anna", "Müller", "anna@example.org"), w.member(t, "Ben", "Becker", "")
	w.join(t, vorstand, a, b)
	w.join(t, jugend, a)

	t.Run("admin sees everything", func(t *testing.T) {
		body := groupGet(t, srv, w.admin, "/groups", http.StatusOK)
		mustContain(t, body, "3 groups", "Die Jugendabteilung", `href="/groups/new"`,
			`href="/groups/jugend/edit"`, `href="/groups/jugend/delete" data-group-delete`,
			`aria-label="Edit Jugend"`, `aria-label="Delete Jugend"`,
			`<th scope="col" aria-sort="ascending">`, `href="/groups?dir=desc&amp;sort=name"`)
		if got := rowNames(body); strings.Join(got, ",") != "Ältere Herren,Jugend,Vorstand" {
			t.Errorf("rows %v, want by name (Ä with A)", got)
		}
		mustContain(t, groupGet(t, srv, w.admin, "/groups", http.StatusOK, "Accept-Language", "de"), "3 Gruppen", ">Gruppen</h1>", "Neue Gruppe")
	})

	t.Run("sort and search", func(t *testing.T) {
		cases := []struct {
			query string
			want  string
		}{
			{"", "Ältere Herren,Jugend,Vorstand"},
			{"?sort=name&dir=desc", "Vorstand,Jugend,Ältere Herren"},
			{"?sort=member_count&dir=desc", "Vorstand,Jugend,Ältere Herren"},
			{"?sort=member_count&dir=asc", "Ältere Herren,Jugend,Vorstand"},
			{"?sort=bogus&dir=sideways", "Ältere Herren,Jugend,Vorstand"},
			{"?sort=member_count&dir=", "Ältere Herren,Jugend,Vorstand"},
			{"?sort[]=x&dir=DESC", "Ältere Herren,Jugend,Vorstand"},
			{"?q=jug", "Jugend"},
			{"?q=JUGEND&sort=member_count", "Jugend"},
			{"?q=altere", "Ältere Herren"},
			{"?q=" + url.QueryEscape("%_'\"<x>"), ""},
			{"?q=" + strings.Repeat("x", 5000), ""},
		}
		for _, c := range cases {
			body := groupGet(t, srv, w.board, "/groups"+c.query, http.StatusOK)
			if got := strings.Join(rowNames(body), ","); got != c.want {
				t.Errorf("/groups%s: rows %q, want %q", c.query, got, c.want)
			}
		}
		body := groupGet(t, srv, w.admin, "/groups?sort=member_count&dir=desc", http.StatusOK)
		mustContain(t, body, `aria-sort="descending"`, `href="/groups?dir=asc&amp;sort=member_count"`)
		body = groupGet(t, srv, w.admin, "/groups?q=zzz", http.StatusOK)
		mustContain(t, body, "No group matches “zzz”", "Clear search")
		mustNotContain(t, body, "No groups yet")
		body = groupGet(t, srv, w.admin, "/groups?q="+url.QueryEscape("<script>"), http.StatusOK)
		mustContain(t, body, "&lt;script&gt;")
		mustNotContain(t, body, "<script>\"")
	})

	t.Run("read-only users see no controls", func(t *testing.T) {
		for name, c := range map[string]*http.Client{"board": w.board, "own_data": w.ownData} {
			body := groupGet(t, srv, c, "/groups", http.StatusOK)
			mustContain(t, body, "3 groups", `href="/groups/jugend"`)
			for _, n := range []string{`href="/groups/new"`, "/edit", "/delete"} {
				if strings.Contains(groupMain(body), n) {
					t.Errorf("%s sees %q", name, n)
				}
			}
		}
	})

	t.Run("nav entry", func(t *testing.T) {
		body := groupGet(t, srv, w.ownData, "/groups", http.StatusOK)
		mustContain(t, body, `<a href="/groups" aria-current="page"`)
	})
}

func TestGroupCreate(t *testing.T) {
	w := newGroupWorld(t)
	srv := w.srv

	body := groupGet(t, srv, w.admin, "/groups/new", http.StatusOK)
	mustContain(t, body, "New group", `name="name"`, `name="description"`, `action="/groups"`, `for="field-name"`)
	mustNotContain(t, body, "field-slug")

	body = groupPost(t, srv, w.admin, "/groups", url.Values{"name": {"  Jugend  "}, "description": {"Alle unter 18"}}, http.StatusSeeOther, "/groups/jugend")
	mustContain(t, body, "Group “Jugend” created.", "Group: Jugend", "Alle unter 18", "0 members")

	// A second "Jugend!" gets its own slug only if the name differs.
	groupPost(t, srv, w.admin, "/groups", url.Values{"name": {"Jugend 2"}}, http.StatusSeeOther, "/groups/jugend-2")

	bad := []struct {
		name, form, wantMsg string
		values              url.Values
	}{
		{"blank name", "", "Please fill in this field.", url.Values{"name": {"   "}, "description": {"kept text"}}},
		{"no name field", "", "Please fill in this field.", url.Values{"description": {"kept text"}}},
		{"taken, other case", "", "A group with this name already exists.", url.Values{"name": {"JUGEND"}, "description": {"kept text"}}},
		{"too long", "", "Use at most 100 characters.", url.Values{"name": {strings.Repeat("ä", 101)}, "description": {"kept text"}}},
		{"no letters", "", "Use at least one letter or digit in the name.", url.Values{"name": {"!!!"}, "description": {"kept text"}}},
		{"description too long", "", "Use at most 500 characters.", url.Values{"name": {"Neu"}, "description": {strings.Repeat("d", 501)}}},
	}
	before := w.snapshot(t)
	for _, c := range bad {
		res := srv.PostForm(t, w.admin, "/groups", c.values)
		body := webtest.Body(t, res)
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("%s: status %d, want 422", c.name, res.StatusCode)
			continue
		}
		mustContain(t, body, c.wantMsg, `id="error-summary"`, `aria-invalid="true"`)
		if c.values.Has("description") && len(c.values.Get("description")) < 20 {
			mustContain(t, body, ">kept text</textarea>")
		}
		if c.name == "taken, other case" {
			mustContain(t, body, `value="JUGEND"`)
		}
	}
	if after := w.snapshot(t); after != before {
		t.Error("invalid creates changed the groups")
	}

	// German messages.
	res := srv.PostForm(t, w.admin, "/groups", url.Values{"name": {"jugend"}}, "Accept-Language", "de")
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("status %d", res.StatusCode)
	}
	mustContain(t, webtest.Body(t, res), "Es gibt bereits eine Gruppe mit diesem Namen.")

	// Those who may not create groups get 403 and change nothing.
	for name, c := range map[string]*http.Client{"board": w.board, "own_data": w.ownData} {
		groupGet(t, srv, c, "/groups/new", http.StatusForbidden)
		if res := srv.PostForm(t, c, "/groups", url.Values{"name": {"Hack " + name}}); res.StatusCode != http.StatusForbidden {
			t.Errorf("%s POST /groups: %d", name, res.StatusCode)
		}
	}
	normal := signIn(t, srv, w.users[authz.NormalUser].Email, testPassword)
	if res := srv.PostForm(t, normal, "/groups", url.Values{"name": {"Hack normal"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("normal_user POST /groups: %d", res.StatusCode)
	}
	if after := w.snapshot(t); after != before {
		t.Error("forbidden creates changed the groups")
	}
}

func TestGroupEdit(t *testing.T) {
	w := newGroupWorld(t)
	srv := w.srv
	w.group(t, "Jugend", "alt")
	w.group(t, "Vorstand", "")

	body := groupGet(t, srv, w.admin, "/groups/jugend/edit", http.StatusOK)
	mustContain(t, body, "Edit group: Jugend", `value="Jugend"`, ">alt</textarea>", `id="field-slug"`, `value="jugend"`, "readonly", `action="/groups/jugend"`)

	for _, p := range []string{"/groups/nope/edit", "/groups/Bad_Slug!/edit", "/groups/" + strings.Repeat("a", 300) + "/edit", "/groups/0190a2b4-0000-7000-8000-000000000000/edit"} {
		groupGet(t, srv, w.admin, p, http.StatusNotFound)
	}

	// Renaming keeps the slug (and so every link).
	body = groupPost(t, srv, w.admin, "/groups/jugend", url.Values{"name": {"Jugendabteilung"}, "description": {"neu"}, "slug": {"hacked"}}, http.StatusSeeOther, "/groups/jugend")
	mustContain(t, body, "Group “Jugendabteilung” saved.", "Group: Jugendabteilung", "neu")

	before := w.snapshot(t)
	res := srv.PostForm(t, w.admin, "/groups/jugend", url.Values{"name": {"vorstand"}, "description": {"typed"}})
	body = webtest.Body(t, res)
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("rename onto another group: %d", res.StatusCode)
	}
	mustContain(t, body, "A group with this name already exists.", `value="vorstand"`, ">typed</textarea>", `value="jugend"`)
	res = srv.PostForm(t, w.admin, "/groups/jugend", url.Values{"name": {""}})
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("blank name: %d", res.StatusCode)
	}
	if res := srv.PostForm(t, w.admin, "/groups/nope", url.Values{"name": {"X"}}); res.StatusCode != http.StatusNotFound {
		t.Errorf("update unknown: %d", res.StatusCode)
	}
	for name, c := range map[string]*http.Client{"board": w.board, "own_data": w.ownData} {
		groupGet(t, srv, c, "/groups/jugend/edit", http.StatusForbidden)
		if res := srv.PostForm(t, c, "/groups/jugend", url.Values{"name": {"Hack"}}); res.StatusCode != http.StatusForbidden {
			t.Errorf("%s update: %d", name, res.StatusCode)
		}
	}
	if after := w.snapshot(t); after != before {
		t.Error("refused updates changed the groups")
	}
}

func TestGroupShow(t *testing.T) {
	w := newGroupWorld(t)
	srv := w.srv
	g := w.group(t, "Jugend", "Alle unter 18")
	empty := w.group(t, "Leer", "")
	anna := w.member(t, "Anna", "Müller", "anna@example.org")
	var ids []string
	for i := range 54 {
		ids = append(ids, w.member(t, fmt.Sprintf("Vorname%02d", i), fmt.Sprintf("Zimmer%02d", i), ""))
	}
	w.join(t, g, append(ids, anna)...)

	body := groupGet(t, srv, w.admin, "/groups/jugend", http.StatusOK)
	mustContain(t, body, "<title>Group: Jugend – Mila</title>", "<h1", "Group: Jugend", "Alle unter 18", "55 members",
		`href="/members/`+anna+`"`, "Anna Müller", "anna@example.org", "Page 1 of 2", `rel="next" href="/groups/jugend?page=2"`,
		`aria-label="Remove Anna Müller from Jugend"`, `action="/groups/jugend/members/`+anna+`/remove"`,
		`href="/groups/jugend/edit"`, `href="/groups/jugend/delete" class="btn btn-error" data-group-delete`, `id="group-candidate-q"`,
		`hx-get="/groups/jugend/candidates"`, `action="/groups/jugend/members"`)
	// Sorted by name: Müller before the Zimmers; 50 on the first page.
	if strings.Count(body, `href="/members/`) != 50 {
		t.Errorf("first page lists %d members, want 50", strings.Count(body, `href="/members/`))
	}
	if strings.Index(body, "Anna Müller") > strings.Index(body, "Zimmer00") {
		t.Error("members not sorted by last name")
	}

	page2 := groupGet(t, srv, w.admin, "/groups/jugend?page=2", http.StatusOK)
	mustContain(t, page2, "Page 2 of 2", "Zimmer53", `rel="prev" href="/groups/jugend"`, `name="page" value="2"`)
	if n := strings.Count(page2, `href="/members/`); n != 5 {
		t.Errorf("page 2 lists %d members, want 5", n)
	}
	for q, want := range map[string]string{"page=abc": "Page 1 of 2", "page=-3": "Page 1 of 2", "page=0": "Page 1 of 2",
		"page=99": "Page 2 of 2", "page=99999999999999999999": "Page 1 of 2", "page=2&page=1": "Page 2 of 2"} {
		mustContain(t, groupGet(t, srv, w.admin, "/groups/jugend?"+q, http.StatusOK), want)
	}

	body = groupGet(t, srv, w.admin, "/groups/leer", http.StatusOK)
	mustContain(t, body, "0 members", "Nobody is in this group yet. Find members above", "No description.")
	mustContain(t, groupGet(t, srv, w.admin, "/groups/jugend", http.StatusOK, "Accept-Language", "de"), "Gruppe: Jugend", "55 Mitglieder", "Anna Müller aus Jugend entfernen")

	// By id: a permanent redirect to the slug, query kept.
	for _, id := range []string{g.ID, strings.ToUpper(g.ID)} {
		res := srv.Get(t, w.board, "/groups/"+id+"?page=2")
		if res.StatusCode != http.StatusMovedPermanently || res.Header.Get("Location") != "/groups/jugend?page=2" {
			t.Errorf("by id %s: %d %q", id, res.StatusCode, res.Header.Get("Location"))
		}
	}
	if res := srv.Get(t, w.board, "/groups/"+empty.ID); res.Header.Get("Location") != "/groups/leer" {
		t.Errorf("by id: %q", res.Header.Get("Location"))
	}
	for _, p := range []string{"/groups/nope", "/groups/0190a2b4-0000-7000-8000-000000000000", "/groups/NOT-a-slug", "/groups/%00", "/groups/-x-"} {
		body := groupGet(t, srv, w.admin, p, http.StatusNotFound)
		mustContain(t, body, "Page not found")
	}

	// Board: reads members, changes nothing.
	body = groupGet(t, srv, w.board, "/groups/jugend", http.StatusOK)
	mustContain(t, body, "Anna Müller", "55 members")
	mustNotContain(t, body, "/remove", "/edit", "/delete", "group-candidate-q", `action="/groups/jugend/members"`, "Nobody is in this group yet. Find")
	// own_data: the group, not who is in it.
	body = groupGet(t, srv, w.ownData, "/groups/jugend", http.StatusOK)
	mustContain(t, body, "Group: Jugend", "55 members")
	mustNotContain(t, body, "Anna Müller", "/remove", "group-candidate-q")
}

func TestGroupCandidates(t *testing.T) {
	w := newGroupWorld(t)
	srv := w.srv
	g := w.group(t, "Jugend", "")
	anna := w.member(t, "Anna", "Müller", "anna@example.org")
	annika := w.member(t, "Annika", "Schulz", "annika@example.org")
	w.member(t, "Bert", "Brecht", "bb@example.org")
	w.join(t, g, anna)
	hx := []string{"HX-Request", "true"}

	body := groupGet(t, srv, w.admin, "/groups/jugend/candidates?q=ann", http.StatusOK, hx...)
	mustContain(t, body, `value="`+annika+`"`, "Annika Schulz", "annika@example.org", `value="`+anna+`" checked disabled`, "already in this group",
		`id="group-candidates-status" hx-swap-oob="innerHTML"`, "2 members found.")
	mustNotContain(t, body, "<html", "Bert")
	// Umlaut spellings and email find members too.
	mustContain(t, groupGet(t, srv, w.admin, "/groups/jugend/candidates?q=Mueller", http.StatusOK, hx...), "Anna Müller")
	mustContain(t, groupGet(t, srv, w.admin, "/groups/jugend/candidates?q=bb%40example", http.StatusOK, hx...), "Bert Brecht")
	body = groupGet(t, srv, w.admin, "/groups/jugend/candidates?q=zzzz", http.StatusOK, hx...)
	mustContain(t, body, "No member matches “zzzz”.")
	body = groupGet(t, srv, w.admin, "/groups/jugend/candidates?q=", http.StatusOK, hx...)
	mustNotContain(t, body, "checkbox", "found")
	body = groupGet(t, srv, w.admin, "/groups/jugend/candidates?q="+url.QueryEscape("&|!():*'\\"), http.StatusOK, hx...)
	mustNotContain(t, body, "checkbox")
	mustContain(t, groupGet(t, srv, w.admin, "/groups/jugend/candidates?q=ann", http.StatusOK, "HX-Request", "true", "Accept-Language", "de"), "2 Mitglieder gefunden.")

	// Without htmx: the group page shows the same list.
	res := srv.Get(t, w.admin, "/groups/jugend/candidates?q=ann")
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/groups/jugend?q=ann#group-add" {
		t.Fatalf("plain GET: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	body = groupGet(t, srv, w.admin, "/groups/jugend?q=ann", http.StatusOK)
	mustContain(t, body, `value="`+annika+`"`, "2 members found.", `value="ann"`)

	groupGet(t, srv, w.admin, "/groups/nope/candidates?q=ann", http.StatusNotFound, hx...)
	groupGet(t, srv, w.board, "/groups/jugend/candidates?q=ann", http.StatusForbidden, hx...)
	// The board's view of the page ignores q: no picker.
	mustNotContain(t, groupGet(t, srv, w.board, "/groups/jugend?q=ann", http.StatusOK), "Annika")
}

func TestGroupMembersAdd(t *testing.T) {
	w := newGroupWorld(t)
	srv := w.srv
	g := w.group(t, "Jugend", "")
	a := w.member(t, "Anna", "Müller", "")
	b := w.member(t, "Ben", "Becker", "")
	c := w.member(t, "Cem", "Çelik", "")
	memberships := func() int { return w.count(t, `SELECT count(*) FROM member_groups WHERE group_id = $1`, g.ID) }

	body := groupPost(t, srv, w.admin, "/groups/jugend/members", url.Values{"member_id": {a}}, http.StatusSeeOther, "/groups/jugend")
	mustContain(t, body, "1 added", "1 member")
	body = groupPost(t, srv, w.admin, "/groups/jugend/members", url.Values{"member_id": {a, b, strings.ToUpper(c), c}}, http.StatusSeeOther, "/groups/jugend")
	mustContain(t, body, "2 added, 1 was already a member", "3 members")
	body = groupPost(t, srv, w.admin, "/groups/jugend/members", url.Values{"member_id": {a, b}}, http.StatusSeeOther, "/groups/jugend")
	mustContain(t, body, "2 were already members")
	mustNotContain(t, body, "0 added")
	if n := memberships(); n != 3 {
		t.Fatalf("%d memberships, want 3", n)
	}

	before := w.snapshot(t)
	body = groupPost(t, srv, w.admin, "/groups/jugend/members", url.Values{}, http.StatusSeeOther, "/groups/jugend#group-add")
	mustContain(t, body, "Select at least one member to add.", `role="alert"`)
	d := w.member(t, "Dora", "Dorn", "")
	body = groupPost(t, srv, w.admin, "/groups/jugend/members", url.Values{"member_id": {d, "0190a2b4-0000-7000-8000-000000000000"}}, http.StatusSeeOther, "")
	mustContain(t, body, "no longer exist")
	for _, bad := range [][]string{{"not-a-uuid"}, {d, "1; DROP TABLE groups"}, {""}, {d + "x"}} {
		if res := srv.PostForm(t, w.admin, "/groups/jugend/members", url.Values{"member_id": bad}); res.StatusCode != http.StatusBadRequest {
			t.Errorf("member_id %q: %d, want 400", bad, res.StatusCode)
		}
	}
	many := make([]string, 10001) // groupAddMax is 10,000
	for i := range many {
		many[i] = d
	}
	if res := srv.PostForm(t, w.admin, "/groups/jugend/members", url.Values{"member_id": many}); res.StatusCode != http.StatusBadRequest {
		t.Errorf("10,001 ids: %d", res.StatusCode)
	}
	if res := srv.PostForm(t, w.admin, "/groups/nope/members", url.Values{"member_id": {d}}); res.StatusCode != http.StatusNotFound {
		t.Errorf("unknown group: %d", res.StatusCode)
	}
	for name, cl := range map[string]*http.Client{"board": w.board, "own_data": w.ownData} {
		if res := srv.PostForm(t, cl, "/groups/jugend/members", url.Values{"member_id": {d}}); res.StatusCode != http.StatusForbidden {
			t.Errorf("%s add: %d", name, res.StatusCode)
		}
	}
	if after := w.snapshot(t); after != before {
		t.Error("refused adds changed the memberships")
	}
	// German result.
	res := srv.PostForm(t, w.admin, "/groups/jugend/members", url.Values{"member_id": {a, b, d}}, "Accept-Language", "de")
	mustContain(t, webtest.Body(t, srv.Get(t, w.admin, res.Header.Get("Location"), "Accept-Language", "de")), "1 hinzugefügt, 2 waren bereits Mitglieder")
}

func TestGroupMemberRemove(t *testing.T) {
	w := newGroupWorld(t)
	srv := w.srv
	g := w.group(t, "Jugend", "")
	a := w.member(t, "Anna", "Müller", "")
	b := w.member(t, "Ben", "Becker", "")
	w.join(t, g, a, b)

	before := w.snapshot(t)
	for name, cl := range map[string]*http.Client{"board": w.board, "own_data": w.ownData} {
		if res := srv.PostForm(t, cl, "/groups/jugend/members/"+a+"/remove", nil); res.StatusCode != http.StatusForbidden {
			t.Errorf("%s remove: %d", name, res.StatusCode)
		}
	}
	for _, p := range []string{"/groups/jugend/members/not-a-uuid/remove", "/groups/jugend/members/0190a2b4-0000-7000-8000-000000000000/remove",
		"/groups/nope/members/" + a + "/remove"} {
		if res := srv.PostForm(t, w.admin, p, url.Values{}); res.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", p, res.StatusCode)
		}
	}
	if after := w.snapshot(t); after != before {
		t.Fatal("refused removals changed the memberships")
	}

	body := groupPost(t, srv, w.admin, "/groups/jugend/members/"+a+"/remove", url.Values{"page": {"3"}}, http.StatusSeeOther, "/groups/jugend?page=3")
	mustContain(t, body, "Anna Müller removed from Jugend.", "1 member")
	body = groupPost(t, srv, w.admin, "/groups/jugend/members/"+strings.ToUpper(a)+"/remove", url.Values{"page": {"x"}}, http.StatusSeeOther, "/groups/jugend")
	mustContain(t, body, "Anna Müller was not a member of Jugend.")
	if n := w.count(t, `SELECT count(*) FROM member_groups WHERE group_id = $1`, g.ID); n != 1 {
		t.Errorf("%d memberships left, want 1", n)
	}
	if n := w.count(t, `SELECT count(*) FROM members`); n != 2 {
		t.Errorf("removing a membership deleted a member: %d members", n)
	}
}

func TestGroupDelete(t *testing.T) {
	w := newGroupWorld(t)
	srv := w.srv
	g := w.group(t, "Jugend", "")
	w.group(t, "Solo", "")
	a := w.member(t, "Anna", "Müller", "")
	b := w.member(t, "Ben", "Becker", "")
	w.join(t, g, a, b)

	// The confirmation page (without JavaScript).
	body := groupGet(t, srv, w.admin, "/groups/jugend/delete", http.StatusOK)
	mustContain(t, body, `Delete group “Jugend”?`, "2 members are in this group.", "permanently removed",
		`action="/groups/jugend/delete"`, `name="confirm_name"`, `for="field-confirm_name"`, `data-confirm-expected="Jugend"`, "Enter “Jugend” exactly")
	mustNotContain(t, groupMain(body), "disabled", "<dialog")
	mustContain(t, groupGet(t, srv, w.admin, "/groups/solo/delete", http.StatusOK), "0 members are in this group.")
	mustContain(t, groupGet(t, srv, w.admin, "/groups/jugend/delete", http.StatusOK, "Accept-Language", "de"), "2 Mitglieder sind in dieser Gruppe.")

	// The dialog fragment (for the script).
	body = groupGet(t, srv, w.admin, "/groups/jugend/delete", http.StatusOK, "HX-Request", "true")
	mustContain(t, body, `<dialog id="group-delete-dialog"`, `role="dialog"`, `aria-labelledby="group-delete-title"`, `aria-describedby="group-delete-desc"`,
		`id="group-delete-title"`, `id="group-delete-desc"`, `data-confirm-submit disabled`, "data-group-dialog-close")
	mustNotContain(t, body, "<html")

	before := w.snapshot(t)
	for _, typed := range []string{"", "jugend", "Jugend ", " Jugend", "JUGEND", "Solo"} {
		res := srv.PostForm(t, w.admin, "/groups/jugend/delete", url.Values{"confirm_name": {typed}})
		body := webtest.Body(t, res)
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("confirm_name %q: %d, want 422", typed, res.StatusCode)
			continue
		}
		mustContain(t, body, "The name does not match. Type “Jugend” exactly.", `aria-invalid="true"`, `id="error-summary"`)
	}
	if res := srv.PostForm(t, w.admin, "/groups/jugend/delete", url.Values{"confirm": {"Jugend"}}); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("without confirm_name: %d", res.StatusCode)
	}
	for name, cl := range map[string]*http.Client{"board": w.board, "own_data": w.ownData} {
		groupGet(t, srv, cl, "/groups/jugend/delete", http.StatusForbidden)
		if res := srv.PostForm(t, cl, "/groups/jugend/delete", url.Values{"confirm_name": {"Jugend"}}); res.StatusCode != http.StatusForbidden {
			t.Errorf("%s delete: %d", name, res.StatusCode)
		}
	}
	if res := srv.PostForm(t, w.admin, "/groups/nope/delete", url.Values{"confirm_name": {"nope"}}); res.StatusCode != http.StatusNotFound {
		t.Errorf("unknown group: %d", res.StatusCode)
	}
	groupGet(t, srv, w.admin, "/groups/nope/delete", http.StatusNotFound)
	if after := w.snapshot(t); after != before {
		t.Fatal("refused deletes changed something")
	}

	body = groupPost(t, srv, w.admin, "/groups/jugend/delete", url.Values{"confirm_name": {"Jugend"}}, http.StatusSeeOther, "/groups")
	mustContain(t, body, "Group “Jugend” deleted.", "1 group")
	if n := w.count(t, `SELECT count(*) FROM groups WHERE id = $1`, g.ID); n != 0 {
		t.Error("group still there")
	}
	if n := w.count(t, `SELECT count(*) FROM member_groups`); n != 0 {
		t.Errorf("%d memberships left", n)
	}
	if n := w.count(t, `SELECT count(*) FROM members`); n != 2 {
		t.Errorf("%d members left, want 2", n)
	}
	groupGet(t, srv, w.admin, "/groups/jugend", http.StatusNotFound)
}

// groupFlashes opens a page of our own and returns its flash messages, so
// a test reads an action's result whatever page it redirected to.
func groupFlashes(t *testing.T, srv *webtest.Server, c *http.Client) string {
	t.Helper()
	body := groupGet(t, srv, c, "/groups?flash", http.StatusOK)
	i := strings.Index(body, `<div id="flashes"`)
	j := strings.Index(body, "<main")
	if i < 0 || j < i {
		return ""
	}
	return body[i:j]
}

func TestGroupMemberDetailActions(t *testing.T) {
	w := newGroupWorld(t)
	srv := w.srv
	g := w.group(t, "Jugend", "")
	w.group(t, "Vorstand", "")
	a := w.member(t, "Anna", "Müller", "")
	in := func() int {
		return w.count(t, `SELECT count(*) FROM member_groups WHERE member_id = $1 AND group_id = $2`, a, g.ID)
	}
	hx := func(c *http.Client, path string, form url.Values) (int, string) {
		res := srv.Do(t, c, webtest.NewRequest(t, http.MethodPost, path, form, "HX-Request", "true"))
		return res.StatusCode, webtest.Body(t, res)
	}

	// Without JavaScript: post, redirect to the member, flash.
	res := srv.PostForm(t, w.admin, "/members/"+a+"/groups", url.Values{"group": {"jugend"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/members/"+a+"#member-groups" {
		t.Fatalf("add: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	mustContain(t, groupFlashes(t, srv, w.admin), "Anna Müller added to Jugend.")
	if in() != 1 {
		t.Fatal("not added")
	}
	srv.PostForm(t, w.admin, "/members/"+a+"/groups", url.Values{"group": {"jugend"}})
	mustContain(t, groupFlashes(t, srv, w.admin), "Anna Müller is already in Jugend.")
	for _, bad := range []string{"", "nope", "Bad Slug", g.ID} {
		before := w.snapshot(t)
		res := srv.PostForm(t, w.admin, "/members/"+a+"/groups", url.Values{"group": {bad}})
		if res.StatusCode != http.StatusSeeOther {
			t.Errorf("group %q: %d", bad, res.StatusCode)
		}
		mustContain(t, groupFlashes(t, srv, w.admin), "That group does not exist (any more).")
		if w.snapshot(t) != before {
			t.Errorf("group %q changed something", bad)
		}
	}

	// With htmx: the section's body and the status, out of band.
	code, body := hx(w.admin, "/members/"+a+"/groups", url.Values{"group": {"vorstand"}})
	if code != http.StatusOK {
		t.Fatalf("htmx add: %d", code)
	}
	mustContain(t, body, `aria-label="Member of Jugend"`, `aria-label="Member of Vorstand"`, `href="/groups/vorstand"`,
		`aria-label="Remove Anna Müller from Vorstand"`, `hx-post="/members/`+a+`/groups/jugend/remove"`,
		`id="member-groups-status" hx-swap-oob="innerHTML"`, "Anna Müller added to Vorstand.", "Already in every group.")
	mustNotContain(t, body, "<html", `id="member-group-add"`)
	code, body = hx(w.admin, "/members/"+a+"/groups/vorstand/remove", nil)
	if code != http.StatusOK {
		t.Fatalf("htmx remove: %d", code)
	}
	mustContain(t, body, "Anna Müller removed from Vorstand.", `<option value="vorstand">Vorstand</option>`, `id="member-group-add"`)
	mustNotContain(t, body, `aria-label="Member of Vorstand"`)
	_, body = hx(w.admin, "/members/"+a+"/groups/vorstand/remove", nil)
	mustContain(t, body, `class="text-error">Anna Müller was not a member of Vorstand.`)

	res = srv.PostForm(t, w.admin, "/members/"+a+"/groups/jugend/remove", nil)
	if res.StatusCode != http.StatusSeeOther || in() != 0 {
		t.Fatalf("remove: %d, in=%d", res.StatusCode, in())
	}
	mustContain(t, groupFlashes(t, srv, w.admin), "Anna Müller removed from Jugend.")

	// Unknown and malformed ids.
	w.join(t, g, a)
	before := w.snapshot(t)
	for _, p := range []string{"/members/not-a-uuid/groups", "/members/0190a2b4-0000-7000-8000-000000000000/groups",
		"/members/not-a-uuid/groups/jugend/remove", "/members/0190a2b4-0000-7000-8000-000000000000/groups/jugend/remove",
		"/members/" + a + "/groups/nope/remove", "/members/" + a + "/groups/Bad_Slug/remove"} {
		if res := srv.PostForm(t, w.admin, p, url.Values{"group": {"jugend"}}); res.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", p, res.StatusCode)
		}
	}
	// Board and own_data may not change memberships.
	for name, c := range map[string]*http.Client{"board": w.board, "own_data": w.ownData} {
		for _, p := range []string{"/members/" + a + "/groups", "/members/" + a + "/groups/jugend/remove"} {
			if res := srv.PostForm(t, c, p, url.Values{"group": {"vorstand"}}); res.StatusCode != http.StatusForbidden {
				t.Errorf("%s %s: %d", name, p, res.StatusCode)
			}
		}
	}
	if w.snapshot(t) != before {
		t.Error("refused changes changed something")
	}
	// German.
	_, body = hx(w.admin, "/members/"+a+"/groups", url.Values{"group": {"vorstand"}})
	_ = body
	res = srv.Do(t, w.admin, webtest.NewRequest(t, http.MethodPost, "/members/"+a+"/groups/vorstand/remove", url.Values{}, "HX-Request", "true", "Accept-Language", "de"))
	mustContain(t, webtest.Body(t, res), "Anna Müller aus Vorstand entfernt.", `aria-label="Mitglied der Gruppe Jugend"`)
}

func TestGroupBulk(t *testing.T) {
	w := newGroupWorld(t)
	srv := w.srv
	g := w.group(t, "Jugend", "")
	a, b, c := w.member(t, "Anna", "Müller", ""), w.member(t, "Ben", "Becker", ""), w.member(t, "Cem", "Çelik", "")
	d := w.member(t, "Dora", "Dorn", "")
	memberships := func() int { return w.count(t, `SELECT count(*) FROM member_groups WHERE group_id = $1`, g.ID) }
	post := func(cl *http.Client, path string, form url.Values, wantLoc string) {
		t.Helper()
		res := srv.PostForm(t, cl, path, form)
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != wantLoc {
			t.Fatalf("POST %s %v: %d %q, want 303 %q", path, form, res.StatusCode, res.Header.Get("Location"), wantLoc)
		}
	}
	back := "/members?q=a&group=jugend&sort=groups&page=2"

	post(w.admin, "/members/groups/add", url.Values{"member_id": {a, b, c}, "group": {"jugend"}, "return_to": {back}}, back)
	mustContain(t, groupFlashes(t, srv, w.admin), "Jugend: 3 added.")
	post(w.admin, "/members/groups/add", url.Values{"member_id": {a, b, c, d}, "group": {"jugend"}, "return_to": {back}}, back)
	mustContain(t, groupFlashes(t, srv, w.admin), "Jugend: 1 added, 3 were already members.")
	if n := memberships(); n != 4 {
		t.Fatalf("%d memberships, want 4", n)
	}
	post(w.admin, "/members/groups/remove", url.Values{"member_id": {a, b}, "group": {"jugend"}, "return_to": {"/members"}}, "/members")
	mustContain(t, groupFlashes(t, srv, w.admin), "Jugend: 2 removed.")
	post(w.admin, "/members/groups/remove", url.Values{"member_id": {a, c}, "group": {"jugend"}}, "/members")
	mustContain(t, groupFlashes(t, srv, w.admin), "Jugend: 1 removed, 1 was not a member.")
	if n := memberships(); n != 1 {
		t.Fatalf("%d memberships, want 1", n)
	}

	before := w.snapshot(t)
	for _, rt := range []string{"https://evil.example/", "//evil.example", "/groups", "/membersx", "javascript:alert(1)"} {
		post(w.admin, "/members/groups/add", url.Values{"member_id": {}, "group": {"jugend"}, "return_to": {rt}}, "/members")
	}
	mustContain(t, groupFlashes(t, srv, w.admin), "Select at least one member first.")
	post(w.admin, "/members/groups/add", url.Values{"member_id": {a}, "return_to": {back}}, back)
	mustContain(t, groupFlashes(t, srv, w.admin), "Choose a group first.")
	post(w.admin, "/members/groups/remove", url.Values{"member_id": {d}, "group": {"nope"}}, "/members")
	mustContain(t, groupFlashes(t, srv, w.admin), "That group does not exist (any more).")
	post(w.admin, "/members/groups/add", url.Values{"member_id": {a, "0190a2b4-0000-7000-8000-000000000000"}, "group": {"jugend"}}, "/members")
	mustContain(t, groupFlashes(t, srv, w.admin), "Nothing was changed")
	for _, bad := range [][]string{{"x"}, {a, "1 OR 1=1"}, {""}} {
		if res := srv.PostForm(t, w.admin, "/members/groups/add", url.Values{"member_id": bad, "group": {"jugend"}}); res.StatusCode != http.StatusBadRequest {
			t.Errorf("member_id %q: %d", bad, res.StatusCode)
		}
	}
	for name, cl := range map[string]*http.Client{"board": w.board, "own_data": w.ownData} {
		for _, p := range []string{"/members/groups/add", "/members/groups/remove"} {
			if res := srv.PostForm(t, cl, p, url.Values{"member_id": {a, b}, "group": {"jugend"}}); res.StatusCode != http.StatusForbidden {
				t.Errorf("%s %s: %d", name, p, res.StatusCode)
			}
		}
	}
	if w.snapshot(t) != before {
		t.Error("refused bulk changes changed something")
	}
	res := srv.PostForm(t, w.admin, "/members/groups/add", url.Values{"member_id": {a, d}, "group": {"jugend"}}, "Accept-Language", "de")
	if res.StatusCode != http.StatusSeeOther {
		t.Fatal(res.StatusCode)
	}
	body := groupGet(t, srv, w.admin, "/groups", http.StatusOK, "Accept-Language", "de")
	mustContain(t, body, "Jugend: 1 hinzugefügt, 1 war bereits Mitglied.")
}
