package accounts

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"mila/internal/pg"
	"mila/internal/validate"
)

// Throttle limits failed sign-ins. Failures are stored in the database
// (sign_in_failures, one row per failed attempt with the email and the
// client address), so the limits hold across several Mila processes and
// restarts.
//
// The policy (docs/SECURITY.md, "Authentication"):
//
//   - One client address may fail PerEmail times for one email and
//     PerClient times in all within Window; beyond that its attempts are
//     refused without being checked (ThrottledError) — from that address
//     only.
//   - Failures for one email from all addresses together never refuse an
//     attempt: refusing would let anyone lock any account, the
//     administrators' included, by typing wrong passwords from anywhere.
//     Beyond SlowAfter of them each attempt for the email waits first,
//     SlowBase doubling with each further failure, at most SlowMax.
//
// A sign-in with the right password forgets the failures of that email
// from that address.
type Throttle struct {
	Window    time.Duration // failures older than this are forgotten
	PerEmail  int           // failures for one email from one address within Window before refusing that pair
	PerClient int           // failures from one address within Window before refusing the address
	SlowAfter int           // failures for one email from all addresses before attempts wait
	SlowBase  time.Duration // the first wait; it doubles with every further failure
	SlowMax   time.Duration // the longest wait
}

// DefaultThrottle: 10 failures for one email from one address in 15
// minutes stop guessing at one account from there; the per-address limit
// is higher because a whole clubhouse may share one address behind its
// router, yet it still stops one machine from trying many accounts.
// Guessing at one account from many addresses is slowed, up to 5 s an
// attempt.
var DefaultThrottle = Throttle{Window: 15 * time.Minute, PerEmail: 10, PerClient: 30,
	SlowAfter: 10, SlowBase: 250 * time.Millisecond, SlowMax: 5 * time.Second}

// slowDown is the wait before an attempt for an email that failed n
// times (from all addresses) within the window.
func (t Throttle) slowDown(n int) time.Duration {
	if t.SlowBase <= 0 || n < t.SlowAfter {
		return 0
	}
	d := t.SlowBase
	for i := t.SlowAfter; i < n && d < t.SlowMax; i++ {
		d *= 2
	}
	return min(d, t.SlowMax)
}

func interval(d time.Duration) string { return fmt.Sprintf("%d milliseconds", d.Milliseconds()) }

// throttled returns how long the client must still wait before trying
// the email (0: not throttled), and how many failures the email has from
// all addresses within the window.
func (s *Service) throttled(ctx context.Context, q querier, email, client string) (time.Duration, int, error) {
	// The attempt is refused while the Limit-th most recent failure is
	// still inside the window; it leaves the window at failed_at + Window.
	var secs *float64
	var n int
	err := q.QueryRow(ctx, `
		SELECT (SELECT extract(epoch FROM max(until) - now())::float8 FROM (
		  (SELECT failed_at + $3::interval AS until FROM sign_in_failures
		    WHERE email = $1 AND client = $2 AND failed_at > now() - $3::interval
		    ORDER BY failed_at DESC OFFSET $4 LIMIT 1)
		  UNION ALL
		  (SELECT failed_at + $3::interval FROM sign_in_failures
		    WHERE client = $2 AND failed_at > now() - $3::interval
		    ORDER BY failed_at DESC OFFSET $5 LIMIT 1)
		) t),
		(SELECT count(*) FROM sign_in_failures WHERE email = $1 AND failed_at > now() - $3::interval)`,
		email, client, interval(s.limits.Window), s.limits.PerEmail-1, s.limits.PerClient-1).Scan(&secs, &n)
	if err != nil {
		return 0, 0, fmt.Errorf("check sign-in throttle: %w", err)
	}
	if secs == nil || *secs <= 0 {
		return 0, n, nil
	}
	return time.Duration(*secs * float64(time.Second)), n, nil
}

// attempt is a password check reserved by reserveAttempt.
type attempt struct {
	wait      time.Duration // > 0: refused (nothing recorded)
	slow      time.Duration // wait this long before checking
	failureID int64         // the failure recorded for it
}

// reserveAttempt checks the throttle and, if the attempt may go on,
// records it as a failure before the password is even looked at; a right
// password takes the record back. Checking and recording happen under
// advisory locks on the client and the email, so parallel attempts are
// counted one after the other: with check-then-record, 40 attempts sent
// at once all passed the check before the first failure was stored.
// Failures that have left the window are forgotten here (the table stays
// small). The slow-down is only computed here; the caller waits after the
// locks are released, so waiting attempts do not queue behind each other.
func (s *Service) reserveAttempt(ctx context.Context, email, client string) (attempt, error) {
	var at attempt
	err := pg.InTx(ctx, s.db, func(tx pgx.Tx) error {
		at = attempt{}
		// Always client first, then email: no two attempts wait for each
		// other in opposite orders.
		for _, key := range []string{"sign-in client " + client, "sign-in email " + strings.ToLower(email)} {
			if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, key); err != nil {
				return err
			}
		}
		wait, n, err := s.throttled(ctx, tx, email, client)
		if err != nil || wait > 0 {
			at.wait = wait
			return err
		}
		at.slow = s.limits.slowDown(n)
		return tx.QueryRow(ctx, `WITH gone AS (
			  DELETE FROM sign_in_failures
			   WHERE (email = $1 OR client = $2) AND failed_at < now() - $3::interval)
			INSERT INTO sign_in_failures (email, client) VALUES ($1, $2) RETURNING id`,
			email, client, interval(s.limits.Window)).Scan(&at.failureID)
	})
	if err != nil {
		return attempt{}, fmt.Errorf("sign-in throttle: %w", err)
	}
	return at, nil
}

// checkPasswordAttempt reserves an attempt for email from client, waits
// its slow-down and reports whether pw matches hash (nil: no password,
// which still costs one verification). A throttled attempt is a
// *ThrottledError and checks nothing. A wrong password stays recorded
// as a failure; a right one is the caller's to forget (forgetFailures).
func (s *Service) checkPasswordAttempt(ctx context.Context, email, client, pw string, hash *string) (bool, attempt, error) {
	at, err := s.reserveAttempt(ctx, email, client)
	if err != nil {
		return false, at, err
	}
	if at.wait > 0 {
		return false, at, &ThrottledError{Wait: at.wait}
	}
	if at.slow > 0 {
		if err := s.sleep(ctx, at.slow); err != nil {
			return false, at, err
		}
	}
	ok := false
	if hash != nil {
		var verr error
		ok, verr = VerifyPassword(pw, *hash)
		if verr != nil {
			burnVerify(pw) // a malformed hash must not answer faster
		}
	} else {
		burnVerify(pw)
	}
	return ok, at, nil
}

// forgetFailures removes the failures of email from client: the right
// password was given from there. Failures from other addresses stay (they
// are someone else's guesses, and keep slowing the account down).
func (s *Service) forgetFailures(ctx context.Context, email, client string) error {
	_, err := s.db.Exec(ctx, `DELETE FROM sign_in_failures WHERE email = $1 AND client = $2`, email, client)
	return err
}

// sleepCtx waits d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// SignIn checks an email and password and returns the user. client is
// the caller's network address, for throttling.
//
//   - *ThrottledError when too many attempts failed recently from this
//     client for the email or in all (nothing is checked then, and
//     nothing recorded); many failures for the email from elsewhere only
//     slow the attempt down (Throttle);
//   - ErrBadCredentials for an unknown email, a user without a password
//     and a wrong password alike, after about the same work: an unknown
//     email still costs one argon2id verification;
//   - ErrInactive when the password is right but the user is deactivated.
//
// On success the sign-in time is recorded, the email's failures from this
// client are forgotten, and a hash made with old parameters is replaced.
func (s *Service) SignIn(ctx context.Context, email, password, client string) (User, error) {
	email = validate.Clean(email)
	// Invalid UTF-8 or a NUL cannot be in a stored email, and PostgreSQL
	// refuses them as query arguments (an error, not "no such user").
	if email == "" || len(email) > 254 || !utf8.ValidString(email) || strings.ContainsRune(email, 0) ||
		password == "" || len(password) > 4*MaxPasswordLen {
		return User{}, ErrBadCredentials
	}
	var id, name string
	var hash *string
	var active bool
	err := s.db.QueryRow(ctx, `SELECT id, password_hash, active, user_display_name(member_id, display_name) FROM users WHERE email = $1`, email).
		Scan(&id, &hash, &active, &name)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return User{}, fmt.Errorf("sign in: %w", err)
	}
	ok, at, err := s.checkPasswordAttempt(ctx, email, client, password, hash)
	if err != nil {
		return User{}, err
	}
	if !ok {
		return User{}, ErrBadCredentials // recorded by reserveAttempt
	}
	if !active {
		// The right password is no failure, even for an inactive user.
		if _, err := s.db.Exec(ctx, `DELETE FROM sign_in_failures WHERE id = $1`, at.failureID); err != nil {
			return User{}, fmt.Errorf("sign in: %w", err)
		}
		return User{}, ErrInactive
	}

	if _, err := s.db.Exec(ctx, `UPDATE users SET last_sign_in_at = now() WHERE id = $1`, id); err != nil {
		return User{}, fmt.Errorf("sign in: %w", err)
	}
	if err := s.forgetFailures(ctx, email, client); err != nil {
		return User{}, fmt.Errorf("sign in: %w", err)
	}
	if s.hash.needsRehash(*hash) {
		if h, err := s.hash.HashPassword(password); err == nil {
			// Only if unchanged meanwhile; the stamp changes, which
			// signs out the user's older sessions — acceptable once.
			// The audit trail names the user as everywhere: "Name <email>".
			_, _ = pg.Exec(pg.WithActor(ctx, pg.Actor{UserID: id, Label: pg.UserLabel(name, email)}), s.db, `UPDATE users SET password_hash = $2 WHERE id = $1 AND password_hash = $3`, id, h, *hash)
		}
	}
	return getUser(ctx, s.db, id)
}
