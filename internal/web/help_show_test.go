package web_test

import (
	"net/http"
	"testing"

	"mila/internal/webtest"
)

// TestHelpShowsTheGuide: /help is the user guide in the viewer's language,
// for anyone, and every page's footer links to it.
func TestHelpShowsTheGuide(t *testing.T) {
	srv := webtest.NewServer(t)
	c := srv.Client()
	res := srv.Get(t, c, "/help")
	body := webtest.Body(t, res)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("help: %d", res.StatusCode)
	}
	mustContain(t, body, "<h1>Mila — user guide</h1>", "<h2>Find a member</h2>", `href="/help"`)
	mustNotContain(t, body, "GUIDE.de.md")
	de := webtest.Body(t, srv.Get(t, c, "/help", "Accept-Language", "de"))
	mustContain(t, de, "<h1>Mila — Anleitung</h1>", "<h2>Ein Mitglied finden</h2>", " Hilfe</a>")
	mustNotContain(t, de, "GUIDE.md")
	mustContain(t, webtest.Body(t, srv.Get(t, c, "/sign-in")), `<a class="link inline-flex items-center gap-1" href="/help">`, " Help</a>")
}
