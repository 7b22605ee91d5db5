package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"mila/internal/webtest"
)

func TestGroupMembersAdd(t *testing.T) {
	w := newGroupWorld(t)
	srv := w.srv
	g := w.group(t, "Jugend", "")
	a := w.member(t, "Anna", "Müller", "")
	b := w.member(t, "Ben", "Becker", "")
	c := w.member(t, "Cem", "Çelik", "")
	memberships := func() int { return w.count(t, `SELECT count(*) FROM member_groups WHERE group_id = $1`, g.ID) }

	body := groupPost(t, srv, w.admin, "/groups/jugend/members", url.Values{"member_id": {a}}, http.StatusSeeOther, "/groups/jugend")
	mustContain(t, body, "1 member added", "1 member")
	body = groupPost(t, srv, w.admin, "/groups/jugend/members", url.Values{"member_id": {a, b, strings.ToUpper(c), c}}, http.StatusSeeOther, "/groups/jugend")
	mustContain(t, body, "2 members added, 1 was already a member", "3 members")
	body = groupPost(t, srv, w.admin, "/groups/jugend/members", url.Values{"member_id": {a, b}}, http.StatusSeeOther, "/groups/jugend")
	mustContain(t, body, "2 were already members")
	mustNotContain(t, body, "0 members added")
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
	mustContain(t, webtest.Body(t, srv.Get(t, w.admin, res.Header.Get("Location"), "Accept-Language", "de")), "1 Mitglied hinzugefügt, 2 waren bereits Mitglieder")
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
