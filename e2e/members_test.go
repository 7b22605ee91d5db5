package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"mila/internal/accounts"
	"mila/internal/authz"
	"mila/internal/browsertest"
	"mila/internal/membership"
	"mila/internal/webtest"
)

// memberE2EAdmin seeds the accounts and returns the admin actor.
func memberE2EAdmin(t *testing.T, srv *webtest.Server) authz.Actor {
	t.Helper()
	seedAccounts(t, srv)
	var id string
	if err := srv.DB.QueryRow(context.Background(), `SELECT id FROM users WHERE email = 'admin@example.org'`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	a, err := accounts.New(srv.DB).ActorForUser(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// memberE2EWait polls a JavaScript condition until it holds (htmx updates
// arrive when they arrive: no sleeping).
func memberE2EWait(t *testing.T, b *browsertest.Browser, cond string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		ctx, cancel := context.WithDeadline(b.Ctx, deadline)
		_, err := chromedp.Run(ctx, chromedp.Poll[bool](cond))
		cancel()
		if err == nil {
			return
		}
		// A click that lands just before htmx has taken over freshly
		// swapped-in content is a plain link: the browser loads the page
		// (the same URL htmx would have pushed) and the poll loses its
		// document. Poll the new one.
		if strings.Contains(err.Error(), "Cannot find context") && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
			continue
		}
		state := browsertest.Eval[string](b, `location.href + " | " + ((document.getElementById("member-results") || document.body).textContent || "").replace(/\s+/g, " ").slice(0, 300)`)
		t.Fatalf("waiting for %s: %v\npage: %s", cond, err, state)
	}
}

// memberE2EOpen navigates to path (signing in as email first if asked).
func memberE2EOpen(b *browsertest.Browser, srv *webtest.Server, path, waitCSS string) {
	b.Do(chromedp.Navigate(srv.URL+path), chromedp.WaitVisible(chromedp.CSS(waitCSS)))
}

func memberE2ESignIn(b *browsertest.Browser, srv *webtest.Server, email string) {
	b.Do(chromedp.Navigate(srv.URL + "/sign-in"))
	signInWith(b, email, e2ePassword)
	b.Do(chromedp.WaitNotPresent(chromedp.CSS(`form[action="/sign-in"]`)))
}

// TestBrowserMemberCreateEditDelete walks through a member's life: the
// empty overview, a failed and a good create, an edit, and the delete
// dialog (Escape closes it and gives the focus back; the button deletes).
func TestBrowserMemberCreateEditDelete(t *testing.T) {
	srv := webtest.NewServer(t)
	memberE2EAdmin(t, srv)
	b := browsertest.New(t)
	memberE2ESignIn(b, srv, "admin@example.org")

	memberE2EOpen(b, srv, "/members", "#member-results")
	if got := b.Text("#member-results"); !strings.Contains(got, "There are no active members yet.") {
		t.Fatalf("empty overview says %q", got)
	}
	b.Axe()

	b.Do(chromedp.Click(chromedp.CSS(`a[href="/members/new"]`)), chromedp.WaitVisible(chromedp.CSS(`#field-first_name`)))
	b.Axe()
	// Submitting without names: the summary and the field errors.
	b.Do(chromedp.SendKeys(chromedp.CSS(`#field-email`), "not-an-email"),
		chromedp.Click(chromedp.CSS(`form[action="/members"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#error-summary`)))
	if got := b.Text("#error-summary"); !strings.Contains(got, "First name: Please fill in this field.") ||
		!strings.Contains(got, "Enter an email address like name@example.org.") {
		t.Fatalf("summary = %q", got)
	}
	b.Axe()
	b.Do(
		chromedp.SendKeys(chromedp.CSS(`#field-first_name`), "Jürgen"),
		chromedp.SendKeys(chromedp.CSS(`#field-last_name`), "Müller"),
		chromedp.Clear(chromedp.CSS(`#field-email`)),
		chromedp.SendKeys(chromedp.CSS(`#field-email`), "juergen@example.org"),
		chromedp.SendKeys(chromedp.CSS(`#field-city`), "Köln"),
		chromedp.Click(chromedp.CSS(`form[action="/members"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href$="/edit"]`)),
	)
	if got := b.Text("h1"); got != "Jürgen Müller" {
		t.Fatalf("h1 = %q", got)
	}
	if got := b.Flash(); !strings.Contains(got, "Jürgen Müller was added.") {
		t.Errorf("flash = %q", got)
	}
	b.Axe()

	// Edit.
	b.Do(chromedp.Click(chromedp.CSS(`a[href$="/edit"]`)), chromedp.WaitVisible(chromedp.CSS(`#field-city`)))
	b.Axe()
	b.Do(chromedp.Clear(chromedp.CSS(`#field-city`)), chromedp.SendKeys(chromedp.CSS(`#field-city`), "Düsseldorf"),
		chromedp.Click(chromedp.CSS(`form[action^="/members/"] button[type="submit"]`)), chromedp.WaitVisible(chromedp.CSS(`a[href$="/edit"]`)))
	if got := b.Text("main"); !strings.Contains(got, "Düsseldorf") {
		t.Fatalf("after edit: %q", got)
	}

	// Delete: the dialog says what goes; Escape closes it and the focus
	// returns to the button that opened it.
	opener := `a[data-dialog-open="member-delete-dialog"]`
	b.Do(chromedp.Click(chromedp.CSS(opener)))
	memberE2EWait(t, b, `document.getElementById("member-delete-dialog").open`)
	if got := b.Text("#member-delete-dialog"); !strings.Contains(got, "Delete Jürgen Müller?") || !strings.Contains(got, "0 group memberships") {
		t.Fatalf("dialog = %q", got)
	}
	b.Axe()
	b.Do(chromedp.KeyEvent(kb.Escape))
	memberE2EWait(t, b, `!document.getElementById("member-delete-dialog").open`)
	memberE2EWait(t, b, fmt.Sprintf(`document.activeElement && document.activeElement.matches(%q)`, opener))
	b.Do(chromedp.Click(chromedp.CSS(opener)))
	memberE2EWait(t, b, `document.getElementById("member-delete-dialog").open`)
	b.Do(chromedp.Click(chromedp.CSS(`#member-delete-dialog button[type="submit"]`)), chromedp.WaitVisible(chromedp.CSS(`#member-results`)))
	if got := b.Flash(); !strings.Contains(got, "Jürgen Müller was deleted.") {
		t.Errorf("flash = %q", got)
	}
	b.Axe()
	b.NoConsoleErrors()
}

// memberE2EClearSearch empties the search box without an input event
// (the next keys typed send the request).
var memberE2EClearSearch = chromedp.Evaluate[chromedp.Void](`document.getElementById("member-q").value = ""`)

// TestBrowserMemberSearchSort types into the search box (results follow
// while typing, the URL too, and the live region announces the count),
// sorts by a column both ways, and reloads the bookmarked view.
func TestBrowserMemberSearchSort(t *testing.T) {
	srv := webtest.NewServer(t)
	admin := memberE2EAdmin(t, srv)
	ms := membership.NewMembers(srv.DB)
	for _, in := range []membership.MemberInput{
		{FirstName: "Jürgen", LastName: "Müller", City: "Köln"},
		{FirstName: "Bernd", LastName: "Bauer", City: "Aachen"},
		{FirstName: "Clara", LastName: "Zimmermann", City: "Berlin"},
		{FirstName: "Frida", LastName: "Früher", City: "Bonn", JoinDate: "2000-01-01", ExitDate: "2010-01-01"},
	} {
		if _, err := ms.Create(context.Background(), admin, in); err != nil {
			t.Fatal(err)
		}
	}
	b := browsertest.New(t)
	memberE2ESignIn(b, srv, "admin@example.org")
	memberE2EOpen(b, srv, "/members", "#member-results table")
	b.Axe()

	b.Do(chromedp.Click(chromedp.CSS(`#member-q`)), chromedp.KeyEvent("Mül"))
	memberE2EWait(t, b, `document.querySelectorAll("#member-results tbody tr").length === 1`)
	if got := b.Text("#member-results tbody"); !strings.Contains(got, "Müller, Jürgen") {
		t.Fatalf("search result = %q", got)
	}
	memberE2EWait(t, b, `new URL(location.href).searchParams.get("q") === "Mül"`)
	memberE2EWait(t, b, `document.getElementById("member-live").textContent.trim() === "1 member"`)
	b.Axe()

	// A typo still finds the member.
	b.Do(memberE2EClearSearch, chromedp.Click(chromedp.CSS(`#member-q`)), chromedp.KeyEvent("Mueller"))
	memberE2EWait(t, b, `new URL(location.href).searchParams.get("q") === "Mueller" && document.querySelectorAll("#member-results tbody tr").length === 1`)

	// Clear the search, then sort by city, both ways.
	b.Do(memberE2EClearSearch, chromedp.Click(chromedp.CSS(`#member-q`)), chromedp.KeyEvent(kb.Enter))
	memberE2EWait(t, b, `document.querySelectorAll("#member-results tbody tr").length === 3`)
	cityHeader := `#member-results th a[href*="sort=city"]`
	b.Do(chromedp.Click(chromedp.CSS(cityHeader)))
	memberE2EWait(t, b, `[...document.querySelectorAll("#member-results th[aria-sort]")].map(th => th.textContent.trim() + ":" + th.getAttribute("aria-sort")).join() === "City ▲:ascending"`)
	if got := browsertest.Eval[string](b, `[...document.querySelectorAll("#member-results tbody th")].map(e => e.textContent.trim()).join("|")`); got != "Bauer, Bernd|Zimmermann, Clara|Müller, Jürgen" {
		t.Fatalf("by city: %q", got)
	}
	b.Axe()
	b.Do(chromedp.Click(chromedp.CSS(cityHeader)))
	memberE2EWait(t, b, `document.querySelector("#member-results th[aria-sort]").getAttribute("aria-sort") === "descending"`)
	memberE2EWait(t, b, `new URL(location.href).searchParams.get("dir") === "desc"`)
	if got := browsertest.Eval[string](b, `[...document.querySelectorAll("#member-results tbody th")].map(e => e.textContent.trim()).join("|")`); got != "Müller, Jürgen|Zimmermann, Clara|Bauer, Bernd" {
		t.Fatalf("by city, descending: %q", got)
	}
	// The URL carries the view: reloading keeps it.
	b.Do(chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`#member-results table`)))
	if got := browsertest.Eval[string](b, `document.querySelector("#member-results th[aria-sort]").getAttribute("aria-sort")`); got != "descending" {
		t.Fatalf("after reload aria-sort = %q", got)
	}
	// Former members, by the status switch (the sort stays).
	b.Do(chromedp.SetValue(chromedp.CSS(`#member-status`), "former"))
	b.Do(chromedp.Evaluate[chromedp.Void](`document.getElementById("member-status").dispatchEvent(new Event("change", {bubbles: true}))`))
	memberE2EWait(t, b, `document.querySelectorAll("#member-results tbody tr").length === 1 && new URL(location.href).searchParams.get("status") === "former"`)
	if got := b.Text("#member-results tbody"); !strings.Contains(got, "Früher, Frida") {
		t.Fatalf("former = %q", got)
	}
	b.Axe()
	b.NoConsoleErrors()
}

// TestBrowserCustomField defines a data field, fills it on a member, sees
// it in the overview and on the member, and deletes it again.
func TestBrowserCustomField(t *testing.T) {
	srv := webtest.NewServer(t)
	memberE2EAdmin(t, srv)
	b := browsertest.New(t)
	memberE2ESignIn(b, srv, "admin@example.org")

	memberE2EOpen(b, srv, "/admin/fields", `a[href="/admin/fields/new"]`)
	b.Axe()
	b.Do(chromedp.Click(chromedp.CSS(`a[href="/admin/fields/new"]`)), chromedp.WaitVisible(chromedp.CSS(`#field-name`)))
	b.Axe()
	b.Do(
		chromedp.SendKeys(chromedp.CSS(`#field-name`), "Mitgliedsnummer"),
		chromedp.SetValue(chromedp.CSS(`#field-value_type`), "integer"),
		chromedp.Click(chromedp.CSS(`#field-show_in_overview`)),
		chromedp.Click(chromedp.CSS(`form[action="/admin/fields"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`table`)),
	)
	if got := b.Text("table"); !strings.Contains(got, "Mitgliedsnummer") || !strings.Contains(got, "mitgliedsnummer") || !strings.Contains(got, "Whole number") {
		t.Fatalf("fields table = %q", got)
	}
	b.Axe()

	memberE2EOpen(b, srv, "/members/new", `#field-cf_mitgliedsnummer`)
	b.Do(
		chromedp.SendKeys(chromedp.CSS(`#field-first_name`), "Anna"),
		chromedp.SendKeys(chromedp.CSS(`#field-last_name`), "Ahrens"),
		chromedp.SendKeys(chromedp.CSS(`#field-cf_mitgliedsnummer`), "4711"),
		chromedp.Click(chromedp.CSS(`form[action="/members"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href$="/edit"]`)),
	)
	if got := b.Text("main"); !strings.Contains(got, "Mitgliedsnummer") || !strings.Contains(got, "4711") {
		t.Fatalf("member page = %q", got)
	}
	b.Axe()
	memberE2EOpen(b, srv, "/members", "#member-results table")
	if got := b.Text("#member-results table"); !strings.Contains(got, "Mitgliedsnummer") || !strings.Contains(got, "4711") {
		t.Fatalf("overview = %q", got)
	}
	b.Axe()
	// Search by the value.
	b.Do(chromedp.Click(chromedp.CSS(`#member-q`)), chromedp.KeyEvent("4711"))
	memberE2EWait(t, b, `new URL(location.href).searchParams.get("q") === "4711" && document.querySelectorAll("#member-results tbody tr").length === 1`)

	// Delete the field: the confirmation says how many values go.
	memberE2EOpen(b, srv, "/admin/fields", `a[href$="/delete"]`)
	b.Do(chromedp.Click(chromedp.CSS(`a[href$="/delete"]`)), chromedp.WaitVisible(chromedp.CSS(`dialog#field-delete-dialog[open] #field-confirm_name`)))
	if got := b.Text("#field-delete-desc"); !strings.Contains(got, "1 member has a value in this field") {
		t.Fatalf("confirmation = %q", got)
	}
	memberE2EWait(t, b, `document.getAnimations().every(a => a.playState !== "running" || a.timeline !== document.timeline)`)
	b.Axe()
	// The button waits for the field's name.
	b.Do(chromedp.SendKeys(chromedp.CSS(`#field-confirm_name`), "Mitgliedsnummer"),
		chromedp.Click(chromedp.CSS(`#field-delete-dialog button[type="submit"]`)), chromedp.WaitNotPresent(chromedp.CSS(`#field-delete-dialog`)),
		chromedp.WaitNotPresent(chromedp.CSS(`a[data-group-delete]`))) // the only field is gone
	if got := b.Flash(); !strings.Contains(got, "Data field Mitgliedsnummer was deleted.") {
		t.Errorf("flash = %q", got)
	}
	b.Axe()
	b.NoConsoleErrors()
}
