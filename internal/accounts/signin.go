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
// (sign_in_failures), so the limits hold across several Mila processes
// and restarts.
type Throttle struct {
	Window    time.Duration // failures older than this are forgotten
	PerEmail  int           // failures per email within Window before refusing
	PerClient int           // failures per client address within Window
}

// DefaultThrottle: 10 failures for one email in 15 minutes stop guessing
// at one account; the per-address limit is higher because a whole
// clubhouse may share one address behind its router, yet it still stops
// one machine from trying many accounts.
var DefaultThrottle = Throttle{Window: 15 * time.Minute, PerEmail: 10, PerClient: 30}

func interval(d time.Duration) string { return fmt.Sprintf("%d milliseconds", d.Milliseconds()) }

// throttled returns how long the email or the client must still wait (0: not throttled).
func (s *Service) throttled(ctx context.Context, q querier, email, client string) (time.Duration, error) {
	// The attempt is refused while the Limit-th most recent failure is
	// still inside the window; it leaves the window at failed_at + Window.
	var secs *float64
	err := q.QueryRow(ctx, `
		SELECT extract(epoch FROM max(until) - now())::float8 FROM (
		  (SELECT failed_at + $3::interval AS until FROM sign_in_failures
		    WHERE email = $1 AND failed_at > now() - $3::interval
		    ORDER BY failed_at DESC OFFSET $4 LIMIT 1)
		  UNION ALL
		  (SELECT failed_at + $3::interval FROM sign_in_failures
		    WHERE client = $2 AND failed_at > now() - $3::interval
		    ORDER BY failed_at DESC OFFSET $5 LIMIT 1)
		) t`, email, client, interval(s.limits.Window), s.limits.PerEmail-1, s.limits.PerClient-1).Scan(&secs)
	if err != nil {
		return 0, fmt.Errorf("check sign-in throttle: %w", err)
	}
	if secs == nil || *secs <= 0 {
		return 0, nil
	}
	return time.Duration(*secs * float64(time.Second)), nil
}

// reserveAttempt checks the throttle and, if the attempt may go on,
// records it as a failure before the password is even looked at; a right
// password takes the record back. Checking and recording happen under
// advisory locks on the client and the email, so parallel attempts are
// counted one after the other: with check-then-record, 40 attempts sent
// at once all passed the check before the first failure was stored.
// Failures that have left the window are forgotten here (the table stays
// small). It returns the wait (> 0: throttled, nothing recorded) or the
// id of the recorded failure.
func (s *Service) reserveAttempt(ctx context.Context, email, client string) (wait time.Duration, failureID int64, err error) {
	err = pg.InTx(ctx, s.db, func(tx pgx.Tx) error {
		// Always client first, then email: no two attempts wait for each
		// other in opposite orders.
		for _, key := range []string{"sign-in client " + client, "sign-in email " + strings.ToLower(email)} {
			if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, key); err != nil {
				return err
			}
		}
		var err error
		if wait, err = s.throttled(ctx, tx, email, client); err != nil || wait > 0 {
			return err
		}
		return tx.QueryRow(ctx, `WITH gone AS (
			  DELETE FROM sign_in_failures
			   WHERE (email = $1 OR client = $2) AND failed_at < now() - $3::interval)
			INSERT INTO sign_in_failures (email, client) VALUES ($1, $2) RETURNING id`,
			email, client, interval(s.limits.Window)).Scan(&failureID)
	})
	if err != nil {
		return 0, 0, fmt.Errorf("sign-in throttle: %w", err)
	}
	return wait, failureID, nil
}

// SignIn checks an email and password and returns the user. client is the
// caller's network address, for throttling.
//
//   - *ThrottledError when too many attempts failed recently for the email
//     or the client (nothing is checked then, and nothing recorded);
//   - ErrBadCredentials for an unknown email, a user without a password
//     and a wrong password alike, after about the same work: an unknown
//     email still costs one argon2id verification;
//   - ErrInactive when the password is right but the user is deactivated.
//
// On success the sign-in time is recorded, the email's failures are
// forgotten, and a hash made with old parameters is replaced.
func (s *Service) SignIn(ctx context.Context, email, password, client string) (User, error) {
	email = validate.Clean(email)
	// Invalid UTF-8 or a NUL cannot be in a stored email, and PostgreSQL
	// refuses them as query arguments (an error, not "no such user").
	if email == "" || len(email) > 254 || !utf8.ValidString(email) || strings.ContainsRune(email, 0) ||
		password == "" || len(password) > 4*MaxPasswordLen {
		return User{}, ErrBadCredentials
	}
	wait, failureID, err := s.reserveAttempt(ctx, email, client)
	if err != nil {
		return User{}, err
	}
	if wait > 0 {
		return User{}, &ThrottledError{Wait: wait}
	}

	var id string
	var hash *string
	var active bool
	err = s.db.QueryRow(ctx, `SELECT id, password_hash, active FROM users WHERE email = $1`, email).Scan(&id, &hash, &active)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return User{}, fmt.Errorf("sign in: %w", err)
	}
	ok := false
	if hash != nil {
		var verr error
		ok, verr = VerifyPassword(password, *hash)
		if verr != nil {
			burnVerify(password) // a malformed hash must not answer faster
		}
	} else {
		burnVerify(password)
	}
	if !ok {
		return User{}, ErrBadCredentials // recorded by reserveAttempt
	}
	if !active {
		// The right password is no failure, even for an inactive user.
		if _, err := s.db.Exec(ctx, `DELETE FROM sign_in_failures WHERE id = $1`, failureID); err != nil {
			return User{}, fmt.Errorf("sign in: %w", err)
		}
		return User{}, ErrInactive
	}

	if _, err := s.db.Exec(ctx, `UPDATE users SET last_sign_in_at = now() WHERE id = $1`, id); err != nil {
		return User{}, fmt.Errorf("sign in: %w", err)
	}
	if _, err := s.db.Exec(ctx, `DELETE FROM sign_in_failures WHERE email = $1`, email); err != nil {
		return User{}, fmt.Errorf("sign in: %w", err)
	}
	if s.hash.needsRehash(*hash) {
		if h, err := s.hash.HashPassword(password); err == nil {
			// Only if unchanged meanwhile; the stamp changes, which
			// signs out the user's older sessions — acceptable once.
			_, _ = s.db.Exec(ctx, `UPDATE users SET password_hash = $2 WHERE id = $1 AND password_hash = $3`, id, h, *hash)
		}
	}
	return getUser(ctx, s.db, id)
}
