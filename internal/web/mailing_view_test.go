package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"mila/internal/webtest"
)

// TestMailingToOverviewView: "Write mailing" from the overview carries
// the view's query — one hidden field, never a member id per recipient —
// validated again on every submit and resolved to the view's members
// when the mailing is previewed and queued (live: a member who matches
// by then is in). The sent mailing says where its recipients came from:
// the overview's filters, a group, a saved list, a selection — in both
// languages.
func TestMailingToOverviewView(t *testing.T) {
	srv := webtest.NewServer(t, withMail)
	users := seedUsers(t, srv)
	ids := mailingClub(t, srv)
	ctx := context.Background()
	// Forty more active members with an address who match the search.
	for i := range 40 {
		if _, err := srv.DB.Exec(ctx, `INSERT INTO members (first_name, last_name, email, join_date) VALUES ($1, 'Seemann', $2, '2020-01-01')`,
			fmt.Sprintf("Sam%02d", i), fmt.Sprintf("sam%02d@example.org", i)); err != nil {
			t.Fatal(err)
		}
	}
	admin := signIn(t, srv, "admin@example.org", testPassword)
	view := "/members?q=seemann&status=active&per_page=10&page=2"
	body := webtest.Body(t, srv.Get(t, admin, "/mailings/new?overview="+url.QueryEscape(view)))
	mustContain(t, body, "40 recipients", `id="mailing-overview"`, "Member overview: Active members · Search: “seemann”")
	hidden := regexp.MustCompile(`<input type="hidden" name="(member_id|overview)" value="([^"]*)"`).FindAllStringSubmatch(body, -1)
	if len(hidden) != 1 || hidden[0][1] != "overview" {
		t.Fatalf("hidden recipient fields: %q, want the view alone", hidden)
	}
	kept := strings.ReplaceAll(hidden[0][2], "&amp;", "&")
	if strings.Contains(kept, "page=") || !strings.Contains(kept, "q=seemann") {
		t.Errorf("the form keeps the view as %q (all its pages, its search)", kept)
	}
	de := webtest.Body(t, srv.Get(t, admin, "/mailings/new?overview="+url.QueryEscape(view), "Accept-Language", "de"))
	mustContain(t, de, "Mitgliederübersicht: Aktive Mitglieder · Suche: „seemann“")

	// Submitted, the view is read again: a member who matches by now is in.
	if _, err := srv.DB.Exec(ctx, `UPDATE members SET last_name = 'Seemann' WHERE id = $1`, ids["Fritz"]); err != nil {
		t.Fatal(err)
	}
	form := url.Values{"overview": {kept}, "kind": {"normal"}, "subject": {"Törn"}, "body": {"Ahoi {{first_name}}"}, "do": {"preview"}}
	res := srv.PostForm(t, admin, "/mailings", form)
	body = webtest.Body(t, res)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("preview: %d", res.StatusCode)
	}
	mustContain(t, body, "41 recipients")
	// A view that is not the overview's is refused, never resolved.
	for _, bad := range []string{"/groups/jugend-u14", "/membersx?q=a", "https://evil.example/members", "/members?" + strings.Repeat("q=a&", 600)} {
		f := url.Values{"overview": {bad}, "kind": {"normal"}, "subject": {"S"}, "body": {"B"}, "do": {"preview"}}
		if res := srv.PostForm(t, admin, "/mailings", f); res.StatusCode != http.StatusNotFound {
			t.Errorf("overview %q: %d, want 404", bad, res.StatusCode)
		}
	}

	form.Set("do", "send")
	res = srv.PostForm(t, admin, "/mailings", form)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("send: %d %s", res.StatusCode, webtest.Body(t, res))
	}
	page := res.Header.Get("Location")
	var n int
	if err := srv.DB.QueryRow(ctx, `SELECT count(*) FROM mail_outbox WHERE kind = 'mailing'`).Scan(&n); err != nil || n != 41 {
		t.Errorf("queued %d messages, want 41 (%v)", n, err)
	}
	body = webtest.Body(t, srv.Get(t, admin, page))
	mustContain(t, body, `id="mailing-source"`, "Written to", "Member overview: Active members · Search: “seemann”")
	body = webtest.Body(t, srv.Get(t, admin, page, "Accept-Language", "de"))
	mustContain(t, body, "Geschrieben an", "Mitgliederübersicht: Aktive Mitglieder · Suche: „seemann“")

	// A group (by its name), a saved list and a selection, together.
	var list string
	if err := srv.DB.QueryRow(ctx, `INSERT INTO saved_lists (owner_id, name, q, status) VALUES ($1, 'Nur Fritz', 'fritz', 'active') RETURNING id`,
		users["admin"].Actor.UserID).Scan(&list); err != nil {
		t.Fatal(err)
	}
	form = url.Values{"group": {"jugend-u14"}, "list": {list}, "member_id": {ids["Anna"], ids["Cleo"]}, "kind": {"normal"},
		"subject": {"Alle"}, "body": {"Hallo"}, "do": {"send"}}
	res = srv.PostForm(t, admin, "/mailings", form)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("send to several sources: %d %s", res.StatusCode, webtest.Body(t, res))
	}
	page = res.Header.Get("Location")
	body = webtest.Body(t, srv.Get(t, admin, page))
	mustContain(t, body, "<li>Group Jugend U14</li>", "<li>Saved list Nur Fritz</li>", "<li>Selection of 2 members</li>")
	body = webtest.Body(t, srv.Get(t, admin, page, "Accept-Language", "de"))
	mustContain(t, body, "<li>Gruppe Jugend U14</li>", "<li>Gespeicherte Liste Nur Fritz</li>", "<li>Auswahl von 2 Mitgliedern</li>")

	// The overview's own "Write mailing" link names the view.
	overview := webtest.Body(t, srv.Get(t, admin, "/members?q=seemann"))
	mustContain(t, overview, `/mailings/new?overview=%2Fmembers%3Fq%3Dseemann`)
}
