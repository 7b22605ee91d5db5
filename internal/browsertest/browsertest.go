// Package browsertest drives Debian's Chromium through chromedp for browser
// tests, and checks pages with axe-core.
//
//	func TestMain(m *testing.M) { testpg.Main(m) }
//
//	func TestHome(t *testing.T) {
//		srv := webtest.NewServer(t)
//		b := browsertest.New(t)
//		b.Do(chromedp.Navigate(srv.URL + "/"), chromedp.WaitVisible(chromedp.CSS("h1")))
//		b.Axe()           // fails the test on serious or critical violations
//		b.NoConsoleErrors() // no JS errors, no CSP violations
//	}
//
// Chromium comes from Debian (`apt-get install -y --no-install-recommends
// chromium`; `make test` installs it). Without it a browser test is
// skipped with that hint, so `go test ./...` on a machine without Chromium
// still runs everything else. MILA_REQUIRE_BROWSER=1, which `make test`
// (and so CI) sets, turns the skip into a failure: there the browser
// tests must run.
package browsertest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// ChromiumPath is where Debian installs Chromium. MILA_CHROMIUM overrides it.
const ChromiumPath = "/usr/bin/chromium"

// RequireEnv names the environment variable that makes a missing Chromium
// fail browser tests instead of skipping them (set to 1 by `make test`).
const RequireEnv = "MILA_REQUIRE_BROWSER"

// actionTimeout bounds one Do call so a hung browser fails the test with a
// message instead of hanging until go test's own timeout. It is a safety
// net, not an assertion about speed.
const actionTimeout = 60 * time.Second

// Browser is one headless Chromium with one tab, private to a test.
type Browser struct {
	Ctx context.Context // chromedp context of the tab; use with chromedp.Run for values
	tb  testing.TB

	mu      sync.Mutex
	console []string                 // errors and exceptions the page reported
	marks   map[string]chan struct{} // console.debug markers awaited by syncConsole
	nmark   int
}

// New starts a fresh Chromium (own user-data-dir) for the test; it is
// stopped when the test ends.
func New(tb testing.TB) *Browser {
	tb.Helper()
	exe := ChromiumPath
	if p := os.Getenv("MILA_CHROMIUM"); p != "" {
		exe = p
	}
	if _, err := os.Stat(exe); err != nil {
		msg := fmt.Sprintf("chromium not found at %s: install Debian's chromium (make test does: "+
			"apt-get install -y --no-install-recommends chromium), or set MILA_CHROMIUM to its path", exe)
		if os.Getenv(RequireEnv) == "1" {
			tb.Fatalf("%s; %s=1 (make test) does not allow skipping the browser tests", msg, RequireEnv)
		}
		tb.Skip(msg + "; browser test skipped")
	}

	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox, // we run as root in containers and CI
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("lang", "en-US"),
		chromedp.UserDataDir(tb.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx, chromedp.WithErrorf(func(f string, a ...any) {
		tb.Logf("chromedp: "+f, a...)
	}))
	// The first Run starts the browser; it must not run under a timeout.
	if err := chromedp.Do(ctx); err != nil {
		cancel()
		cancelAlloc()
		tb.Fatalf("start chromium: %v", err)
	}
	b := &Browser{Ctx: ctx, tb: tb, marks: map[string]chan struct{}{}}
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: flashRecorder}); err != nil {
		tb.Fatalf("browser: install flash recorder: %v", err)
	}

	// Collect page errors (exceptions, console.error, CSP violations).
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleDebug && strings.HasPrefix(m.Text, markPrefix) {
				b.mu.Lock()
				if ch, ok := b.marks[m.Text]; ok {
					close(ch)
					delete(b.marks, m.Text)
				}
				b.mu.Unlock()
				continue
			}
			// Network errors are left out: a test that opens a 404 page on
			// purpose would trip them, and handler tests cover the assets.
			if m.IsException() || (m.Type == chromedp.ConsoleError && m.Source != "network") {
				b.mu.Lock()
				b.console = append(b.console, fmt.Sprintf("%s (%s:%d)", m, m.URL, m.Line))
				b.mu.Unlock()
			}
		}
	}()

	tb.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	return b
}

// Do runs the actions in order and fails the test on the first error.
func (b *Browser) Do(actions ...chromedp.Action[chromedp.Void]) {
	b.tb.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, actionTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.tb.Fatalf("browser: %v", err)
	}
}

// Eval evaluates a JavaScript expression and returns its JSON-decoded value.
func Eval[T any](b *Browser, expr string) T {
	b.tb.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, actionTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.tb.Fatalf("browser: eval %q: %v", expr, err)
	}
	return v
}

// Text returns the visible text of the first element matching the CSS selector.
func (b *Browser) Text(css string) string {
	b.tb.Helper()
	// Read in one script run: an htmx swap between finding the node and
	// reading it (chromedp.Text takes two round trips) would leave a
	// stale node id. Poll until the element is there.
	ctx, cancel := context.WithTimeout(b.Ctx, actionTimeout)
	defer cancel()
	expr := fmt.Sprintf(`(() => { const e = document.querySelector(%q); return e ? e.innerText : null })()`, css)
	for {
		s, err := chromedp.Run(ctx, chromedp.Evaluate[*string](expr))
		if err == nil && s != nil {
			return strings.TrimSpace(*s)
		}
		if ctx.Err() != nil {
			b.tb.Fatalf("browser: text of %s: %v (element not found)", css, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// flashRecorder runs in every new document before the page's scripts and
// remembers each flash message element as it is inserted. Success
// flashes fade after a few seconds (app.js); on a loaded CI machine more
// than that can pass between a page load and the test reading the
// message, so [Browser.Flash] reads the remembered elements, which keep
// their text after they are removed.
const flashRecorder = `(() => {
  const seen = [];
  Object.defineProperty(window, "__browsertestFlashes", { value: seen });
  const take = (n) => {
    if (n.nodeType !== 1) return;
    if (n.matches("[data-flash]") && !seen.includes(n)) seen.push(n);
    n.querySelectorAll("[data-flash]").forEach((e) => { if (!seen.includes(e)) seen.push(e); });
  };
  new MutationObserver((records) => {
    for (const r of records) r.addedNodes.forEach(take);
  }).observe(document, { childList: true, subtree: true });
})();`

// Flash returns the text of every flash message the current page has
// shown, including success messages that have already faded, one per
// line.
func (b *Browser) Flash() string {
	b.tb.Helper()
	return Eval[string](b, `(window.__browsertestFlashes || []).map((e) => e.textContent.replace(/\s+/g, " ").trim()).join("\n")`)
}

const markPrefix = "browsertest-mark-"

// syncConsole writes a marker to the page's console and waits until the
// collector has seen it. The browser sends console events in order, so
// every message the page produced before has then been collected: no
// sleeping, no race.
func (b *Browser) syncConsole() {
	b.tb.Helper()
	b.mu.Lock()
	b.nmark++
	mark := fmt.Sprintf("%s%d", markPrefix, b.nmark)
	ch := make(chan struct{})
	b.marks[mark] = ch
	b.mu.Unlock()
	ctx, cancel := context.WithTimeout(b.Ctx, actionTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](fmt.Sprintf("console.debug(%q)", mark))); err != nil {
		b.tb.Fatalf("browser: console marker: %v", err)
	}
	select {
	case <-ch:
	case <-ctx.Done():
		b.tb.Fatalf("browser: console marker never arrived: %v", ctx.Err())
	}
}

// ConsoleErrors returns the errors the pages have reported so far.
func (b *Browser) ConsoleErrors() []string {
	b.tb.Helper()
	b.syncConsole()
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.console...)
}

// NoConsoleErrors fails the test if a page threw an exception, logged an
// error or violated the Content-Security-Policy.
func (b *Browser) NoConsoleErrors() {
	b.tb.Helper()
	if errs := b.ConsoleErrors(); len(errs) > 0 {
		b.tb.Errorf("the page reported errors:\n  %s", strings.Join(errs, "\n  "))
	}
}

// Screenshot saves a PNG of the viewport (for looking at a page while
// writing a test).
func (b *Browser) Screenshot(path string) {
	b.tb.Helper()
	png, err := chromedp.Run(b.Ctx, chromedp.CaptureScreenshot())
	if err != nil {
		b.tb.Fatalf("browser: screenshot: %v", err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.tb.Fatal(err)
	}
}

// moduleRoot finds the directory holding go.mod, from the test's directory up.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("go.mod not found above the working directory")
		}
		dir = parent
	}
}

var (
	axeOnce sync.Once
	axeSrc  string
	axeErr  error
)

func axeSource() (string, error) {
	axeOnce.Do(func() {
		root, err := moduleRoot()
		if err != nil {
			axeErr = err
			return
		}
		b, err := os.ReadFile(filepath.Join(root, "node_modules", "axe-core", "axe.min.js"))
		if err != nil {
			axeErr = fmt.Errorf("%w (run `npm ci` in %s)", err, root)
			return
		}
		axeSrc = string(b)
	})
	return axeSrc, axeErr
}

// AxeViolation is one failed axe rule with the elements that fail it.
type AxeViolation struct {
	ID      string    `json:"id"`
	Impact  string    `json:"impact"`
	Help    string    `json:"help"`
	HelpURL string    `json:"helpUrl"`
	Nodes   []AxeNode `json:"nodes"`
}

// AxeNode is one element that fails a rule.
type AxeNode struct {
	Target  string `json:"target"`
	HTML    string `json:"html"`
	Summary string `json:"summary"`
}

// axeRun runs axe on the page against WCAG 2.1 A/AA and best practices,
// returning a trimmed-down list of the violations.
const axeRun = `axe.run(document, {
  runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']},
  resultTypes: ['violations']
}).then(r => r.violations.map(v => ({
  id: v.id, impact: v.impact || '', help: v.help, helpUrl: v.helpUrl,
  nodes: v.nodes.map(n => ({target: n.target.join(' '), html: n.html, summary: n.failureSummary || ''}))
})))`

// AxeViolations runs axe-core on the current page and returns all violations.
func (b *Browser) AxeViolations() []AxeViolation {
	b.tb.Helper()
	src, err := axeSource()
	if err != nil {
		b.tb.Fatalf("axe-core: %v", err)
	}
	ctx, cancel := context.WithTimeout(b.Ctx, actionTimeout)
	defer cancel()
	// Runtime.evaluate is not subject to the page's CSP, so axe can be
	// injected into our strict pages as they are.
	loaded, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`typeof window.axe === 'object'`))
	if err != nil {
		b.tb.Fatalf("axe-core: %v", err)
	}
	if !loaded {
		if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](src)); err != nil {
			b.tb.Fatalf("axe-core: inject: %v", err)
		}
	}
	// Let transitions end first (a dialog fading in, a flash fading out):
	// mid-animation colours are half transparent, and axe would judge
	// their contrast as they happen to be at that instant. Only
	// time-driven ones: a scroll-driven animation (daisyUI's scroll lock
	// under an open modal) never finishes while the page can scroll.
	// An animation still running after a few seconds (seen once on a
	// loaded CI machine: one whose finished promise never settled) is
	// jumped to its end, as it would look when done.
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](
		`(() => { const timed = () => document.getAnimations().filter(a => a.timeline === document.timeline && (!a.effect || a.effect.getComputedTiming().endTime !== Infinity));
		  return Promise.race([Promise.all(timed().map(a => a.finished.catch(() => {}))), new Promise(r => setTimeout(r, 3000))])
		    .then(() => timed().forEach(a => { try { a.finish() } catch (e) {} })) })()`, chromedp.EvalAwaitPromise)); err != nil {
		b.tb.Fatalf("axe-core: wait for animations: %v", err)
	}
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[[]byte](axeRun, chromedp.EvalAwaitPromise))
	if err != nil {
		b.tb.Fatalf("axe-core: run: %v", err)
	}
	var vs []AxeViolation
	if err := json.Unmarshal(raw, &vs); err != nil {
		b.tb.Fatalf("axe-core: decode result: %v", err)
	}
	return vs
}

// Axe fails the test if the current page has serious or critical
// accessibility violations; minor and moderate ones are logged.
func (b *Browser) Axe() {
	b.tb.Helper()
	url, _ := chromedp.Run(b.Ctx, chromedp.Location())
	var bad, other []AxeViolation
	for _, v := range b.AxeViolations() {
		if v.Impact == "serious" || v.Impact == "critical" {
			bad = append(bad, v)
		} else {
			other = append(other, v)
		}
	}
	if len(other) > 0 {
		b.tb.Logf("axe: minor issues on %s:\n%s", url, FormatViolations(other))
	}
	if len(bad) > 0 {
		b.tb.Errorf("axe: serious accessibility violations on %s:\n%s", url, FormatViolations(bad))
	}
}

// FormatViolations makes a readable report of violations.
func FormatViolations(vs []AxeViolation) string {
	var sb strings.Builder
	for _, v := range vs {
		fmt.Fprintf(&sb, "- [%s] %s: %s\n  %s\n", v.Impact, v.ID, v.Help, v.HelpURL)
		for _, n := range v.Nodes {
			fmt.Fprintf(&sb, "    at %s\n      %s\n", n.Target, n.HTML)
			if n.Summary != "" {
				fmt.Fprintf(&sb, "      %s\n", strings.ReplaceAll(n.Summary, "\n", "\n      "))
			}
		}
	}
	return sb.String()
}
