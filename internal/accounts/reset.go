package accounts

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"mila/internal/authz"
	"mila/internal/pg"
	"mila/internal/validate"
)

// Password reset by mail (/forgot-password). The answer is the same
// whether or not the address belongs to a user: RequestPasswordReset
// returns a token only for an active user, and the caller shows one page
// either way. Requests are counted per address and per client in
// password_reset_requests (so across processes and restarts).
const (
	purposeResetPassword = "reset_password"
	// ResetTTL is how long a reset link works (once).
	ResetTTL = time.Hour
)

// ResetLimits bound reset requests within ResetWindow: PerEmail for one
// address (from anywhere; more would flood a mailbox), PerClient from one
// client address (for any addresses).
const (
	ResetWindow    = time.Hour
	ResetPerEmail  = 3
	ResetPerClient = 20
)

// ErrResetClientThrottled: this client asked for too many resets. Saying
// so reveals nothing about any address.
var ErrResetClientThrottled = errors.New("accounts: too many password reset requests from this client")

// ResetRequest is what RequestPasswordReset found.
type ResetRequest struct {
	Token string // "" when nothing is to be sent (no such active user, or the address's limit is reached)
	Email string // the user's address, as stored
}

// RequestPasswordReset records a reset request for email from client and,
// when email belongs to an active user and the address has not reached
// its limit, returns a fresh one-time token (1 hour; earlier reset links
// of the user stop working). Nobody is the actor: the mailbox is the
// authority. Only the per-client limit is an error.
func (s *Service) RequestPasswordReset(ctx context.Context, email, client string) (ResetRequest, error) {
	var out ResetRequest
	email = validate.Clean(email)
	e := validate.Errors{}
	validate.Email(e, "email", email, true)
	if err := e.Err(); err != nil {
		return out, err
	}
	err := pg.InTx(ctx, s.db, func(tx pgx.Tx) error {
		out = ResetRequest{}
		for _, key := range []string{"reset client " + client, "reset email " + strings.ToLower(email)} {
			if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, key); err != nil {
				return err
			}
		}
		var perClient, perEmail int
		if err := tx.QueryRow(ctx, `SELECT
			  (SELECT count(*) FROM password_reset_requests WHERE client = $2 AND requested_at > now() - $3::interval),
			  (SELECT count(*) FROM password_reset_requests WHERE email = $1 AND requested_at > now() - $3::interval)`,
			email, client, interval(ResetWindow)).Scan(&perClient, &perEmail); err != nil {
			return fmt.Errorf("reset throttle: %w", err)
		}
		if perClient >= ResetPerClient {
			return ErrResetClientThrottled
		}
		if _, err := tx.Exec(ctx, `WITH gone AS (DELETE FROM password_reset_requests WHERE requested_at < now() - $3::interval)
			INSERT INTO password_reset_requests (email, client) VALUES ($1, $2)`, email, client, interval(ResetWindow)); err != nil {
			return fmt.Errorf("record reset request: %w", err)
		}
		var uid, stored string
		err := tx.QueryRow(ctx, `SELECT id, email::text FROM users WHERE email = $1 AND active`, email).Scan(&uid, &stored)
		if errors.Is(err, pgx.ErrNoRows) || perEmail >= ResetPerEmail {
			return nil
		}
		if err != nil {
			return fmt.Errorf("reset: find user: %w", err)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM user_tokens WHERE user_id = $1 AND purpose = $2`, uid, purposeResetPassword); err != nil {
			return fmt.Errorf("reset: %w", err)
		}
		tok, err := newUserToken(ctx, tx, purposeResetPassword, uid, ResetTTL)
		if err != nil {
			return err
		}
		out = ResetRequest{Token: tok, Email: stored}
		return nil
	})
	return out, err
}

// CheckResetToken returns the email of the user a live reset token
// belongs to. It does not use up the token.
func (s *Service) CheckResetToken(ctx context.Context, tok string) (string, error) {
	uid, err := lookupToken(ctx, s.db, purposeResetPassword, tok, false)
	if err != nil {
		return "", err
	}
	var email string
	if err := s.db.QueryRow(ctx, `SELECT email::text FROM users WHERE id = $1 AND active`, uid).Scan(&email); err != nil {
		return "", ErrInvalidToken
	}
	return email, nil
}

// ResetPassword sets a new password through a reset link; the link dies
// with it (every reset link of the user), and so does every session of
// the user (the session stamp follows the password). The audit trail
// names the user the link is for. Field error: "password".
func (s *Service) ResetPassword(ctx context.Context, tok, pw string) (User, error) {
	e := validate.Errors{}
	checkPassword(e, "password", pw)
	if err := e.Err(); err != nil {
		return User{}, err
	}
	var uid string
	err := pg.InTx(ctx, s.db, func(tx pgx.Tx) error {
		var err error
		if uid, err = lookupToken(ctx, tx, purposeResetPassword, tok, true); err != nil {
			return err
		}
		if err := actAsUser(ctx, tx, uid); err != nil {
			return err
		}
		if err := s.setPassword(ctx, tx, uid, pw); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `DELETE FROM user_tokens WHERE user_id = $1 AND purpose = $2`, uid, purposeResetPassword)
		return err
	})
	if err != nil {
		return User{}, err
	}
	return getUser(ctx, s.db, uid)
}

// LinkedUserEmail returns the sign-in email of the user linked to a
// member ("" when none), for an actor who may change the member: a
// member's email change changes that user's sign-in email too, and the
// old address is told (web: noticeEmailChanged).
func (s *Service) LinkedUserEmail(ctx context.Context, actor authz.Actor, memberID string) (string, error) {
	if !actor.CanOnMember(authz.Member, authz.Update, memberID) || !validate.UUID(memberID) {
		return "", nil
	}
	var email string
	err := s.db.QueryRow(ctx, `SELECT email::text FROM users WHERE member_id = $1`, memberID).Scan(&email)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("linked user email: %w", err)
	}
	return email, nil
}
