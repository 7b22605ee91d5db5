package e2e

// Groups on the member pages in the browser: the
// overview's group filter (select, badge, chip), the group sorts, bulk
// assignment, the Groups section of a member's page, and what the board
// (read only) sees and may do. axe runs on every page state visited.

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"mila/internal/browsertest"
	"mila/internal/webtest"
)

// memberGroupsSeed: Jugend (Anna, Dora), Vorstand (Anna), Chor (Bert);
// Clara is in no group. It returns the members' ids by first name.
func memberGroupsSeed(t *testing.T, srv *webtest.Server) map[string]string {
	t.Helper()
	seedAccounts(t, srv)
	admin := groupAdmin(t, srv)
	ids := map[string]string{
		"anna":  groupSeedMember(t, srv, admin, "Anna", "Müller", "anna@example.org"),
		"bert":  groupSeedMember(t, srv, admin, "Bert", "Brecht", ""),
		"clara": groupSeedMember(t, srv, admin, "Clara", "Zimmermann", ""),
		"dora":  groupSeedMember(t, srv, admin, "Dora", "Dietz", ""),
	}
	groupSeedGroup(t, srv, admin, "Jugend", ids["anna"], ids["dora"])
	groupSeedGroup(t, srv, admin, "Vorstand", ids["anna"])
	groupSeedGroup(t, srv, admin, "Chor", ids["bert"])
	return ids
}

// overviewRows is the overview's row names, in order, joined by "|".
func overviewRows(b *browsertest.Browser) string {
	return browsertest.Eval[string](b, `[...document.querySelectorAll("#member-results tbody th")].map(e => e.textContent.trim()).join("|")`)
}

// urlParam is a parameter of the page's URL ("" when absent).
func urlParam(b *browsertest.Browser, name string) string {
	return browsertest.Eval[string](b, fmt.Sprintf(`new URL(location.href).searchParams.get(%q) || ""`, name))
}

// waitSettled waits until cond holds and htmx is done: no request in
// flight and the last swap settled (htmx enables the new content's
// hx- attributes when it settles; a key pressed before that would post
// the form the plain way).
func waitSettled(t *testing.T, b *browsertest.Browser, cond string) {
	t.Helper()
	memberE2EWait(t, b, "("+cond+`) && !document.querySelector(".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added")`)
}

// jsText is the visible text of the first element matching css, read in
// one script (no node handles that an htmx swap could invalidate).
func jsText(b *browsertest.Browser, css string) string {
	return strings.TrimSpace(browsertest.Eval[string](b, fmt.Sprintf(`(document.querySelector(%q) || {innerText: ""}).innerText`, css)))
}

// chooseFilter sets the overview's group select as a user would (the
// change event is what the form listens to).
func chooseFilter(b *browsertest.Browser, value string) {
	b.Do(chromedp.SetValue(chromedp.CSS(`#member-group`), value),
		chromedp.Evaluate[chromedp.Void](`document.getElementById("member-group").dispatchEvent(new Event("change", {bubbles: true}))`))
}

func TestBrowserMemberGroupFilter(t *testing.T) {
	srv := webtest.NewServer(t)
	memberGroupsSeed(t, srv)
	b := browsertest.New(t)
	groupSignIn(b, srv, "admin@example.org")
	memberE2EOpen(b, srv, "/members", "#member-results table")
	if got := overviewRows(b); got != "Brecht, Bert|Dietz, Dora|Müller, Anna|Zimmermann, Clara" {
		t.Fatalf("rows = %q", got)
	}
	if n := browsertest.Eval[int](b, `document.querySelectorAll('#member-results a.badge[aria-label^="Member of "]').length`); n != 4 {
		t.Errorf("%d badges, want 4", n)
	}
	b.Axe()

	// By the select: the results follow, the URL carries it, the live
	// region says how many, the chip shows it.
	chooseFilter(b, "jugend")
	waitSettled(t, b, `new URL(location.href).searchParams.get("group") === "jugend" && document.querySelectorAll("#member-results tbody tr").length === 2`)
	waitSettled(t, b, `document.getElementById("member-live").textContent.trim() === "2 members"`)
	if got := overviewRows(b); got != "Dietz, Dora|Müller, Anna" {
		t.Errorf("jugend rows = %q", got)
	}
	if got := jsText(b, "#member-group-chip"); !strings.Contains(got, "Group: Jugend") {
		t.Errorf("chip = %q", got)
	}
	b.Axe()

	// Reloading keeps the filter (the select too).
	b.Do(chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`#member-group-chip`)))
	if got := browsertest.Eval[string](b, `document.getElementById("member-group").value`); got != "jugend" {
		t.Errorf("after reload the select shows %q", got)
	}
	if got := overviewRows(b); got != "Dietz, Dora|Müller, Anna" {
		t.Errorf("after reload rows = %q", got)
	}

	// Remove the chip, with the keyboard: all members again, the select
	// back to "All groups", the focus on the count (the chip is gone).
	groupTabTo(t, b, "#member-group-chip")
	b.Do(chromedp.KeyEvent(kb.Enter))
	waitSettled(t, b, `!document.getElementById("member-group-chip") && document.querySelectorAll("#member-results tbody tr").length === 4`)
	waitSettled(t, b, `new URL(location.href).searchParams.get("group") === null && document.getElementById("member-group").value === ""`)
	waitSettled(t, b, `document.activeElement && document.activeElement.id === "member-count"`)
	b.Axe()

	// By a badge: Bert's "Member of Chor".
	b.Do(chromedp.Click(chromedp.CSS(`#member-results a[aria-label="Member of Chor"]`)))
	waitSettled(t, b, `new URL(location.href).searchParams.get("group") === "chor" && document.querySelectorAll("#member-results tbody tr").length === 1`)
	waitSettled(t, b, `document.getElementById("member-group").value === "chor"`)
	if got := overviewRows(b); got != "Brecht, Bert" {
		t.Errorf("chor rows = %q", got)
	}
	b.Axe()
	// Back in the browser history: the previous view.
	b.Do(chromedp.NavigateBack())
	waitSettled(t, b, `document.querySelectorAll("#member-results tbody tr").length === 4`)

	// No group.
	chooseFilter(b, "none")
	waitSettled(t, b, `new URL(location.href).searchParams.get("group") === "none" && document.querySelectorAll("#member-results tbody tr").length === 1`)
	if got := overviewRows(b); got != "Zimmermann, Clara" {
		t.Errorf("no-group rows = %q", got)
	}
	// The filter combines with the search.
	b.Do(chromedp.Click(chromedp.CSS(`#member-q`)), chromedp.KeyEvent("Anna"))
	waitSettled(t, b, `new URL(location.href).searchParams.get("q") === "Anna" && new URL(location.href).searchParams.get("group") === "none"`)
	waitSettled(t, b, `document.querySelectorAll("#member-results tbody tr").length === 0 && document.getElementById("member-live").textContent.trim() === "0 members"`)
	b.Axe()

	// An unknown group: all members and a notice, no error.
	memberE2EOpen(b, srv, "/members?group=no-such-group", "#member-results table")
	if got := jsText(b, `#member-results [role="status"]`); !strings.Contains(got, "does not exist") {
		t.Errorf("notice = %q", got)
	}
	if n := browsertest.Eval[int](b, `document.querySelectorAll("#member-results tbody tr").length`); n != 4 {
		t.Errorf("%d rows with an unknown group", n)
	}
	b.Axe()
	b.NoConsoleErrors()
}

func TestBrowserMemberGroupSorts(t *testing.T) {
	srv := webtest.NewServer(t)
	memberGroupsSeed(t, srv)
	b := browsertest.New(t)
	groupSignIn(b, srv, "admin@example.org")
	memberE2EOpen(b, srv, "/members", "#member-results table")

	sorted := `[...document.querySelectorAll("#member-results th[aria-sort]")].map(th => th.textContent.trim() + ":" + th.getAttribute("aria-sort")).join()`
	b.Do(chromedp.Click(chromedp.CSS(`#member-sort-groups`)))
	waitSettled(t, b, sorted+` === "Groups ▲:ascending" && new URL(location.href).searchParams.get("sort") === "groups"`)
	if got := overviewRows(b); got != "Brecht, Bert|Dietz, Dora|Müller, Anna|Zimmermann, Clara" {
		t.Errorf("by groups: %q", got)
	}
	// htmx keeps the focus on the header link (it has an id).
	if !groupFocused(b, "#member-sort-groups") {
		t.Error("the focus left the sort header")
	}
	b.Axe()

	b.Do(chromedp.Click(chromedp.CSS(`#member-sort-group_count`)))
	waitSettled(t, b, sorted+` === "Number of groups ▼:descending" && new URL(location.href).searchParams.get("sort") === "group_count"`)
	if got := overviewRows(b); !strings.HasPrefix(got, "Müller, Anna|") || !strings.HasSuffix(got, "|Zimmermann, Clara") {
		t.Errorf("by group count: %q", got)
	}
	b.Axe()
	// Reversed, and kept on reload.
	b.Do(chromedp.Click(chromedp.CSS(`#member-sort-group_count`)))
	waitSettled(t, b, sorted+` === "Number of groups ▲:ascending" && new URL(location.href).searchParams.get("dir") === "asc"`)
	b.Do(chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`#member-results table`)))
	if got := browsertest.Eval[string](b, sorted); got != "Number of groups ▲:ascending" {
		t.Errorf("after reload: %q", got)
	}
	if got := overviewRows(b); !strings.HasPrefix(got, "Zimmermann, Clara|") || !strings.HasSuffix(got, "|Müller, Anna") {
		t.Errorf("by group count, ascending: %q", got)
	}
	// The sort survives a filter change.
	chooseFilter(b, "jugend")
	waitSettled(t, b, `new URL(location.href).searchParams.get("group") === "jugend" && new URL(location.href).searchParams.get("sort") === "group_count"`)
	waitSettled(t, b, `document.querySelectorAll("#member-results tbody tr").length === 2`)
	if got := overviewRows(b); got != "Dietz, Dora|Müller, Anna" {
		t.Errorf("jugend by group count ascending: %q", got)
	}
	b.Axe()
	b.NoConsoleErrors()
}

func TestBrowserMemberBulkGroups(t *testing.T) {
	srv := webtest.NewServer(t)
	ids := memberGroupsSeed(t, srv)
	inGroup := func(slug string) int {
		t.Helper()
		var n int
		if err := srv.DB.QueryRow(context.Background(), `SELECT count(*) FROM member_groups mg JOIN groups g ON g.id = mg.group_id WHERE g.slug = $1`, slug).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	b := browsertest.New(t)
	groupSignIn(b, srv, "admin@example.org")
	memberE2EOpen(b, srv, "/members?sort=groups", "#member-select-all")
	b.Axe()

	// Select all on this page, then untick one with the keyboard.
	b.Do(chromedp.Click(chromedp.CSS(`#member-select-all`)))
	waitSettled(t, b, `[...document.querySelectorAll('input[name="member_id"]')].every(c => c.checked)`)
	waitSettled(t, b, `document.getElementById("member-bulk-selected").textContent === "4 members selected"`)
	groupTabTo(t, b, fmt.Sprintf(`input[name="member_id"][value=%q]`, ids["bert"]))
	b.Do(chromedp.KeyEvent(" "))
	waitSettled(t, b, `document.getElementById("member-select-all").indeterminate && document.getElementById("member-bulk-selected").textContent === "3 members selected"`)
	b.Axe()

	// Add Dora, Anna and Clara to Vorstand (Anna is in it already).
	b.Do(chromedp.SetValue(chromedp.CSS(`#member-bulk-group`), "vorstand"),
		chromedp.Click(chromedp.CSS(`#member-bulk button[formaction="/members/groups/add"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-flash="success"]`)))
	if f := groupFlash(b); !strings.Contains(f, "Vorstand: 2 members added, 1 was already a member.") {
		t.Errorf("flash = %q", f)
	}
	// Back on the same view.
	if got := urlParam(b, "sort"); got != "groups" {
		t.Errorf("after the bulk add sort=%q", got)
	}
	if n := inGroup("vorstand"); n != 3 {
		t.Errorf("%d in Vorstand, want 3", n)
	}
	if !browsertest.Eval[bool](b, fmt.Sprintf(`!!document.querySelector('tr:has(input[value=%q]) a[aria-label="Member of Vorstand"]')`, ids["clara"])) {
		t.Error("Clara's row has no Vorstand badge")
	}
	b.Axe()

	// Filter to Vorstand, select all, remove them from it: the view empties.
	chooseFilter(b, "vorstand")
	waitSettled(t, b, `new URL(location.href).searchParams.get("group") === "vorstand" && document.querySelectorAll("#member-results tbody tr").length === 3`)
	b.Do(chromedp.Click(chromedp.CSS(`#member-select-all`)))
	waitSettled(t, b, `document.getElementById("member-bulk-selected").textContent === "3 members selected"`)
	b.Do(chromedp.SetValue(chromedp.CSS(`#member-bulk-group`), "vorstand"),
		chromedp.Click(chromedp.CSS(`#member-bulk button[formaction="/members/groups/remove"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#member-empty`)))
	if f := groupFlash(b); !strings.Contains(f, "Vorstand: 3 members removed.") {
		t.Errorf("flash = %q", f)
	}
	if got := urlParam(b, "group"); got != "vorstand" {
		t.Errorf("after the bulk remove group=%q", got)
	}
	if n := inGroup("vorstand"); n != 0 {
		t.Errorf("%d left in Vorstand", n)
	}
	if got := jsText(b, "#member-results"); !strings.Contains(got, "No member matches these filters.") {
		t.Errorf("empty view says %q", got)
	}
	b.Axe()

	// Nothing selected: told so, nothing changes.
	memberE2EOpen(b, srv, "/members", "#member-bulk")
	b.Do(chromedp.SetValue(chromedp.CSS(`#member-bulk-group`), "chor"),
		chromedp.Click(chromedp.CSS(`#member-bulk button[formaction="/members/groups/add"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-flash="error"]`)))
	if f := groupFlash(b); !strings.Contains(f, "Select at least one member first.") {
		t.Errorf("flash = %q", f)
	}
	if n := inGroup("chor"); n != 1 {
		t.Errorf("%d in Chor, want 1", n)
	}
	b.Axe()
	b.NoConsoleErrors()
}

func TestBrowserMemberShowGroups(t *testing.T) {
	srv := webtest.NewServer(t)
	ids := memberGroupsSeed(t, srv)
	b := browsertest.New(t)
	groupSignIn(b, srv, "admin@example.org")
	memberE2EOpen(b, srv, "/members/"+ids["clara"], "#member-groups")
	if got := jsText(b, "#member-groups-body"); !strings.Contains(got, "Not in any group.") {
		t.Errorf("section = %q", got)
	}
	b.Axe()

	// Add to Jugend with the keyboard: choose in the select, Enter on the button.
	b.Do(chromedp.SetValue(chromedp.CSS(`#member-group-add`), "jugend"))
	groupTabTo(t, b, `#member-groups-body form[action$="/groups"] button[type="submit"]`)
	b.Do(chromedp.KeyEvent(kb.Enter))
	waitSettled(t, b, `!!document.querySelector('#member-groups a[href="/groups/jugend"][aria-label="Member of Jugend"]')`)
	waitSettled(t, b, `document.getElementById("member-groups-status").textContent.trim() === "Clara Zimmermann added to Jugend."`)
	if !browsertest.Eval[bool](b, `!document.querySelector('#member-group-add option[value="jugend"]')`) {
		t.Error("Jugend still offered after adding")
	}
	b.Axe()
	// Then Chor.
	b.Do(chromedp.SetValue(chromedp.CSS(`#member-group-add`), "chor"),
		chromedp.Click(chromedp.CSS(`#member-groups-body form[action$="/groups"] button[type="submit"]`)))
	waitSettled(t, b, `!!document.querySelector('#member-groups a[aria-label="Member of Chor"]')`)

	// Remove from Jugend: the section updates in place, the page stays.
	remove := `button[aria-label="Remove Clara Zimmermann from Jugend"]`
	groupTabTo(t, b, remove)
	b.Do(chromedp.KeyEvent(kb.Enter))
	waitSettled(t, b, `!document.querySelector('#member-groups a[aria-label="Member of Jugend"]')`)
	waitSettled(t, b, `document.getElementById("member-groups-status").textContent.trim() === "Clara Zimmermann removed from Jugend."`)
	// The focus does not fall to the page's start.
	if groupFocused(b, "body") {
		t.Error("focus lost after removing")
	}
	if got := browsertest.Eval[string](b, `location.pathname`); got != "/members/"+ids["clara"] {
		t.Errorf("left the page: %q", got)
	}
	b.Axe()
	var groups string
	if err := srv.DB.QueryRow(context.Background(), `SELECT string_agg(g.slug, ',' ORDER BY g.slug) FROM member_groups mg JOIN groups g ON g.id = mg.group_id WHERE mg.member_id = $1`, ids["clara"]).Scan(&groups); err != nil {
		t.Fatal(err)
	}
	if groups != "chor" {
		t.Errorf("Clara is in %q, want chor", groups)
	}
	// A badge leads to the group's page.
	b.Do(chromedp.Click(chromedp.CSS(`#member-groups a[href="/groups/chor"]`)), chromedp.WaitVisible(chromedp.CSS(`main h1`)))
	if got := jsText(b, "main h1"); got != "Group: Chor" {
		t.Errorf("h1 = %q", got)
	}
	b.NoConsoleErrors()
}

// TestBrowserMemberGroupsBoard: the board (read only) sees the groups,
// badges and filter, but nothing to change them, no edit or delete; its
// direct POSTs are refused and change nothing.
func TestBrowserMemberGroupsBoard(t *testing.T) {
	srv := webtest.NewServer(t)
	ids := memberGroupsSeed(t, srv)
	b := browsertest.New(t)
	groupSignIn(b, srv, "board@example.org")
	memberE2EOpen(b, srv, "/members", "#member-results table")
	b.Axe()
	// The board's checkboxes only serve "Write to selected" (the Board
	// role may send mailings by default, issue 17): the bulk bar has no
	// group controls and posts nowhere.
	controls := `document.querySelectorAll('main form[method="post"], #member-bulk-group, main a[href$="/edit"], main a[href$="/delete"], main a[href="/members/new"], #member-group-add').length`
	if n := browsertest.Eval[int](b, controls); n != 0 {
		t.Errorf("board sees %d controls on the overview", n)
	}
	if got := browsertest.Eval[string](b, `(f => f.method + " " + f.getAttribute("action"))(document.getElementById("member-bulk"))`); got != "get /mailings/new" {
		t.Errorf("board's bulk bar: %q, want a GET of the mailing form", got)
	}
	if n := browsertest.Eval[int](b, `document.querySelectorAll('#member-results a.badge[aria-label^="Member of "]').length`); n != 4 {
		t.Errorf("board sees %d badges, want 4", n)
	}
	// The board may filter by a badge.
	b.Do(chromedp.Click(chromedp.CSS(`#member-results a[aria-label="Member of Jugend"]`)))
	waitSettled(t, b, `new URL(location.href).searchParams.get("group") === "jugend" && document.querySelectorAll("#member-results tbody tr").length === 2`)
	b.Axe()

	memberE2EOpen(b, srv, "/members/"+ids["anna"], "#member-groups")
	if n := browsertest.Eval[int](b, controls); n != 0 {
		t.Errorf("board sees %d controls on the member page", n)
	}
	if n := browsertest.Eval[int](b, `document.querySelectorAll('#member-groups a[aria-label^="Member of "]').length`); n != 2 {
		t.Errorf("board sees %d group badges on Anna's page, want 2", n)
	}
	b.Axe()

	before := groupState(t, srv)
	posts := map[string]string{
		"/members/groups/add":                               "member_id=" + ids["clara"] + "&group=jugend&return_to=%2Fmembers",
		"/members/groups/remove":                            "member_id=" + ids["anna"] + "&group=jugend&return_to=%2Fmembers",
		"/members/" + ids["clara"] + "/groups":              "group=jugend",
		"/members/" + ids["anna"] + "/groups/jugend/remove": "",
		"/members/" + ids["anna"] + "/delete":               "",
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
	var members int
	if err := srv.DB.QueryRow(context.Background(), `SELECT count(*) FROM members`).Scan(&members); err != nil {
		t.Fatal(err)
	}
	if members != 4 {
		t.Errorf("%d members, want 4", members)
	}
	b.NoConsoleErrors()
}
