package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

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
	// Member links (not the label links beside the list, /members/labels?…).
	memberLinks := regexp.MustCompile(`href="/members/[0-9a-f]{8}-`)
	if n := len(memberLinks.FindAllString(body, -1)); n != 50 {
		t.Errorf("first page lists %d members, want 50", n)
	}
	if strings.Index(body, "Anna Müller") > strings.Index(body, "Zimmer00") {
		t.Error("members not sorted by last name")
	}

	page2 := groupGet(t, srv, w.admin, "/groups/jugend?page=2", http.StatusOK)
	mustContain(t, page2, "Page 2 of 2", "Zimmer53", `rel="prev" href="/groups/jugend"`, `name="page" value="2"`)
	if n := len(memberLinks.FindAllString(page2, -1)); n != 5 {
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
