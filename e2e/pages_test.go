package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"mila/internal/accounts"
	"mila/internal/browsertest"
	"mila/internal/webtest"
)

// TestBrowserRemainingPages opens, with axe, the pages the other browser
// tests do not reach: the empty installation's sign-in page and the setup
// link (valid and spent), the one-time link an admin hands on and the
// set-password page it leads to, a custom role's edit and delete pages,
// the 403 page, the 404 page in German, and an own_data user without a
// linked member.
func TestBrowserRemainingPages(t *testing.T) {
	srv := webtest.NewServer(t)
	ctx := context.Background()
	svc := accounts.New(srv.DB)
	b := browsertest.New(t)

	// An empty installation says what to do, and the setup link works once.
	b.Do(chromedp.Navigate(srv.URL+"/sign-in"), chromedp.WaitVisible(chromedp.CSS(`h1`)))
	if got := b.Text("main"); !strings.Contains(got, "admin create") {
		t.Errorf("empty sign-in page does not say how to start: %q", got)
	}
	b.Axe()
	tok, err := svc.NewSetupToken(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b.Do(chromedp.Navigate(srv.URL+"/setup?token="+tok), chromedp.WaitVisible(chromedp.CSS(`#field-email`)))
	b.Axe()
	b.Do(
		chromedp.SendKeys(chromedp.CSS(`#field-name`), "Ada Admin"),
		chromedp.SendKeys(chromedp.CSS(`#field-email`), "admin@example.org"),
		chromedp.SendKeys(chromedp.CSS(`#field-password`), e2ePassword),
		chromedp.SendKeys(chromedp.CSS(`#field-password_confirm`), e2ePassword),
		chromedp.Submit(chromedp.CSS(`#field-password`)),
		chromedp.WaitNotPresent(chromedp.CSS(`#field-password_confirm`)),
	)
	// The spent link no longer shows the setup form; an unknown link says
	// it no longer works.
	b.Do(chromedp.Navigate(srv.URL+"/setup?token="+tok), chromedp.WaitVisible(chromedp.CSS(`h1`)))
	if browsertest.Eval[bool](b, `!!document.querySelector('#field-password_confirm')`) {
		t.Error("a spent setup link still shows the setup form")
	}
	b.Do(chromedp.Navigate(srv.URL+"/set-password?token=not-a-token"), chromedp.WaitVisible(chromedp.CSS(`h1`)))
	if got := b.Text("h1"); got != "This link no longer works" {
		t.Errorf("unknown link: h1 = %q", got)
	}
	b.Axe()

	// The admin creates a user with a one-time link, which sets a password.
	b.Do(chromedp.Navigate(srv.URL + "/users/new"))
	if browsertest.Eval[bool](b, `!!document.querySelector('#field-email') === false`) {
		signInWith(b, "admin@example.org", e2ePassword)
	}
	b.Do(
		chromedp.WaitVisible(chromedp.CSS(`#field-email`)),
		chromedp.SendKeys(chromedp.CSS(`#field-name`), "Nora Nomember"),
		chromedp.SendKeys(chromedp.CSS(`#field-email`), "nomember@example.org"),
		chromedp.SetValue(chromedp.CSS(`#field-role_id`), roleID(t, srv, "member")),
		chromedp.Click(chromedp.CSS(`input[name="password_mode"][value="link"]`)),
		chromedp.Submit(chromedp.CSS(`#field-email`)),
		chromedp.WaitVisible(chromedp.CSS(`main input[readonly], main code`)),
	)
	b.Axe()
	link := browsertest.Eval[string](b, `(document.querySelector('main input[readonly]') || document.querySelector('main code')).value || document.querySelector('main code').textContent`)
	if !strings.Contains(link, "/set-password?token=") {
		t.Fatalf("one-time link = %q", link)
	}

	// A custom role: its edit and delete pages.
	b.Do(chromedp.Navigate(srv.URL+"/admin/roles/new"), chromedp.WaitVisible(chromedp.CSS(`#field-name`)))
	b.Do(
		chromedp.SendKeys(chromedp.CSS(`#field-name`), "Kassenprüfung"),
		chromedp.SetValue(chromedp.CSS(`#field-permission_set`), "read_only"),
		chromedp.Submit(chromedp.CSS(`#field-name`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-flash="success"]`)),
	)
	var roleIDCustom string
	if err := srv.DB.QueryRow(ctx, `SELECT id FROM roles WHERE name = 'Kassenprüfung'`).Scan(&roleIDCustom); err != nil {
		t.Fatal(err)
	}
	b.Do(chromedp.Navigate(srv.URL+"/admin/roles/"+roleIDCustom), chromedp.WaitVisible(chromedp.CSS(`#field-name`)))
	b.Axe()
	b.Do(chromedp.Navigate(srv.URL+"/admin/roles/"+roleIDCustom+"/delete"), chromedp.WaitVisible(chromedp.CSS(`form[action$="/delete"]`)))
	b.Axe()

	// Sign out; the new user follows the link and chooses a password.
	b.Do(chromedp.Click(chromedp.CSS(`form[action="/sign-out"] button`)), chromedp.WaitVisible(chromedp.CSS(`form[action^="/sign-in"]`)))
	b.Do(chromedp.Navigate(srv.URL+link[strings.Index(link, "/set-password"):]), chromedp.WaitVisible(chromedp.CSS(`#field-password_confirm`)))
	b.Axe()
	b.Do(
		chromedp.SendKeys(chromedp.CSS(`#field-password`), "a password of mine"),
		chromedp.SendKeys(chromedp.CSS(`#field-password_confirm`), "a password of mine"),
		chromedp.Submit(chromedp.CSS(`#field-password`)),
		chromedp.WaitNotPresent(chromedp.CSS(`#field-password_confirm`)),
	)

	// own_data without a linked member: /members explains; /users/new is 403.
	b.Do(chromedp.Navigate(srv.URL + "/members"))
	if browsertest.Eval[bool](b, `!!document.querySelector('#field-email')`) {
		signInWith(b, "nomember@example.org", "a password of mine")
		b.Do(chromedp.WaitNotPresent(chromedp.CSS(`form[action="/sign-in"]`)))
		b.Do(chromedp.Navigate(srv.URL + "/members"))
	}
	b.Do(chromedp.WaitVisible(chromedp.CSS(`h1`)))
	if strings.Contains(b.Text("main"), "members ·") {
		t.Errorf("own_data without a member sees the overview")
	}
	b.Axe()
	b.Do(chromedp.Navigate(srv.URL+"/users/new"), chromedp.WaitVisible(chromedp.CSS(`h1`)))
	if browsertest.Eval[bool](b, `!!document.querySelector('form[action="/users"]')`) {
		t.Error("an own_data user sees the new-user form")
	}
	if who := browsertest.Eval[string](b, `document.querySelector('header') ? document.querySelector('header').textContent : ''`); strings.Contains(who, "Users") {
		t.Errorf("an own_data user's navigation offers Users")
	}
	b.Axe()

	// The 404 page in German.
	b.Do(chromedp.Navigate(srv.URL+"/lang?l=de&return_to=/gibt-es-nicht"), chromedp.WaitVisible(chromedp.CSS(`h1`)))
	if lang := browsertest.Eval[string](b, `document.documentElement.lang`); lang != "de" {
		t.Errorf("404 page lang = %q", lang)
	}
	b.Axe()
	// The 404 page has the signed-in header (issue 18), and the footer's
	// Help opens the user guide in German, then in English.
	if !browsertest.Eval[bool](b, `!!document.querySelector('form[action="/sign-out"]')`) {
		t.Error("the signed-in 404 page has no header with sign-out")
	}
	b.Do(chromedp.Click(chromedp.CSS(`footer a[href="/help"]`), chromedp.NodeVisible), chromedp.WaitVisible(chromedp.CSS(`article.guide h1`)))
	if got := b.Text("article.guide h1"); got != "Mila — Anleitung" {
		t.Errorf("help in German: h1 = %q", got)
	}
	b.Axe()
	b.Do(chromedp.Navigate(srv.URL+"/lang?l=en&return_to=/help"), chromedp.WaitVisible(chromedp.CSS(`article.guide h1`)))
	if got := b.Text("article.guide h1"); got != "Mila — user guide" {
		t.Errorf("help in English: h1 = %q", got)
	}
	b.Axe()
	b.NoConsoleErrors()
}
