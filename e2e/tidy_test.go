package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"mila/internal/browsertest"
	"mila/internal/mail"
	"mila/internal/mail/mailtest"
	"mila/internal/web"
	"mila/internal/webtest"
)

// TestBrowserAccountNameColumnsAndViewMailing: a board member renames
// themselves on "My account" (the header follows), opens an overview
// address whose column list has a semicolon and an unknown key (the
// columns shown, the unknown one named), and writes a mailing to the
// overview's current view from its quick link — the form carries the
// view, not a field per member — whose page says where the recipients
// came from. In English and German, axe on every page.
func TestBrowserAccountNameColumnsAndViewMailing(t *testing.T) {
	smtp := mailtest.Start(t, mailtest.Options{})
	cfg, err := mail.ParseConfig(smtp.URL(), "Verein <verein@example.org>", "0", "")
	if err != nil {
		t.Fatal(err)
	}
	srv := webtest.NewServer(t, func(c *web.Config) { c.Mail = cfg })
	seedAccounts(t, srv)
	mailE2EClub(t, srv)

	b := browsertest.New(t)
	groupSignIn(b, srv, "board@example.org")
	for _, lang := range []struct {
		code, name, unknown, source string
	}{
		{"en", "Berta Beirat", "not shown: telefon", "Member overview: Active members · Search: “Muster”"},
		{"de", "Berta Vorstand", "nicht angezeigt: telefon", "Mitgliederübersicht: Aktive Mitglieder · Suche: „Muster“"},
	} {
		b.Do(chromedp.Navigate(srv.URL+"/lang?l="+lang.code+"&return_to=%2Faccount"),
			chromedp.WaitVisible(chromedp.CSS(`html[lang="`+lang.code+`"] #account-name`)))
		b.Axe()
		// The answer is /account again: mark this document, then wait for
		// the name in one without the mark.
		browsertest.Eval[bool](b, `document.body.dataset.before = "1"; true`)
		b.Do(chromedp.Clear(chromedp.CSS(`#field-name`)), chromedp.SendKeys(chromedp.CSS(`#field-name`), lang.name),
			chromedp.Submit(chromedp.CSS(`#field-name`)), chromedp.WaitVisible(chromedp.CSS(`body:not([data-before]) #account-name`)))
		if got := b.Text(`#account-name`); got != lang.name {
			t.Errorf("%s: account shows the name %q", lang.code, got)
		}
		b.Axe()
		if got := b.Text(`[data-testid="signed-in-name"]`); got != lang.name {
			t.Errorf("%s: header names %q", lang.code, got)
		}

		b.Do(chromedp.Navigate(srv.URL+"/members?cols=email;telefon"), chromedp.WaitVisible(chromedp.CSS(`#columns-unknown`)))
		b.Axe()
		if got := b.Text(`#columns-unknown`); !strings.Contains(got, lang.unknown) {
			t.Errorf("%s: notice %q", lang.code, got)
		}

		b.Do(chromedp.Navigate(srv.URL+"/members?q=Muster"), chromedp.WaitVisible(chromedp.CSS(`a[href^="/mailings/new?overview="]`)),
			chromedp.Click(chromedp.CSS(`a[href^="/mailings/new?overview="]`)), chromedp.WaitVisible(chromedp.CSS(`#mailing-overview`)))
		b.Axe()
		if got := b.Text(`#mailing-overview`); got != lang.source {
			t.Errorf("%s: the form names the view %q, want %q", lang.code, got, lang.source)
		}
		if n := browsertest.Eval[int](b, `document.querySelectorAll('input[name="member_id"]').length`); n != 0 {
			t.Errorf("%s: %d member id fields in the form", lang.code, n)
		}
		b.Do(
			chromedp.SendKeys(chromedp.CSS(`#field-subject`), "Hallo {{first_name}}"),
			chromedp.SendKeys(chromedp.CSS(`#field-body`), "Bis Dienstag."),
			chromedp.Click(chromedp.CSS(`button[name="do"][value="send"]`)),
			chromedp.WaitVisible(chromedp.CSS(`#mailing-source`)),
		)
		b.Axe()
		if got := b.Text(`#mailing-source`); got != lang.source {
			t.Errorf("%s: the mailing's source %q, want %q", lang.code, got, lang.source)
		}
	}
	b.NoConsoleErrors()
}
