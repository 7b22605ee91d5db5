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

// mailingClub adds the Jugend U14 group with Anna and Ben (addresses),
// Cleo (none) and Dora (former), plus Fritz outside the group.
func mailingClub(t *testing.T, srv *webtest.Server) map[string]string {
	t.Helper()
	ctx := context.Background()
	ids := map[string]string{}
	var gid string
	if err := srv.DB.QueryRow(ctx, `INSERT INTO groups (name, slug) VALUES ('Jugend U14', 'jugend-u14') RETURNING id`).Scan(&gid); err != nil {
		t.Fatal(err)
	}
	for _, m := range []struct {
		first, email  string
		former, group bool
	}{{"Anna", "anna@example.org", false, true}, {"Ben", "ben@example.org", false, true}, {"Cleo", "", false, true},
		{"Dora", "dora@example.org", true, true}, {"Fritz", "fritz@example.org", false, false}} {
		var email, exit any
		if m.email != "" {
			email = m.email
		}
		if m.former {
			exit = "2021-01-01"
		}
		var id string
		if err := srv.DB.QueryRow(ctx, `INSERT INTO members (first_name, last_name, email, join_date, exit_date)
			VALUES ($1, 'Muster', $2, '2020-01-01', $3::date) RETURNING id`, m.first, email, exit).Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids[m.first] = id
		if m.group {
			if _, err := srv.DB.Exec(ctx, `INSERT INTO member_groups (member_id, group_id) VALUES ($1, $2)`, id, gid); err != nil {
				t.Fatal(err)
			}
		}
	}
	return ids
}

func TestBoardWritesToAGroup(t *testing.T) {
	srv := webtest.NewServer(t, withMail)
	seedUsers(t, srv)
	ids := mailingClub(t, srv)
	board := signIn(t, srv, "read_only@example.org", testPassword) // the Board role may send mailings by default

	body := webtest.Body(t, srv.Get(t, board, "/mailings/new?group=jugend-u14"))
	mustContain(t, body, "2 recipients", "1 former member left out", "1 member without email", "Cleo Muster")

	form := url.Values{"group": {"jugend-u14"}, "kind": {"normal"}, "subject": {"Training, {{first_name}}"},
		"body": {"Hallo Eltern von **{{first_name}}**"}, "preview_member": {ids["Ben"]}, "do": {"preview"}}
	res := srv.PostForm(t, board, "/mailings", form)
	body = webtest.Body(t, res)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("preview: %d", res.StatusCode)
	}
	mustContain(t, body, "Preview for Ben Muster", "Training, Ben", "<strong>Ben</strong>")

	bad := url.Values{}
	for k, v := range form {
		bad[k] = v
	}
	bad.Set("body", "Hallo {{vorname}}")
	bad.Set("do", "send")
	res = srv.PostForm(t, board, "/mailings", bad)
	body = webtest.Body(t, res)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "unknown placeholder {{vorname}}") {
		t.Errorf("unknown placeholder: %d", res.StatusCode)
	}

	form.Set("do", "send")
	res = srv.PostForm(t, board, "/mailings", form)
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/mailings/") {
		t.Fatalf("send: %d %s", res.StatusCode, webtest.Body(t, res))
	}
	page := res.Header.Get("Location")
	var to []string
	rows, err := srv.DB.Query(context.Background(), `SELECT to_address FROM mail_outbox WHERE kind = 'mailing' ORDER BY to_address`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var s string
		rows.Scan(&s) //nolint:errcheck
		to = append(to, s)
	}
	if strings.Join(to, ",") != "anna@example.org,ben@example.org" {
		t.Errorf("queued to %v; former members and members without email must not be", to)
	}
	body = webtest.Body(t, srv.Get(t, board, page))
	mustContain(t, body, `id="mailing-progress"`, `hx-get="`+page+`/progress"`, "Cleo Muster", "no email")
	res = srv.Get(t, board, page+"/progress", "HX-Request", "true")
	if b := webtest.Body(t, res); res.StatusCode != http.StatusOK || strings.Contains(b, "<html") {
		t.Errorf("progress fragment: %d", res.StatusCode)
	}
	// Pause and cancel.
	if res := srv.PostForm(t, board, page+"/pause", url.Values{}); res.StatusCode != http.StatusSeeOther {
		t.Errorf("pause: %d", res.StatusCode)
	}
	if res := srv.PostForm(t, board, page+"/cancel", url.Values{}); res.StatusCode != http.StatusSeeOther {
		t.Errorf("cancel: %d", res.StatusCode)
	}
	var cancelled int
	srv.DB.QueryRow(context.Background(), `SELECT count(*) FROM mail_outbox WHERE state = 'cancelled'`).Scan(&cancelled) //nolint:errcheck
	if cancelled != 2 {
		t.Errorf("%d cancelled, want 2", cancelled)
	}
	// The member page lists it.
	body = webtest.Body(t, srv.Get(t, board, "/members/"+ids["Anna"]))
	mustContain(t, body, `id="member-mailings"`, "Training, {{first_name}}")
	// A member (own_data) may do none of it.
	member := signIn(t, srv, "own_data@example.org", testPassword)
	for _, p := range []string{"/mailings", "/mailings/new", page} {
		if res := srv.Get(t, member, p); res.StatusCode != http.StatusForbidden {
			t.Errorf("own_data GET %s: %d", p, res.StatusCode)
		}
	}
}

func TestMailingWithoutMailRefusesToSend(t *testing.T) {
	srv := webtest.NewServer(t)
	seedUsers(t, srv)
	mailingClub(t, srv)
	admin := signIn(t, srv, "admin@example.org", testPassword)
	body := webtest.Body(t, srv.Get(t, admin, "/mailings/new?group=jugend-u14"))
	mustContain(t, body, "MILA_SMTP_URL")
	res := srv.PostForm(t, admin, "/mailings", url.Values{"group": {"jugend-u14"}, "kind": {"normal"}, "subject": {"S"}, "body": {"B"}, "do": {"send"}})
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("send without mail: %d", res.StatusCode)
	}
	var n int
	srv.DB.QueryRow(context.Background(), `SELECT count(*) FROM mail_outbox`).Scan(&n) //nolint:errcheck
	if n != 0 {
		t.Errorf("%d messages queued without mail", n)
	}
}

func TestWriteToSelectedAndCopyAddresses(t *testing.T) {
	srv := webtest.NewServer(t, withMail)
	seedUsers(t, srv)
	ids := mailingClub(t, srv)
	admin := signIn(t, srv, "admin@example.org", testPassword)
	body := webtest.Body(t, srv.Get(t, admin, "/members"))
	mustContain(t, body, `formaction="/mailings/new"`, "Copy addresses", "Write mailing")
	q := url.Values{"member_id": {ids["Fritz"], ids["Anna"]}, "from": {"selection"}, "group": {"jugend-u14"}}
	body = webtest.Body(t, srv.Get(t, admin, "/mailings/new?"+q.Encode()))
	mustContain(t, body, "2 members selected", "2 recipients")

	// The overview's current view.
	body = webtest.Body(t, srv.Get(t, admin, "/mailings/addresses?overview="+url.QueryEscape("/members?q=fritz")))
	mustContain(t, body, "fritz@example.org")
	if strings.Contains(body, "anna@example.org") {
		t.Errorf("addresses outside the view")
	}
	body = webtest.Body(t, srv.Get(t, admin, "/groups/jugend-u14"))
	mustContain(t, body, "/mailings/addresses?group=jugend-u14")

	// Over 50 addresses: a warning.
	for i := range 51 {
		if _, err := srv.DB.Exec(context.Background(), `INSERT INTO members (first_name, last_name, email) VALUES ('X', $1, $2)`,
			fmt.Sprint("N", i), fmt.Sprintf("x%d@example.org", i)); err != nil {
			t.Fatal(err)
		}
	}
	body = webtest.Body(t, srv.Get(t, admin, "/mailings/addresses?overview="+url.QueryEscape("/members")))
	mustContain(t, body, `id="addresses-warning"`)
}

var unsubRE = regexp.MustCompile(`/unsubscribe\?m=[0-9a-f-]+&t=[A-Za-z0-9_-]+`)

func TestOptOutWorksWithoutSignInAndCannotBeForged(t *testing.T) {
	srv := webtest.NewServer(t, withMail)
	seedUsers(t, srv)
	ids := mailingClub(t, srv)
	admin := signIn(t, srv, "admin@example.org", testPassword)
	res := srv.PostForm(t, admin, "/mailings", url.Values{"group": {"jugend-u14"}, "kind": {"newsletter"},
		"subject": {"News"}, "body": {"Neues"}, "do": {"send"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("send: %d", res.StatusCode)
	}
	var text, lu string
	if err := srv.DB.QueryRow(context.Background(), `SELECT body_text, list_unsubscribe FROM mail_outbox WHERE member_id = $1`, ids["Anna"]).Scan(&text, &lu); err != nil {
		t.Fatal(err)
	}
	link := unsubRE.FindString(text)
	if link == "" || !strings.HasSuffix(lu, link) {
		t.Fatalf("no opt-out link in %q (header %q)", text, lu)
	}
	u, _ := url.Parse(link)
	anon := srv.Client()
	if res := srv.Get(t, anon, link); res.StatusCode != http.StatusOK {
		t.Fatalf("opt-out page: %d", res.StatusCode)
	}
	optedOut := func() int {
		var n int
		srv.DB.QueryRow(context.Background(), `SELECT count(*) FROM member_mail_optouts`).Scan(&n) //nolint:errcheck
		return n
	}
	if optedOut() != 0 {
		t.Fatal("GET opted out")
	}
	// Forged: another member with Anna's token, or a changed token.
	for _, f := range []url.Values{{"m": {ids["Ben"]}, "t": {u.Query().Get("t")}}, {"m": {ids["Anna"]}, "t": {u.Query().Get("t") + "A"}}} {
		if res := srv.PostForm(t, anon, "/unsubscribe", f); res.StatusCode != http.StatusNotFound {
			t.Errorf("forged opt-out: %d", res.StatusCode)
		}
	}
	if optedOut() != 0 {
		t.Fatal("a forged link opted out")
	}
	// One-click (RFC 8058): POST to the header's URL.
	res = srv.Do(t, anon, webtest.NewRequest(t, http.MethodPost, link, url.Values{"List-Unsubscribe": {"One-Click"}}))
	if res.StatusCode != http.StatusOK || optedOut() != 1 {
		t.Fatalf("one-click opt-out: %d, %d opted out", res.StatusCode, optedOut())
	}
	// The next newsletter skips Anna; club business does not.
	body := webtest.Body(t, srv.Get(t, admin, "/mailings/new?group=jugend-u14"))
	mustContain(t, body, "2 recipients")
	form := url.Values{"group": {"jugend-u14"}, "kind": {"newsletter"}, "subject": {"S"}, "body": {"B"}, "do": {"preview"}}
	body = webtest.Body(t, srv.PostForm(t, admin, "/mailings", form))
	mustContain(t, body, "1 recipient", "1 member opted out of newsletters")
	form.Set("kind", "club_business")
	body = webtest.Body(t, srv.PostForm(t, admin, "/mailings", form))
	mustContain(t, body, "2 recipients")
}
