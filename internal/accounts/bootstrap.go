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
// A new admin's name is made from the address (see CreateOrResetNamedAdmin).
// Field errors: "email", "password".
func (s *Service) CreateOrResetAdmin(ctx context.Context, email, password string) (AdminResult, error) {
	return s.CreateOrResetNamedAdmin(ctx, "", email, password)
}

// CreateOrResetNamedAdmin is CreateOrResetAdmin with the admin's display
// name: a new admin gets it, an existing one not linked to a member is
// renamed to it (a linked user's name is the member's and stays). An
// empty name changes no name; a new admin then gets the part of the
// address before the @ (a database trigger). Field errors: "name",
// "email", "password".
func (s *Service) CreateOrResetNamedAdmin(ctx context.Context, name, email, password string) (AdminResult, error) {
	email, name = validate.Clean(email), validate.Clean(name)
	e := validate.Errors{}
	if name != "" {
		checkUserName(e, "name", name)
	}
	validate.Email(e, "email", email, true)
	checkPassword(e, "password", password)
	if err := e.Err(); err != nil {
		return AdminUnchanged, err
	}
	var nameArg *string
	if name != "" {
		nameArg = &name
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
		var active, renamed bool
		err = tx.QueryRow(ctx, `SELECT id, password_hash, active, role_id,
			  member_id IS NULL AND $2::text IS NOT NULL AND display_name IS DISTINCT FROM $2
			FROM users WHERE email = $1 FOR UPDATE`, email, nameArg).
			Scan(&id, &hash, &active, &curRole, &renamed)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			h, err := s.hash.HashPassword(password)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO users (email, password_hash, role_id, display_name) VALUES ($1, $2, $3, $4)`,
				email, h, roleID, nameArg); err != nil {
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
			if renamed {
				if _, err := tx.Exec(ctx, `UPDATE users SET display_name = $2 WHERE id = $1`, id, name); err != nil {
					return fmt.Errorf("rename admin: %w", err)
				}
			}
			if same && active && curRole == roleID {
				result = AdminUnchanged
				if renamed {
					result = AdminUpdated
				}
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
