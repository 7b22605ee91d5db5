package e2e

import (
	"testing"

	"github.com/chromedp/chromedp"

	"mila/internal/browsertest"
	"mila/internal/webtest"
)

// TestHomeLanguageSwitch opens the home page, switches to German and back
// with the header's language buttons, and runs axe on every page.
func TestHomeLanguageSwitch(t *testing.T) {
	srv := webtest.NewServer(t)
	b := browsertest.New(t)

	b.Do(chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(chromedp.CSS("h1")))
	checkPage(t, b, "en", "Welcome to Mila")

	b.Do(chromedp.Click(chromedp.CSS(`button[name="l"][value="de"]`)), chromedp.WaitVisible(chromedp.CSS(`html[lang="de"] h1`)))
	checkPage(t, b, "de", "Willkommen bei Mila")

	b.Do(chromedp.Click(chromedp.CSS(`button[name="l"][value="en"]`)), chromedp.WaitVisible(chromedp.CSS(`html[lang="en"] h1`)))
	checkPage(t, b, "en", "Welcome to Mila")

	// The 404 page keeps the chosen language and the layout.
	b.Do(chromedp.Navigate(srv.URL+"/no-such-page"), chromedp.WaitVisible(chromedp.CSS("h1")))
	checkPage(t, b, "en", "Page not found")

	b.NoConsoleErrors()
}

// TestHomeOnAPhone checks the layout at 360 px: nothing is wider than the
// screen, so nothing scrolls sideways.
func TestHomeOnAPhone(t *testing.T) {
	srv := webtest.NewServer(t)
	b := browsertest.New(t)
	b.Do(chromedp.EmulateViewport(360, 740, chromedp.EmulateMobile),
		chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(chromedp.CSS("h1")))
	if w := browsertest.Eval[int](b, `document.documentElement.scrollWidth`); w > 360 {
		t.Errorf("page is %d px wide at a 360 px viewport", w)
	}
	b.Axe()
	b.NoConsoleErrors()
}

// TestSkipLink: the first Tab reaches the skip link, and it leads to <main>.
func TestSkipLink(t *testing.T) {
	srv := webtest.NewServer(t)
	b := browsertest.New(t)
	b.Do(chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(chromedp.CSS("h1")),
		chromedp.KeyEvent("\t"))
	if got := browsertest.Eval[string](b, `document.activeElement.getAttribute('href')`); got != "#main" {
		t.Fatalf("first Tab focuses %q, want the skip link", got)
	}
	if v := browsertest.Eval[bool](b, `(r => r.width > 1 && r.height > 1)(document.activeElement.getBoundingClientRect())`); !v {
		t.Error("focused skip link is not visible")
	}
	b.Do(chromedp.KeyEvent("\r"))
	if got := browsertest.Eval[string](b, `document.activeElement.id`); got != "main" {
		t.Errorf("after the skip link, focus is on %q, want main", got)
	}
}

func checkPage(t *testing.T, b *browsertest.Browser, lang, heading string) {
	t.Helper()
	if got := browsertest.Eval[string](b, `document.documentElement.lang`); got != lang {
		t.Errorf("html lang = %q, want %q", got, lang)
	}
	if got := b.Text("h1"); got != heading {
		t.Errorf("h1 = %q, want %q", got, heading)
	}
	b.Axe()
}
