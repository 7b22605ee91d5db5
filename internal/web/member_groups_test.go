package web_test

// Groups on the member pages: the overview's Groups
// column, group filter, chip, group sorts and bulk bar, and the Groups
// section of the member's page — for admins, the board (read only) and
// own_data users, with good, bad and unknown values.

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"mila/internal/membership"
	"mila/internal/webtest"
)

// memberGroupsWorld: Jugend (Anna, Dora), Vorstand (Anna), Chor (Bernd);
// Carla is in no group.
type memberGroupsWorld struct {
	*groupWorld
	anna, bernd, carla, dora string
	jugend, vorstand, chor   membership.Group
}

func newMemberGroupsWorld(t *testing.T) *memberGroupsWorld {
	t.Helper()
	w := &memberGroupsWorld{groupWorld: newGroupWorld(t)}
	w.anna = w.member(t, "Anna", "Ahrens", "anna@example.org")
	w.bernd = w.member(t, "Bernd", "Bäcker", "")
	w.carla = w.member(t, "Carla", "Czerny", "")
	w.dora = w.member(t, "Dora", "Dietz", "")
	w.jugend = w.group(t, "Jugend", "")
	w.vorstand = w.group(t, "Vorstand", "")
	w.chor = w.group(t, "Chor", "")
	w.join(t, w.jugend, w.anna, w.dora)
	w.join(t, w.vorstand, w.anna)
	w.join(t, w.chor, w.bernd)
	return w
}

// overviewNames lists the names of the overview's rows, in order.
func overviewNames(t *testing.T, w *memberGroupsWorld, path string, header ...string) []string {
	t.Helper()
	return memberTestOrder(memberTestGet(t, w.srv, w.admin, path, http.StatusOK, header...))
}

func wantNames(t *testing.T, path string, got []string, want ...string) {
	t.Helper()
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("%s lists %v, want %v", path, got, want)
	}
}

func TestMemberListGroupsColumnAndFilter(t *testing.T) {
	w := newMemberGroupsWorld(t)
	srv := w.srv

	body := memberTestGet(t, srv, w.admin, "/members", http.StatusOK)
	mustContain(t, body,
		// The column: one badge per group, a real link with an accessible name, filtering.
		`href="/members?group=jugend"`, `aria-label="Member of Jugend"`, `aria-label="Member of Vorstand"`, `aria-label="Member of Chor"`,
		// The filter select, labelled, with all groups and "no group".
		`<label class="label font-medium text-base-content" for="member-group">Group</label>`,
		`<option value="" selected>All groups</option>`, `<option value="none">No group</option>`,
		`<option value="chor">Chor</option>`, `<option value="jugend">Jugend</option>`,
		`change from:#member-group`,
		// The group sorts.
		`id="member-sort-groups" href="/members?sort=groups"`, `id="member-sort-group_count" href="/members?sort=group_count"`,
		">Number of groups", // the header
		// The bulk bar and checkboxes (admin).
		`id="member-bulk"`, `name="return_to" value="/members"`, `aria-label="Select Anna Ahrens"`,
		`aria-label="Select all on this page"`, `formaction="/members/groups/add"`, `formaction="/members/groups/remove"`,
		`<option value="">Choose a group…</option>`)
	mustNotContain(t, body, `id="member-group-chip"`, "does not exist")
	// Badges are alphabetical.
	if i, j := strings.Index(body, `aria-label="Member of Jugend"`), strings.Index(body, `aria-label="Member of Vorstand"`); i < 0 || j < i {
		t.Error("Anna's badges are not in alphabetical order")
	}

	// Filter by a group: only its members, the chip, the select shows it.
	wantNames(t, "group=jugend", overviewNames(t, w, "/members?group=jugend"), "Ahrens, Anna", "Dietz, Dora")
	body = memberTestGet(t, srv, w.admin, "/members?group=jugend", http.StatusOK)
	mustContain(t, body, `<option value="jugend" selected>Jugend</option>`, `data-group="jugend"`, "2 members",
		`id="member-group-chip"`, `href="/members"`, "Group: Jugend", "(remove filter)",
		`name="return_to" value="/members?group=jugend"`, `badge-primary`)
	// No group.
	wantNames(t, "group=none", overviewNames(t, w, "/members?group=none"), "Czerny, Carla")
	mustContain(t, memberTestGet(t, srv, w.admin, "/members?group=none", http.StatusOK),
		`<option value="none" selected>No group</option>`, "Group: No group", "1 member")

	// The filter combines with search, status, sort and page size; the
	// badges and the chip keep the rest of the view.
	path := "/members?q=anna&group=vorstand&status=all&sort=name&dir=desc&per_page=25"
	body = memberTestGet(t, srv, w.admin, path, http.StatusOK)
	if got := memberTestOrder(body); len(got) != 1 || got[0] != "Ahrens, Anna" {
		t.Fatalf("%s lists %v", path, got)
	}
	mustContain(t, body,
		`href="/members?dir=desc&amp;group=jugend&amp;per_page=25&amp;q=anna&amp;sort=name&amp;status=all"`, // Anna's Jugend badge
		`id="member-group-chip" class="badge badge-primary badge-lg gap-1 h-auto py-1 no-underline hover:underline" href="/members?dir=desc&amp;per_page=25&amp;q=anna&amp;sort=name&amp;status=all"`)
	// Paging keeps the filter (and a filter change starts at page 1).
	for i := range 30 {
		id := w.member(t, "Zeta", fmt.Sprintf("Zz%02d", i), "")
		w.join(t, w.chor, id)
	}
	body = memberTestGet(t, srv, w.admin, "/members?group=chor&per_page=25", http.StatusOK)
	mustContain(t, body, "31 members", `href="/members?group=chor&amp;page=2&amp;per_page=25"`)
	body = memberTestGet(t, srv, w.admin, "/members?group=chor&per_page=25&page=2", http.StatusOK)
	mustContain(t, body, "showing 26–31", `href="/members?group=chor&amp;per_page=25"`, `aria-label="Member of Chor"`)

	// Unknown, malformed and odd values: all members, a notice, never an error.
	for _, g := range []string{"unknown", "Jugend", "Bad_Slug", "%27%3B--", "jugend%00", "none%20", strings.Repeat("x", 300), "%F0%9F%98%80"} {
		p := "/members?per_page=100&group=" + g
		body := memberTestGet(t, srv, w.admin, p, http.StatusOK)
		if strings.TrimSpace(g) != "none%20" { // "none " is trimmed to "none": a valid filter
			mustContain(t, body, "That group does not exist (any more). Showing members of all groups.", "34 members",
				`<option value="" selected>All groups</option>`, `data-group=""`)
			mustNotContain(t, body, `id="member-group-chip"`)
		}
	}
	body = memberTestGet(t, srv, w.admin, "/members?group=", http.StatusOK)
	mustNotContain(t, body, "does not exist")
	// Twice: the first counts.
	wantNames(t, "group twice", overviewNames(t, w, "/members?group=jugend&group=chor"), "Ahrens, Anna", "Dietz, Dora")

	// htmx: the results block with the chip, data-group and the live region.
	body = memberTestGet(t, srv, w.admin, "/members?group=jugend", http.StatusOK, "HX-Request", "true")
	mustContain(t, body, `<div id="member-results" data-group="jugend">`, `id="member-group-chip"`,
		`<p id="member-live" hx-swap-oob="innerHTML">2 members</p>`)
	mustNotContain(t, body, "<html", `id="member-filter"`)
	body = memberTestGet(t, srv, w.admin, "/members?group=nope", http.StatusOK, "HX-Request", "true")
	mustContain(t, body, "That group does not exist", `data-group=""`)

	// German.
	body = memberTestGet(t, srv, w.admin, "/members?group=jugend", http.StatusOK, "Accept-Language", "de")
	mustContain(t, body, `for="member-group">Gruppe</label>`, "Alle Gruppen", "Keine Gruppe", "Gruppe: Jugend", "(Filter entfernen)",
		`aria-label="Mitglied der Gruppe Jugend"`, "Anzahl Gruppen", `aria-label="Anna Ahrens auswählen"`,
		"Alle auf dieser Seite auswählen", "Zur Gruppe hinzufügen", "Aus der Gruppe entfernen", "2 Mitglieder")
	mustContain(t, memberTestGet(t, srv, w.admin, "/members?group=nope", http.StatusOK, "Accept-Language", "de"),
		"Diese Gruppe gibt es nicht (mehr).")
}

func TestMemberListGroupSorts(t *testing.T) {
	w := newMemberGroupsWorld(t)
	// Members with groups first, by their alphabetically first group, then
	// by name; members in no group last.
	wantNames(t, "sort=groups", overviewNames(t, w, "/members?sort=groups"), "Bäcker, Bernd", "Ahrens, Anna", "Dietz, Dora", "Czerny, Carla")
	// Most groups first (the default direction of this sort), ties by name.
	wantNames(t, "sort=group_count", overviewNames(t, w, "/members?sort=group_count"), "Ahrens, Anna", "Bäcker, Bernd", "Dietz, Dora", "Czerny, Carla")
	wantNames(t, "sort=group_count&dir=asc", overviewNames(t, w, "/members?sort=group_count&dir=asc")[:1], "Czerny, Carla")

	body := memberTestGet(t, w.srv, w.admin, "/members?sort=groups", http.StatusOK)
	ariaSorted := regexp.MustCompile(`<th scope="col"(?: class="[^"]*")? aria-sort="([a-z]+)">\s*<a id="member-sort-([a-z_]+)"`)
	check := func(path, wantKey, wantSort string) {
		t.Helper()
		body := memberTestGet(t, w.srv, w.admin, path, http.StatusOK)
		m := ariaSorted.FindAllStringSubmatch(body, -1)
		if len(m) != 1 || m[0][2] != wantKey || m[0][1] != wantSort {
			t.Errorf("%s: aria-sort %v, want %s on %s", path, m, wantSort, wantKey)
		}
	}
	check("/members?sort=groups", "groups", "ascending")
	check("/members?sort=groups&dir=desc", "groups", "descending")
	check("/members?sort=group_count", "group_count", "descending")
	check("/members?sort=group_count&dir=asc", "group_count", "ascending")
	// A second click reverses; the other header starts at its default.
	mustContain(t, body, `id="member-sort-groups" href="/members?dir=desc&amp;sort=groups"`, `id="member-sort-group_count" href="/members?sort=group_count"`)
	body = memberTestGet(t, w.srv, w.admin, "/members?sort=group_count", http.StatusOK)
	mustContain(t, body, `id="member-sort-group_count" href="/members?dir=asc&amp;sort=group_count"`)
	// Sort and filter together, and the filter form carries the sort.
	body = memberTestGet(t, w.srv, w.admin, "/members?sort=group_count&group=jugend", http.StatusOK)
	wantNames(t, "sort+group", memberTestOrder(body), "Ahrens, Anna", "Dietz, Dora")
	mustContain(t, body, `<input type="hidden" form="member-filter" name="sort" value="group_count">`)
	// Bad directions fall back.
	check("/members?sort=group_count&dir=up", "group_count", "descending")
}

func TestMemberListGroupsBoardAndOwnData(t *testing.T) {
	w := newMemberGroupsWorld(t)
	srv := w.srv
	// The board sees the badges, the filter and the sorts, and no group
	// actions in the bulk bar: its checkboxes only serve "Write to
	// selected" (the Board role may send mailings by default, issue 17).
	body := memberTestGet(t, srv, w.board, "/members?group=jugend", http.StatusOK)
	mustContain(t, body, `aria-label="Member of Jugend"`, `id="member-group"`, `id="member-group-chip"`, `id="member-sort-groups"`,
		`id="member-bulk"`, `formaction="/mailings/new"`)
	mustNotContain(t, body, "/members/groups/add", "/members/groups/remove", `id="member-bulk-group"`)
	wantNames(t, "board group=jugend", memberTestOrder(body), "Ahrens, Anna", "Dietz, Dora")
	// The board's member page: badges linking to the groups, no add or remove.
	body = memberTestGet(t, srv, w.board, "/members/"+w.anna, http.StatusOK)
	mustContain(t, body, `id="member-groups"`, `href="/groups/jugend" aria-label="Member of Jugend"`, `href="/groups/vorstand"`)
	mustNotContain(t, body, `action="/members/`+w.anna+`/groups"`, "/remove", `id="member-group-add"`)

	// own_data (linked to Anna): no overview at all; their own page shows
	// their groups (part of their own record) but nothing to change them.
	if err := membership.NewMembers(srv.DB).LinkUser(context.Background(), w.adminActor(), w.anna, w.users["own_data"].Actor.UserID); err != nil {
		t.Fatal(err)
	}
	res := srv.Get(t, w.ownData, "/members?group=jugend&sort=groups")
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/members/"+w.anna {
		t.Fatalf("own_data overview: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	body = memberTestGet(t, srv, w.ownData, "/members/"+w.anna, http.StatusOK)
	mustContain(t, body, `id="member-groups"`, `aria-label="Member of Jugend"`)
	mustNotContain(t, body, `action="/members/`+w.anna+`/groups"`, "/remove", `id="member-group-add"`)
	memberTestGet(t, srv, w.ownData, "/members/"+w.bernd, http.StatusNotFound)
}

func TestMemberShowGroupsSection(t *testing.T) {
	w := newMemberGroupsWorld(t)
	srv := w.srv
	body := memberTestGet(t, srv, w.admin, "/members/"+w.anna, http.StatusOK)
	mustContain(t, body, `<section id="member-groups"`, `aria-labelledby="member-groups-title"`,
		`<a class="link link-hover" href="/groups/jugend" aria-label="Member of Jugend">Jugend</a>`,
		`aria-label="Remove Anna Ahrens from Jugend"`, `action="/members/`+w.anna+`/groups/vorstand/remove"`,
		`hx-post="/members/`+w.anna+`/groups"`, `id="member-groups-status" role="status"`)
	// The add select offers only the groups Anna is not in.
	sel := body[strings.Index(body, `id="member-group-add"`):]
	sel = sel[:strings.Index(sel, "</select>")]
	if !strings.Contains(sel, `value="chor"`) || strings.Contains(sel, `value="jugend"`) || strings.Contains(sel, `value="vorstand"`) {
		t.Errorf("add select offers %s", sel)
	}
	// Carla is in no group.
	mustContain(t, memberTestGet(t, srv, w.admin, "/members/"+w.carla, http.StatusOK), "Not in any group.")
	// The delete dialog names the memberships that go with the member.
	mustContain(t, body, "2 group memberships")
	mustContain(t, memberTestGet(t, srv, w.admin, "/members/"+w.anna+"/delete", http.StatusOK), "2 group memberships")

	// A plain post adds and comes back to the section; the page shows it.
	res := srv.PostForm(t, w.admin, "/members/"+w.carla+"/groups", url.Values{"group": {"chor"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/members/"+w.carla+"#member-groups" {
		t.Fatalf("add: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	body = memberTestGet(t, srv, w.admin, "/members/"+w.carla, http.StatusOK)
	mustContain(t, body, "Carla Czerny added to Chor.", `aria-label="Member of Chor"`)
	res = srv.PostForm(t, w.admin, "/members/"+w.carla+"/groups/chor/remove", nil)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("remove: %d", res.StatusCode)
	}
	body = memberTestGet(t, srv, w.admin, "/members/"+w.carla, http.StatusOK)
	mustContain(t, body, "Carla Czerny removed from Chor.", "Not in any group.")

	// German.
	body = memberTestGet(t, srv, w.admin, "/members/"+w.anna, http.StatusOK, "Accept-Language", "de")
	mustContain(t, body, `aria-label="Mitglied der Gruppe Jugend"`, "Gruppen")
}

// TestMemberBulkFromOverview posts the overview's bulk form the way the
// page builds it, and the refused and malformed variants.
func TestMemberBulkFromOverview(t *testing.T) {
	w := newMemberGroupsWorld(t)
	srv := w.srv
	inChor := func() int {
		return w.count(t, `SELECT count(*) FROM member_groups WHERE group_id = $1`, w.chor.ID)
	}
	view := "/members?group=jugend&sort=group_count&per_page=25"
	body := memberTestGet(t, srv, w.admin, view, http.StatusOK)
	bulk := body[strings.Index(body, `<form id="member-bulk"`):]
	rt := regexp.MustCompile(`name="return_to" value="([^"]*)"`).FindStringSubmatch(bulk)
	if rt == nil {
		t.Fatal("no return_to in the bulk form")
	}
	back := strings.ReplaceAll(rt[1], "&amp;", "&")
	if back != "/members?group=jugend&per_page=25&sort=group_count" {
		t.Fatalf("return_to = %q", back)
	}
	// Add Anna, Dora and Bernd (already in) to Chor; back to the same view, with the result.
	res := srv.PostForm(t, w.admin, "/members/groups/add", url.Values{"member_id": {w.anna, w.dora, w.bernd}, "group": {"chor"}, "return_to": {back}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != back {
		t.Fatalf("bulk add: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	body = memberTestGet(t, srv, w.admin, back, http.StatusOK)
	mustContain(t, body, "Chor: 2 members added, 1 was already a member.", `aria-label="Member of Chor"`)
	if n := inChor(); n != 3 {
		t.Fatalf("%d in Chor, want 3", n)
	}
	res = srv.PostForm(t, w.admin, "/members/groups/remove", url.Values{"member_id": {w.anna, w.carla}, "group": {"chor"}, "return_to": {back}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != back {
		t.Fatalf("bulk remove: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	mustContain(t, memberTestGet(t, srv, w.admin, back, http.StatusOK), "Chor: 1 member removed, 1 was not a member.")

	before := w.snapshot(t)
	// Off-site, other-page and odd return_to values go to the overview.
	for _, r := range []string{"https://evil.example/members", "//evil.example/members", "/\\evil.example", "/groups/jugend", "/members/" + w.anna, "/membersX", "members", "javascript:alert(1)"} {
		res := srv.PostForm(t, w.admin, "/members/groups/add", url.Values{"member_id": {w.anna}, "group": {"nope"}, "return_to": {r}})
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/members" {
			t.Errorf("return_to %q: %d %q, want /members", r, res.StatusCode, res.Header.Get("Location"))
		}
	}
	// Unknown group, no group, nobody selected: a message, nothing changed.
	for _, form := range []url.Values{
		{"member_id": {w.anna}, "group": {"nope"}},
		{"member_id": {w.anna}, "group": {"Bad Slug!"}},
		{"member_id": {w.anna}},
		{"group": {"chor"}},
	} {
		if res := srv.PostForm(t, w.admin, "/members/groups/add", form); res.StatusCode != http.StatusSeeOther {
			t.Errorf("%v: %d", form, res.StatusCode)
		}
	}
	// Malformed ids: 400, nothing changed (not even the valid ones).
	for _, ids := range [][]string{{"nope"}, {w.anna, "nope"}, {w.anna + "0"}, {"' OR 1=1 --"}, {strings.ToUpper(w.anna) + "x"}} {
		for _, p := range []string{"/members/groups/add", "/members/groups/remove"} {
			if res := srv.PostForm(t, w.admin, p, url.Values{"member_id": ids, "group": {"chor"}}); res.StatusCode != http.StatusBadRequest {
				t.Errorf("%s %v: %d, want 400", p, ids, res.StatusCode)
			}
		}
	}
	// More ids than one request may carry.
	many := make([]string, 10001)
	for i := range many {
		many[i] = fmt.Sprintf("0190a2b4-0000-7000-8000-%012d", i)
	}
	if res := srv.PostForm(t, w.admin, "/members/groups/add", url.Values{"member_id": many, "group": {"chor"}}); res.StatusCode != http.StatusBadRequest {
		t.Errorf("10,001 ids: %d, want 400", res.StatusCode)
	}
	// Sets without MemberGroup create/destroy: 403.
	normal := signIn(t, srv, w.users["normal_user"].Email, testPassword)
	for name, c := range map[string]*http.Client{"board": w.board, "normal_user": normal, "own_data": w.ownData} {
		for _, p := range []string{"/members/groups/add", "/members/groups/remove"} {
			res := srv.PostForm(t, c, p, url.Values{"member_id": {w.carla, w.dora}, "group": {"jugend"}, "return_to": {"/members"}})
			if res.StatusCode != http.StatusForbidden {
				t.Errorf("%s %s: %d, want 403", name, p, res.StatusCode)
			}
			webtest.Body(t, res)
		}
		for _, p := range []string{"/members/" + w.carla + "/groups", "/members/" + w.anna + "/groups/jugend/remove"} {
			if res := srv.PostForm(t, c, p, url.Values{"group": {"jugend"}}); res.StatusCode != http.StatusForbidden {
				t.Errorf("%s %s: %d, want 403", name, p, res.StatusCode)
			}
		}
	}
	if w.snapshot(t) != before {
		t.Error("refused or malformed bulk requests changed memberships")
	}
}

// TestGroupAddTenThousand: a club adds 10,000 members to a group in one
// request (groupAddMax), all in one transaction; the overview then
// filters by the group and counts them.
func TestGroupAddTenThousand(t *testing.T) {
	w := newGroupWorld(t)
	g := w.group(t, "Alle", "")
	var ids []string
	err := w.srv.DB.QueryRow(context.Background(), `WITH m AS (
		INSERT INTO members (first_name, last_name) SELECT 'Member' || i, 'Bulk' FROM generate_series(1, 10000) i RETURNING id)
		SELECT array_agg(id::text) FROM m`).Scan(&ids)
	if err != nil {
		t.Fatal(err)
	}
	res := w.srv.PostForm(t, w.admin, "/groups/alle/members", url.Values{"member_id": ids})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("10,000 ids: %d", res.StatusCode)
	}
	if n := w.count(t, `SELECT count(*) FROM member_groups WHERE group_id = $1`, g.ID); n != 10000 {
		t.Fatalf("%d in the group, want 10,000", n)
	}
	mustContain(t, memberTestGet(t, w.srv, w.admin, "/groups/alle", http.StatusOK), "10,000 members added")
	// Above membership.MemberCountExactMax the overview shows the
	// planner's estimate ("about 10,000 members"); fresh
	// statistics, as autovacuum would gather them, make it this close.
	if _, err := w.srv.DB.Exec(context.Background(), `ANALYZE members, member_groups`); err != nil {
		t.Fatal(err)
	}
	mustContain(t, memberTestGet(t, w.srv, w.admin, "/members?group=alle", http.StatusOK), "10,000 members")
}

// TestMemberShowDeleteDialogCounts: the delete dialog on the member's
// page (built from the record already read) lists what the confirmation
// page (DeletionPreview) lists: the member's data field values and group
// memberships.
func TestMemberShowDeleteDialogCounts(t *testing.T) {
	w := newMemberGroupsWorld(t)
	ctx := context.Background()
	if _, err := w.srv.DB.Exec(ctx, `WITH f AS (
			INSERT INTO custom_fields (name, slug, value_type) VALUES ('Nummer', 'nummer', 'string'), ('Notiz', 'notiz', 'string')
			RETURNING id)
		INSERT INTO custom_field_values (member_id, custom_field_id, value) SELECT $1, f.id, 'x' FROM f`, w.anna); err != nil {
		t.Fatal(err)
	}
	consequences := regexp.MustCompile(`(?s)<ul class="list-disc ps-5 mb-2">.*?</ul>`)
	for _, tc := range []struct {
		id   string
		want []string
	}{
		{w.anna, []string{"2 data field values", "2 group memberships"}},
		{w.carla, []string{"0 data field values", "0 group memberships"}},
	} {
		show := consequences.FindString(memberTestGet(t, w.srv, w.admin, "/members/"+tc.id, http.StatusOK))
		confirm := consequences.FindString(memberTestGet(t, w.srv, w.admin, "/members/"+tc.id+"/delete", http.StatusOK))
		if show == "" || show != confirm {
			t.Errorf("member %s: the dialog lists\n%s\nthe confirmation page\n%s", tc.id, show, confirm)
		}
		for _, want := range tc.want {
			if !strings.Contains(show, want) {
				t.Errorf("member %s: the dialog does not say %q:\n%s", tc.id, want, show)
			}
		}
	}
}
