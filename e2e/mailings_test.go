package e2e

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"mila/internal/browsertest"
	"mila/internal/mail"
	"mila/internal/mail/mailtest"
	"mila/internal/web"
	"mila/internal/webtest"
)

// mailE2EClub adds the Jugend U14 group: Anna and Ben with their
// parents' addresses, Cleo without one.
func mailE2EClub(t *testing.T, srv *webtest.Server) map[string]string {
	t.Helper()
	ctx := context.Background()
	ids := map[string]string{}
	var gid string
	if err := srv.DB.QueryRow(ctx, `INSERT INTO groups (name, slug) VALUES ('Jugend U14', 'jugend-u14') RETURNING id`).Scan(&gid); err != nil {
		t.Fatal(err)
	}
	for first, email := range map[string]any{"Anna": "anna.eltern@example.org", "Ben": "ben.eltern@example.org", "Cleo": nil} {
		var id string
		if err := srv.DB.QueryRow(ctx, `INSERT INTO members (first_name, last_name, email) VALUES ($1, 'Muster', $2) RETURNING id`, first, email).Scan(&id); err != nil {
			t.Fatal(err)
		}
		if _, err := srv.DB.Exec(ctx, `INSERT INTO member_groups (member_id, group_id) VALUES ($1, $2)`, id, gid); err != nil {
			t.Fatal(err)
		}
		ids[first] = id
	}
	return ids
}

// TestBrowserMailingFlow: a board member writes to Jugend U14 with each
// parent's first name, previews it, sends it and watches the progress
// until both messages are sent; the group page's quick paths, the member
// page, the opt-out page and the password reset page — in English and in
// German, with axe on every page.
func TestBrowserMailingFlow(t *testing.T) {
	smtp := mailtest.Start(t, mailtest.Options{})
	cfg, err := mail.ParseConfig(smtp.URL(), "Verein <verein@example.org>", "0", "")
	if err != nil {
		t.Fatal(err)
	}
	srv := webtest.NewServer(t, func(c *web.Config) { c.Mail = cfg })
	seedAccounts(t, srv)
	ids := mailE2EClub(t, srv)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		w := mail.Worker{DB: srv.DB, Config: cfg, Poll: 20 * time.Millisecond}
		w.Run(ctx)
	}()
	t.Cleanup(func() { cancel(); wg.Wait() })

	b := browsertest.New(t)
	groupSignIn(b, srv, "board@example.org")
	for i, lang := range []struct {
		code, write, preview, sent, subject string
	}{
		{"en", "Write mailing", "Preview for Anna Muster", "Sent", "Training for {{first_name}}"},
		{"de", "Rundschreiben schreiben", "Vorschau für Anna Muster", "Gesendet", "Training für {{first_name}}"},
	} {
		b.Do(chromedp.Navigate(srv.URL+"/lang?l="+lang.code+"&return_to=%2Fgroups%2Fjugend-u14"),
			chromedp.WaitVisible(chromedp.CSS(`html[lang="`+lang.code+`"] a[href^="/mailings/new?group=jugend-u14"]`)))
		b.Axe()
		if got := b.Text(`a[href^="/mailings/new?group=jugend-u14"]`); got != lang.write {
			t.Errorf("%s: quick link %q", lang.code, got)
		}
		b.Do(chromedp.Click(chromedp.CSS(`a[href^="/mailings/addresses?group=jugend-u14"]`)), chromedp.WaitVisible(chromedp.CSS(`#addresses`)))
		b.Axe()
		if got := browsertest.Eval[string](b, `document.querySelector('#addresses').value`); !strings.Contains(got, "anna.eltern@example.org") {
			t.Errorf("%s: addresses %q", lang.code, got)
		}
		b.Do(chromedp.Navigate(srv.URL+"/groups/jugend-u14"), chromedp.WaitVisible(chromedp.CSS(`a[href^="/mailings/new?group=jugend-u14"]`)),
			chromedp.Click(chromedp.CSS(`a[href^="/mailings/new?group=jugend-u14"]`)), chromedp.WaitVisible(chromedp.CSS(`#field-subject`)))
		b.Axe()
		b.Do(
			chromedp.SendKeys(chromedp.CSS(`#field-subject`), lang.subject),
			chromedp.SendKeys(chromedp.CSS(`#field-body`), "**{{first_name}}** trainiert am Dienstag."),
			chromedp.Click(chromedp.CSS(`button[name="do"][value="preview"]`)),
			chromedp.WaitVisible(chromedp.CSS(`#mailing-preview`)),
		)
		b.Axe()
		if got := b.Text(`#mailing-preview-title`); got != lang.preview {
			t.Errorf("%s: preview title %q", lang.code, got)
		}
		if got := b.Text(`#mailing-preview strong`); got != "Anna" {
			t.Errorf("%s: preview greets %q", lang.code, got)
		}
		b.Do(chromedp.Click(chromedp.CSS(`button[name="do"][value="send"]`)), chromedp.WaitVisible(chromedp.CSS(`#mailing-progress`)))
		b.Axe()
		// htmx polls the progress until both messages are sent.
		memberE2EWait(t, b, `(document.querySelector('#mailing-progress dd[data-state="sent"]')||{}).textContent === '2'`)
		b.Axe()
		if got := b.Text(`#mailing-skipped`); !strings.Contains(got, "Cleo Muster") {
			t.Errorf("%s: skipped %q", lang.code, got)
		}
		if got := b.Text(`#mailing-progress h2`); !strings.Contains(got, lang.sent) && !strings.Contains(b.Text(`#mailing-progress`), lang.sent) {
			t.Errorf("%s: progress %q", lang.code, got)
		}
		if n := len(smtp.Messages()); n != 2*(i+1) {
			t.Errorf("%s: %d messages at the server", lang.code, n)
		}
		b.Do(chromedp.Navigate(srv.URL+"/members/"+ids["Anna"]), chromedp.WaitVisible(chromedp.CSS(`#member-mailings`)))
		b.Axe()
		b.Do(chromedp.Navigate(srv.URL+"/mailings"), chromedp.WaitVisible(chromedp.CSS(`table`)))
		b.Axe()
	}
	b.NoConsoleErrors()

	// Without signing in: the opt-out page and the password reset page.
	anon := browsertest.New(t)
	key, err := mail.UnsubscribeKey(context.Background(), srv.DB)
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"en", "de"} {
		anon.Do(chromedp.Navigate(srv.URL+"/lang?l="+lang+"&return_to=%2Fforgot-password"),
			chromedp.WaitVisible(chromedp.CSS(`html[lang="`+lang+`"] #field-email`)))
		anon.Axe()
		anon.Do(chromedp.SendKeys(chromedp.CSS(`#field-email`), "board@example.org"), chromedp.Submit(chromedp.CSS(`#field-email`)),
			chromedp.WaitVisible(chromedp.CSS(`#forgot-sent`)))
		anon.Axe()
		anon.Do(chromedp.Navigate(srv.URL+"/unsubscribe?m="+ids["Ben"]+"&t="+mail.UnsubscribeToken(key, ids["Ben"])),
			chromedp.WaitVisible(chromedp.CSS(`form[action="/unsubscribe"] button`)))
		anon.Axe()
	}
	anon.Do(chromedp.Click(chromedp.CSS(`form[action="/unsubscribe"] button`)), chromedp.WaitVisible(chromedp.CSS(`#opt-out-done`)))
	anon.Axe()
	anon.NoConsoleErrors()
}
