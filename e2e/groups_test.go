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

// groupAdmin returns the seeded admin's actor, to prepare data directly.
func groupAdmin(t *testing.T, srv *webtest.Server) authz.Actor {
	t.Helper()
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

func groupSeedMember(t *testing.T, srv *webtest.Server, admin authz.Actor, first, last, email string) string {
	t.Helper()
	m, err := membership.NewMembers(srv.DB).Create(context.Background(), admin, membership.MemberInput{FirstName: first, LastName: last, Email: email})
	if err != nil {
		t.Fatal(err)
	}
	return m.ID
}

func groupSeedGroup(t *testing.T, srv *webtest.Server, admin authz.Actor, name string, memberIDs ...string) membership.Group {
	t.Helper()
	store := membership.NewGroups(srv.DB)
	g, err := store.CreateGroup(context.Background(), admin, membership.GroupInput{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	if len(memberIDs) > 0 {
		if _, err := store.AddMembersToGroup(context.Background(), admin, g.ID, memberIDs); err != nil {
			t.Fatal(err)
		}
	}
	return g
}

// groupSignIn opens the sign-in page and signs in.
func groupSignIn(b *browsertest.Browser, srv *webtest.Server, email string) {
	b.Do(chromedp.Navigate(srv.URL + "/sign-in"))
	signInWith(b, email, e2ePassword)
	b.Do(chromedp.WaitNotPresent(chromedp.CSS(`form[action="/sign-in"]`)))
}

// groupWait polls a JavaScript condition until it holds.
func groupWait(t *testing.T, b *browsertest.Browser, cond string) {
	t.Helper()
	memberE2EWait(t, b, cond) // survives a page load that replaces the document
}

// groupFocused reports whether the focused element matches css.
func groupFocused(b *browsertest.Browser, css string) bool {
	return browsertest.Eval[bool](b, fmt.Sprintf(`!!document.activeElement && document.activeElement.matches(%q)`, css))
}

// groupTabTo presses Tab until the element matching css has the focus —
// the way a keyboard user gets there.
func groupTabTo(t *testing.T, b *browsertest.Browser, css string) {
	t.Helper()
	for range 80 {
		if groupFocused(b, css) {
			return
		}
		b.Do(chromedp.KeyEvent(kb.Tab))
	}
	t.Fatalf("Tab never reached %s", css)
}

// groupType types text into the focused element, key by key.
func groupType(b *browsertest.Browser, text string) { b.Do(chromedp.KeyEvent(text)) }

func groupFlash(b *browsertest.Browser) string {
	return b.Flash()
}

// TestBrowserGroupKeyboard creates, edits and deletes a group with the
// keyboard only, the delete through the dialog: focus moves in, stays in,
// Escape closes it and gives focus back, the button waits for the name.
func TestBrowserGroupKeyboard(t *testing.T) {
	srv := webtest.NewServer(t)
	seedAccounts(t, srv)
	admin := groupAdmin(t, srv)
	anna := groupSeedMember(t, srv, admin, "Anna", "Müller", "anna@example.org")
	b := browsertest.New(t)
	groupSignIn(b, srv, "admin@example.org")

	b.Do(chromedp.Navigate(srv.URL+"/groups"), chromedp.WaitVisible(chromedp.CSS("h1")))
	if got := b.Text("h1"); got != "Groups" {
		t.Fatalf("h1 = %q", got)
	}
	if !strings.Contains(b.Text("main"), "No groups yet") {
		t.Error("no empty state")
	}
	b.Axe()

	// New group: first an empty submit (errors at the fields), then a real one.
	groupTabTo(t, b, `main a[href="/groups/new"]`)
	b.Do(chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(chromedp.CSS(`form[action="/groups"] #field-name`)))
	b.Axe()
	groupTabTo(t, b, `form[action="/groups"] button[type="submit"]`)
	b.Do(chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(chromedp.CSS(`#error-summary`)))
	if got := b.Text("#field-name-error"); got != "Please fill in this field." {
		t.Errorf("name error = %q", got)
	}
	b.Axe()
	groupTabTo(t, b, `#field-name`)
	groupType(b, "Jugend")
	b.Do(chromedp.KeyEvent(kb.Tab))
	if !groupFocused(b, `#field-description`) {
		t.Fatal("Tab from the name does not reach the description")
	}
	groupType(b, "Alle unter 18")
	groupTabTo(t, b, `form[action="/groups"] button[type="submit"]`)
	b.Do(chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(chromedp.CSS(`a[href="/groups/jugend/edit"]`)))
	if got := b.Text("h1"); got != "Group: Jugend" {
		t.Errorf("h1 = %q", got)
	}
	if f := groupFlash(b); !strings.Contains(f, "Group “Jugend” created.") {
		t.Errorf("flash = %q", f)
	}
	b.Axe()

	// Edit: the slug is shown read-only; Enter in the name field saves.
	groupTabTo(t, b, `a[href="/groups/jugend/edit"]`)
	b.Do(chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(chromedp.CSS(`form[action="/groups/jugend"] #field-slug`)))
	if !browsertest.Eval[bool](b, `document.getElementById("field-slug").readOnly && document.getElementById("field-slug").value === "jugend"`) {
		t.Error("slug not shown read-only")
	}
	b.Axe()
	groupTabTo(t, b, `#field-name`)
	b.Do(chromedp.KeyEvent(kb.End))
	groupType(b, "abteilung")
	b.Do(chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(chromedp.CSS(`a[href="/groups/jugend/edit"]`)))
	if got := b.Text("h1"); got != "Group: Jugendabteilung" {
		t.Errorf("after edit h1 = %q", got)
	}

	// One member, so the dialog has something to warn about.
	if _, err := membership.NewGroups(srv.DB).AddMember(context.Background(), admin, groupID(t, srv, "jugend"), anna); err != nil {
		t.Fatal(err)
	}
	b.Do(chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`a[data-group-delete]`)))

	// Delete: the dialog opens with focus in the name field.
	groupTabTo(t, b, `a[data-group-delete]`)
	b.Do(chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(chromedp.CSS(`dialog#group-delete-dialog[open] #field-confirm_name`)))
	groupWait(t, b, `document.activeElement && document.activeElement.id === "field-confirm_name"`)
	if got := b.Text("#group-delete-desc"); !strings.Contains(got, "1 member is in this group.") || !strings.Contains(got, "permanently removed") {
		t.Errorf("dialog description = %q", got)
	}
	if !browsertest.Eval[bool](b, `(d => d.getAttribute("role") === "dialog" && document.getElementById(d.getAttribute("aria-labelledby")) !== null && document.getElementById(d.getAttribute("aria-describedby")) !== null)(document.getElementById("group-delete-dialog"))`) {
		t.Error("dialog is not labelled and described")
	}
	deleteDisabled := `document.querySelector("#group-delete-dialog [data-confirm-submit]").disabled`
	if !browsertest.Eval[bool](b, deleteDisabled) {
		t.Error("delete button enabled before the name is typed")
	}
	// daisyUI fades the modal in; check contrast once it is fully shown.
	// (Its scroll lock is a scroll-driven animation, on a scroll timeline,
	// that runs as long as the page can scroll — a long group page — so
	// only time-driven animations count.)
	groupWait(t, b, `document.getAnimations().every(a => a.playState !== "running" || a.timeline !== document.timeline)`)
	b.Axe()

	// Escape closes it and focus returns to the Delete button.
	b.Do(chromedp.KeyEvent(kb.Escape), chromedp.WaitNotPresent(chromedp.CSS(`#group-delete-dialog`)))
	if !groupFocused(b, `a[data-group-delete]`) {
		t.Error("focus did not return to the Delete button after Escape")
	}

	// Open again; Cancel closes it too.
	b.Do(chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(chromedp.CSS(`dialog#group-delete-dialog[open] #field-confirm_name`)))
	groupWait(t, b, `document.activeElement && document.activeElement.id === "field-confirm_name"`)
	groupTabTo(t, b, `#group-delete-dialog [data-group-dialog-close]`)
	b.Do(chromedp.KeyEvent(kb.Enter), chromedp.WaitNotPresent(chromedp.CSS(`#group-delete-dialog`)))
	if !groupFocused(b, `a[data-group-delete]`) {
		t.Error("focus did not return to the Delete button after Cancel")
	}

	b.Do(chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(chromedp.CSS(`dialog#group-delete-dialog[open] #field-confirm_name`)))
	groupWait(t, b, `document.activeElement && document.activeElement.id === "field-confirm_name"`)
	// Focus stays inside while it is open, forwards and backwards.
	inside := `document.getElementById("group-delete-dialog").contains(document.activeElement)`
	for i := range 6 {
		b.Do(chromedp.KeyEvent(kb.Tab))
		if !browsertest.Eval[bool](b, inside) {
			t.Fatalf("Tab %d left the dialog", i+1)
		}
	}
	for i := range 6 {
		b.Do(chromedp.KeyEvent(kb.Tab, chromedp.KeyModifiers(chromedp.ModifierShift)))
		if !browsertest.Eval[bool](b, inside) {
			t.Fatalf("Shift+Tab %d left the dialog", i+1)
		}
	}
	groupTabTo(t, b, `#field-confirm_name`)
	// Almost the name: still disabled, and Enter deletes nothing.
	groupType(b, "jugendabteilung")
	if !browsertest.Eval[bool](b, deleteDisabled) {
		t.Error("delete button enabled for a name in the wrong case")
	}
	b.Do(chromedp.KeyEvent(kb.Enter))
	if !browsertest.Eval[bool](b, `!!document.querySelector("dialog#group-delete-dialog[open]")`) {
		t.Fatal("Enter with a wrong name closed the dialog")
	}
	for range len("jugendabteilung") {
		b.Do(chromedp.KeyEvent(kb.Backspace))
	}
	groupType(b, "Jugendabteilung")
	if browsertest.Eval[bool](b, deleteDisabled) {
		t.Fatal("delete button still disabled with the exact name")
	}
	b.Do(chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(chromedp.CSS(`form[role="search"][action="/groups"]`)))
	if f := groupFlash(b); !strings.Contains(f, "Group “Jugendabteilung” deleted.") {
		t.Errorf("flash = %q", f)
	}
	if !strings.Contains(b.Text("main"), "No groups yet") {
		t.Error("group still listed")
	}
	b.Axe()
	var n int
	if err := srv.DB.QueryRow(context.Background(), `SELECT (SELECT count(*) FROM groups) + (SELECT count(*) FROM member_groups)`).Scan(&n); err != nil || n != 0 {
		t.Errorf("groups and memberships left: %d (%v)", n, err)
	}
	b.NoConsoleErrors()
}

func groupID(t *testing.T, srv *webtest.Server, slug string) string {
	t.Helper()
	var id string
	if err := srv.DB.QueryRow(context.Background(), `SELECT id FROM groups WHERE slug = $1`, slug).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// TestBrowserGroupMembers adds members with the search-as-you-type picker
// and removes one per row, on the group's page.
func TestBrowserGroupMembers(t *testing.T) {
	srv := webtest.NewServer(t)
	seedAccounts(t, srv)
	admin := groupAdmin(t, srv)
	anna := groupSeedMember(t, srv, admin, "Anna", "Müller", "anna@example.org")
	annika := groupSeedMember(t, srv, admin, "Annika", "Schulz", "annika@example.org")
	groupSeedMember(t, srv, admin, "Bert", "Brecht", "bert@example.org")
	groupSeedGroup(t, srv, admin, "Jugend")
	b := browsertest.New(t)
	groupSignIn(b, srv, "admin@example.org")

	b.Do(chromedp.Navigate(srv.URL+"/groups/jugend"), chromedp.WaitVisible(chromedp.CSS("#group-candidate-q")))
	b.Axe()
	b.Do(chromedp.Focus(chromedp.CSS("#group-candidate-q")))
	groupType(b, "Muell")
	groupWait(t, b, fmt.Sprintf(`!!document.querySelector('#group-candidates input[value=%q]')`, anna))
	if got := b.Text("#group-candidates-status"); got != "1 member found." {
		t.Errorf("status = %q", got)
	}
	// Narrow it differently: "ann" finds both.
	for range len("Muell") {
		b.Do(chromedp.KeyEvent(kb.Backspace))
	}
	groupType(b, "ann")
	groupWait(t, b, fmt.Sprintf(`!!document.querySelector('#group-candidates input[value=%q]') && !!document.querySelector('#group-candidates input[value=%q]')`, anna, annika))
	groupWait(t, b, `document.getElementById("group-candidates-status").textContent.trim() === "2 members found."`)
	b.Axe()
	b.Do(
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`#group-candidates input[value=%q]`, anna))),
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`#group-candidates input[value=%q]`, annika))),
		chromedp.Click(chromedp.CSS(`#group-add button.btn-primary`)),
		chromedp.WaitVisible(chromedp.CSS(`button[aria-label="Remove Anna Müller from Jugend"]`)),
	)
	if f := groupFlash(b); !strings.Contains(f, "2 members added") {
		t.Errorf("flash = %q", f)
	}
	if got := b.Text("#group-member-count"); got != "2 members" {
		t.Errorf("count = %q", got)
	}
	b.Axe()

	// Searching again marks them as already in the group.
	b.Do(chromedp.Focus(chromedp.CSS("#group-candidate-q")))
	groupType(b, "anna")
	groupWait(t, b, fmt.Sprintf(`(c => c && c.disabled && c.checked)(document.querySelector('#group-candidates input[value=%q]'))`, anna))

	b.Do(chromedp.Click(chromedp.CSS(`button[aria-label="Remove Anna Müller from Jugend"]`)),
		chromedp.WaitNotPresent(chromedp.CSS(`button[aria-label="Remove Anna Müller from Jugend"]`)))
	if f := groupFlash(b); !strings.Contains(f, "Anna Müller removed from Jugend.") {
		t.Errorf("flash = %q", f)
	}
	if got := b.Text("#group-member-count"); got != "1 member" {
		t.Errorf("count = %q", got)
	}
	b.Axe()
	b.NoConsoleErrors()
}

// TestBrowserGroupBoardReadOnly: the board (read_only) sees groups and
// their members but no control to change them, and its direct POSTs are
// refused without changing anything.
func TestBrowserGroupBoardReadOnly(t *testing.T) {
	srv := webtest.NewServer(t)
	seedAccounts(t, srv)
	admin := groupAdmin(t, srv)
	anna := groupSeedMember(t, srv, admin, "Anna", "Müller", "anna@example.org")
	bert := groupSeedMember(t, srv, admin, "Bert", "Brecht", "")
	groupSeedGroup(t, srv, admin, "Jugend", anna)
	b := browsertest.New(t)
	groupSignIn(b, srv, "board@example.org")

	b.Do(chromedp.Navigate(srv.URL+"/groups"), chromedp.WaitVisible(chromedp.CSS(`a[href="/groups/jugend"]`)))
	b.Axe()
	controls := `document.querySelectorAll('main a[href="/groups/new"], main a[href$="/edit"], main a[href$="/delete"], main form[method="post"], #group-candidate-q').length`
	if n := browsertest.Eval[int](b, controls); n != 0 {
		t.Errorf("board sees %d controls on the list", n)
	}
	if !browsertest.Eval[bool](b, `!!document.querySelector('nav a[href="/groups"]')`) {
		t.Error("no Groups entry in the navigation")
	}
	b.Do(chromedp.Click(chromedp.CSS(`main a[href="/groups/jugend"]`)), chromedp.WaitVisible(chromedp.CSS(`main a[href="/members/`+anna+`"]`)))
	b.Axe()
	if n := browsertest.Eval[int](b, controls); n != 0 {
		t.Errorf("board sees %d controls on the group page", n)
	}

	before := groupState(t, srv)
	posts := map[string]string{
		"/groups":                "name=Hack",
		"/groups/jugend":         "name=Hack",
		"/groups/jugend/delete":  "confirm_name=Jugend",
		"/groups/jugend/members": "member_id=" + bert,
		"/groups/jugend/members/" + anna + "/remove": "",
	}
	for path, body := range posts {
		ctx, cancel := context.WithTimeout(b.Ctx, time.Minute)
		status, err := chromedp.Run(ctx, chromedp.Evaluate[int](fmt.Sprintf(
			`fetch(%q, {method: "POST", headers: {"Content-Type": "application/x-www-form-urlencoded"}, body: %q, redirect: "manual"}).then(r => r.status)`,
			path, body), chromedp.EvalAwaitPromise))
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		if status != 403 {
			t.Errorf("POST %s as board: %d, want 403", path, status)
		}
	}
	if after := groupState(t, srv); after != before {
		t.Errorf("board's POSTs changed data:\n%s\n%s", before, after)
	}
	b.NoConsoleErrors()
}

func groupState(t *testing.T, srv *webtest.Server) string {
	t.Helper()
	var s string
	err := srv.DB.QueryRow(context.Background(), `SELECT coalesce(string_agg(x, '|' ORDER BY x), '') FROM (
		SELECT g.name || g.member_count AS x FROM groups g UNION ALL
		SELECT mg.member_id || '>' || mg.group_id FROM member_groups mg) t`).Scan(&s)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
