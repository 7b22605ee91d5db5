package web_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"mila/internal/authz"
	"mila/internal/membership"
)

// postWant posts form and wants status, returning the page.
func postWant(t *testing.T, w *groupWorld, c *http.Client, path string, form url.Values, want int, header ...string) string {
	t.Helper()
	res := w.srv.PostForm(t, c, path, form, header...)
	body := readBody(t, res)
	if res.StatusCode != want {
		t.Fatalf("POST %s %v: status %d, want %d\n%s", path, form, res.StatusCode, want, groupMain(body))
	}
	return body
}

// TestMembershipEditing: on the member page a membership row is edited
// in place (since, until, role) and a dated membership is added (group,
// since — today by default —, until, role). Overlaps, until not after
// since, dates after today, a role of another group and a missing group
// are errors next to the field (422) in both languages; nothing is
// written then. Those who may not change memberships get a 403.
func TestMembershipEditing(t *testing.T) {
	w, ids, g := histWorld(t)
	ctx := context.Background()
	h := membership.NewHistory(w.srv.DB)
	anna, bert := ids["anna"], ids["bert"]
	other := w.group(t, "Chor", "")
	own, err := h.CreateRole(ctx, w.adminActor(), other.ID, "Stimmführer", false)
	if err != nil {
		t.Fatal(err)
	}
	kassenwart, err := h.CreateRole(ctx, w.adminActor(), g.ID, "Kassenwart", false)
	if err != nil {
		t.Fatal(err)
	}
	var annaMS, bertMS string
	if err := w.srv.DB.QueryRow(ctx, `SELECT id FROM group_memberships WHERE member_id = $1`, anna).Scan(&annaMS); err != nil {
		t.Fatal(err)
	}
	if err := w.srv.DB.QueryRow(ctx, `SELECT id FROM group_memberships WHERE member_id = $1`, bert).Scan(&bertMS); err != nil {
		t.Fatal(err)
	}

	body := groupGet(t, w.srv, w.admin, "/members/"+anna, http.StatusOK)
	mustContain(t, body, `action="/members/`+anna+`/memberships"`, "Add a membership in a group", `name="group_id"`,
		"Club-wide roles", "Roles of Chor", "Stimmführer", `value="`+membership.Today().Format("2006-01-02")+`"`,
		"?edit_membership="+annaMS)
	// Editing: the row's form with its values; the add form is hidden then.
	body = groupGet(t, w.srv, w.admin, "/members/"+anna+"?edit_membership="+annaMS, http.StatusOK)
	mustContain(t, body, `id="membership-edit"`, `action="/members/`+anna+`/memberships/`+annaMS+`"`, `value="2020-01-01"`, `value="2021-01-01"`, "Kassenwart")
	mustNotContain(t, body, "Add a membership in a group", "Stimmführer")

	snap := w.snapshot(t)
	path := "/members/" + anna + "/memberships/" + annaMS
	body = postWant(t, w, w.admin, path, url.Values{"from": {"2020-06-01"}, "until": {"2020-05-01"}}, http.StatusUnprocessableEntity)
	mustContain(t, body, "must be after the start", `value="2020-05-01"`, `id="membership-edit"`, `aria-invalid="true"`)
	body = postWant(t, w, w.admin, path, url.Values{"from": {"2020-06-01"}, "until": {"2020-06-01"}}, http.StatusUnprocessableEntity, "Accept-Language", "de")
	mustContain(t, body, "muss nach dem Beginn liegen")
	body = postWant(t, w, w.admin, path, url.Values{"from": {"2999-01-01"}}, http.StatusUnprocessableEntity)
	mustContain(t, body, "cannot be after today")
	body = postWant(t, w, w.admin, path, url.Values{"from": {""}}, http.StatusUnprocessableEntity, "Accept-Language", "de")
	mustContain(t, body, "Bitte füllen Sie dieses Feld aus.")
	postWant(t, w, w.admin, path, url.Values{"from": {"kaputt"}}, http.StatusUnprocessableEntity)
	body = postWant(t, w, w.admin, path, url.Values{"from": {"2020-01-01"}, "role_id": {own.ID}}, http.StatusUnprocessableEntity)
	mustContain(t, body, "is not a role of this group")
	body = postWant(t, w, w.admin, path, url.Values{"from": {"2020-01-01"}, "role_id": {own.ID}}, http.StatusUnprocessableEntity, "Accept-Language", "de")
	mustContain(t, body, "ist keine Rolle dieser Gruppe")
	postWant(t, w, w.admin, path, url.Values{"from": {"2020-01-01"}, "role_id": {"nope"}}, http.StatusUnprocessableEntity)
	if got := w.snapshot(t); got != snap {
		t.Fatal("a refused change wrote something")
	}
	// Overlap: Anna gets a second row in the group, then the first is
	// stretched over it (the database's exclusion constraint refuses).
	if _, err := h.AddMembership(ctx, w.adminActor(), anna, g.ID, membership.MembershipInput{From: "2022-01-01", Until: "2022-06-01"}); err != nil {
		t.Fatal(err)
	}
	snap = w.snapshot(t)
	body = postWant(t, w, w.admin, path, url.Values{"from": {"2020-01-01"}, "until": {"2022-03-01"}}, http.StatusUnprocessableEntity)
	mustContain(t, body, "overlaps another membership in this group")
	body = postWant(t, w, w.admin, path, url.Values{"from": {"2020-01-01"}}, http.StatusUnprocessableEntity, "Accept-Language", "de")
	mustContain(t, body, "überschneidet sich mit einer anderen Mitgliedschaft in dieser Gruppe")
	if got := w.snapshot(t); got != snap {
		t.Fatal("a refused change wrote something")
	}
	// A valid change: dates and the group's own role.
	body = groupPost(t, w.srv, w.admin, path, url.Values{"from": {"2019-06-01"}, "until": {"2021-01-01"}, "role_id": {kassenwart.ID}}, http.StatusSeeOther, "/members/"+anna+"#history")
	mustContain(t, body, "Membership in Jugend U14 saved", "Kassenwart")
	if n := w.count(t, `SELECT count(*) FROM group_memberships WHERE id = $1 AND valid_from = '2019-06-01' AND role_id = $2`, annaMS, kassenwart.ID); n != 1 {
		t.Fatal("membership not changed")
	}

	// Adding.
	add := "/members/" + anna + "/memberships"
	snap = w.snapshot(t)
	body = postWant(t, w, w.admin, add, url.Values{"from": {"2023-01-01"}}, http.StatusUnprocessableEntity)
	mustContain(t, body, "Please fill in this field.", `id="membership-add"`)
	body = postWant(t, w, w.admin, add, url.Values{"group_id": {""}, "from": {"2023-01-01"}, "until": {"2022-01-01"}}, http.StatusUnprocessableEntity, "Accept-Language", "de")
	mustContain(t, body, "Bitte füllen Sie dieses Feld aus.", "muss nach dem Beginn liegen")
	body = postWant(t, w, w.admin, add, url.Values{"group_id": {"01900000-0000-7000-8000-000000000000"}}, http.StatusUnprocessableEntity)
	mustContain(t, body, "does not exist")
	postWant(t, w, w.admin, add, url.Values{"group_id": {"x"}}, http.StatusUnprocessableEntity)
	body = postWant(t, w, w.admin, add, url.Values{"group_id": {g.ID}, "from": {"2022-03-01"}, "until": {"2022-04-01"}}, http.StatusUnprocessableEntity)
	mustContain(t, body, "overlaps another membership in this group", `value="2022-03-01"`)
	body = postWant(t, w, w.admin, add, url.Values{"group_id": {other.ID}, "role_id": {kassenwart.ID}}, http.StatusUnprocessableEntity, "Accept-Language", "de")
	mustContain(t, body, "ist keine Rolle dieser Gruppe")
	if got := w.snapshot(t); got != snap {
		t.Fatal("a refused add wrote something")
	}
	body = groupPost(t, w.srv, w.admin, add, url.Values{"group_id": {other.ID}, "from": {"2023-01-01"}, "role_id": {own.ID}}, http.StatusSeeOther, "/members/"+anna+"#history")
	mustContain(t, body, "Membership in Chor added", "Stimmführer")
	// From defaults to today.
	groupPost(t, w.srv, w.admin, add, url.Values{"group_id": {g.ID}}, http.StatusSeeOther, "/members/"+anna+"#history")
	if n := w.count(t, `SELECT count(*) FROM group_memberships WHERE member_id = $1 AND group_id = $2 AND valid_from = current_date AND valid_until IS NULL`, anna, g.ID); n != 1 {
		t.Fatal("membership from today not added")
	}

	// Who may not: 403, nothing written; unknown rows 404.
	normal := signIn(t, w.srv, w.users[authz.NormalUser].Email, testPassword)
	snap = w.snapshot(t)
	for _, c := range []*http.Client{w.board, normal, w.ownData} {
		postWant(t, w, c, add, url.Values{"group_id": {other.ID}, "from": {"2010-01-01"}, "until": {"2011-01-01"}}, http.StatusForbidden)
		postWant(t, w, c, "/members/"+bert+"/memberships/"+bertMS, url.Values{"from": {"2020-01-01"}}, http.StatusForbidden)
	}
	mustNotContain(t, groupGet(t, w.srv, w.board, "/members/"+bert, http.StatusOK), "edit_membership", `name="group_id"`)
	postWant(t, w, w.admin, "/members/"+anna+"/memberships/"+bertMS, url.Values{"from": {"2020-01-01"}}, http.StatusNotFound)
	postWant(t, w, w.admin, "/members/"+anna+"/memberships/nope", url.Values{"from": {"2020-01-01"}}, http.StatusNotFound)
	postWant(t, w, w.admin, "/members/01900000-0000-7000-8000-000000000000/memberships", url.Values{"group_id": {g.ID}, "from": {"2010-01-01"}, "until": {"2011-01-01"}}, http.StatusNotFound)
	if got := w.snapshot(t); got != snap {
		t.Fatal("a refused request wrote something")
	}
}

// TestGroupRolesScreens: the club-wide roles at /admin/group-roles and a
// group's own at /groups/{slug}/roles: add, rename, mark leading, delete
// an unused one; a used one is refused (409) saying how many hold it;
// names are unique per list (422, both languages). Admin only.
func TestGroupRolesScreens(t *testing.T) {
	w, _, g := histWorld(t)
	ctx := context.Background()
	body := groupGet(t, w.srv, w.admin, "/admin/group-roles", http.StatusOK)
	mustContain(t, body, "Club-wide group roles", "Coach", "Roles that lead a group do not grant any rights in Mila yet.", `href="/admin/group-roles"`)
	mustContain(t, groupGet(t, w.srv, w.admin, "/admin/group-roles", http.StatusOK, "Accept-Language", "de"), "Vereinsweite Gruppenrollen", "geben in Mila noch keine Rechte")

	// Add; a duplicate name (any case) and an empty one are refused.
	body = groupPost(t, w.srv, w.admin, "/admin/group-roles", url.Values{"name": {"Trainer"}, "leads": {"on"}}, http.StatusSeeOther, "/admin/group-roles")
	mustContain(t, body, "Trainer added")
	body = postWant(t, w, w.admin, "/admin/group-roles", url.Values{"name": {"trainer"}}, http.StatusUnprocessableEntity)
	mustContain(t, body, "an entry with this name exists already", `value="trainer"`)
	body = postWant(t, w, w.admin, "/admin/group-roles", url.Values{"name": {" "}}, http.StatusUnprocessableEntity, "Accept-Language", "de")
	mustContain(t, body, "Bitte füllen Sie dieses Feld aus.")
	var trainer, coach string
	if err := w.srv.DB.QueryRow(ctx, `SELECT id FROM group_roles WHERE name = 'Trainer' AND leads`).Scan(&trainer); err != nil {
		t.Fatal(err)
	}
	if err := w.srv.DB.QueryRow(ctx, `SELECT id FROM group_roles WHERE name = 'Coach'`).Scan(&coach); err != nil {
		t.Fatal(err)
	}
	// Rename, unmark leading; renaming onto another name is refused in the row.
	groupPost(t, w.srv, w.admin, "/admin/group-roles/"+trainer, url.Values{"name": {"Übungsleitung"}}, http.StatusSeeOther, "/admin/group-roles")
	if n := w.count(t, `SELECT count(*) FROM group_roles WHERE id = $1 AND name = 'Übungsleitung' AND NOT leads`, trainer); n != 1 {
		t.Fatal("not renamed")
	}
	body = postWant(t, w, w.admin, "/admin/group-roles/"+trainer, url.Values{"name": {"COACH"}}, http.StatusUnprocessableEntity, "Accept-Language", "de")
	mustContain(t, body, "ein Eintrag mit diesem Namen existiert bereits", `id="entry-name-`+trainer+`-error"`)
	postWant(t, w, w.admin, "/admin/group-roles/"+trainer, url.Values{"name": {""}}, http.StatusUnprocessableEntity)
	postWant(t, w, w.admin, "/admin/group-roles/nope", url.Values{"name": {"X"}}, http.StatusNotFound)
	// Coach is held by Bert: refused, saying how many.
	snap := w.snapshot(t)
	body = postWant(t, w, w.admin, "/admin/group-roles/"+coach+"/delete", nil, http.StatusConflict)
	mustContain(t, body, "Coach cannot be deleted: 1 membership (current or past) holds this role.")
	body = postWant(t, w, w.admin, "/admin/group-roles/"+coach+"/delete", nil, http.StatusConflict, "Accept-Language", "de")
	mustContain(t, body, "1 Mitgliedschaft (aktuell oder früher) hat diese Rolle")
	if w.snapshot(t) != snap || w.count(t, `SELECT count(*) FROM group_roles WHERE id = $1`, coach) != 1 {
		t.Fatal("used role deleted")
	}
	groupPost(t, w.srv, w.admin, "/admin/group-roles/"+trainer+"/delete", nil, http.StatusSeeOther, "/admin/group-roles")
	if n := w.count(t, `SELECT count(*) FROM group_roles WHERE id = $1`, trainer); n != 0 {
		t.Fatal("unused role not deleted")
	}

	// A group's own roles; the defaults are listed there, not editable.
	base := "/groups/" + g.Slug + "/roles"
	body = groupGet(t, w.srv, w.admin, "/groups/"+g.Slug, http.StatusOK)
	mustContain(t, body, `href="`+base+`"`, "Roles in this group")
	body = groupGet(t, w.srv, w.admin, base, http.StatusOK)
	mustContain(t, body, "Roles in Jugend U14", "Offered in this group as well:", "Coach", "Edit the club-wide roles")
	body = groupPost(t, w.srv, w.admin, base, url.Values{"name": {"Coach"}}, http.StatusSeeOther, base)
	mustContain(t, body, "Coach added") // the group's own list: another list than the defaults
	var ownCoach string
	if err := w.srv.DB.QueryRow(ctx, `SELECT id FROM group_roles WHERE group_id = $1`, g.ID).Scan(&ownCoach); err != nil {
		t.Fatal(err)
	}
	postWant(t, w, w.admin, base, url.Values{"name": {"coach"}}, http.StatusUnprocessableEntity)
	// The default role is not this group's: not found through its URL.
	postWant(t, w, w.admin, base+"/"+coach, url.Values{"name": {"Hijack"}}, http.StatusNotFound)
	postWant(t, w, w.admin, base+"/"+coach+"/delete", nil, http.StatusNotFound)
	groupPost(t, w.srv, w.admin, base+"/"+ownCoach, url.Values{"name": {"Co-Trainer"}, "leads": {"on"}}, http.StatusSeeOther, base)
	groupPost(t, w.srv, w.admin, base+"/"+ownCoach+"/delete", nil, http.StatusSeeOther, base)
	groupGet(t, w.srv, w.admin, "/groups/no-such-group/roles", http.StatusNotFound)

	// Admin only: the board and the treasurer get a 403, see no link.
	normal := signIn(t, w.srv, w.users[authz.NormalUser].Email, testPassword)
	for _, c := range []*http.Client{w.board, normal, w.ownData} {
		for _, p := range []string{"/admin/group-roles", base} {
			groupGet(t, w.srv, c, p, http.StatusForbidden)
			postWant(t, w, c, p, url.Values{"name": {"Sneaky"}}, http.StatusForbidden)
		}
		postWant(t, w, c, "/admin/group-roles/"+coach+"/delete", nil, http.StatusForbidden)
	}
	mustNotContain(t, groupGet(t, w.srv, w.board, "/groups/"+g.Slug, http.StatusOK), base, `href="/admin/group-roles"`)
}

// TestExitReasonsScreen: /admin/exit-reasons lists the reasons with how
// many periods give each; add, rename, delete an unused one; a used one
// is refused saying how many. Admin only.
func TestExitReasonsScreen(t *testing.T) {
	w, ids, _ := histWorld(t)
	ctx := context.Background()
	body := groupGet(t, w.srv, w.admin, "/admin/exit-reasons", http.StatusOK)
	mustContain(t, body, "Exit reasons", "The list is empty.", `href="/admin/exit-reasons"`)
	mustContain(t, groupGet(t, w.srv, w.admin, "/admin/exit-reasons", http.StatusOK, "Accept-Language", "de"), "Austrittsgründe")
	groupPost(t, w.srv, w.admin, "/admin/exit-reasons", url.Values{"name": {"Umzug"}}, http.StatusSeeOther, "/admin/exit-reasons")
	body = groupPost(t, w.srv, w.admin, "/admin/exit-reasons", url.Values{"name": {"Tod"}}, http.StatusSeeOther, "/admin/exit-reasons")
	mustContain(t, body, "Tod added", "Periods with this reason", "Umzug")
	body = postWant(t, w, w.admin, "/admin/exit-reasons", url.Values{"name": {"UMZUG"}}, http.StatusUnprocessableEntity, "Accept-Language", "de")
	mustContain(t, body, "ein Eintrag mit diesem Namen existiert bereits")
	long := make([]byte, 101)
	for i := range long {
		long[i] = 'x'
	}
	postWant(t, w, w.admin, "/admin/exit-reasons", url.Values{"name": {string(long)}}, http.StatusUnprocessableEntity)
	var umzug, tod string
	if err := w.srv.DB.QueryRow(ctx, `SELECT id FROM exit_reasons WHERE name = 'Umzug'`).Scan(&umzug); err != nil {
		t.Fatal(err)
	}
	if err := w.srv.DB.QueryRow(ctx, `SELECT id FROM exit_reasons WHERE name = 'Tod'`).Scan(&tod); err != nil {
		t.Fatal(err)
	}
	if _, err := w.srv.DB.Exec(ctx, `UPDATE member_periods SET exit_reason_id = $1 WHERE member_id = $2`, umzug, ids["anna"]); err != nil {
		t.Fatal(err)
	}
	body = postWant(t, w, w.admin, "/admin/exit-reasons/"+umzug+"/delete", nil, http.StatusConflict)
	mustContain(t, body, "Umzug cannot be deleted: 1 period in the club gives this reason.")
	groupPost(t, w.srv, w.admin, "/admin/exit-reasons/"+umzug, url.Values{"name": {"Wegzug"}}, http.StatusSeeOther, "/admin/exit-reasons")
	mustContain(t, groupGet(t, w.srv, w.admin, "/members/"+ids["anna"], http.StatusOK), "Wegzug")
	postWant(t, w, w.admin, "/admin/exit-reasons/"+umzug, url.Values{"name": {"tod"}}, http.StatusUnprocessableEntity)
	groupPost(t, w.srv, w.admin, "/admin/exit-reasons/"+tod+"/delete", nil, http.StatusSeeOther, "/admin/exit-reasons")
	postWant(t, w, w.admin, "/admin/exit-reasons/"+tod+"/delete", nil, http.StatusNotFound)
	postWant(t, w, w.admin, "/admin/exit-reasons/x", url.Values{"name": {"y"}}, http.StatusNotFound)
	normal := signIn(t, w.srv, w.users[authz.NormalUser].Email, testPassword)
	for _, c := range []*http.Client{w.board, normal, w.ownData} {
		groupGet(t, w.srv, c, "/admin/exit-reasons", http.StatusForbidden)
		postWant(t, w, c, "/admin/exit-reasons", url.Values{"name": {"Sneaky"}}, http.StatusForbidden)
		postWant(t, w, c, "/admin/exit-reasons/"+umzug+"/delete", nil, http.StatusForbidden)
	}
}
