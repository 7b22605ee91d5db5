package accounts

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"mila/internal/pg"
	"mila/internal/validate"
)

// AdminResult says what CreateOrResetAdmin did.
type AdminResult int

const (
	AdminUnchanged AdminResult = iota // already an active admin with that password
	AdminCreated                      // a new admin user
	AdminUpdated                      // an existing user made active admin and/or given the password
)

func (r AdminResult) String() string {
	switch r {
	case AdminCreated:
		return "created"
	case AdminUpdated:
		return "updated"
	}
	return "unchanged"
}

// CreateOrResetAdmin makes email an active user with the Admin system
// role and the given password, creating the user if needed. It is safe to
// repeat: when nothing needs to change nothing is written, so running it
// at every start of `mila serve` does not sign the admin out.
//
// It takes no actor: it is reachable only from the server's command line
// (`mila admin create`, MILA_ADMIN_* at `mila serve`), never from the web.
// Field errors: "email", "password".
func (s *Service) CreateOrResetAdmin(ctx context.Context, email, password string) (AdminResult, error) {
	email = validate.Clean(email)
	e := validate.Errors{}
	validate.Email(e, "email", email, true)
	checkPassword(e, "password", password)
	if err := e.Err(); err != nil {
		return AdminUnchanged, err
	}
	var result AdminResult
	err := pg.InTx(ctx, s.db, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, adminLockKey); err != nil {
			return fmt.Errorf("lock admins: %w", err)
		}
		roleID, err := systemRoleID(ctx, tx, SystemAdmin)
		if err != nil {
			return err
		}
		var id, curRole string
		var hash *string
		var active bool
		err = tx.QueryRow(ctx, `SELECT id, password_hash, active, role_id FROM users WHERE email = $1 FOR UPDATE`, email).
			Scan(&id, &hash, &active, &curRole)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			h, err := s.hash.HashPassword(password)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO users (email, password_hash, role_id) VALUES ($1, $2, $3)`,
				email, h, roleID); err != nil {
				return fmt.Errorf("create admin: %w", err)
			}
			result = AdminCreated
		case err != nil:
			return fmt.Errorf("find admin: %w", err)
		default:
			same := false
			if hash != nil {
				same, _ = VerifyPassword(password, *hash)
			}
			if same && active && curRole == roleID {
				result = AdminUnchanged
				break
			}
			newHash := hash
			if !same {
				h, err := s.hash.HashPassword(password)
				if err != nil {
					return err
				}
				newHash = &h
			}
			if _, err := tx.Exec(ctx, `UPDATE users SET password_hash = $2, role_id = $3, active = true WHERE id = $1`,
				id, newHash, roleID); err != nil {
				return fmt.Errorf("reset admin: %w", err)
			}
			if _, err := tx.Exec(ctx, `DELETE FROM user_tokens WHERE user_id = $1`, id); err != nil {
				return fmt.Errorf("reset admin: %w", err)
			}
			result = AdminUpdated
		}
		// An admin now exists: the setup link has done its job, and a
		// locked-out admin should be able to sign in right away.
		if _, err := tx.Exec(ctx, `DELETE FROM user_tokens WHERE purpose = $1`, purposeSetup); err != nil {
			return fmt.Errorf("remove setup tokens: %w", err)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM sign_in_failures WHERE email = $1`, email); err != nil {
			return fmt.Errorf("clear sign-in failures: %w", err)
		}
		return nil
	})
	return result, err
}
