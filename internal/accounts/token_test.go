package accounts

import (
	"context"
	"errors"
	"sync"
	"testing"

	"mila/internal/authz"
	"mila/internal/validate"
)

func TestSetPasswordLinkSingleUse(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	admin := mkUser(t, s, authz.Admin, "admin@example.org")
	u, tok, err := s.CreateUser(ctx, admin, NewUser{Name: "Test User", Email: "new@example.org", RoleID: roleID(t, s, SystemMember), WithLink: true})
	if err != nil {
		t.Fatal(err)
	}
	if tok == "" || u.HasPassword {
		t.Fatalf("link user: %+v %q", u, tok)
	}
	if _, err := s.SignIn(ctx, "new@example.org", "anything at all", "c"); !errors.Is(err, ErrBadCredentials) {
		t.Fatalf("user without password signs in: %v", err)
	}
	if email, err := s.CheckSetPasswordToken(ctx, tok); err != nil || email != "new@example.org" {
		t.Fatalf("check token: %q %v", email, err)
	}
	if _, err := s.SetPasswordWithToken(ctx, tok, "short"); fieldErr(err, "password") != validate.TooShort {
		t.Fatalf("short password: %v", err)
	}
	if u, err := s.SetPasswordWithToken(ctx, tok, "my own password"); err != nil {
		t.Fatal(err)
	} else if u.LastSignInAt == nil {
		t.Error("setting the password signs the user in, but no sign-in was recorded")
	}
	if _, err := s.SetPasswordWithToken(ctx, tok, "another password"); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("second use: %v", err)
	}
	if _, err := s.CheckSetPasswordToken(ctx, tok); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("check after use: %v", err)
	}
	if _, err := s.SignIn(ctx, "new@example.org", "my own password", "c"); err != nil {
		t.Fatal(err)
	}
	// A fresh link from the admin replaces older ones.
	t1, err := s.NewSetPasswordLink(ctx, admin, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	t2, _ := s.NewSetPasswordLink(ctx, admin, u.ID)
	if _, err := s.CheckSetPasswordToken(ctx, t1); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("older link still valid: %v", err)
	}
	if _, err := s.CheckSetPasswordToken(ctx, t2); err != nil {
		t.Errorf("newest link: %v", err)
	}
	for _, bad := range []string{"", "x", tok + "x"} {
		if _, err := s.CheckSetPasswordToken(ctx, bad); !errors.Is(err, ErrInvalidToken) {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

func TestTokensExpire(t *testing.T) {
	s, db := newService(t)
	ctx := context.Background()
	tok, err := s.NewSetupToken(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(ctx, `UPDATE user_tokens SET expires_at = now() - interval '1 second'`); err != nil {
		t.Fatal(err)
	}
	if err := s.CheckSetupToken(ctx, tok); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("expired token: %v", err)
	}
}

func TestSetupTokenSingleUse(t *testing.T) {
	s, db := newService(t)
	ctx := context.Background()
	tok, err := s.NewSetupToken(ctx)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := s.NewSetupToken(ctx)
	var stored int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM user_tokens WHERE token_hash = $1`, []byte(tok)).Scan(&stored); err != nil || stored != 0 {
		t.Fatalf("raw token stored (%d, %v)", stored, err)
	}
	if err := s.CheckSetupToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetupAdmin(ctx, tok, "", "bad", "short"); fieldErr(err, "email") == "" || fieldErr(err, "password") == "" {
		t.Fatalf("invalid input: %v", err)
	}
	u, err := s.SetupAdmin(ctx, tok, "First Admin", "first@example.org", "first admin pw")
	if err != nil {
		t.Fatal(err)
	}
	if u.Set != authz.Admin || u.RoleSystemKey != SystemAdmin {
		t.Fatalf("first user is not admin: %+v", u)
	}
	if u.LastSignInAt == nil {
		t.Error("setup signs the first admin in, but no sign-in was recorded")
	}
	if _, err := s.SetupAdmin(ctx, tok, "Second Admin", "second@example.org", "second admin pw"); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("token reused: %v", err)
	}
	// Every setup token dies when one is used.
	if _, err := s.SetupAdmin(ctx, other, "Third Admin", "third@example.org", "third admin pw"); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("second token still works: %v", err)
	}
	if _, err := s.NewSetupToken(ctx); !errors.Is(err, ErrSetupDone) {
		t.Fatalf("setup token with users: %v", err)
	}
	if err := s.CheckSetupToken(ctx, tok); !errors.Is(err, ErrSetupDone) {
		t.Fatalf("check after setup: %v", err)
	}
}

func TestSetupRace(t *testing.T) {
	s, db := newService(t)
	ctx := context.Background()
	tok, _ := s.NewSetupToken(ctx)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = s.SetupAdmin(ctx, tok, "Admin", "admin"+string(rune('a'+i))+"@example.org", "setup password")
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
		} else if !errors.Is(err, ErrInvalidToken) && !errors.Is(err, ErrSetupDone) {
			t.Errorf("unexpected: %v", err)
		}
	}
	var n int
	_ = db.QueryRow(ctx, `SELECT count(*) FROM users`).Scan(&n)
	if ok != 1 || n != 1 {
		t.Fatalf("%d setups succeeded, %d users", ok, n)
	}
}
