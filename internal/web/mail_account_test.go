package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"mila/internal/authz"
	"mila/internal/mail"
	"mila/internal/membership"
	"mila/internal/web"
	"mila/internal/webtest"
)

// withMail sets up mail towards an address nothing listens on: these
// tests look at the outbox, not at delivery (internal/mail tests that).
func withMail(c *web.Config) {
	cfg, err := mail.ParseConfig("smtp://127.0.0.1:1", "Verein <verein@example.org>", "", "")
	if err != nil {
		panic(err)
	}
	c.Mail = cfg
}

type outboxRow struct {
	To, Subject, Body, State string
}

func outboxRows(t *testing.T, srv *webtest.Server) []outboxRow {
	t.Helper()
	rows, err := srv.DB.Query(context.Background(), `SELECT to_address, subject, body_text, state FROM mail_outbox ORDER BY created_at, id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []outboxRow
	for rows.Next() {
		var r outboxRow
		if err := rows.Scan(&r.To, &r.Subject, &r.Body, &r.State); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

var linkRE = regexp.MustCompile(`http://[^\s]+/(?:reset|set)-password\?token=[A-Za-z0-9_-]+`)

func TestForgotPasswordGivesNoEnumeration(t *testing.T) {
	srv := webtest.NewServer(t, withMail)
	seedUsers(t, srv)
	answer := func(email string) (int, string, time.Duration) {
		c := srv.Client()
		start := time.Now()
		res := srv.PostForm(t, c, "/forgot-password", url.Values{"email": {email}})
		took := time.Since(start)
		return res.StatusCode, webtest.Body(t, res), took
	}
	codeA, bodyA, tookA := answer("normal_user@example.org")
	codeB, bodyB, tookB := answer("nobody@example.org")
	if codeA != http.StatusOK || codeB != http.StatusOK {
		t.Fatalf("statuses %d and %d, want 200 both", codeA, codeB)
	}
	if bodyA != bodyB {
		t.Errorf("the answer differs between a known and an unknown address")
	}
	if !strings.Contains(bodyA, `id="forgot-sent"`) {
		t.Errorf("no confirmation on the page")
	}
	// Both wait for the same floor, whatever work was done.
	if tookA < 400*time.Millisecond || tookB < 400*time.Millisecond {
		t.Errorf("answers took %s and %s; both must be padded to the floor", tookA, tookB)
	}
	rows := outboxRows(t, srv)
	if len(rows) != 1 || rows[0].To != "normal_user@example.org" || rows[0].State != mail.StateQueued {
		t.Fatalf("outbox %+v, want one queued message to the known address", rows)
	}
	link := linkRE.FindString(rows[0].Body)
	if link == "" {
		t.Fatalf("no reset link in %q", rows[0].Body)
	}
	var stored int
	if err := srv.DB.QueryRow(context.Background(), `SELECT count(*) FROM user_tokens WHERE purpose = 'reset_password'
		AND expires_at BETWEEN now() + interval '59 minutes' AND now() + interval '61 minutes'`).Scan(&stored); err != nil || stored != 1 {
		t.Fatalf("%d reset tokens living one hour (%v)", stored, err)
	}
	u, _ := url.Parse(link)
	path := u.RequestURI()

	c := srv.Client()
	if res := srv.Get(t, c, path); res.StatusCode != http.StatusOK {
		t.Fatalf("reset page: %d", res.StatusCode)
	}
	tok := u.Query().Get("token")
	// A wrong confirmation keeps the link alive and says why.
	res := srv.PostForm(t, c, "/reset-password", url.Values{"token": {tok}, "password": {"a new password 1"}, "password_confirm": {"other"}})
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("mismatched confirmation: %d", res.StatusCode)
	}
	res = srv.PostForm(t, c, "/reset-password", url.Values{"token": {tok}, "password": {"a new password 1"}, "password_confirm": {"a new password 1"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/sign-in" {
		t.Fatalf("reset: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	signIn(t, srv, "normal_user@example.org", "a new password 1")
	// Single use.
	if res := srv.Get(t, srv.Client(), path); res.StatusCode != http.StatusNotFound {
		t.Errorf("used link: %d, want 404", res.StatusCode)
	}
}

func TestForgotPasswordThrottlesPerAddress(t *testing.T) {
	srv := webtest.NewServer(t, withMail)
	seedUsers(t, srv)
	for i := 0; i < 5; i++ {
		res := srv.PostForm(t, srv.Client(), "/forgot-password", url.Values{"email": {"read_only@example.org"}})
		if res.StatusCode != http.StatusOK {
			t.Fatalf("request %d: %d", i+1, res.StatusCode)
		}
	}
	if n := len(outboxRows(t, srv)); n != 3 {
		t.Errorf("%d reset mails for 5 requests within the hour, want 3", n)
	}
	var live int
	if err := srv.DB.QueryRow(context.Background(), `SELECT count(*) FROM user_tokens WHERE purpose = 'reset_password'`).Scan(&live); err != nil || live != 1 {
		t.Errorf("%d live reset tokens, want 1 (a new one replaces the old)", live)
	}
}

func TestForgotPasswordThrottlesPerClient(t *testing.T) {
	srv := webtest.NewServer(t, withMail)
	var last int
	for i := 0; i < 21; i++ {
		res := srv.PostForm(t, srv.Client(), "/forgot-password", url.Values{"email": {"x" + strings.Repeat("y", i) + "@example.org"}})
		last = res.StatusCode
	}
	if last != http.StatusTooManyRequests {
		t.Errorf("21st request from one client: %d, want 429", last)
	}
}

func TestForgotPasswordWithoutMail(t *testing.T) {
	srv := webtest.NewServer(t)
	seedUsers(t, srv)
	body := webtest.Body(t, srv.Get(t, srv.Client(), "/forgot-password"))
	if strings.Contains(body, `action="/forgot-password"`) {
		t.Errorf("the form is offered although mail is not set up")
	}
	res := srv.PostForm(t, srv.Client(), "/forgot-password", url.Values{"email": {"admin@example.org"}})
	if res.StatusCode != http.StatusConflict {
		t.Errorf("POST without mail: %d, want 409", res.StatusCode)
	}
	if n := len(outboxRows(t, srv)); n != 0 {
		t.Errorf("%d messages queued without mail", n)
	}
}

func TestInvitationAndEmailChangeGoByMail(t *testing.T) {
	srv := webtest.NewServer(t, withMail)
	seedUsers(t, srv)
	admin := signIn(t, srv, "admin@example.org", testPassword)
	var boardRole string
	if err := srv.DB.QueryRow(context.Background(), `SELECT id FROM roles WHERE system_key = 'board'`).Scan(&boardRole); err != nil {
		t.Fatal(err)
	}
	res := srv.PostForm(t, admin, "/users", url.Values{"name": {"New Colleague"}, "email": {"colleague@example.org"}, "role_id": {boardRole}, "password_mode": {"link"}})
	body := webtest.Body(t, res)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `id="invitation-mail"`) || !strings.Contains(body, "colleague@example.org") {
		t.Fatalf("new user page: %d", res.StatusCode)
	}
	rows := outboxRows(t, srv)
	if len(rows) != 1 || rows[0].To != "colleague@example.org" || linkRE.FindString(rows[0].Body) == "" {
		t.Fatalf("outbox %+v, want the invitation with its link", rows)
	}
	// The link in the mail is the one on the page.
	if !strings.Contains(body, linkRE.FindString(rows[0].Body)) {
		t.Errorf("the mailed link is not the one shown")
	}

	var uid string
	if err := srv.DB.QueryRow(context.Background(), `SELECT id FROM users WHERE email = 'colleague@example.org'`).Scan(&uid); err != nil {
		t.Fatal(err)
	}
	res = srv.PostForm(t, admin, "/users/"+uid+"/email", url.Values{"email": {"colleague.new@example.org"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("change email: %d", res.StatusCode)
	}
	rows = outboxRows(t, srv)
	if len(rows) != 2 || rows[1].To != "colleague@example.org" || !strings.Contains(rows[1].Body, "colleague.new@example.org") {
		t.Fatalf("outbox %+v, want a notice to the old address", rows)
	}
}

func TestInvitationWithoutMailKeepsTheWouldBeMessage(t *testing.T) {
	srv := webtest.NewServer(t)
	seedUsers(t, srv)
	admin := signIn(t, srv, "admin@example.org", testPassword)
	var boardRole string
	if err := srv.DB.QueryRow(context.Background(), `SELECT id FROM roles WHERE system_key = 'board'`).Scan(&boardRole); err != nil {
		t.Fatal(err)
	}
	res := srv.PostForm(t, admin, "/users", url.Values{"name": {"New Colleague"}, "email": {"c2@example.org"}, "role_id": {boardRole}, "password_mode": {"link"}})
	if res.StatusCode != http.StatusOK {
		t.Fatalf("new user: %d", res.StatusCode)
	}
	rows := outboxRows(t, srv)
	if len(rows) != 1 || rows[0].State != mail.StateCancelled {
		t.Fatalf("outbox %+v, want one would-be message, cancelled", rows)
	}
	body := webtest.Body(t, srv.Get(t, admin, "/admin/outbox"))
	mustContain(t, body, "c2@example.org", "MILA_SMTP_URL")
	// Nobody else sees the outbox.
	for _, who := range []string{"normal_user@example.org", "read_only@example.org"} {
		if res := srv.Get(t, signIn(t, srv, who, testPassword), "/admin/outbox"); res.StatusCode != http.StatusForbidden {
			t.Errorf("%s: /admin/outbox %d, want 403", who, res.StatusCode)
		}
	}
}

func TestMemberEmailChangeTellsTheLinkedUsersOldAddress(t *testing.T) {
	srv := webtest.NewServer(t, withMail)
	users := seedUsers(t, srv)
	ctx := context.Background()
	ms := membership.NewMembers(srv.DB)
	admin := users[authz.Admin].Actor
	m, err := ms.Create(ctx, admin, membership.MemberInput{FirstName: "Nora", LastName: "Normal", Email: "normal_user@example.org", JoinDate: "2020-01-01"})
	if err != nil {
		t.Fatal(err)
	}
	if err := ms.LinkUser(ctx, admin, m.ID, users[authz.NormalUser].Actor.UserID); err != nil {
		t.Fatal(err)
	}
	c := signIn(t, srv, "admin@example.org", testPassword)
	res := srv.PostForm(t, c, "/members/"+m.ID, url.Values{"first_name": {"Nora"}, "last_name": {"Normal"}, "email": {"nora.new@example.org"},
		"join_date": {"2020-01-01"}, "version": {fmt.Sprint(m.Version)}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d %s", res.StatusCode, webtest.Body(t, res))
	}
	rows := outboxRows(t, srv)
	if len(rows) != 1 || rows[0].To != "normal_user@example.org" || !strings.Contains(rows[0].Body, "nora.new@example.org") {
		t.Fatalf("outbox %+v, want a notice to the old sign-in address", rows)
	}
	// A save that keeps the address sends nothing.
	m2, err := ms.Get(ctx, admin, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	res = srv.PostForm(t, c, "/members/"+m.ID, url.Values{"first_name": {"Nora"}, "last_name": {"Normaler"}, "email": {"nora.new@example.org"},
		"join_date": {"2020-01-01"}, "version": {fmt.Sprint(m2.Version)}})
	if res.StatusCode != http.StatusSeeOther || len(outboxRows(t, srv)) != 1 {
		t.Errorf("a save without an email change: %d, %d messages", res.StatusCode, len(outboxRows(t, srv)))
	}
}
