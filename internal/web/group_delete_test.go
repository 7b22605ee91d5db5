package web_test

import (
	"net/http"
	"net/url"
	"testing"

	"mila/internal/webtest"
)

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
