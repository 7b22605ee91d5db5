package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"mila/internal/accounts"
	"mila/internal/authz"
	"mila/internal/browsertest"
	"mila/internal/webtest"
)

const e2ePassword = "correct horse battery"

// seedAccounts makes an admin and a board member, both with e2ePassword.
func seedAccounts(t *testing.T, srv *webtest.Server) {
	t.Helper()
	ctx := context.Background()
	svc := accounts.New(srv.DB)
	if _, err := svc.CreateOrResetAdmin(ctx, "admin@example.org", e2ePassword); err != nil {
		t.Fatal(err)
	}
	var id, boardRole string
	if err := srv.DB.QueryRow(ctx, `SELECT id FROM users`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	admin, err := svc.ActorForUser(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.DB.QueryRow(ctx, `SELECT id FROM roles WHERE system_key = 'board'`).Scan(&boardRole); err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.CreateUser(ctx, admin, accounts.NewUser{Name: "Test User", Email: "board@example.org", RoleID: boardRole, Password: e2ePassword}); err != nil {
		t.Fatal(err)
	}
}

// signInWith fills the sign-in form and submits it.
func signInWith(b *browsertest.Browser, email, password string) {
	b.Do(
		chromedp.WaitVisible(chromedp.CSS(`#field-email`)),
		chromedp.SendKeys(chromedp.CSS(`#field-email`), email),
		chromedp.SendKeys(chromedp.CSS(`#field-password`), password),
		chromedp.Submit(chromedp.CSS(`#field-password`)),
	)
}

// TestBrowserSignInOut: the guard sends an anonymous visitor to sign in,
// a wrong password is told in English and German, the right one leads
// back to the page asked for, and sign-out ends it.
func TestBrowserSignInOut(t *testing.T) {
	srv := webtest.NewServer(t)
	seedAccounts(t, srv)
	b := browsertest.New(t)

	b.Do(chromedp.Navigate(srv.URL+"/account"), chromedp.WaitVisible(chromedp.CSS(`form[action^="/sign-in"]`)))
	if got := b.Text("h1"); got != "Sign in" {
		t.Fatalf("h1 = %q", got)
	}
	b.Axe()

	signInWith(b, "admin@example.org", "wrong password")
	b.Do(chromedp.WaitVisible(chromedp.CSS(`#sign-in-problem`)))
	if got := b.Text("#sign-in-problem"); got != "The email or the password is wrong. Please try again." {
		t.Errorf("English message = %q", got)
	}
	b.Axe()

	// In German (the header's language switch), the same mistake.
	b.Do(chromedp.Click(chromedp.CSS(`button[name="l"][value="de"]`)), chromedp.WaitVisible(chromedp.CSS(`html[lang="de"] h1`)))
	b.Do(chromedp.Clear(chromedp.CSS(`#field-email`)))
	signInWith(b, "admin@example.org", "falsches Passwort")
	b.Do(chromedp.WaitVisible(chromedp.CSS(`html[lang="de"] #sign-in-problem`)))
	if got := b.Text("#sign-in-problem"); got != "E-Mail oder Passwort ist falsch. Bitte versuchen Sie es noch einmal." {
		t.Errorf("German message = %q", got)
	}
	b.Axe()
	b.Do(chromedp.Click(chromedp.CSS(`button[name="l"][value="en"]`)), chromedp.WaitVisible(chromedp.CSS(`html[lang="en"] h1`)))

	b.Do(chromedp.Clear(chromedp.CSS(`#field-email`)))
	signInWith(b, "admin@example.org", e2ePassword)
	b.Do(chromedp.WaitVisible(chromedp.CSS(`form[action="/account/password"]`)))
	if got := browsertest.Eval[string](b, `location.pathname`); got != "/account" {
		t.Errorf("after sign-in at %q, want /account (return_to)", got)
	}
	if got := b.Text("h1"); got != "My account" {
		t.Errorf("h1 = %q", got)
	}
	b.Axe()

	b.Do(chromedp.Click(chromedp.CSS(`form[action="/sign-out"] button`)), chromedp.WaitVisible(chromedp.CSS(`form[action^="/sign-in"]`)))
	if got := b.Flash(); !strings.Contains(got, "You have signed out.") {
		t.Errorf("flash = %q", got)
	}
	b.Axe()
	b.Do(chromedp.Navigate(srv.URL+"/users"), chromedp.WaitVisible(chromedp.CSS(`form[action^="/sign-in"]`)))
	b.NoConsoleErrors()
}

// TestBrowserChangePassword: a board member changes their own password
// and signs in with the new one.
func TestBrowserChangePassword(t *testing.T) {
	srv := webtest.NewServer(t)
	seedAccounts(t, srv)
	b := browsertest.New(t)

	b.Do(chromedp.Navigate(srv.URL + "/sign-in"))
	signInWith(b, "board@example.org", e2ePassword)
	b.Do(chromedp.WaitVisible(chromedp.CSS(`a[href="/account"]`)), chromedp.Click(chromedp.CSS(`a[href="/account"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#field-current_password`)))
	b.Axe()

	b.Do(
		chromedp.SendKeys(chromedp.CSS(`#field-current_password`), e2ePassword),
		chromedp.SendKeys(chromedp.CSS(`#field-new_password`), "a fresh new password"),
		chromedp.SendKeys(chromedp.CSS(`#field-new_password_confirm`), "a fresh new password"),
		chromedp.Submit(chromedp.CSS(`#field-new_password_confirm`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-flash="success"]`)),
	)
	if got := b.Text(`[data-flash="success"]`); !strings.Contains(got, "Your password has been changed.") {
		t.Errorf("flash = %q", got)
	}
	b.Axe()

	b.Do(chromedp.Click(chromedp.CSS(`form[action="/sign-out"] button`)), chromedp.WaitVisible(chromedp.CSS(`#field-email`)))
	signInWith(b, "board@example.org", "a fresh new password")
	b.Do(chromedp.WaitVisible(chromedp.CSS(`form[action="/sign-out"]`)))
	b.NoConsoleErrors()
}

// TestBrowserAdminCreatesUser: the admin creates a user with a first
// password, changes their role, and the roles page lists the roles.
func TestBrowserAdminCreatesUser(t *testing.T) {
	srv := webtest.NewServer(t)
	seedAccounts(t, srv)
	b := browsertest.New(t)

	b.Do(chromedp.Navigate(srv.URL + "/users"))
	signInWith(b, "admin@example.org", e2ePassword)
	b.Do(chromedp.WaitVisible(chromedp.CSS(`a[href="/users/new"]`)))
	if got := b.Text("h1"); got != "Users" {
		t.Errorf("h1 = %q", got)
	}
	b.Axe()

	b.Do(chromedp.Click(chromedp.CSS(`a[href="/users/new"]`)), chromedp.WaitVisible(chromedp.CSS(`#field-email`)))
	b.Axe()
	b.Do(
		chromedp.SendKeys(chromedp.CSS(`#field-name`), "Kim Kuhn"),
		chromedp.SendKeys(chromedp.CSS(`#field-email`), "kim@example.org"),
		chromedp.SetValue(chromedp.CSS(`#field-role_id`), roleID(t, srv, "member")),
		chromedp.Click(chromedp.CSS(`input[name="password_mode"][value="password"]`)),
		chromedp.SendKeys(chromedp.CSS(`#field-password`), "kims first password"),
		chromedp.Submit(chromedp.CSS(`#field-password`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-flash="success"]`)),
	)
	if got := b.Text(`[data-flash="success"]`); !strings.Contains(got, "User kim@example.org created.") {
		t.Errorf("flash = %q", got)
	}
	b.Axe()

	b.Do(chromedp.Click(chromedp.CSS(`a[aria-label="Edit user kim@example.org"]`)), chromedp.WaitVisible(chromedp.CSS(`#field-role_id`)))
	b.Axe()
	b.Do(
		chromedp.SetValue(chromedp.CSS(`#field-role_id`), roleID(t, srv, "treasurer")),
		chromedp.Submit(chromedp.CSS(`#field-role_id`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-flash="success"]`)),
	)
	if got := b.Text(`[data-flash="success"]`); !strings.Contains(got, "The role of kim@example.org has been changed.") {
		t.Errorf("flash = %q", got)
	}
	var set string
	_ = srv.DB.QueryRow(context.Background(), `SELECT r.permission_set FROM users u JOIN roles r ON r.id = u.role_id WHERE u.email = 'kim@example.org'`).Scan(&set)
	if set != string(authz.NormalUser) {
		t.Errorf("kim's set = %q", set)
	}

	// The delete confirmation page, then the roles page.
	b.Do(chromedp.Click(chromedp.CSS(`a[href$="/delete"]`)), chromedp.WaitVisible(chromedp.CSS(`form[action$="/delete"]`)))
	b.Axe()
	b.Do(chromedp.Navigate(srv.URL+"/admin/roles"), chromedp.WaitVisible(chromedp.CSS(`table`)))
	b.Axe()
	b.Do(chromedp.Click(chromedp.CSS(`a[href="/admin/roles/new"]`)), chromedp.WaitVisible(chromedp.CSS(`#field-name`)))
	b.Axe()
	b.NoConsoleErrors()
}

func roleID(t *testing.T, srv *webtest.Server, key string) string {
	t.Helper()
	var id string
	if err := srv.DB.QueryRow(context.Background(), `SELECT id FROM roles WHERE system_key = $1`, key).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}
