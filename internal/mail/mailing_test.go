package mail_test

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"mila/internal/authz"
	"mila/internal/mail"
	"mila/internal/mail/mailtest"
	"mila/internal/testpg"
	"mila/internal/validate"
)

type club struct {
	db      *pgxpool.Pool
	admin   authz.Actor
	members map[string]string // first name → id
}

// newClub makes the Jugend U14 group: Anna and Ben (parents' addresses),
// Cleo without an address, Dora who left last year, Emil who opted out of
// newsletters, and Fritz outside the group.
func newClub(t *testing.T) *club {
	t.Helper()
	db := testpg.New(t)
	ctx := context.Background()
	c := &club{db: db, members: map[string]string{}}
	var uid string
	if err := db.QueryRow(ctx, `INSERT INTO users (email, role_id) SELECT 'vorstand@example.org', id FROM roles WHERE system_key = 'admin' RETURNING id`).Scan(&uid); err != nil {
		t.Fatal(err)
	}
	c.admin = authz.Actor{UserID: uid, Email: "vorstand@example.org", Set: authz.Admin}
	var gid string
	if err := db.QueryRow(ctx, `INSERT INTO groups (name, slug) VALUES ('Jugend U14', 'jugend-u14') RETURNING id`).Scan(&gid); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(ctx, `INSERT INTO custom_fields (name, slug, value_type) VALUES ('Trikotgröße', 'trikotgroesse', 'string')`); err != nil {
		t.Fatal(err)
	}
	add := func(first, email string, exit *time.Time, inGroup bool) {
		var id string
		var em any
		if email != "" {
			em = email
		}
		err := db.QueryRow(ctx, `INSERT INTO members (first_name, last_name, email, join_date, exit_date)
			VALUES ($1, 'Muster', $2, '2020-01-01', $3) RETURNING id`, first, em, exit).Scan(&id)
		if err != nil {
			t.Fatal(err)
		}
		c.members[first] = id
		if inGroup {
			if _, err := db.Exec(ctx, `INSERT INTO member_groups (member_id, group_id) VALUES ($1, $2)`, id, gid); err != nil {
				t.Fatal(err)
			}
		}
	}
	past := time.Now().AddDate(-1, 0, 0)
	add("Anna", "anna.eltern@example.org", nil, true)
	add("Ben", "ben.eltern@example.org", nil, true)
	add("Cleo", "", nil, true)
	add("Dora", "dora@example.org", &past, true)
	add("Emil", "emil@example.org", nil, true)
	add("Fritz", "fritz@example.org", nil, false)
	if _, err := db.Exec(ctx, `INSERT INTO member_mail_optouts (member_id) VALUES ($1)`, c.members["Emil"]); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(ctx, `INSERT INTO custom_field_values (member_id, custom_field_id, value)
		SELECT $1, id, '152' FROM custom_fields WHERE slug = 'trikotgroesse'`, c.members["Anna"]); err != nil {
		t.Fatal(err)
	}
	return c
}

func unsub(base string) mail.UnsubscribeURL {
	return func(id, tok string) string { return base + "/unsubscribe?m=" + id + "&t=" + tok }
}

func names(rs []mail.Recipient) string {
	var n []string
	for _, r := range rs {
		n = append(n, r.FirstName)
	}
	return strings.Join(n, ",")
}

func TestResolveLeavesOutFormerAndListsTheRest(t *testing.T) {
	c := newClub(t)
	ms := mail.NewMailings(c.db, mail.Config{})
	ctx := context.Background()
	rs, err := ms.Resolve(ctx, c.admin, mail.Draft{Groups: []string{"jugend-u14"}, Newsletter: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := names(rs.Send); got != "Anna,Ben" {
		t.Errorf("newsletter goes to %s, want Anna,Ben", got)
	}
	if names(rs.NoEmail) != "Cleo" || names(rs.OptedOut) != "Emil" || rs.Former != 1 {
		t.Errorf("no email %s, opted out %s, former %d", names(rs.NoEmail), names(rs.OptedOut), rs.Former)
	}
	// Club business ignores the opt-out; former members only when asked.
	rs, err = ms.Resolve(ctx, c.admin, mail.Draft{Groups: []string{"jugend-u14"}, ClubBusiness: true, IncludeFormer: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := names(rs.Send); got != "Anna,Ben,Dora,Emil" {
		t.Errorf("club business goes to %s", got)
	}
	// A selection adds members outside the groups.
	rs, _ = ms.Resolve(ctx, c.admin, mail.Draft{MemberIDs: []string{c.members["Fritz"], c.members["Dora"]}})
	if got := names(rs.Send); got != "Fritz" || rs.Former != 1 {
		t.Errorf("selection goes to %s (former left out %d)", got, rs.Former)
	}
	// Only who may send mailings may look.
	if _, err := ms.Resolve(ctx, authz.Actor{UserID: c.admin.UserID, Set: authz.ReadOnly}, mail.Draft{}); !errors.Is(err, authz.ErrForbidden) {
		t.Errorf("read_only without the flag: %v", err)
	}
}

func TestUnknownPlaceholderIsAnError(t *testing.T) {
	c := newClub(t)
	ms := mail.NewMailings(c.db, mail.Config{Host: "127.0.0.1", Port: 1})
	_, err := ms.Create(context.Background(), c.admin, mail.Draft{Subject: "Hallo {{vorname}}", Body: "Größe {{cf_trikotgroesse}} {{cf_schuh}}",
		Groups: []string{"jugend-u14"}}, unsub("http://x"))
	var verr *validate.Error
	if !errors.As(err, &verr) {
		t.Fatalf("err %v, want field errors", err)
	}
	ve := verr.Fields
	if ve["subject"].ID != mail.MsgUnknownPlaceholder || ve["body"].ID != mail.MsgUnknownPlaceholder {
		t.Errorf("errors %+v", ve)
	}
	if !strings.Contains(fmt.Sprint(ve["body"].Data), "cf_schuh") || strings.Contains(fmt.Sprint(ve["body"].Data), "trikot") {
		t.Errorf("body error names %v", ve["body"].Data)
	}
	var n int
	c.db.QueryRow(context.Background(), `SELECT count(*) FROM mailings`).Scan(&n) //nolint:errcheck
	if n != 0 {
		t.Errorf("%d mailings stored after a validation error", n)
	}
}

func TestHostilePlaceholderValuesAreInert(t *testing.T) {
	out, err := mail.Render("Hallo {{first_name}}", "**Hallo** {{first_name}}, [Link](https://example.org)",
		map[string]string{"first_name": "<script>alert(1)</script>\r\nBcc: x@evil.example [a](javascript:alert(2))"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.HTML, "<script>") || strings.Contains(out.HTML, `href="javascript`) {
		t.Errorf("HTML part runs the value: %s", out.HTML)
	}
	if !strings.Contains(out.HTML, "&lt;script&gt;") || !strings.Contains(out.HTML, "<strong>Hallo</strong>") {
		t.Errorf("HTML part: %s", out.HTML)
	}
	if strings.ContainsAny(out.Subject, "\r\n") {
		t.Errorf("subject keeps a line break: %q", out.Subject)
	}
	raw, err := mail.Render("x", "<img src=x onerror=alert(1)> [a](javascript:alert(3))", nil)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(raw.HTML, "<img") || strings.Contains(raw.HTML, "javascript:") {
		t.Errorf("raw HTML or a script link in the Markdown survives: %s", raw.HTML)
	}
}

func TestMailingSendsOneMessagePerRecipient(t *testing.T) {
	c := newClub(t)
	srv := mailtest.Start(t, mailtest.Options{})
	cfg := config(t, srv, 0)
	ms := mail.NewMailings(c.db, cfg)
	ctx := context.Background()
	id, err := ms.Create(ctx, c.admin, mail.Draft{
		Subject: "Training für {{first_name}}", Body: "Hallo Eltern von {{first_name}},\n\nTrikot: {{cf_trikotgroesse}}",
		Groups: []string{"jugend-u14"}, Newsletter: true,
		Attachments: []mail.Attachment{{Filename: "plan.pdf", ContentType: "application/pdf", Data: []byte("%PDF-1.4 plan")}},
	}, unsub("http://mila.example"))
	if err != nil {
		t.Fatal(err)
	}
	runWorker(t, c.db, cfg, mail.SenderOptions{})
	msgs := srv.WaitFor(t, 2, 20*time.Second)
	time.Sleep(200 * time.Millisecond)
	if len(srv.Messages()) != 2 {
		t.Fatalf("%d messages, want 2", len(srv.Messages()))
	}
	for _, m := range msgs {
		if len(m.To) != 1 {
			t.Errorf("a message with %d recipients", len(m.To))
		}
		h := m.Header()
		if h.Get("Reply-To") != "<vorstand@example.org>" && h.Get("Reply-To") != "vorstand@example.org" {
			t.Errorf("Reply-To %q", h.Get("Reply-To"))
		}
		lu := h.Get("List-Unsubscribe")
		if !strings.HasPrefix(lu, "<http://mila.example/unsubscribe?m=") || h.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
			t.Errorf("List-Unsubscribe %q", lu)
		}
		if !strings.Contains(string(m.Data), "plan.pdf") {
			t.Errorf("attachment missing")
		}
		// The unsubscribe link is the member's: it opts them out, and a
		// changed one does nothing.
		u, _ := url.Parse(strings.Trim(lu, "<>"))
		mid, tok := u.Query().Get("m"), u.Query().Get("t")
		if err := mail.OptOut(ctx, c.db, mid, tok+"x"); !errors.Is(err, mail.ErrBadLink) {
			t.Errorf("forged token: %v", err)
		}
		if err := mail.OptOut(ctx, c.db, c.members["Fritz"], tok); !errors.Is(err, mail.ErrBadLink) {
			t.Errorf("another member's token: %v", err)
		}
		if err := mail.OptOut(ctx, c.db, mid, tok); err != nil {
			t.Errorf("opt out: %v", err)
		}
	}
	anna, subject := "", ""
	for _, m := range msgs {
		if m.To[0] == "anna.eltern@example.org" {
			anna = string(m.Data)
			subject, _ = new(mime.WordDecoder).DecodeHeader(m.Header().Get("Subject"))
		}
	}
	if subject != "Training für Anna" || !strings.Contains(anna, "152") {
		t.Errorf("Anna's message lacks her values (subject %q)", subject)
	}
	mg, err := ms.Get(ctx, c.admin, id)
	if err != nil {
		t.Fatal(err)
	}
	if mg.Counts[mail.StateSent] != 2 || len(mg.Skipped) != 2 || len(mg.Attachments) != 1 {
		t.Errorf("counts %v, skipped %v, attachments %v", mg.Counts, mg.Skipped, mg.Attachments)
	}
	var optedOut int
	c.db.QueryRow(ctx, `SELECT count(*) FROM member_mail_optouts`).Scan(&optedOut) //nolint:errcheck
	if optedOut != 3 {
		t.Errorf("%d opted out, want 3 (Emil, Anna, Ben)", optedOut)
	}
	got, err := ms.ForMember(ctx, c.admin, c.members["Anna"])
	if err != nil || len(got) != 1 || got[0].State != mail.StateSent {
		t.Errorf("Anna's mailings %+v %v", got, err)
	}
}

func TestPauseResumeCancelRetry(t *testing.T) {
	c := newClub(t)
	srv := mailtest.Start(t, mailtest.Options{})
	srv.Answer(func(to string, attempt int) mailtest.Behaviour {
		if strings.HasPrefix(to, "ben") && attempt == 1 {
			return mailtest.Permanent
		}
		return mailtest.Accept
	})
	cfg := config(t, srv, 0)
	ms := mail.NewMailings(c.db, cfg)
	ctx := context.Background()
	id, err := ms.Create(ctx, c.admin, mail.Draft{Subject: "S", Body: "B", Groups: []string{"jugend-u14"}}, unsub("http://x"))
	if err != nil {
		t.Fatal(err)
	}
	if err := ms.Pause(ctx, c.admin, id); err != nil {
		t.Fatal(err)
	}
	runWorker(t, c.db, cfg, mail.SenderOptions{})
	time.Sleep(300 * time.Millisecond)
	if n := len(srv.Messages()); n != 0 {
		t.Fatalf("%d messages of a paused mailing", n)
	}
	if err := ms.Pause(ctx, c.admin, id); !errors.Is(err, mail.ErrState) {
		t.Errorf("pausing twice: %v", err)
	}
	if err := ms.Resume(ctx, c.admin, id); err != nil {
		t.Fatal(err)
	}
	srv.WaitFor(t, 2, 10*time.Second) // Anna, Emil; Ben refused
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, cn, _ := ms.Progress(ctx, c.admin, id)
		if cn[mail.StateFailed] == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("counts %v", cn)
		}
		time.Sleep(20 * time.Millisecond)
	}
	n, err := ms.Retry(ctx, c.admin, id, false)
	if err != nil || n != 1 {
		t.Fatalf("retry: %d %v", n, err)
	}
	srv.WaitFor(t, 3, 10*time.Second)
	if err := ms.Cancel(ctx, c.admin, id); err != nil {
		t.Fatal(err)
	}
	if _, err := ms.Retry(ctx, c.admin, id, false); !errors.Is(err, mail.ErrState) {
		t.Errorf("retry after cancel: %v", err)
	}
	if per := srv.PerRecipient(); per["ben.eltern@example.org"] != 1 || per["anna.eltern@example.org"] != 1 {
		t.Errorf("per recipient %v", per)
	}
}
