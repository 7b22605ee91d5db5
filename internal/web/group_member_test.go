package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"mila/internal/webtest"
)

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
