package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"mila/internal/accounts"
	"mila/internal/browsertest"
	"mila/internal/membership"
	"mila/internal/webtest"
)

// TestBrowserFamilyEmailAndLink: a household's shared address on the
// member page, the duplicate warning with "save anyway", and linking a
// user whose address differs: the select starts empty, saving it empty
// is an error next to it, and the link asks first (old → new) — in
// English and German, axe on every page.
func TestBrowserFamilyEmailAndLink(t *testing.T) {
	srv := webtest.NewServer(t)
	admin := memberE2EAdmin(t, srv)
	ctx := context.Background()
	ms := membership.NewMembers(srv.DB)
	add := func(in membership.MemberInput) membership.Member {
		m, err := ms.Create(ctx, admin, in)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	anna := add(membership.MemberInput{FirstName: "Anna", LastName: "Müller", Email: "familie@example.org"})
	add(membership.MemberInput{FirstName: "Ben", LastName: "Müller", Email: "familie@example.org"})
	jonas := add(membership.MemberInput{FirstName: "Jonas", LastName: "Weber", Email: "jonas.alt@example.org"})
	u, _, err := accounts.New(srv.DB).CreateUser(ctx, admin, accounts.NewUser{Name: "Jonas W.", Email: "jonas@example.org", RoleID: roleID(t, srv, "member"), Password: e2ePassword})
	if err != nil {
		t.Fatal(err)
	}

	b := browsertest.New(t)
	memberE2ESignIn(b, srv, "admin@example.org")
	if got := b.Text(`[data-testid="signed-in-name"]`); got != "admin" {
		t.Errorf("header names %q, want the admin's name", got)
	}

	// The shared address names the other member.
	memberE2EOpen(b, srv, "/members/"+anna.ID, "#member-shared-email")
	if got := b.Text("#member-shared-email"); !strings.Contains(got, "Ben Müller") {
		t.Errorf("shared address: %q", got)
	}
	b.Axe()

	// English: the select starts empty; empty is an error; a user with
	// another address asks first.
	memberE2EOpen(b, srv, "/members/"+jonas.ID, "#field-user_id")
	if v := browsertest.Eval[string](b, `document.querySelector('#field-user_id').value`); v != "" {
		t.Errorf("the user select starts on %q", v)
	}
	b.Axe()
	b.Do(chromedp.Click(chromedp.CSS(`form[action$="/user"] button[type="submit"]`)), chromedp.WaitVisible(chromedp.CSS(`#field-user_id-error`)))
	b.Axe()
	b.Do(
		chromedp.SetValue(chromedp.CSS(`#field-user_id`), u.ID),
		chromedp.Click(chromedp.CSS(`form[action$="/user"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#member-link-confirm`)),
	)
	if got := b.Text("#member-link-confirm"); !strings.Contains(got, "jonas.alt@example.org") || !strings.Contains(got, "jonas@example.org") || !strings.Contains(got, "Jonas W.") {
		t.Errorf("confirmation: %q", got)
	}
	b.Axe()
	b.Do(chromedp.Click(chromedp.CSS(`#member-link-confirm a`)), chromedp.WaitVisible(chromedp.CSS(`#field-user_id`)))
	if m, _ := ms.Get(ctx, admin, jonas.ID); m.UserID != "" || m.Email != "jonas.alt@example.org" {
		t.Fatalf("cancelled link wrote: %+v", m)
	}

	// German: the same question, confirmed.
	b.Do(chromedp.Click(chromedp.CSS(`button[name="l"][value="de"]`)), chromedp.WaitVisible(chromedp.CSS(`html[lang="de"] #field-user_id`)))
	b.Do(
		chromedp.SetValue(chromedp.CSS(`#field-user_id`), u.ID),
		chromedp.Click(chromedp.CSS(`form[action$="/user"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#member-link-confirm`)),
	)
	if got := b.Text("#member-link-confirm-title"); !strings.Contains(got, "verknüpfen und die E-Mail des Mitglieds ändern") {
		t.Errorf("German confirmation: %q", got)
	}
	b.Axe()
	b.Do(
		chromedp.Click(chromedp.CSS(`#member-link-confirm button[name="confirm"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#member-notes`)),
	)
	if got := b.Text(`section[aria-labelledby="member-notes"]`); !strings.Contains(got, "Bisherige E-Mail bis "+time.Now().Format("2006-01-02")+": jonas.alt@example.org") {
		t.Errorf("notes after the link: %q", got)
	}
	b.Axe()

	// German: a possible duplicate warns; "save anyway" saves.
	memberE2EOpen(b, srv, "/members/new", "#field-first_name")
	b.Do(
		chromedp.SendKeys(chromedp.CSS(`#field-first_name`), "anna"),
		chromedp.SendKeys(chromedp.CSS(`#field-last_name`), "Muller"),
		chromedp.SendKeys(chromedp.CSS(`#field-email`), "familie@example.org"),
		chromedp.Submit(chromedp.CSS(`#field-first_name`)),
		chromedp.WaitVisible(chromedp.CSS(`#member-duplicates`)),
	)
	if got := b.Text("#member-duplicates"); !strings.Contains(got, "Anna Müller") {
		t.Errorf("duplicate warning: %q", got)
	}
	b.Axe()
	b.Do(chromedp.Click(chromedp.CSS(`button[name="save_anyway"]`)), chromedp.WaitVisible(chromedp.CSS(`#member-shared-email`)))
	if got := b.Text("#member-shared-email"); !strings.Contains(got, "Anna Müller") || !strings.Contains(got, "Ben Müller") {
		t.Errorf("the new member's page: %q", got)
	}
	b.Axe()
}
