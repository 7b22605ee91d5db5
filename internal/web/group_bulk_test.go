package web_test

import (
	"net/http"
	"net/url"
	"testing"
)

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
	mustContain(t, groupFlashes(t, srv, w.admin), "Jugend: 3 members added.")
	post(w.admin, "/members/groups/add", url.Values{"member_id": {a, b, c, d}, "group": {"jugend"}, "return_to": {back}}, back)
	mustContain(t, groupFlashes(t, srv, w.admin), "Jugend: 1 member added, 3 were already members.")
	if n := memberships(); n != 4 {
		t.Fatalf("%d memberships, want 4", n)
	}
	post(w.admin, "/members/groups/remove", url.Values{"member_id": {a, b}, "group": {"jugend"}, "return_to": {"/members"}}, "/members")
	mustContain(t, groupFlashes(t, srv, w.admin), "Jugend: 2 members removed.")
	post(w.admin, "/members/groups/remove", url.Values{"member_id": {a, c}, "group": {"jugend"}}, "/members")
	mustContain(t, groupFlashes(t, srv, w.admin), "Jugend: 1 member removed, 1 was not a member.")
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
	mustContain(t, body, "Jugend: 1 Mitglied hinzugefügt, 1 war bereits Mitglied.")
}
