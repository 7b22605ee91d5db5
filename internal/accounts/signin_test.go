package accounts

import (
	"context"
	"errors"
	"testing"

	"mila/internal/authz"
)

func TestSignIn(t *testing.T) {
	s, db := newService(t)
	ctx := context.Background()
	a := mkUser(t, s, authz.NormalUser, "kim@example.org")

	u, err := s.SignIn(ctx, "kim@example.org", "password-123", "10.0.0.1")
	if err != nil || u.ID != a.UserID || u.LastSignInAt == nil {
		t.Fatalf("sign in: %+v %v", u, err)
	}
	if _, err := s.SignIn(ctx, "kim@example.org", "wrong password", "10.0.0.1"); !errors.Is(err, ErrBadCredentials) {
		t.Fatalf("wrong password: %v", err)
	}
	if _, err := s.SignIn(ctx, "nobody@example.org", "password-123", "10.0.0.1"); !errors.Is(err, ErrBadCredentials) {
		t.Fatalf("unknown email: %v", err)
	}
	var n int
	_ = db.QueryRow(ctx, `SELECT count(*) FROM sign_in_failures`).Scan(&n)
	if n != 2 {
		t.Errorf("%d failures recorded, want 2", n)
	}
	// Deactivated: the right password learns so; a wrong one learns nothing.
	admin := mkUser(t, s, authz.Admin, "admin@example.org")
	if err := s.SetActive(ctx, admin, a.UserID, false); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SignIn(ctx, "kim@example.org", "password-123", "10.0.0.1"); !errors.Is(err, ErrInactive) {
		t.Fatalf("inactive: %v", err)
	}
	if _, err := s.SignIn(ctx, "kim@example.org", "wrong password", "10.0.0.1"); !errors.Is(err, ErrBadCredentials) {
		t.Fatalf("inactive, wrong password: %v", err)
	}
	if _, err := s.ActorForUser(ctx, a.UserID); !errors.Is(err, ErrNoActor) {
		t.Fatalf("inactive user has an actor: %v", err)
	}
}

func TestSignInRehashesOldParameters(t *testing.T) {
	s, db := newService(t)
	ctx := context.Background()
	mkUser(t, s, authz.OwnData, "old@example.org") // hashed with cheap
	stronger := s.WithParams(Params{Time: 2, MemoryKiB: 128, Threads: 1, SaltLen: 16, KeyLen: 32})
	if _, err := stronger.SignIn(ctx, "old@example.org", "password-123", "c"); err != nil {
		t.Fatal(err)
	}
	var h string
	_ = db.QueryRow(ctx, `SELECT password_hash FROM users`).Scan(&h)
	if stronger.hash.needsRehash(h) {
		t.Fatalf("not rehashed: %s", h)
	}
}

func TestThrottling(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	mkUser(t, s, authz.OwnData, "max@example.org")
	mkUser(t, s, authz.OwnData, "eva@example.org")

	for i := 0; i < DefaultThrottle.PerEmail; i++ {
		if _, err := s.SignIn(ctx, "max@example.org", "wrong password", "client-a"); !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("attempt %d: %v", i+1, err)
		}
	}
	// Refused now, even with the right password and from another address.
	_, err := s.SignIn(ctx, "MAX@example.org", "password-123", "client-b")
	var te *ThrottledError
	if !errors.As(err, &te) {
		t.Fatalf("11th attempt: %v", err)
	}
	if m := te.Minutes(); m < 1 || m > 15 {
		t.Errorf("wait %d minutes", m)
	}
	// Another email from another address is unaffected.
	if _, err := s.SignIn(ctx, "eva@example.org", "password-123", "client-b"); err != nil {
		t.Fatalf("other user: %v", err)
	}

	// Per client address: many emails from one address.
	s2 := s.WithThrottle(Throttle{Window: DefaultThrottle.Window, PerEmail: 100, PerClient: 3})
	for i := 0; i < 3; i++ {
		if _, err := s2.SignIn(ctx, "guess"+string(rune('a'+i))+"@example.org", "wrong password", "client-c"); !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("client attempt %d: %v", i+1, err)
		}
	}
	if _, err := s2.SignIn(ctx, "eva@example.org", "password-123", "client-c"); !errors.As(err, &te) {
		t.Fatalf("client limit: %v", err)
	}
}

func TestThrottleWindowPasses(t *testing.T) {
	s, db := newService(t)
	ctx := context.Background()
	mkUser(t, s, authz.OwnData, "max@example.org")
	for i := 0; i < DefaultThrottle.PerEmail; i++ {
		_, _ = s.SignIn(ctx, "max@example.org", "wrong password", "c")
	}
	// Age the failures past the window instead of waiting.
	if _, err := db.Exec(ctx, `UPDATE sign_in_failures SET failed_at = failed_at - interval '16 minutes'`); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SignIn(ctx, "max@example.org", "password-123", "c"); err != nil {
		t.Fatalf("after the window: %v", err)
	}
}
