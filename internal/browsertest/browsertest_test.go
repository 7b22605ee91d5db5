package browsertest

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestReportsCSPViolations makes sure NoConsoleErrors would notice an inline
// script blocked by the CSP, so the e2e tests really guard it.
func TestReportsCSPViolations(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'self'")
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte(`<!doctype html><html lang="en"><title>x</title><h1>x</h1><script>document.title='ran'</script><main><p id="done">done</p></main>`))
	}))
	defer srv.Close()
	b := New(t)
	b.Do(chromedp.Navigate(srv.URL), chromedp.WaitVisible(chromedp.CSS("#done")))
	if Eval[string](b, `document.title`) == "ran" {
		t.Fatal("inline script ran despite the CSP")
	}
	if len(b.ConsoleErrors()) == 0 {
		t.Error("CSP violation not reported")
	}
}
