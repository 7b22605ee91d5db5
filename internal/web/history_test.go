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
)

// histWorld: a group "Jugend U14" with Anna (in it 2020, left the club
// 2021), Bert (in it since 2020-12-31, role Coach) and Cleo (never).
func histWorld(t *testing.T) (*groupWorld, map[string]string, membership.Group) {
	t.Helper()
	w := newGroupWorld(t)
	ctx := context.Background()
	g := w.group(t, "Jugend U14", "")
	ids := map[string]string{
		"anna": w.member(t, "Anna", "Alt", ""),
		"bert": w.member(t, "Bert", "Bald", ""),
		"cleo": w.member(t, "Cleo", "Chor", ""),
	}
	if _, err := w.srv.DB.Exec(ctx, `UPDATE members SET join_date = '2019-01-01'`); err != nil {
		t.Fatal(err)
	}
	if _, err := w.srv.DB.Exec(ctx, `UPDATE members SET exit_date = '2021-01-01' WHERE id = $1`, ids["anna"]); err != nil {
		t.Fatal(err)
	}
	h := membership.NewHistory(w.srv.DB)
	role, err := h.CreateRole(ctx, w.adminActor(), "", "Coach", true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.AddMembership(ctx, w.adminActor(), ids["anna"], g.ID, membership.MembershipInput{From: "2020-01-01", Until: "2021-01-01"}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.AddMembership(ctx, w.adminActor(), ids["bert"], g.ID, membership.MembershipInput{From: "2020-12-31", RoleID: role.ID}); err != nil {
		t.Fatal(err)
	}
	return w, ids, g
}

// TestAsOfOnEachPage: /members, /groups and /groups/{slug} on the first
// and last day of a membership, the day after, open-ended and malformed.
func TestAsOfOnEachPage(t *testing.T) {
	w, _, _ := histWorld(t)
	get := func(path string, lang ...string) string {
		t.Helper()
		h := []string{}
		if len(lang) > 0 {
			h = []string{"Accept-Language", lang[0]}
		}
		return groupGet(t, w.srv, w.board, path, http.StatusOK, h...)
	}
	// /members: who was in the club and in the group.
	body := get("/members?as_of=2020-12-31&group=jugend-u14")
	mustContain(t, body, "Alt, Anna", "Bald, Bert", `name="as_of"`, `value="2020-12-31"`, "Showing the state on Dec 31, 2020")
	mustNotContain(t, body, "Chor, Cleo")
	body = get("/members?as_of=2021-01-01&group=jugend-u14")
	mustContain(t, body, "Bald, Bert")
	mustNotContain(t, body, "Alt, Anna")
	body = get("/members?as_of=2021-01-01&status=former")
	mustContain(t, body, "Alt, Anna")
	mustNotContain(t, body, "Bald, Bert")
	body = get("/members?as_of=2020-01-01")
	mustContain(t, body, "Alt, Anna", "Bald, Bert", "Chor, Cleo")
	// Badges are the groups of that day.
	body = get("/members?as_of=2020-06-01")
	if strings.Count(body, `href="/members?as_of=2020-06-01&amp;group=jugend-u14"`) != 1 {
		t.Errorf("badges as of 2020-06-01: want one Jugend U14 badge (Anna)\n%s", groupMain(body))
	}
	for _, bad := range []string{"2020-13-01", "yesterday", "31.12.2020", "0000-01-01"} {
		body = get("/members?as_of=" + url.QueryEscape(bad))
		mustContain(t, body, "is not a valid date", "Bald, Bert")
		mustNotContain(t, body, "Alt, Anna", "Showing the state")
	}
	mustContain(t, get("/members?as_of=nope", "de"), "kein gültiges Datum", "Stichtag")

	// /groups: the counts of that day.
	mustContain(t, get("/groups?as_of=2020-12-31"), "Showing the state on", `<td class="text-end tabular-nums">2</td>`)
	mustContain(t, get("/groups?as_of=2020-12-30"), `<td class="text-end tabular-nums">1</td>`)
	mustContain(t, get("/groups?as_of=2019-12-31"), `<td class="text-end tabular-nums">0</td>`)
	mustContain(t, get("/groups?as_of=x"), "is not a valid date", `<td class="text-end tabular-nums">1</td>`)

	// /groups/{slug}: current, former, all; role; left-club mark.
	body = get("/groups/jugend-u14?as_of=2020-12-31")
	mustContain(t, body, "2 memberships", "Anna", "Bert", "Coach", "leads the group", "left the club",
		"Roles that lead a group do not grant any rights in Mila yet.")
	body = get("/groups/jugend-u14?as_of=2021-01-01&show=former")
	mustContain(t, body, "1 membership", "Anna")
	body = get("/groups/jugend-u14?show=all&hsort=role")
	if strings.Index(body, "Bert") > strings.Index(body, ">Anna<") && strings.Contains(body, ">Anna<") {
		t.Error("sort by role: Bert (Coach) should come before Anna (no role)")
	}
	body = get("/groups/jugend-u14?show=all&hq=bal")
	mustContain(t, body, "1 membership", "Bert")
	body = get("/groups/jugend-u14?as_of=bad")
	mustContain(t, body, "is not a valid date", "1 membership")
	mustContain(t, get("/groups/jugend-u14?show=former", "de"), "ehemalige Mitglieder", "aus dem Verein ausgetreten")
}

// TestMemberHistoryPage: periods and memberships on the member page; a
// re-join adds a period; overlap is a field error (422) in both languages;
// bulk end on the group page.
func TestMemberHistoryPage(t *testing.T) {
	w, ids, g := histWorld(t)
	anna := ids["anna"]
	body := groupGet(t, w.srv, w.admin, "/members/"+anna, http.StatusOK)
	mustContain(t, body, `id="history"`, "Periods in the club", "Jan 1, 2019", "Jan 1, 2021", "Jugend U14", "former",
		`action="/members/`+anna+`/periods"`, "Add a period (re-join)")
	// Board reads, changes nothing.
	body = groupGet(t, w.srv, w.board, "/members/"+anna, http.StatusOK)
	mustContain(t, body, "Periods in the club", "Jugend U14")
	mustNotContain(t, body, `action="/members/`+anna+`/periods"`, "/memberships/")

	// Re-join.
	before := w.count(t, `SELECT count(*) FROM members`)
	groupPost(t, w.srv, w.admin, "/members/"+anna+"/periods", url.Values{"starts_on": {"2023-05-01"}}, http.StatusSeeOther, "/members/"+anna+"#history")
	if n := w.count(t, `SELECT count(*) FROM members`); n != before {
		t.Fatalf("re-join created a member")
	}
	if n := w.count(t, `SELECT count(*) FROM members WHERE id = $1 AND exit_date IS NULL`, anna); n != 1 {
		t.Fatalf("re-joined member still has an exit date")
	}
	// Overlap: 422 with the error next to the field, values kept.
	res := w.srv.PostForm(t, w.admin, "/members/"+anna+"/periods", url.Values{"starts_on": {"2020-05-01"}, "ends_on": {"2020-06-01"}})
	body = readBody(t, res)
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("overlap: %d", res.StatusCode)
	}
	mustContain(t, body, "overlaps another period of this member", `value="2020-05-01"`)
	res = w.srv.PostForm(t, w.admin, "/members/"+anna+"/periods", url.Values{"starts_on": {"2020-05-01"}}, "Accept-Language", "de")
	mustContain(t, readBody(t, res), "nur der letzte Zeitraum kann laufend sein")
	res = w.srv.PostForm(t, w.admin, "/members/"+anna+"/periods", url.Values{"starts_on": {"kaputt"}})
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("bad date: %d", res.StatusCode)
	}
	// The board may not.
	if res := w.srv.PostForm(t, w.board, "/members/"+anna+"/periods", url.Values{"starts_on": {"2030-01-01"}}); res.StatusCode != http.StatusForbidden {
		t.Fatalf("board re-join: %d", res.StatusCode)
	}

	// Bulk end on the group page; then Bert is a former member of the group.
	lastEntry := w.count(t, `SELECT coalesce(max(id), 0) FROM audit_log`)
	body = groupPost(t, w.srv, w.admin, "/groups/jugend-u14/memberships/end", url.Values{"member_id": {ids["bert"]}}, http.StatusSeeOther, "/groups/jugend-u14#group-history")
	mustContain(t, body, "Memberships ended: 1")
	if n := w.count(t, `SELECT member_count FROM groups WHERE id = $1`, g.ID); n != 0 {
		t.Fatalf("member_count %d after ending", n)
	}
	// One audit entry: the dated membership's end (the current membership
	// it removes is its mirror), shown in Bert's history in both languages.
	if n := w.count(t, `SELECT count(*) FROM audit_log WHERE id > $1 AND entity IN ('member_groups', 'group_memberships')`, lastEntry); n != 1 {
		t.Errorf("%d membership entries for the end, want 1", n)
	}
	mustContain(t, groupGet(t, w.srv, w.admin, "/members/"+ids["bert"]+"/history", http.StatusOK), "Group membership with dates: changed", "valid_until")
	mustContain(t, groupGet(t, w.srv, w.admin, "/members/"+ids["bert"]+"/history", http.StatusOK, "Accept-Language", "de"), "Gruppenmitgliedschaft mit Zeitraum: geändert")
	mustContain(t, groupGet(t, w.srv, w.admin, "/groups/jugend-u14?show=former", http.StatusOK), "Bert", "2 memberships")
	if res := w.srv.PostForm(t, w.board, "/groups/jugend-u14/memberships/end", url.Values{"member_id": {ids["anna"]}}); res.StatusCode != http.StatusForbidden {
		t.Fatalf("board bulk end: %d", res.StatusCode)
	}
}

func readBody(t *testing.T, res *http.Response) string {
	t.Helper()
	defer res.Body.Close()
	var b strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, err := res.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return b.String()
}

// TestStatisticsPage: the board sees the numbers, each links to the
// overview listing exactly those members (followed here), the chart has
// its text alternative, in both languages; own_data and normal_user get
// a 403; the admin chooses the birth-date field.
func TestStatisticsPage(t *testing.T) {
	w, _, _ := histWorld(t)
	ctx := context.Background()
	f, err := membership.NewCustomFields(w.srv.DB).Create(ctx, w.adminActor(), membership.CustomFieldInput{Name: "Geburtstag", ValueType: "date"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.srv.DB.Exec(ctx, `INSERT INTO custom_field_values (member_id, custom_field_id, value)
		SELECT id, $1, '2010-05-05' FROM members WHERE first_name = 'Bert'`, f.ID); err != nil {
		t.Fatal(err)
	}
	body := groupPost(t, w.srv, w.admin, "/statistics/birth-field", url.Values{"birth_field": {f.ID}}, http.StatusSeeOther, "/statistics")
	mustContain(t, body, "Birth date field saved", "Members per age bracket (by Geburtstag)")

	body = groupGet(t, w.srv, w.board, "/statistics?as_of=2020-12-31", http.StatusOK)
	mustContain(t, body, "Members on Dec 31, 2020", `role="img"`, "<title", "Bar chart of the numbers", "Joins and exits per year", "Coach")
	mustNotContain(t, body, "/statistics/birth-field")
	// Follow every link to the overview: its count is the number shown.
	links := regexpLinks.FindAllStringSubmatch(body, -1)
	if len(links) < 15 {
		t.Fatalf("only %d number links", len(links))
	}
	for _, l := range links {
		href, n := html.UnescapeString(l[1]), l[2]
		page := groupGet(t, w.srv, w.board, href, http.StatusOK)
		want := n + " members"
		if n == "1" {
			want = "1 member"
		}
		if n == "0" {
			if !strings.Contains(page, "No ") && !strings.Contains(page, "0 members") {
				t.Errorf("%s: want an empty list", href)
			}
			continue
		}
		if !strings.Contains(page, want) {
			t.Errorf("%s: want %q\n%s", href, want, groupMain(page))
		}
	}
	mustContain(t, groupGet(t, w.srv, w.board, "/statistics?brackets=x", http.StatusOK, "Accept-Language", "de"),
		"Statistik", "Eintritte und Austritte pro Jahr", "Standardgruppen")
	if res := w.srv.Get(t, w.ownData, "/statistics"); res.StatusCode != http.StatusForbidden {
		t.Fatalf("own_data: %d", res.StatusCode)
	}
	// Board and admin only (issue 14): normal_user gets a 403 too.
	normal := signIn(t, w.srv, w.users[authz.NormalUser].Email, testPassword)
	if res := w.srv.Get(t, normal, "/statistics"); res.StatusCode != http.StatusForbidden {
		t.Fatalf("normal_user: %d", res.StatusCode)
	}
}

var regexpLinks = regexp.MustCompile(`<a class="link link-primary(?: font-bold)?" href="(/members[^"]*)">([0-9,]+)</a>`)
