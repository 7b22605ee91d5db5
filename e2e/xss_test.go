package e2e

import (
	"context"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"mila/internal/browsertest"
	"mila/internal/membership"
	"mila/internal/webtest"
)

// TestBrowserHostileNamesInert: a member, two groups and a custom field
// value named <script>alert(1)</script> and " onmouseover="alert(1) are
// shown on every page that names them without anything running: no
// alert, confirm or prompt dialog opens (also when every element is
// hovered), no element has an injected handler or script, and the
// console stays free of errors and CSP violations. (security/ checks the
// raw HTML of the same pages and their htmx fragments.)
func TestBrowserHostileNamesInert(t *testing.T) {
	const xss, attr = `<script>alert(1)</script>`, `" onmouseover="alert(1)`
	srv := webtest.NewServer(t)
	seedAccounts(t, srv)
	admin := groupAdmin(t, srv)
	ctx := context.Background()
	f, err := membership.NewCustomFields(srv.DB).Create(ctx, admin, membership.CustomFieldInput{Name: xss, ValueType: membership.CustomFieldString, ShowInOverview: true, Description: attr})
	if err != nil {
		t.Fatal(err)
	}
	m, err := membership.NewMembers(srv.DB).Create(ctx, admin, membership.MemberInput{FirstName: xss, LastName: attr, City: xss, Notes: attr,
		Custom: map[string]string{f.Slug: attr}})
	if err != nil {
		t.Fatal(err)
	}
	g1 := groupSeedGroup(t, srv, admin, xss, m.ID)
	g2 := groupSeedGroup(t, srv, admin, attr, m.ID)

	b := browsertest.New(t)
	var mu sync.Mutex
	var dialogs []string
	dctx, cancel := context.WithCancel(b.Ctx)
	defer cancel()
	opened := chromedp.Events(dctx, page.JavascriptDialogOpening)
	go func() {
		for ev, err := range opened {
			if err != nil {
				return
			}
			mu.Lock()
			dialogs = append(dialogs, string(ev.Type)+": "+ev.Message)
			mu.Unlock()
			// Close it, so the page goes on and the test reports instead of hanging.
			_, _ = chromedp.Call(dctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		}
	}()

	groupSignIn(b, srv, "admin@example.org")
	for _, p := range []string{
		"/members", "/members?group=" + g1.Slug, "/members?group=" + g2.Slug + "&sort=groups", "/members?q=script",
		"/members/" + m.ID, "/members/" + m.ID + "/edit", "/members/" + m.ID + "/delete",
		"/groups", "/groups/" + g1.Slug, "/groups/" + g2.Slug + "?q=script", "/groups/" + g1.Slug + "/delete",
		"/groups/" + g2.Slug + "/edit", "/admin/fields",
	} {
		b.Do(chromedp.Navigate(srv.URL+p), chromedp.WaitVisible(chromedp.CSS("h1")))
		// Hover everything: an injected onmouseover would run now.
		hovered := browsertest.Eval[int](b, `(() => { const all = document.querySelectorAll('body *');
			all.forEach(e => e.dispatchEvent(new MouseEvent('mouseover', {bubbles: true}))); return all.length })()`)
		injected := browsertest.Eval[int](b, `document.querySelectorAll('[onmouseover], [onerror], [onload]').length +
			Array.from(document.scripts).filter(s => !s.src || s.textContent.includes('alert(1)')).length`)
		if hovered == 0 || injected != 0 {
			t.Errorf("%s: %d elements hovered, %d injected handlers or inline scripts", p, hovered, injected)
		}
		shown := browsertest.Eval[bool](b, `document.body.textContent.includes('<script>alert(1)</script>') ||
			document.body.textContent.includes('" onmouseover="alert(1)') || document.title.includes('<script>')`)
		if !shown {
			t.Errorf("%s: the hostile name is not shown as text", p)
		}
	}
	// The delete dialog on the member page (opened the way a user does).
	b.Do(chromedp.Navigate(srv.URL+"/members/"+m.ID), chromedp.WaitVisible(chromedp.CSS("h1")))
	if browsertest.Eval[bool](b, `!!document.querySelector('[data-dialog-open]')`) {
		b.Do(chromedp.Click(chromedp.CSS(`[data-dialog-open]`)), chromedp.WaitVisible(chromedp.CSS(`dialog[open]`)))
	}
	b.NoConsoleErrors()
	mu.Lock()
	defer mu.Unlock()
	if len(dialogs) > 0 {
		t.Errorf("dialogs opened: %q", dialogs)
	}
}
