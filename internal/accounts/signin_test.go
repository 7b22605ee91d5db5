package accounts

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

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
	var waits []time.Duration
	s = s.WithSleep(func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil })
	ctx := context.Background()
	mkUser(t, s, authz.OwnData, "max@example.org")
	mkUser(t, s, authz.OwnData, "eva@example.org")

	for i := 0; i < DefaultThrottle.PerEmail; i++ {
		if _, err := s.SignIn(ctx, "max@example.org", "wrong password", "client-a"); !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("attempt %d: %v", i+1, err)
		}
	}
	if len(waits) != 0 {
		t.Fatalf("the first %d failures were slowed: %v", DefaultThrottle.PerEmail, waits)
	}
	// From that address the email is refused now, even with the right password.
	_, err := s.SignIn(ctx, "MAX@example.org", "password-123", "client-a")
	var te *ThrottledError
	if !errors.As(err, &te) {
		t.Fatalf("11th attempt from client-a: %v", err)
	}
	if m := te.Minutes(); m < 1 || m > 15 {
		t.Errorf("wait %d minutes", m)
	}
	// From another address the right password works: failures elsewhere
	// never lock an account. The attempt is slowed, not refused.
	if _, err := s.SignIn(ctx, "max@example.org", "password-123", "client-b"); err != nil {
		t.Fatalf("right password from another address: %v", err)
	}
	if len(waits) != 1 || waits[0] != DefaultThrottle.SlowBase {
		t.Errorf("waits %v, want one of %s", waits, DefaultThrottle.SlowBase)
	}
	// Client-a's failures for max stay (they were not client-b's to forget).
	if _, err := s.SignIn(ctx, "max@example.org", "password-123", "client-a"); !errors.As(err, &te) {
		t.Fatalf("client-a after client-b's sign-in: %v", err)
	}
	// Another email from client-a is unaffected by the pair limit.
	if _, err := s.SignIn(ctx, "eva@example.org", "password-123", "client-a"); err != nil {
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

// TestThrottleSlowsButNeverLocks: wrong passwords for one account from
// 40 addresses make each further attempt wait longer — doubling, never
// more than SlowMax — and the right password still works from a fresh
// address.
func TestThrottleSlowsButNeverLocks(t *testing.T) {
	s, _ := newService(t)
	var waits []time.Duration
	s = s.WithSleep(func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil })
	ctx := context.Background()
	mkUser(t, s, authz.Admin, "chief@example.org")
	for i := range 40 {
		if _, err := s.SignIn(ctx, "chief@example.org", "wrong password", fmt.Sprintf("10.0.0.%d", i)); !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("attempt %d: %v", i+1, err)
		}
	}
	if _, err := s.SignIn(ctx, "chief@example.org", "password-123", "192.0.2.1"); err != nil {
		t.Fatalf("right password after 40 failures from elsewhere: %v", err)
	}
	want := []time.Duration{250 * time.Millisecond, 500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second}
	if len(waits) != 31 {
		t.Fatalf("%d waits, want 31 (every attempt after the 10th)", len(waits))
	}
	for i, w := range waits {
		exp := DefaultThrottle.SlowMax
		if i < len(want) {
			exp = want[i]
		}
		if w != exp {
			t.Errorf("wait %d: %s, want %s", i+1, w, exp)
		}
	}
}

// TestChangeOwnPasswordThrottled: a wrong current password counts as a
// sign-in failure for the account from that address, with the same
// limits; and one user checks one password at a time.
func TestChangeOwnPasswordThrottled(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	a := mkUser(t, s, authz.NormalUser, "kasse@example.org")
	for i := 0; i < DefaultThrottle.PerEmail; i++ {
		if err := s.ChangeOwnPassword(ctx, a, "not my password", "brand new password", "client-a"); fieldErr(err, "current_password") != MsgCurrentPasswordWrong {
			t.Fatalf("try %d: %v", i+1, err)
		}
	}
	var te *ThrottledError
	if err := s.ChangeOwnPassword(ctx, a, "password-123", "brand new password", "client-a"); !errors.As(err, &te) {
		t.Fatalf("after %d wrong current passwords: %v", DefaultThrottle.PerEmail, err)
	}
	if _, err := s.SignIn(ctx, "kasse@example.org", "password-123", "client-a"); !errors.As(err, &te) {
		t.Fatalf("sign-in from the same address: %v", err)
	}
	if _, err := s.SignIn(ctx, "kasse@example.org", "password-123", "client-b"); err != nil {
		t.Fatalf("sign-in from another address: %v", err)
	}
	// While one check of the user's password runs, another is turned away.
	release, ok := passwordChecks.try(a.UserID)
	if !ok {
		t.Fatal("guard already held")
	}
	if err := s.ChangeOwnPassword(ctx, a, "password-123", "brand new password", "client-b"); !errors.Is(err, ErrBusy) {
		t.Fatalf("second check at once: %v", err)
	}
	release()
	if err := s.ChangeOwnPassword(ctx, a, "password-123", "brand new password", "client-b"); err != nil {
		t.Fatalf("after the first ended: %v", err)
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
