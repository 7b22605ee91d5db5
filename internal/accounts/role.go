package accounts

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"mila/internal/authz"
	"mila/internal/pg"
	"mila/internal/validate"
)

// Role is a named role pointing at one permission set.
type Role struct {
	ID          string
	Name        string
	Description string
	Set         authz.PermissionSet
	// SystemKey is "member", "board", "treasurer" or "admin" for the four
	// seeded roles (shown translated, never deleted or changed), else "".
	SystemKey string
	// MaySendMailings: users of this role may write mailings to members
	// (authz.SendMailings; admins may anyway).
	MaySendMailings bool
	UserCount       int // users having this role
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// IsSystem reports whether r is one of the four seeded roles.
func (r Role) IsSystem() bool { return r.SystemKey != "" }

// System role keys, as stored in roles.system_key.
const (
	SystemMember    = "member"
	SystemBoard     = "board"
	SystemTreasurer = "treasurer"
	SystemAdmin     = "admin"
)

// RoleInput is what a role form submits.
type RoleInput struct {
	Name        string
	Description string
	Set         authz.PermissionSet
	// MaySendMailings gives the role authz.SendMailings.
	MaySendMailings bool
}

// Role name and description limits (the database checks them too).
const (
	MaxRoleName        = 100
	MaxRoleDescription = 500
)

func (in *RoleInput) clean() error {
	in.Name = validate.Clean(in.Name)
	in.Description = validate.Clean(in.Description)
	e := validate.Errors{}
	validate.Text(e, "name", in.Name, MaxRoleName, true, false)
	validate.Text(e, "description", in.Description, MaxRoleDescription, false, true)
	if in.Set == "" {
		e.Add("permission_set", validate.Required, nil)
	} else if !in.Set.Valid() {
		e.Add("permission_set", MsgBadPermissionSet, nil)
	}
	return e.Err()
}

const roleColumns = `r.id, r.name::text, r.description, r.permission_set, coalesce(r.system_key, ''), r.may_send_mailings,
	(SELECT count(*) FROM users u WHERE u.role_id = r.id), r.created_at, r.updated_at`

func scanRole(row pgx.Row) (Role, error) {
	var r Role
	var set string
	err := row.Scan(&r.ID, &r.Name, &r.Description, &set, &r.SystemKey, &r.MaySendMailings, &r.UserCount, &r.CreatedAt, &r.UpdatedAt)
	r.Set = authz.PermissionSet(set)
	return r, err
}

// ListRoles returns every role: the system roles first, from least to
// most powerful, then the others by name.
func (s *Service) ListRoles(ctx context.Context, actor authz.Actor) ([]Role, error) {
	if err := actor.Require(authz.Role, authz.Read); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT `+roleColumns+` FROM roles r
		ORDER BY r.system_key IS NULL,
		         array_position(ARRAY['own_data','read_only','normal_user','admin'], r.permission_set),
		         r.name`)
	if err != nil {
		return nil, fmt.Errorf("list roles: %w", err)
	}
	roles, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Role, error) { return scanRole(row) })
	if err != nil {
		return nil, fmt.Errorf("list roles: %w", err)
	}
	return roles, nil
}

// GetRole returns one role.
func (s *Service) GetRole(ctx context.Context, actor authz.Actor, id string) (Role, error) {
	if err := actor.Require(authz.Role, authz.Read); err != nil {
		return Role{}, err
	}
	return getRole(ctx, s.db, id)
}

func getRole(ctx context.Context, q querier, id string) (Role, error) {
	if !validate.UUID(id) {
		return Role{}, ErrNotFound
	}
	r, err := scanRole(q.QueryRow(ctx, `SELECT `+roleColumns+` FROM roles r WHERE r.id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return Role{}, ErrNotFound
	}
	if err != nil {
		return Role{}, fmt.Errorf("get role: %w", err)
	}
	return r, nil
}

// CreateRole adds a role (admin only).
func (s *Service) CreateRole(ctx context.Context, actor authz.Actor, in RoleInput) (Role, error) {
	if err := requireAll(actor, authz.Role, authz.Create); err != nil {
		return Role{}, err
	}
	if err := in.clean(); err != nil {
		return Role{}, err
	}
	var id string
	err := pg.InTx(ctx, s.db, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `INSERT INTO roles (name, description, permission_set, may_send_mailings) VALUES ($1, $2, $3, $4) RETURNING id`,
			in.Name, in.Description, string(in.Set), in.MaySendMailings).Scan(&id)
	})
	if roleNameTaken(err) {
		return Role{}, validate.Field("name", validate.Taken, nil)
	}
	if err != nil {
		return Role{}, fmt.Errorf("create role: %w", err)
	}
	return getRole(ctx, s.db, id)
}

// UpdateRole changes a role's name, description and permission set (admin
// only). System roles cannot be changed: their names are translated and
// each stands for its set. Moving a role away from the admin set is
// refused when that would leave no active admin.
func (s *Service) UpdateRole(ctx context.Context, actor authz.Actor, id string, in RoleInput) (Role, error) {
	if err := requireAll(actor, authz.Role, authz.Update); err != nil {
		return Role{}, err
	}
	if !validate.UUID(id) {
		return Role{}, ErrNotFound
	}
	if err := in.clean(); err != nil {
		return Role{}, err
	}
	err := pg.InTx(ctx, s.db, func(tx pgx.Tx) error {
		return guardAdmins(ctx, tx, func() error {
			var systemKey string
			err := tx.QueryRow(ctx, `SELECT coalesce(system_key, '') FROM roles WHERE id = $1 FOR UPDATE`, id).Scan(&systemKey)
			if errors.Is(err, pgx.ErrNoRows) {
				return ErrNotFound
			}
			if err != nil {
				return fmt.Errorf("lock role: %w", err)
			}
			if systemKey != "" {
				return ErrSystemRole
			}
			_, err = tx.Exec(ctx, `UPDATE roles SET name = $2, description = $3, permission_set = $4, may_send_mailings = $5 WHERE id = $1`,
				id, in.Name, in.Description, string(in.Set), in.MaySendMailings)
			if roleNameTaken(err) {
				return validate.Field("name", validate.Taken, nil)
			}
			if err != nil {
				return fmt.Errorf("update role: %w", err)
			}
			return nil
		})
	})
	if err != nil {
		return Role{}, err
	}
	return getRole(ctx, s.db, id)
}

// SetRoleMailings gives or takes "may send mailings" (admin only). Unlike
// the rest of a role, the flag can be changed on the system roles too:
// whether the board writes to members is the club's choice.
func (s *Service) SetRoleMailings(ctx context.Context, actor authz.Actor, id string, may bool) error {
	if err := requireAll(actor, authz.Role, authz.Update); err != nil {
		return err
	}
	if !validate.UUID(id) {
		return ErrNotFound
	}
	n, err := pg.Exec(ctx, s.db, `UPDATE roles SET may_send_mailings = $2 WHERE id = $1`, id, may)
	if err != nil {
		return fmt.Errorf("set role mailings: %w", err)
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}

// DeleteRole removes a role that is neither a system role nor in use (admin only).
func (s *Service) DeleteRole(ctx context.Context, actor authz.Actor, id string) error {
	if err := requireAll(actor, authz.Role, authz.Destroy); err != nil {
		return err
	}
	r, err := getRole(ctx, s.db, id)
	if err != nil {
		return err
	}
	if r.IsSystem() {
		return ErrSystemRole
	}
	// The foreign key (ON DELETE RESTRICT) settles a race with someone
	// assigning the role meanwhile.
	n, err := pg.Exec(ctx, s.db, `DELETE FROM roles WHERE id = $1 AND system_key IS NULL`, id)
	if pg.IsForeignKeyViolation(err, "") {
		return ErrRoleInUse
	}
	if err != nil {
		return fmt.Errorf("delete role: %w", err)
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}

// systemRoleID returns the id of a seeded role.
func systemRoleID(ctx context.Context, q querier, key string) (string, error) {
	var id string
	if err := q.QueryRow(ctx, `SELECT id FROM roles WHERE system_key = $1`, key).Scan(&id); err != nil {
		return "", fmt.Errorf("find system role %s: %w", key, err)
	}
	return id, nil
}

// roleNameTaken reports whether err is a unique violation of a role's
// name: the same name ignoring case, or ignoring invisible characters too
// (roles_name_folded_key, migration 00012).
func roleNameTaken(err error) bool {
	return pg.IsUniqueViolation(err, "roles_name_key") || pg.IsUniqueViolation(err, "roles_name_folded_key")
}
