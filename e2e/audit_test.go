package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"mila/internal/browsertest"
	"mila/internal/membership"
	"mila/internal/pg"
	"mila/internal/webtest"
)

// TestBrowserAuditPages opens, with axe, in English and German: a
// member's History tab (reached from the member page's tabs by
// keyboard), the audit trail with a filter, and a bulk entry's page.
func TestBrowserAuditPages(t *testing.T) {
	srv := webtest.NewServer(t)
	seedAccounts(t, srv)
	admin := groupAdmin(t, srv)
	ctx := pg.WithActor(context.Background(), pg.Actor{UserID: admin.UserID, Label: admin.Email})
	members := membership.NewMembers(srv.DB)
	m, err := members.Create(ctx, admin, membership.MemberInput{FirstName: "Hanna", LastName: "Hist", City: "Kiel", JoinDate: "2020-01-01"})
	if err != nil {
		t.Fatal(err)
	}
	other := groupSeedMember(t, srv, admin, "Otto", "Other", "")
	groupSeedGroup(t, srv, admin, "Chor", m.ID, other)
	if _, err := pg.Exec(ctx, srv.DB, `UPDATE members SET city = 'Lübeck' WHERE id = $1`, m.ID); err != nil {
		t.Fatal(err)
	}

	b := browsertest.New(t)
	groupSignIn(b, srv, "admin@example.org")
	b.Do(chromedp.Navigate(srv.URL+"/members/"+m.ID), chromedp.WaitVisible(chromedp.CSS(`nav.tabs`)))
	b.Do(chromedp.Focus(chromedp.CSS(`nav.tabs a[href$="/history"]`)), chromedp.KeyEvent("\r"), chromedp.WaitVisible(chromedp.CSS(`nav.tabs a[aria-current="page"][href$="/history"]`)))
	checkPage(t, b, "en", "Hanna Hist")
	if got := b.Text("main"); !strings.Contains(got, "Kiel") || !strings.Contains(got, "Lübeck") || !strings.Contains(got, "admin@example.org") {
		t.Errorf("history lacks the change: %q", got)
	}

	b.Do(chromedp.Navigate(srv.URL+"/admin/audit"), chromedp.WaitVisible(chromedp.CSS(`#field-entity`)))
	checkPage(t, b, "en", "Audit trail")
	b.Do(chromedp.SetValue(chromedp.CSS(`#field-entity`), "member_groups"), chromedp.Submit(chromedp.CSS(`#field-entity`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/admin/audit"].btn-ghost`)))
	if got := b.Text("main table"); !strings.Contains(got, "2 records at once") || strings.Contains(got, "Lübeck") {
		t.Errorf("filtered trail: %q", got)
	}
	b.Axe()
	b.Do(chromedp.Click(chromedp.CSS(`main table a[href^="/admin/audit/"]`)), chromedp.WaitVisible(chromedp.CSS(`#audit-affected`)))
	if got := b.Text("main"); !strings.Contains(got, "Hanna Hist") || !strings.Contains(got, "Otto Other") {
		t.Errorf("bulk entry does not list its members: %q", got)
	}
	b.Axe()
	entry := browsertest.Eval[string](b, `location.pathname`)

	// The same pages in German.
	b.Do(chromedp.Click(chromedp.CSS(`button[name="l"][value="de"]`)), chromedp.WaitVisible(chromedp.CSS(`html[lang="de"] h1`)))
	if got := b.Text("h2#audit-affected"); got != "2 Mitglieder betroffen" {
		t.Errorf("German entry page: %q", got)
	}
	b.Axe()
	b.Do(chromedp.Navigate(srv.URL+"/admin/audit?from=gestern"), chromedp.WaitVisible(chromedp.CSS(`#field-from-error`)))
	checkPage(t, b, "de", "Änderungsprotokoll")
	b.Do(chromedp.Navigate(srv.URL+"/members/"+m.ID+"/history"), chromedp.WaitVisible(chromedp.CSS(`nav.tabs`)))
	checkPage(t, b, "de", "Hanna Hist")
	if got := b.Text("main"); !strings.Contains(got, "Verlauf") || !strings.Contains(got, "Gruppenmitgliedschaft: angelegt") {
		t.Errorf("German history: %q", got)
	}
	b.Do(chromedp.Navigate(srv.URL+entry), chromedp.WaitVisible(chromedp.CSS(`#audit-affected`)))
	b.NoConsoleErrors()
}

// TestBrowserEraseDialog: the erasure dialog opens from the member page
// with focus inside, a wrong name is refused next to the field, and the
// right one anonymises — axe on each step, in English and German.
func TestBrowserEraseDialog(t *testing.T) {
	srv := webtest.NewServer(t)
	seedAccounts(t, srv)
	admin := groupAdmin(t, srv)
	id := groupSeedMember(t, srv, admin, "Edda", "Erase", "edda@example.org")

	b := browsertest.New(t)
	groupSignIn(b, srv, "admin@example.org")
	b.Do(chromedp.Navigate(srv.URL+"/members/"+id), chromedp.WaitVisible(chromedp.CSS(`[data-dialog-open="member-erase-dialog"]`)))
	b.Do(chromedp.Click(chromedp.CSS(`[data-dialog-open="member-erase-dialog"]`)), chromedp.WaitVisible(chromedp.CSS(`#member-erase-dialog[open]`)))
	if !browsertest.Eval[bool](b, `document.getElementById('member-erase-dialog').contains(document.activeElement)`) {
		t.Error("focus is not inside the open dialog")
	}
	b.Axe()
	b.Do(
		chromedp.SendKeys(chromedp.CSS(`#member-erase-dialog #field-confirm_name`), "Edda"),
		chromedp.Submit(chromedp.CSS(`#member-erase-dialog #field-confirm_name`)),
		chromedp.WaitVisible(chromedp.CSS(`#field-confirm_name-error`)),
	)
	checkPage(t, b, "en", "Erase the data of Edda Erase")
	if got := b.Text("#field-confirm_name-error"); got != "The name does not match. Type “Edda Erase”." {
		t.Errorf("error = %q", got)
	}
	b.Do(chromedp.Click(chromedp.CSS(`button[name="l"][value="de"]`)), chromedp.WaitVisible(chromedp.CSS(`html[lang="de"] h1`)))
	b.Do(chromedp.Navigate(srv.URL+"/members/"+id), chromedp.WaitVisible(chromedp.CSS(`[data-dialog-open="member-erase-dialog"]`)))
	b.Do(chromedp.Click(chromedp.CSS(`[data-dialog-open="member-erase-dialog"]`)), chromedp.WaitVisible(chromedp.CSS(`#member-erase-dialog[open]`)))
	if got := b.Text("#member-erase-title"); got != "Daten von Edda Erase löschen" {
		t.Errorf("German dialog title %q", got)
	}
	b.Axe()
	b.Do(
		chromedp.SendKeys(chromedp.CSS(`#member-erase-dialog #field-confirm_name`), "Edda Erase"),
		chromedp.Submit(chromedp.CSS(`#member-erase-dialog #field-confirm_name`)),
		chromedp.WaitVisible(chromedp.CSS(`[role="status"], .alert`)),
	)
	checkPage(t, b, "de", browsertest.Eval[string](b, `document.querySelector('h1').textContent.trim()`))
	if got := b.Text("body"); !strings.Contains(got, "anonymisiert") || strings.Contains(got, "edda@example.org") || !strings.Contains(got, "Anonym") {
		t.Errorf("after anonymising: %q", got)
	}
	b.NoConsoleErrors()
}

// TestBrowserRetentionPage: the rule form and the due list with its
// confirmation, axe in English and German.
func TestBrowserRetentionPage(t *testing.T) {
	srv := webtest.NewServer(t)
	seedAccounts(t, srv)
	admin := groupAdmin(t, srv)
	if _, err := membership.NewMembers(srv.DB).Create(context.Background(), admin, membership.MemberInput{FirstName: "Rita", LastName: "Retired", JoinDate: "1990-01-01", ExitDate: "2001-01-01"}); err != nil {
		t.Fatal(err)
	}
	b := browsertest.New(t)
	groupSignIn(b, srv, "admin@example.org")
	b.Do(chromedp.Navigate(srv.URL+"/admin/retention"), chromedp.WaitVisible(chromedp.CSS(`#field-years`)))
	checkPage(t, b, "en", "Retention of former members' data")
	b.Do(chromedp.SetValue(chromedp.CSS(`#field-years`), "10"), chromedp.Submit(chromedp.CSS(`#field-years`)),
		chromedp.WaitVisible(chromedp.CSS(`#field-confirm`)))
	if got := b.Text("main"); !strings.Contains(got, "Rita Retired") {
		t.Errorf("due list: %q", got)
	}
	b.Axe()
	b.Do(chromedp.Click(chromedp.CSS(`main form[action="/admin/retention/apply"] button[type="submit"]`)), chromedp.WaitVisible(chromedp.CSS(`#field-confirm-error`)))
	b.Axe()
	b.Do(chromedp.Click(chromedp.CSS(`button[name="l"][value="de"]`)), chromedp.WaitVisible(chromedp.CSS(`html[lang="de"] h1`)))
	b.Do(chromedp.Navigate(srv.URL+"/admin/retention"), chromedp.WaitVisible(chromedp.CSS(`#field-confirm`)))
	checkPage(t, b, "de", "Aufbewahrung der Daten ehemaliger Mitglieder")
	// The German page is already showing: wait for the confirmation box
	// to go (nobody is due any more), not for a heading the old page has too.
	b.Do(chromedp.Click(chromedp.CSS(`#field-confirm`)), chromedp.Click(chromedp.CSS(`main form[action="/admin/retention/apply"] button[type="submit"]`)),
		chromedp.WaitNotPresent(chromedp.CSS(`#field-confirm`)))
	if got := b.Flash(); !strings.Contains(got, "Die Regel wurde auf 1 Mitglied angewendet.") {
		t.Errorf("flash after the batch: %q", got)
	}
	if got := b.Text("main"); strings.Contains(got, "Rita Retired") {
		t.Errorf("Rita still due after the batch: %q", got)
	}
	b.Axe()
	b.NoConsoleErrors()
}
