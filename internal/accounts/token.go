package accounts

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"mila/internal/authz"
	"mila/internal/pg"
	"mila/internal/validate"
)

// Token purposes, as stored in user_tokens.purpose.
const (
	purposeSetup       = "setup"
	purposeSetPassword = "set_password"
)

// How long one-time links live. The setup link is logged at every start
// of `mila serve` while there are no users, so a short life costs little;
// a set-password link is handed to a person and may wait a few days.
const (
	setupTTL       = 24 * time.Hour
	setPasswordTTL = 7 * 24 * time.Hour
)

// newToken returns a random token (32 bytes, URL-safe base64) and the
// SHA-256 digest that is stored. The token itself is never stored: a
// leaked database copy holds no usable link.
func newToken() (string, []byte, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", nil, fmt.Errorf("random token: %w", err)
	}
	tok := base64.RawURLEncoding.EncodeToString(b[:])
	return tok, hashToken(tok), nil
}

func hashToken(tok string) []byte {
	sum := sha256.Sum256([]byte(tok))
	return sum[:]
}

// newUserToken stores a token for userID ("" for setup) and returns it.
func newUserToken(ctx context.Context, q querier, purpose, userID string, ttl time.Duration) (string, error) {
	tok, digest, err := newToken()
	if err != nil {
		return "", err
	}
	var uid *string
	if userID != "" {
		uid = &userID
	}
	_, err = q.Exec(ctx, `INSERT INTO user_tokens (token_hash, purpose, user_id, expires_at)
		VALUES ($1, $2, $3, now() + $4::interval)`, digest, purpose, uid, fmt.Sprintf("%d seconds", int(ttl.Seconds())))
	if err != nil {
		return "", fmt.Errorf("store %s token: %w", purpose, err)
	}
	return tok, nil
}

// lookupToken finds a live token and returns its user id ("" for setup).
// forUpdate locks the row, so two requests racing with one token cannot
// both use it.
func lookupToken(ctx context.Context, q querier, purpose, tok string, forUpdate bool) (string, error) {
	if tok == "" || len(tok) > 100 {
		return "", ErrInvalidToken
	}
	sql := `SELECT coalesce(user_id::text, '') FROM user_tokens
		WHERE token_hash = $1 AND purpose = $2 AND expires_at > now()`
	if forUpdate {
		sql += ` FOR UPDATE`
	}
	var uid string
	err := q.QueryRow(ctx, sql, hashToken(tok), purpose).Scan(&uid)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", ErrInvalidToken
	}
	if err != nil {
		return "", fmt.Errorf("look up token: %w", err)
	}
	return uid, nil
}

// NewSetPasswordLink makes a fresh one-time set-password token for a user
// (admin only), e.g. for a user who forgot their password. Earlier links
// of that user stop working.
func (s *Service) NewSetPasswordLink(ctx context.Context, actor authz.Actor, userID string) (string, error) {
	if err := requireAll(actor, authz.User, authz.Update); err != nil {
		return "", err
	}
	if !validate.UUID(userID) {
		return "", ErrNotFound
	}
	var tok string
	err := pg.InTx(ctx, s.db, func(tx pgx.Tx) error {
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM users WHERE id = $1)`, userID).Scan(&exists); err != nil {
			return fmt.Errorf("new set-password link: %w", err)
		}
		if !exists {
			return ErrNotFound
		}
		if _, err := tx.Exec(ctx, `DELETE FROM user_tokens WHERE user_id = $1 AND purpose = $2`, userID, purposeSetPassword); err != nil {
			return fmt.Errorf("new set-password link: %w", err)
		}
		var err error
		tok, err = newUserToken(ctx, tx, purposeSetPassword, userID, setPasswordTTL)
		return err
	})
	return tok, err
}

// CheckSetPasswordToken returns the email of the user a live set-password
// token belongs to, for the form's heading. It does not use up the token.
func (s *Service) CheckSetPasswordToken(ctx context.Context, tok string) (string, error) {
	uid, err := lookupToken(ctx, s.db, purposeSetPassword, tok, false)
	if err != nil {
		return "", err
	}
	var email string
	if err := s.db.QueryRow(ctx, `SELECT email::text FROM users WHERE id = $1`, uid).Scan(&email); err != nil {
		return "", ErrInvalidToken
	}
	return email, nil
}

// actAsUser declares for the rest of tx that user uid is acting: the
// audit trail names them ("Name <email>", their id), not "anonymous".
// A one-time link is the authority of a request without a session; once
// it names its user, what the request does is that user's doing.
func actAsUser(ctx context.Context, tx pgx.Tx, uid string) error {
	var name, email string
	if err := tx.QueryRow(ctx, `SELECT user_display_name(member_id, display_name), email::text FROM users WHERE id = $1`, uid).
		Scan(&name, &email); err != nil {
		return fmt.Errorf("name the acting user: %w", err)
	}
	return pg.SetActor(pg.WithActor(ctx, pg.Actor{UserID: uid, Label: pg.UserLabel(name, email)}), tx)
}

// SetPasswordWithToken sets a user's password through their one-time
// link; the link dies with it. The token is the authority here, so there
// is no actor; the audit trail names the user the link is for (their
// first sign-in). Field error: "password".
func (s *Service) SetPasswordWithToken(ctx context.Context, tok, pw string) (User, error) {
	e := validate.Errors{}
	checkPassword(e, "password", pw)
	if err := e.Err(); err != nil {
		return User{}, err
	}
	var uid string
	err := pg.InTx(ctx, s.db, func(tx pgx.Tx) error {
		var err error
		if uid, err = lookupToken(ctx, tx, purposeSetPassword, tok, true); err != nil {
			return err
		}
		if err := actAsUser(ctx, tx, uid); err != nil {
			return err
		}
		// setPassword also deletes this user's set-password tokens.
		if err := s.setPassword(ctx, tx, uid, pw); err != nil {
			return err
		}
		// Setting the password signs the user in: that is their sign-in.
		_, err = tx.Exec(ctx, `UPDATE users SET last_sign_in_at = now() WHERE id = $1`, uid)
		return err
	})
	if err != nil {
		return User{}, err
	}
	return getUser(ctx, s.db, uid)
}

// CheckSetupToken reports whether tok is a live setup token (ErrSetupDone
// once users exist). It does not use up the token.
func (s *Service) CheckSetupToken(ctx context.Context, tok string) error {
	has, err := s.HasUsers(ctx)
	if err != nil {
		return err
	}
	if has {
		return ErrSetupDone
	}
	_, err = lookupToken(ctx, s.db, purposeSetup, tok, false)
	return err
}

// SetupAdmin creates the first admin through the setup link. The token is
// the authority (no actor); it works only while there are no users, and
// every setup token dies when it is used. The audit trail names the new
// admin as the one who acted. Field errors: "name", "email", "password".
func (s *Service) SetupAdmin(ctx context.Context, tok, name, email, pw string) (User, error) {
	email, name = validate.Clean(email), validate.Clean(name)
	if err := CheckSetupInput(name, email, pw); err != nil {
		return User{}, err
	}
	h, err := s.hash.HashPassword(pw)
	if err != nil {
		return User{}, err
	}
	var id string
	err = pg.InTx(ctx, s.db, func(tx pgx.Tx) error {
		// Serialise with other setups and admin changes.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, adminLockKey); err != nil {
			return fmt.Errorf("lock admins: %w", err)
		}
		if _, err := lookupToken(ctx, tx, purposeSetup, tok, true); err != nil {
			return err
		}
		var has bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM users)`).Scan(&has); err != nil {
			return fmt.Errorf("setup: %w", err)
		}
		if has {
			return ErrSetupDone
		}
		roleID, err := systemRoleID(ctx, tx, SystemAdmin)
		if err != nil {
			return err
		}
		// The new admin acts from here on (the id is made first, so the
		// audit entry of their own creation names them).
		if err := tx.QueryRow(ctx, `SELECT uuid_generate_v7()::text`).Scan(&id); err != nil {
			return fmt.Errorf("setup: %w", err)
		}
		if err := pg.SetActor(pg.WithActor(ctx, pg.Actor{UserID: id, Label: pg.UserLabel(name, email)}), tx); err != nil {
			return err
		}
		// The new admin is signed in at once: that is their first sign-in.
		if _, err := tx.Exec(ctx, `INSERT INTO users (id, email, password_hash, role_id, last_sign_in_at, display_name) VALUES ($1, $2, $3, $4, now(), $5)`,
			id, email, h, roleID, name); err != nil {
			return fmt.Errorf("setup: create admin: %w", err)
		}
		_, err = tx.Exec(ctx, `DELETE FROM user_tokens WHERE purpose = $1`, purposeSetup)
		return err
	})
	if err != nil {
		return User{}, err
	}
	return getUser(ctx, s.db, id)
}

// CheckSetupInput checks the setup form's values as SetupAdmin does,
// without the token or the database, so that the form can report every
// mistake at once together with its own checks. Field errors: "name",
// "email", "password".
func CheckSetupInput(name, email, pw string) error {
	e := validate.Errors{}
	checkUserName(e, "name", validate.Clean(name))
	validate.Email(e, "email", validate.Clean(email), true)
	checkPassword(e, "password", pw)
	return e.Err()
}

// CheckNewPassword checks a new password as SetPasswordWithToken does.
// Field error: "password".
func CheckNewPassword(pw string) error {
	e := validate.Errors{}
	checkPassword(e, "password", pw)
	return e.Err()
}

// HasUsers reports whether any user exists.
func (s *Service) HasUsers(ctx context.Context) (bool, error) {
	var has bool
	if err := s.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM users)`).Scan(&has); err != nil {
		return false, fmt.Errorf("check for users: %w", err)
	}
	return has, nil
}

// NewSetupToken returns a fresh one-time setup token when there are no
// users yet, else ErrSetupDone. `mila serve` logs it as a link at start.
// Earlier setup tokens stay valid until one of them is used (several
// processes may start at once); expired ones are removed.
func (s *Service) NewSetupToken(ctx context.Context) (string, error) {
	var tok string
	err := pg.InTx(ctx, s.db, func(tx pgx.Tx) error {
		var has bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM users)`).Scan(&has); err != nil {
			return fmt.Errorf("setup token: %w", err)
		}
		if has {
			return ErrSetupDone
		}
		if _, err := tx.Exec(ctx, `DELETE FROM user_tokens WHERE expires_at <= now()`); err != nil {
			return fmt.Errorf("setup token: %w", err)
		}
		var err error
		tok, err = newUserToken(ctx, tx, purposeSetup, "", setupTTL)
		return err
	})
	return tok, err
}
