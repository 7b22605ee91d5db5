package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestGroupList(t *testing.T) {
	w := newGroupWorld(t)
	srv := w.srv

	t.Run("empty", func(t *testing.T) {
		body := groupGet(t, srv, w.admin, "/groups", http.StatusOK)
		mustContain(t, body, "<h1", ">Groups</h1>", "No groups yet", `href="/groups/new"`, "Create the first group")
		body = groupGet(t, srv, w.board, "/groups", http.StatusOK)
		mustContain(t, body, "No groups yet", "An administrator can create groups")
		mustNotContain(t, body, `href="/groups/new"`)
	})

	jugend := w.group(t, "Jugend", "Die Jugendabteilung")
	vorstand := w.group(t, "Vorstand", "")
	w.group(t, "Ältere Herren", "Ü40")
	a, b := w.member(t, "Anna", "Müller", "anna@example.org"), w.member(t, "Ben", "Becker", "")
	w.join(t, vorstand, a, b)
	w.join(t, jugend, a)

	t.Run("admin sees everything", func(t *testing.T) {
		body := groupGet(t, srv, w.admin, "/groups", http.StatusOK)
		mustContain(t, body, "3 groups", "Die Jugendabteilung", `href="/groups/new"`,
			`href="/groups/jugend/edit"`, `href="/groups/jugend/delete" data-group-delete`,
			`aria-label="Edit Jugend"`, `aria-label="Delete Jugend"`,
			`<th scope="col" aria-sort="ascending">`, `href="/groups?dir=desc&amp;sort=name"`)
		if got := rowNames(body); strings.Join(got, ",") != "Ältere Herren,Jugend,Vorstand" {
			t.Errorf("rows %v, want by name (Ä with A)", got)
		}
		mustContain(t, groupGet(t, srv, w.admin, "/groups", http.StatusOK, "Accept-Language", "de"), "3 Gruppen", ">Gruppen</h1>", "Neue Gruppe")
	})

	t.Run("sort and search", func(t *testing.T) {
		cases := []struct {
			query string
			want  string
		}{
			{"", "Ältere Herren,Jugend,Vorstand"},
			{"?sort=name&dir=desc", "Vorstand,Jugend,Ältere Herren"},
			{"?sort=member_count&dir=desc", "Vorstand,Jugend,Ältere Herren"},
			{"?sort=member_count&dir=asc", "Ältere Herren,Jugend,Vorstand"},
			{"?sort=bogus&dir=sideways", "Ältere Herren,Jugend,Vorstand"},
			{"?sort=member_count&dir=", "Ältere Herren,Jugend,Vorstand"},
			{"?sort[]=x&dir=DESC", "Ältere Herren,Jugend,Vorstand"},
			{"?q=jug", "Jugend"},
			{"?q=JUGEND&sort=member_count", "Jugend"},
			{"?q=altere", "Ältere Herren"},
			{"?q=" + url.QueryEscape("%_'\"<x>"), ""},
			{"?q=" + strings.Repeat("x", 5000), ""},
		}
		for _, c := range cases {
			body := groupGet(t, srv, w.board, "/groups"+c.query, http.StatusOK)
			if got := strings.Join(rowNames(body), ","); got != c.want {
				t.Errorf("/groups%s: rows %q, want %q", c.query, got, c.want)
			}
		}
		body := groupGet(t, srv, w.admin, "/groups?sort=member_count&dir=desc", http.StatusOK)
		mustContain(t, body, `aria-sort="descending"`, `href="/groups?dir=asc&amp;sort=member_count"`)
		body = groupGet(t, srv, w.admin, "/groups?q=zzz", http.StatusOK)
		mustContain(t, body, "No group matches “zzz”", "Clear search")
		mustNotContain(t, body, "No groups yet")
		body = groupGet(t, srv, w.admin, "/groups?q="+url.QueryEscape("<script>"), http.StatusOK)
		mustContain(t, body, "&lt;script&gt;")
		mustNotContain(t, body, "<script>\"")
	})

	t.Run("read-only users see no controls", func(t *testing.T) {
		for name, c := range map[string]*http.Client{"board": w.board, "own_data": w.ownData} {
			body := groupGet(t, srv, c, "/groups", http.StatusOK)
			mustContain(t, body, "3 groups", `href="/groups/jugend"`)
			for _, n := range []string{`href="/groups/new"`, "/edit", "/delete"} {
				if strings.Contains(groupMain(body), n) {
					t.Errorf("%s sees %q", name, n)
				}
			}
		}
	})

	t.Run("nav entry", func(t *testing.T) {
		body := groupGet(t, srv, w.ownData, "/groups", http.StatusOK)
		mustContain(t, body, `<a href="/groups" aria-current="page"`)
	})
}
