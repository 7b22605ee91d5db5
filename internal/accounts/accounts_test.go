package accounts

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"mila/internal/authz"
	"mila/internal/testpg"
	"mila/internal/validate"
)

func TestMain(m *testing.M) { testpg.Main(m) }

// cheap keeps the tests quick; the production parameters are tested in
// password_test.go.
var cheap = Params{Time: 1, MemoryKiB: 64, Threads: 1, SaltLen: 16, KeyLen: 32}

func newService(t *testing.T) (*Service, *pgxpool.Pool) {
	t.Helper()
	db := testpg.New(t)
	return New(db).WithParams(cheap), db
}

var setKeys = map[authz.PermissionSet]string{
	authz.OwnData: SystemMember, authz.ReadOnly: SystemBoard, authz.NormalUser: SystemTreasurer, authz.Admin: SystemAdmin,
}

// mkUser creates an active user with the system role of set and the
// password "password-123", and returns its actor.
func mkUser(t *testing.T, s *Service, set authz.PermissionSet, email string) authz.Actor {
	t.Helper()
	ctx := context.Background()
	h, err := s.hash.HashPassword("password-123")
	if err != nil {
		t.Fatal(err)
	}
	var id string
	err = s.db.QueryRow(ctx, `INSERT INTO users (email, password_hash, role_id)
		VALUES ($1, $2, (SELECT id FROM roles WHERE system_key = $3)) RETURNING id`, email, h, setKeys[set]).Scan(&id)
	if err != nil {
		t.Fatal(err)
	}
	a, err := s.ActorForUser(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func roleID(t *testing.T, s *Service, key string) string {
	t.Helper()
	id, err := systemRoleID(context.Background(), s.db, key)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func fieldErr(err error, field string) string {
	fe, ok := validate.As(err)
	if !ok {
		return ""
	}
	return fe[field].ID
}

func TestCreateUserAndEmailCase(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	admin := mkUser(t, s, authz.Admin, "admin@example.org")

	u, tok, err := s.CreateUser(ctx, admin, NewUser{Email: " Anna@Example.org ", RoleID: roleID(t, s, SystemBoard), Password: "long enough pw"})
	if err != nil {
		t.Fatal(err)
	}
	if tok != "" || u.Email != "Anna@Example.org" || u.Set != authz.ReadOnly || !u.Active || !u.HasPassword {
		t.Fatalf("unexpected user %+v token %q", u, tok)
	}
	_, _, err = s.CreateUser(ctx, admin, NewUser{Email: "anna@EXAMPLE.org", RoleID: roleID(t, s, SystemBoard), Password: "long enough pw"})
	if fieldErr(err, "email") != validate.Taken {
		t.Fatalf("same email in other case: %v", err)
	}
	// Sign-in ignores case too.
	if _, err := s.SignIn(ctx, "ANNA@example.ORG", "long enough pw", "c"); err != nil {
		t.Fatalf("sign in with other case: %v", err)
	}

	_, _, err = s.CreateUser(ctx, admin, NewUser{Email: "bad", RoleID: "nope", Password: "short"})
	for field, id := range map[string]string{"email": validate.BadEmail, "role_id": validate.NotFound, "password": validate.TooShort} {
		if got := fieldErr(err, field); got != id {
			t.Errorf("%s: %q, want %q", field, got, id)
		}
	}
	_, _, err = s.CreateUser(ctx, admin, NewUser{Email: "x@example.org", RoleID: "0190f5e4-7c1a-7b3e-9f00-0123456789ab", Password: "long enough pw"})
	if fieldErr(err, "role_id") != validate.NotFound {
		t.Errorf("unknown role: %v", err)
	}
}

func TestSetPasswordLinkSingleUse(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	admin := mkUser(t, s, authz.Admin, "admin@example.org")
	u, tok, err := s.CreateUser(ctx, admin, NewUser{Email: "new@example.org", RoleID: roleID(t, s, SystemMember), WithLink: true})
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
	if _, err := s.SetPasswordWithToken(ctx, tok, "my own password"); err != nil {
		t.Fatal(err)
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
	if _, err := s.SetupAdmin(ctx, tok, "bad", "short"); fieldErr(err, "email") == "" || fieldErr(err, "password") == "" {
		t.Fatalf("invalid input: %v", err)
	}
	u, err := s.SetupAdmin(ctx, tok, "first@example.org", "first admin pw")
	if err != nil {
		t.Fatal(err)
	}
	if u.Set != authz.Admin || u.RoleSystemKey != SystemAdmin {
		t.Fatalf("first user is not admin: %+v", u)
	}
	if _, err := s.SetupAdmin(ctx, tok, "second@example.org", "second admin pw"); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("token reused: %v", err)
	}
	// Every setup token dies when one is used.
	if _, err := s.SetupAdmin(ctx, other, "third@example.org", "third admin pw"); !errors.Is(err, ErrInvalidToken) {
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
			_, errs[i] = s.SetupAdmin(ctx, tok, "admin"+string(rune('a'+i))+"@example.org", "setup password")
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

func TestChangeOwnPassword(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	for _, set := range authz.PermissionSets {
		t.Run(string(set), func(t *testing.T) {
			a := mkUser(t, s, set, string(set)+"@example.org")
			u, _ := s.GetUser(ctx, a, a.UserID)
			if _, err := s.ActorForSession(ctx, a.UserID, u.SessionStamp); err != nil {
				t.Fatal(err)
			}
			err := s.ChangeOwnPassword(ctx, a, "not my password", "brand new password", "c")
			if fieldErr(err, "current_password") != MsgCurrentPasswordWrong {
				t.Fatalf("wrong current: %v", err)
			}
			err = s.ChangeOwnPassword(ctx, a, "password-123", "short", "c")
			if fieldErr(err, "new_password") != validate.TooShort {
				t.Fatalf("short new: %v", err)
			}
			if err := s.ChangeOwnPassword(ctx, a, "password-123", "brand new password", "c"); err != nil {
				t.Fatal(err)
			}
			if _, err := s.SignIn(ctx, a.Email, "brand new password", "c"); err != nil {
				t.Fatal(err)
			}
			// Sessions made before the change are signed out.
			if _, err := s.ActorForSession(ctx, a.UserID, u.SessionStamp); !errors.Is(err, ErrNoActor) {
				t.Fatalf("old session survives a password change: %v", err)
			}
		})
	}
	if err := s.ChangeOwnPassword(ctx, authz.Anonymous, "x", "brand new password", "c"); !errors.Is(err, authz.ErrForbidden) {
		t.Errorf("anonymous: %v", err)
	}
}

// TestAdminActionsForbidden: every admin-only action refuses the lower
// sets (and changes nothing).
func TestAdminActionsForbidden(t *testing.T) {
	s, db := newService(t)
	ctx := context.Background()
	admin := mkUser(t, s, authz.Admin, "admin@example.org")
	custom, err := s.CreateRole(ctx, admin, RoleInput{Name: "Helpers", Set: authz.OwnData})
	if err != nil {
		t.Fatal(err)
	}
	checksum := func() string {
		var sum string
		_ = db.QueryRow(ctx, `SELECT md5(coalesce((SELECT string_agg(t::text, ',' ORDER BY t::text) FROM users t), '') ||
			coalesce((SELECT string_agg(t::text, ',' ORDER BY t::text) FROM roles t), '') ||
			coalesce((SELECT string_agg(t::text, ',' ORDER BY t::text) FROM user_tokens t), ''))`).Scan(&sum)
		return sum
	}
	for _, set := range []authz.PermissionSet{authz.OwnData, authz.ReadOnly, authz.NormalUser} {
		a := mkUser(t, s, set, string(set)+"@example.org")
		before := checksum()
		calls := map[string]error{}
		_, _, calls["CreateUser"] = s.CreateUser(ctx, a, NewUser{Email: "x@example.org", RoleID: roleID(t, s, SystemAdmin), Password: "long enough pw"})
		calls["ChangeRole own"] = s.ChangeRole(ctx, a, a.UserID, roleID(t, s, SystemAdmin))
		calls["ChangeRole other"] = s.ChangeRole(ctx, a, admin.UserID, roleID(t, s, SystemMember))
		calls["SetActive"] = s.SetActive(ctx, a, admin.UserID, false)
		calls["DeleteUser"] = s.DeleteUser(ctx, a, admin.UserID)
		calls["DeleteUser own"] = s.DeleteUser(ctx, a, a.UserID)
		_, calls["NewSetPasswordLink"] = s.NewSetPasswordLink(ctx, a, admin.UserID)
		_, calls["CreateRole"] = s.CreateRole(ctx, a, RoleInput{Name: "Sneaky", Set: authz.Admin})
		_, calls["UpdateRole"] = s.UpdateRole(ctx, a, custom.ID, RoleInput{Name: "Helpers", Set: authz.Admin})
		calls["DeleteRole"] = s.DeleteRole(ctx, a, custom.ID)
		_, calls["GetUser other"] = s.GetUser(ctx, a, admin.UserID)
		for name, err := range calls {
			if !errors.Is(err, authz.ErrForbidden) {
				t.Errorf("%s: %s: %v, want forbidden", set, name, err)
			}
		}
		if after := checksum(); after != before {
			t.Errorf("%s: database changed by refused actions", set)
		}
		// Reading: only themselves.
		users, err := s.ListUsers(ctx, a)
		if err != nil || len(users) != 1 || users[0].ID != a.UserID {
			t.Errorf("%s: ListUsers = %v, %v", set, users, err)
		}
		if _, err := s.ListRoles(ctx, a); err != nil {
			t.Errorf("%s: ListRoles: %v", set, err)
		}
	}
	if _, err := s.ListUsers(ctx, authz.Anonymous); !errors.Is(err, authz.ErrForbidden) {
		t.Errorf("anonymous ListUsers: %v", err)
	}
	if _, err := s.ListRoles(ctx, authz.Anonymous); !errors.Is(err, authz.ErrForbidden) {
		t.Errorf("anonymous ListRoles: %v", err)
	}
}

func TestLastAdmin(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	admin := mkUser(t, s, authz.Admin, "admin@example.org")
	member := roleID(t, s, SystemMember)

	if err := s.ChangeRole(ctx, admin, admin.UserID, member); !errors.Is(err, ErrLastAdmin) {
		t.Errorf("demote last admin: %v", err)
	}
	if err := s.SetActive(ctx, admin, admin.UserID, false); !errors.Is(err, ErrLastAdmin) {
		t.Errorf("deactivate last admin: %v", err)
	}
	if err := s.DeleteUser(ctx, admin, admin.UserID); !errors.Is(err, ErrLastAdmin) {
		t.Errorf("delete last admin: %v", err)
	}
	// A custom admin role holding the last admin cannot lose its set.
	chief, err := s.CreateRole(ctx, admin, RoleInput{Name: "Chief", Set: authz.Admin})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.ChangeRole(ctx, admin, admin.UserID, chief.ID); err != nil {
		t.Fatalf("move admin to custom admin role: %v", err)
	}
	if _, err := s.UpdateRole(ctx, admin, chief.ID, RoleInput{Name: "Chief", Set: authz.ReadOnly}); !errors.Is(err, ErrLastAdmin) {
		t.Errorf("role update demoting last admin: %v", err)
	}
	// With a second admin, the first may step down.
	other := mkUser(t, s, authz.Admin, "other@example.org")
	if err := s.ChangeRole(ctx, other, admin.UserID, member); err != nil {
		t.Errorf("demote with a second admin: %v", err)
	}
	// An inactive admin does not count.
	if err := s.SetActive(ctx, other, admin.UserID, false); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteUser(ctx, other, other.UserID); !errors.Is(err, ErrLastAdmin) {
		t.Errorf("delete last active admin: %v", err)
	}
}

// TestLastAdminRace: two admins demote each other at the same moment,
// many times over; each time exactly one demotion wins.
func TestLastAdminRace(t *testing.T) {
	s, db := newService(t)
	ctx := context.Background()
	a := mkUser(t, s, authz.Admin, "a@example.org")
	b := mkUser(t, s, authz.Admin, "b@example.org")
	adminRole, memberRole := roleID(t, s, SystemAdmin), roleID(t, s, SystemMember)

	for round := 0; round < 20; round++ {
		if _, err := db.Exec(ctx, `UPDATE users SET role_id = $1, active = true`, adminRole); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		start := make(chan struct{})
		errs := make([]error, 4)
		run := func(i int, f func() error) {
			wg.Add(1)
			go func() { defer wg.Done(); <-start; errs[i] = f() }()
		}
		// Demotion, deactivation and deletion race against each other.
		run(0, func() error { return s.ChangeRole(ctx, a, b.UserID, memberRole) })
		run(1, func() error { return s.ChangeRole(ctx, b, a.UserID, memberRole) })
		if round%2 == 0 {
			run(2, func() error { return s.SetActive(ctx, a, a.UserID, false) })
			run(3, func() error { return s.SetActive(ctx, b, b.UserID, false) })
		}
		close(start)
		wg.Wait()
		for _, err := range errs {
			if err != nil && !errors.Is(err, ErrLastAdmin) {
				t.Fatalf("round %d: %v", round, err)
			}
		}
		n, err := countAdmins(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Fatalf("round %d: %d active admins left, want 1 (errors %v)", round, n, errs)
		}
	}
}

func TestRoles(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	admin := mkUser(t, s, authz.Admin, "admin@example.org")

	roles, err := s.ListRoles(ctx, admin)
	if err != nil || len(roles) != 4 {
		t.Fatalf("system roles: %v %v", roles, err)
	}
	for i, key := range []string{SystemMember, SystemBoard, SystemTreasurer, SystemAdmin} {
		if roles[i].SystemKey != key || roles[i].Set != authz.PermissionSets[i] {
			t.Errorf("role %d: %+v", i, roles[i])
		}
		if _, err := s.UpdateRole(ctx, admin, roles[i].ID, RoleInput{Name: "X", Set: authz.Admin}); !errors.Is(err, ErrSystemRole) {
			t.Errorf("update system role %s: %v", key, err)
		}
		if err := s.DeleteRole(ctx, admin, roles[i].ID); !errors.Is(err, ErrSystemRole) {
			t.Errorf("delete system role %s: %v", key, err)
		}
	}
	if roles[3].UserCount != 1 {
		t.Errorf("admin role user count %d", roles[3].UserCount)
	}

	r, err := s.CreateRole(ctx, admin, RoleInput{Name: " Kassenprüfer ", Description: "Prüft.", Set: authz.ReadOnly})
	if err != nil || r.Name != "Kassenprüfer" || r.IsSystem() {
		t.Fatalf("create: %+v %v", r, err)
	}
	if _, err := s.CreateRole(ctx, admin, RoleInput{Name: "KASSENPRÜFER", Set: authz.ReadOnly}); fieldErr(err, "name") != validate.Taken {
		t.Errorf("duplicate name: %v", err)
	}
	if _, err := s.CreateRole(ctx, admin, RoleInput{Name: "", Set: "root"}); fieldErr(err, "name") != validate.Required || fieldErr(err, "permission_set") != MsgBadPermissionSet {
		t.Errorf("invalid: %v", err)
	}
	r, err = s.UpdateRole(ctx, admin, r.ID, RoleInput{Name: "Prüfer", Description: "", Set: authz.NormalUser})
	if err != nil || r.Name != "Prüfer" || r.Set != authz.NormalUser {
		t.Fatalf("update: %+v %v", r, err)
	}
	if _, err := s.UpdateRole(ctx, admin, r.ID, RoleInput{Name: "Admin", Set: authz.NormalUser}); fieldErr(err, "name") != validate.Taken {
		t.Errorf("rename onto a system role name: %v", err)
	}
	// In use: not deletable.
	if _, _, err := s.CreateUser(ctx, admin, NewUser{Email: "p@example.org", RoleID: r.ID, Password: "long enough pw"}); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteRole(ctx, admin, r.ID); !errors.Is(err, ErrRoleInUse) {
		t.Errorf("delete role in use: %v", err)
	}
	empty, _ := s.CreateRole(ctx, admin, RoleInput{Name: "Empty", Set: authz.OwnData})
	if err := s.DeleteRole(ctx, admin, empty.ID); err != nil {
		t.Errorf("delete unused role: %v", err)
	}
	if _, err := s.GetRole(ctx, admin, empty.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("deleted role: %v", err)
	}
	if _, err := s.GetRole(ctx, admin, "not-a-uuid"); !errors.Is(err, ErrNotFound) {
		t.Errorf("malformed id: %v", err)
	}
}

func TestUserAdministration(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	admin := mkUser(t, s, authz.Admin, "admin@example.org")
	u := mkUser(t, s, authz.OwnData, "u@example.org")

	if err := s.ChangeRole(ctx, admin, u.UserID, roleID(t, s, SystemTreasurer)); err != nil {
		t.Fatal(err)
	}
	a, _ := s.ActorForUser(ctx, u.UserID)
	if a.Set != authz.NormalUser {
		t.Errorf("set after role change: %s", a.Set)
	}
	if err := s.ChangeRole(ctx, admin, u.UserID, "0190f5e4-7c1a-7b3e-9f00-0123456789ab"); fieldErr(err, "role_id") != validate.NotFound {
		t.Errorf("unknown role: %v", err)
	}
	if err := s.SetActive(ctx, admin, u.UserID, false); err != nil {
		t.Fatal(err)
	}
	if err := s.SetActive(ctx, admin, u.UserID, true); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ActorForUser(ctx, u.UserID); err != nil {
		t.Errorf("reactivated: %v", err)
	}
	users, _ := s.ListUsers(ctx, admin)
	if len(users) != 2 {
		t.Errorf("admin lists %d users", len(users))
	}
	if err := s.DeleteUser(ctx, admin, u.UserID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ActorForUser(ctx, u.UserID); !errors.Is(err, ErrNoActor) {
		t.Errorf("deleted user has an actor: %v", err)
	}
	for _, id := range []string{"nope", "0190f5e4-7c1a-7b3e-9f00-0123456789ab"} {
		if err := s.DeleteUser(ctx, admin, id); !errors.Is(err, ErrNotFound) {
			t.Errorf("delete %q: %v", id, err)
		}
		if _, err := s.GetUser(ctx, admin, id); !errors.Is(err, ErrNotFound) {
			t.Errorf("get %q: %v", id, err)
		}
	}
}

// TestChangeEmailSyncsLinkedMember: a linked member's email follows the
// user's; another member with the address refuses the whole change; an
// unlinked user changes alone; only admins may do it.
func TestChangeEmailSyncsLinkedMember(t *testing.T) {
	s, db := newService(t)
	ctx := context.Background()
	admin := mkUser(t, s, authz.Admin, "admin@example.org")
	treasurer := mkUser(t, s, authz.NormalUser, "kasse@example.org")
	board := mkUser(t, s, authz.ReadOnly, "board@example.org")

	var anna, other string
	if err := db.QueryRow(ctx, `INSERT INTO members (first_name, last_name, email) VALUES ('Anna', 'Müller', 'kasse@example.org') RETURNING id`).Scan(&anna); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(ctx, `INSERT INTO members (first_name, last_name, email) VALUES ('Otto', 'Ort', 'otto@example.org') RETURNING id`).Scan(&other); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(ctx, `UPDATE users SET member_id = $1 WHERE id = $2`, anna, treasurer.UserID); err != nil {
		t.Fatal(err)
	}
	memberEmail := func(id string) string {
		var e string
		if err := db.QueryRow(ctx, `SELECT coalesce(email::text, '') FROM members WHERE id = $1`, id).Scan(&e); err != nil {
			t.Fatal(err)
		}
		return e
	}
	userEmail := func(id string) string {
		u, err := s.GetUser(ctx, admin, id)
		if err != nil {
			t.Fatal(err)
		}
		return u.Email
	}

	if err := s.ChangeEmail(ctx, admin, treasurer.UserID, " anna.neu@example.org "); err != nil {
		t.Fatal(err)
	}
	if got := memberEmail(anna); got != "anna.neu@example.org" {
		t.Errorf("linked member email = %q", got)
	}
	if got := userEmail(treasurer.UserID); got != "anna.neu@example.org" {
		t.Errorf("user email = %q", got)
	}

	// Another member has the address: refused, nothing changes.
	err := s.ChangeEmail(ctx, admin, treasurer.UserID, "OTTO@example.org")
	if fieldErr(err, "email") == "" {
		t.Fatalf("address of another member: %v", err)
	}
	if userEmail(treasurer.UserID) != "anna.neu@example.org" || memberEmail(anna) != "anna.neu@example.org" {
		t.Error("a refused change left something changed")
	}
	// Another user has the address (any case): Taken.
	if err := s.ChangeEmail(ctx, admin, treasurer.UserID, "BOARD@example.org"); fieldErr(err, "email") != validate.Taken {
		t.Errorf("address of another user: %v", err)
	}
	if err := s.ChangeEmail(ctx, admin, treasurer.UserID, "not an email"); fieldErr(err, "email") != validate.BadEmail {
		t.Errorf("bad email: %v", err)
	}
	// An unlinked user changes alone.
	if err := s.ChangeEmail(ctx, admin, board.UserID, "vorstand@example.org"); err != nil {
		t.Fatal(err)
	}
	if memberEmail(other) != "otto@example.org" {
		t.Error("an unlinked change touched a member")
	}
	// Lower sets may not; unknown and malformed ids are not found.
	for _, a := range []authz.Actor{treasurer, board} {
		if err := s.ChangeEmail(ctx, a, board.UserID, "x@example.org"); !errors.Is(err, authz.ErrForbidden) {
			t.Errorf("%s: %v", a.Set, err)
		}
	}
	for _, id := range []string{"nope", "0190f5e4-7c1a-7b3e-9f00-0123456789ab"} {
		if err := s.ChangeEmail(ctx, admin, id, "x@example.org"); !errors.Is(err, ErrNotFound) {
			t.Errorf("id %q: %v", id, err)
		}
	}
}
