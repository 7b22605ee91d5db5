package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"mila/internal/browsertest"
	"mila/internal/webtest"
)

// TestBrowserHomeAndClubSettings: the admin's home page of a new
// installation shows the first steps; the club settings form takes a name
// and an accent colour, refuses an unreadable one next to the field, and
// the header then shows the club's name in its colour — in English and
// German, with axe on every page.
func TestBrowserHomeAndClubSettings(t *testing.T) {
	srv := webtest.NewServer(t)
	seedAccounts(t, srv)
	b := browsertest.New(t)
	b.Do(chromedp.Navigate(srv.URL + "/sign-in"))
	signInWith(b, "admin@example.org", e2ePassword)
	b.Do(chromedp.WaitVisible(chromedp.CSS(`#home-steps`)))
	if got := b.Text(`section[aria-labelledby="home-steps"] ol`); !strings.Contains(got, "Enter the club's name and logo") {
		t.Errorf("first steps: %q", got)
	}
	b.Axe()

	b.Do(chromedp.Navigate(srv.URL+"/admin/settings"), chromedp.WaitVisible(chromedp.CSS(`#field-name`)))
	b.Axe()
	b.Do(
		chromedp.SendKeys(chromedp.CSS(`#field-name`), "TSV Musterstadt"),
		chromedp.SendKeys(chromedp.CSS(`#field-accent`), "#ffd700"),
		chromedp.Submit(chromedp.CSS(`#field-name`)),
		chromedp.WaitVisible(chromedp.CSS(`#field-accent-error`)),
	)
	if got := b.Text("#field-accent-error"); !strings.Contains(got, "hard to read") {
		t.Errorf("accent error: %q", got)
	}
	b.Axe()
	b.Do(
		chromedp.SetValue(chromedp.CSS(`#field-accent`), "#1a5fb4"),
		chromedp.Submit(chromedp.CSS(`#field-name`)),
		chromedp.WaitNotPresent(chromedp.CSS(`#field-accent-error`)),
		chromedp.WaitVisible(chromedp.CSS(`#field-name`)),
	)
	if got := b.Text("header a[href='/']"); got != "TSV Musterstadt" {
		t.Errorf("header brand: %q", got)
	}
	if bg := browsertest.Eval[string](b, `getComputedStyle(document.querySelector('form[action="/admin/settings"] button[type=submit]')).backgroundColor`); bg != "rgb(26, 95, 180)" {
		t.Errorf("primary button colour %q, want the accent", bg)
	}
	b.Axe()

	// German: the home page names the club and still lists the open steps.
	b.Do(chromedp.Click(chromedp.CSS(`button[name="l"][value="de"]`)), chromedp.WaitVisible(chromedp.CSS(`html[lang="de"] h1`)))
	b.Do(chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(chromedp.CSS(`#home-steps`)))
	if got := b.Text("h1"); got != "TSV Musterstadt" {
		t.Errorf("home h1: %q", got)
	}
	if got := b.Text("#home-numbers"); got != "Das Mitgliederverzeichnis auf einen Blick" {
		t.Errorf("dashboard heading: %q", got)
	}
	b.Axe()
	b.Do(chromedp.Navigate(srv.URL+"/admin/settings"), chromedp.WaitVisible(chromedp.CSS(`#field-name`)))
	b.Axe()
	b.NoConsoleErrors()
}
