package e2e

import (
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"mila/internal/browsertest"
	"mila/internal/webtest"
)

// TestBrowserAdministrationMenu: the header's Administration menu opens
// from the keyboard, shows its pages with their icons, closes on Escape
// with focus back on its button and on a click elsewhere; axe with the
// menu open, in English and German.
func TestBrowserAdministrationMenu(t *testing.T) {
	srv := webtest.NewServer(t)
	seedAccounts(t, srv)
	b := browsertest.New(t)
	groupSignIn(b, srv, "admin@example.org")
	summary := `header nav.hidden details[data-menu] > summary`
	for _, c := range []struct{ lang, admin string }{{"en", "Administration"}, {"de", "Verwaltung"}} {
		if c.lang == "de" {
			b.Do(chromedp.Click(chromedp.CSS(`button[name="l"][value="de"]`)), chromedp.WaitVisible(chromedp.CSS(`html[lang="de"] h1`)))
		}
		b.Do(chromedp.Navigate(srv.URL+"/members"), chromedp.WaitVisible(chromedp.CSS(summary)))
		if got := b.Text(summary); got != c.admin {
			t.Errorf("%s: menu button %q", c.lang, got)
		}
		b.Do(chromedp.Focus(chromedp.CSS(summary)), chromedp.KeyEvent(kb.Enter),
			chromedp.WaitVisible(chromedp.CSS(`header nav.hidden details[data-menu][open] a[href="/admin/fields"]`)))
		if n := browsertest.Eval[int](b, `document.querySelectorAll('header nav.hidden details[data-menu][open] a svg.icon[aria-hidden="true"]').length`); n < 5 {
			t.Errorf("%s: %d icons in the open menu", c.lang, n)
		}
		b.Axe()
		b.Do(chromedp.KeyEvent(kb.Escape), chromedp.WaitNotPresent(chromedp.CSS(`header nav.hidden details[data-menu][open]`)))
		if !browsertest.Eval[bool](b, `document.activeElement && document.activeElement.matches('details[data-menu] > summary')`) {
			t.Errorf("%s: Escape did not give focus back to the menu button", c.lang)
		}
		b.Do(chromedp.Click(chromedp.CSS(summary)), chromedp.WaitVisible(chromedp.CSS(`header nav.hidden details[data-menu][open]`)),
			chromedp.Click(chromedp.CSS(`main h1`)), chromedp.WaitNotPresent(chromedp.CSS(`header nav.hidden details[data-menu][open]`)))
		b.Do(chromedp.Click(chromedp.CSS(summary)), chromedp.Click(chromedp.CSS(`header nav.hidden a[href="/admin/fields"]`)),
			chromedp.WaitVisible(chromedp.CSS(`a[href="/admin/fields/new"]`)))
		if !browsertest.Eval[bool](b, `!!document.querySelector('header nav.hidden details[data-menu] > summary.menu-active')`) {
			t.Errorf("%s: the menu does not show that the current page is in it", c.lang)
		}
		checkPage(t, b, c.lang, browsertest.Eval[string](b, `document.querySelector('h1').textContent.trim()`))
	}
	b.NoConsoleErrors()
}
