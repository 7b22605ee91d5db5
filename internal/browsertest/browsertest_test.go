package browsertest

import (
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
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

// TestMissingChromium: without Chromium a browser test is skipped with the
// install hint, and fails instead under MILA_REQUIRE_BROWSER=1 (make test).
// It runs this test binary again with MILA_CHROMIUM pointing nowhere.
func TestMissingChromium(t *testing.T) {
	if os.Getenv("BROWSERTEST_MISSING_CHILD") == "1" {
		New(t)
		t.Fatal("New returned without Chromium")
	}
	for _, tc := range []struct {
		require  string
		wantFail bool
		want     string
	}{
		{require: "", wantFail: false, want: "--- SKIP: TestMissingChromium"},
		{require: "1", wantFail: true, want: "--- FAIL: TestMissingChromium"},
	} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestMissingChromium$", "-test.v")
		cmd.Env = append(os.Environ(), "BROWSERTEST_MISSING_CHILD=1", "MILA_CHROMIUM=/nonexistent/chromium", RequireEnv+"="+tc.require)
		out, err := cmd.CombinedOutput()
		if failed := err != nil; failed != tc.wantFail {
			t.Errorf("%s=%q: failed %v, want %v\n%s", RequireEnv, tc.require, failed, tc.wantFail, out)
		}
		for _, want := range []string{tc.want, "chromium not found at /nonexistent/chromium: install Debian's chromium (make test does"} {
			if !strings.Contains(string(out), want) {
				t.Errorf("%s=%q: output lacks %q:\n%s", RequireEnv, tc.require, want, out)
			}
		}
	}
}
