package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"mila/internal/authz"
	"mila/internal/webtest"
)

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
