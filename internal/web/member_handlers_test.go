package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"mila/internal/authz"
	"mila/internal/membership"
	"mila/internal/webtest"
)

// memberTestSetup starts a server with the seeded users and returns it
// with a client signed in as admin.
func memberTestSetup(t *testing.T) (*webtest.Server, map[authz.PermissionSet]seededUser, *http.Client) {
	t.Helper()
	srv := webtest.NewServer(t)
	users := seedUsers(t, srv)
	return srv, users, signIn(t, srv, users[authz.Admin].Email, testPassword)
}

func memberTestAdd(t *testing.T, srv *webtest.Server, admin authz.Actor, in membership.MemberInput) membership.Member {
	t.Helper()
	m, err := membership.NewMembers(srv.DB).Create(context.Background(), admin, in)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func memberTestGet(t *testing.T, srv *webtest.Server, c *http.Client, path string, wantStatus int, header ...string) string {
	t.Helper()
	res := srv.Get(t, c, path, header...)
	body := webtest.Body(t, res)
	if res.StatusCode != wantStatus {
		t.Fatalf("GET %s: %d, want %d\n%s", path, res.StatusCode, wantStatus, body)
	}
	return body
}

func memberTestPost(t *testing.T, srv *webtest.Server, c *http.Client, path string, form url.Values, wantStatus int) (string, string) {
	t.Helper()
	res := srv.PostForm(t, c, path, form)
	body := webtest.Body(t, res)
	if res.StatusCode != wantStatus {
		t.Fatalf("POST %s: %d, want %d\n%s", path, res.StatusCode, wantStatus, body)
	}
	return body, res.Header.Get("Location")
}

// memberTestOrder returns the member names in the order the overview lists them.
var memberTestRowRE = regexp.MustCompile(`<a class="link" href="/members/[0-9a-f-]+">([^<]+)</a>`)

func memberTestOrder(body string) []string {
	var out []string
	for _, m := range memberTestRowRE.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

func memberTestForm(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

func TestMemberPagesCreateEditDelete(t *testing.T) {
	srv, _, admin := memberTestSetup(t)
	body := memberTestGet(t, srv, admin, "/members", http.StatusOK)
	mustContain(t, body, "<h1", "There are no active members yet.", `href="/members/new"`, "0 members")

	body = memberTestGet(t, srv, admin, "/members/new", http.StatusOK)
	mustContain(t, body, `name="first_name"`, `name="last_name"`, `name="join_date"`, `aria-required="true"`)

	// Invalid: errors next to the fields and in the summary; typed values stay.
	body, _ = memberTestPost(t, srv, admin, "/members", memberTestForm("first_name", "", "last_name", "Müller",
		"email", "kein-at", "join_date", "2020-05-01", "exit_date", "2019-01-01", "city", strings.Repeat("ö", 101)),
		http.StatusUnprocessableEntity)
	mustContain(t, body, `id="error-summary"`, `href="#field-first_name"`, "Please fill in this field.",
		"Enter an email address like name@example.org.", "The exit date cannot be before the join date.",
		"Use at most 100 characters.", `value="Müller"`, `value="kein-at"`, `aria-invalid="true"`)

	// Valid.
	_, loc := memberTestPost(t, srv, admin, "/members", memberTestForm("first_name", "Jürgen", "last_name", "Müller",
		"email", "juergen@example.org", "city", "Köln", "join_date", "2020-05-01", "notes", "Zeile 1\nZeile 2"), http.StatusSeeOther)
	if !strings.HasPrefix(loc, "/members/") {
		t.Fatalf("create redirects to %q", loc)
	}
	body = memberTestGet(t, srv, admin, loc, http.StatusOK)
	mustContain(t, body, "Jürgen Müller was added.", "<h1", "Jürgen Müller", "juergen@example.org", "Köln", "May 1, 2020", "Zeile 1\nZeile 2")
	body = memberTestGet(t, srv, admin, loc, http.StatusOK, "Accept-Language", "de")
	mustContain(t, body, "01.05.2020", "Eintrittsdatum")

	// Edit: the form carries the version.
	body = memberTestGet(t, srv, admin, loc+"/edit", http.StatusOK)
	mustContain(t, body, `name="version" value="1"`, `value="Jürgen"`)
	edit := memberTestForm("first_name", "Jürgen", "last_name", "Müller-Lüdenscheidt", "email", "juergen@example.org",
		"join_date", "2020-05-01", "version", "1")
	memberTestPost(t, srv, admin, loc, edit, http.StatusSeeOther)
	// A second save from the same old form is a conflict, not an overwrite.
	edit.Set("last_name", "Meier")
	body, _ = memberTestPost(t, srv, admin, loc, edit, http.StatusConflict)
	mustContain(t, body, "This member was changed by someone else meanwhile.", `value="Meier"`, `href="`+loc+`/edit"`)
	body = memberTestGet(t, srv, admin, loc, http.StatusOK)
	mustContain(t, body, "Müller-Lüdenscheidt")
	if strings.Contains(body, "Meier") {
		t.Fatal("conflicting save was written")
	}
	// Malformed version: also a conflict (version 0 never exists).
	edit.Set("version", "abc")
	memberTestPost(t, srv, admin, loc, edit, http.StatusConflict)

	// Delete: the dialog and the page without JavaScript say what goes with it.
	body = memberTestGet(t, srv, admin, loc, http.StatusOK)
	mustContain(t, body, `<dialog id="member-delete-dialog"`, `aria-labelledby="member-delete-title"`, "Delete Jürgen Müller-Lüdenscheidt?",
		"0 data field values", "0 group memberships", `data-dialog-open="member-delete-dialog"`)
	body = memberTestGet(t, srv, admin, loc+"/delete", http.StatusOK)
	mustContain(t, body, "This cannot be undone.", `action="`+loc+`/delete"`)
	_, del := memberTestPost(t, srv, admin, loc+"/delete", url.Values{}, http.StatusSeeOther)
	if del != "/members" {
		t.Fatalf("delete redirects to %q", del)
	}
	memberTestGet(t, srv, admin, loc, http.StatusNotFound)
	memberTestPost(t, srv, admin, loc+"/delete", url.Values{}, http.StatusNotFound)
	memberTestPost(t, srv, admin, loc, edit, http.StatusNotFound)
}

func TestMemberPagesBadIDs(t *testing.T) {
	srv, _, admin := memberTestSetup(t)
	for _, p := range []string{"/members/not-an-id", "/members/0190f5e4-7c1a-7b3e-9f00-0123456789ab", "/members/x/edit",
		"/members/0190f5e4-7c1a-7b3e-9f00-0123456789ab/edit", "/members/x/delete", "/admin/fields/x/edit", "/admin/fields/x/delete",
		"/admin/fields/0190f5e4-7c1a-7b3e-9f00-0123456789ab/edit"} {
		memberTestGet(t, srv, admin, p, http.StatusNotFound)
	}
	memberTestPost(t, srv, admin, "/members/x", url.Values{"first_name": {"A"}, "last_name": {"B"}}, http.StatusNotFound)
	memberTestPost(t, srv, admin, "/admin/fields/x", url.Values{"name": {"A"}, "value_type": {"string"}}, http.StatusNotFound)
	memberTestPost(t, srv, admin, "/admin/fields/x/delete", url.Values{}, http.StatusNotFound)
}

func TestMemberListParameters(t *testing.T) {
	srv, users, admin := memberTestSetup(t)
	a := users[authz.Admin].Actor
	for _, m := range []membership.MemberInput{
		{FirstName: "Anna", LastName: "Ahrens", Email: "z@example.org", City: "Zwickau", JoinDate: "2001-01-01"},
		{FirstName: "Bernd", LastName: "Bäcker", Email: "a@example.org", City: "Aachen", JoinDate: "2003-01-01"},
		{FirstName: "Carla", LastName: "Czerny", Email: "m@example.org", City: "Mainz", JoinDate: "2002-01-01"},
		{FirstName: "Dora", LastName: "Dietz", JoinDate: "2000-01-01", ExitDate: "2010-01-01"},
	} {
		memberTestAdd(t, srv, a, m)
	}
	for i := range 60 {
		memberTestAdd(t, srv, a, membership.MemberInput{FirstName: "Zeta", LastName: fmt.Sprintf("Zz%02d", i), JoinDate: "2020-01-01"})
	}
	order := func(path string) []string {
		t.Helper()
		return memberTestOrder(memberTestGet(t, srv, admin, path, http.StatusOK))
	}
	first3 := func(path string, want ...string) {
		t.Helper()
		got := order(path)
		if len(got) < len(want) || strings.Join(got[:len(want)], "|") != strings.Join(want, "|") {
			t.Errorf("%s lists %v…, want %v…", path, got[:min(len(got), 5)], want)
		}
	}
	// Default: active, by name, 50 a page, with the total.
	body := memberTestGet(t, srv, admin, "/members", http.StatusOK)
	mustContain(t, body, "63 members", "showing 1–50", "Page 1 of 2", `aria-sort="ascending"`, `rel="next"`,
		`<p id="member-live" class="sr-only" role="status" aria-live="polite">`, `hx-get="/members"`, `hx-push-url="true"`)
	if n := len(memberTestOrder(body)); n != 50 {
		t.Fatalf("default page has %d rows", n)
	}
	first3("/members", "Ahrens, Anna", "Bäcker, Bernd", "Czerny, Carla")
	// Sorting by every column, both ways.
	first3("/members?sort=name&dir=desc", "Zz59, Zeta")
	first3("/members?sort=email", "Bäcker, Bernd", "Czerny, Carla", "Ahrens, Anna")
	first3("/members?sort=email&dir=desc", "Ahrens, Anna", "Czerny, Carla", "Bäcker, Bernd")
	first3("/members?sort=city", "Bäcker, Bernd", "Czerny, Carla", "Ahrens, Anna")
	first3("/members?sort=city&dir=desc", "Ahrens, Anna", "Czerny, Carla", "Bäcker, Bernd")
	first3("/members?sort=join_date", "Ahrens, Anna", "Czerny, Carla", "Bäcker, Bernd")
	first3("/members?sort=join_date&dir=desc", "Zz00, Zeta")
	first3("/members?sort=group_count", "Ahrens, Anna")
	first3("/members?sort=groups&dir=desc", "Ahrens, Anna")
	body = memberTestGet(t, srv, admin, "/members?sort=city&dir=desc", http.StatusOK)
	mustContain(t, body, `aria-sort="descending"`, `href="/members?sort=city"`)
	// Status.
	first3("/members?status=former", "Dietz, Dora")
	mustContain(t, memberTestGet(t, srv, admin, "/members?status=former", http.StatusOK), "1 member", "former")
	mustContain(t, memberTestGet(t, srv, admin, "/members?status=all", http.StatusOK), "64 members")
	// Search, with relevance order and the count.
	body = memberTestGet(t, srv, admin, "/members?q=backer", http.StatusOK)
	if got := memberTestOrder(body); len(got) != 1 || got[0] != "Bäcker, Bernd" {
		t.Fatalf("search lists %v", got)
	}
	mustContain(t, body, "1 member", `value="backer"`)
	body = memberTestGet(t, srv, admin, "/members?q=Nobody+Here", http.StatusOK)
	mustContain(t, body, "No member matches “Nobody Here”", "Clear the search", `href="/members"`)
	// Paging and page sizes.
	first3("/members?page=2", "Zz47, Zeta")
	mustContain(t, memberTestGet(t, srv, admin, "/members?page=2", http.StatusOK), "showing 51–63", `rel="prev"`, "Page 2 of 2")
	if n := len(order("/members?per_page=25")); n != 25 {
		t.Fatalf("per_page=25 shows %d", n)
	}
	if n := len(order("/members?per_page=100")); n != 63 {
		t.Fatalf("per_page=100 shows %d", n)
	}
	// Bad values fall back to the defaults and never error.
	for _, p := range []string{"/members?status=bogus", "/members?sort=password", "/members?sort=cf_nope", "/members?dir=sideways",
		"/members?page=abc", "/members?page=-1", "/members?page=0", "/members?per_page=7", "/members?per_page=abc",
		"/members?per_page=99999999999999999999", "/members?group=%27%3B", "/members?q=%26%7C%21%28%29%3A%2A%27%5C", "/members?q=+++",
		"/members?q=" + url.QueryEscape(strings.Repeat("x", 3000)), "/members?sort=relevance", "/members?status=former&status=all"} {
		memberTestGet(t, srv, admin, p, http.StatusOK)
	}
	first3("/members?sort=password&dir=sideways&status=bogus", "Ahrens, Anna", "Bäcker, Bernd")
	if n := len(order("/members?per_page=7")); n != 50 {
		t.Fatalf("per_page=7 shows %d", n)
	}
	// Past the end: the last page.
	body = memberTestGet(t, srv, admin, "/members?page=99", http.StatusOK)
	mustContain(t, body, "Page 2 of 2", "showing 51–63")
	// htmx asks for the results only, and gets the live region's text out of band.
	body = memberTestGet(t, srv, admin, "/members?q=czerny", http.StatusOK, "HX-Request", "true")
	if strings.Contains(body, "<html") || !strings.Contains(body, `id="member-results"`) {
		t.Fatalf("htmx answer is not the results fragment:\n%s", body)
	}
	mustContain(t, body, `<p id="member-live" hx-swap-oob="innerHTML">1 member</p>`, "Czerny, Carla")
	// German.
	body = memberTestGet(t, srv, admin, "/members?status=all", http.StatusOK, "Accept-Language", "de")
	mustContain(t, body, "64 Mitglieder", "Eintrittsdatum", "Alle Mitglieder")
}

// own_data sees and edits only the linked member — through the pages and
// through direct requests.
func TestMemberOwnDataScope(t *testing.T) {
	srv, users, admin := memberTestSetup(t)
	a := users[authz.Admin].Actor
	own := memberTestAdd(t, srv, a, membership.MemberInput{FirstName: "Olga", LastName: "Own"})
	other := memberTestAdd(t, srv, a, membership.MemberInput{FirstName: "Peter", LastName: "Other"})
	ownUser := users[authz.OwnData]

	// Without a link: a friendly page, no records.
	c := signIn(t, srv, ownUser.Email, testPassword)
	body := memberTestGet(t, srv, c, "/members", http.StatusOK)
	mustContain(t, body, "Your account is not linked to a member record yet.")
	memberTestGet(t, srv, c, "/members/"+own.ID, http.StatusNotFound)

	// The admin links the user on the member page.
	memberTestPost(t, srv, admin, "/members/"+own.ID+"/user", url.Values{"user_id": {ownUser.Actor.UserID}}, http.StatusSeeOther)
	body = memberTestGet(t, srv, admin, "/members/"+own.ID, http.StatusOK)
	mustContain(t, body, "Linked to the user own_data@example.org", "own_data@example.org")

	c = signIn(t, srv, ownUser.Email, testPassword)
	res := srv.Get(t, c, "/members")
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/members/"+own.ID {
		t.Fatalf("/members for own_data: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	body = memberTestGet(t, srv, c, "/members/"+own.ID, http.StatusOK)
	mustContain(t, body, "Olga Own", `href="/members/`+own.ID+`/edit"`)
	if strings.Contains(body, "member-delete-dialog") || strings.Contains(body, `name="user_id"`) {
		t.Fatal("own_data sees admin controls")
	}
	memberTestGet(t, srv, c, "/members/"+own.ID+"/edit", http.StatusOK)
	memberTestPost(t, srv, c, "/members/"+own.ID, memberTestForm("first_name", "Olga", "last_name", "Own-Neu",
		"email", "own_data@example.org", "join_date", own.JoinDate.Format("2006-01-02"), "version", "2"), http.StatusSeeOther)

	// Everything else: reading another member is a 404 (as if it did not
	// exist), changing one a 403 (without looking it up); nothing changes.
	memberTestGet(t, srv, c, "/members/"+other.ID, http.StatusNotFound)
	memberTestGet(t, srv, c, "/members/"+other.ID+"/edit", http.StatusNotFound)
	memberTestPost(t, srv, c, "/members/"+other.ID, memberTestForm("first_name", "X", "last_name", "Y", "version", "1"), http.StatusForbidden)
	memberTestPost(t, srv, c, "/members", memberTestForm("first_name", "X", "last_name", "Y"), http.StatusForbidden)
	memberTestGet(t, srv, c, "/members/new", http.StatusForbidden)
	memberTestPost(t, srv, c, "/members/"+own.ID+"/delete", url.Values{}, http.StatusForbidden)
	memberTestPost(t, srv, c, "/members/"+other.ID+"/user", url.Values{"user_id": {ownUser.Actor.UserID}}, http.StatusForbidden)
	memberTestPost(t, srv, c, "/members/"+own.ID+"/user/unlink", url.Values{}, http.StatusForbidden)
	memberTestGet(t, srv, c, "/admin/fields", http.StatusForbidden)
	got, err := membership.NewMembers(srv.DB).Get(context.Background(), a, other.ID)
	if err != nil || got.FirstName != "Peter" || got.Version != 1 {
		t.Fatalf("other member changed: %+v %v", got, err)
	}
	got, _ = membership.NewMembers(srv.DB).Get(context.Background(), a, own.ID)
	if got.LastName != "Own-Neu" {
		t.Fatalf("own edit not saved: %+v", got)
	}

	// Board reads everything and changes nothing.
	board := signIn(t, srv, users[authz.ReadOnly].Email, testPassword)
	body = memberTestGet(t, srv, board, "/members", http.StatusOK)
	mustContain(t, body, "Other, Peter", "Own-Neu, Olga")
	if strings.Contains(body, `href="/members/new"`) {
		t.Fatal("board sees New member")
	}
	body = memberTestGet(t, srv, board, "/members/"+other.ID, http.StatusOK)
	if strings.Contains(body, "/edit") || strings.Contains(body, "member-delete-dialog") {
		t.Fatal("board sees edit or delete")
	}
	memberTestPost(t, srv, board, "/members/"+other.ID, memberTestForm("first_name", "X", "last_name", "Y", "version", "1"), http.StatusForbidden)

	// Unlinking keeps both emails.
	memberTestPost(t, srv, admin, "/members/"+own.ID+"/user/unlink", url.Values{}, http.StatusSeeOther)
	got, _ = membership.NewMembers(srv.DB).Get(context.Background(), a, own.ID)
	if got.UserID != "" || got.Email != "own_data@example.org" {
		t.Fatalf("after unlink: %+v", got)
	}
	// Linking a user whose email another member has works (a household,
	// migration 00026): both members then have it.
	bea := memberTestAdd(t, srv, a, membership.MemberInput{FirstName: "Bea", LastName: "Board", Email: users[authz.ReadOnly].Email})
	memberTestPost(t, srv, admin, "/members/"+other.ID+"/user", url.Values{"user_id": {users[authz.ReadOnly].Actor.UserID}, "confirm": {"yes"},
		"old_email": {other.Email}, "new_email": {users[authz.ReadOnly].Email}}, http.StatusSeeOther)
	body = memberTestGet(t, srv, admin, "/members/"+other.ID, http.StatusOK)
	mustContain(t, body, `href="/members/`+bea.ID+`">Bea Board</a>`)
}

func TestFieldPages(t *testing.T) {
	srv, users, admin := memberTestSetup(t)
	body := memberTestGet(t, srv, admin, "/admin/fields", http.StatusOK)
	mustContain(t, body, "There are no custom data fields yet.", `href="/admin/fields/new"`)
	memberTestGet(t, srv, admin, "/admin/fields/new", http.StatusOK)
	body, _ = memberTestPost(t, srv, admin, "/admin/fields", memberTestForm("name", "!!!", "value_type", "float"), http.StatusUnprocessableEntity)
	mustContain(t, body, "The name needs at least one letter or digit.", "Choose one of the listed types.", `value="!!!"`)
	memberTestPost(t, srv, admin, "/admin/fields", memberTestForm("name", "Mitgliedsnummer", "value_type", "integer",
		"show_in_overview", "on", "required", "on", "description", "Aus der alten Kartei"), http.StatusSeeOther)
	body, _ = memberTestPost(t, srv, admin, "/admin/fields", memberTestForm("name", "MITGLIEDSNUMMER", "value_type", "string"), http.StatusUnprocessableEntity)
	mustContain(t, body, "Another data field already has this name.")
	memberTestPost(t, srv, admin, "/admin/fields", memberTestForm("name", "SEPA", "value_type", "boolean"), http.StatusSeeOther)
	body = memberTestGet(t, srv, admin, "/admin/fields", http.StatusOK)
	mustContain(t, body, "Mitgliedsnummer", "<code>mitgliedsnummer</code>", "Whole number", "Yes/no")

	// The member form has the right inputs; values are checked per type.
	body = memberTestGet(t, srv, admin, "/members/new", http.StatusOK)
	mustContain(t, body, `name="cf_mitgliedsnummer" type="number"`, `name="cf_sepa" type="checkbox"`, "Aus der alten Kartei")
	body, _ = memberTestPost(t, srv, admin, "/members", memberTestForm("first_name", "A", "last_name", "B", "cf_mitgliedsnummer", "12x"),
		http.StatusUnprocessableEntity)
	mustContain(t, body, "Mitgliedsnummer: Enter a whole number.", `href="#field-cf_mitgliedsnummer"`, `value="12x"`)
	body, _ = memberTestPost(t, srv, admin, "/members", memberTestForm("first_name", "A", "last_name", "B"), http.StatusUnprocessableEntity)
	mustContain(t, body, "Mitgliedsnummer: Please fill in this field.")
	_, loc := memberTestPost(t, srv, admin, "/members", memberTestForm("first_name", "Anna", "last_name", "Ahrens",
		"cf_mitgliedsnummer", "4711", "cf_sepa", "true"), http.StatusSeeOther)
	body = memberTestGet(t, srv, admin, loc, http.StatusOK)
	mustContain(t, body, "Mitgliedsnummer", "4711", "SEPA", "yes")
	// The overview shows it as a sortable column; the search finds the value.
	body = memberTestGet(t, srv, admin, "/members?sort=cf_mitgliedsnummer&dir=desc", http.StatusOK)
	mustContain(t, body, "Mitgliedsnummer", "4711", `aria-sort="descending"`)
	mustContain(t, memberTestGet(t, srv, admin, "/members?q=4711", http.StatusOK), "Ahrens, Anna")

	// The type of a field with values cannot change; the page says why.
	var id string
	if err := srv.DB.QueryRow(context.Background(), `SELECT id FROM custom_fields WHERE slug = 'mitgliedsnummer'`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	body = memberTestGet(t, srv, admin, "/admin/fields/"+id+"/edit", http.StatusOK)
	mustContain(t, body, "1 member has a value, so the type cannot change.", "<code>mitgliedsnummer</code>")
	body, _ = memberTestPost(t, srv, admin, "/admin/fields/"+id, memberTestForm("name", "Nummer", "value_type", "date"), http.StatusUnprocessableEntity)
	mustContain(t, body, "The type cannot change while members have a value in this field (now 1).")
	memberTestPost(t, srv, admin, "/admin/fields/"+id, memberTestForm("name", "Nummer", "value_type", "integer"), http.StatusSeeOther)
	mustContain(t, memberTestGet(t, srv, admin, "/admin/fields", http.StatusOK), "Nummer", "<code>mitgliedsnummer</code>")

	// Deleting asks first and says how many values go.
	body = memberTestGet(t, srv, admin, "/admin/fields/"+id+"/delete", http.StatusOK)
	mustContain(t, body, "Delete data field Nummer?", "1 member has a value in this field")
	memberTestPost(t, srv, admin, "/admin/fields/"+id+"/delete", url.Values{}, http.StatusUnprocessableEntity) // the name is asked for
	memberTestPost(t, srv, admin, "/admin/fields/"+id+"/delete", url.Values{"confirm_name": {"Nummer"}}, http.StatusSeeOther)
	body = memberTestGet(t, srv, admin, loc, http.StatusOK)
	if strings.Contains(body, "4711") {
		t.Fatal("value of a deleted field still shown")
	}
	// Only admins manage fields.
	treasurer := signIn(t, srv, users[authz.NormalUser].Email, testPassword)
	memberTestGet(t, srv, treasurer, "/admin/fields", http.StatusForbidden)
	memberTestPost(t, srv, treasurer, "/admin/fields", memberTestForm("name", "X", "value_type", "string"), http.StatusForbidden)
}
