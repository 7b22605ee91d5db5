package accounts

import (
	"context"
	"errors"
	"testing"

	"mila/internal/authz"
)

func TestCreateOrResetAdminIdempotent(t *testing.T) {
	s, db := newService(t)
	ctx := context.Background()
	tok, _ := s.NewSetupToken(ctx)

	r, err := s.CreateOrResetAdmin(ctx, "boss@example.org", "first password")
	if err != nil || r != AdminCreated {
		t.Fatalf("create: %v %v", r, err)
	}
	if err := s.CheckSetupToken(ctx, tok); !errors.Is(err, ErrSetupDone) {
		t.Errorf("setup token after admin create: %v", err)
	}
	var hash1 string
	_ = db.QueryRow(ctx, `SELECT password_hash FROM users`).Scan(&hash1)
	r, err = s.CreateOrResetAdmin(ctx, "BOSS@example.org", "first password")
	if err != nil || r != AdminUnchanged {
		t.Fatalf("repeat: %v %v", r, err)
	}
	var hash2 string
	_ = db.QueryRow(ctx, `SELECT password_hash FROM users`).Scan(&hash2)
	if hash1 != hash2 {
		t.Error("repeat rewrote the hash (would sign the admin out)")
	}
	r, err = s.CreateOrResetAdmin(ctx, "boss@example.org", "second password")
	if err != nil || r != AdminUpdated {
		t.Fatalf("reset: %v %v", r, err)
	}
	if _, err := s.SignIn(ctx, "boss@example.org", "second password", "c"); err != nil {
		t.Fatal(err)
	}
	// A demoted, deactivated user is made an active admin again.
	admin2 := mkUser(t, s, authz.Admin, "other@example.org")
	var bossID string
	_ = db.QueryRow(ctx, `SELECT id FROM users WHERE email = 'boss@example.org'`).Scan(&bossID)
	if err := s.ChangeRole(ctx, admin2, bossID, roleID(t, s, SystemMember)); err != nil {
		t.Fatal(err)
	}
	if err := s.SetActive(ctx, admin2, bossID, false); err != nil {
		t.Fatal(err)
	}
	r, err = s.CreateOrResetAdmin(ctx, "boss@example.org", "second password")
	if err != nil || r != AdminUpdated {
		t.Fatalf("restore: %v %v", r, err)
	}
	a, err := s.ActorForUser(ctx, bossID)
	if err != nil || a.Set != authz.Admin {
		t.Fatalf("restored admin: %+v %v", a, err)
	}
	var n int
	_ = db.QueryRow(ctx, `SELECT count(*) FROM users`).Scan(&n)
	if n != 2 {
		t.Errorf("%d users, want 2", n)
	}
	if _, err := s.CreateOrResetAdmin(ctx, "x", "short"); fieldErr(err, "email") == "" || fieldErr(err, "password") == "" {
		t.Errorf("invalid input: %v", err)
	}
}
