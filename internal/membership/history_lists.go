package membership

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"mila/internal/authz"
	"mila/internal/pg"
	"mila/internal/validate"
)

// The lists history picks from — a group's roles, the club-wide default
// roles and the exit reasons — as their screens edit them: with how many
// records use each entry, renamed, and deleted only while unused.

// InUseError refuses deleting a list entry that Count records use (group
// memberships holding a role, periods giving an exit reason).
type InUseError struct{ Count int }

func (e *InUseError) Error() string { return fmt.Sprintf("in use by %d records", e.Count) }

// deleteUnused deletes the entry id with del (its $1 is id, further
// args follow) unless uses (its $1 is id) counts records using it. The
// count is read again when a record taking the entry wins the race (the
// foreign key refuses the delete), so the answer is the same.
func deleteUnused(ctx context.Context, db *pgxpool.Pool, uses, del, id string, args ...any) error {
	count := func() (int, error) {
		var n int
		err := db.QueryRow(ctx, uses, id).Scan(&n)
		return n, err
	}
	uses0, err := count()
	if err != nil {
		return err
	}
	if uses0 > 0 {
		return &InUseError{Count: uses0}
	}
	n, err := pg.Exec(ctx, db, del, append([]any{id}, args...)...)
	if pg.IsForeignKeyViolation(err, "") {
		if n, cerr := count(); cerr == nil && n > 0 {
			return &InUseError{Count: n}
		}
		return &InUseError{Count: 1}
	}
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}

// RoleUse is a role with the number of memberships, past and present,
// that hold it.
type RoleUse struct {
	GroupRole
	Holders int
}

// RolesOf returns the roles of group groupID's own list ("" the club-wide
// defaults) with their holders, by position and name. Reading them is
// reading groups.
func (h *History) RolesOf(ctx context.Context, actor authz.Actor, groupID string) ([]RoleUse, error) {
	if err := actor.Require(authz.Group, authz.Read); err != nil {
		return nil, err
	}
	if groupID != "" && !validate.UUID(groupID) {
		return nil, groupNotFound(groupID)
	}
	rows, err := h.db.Query(ctx, `SELECT r.id, coalesce(r.group_id::text, ''), r.name, r.leads,
		(SELECT count(*)::integer FROM group_memberships m WHERE m.role_id = r.id)
		FROM group_roles r WHERE r.group_id IS NOT DISTINCT FROM nullif($1, '')::uuid
		ORDER BY r.position, lower(r.name), r.id`, groupID)
	if err != nil {
		return nil, fmt.Errorf("roles: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (RoleUse, error) {
		var x RoleUse
		return x, r.Scan(&x.ID, &x.GroupID, &x.Name, &x.Leads, &x.Holders)
	})
}

// RoleChoice is a role offered when adding a membership: GroupID "" for
// a club-wide default (offered in every group).
type RoleChoice struct {
	ID, GroupID, GroupName, Name string
	Leads                        bool
}

// RoleChoices returns every role: the club-wide defaults first, then each
// group's own by group name — for the member page's "add membership"
// form, where the group is chosen in the same form.
func (h *History) RoleChoices(ctx context.Context, actor authz.Actor) ([]RoleChoice, error) {
	if err := actor.Require(authz.Group, authz.Read); err != nil {
		return nil, err
	}
	rows, err := h.db.Query(ctx, `SELECT r.id, coalesce(r.group_id::text, ''), coalesce(g.name, ''), r.name, r.leads
		FROM group_roles r LEFT JOIN groups g ON g.id = r.group_id
		ORDER BY r.group_id IS NOT NULL, g.name_key, r.position, lower(r.name), r.id`)
	if err != nil {
		return nil, fmt.Errorf("role choices: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (RoleChoice, error) {
		var x RoleChoice
		return x, r.Scan(&x.ID, &x.GroupID, &x.GroupName, &x.Name, &x.Leads)
	})
}

// UpdateRole renames a role of group groupID's list ("" the defaults)
// and marks whether it leads the group (which grants no rights yet).
func (h *History) UpdateRole(ctx context.Context, actor authz.Actor, groupID, id, name string, leads bool) (GroupRole, error) {
	if err := actor.Require(authz.Group, authz.Update); err != nil {
		return GroupRole{}, err
	}
	if !validate.UUID(id) || (groupID != "" && !validate.UUID(groupID)) {
		return GroupRole{}, ErrNotFound
	}
	name = validate.Clean(name)
	e := validate.Errors{}
	validate.Text(e, "name", name, 100, true, false)
	if err := e.Err(); err != nil {
		return GroupRole{}, err
	}
	n, err := pg.Exec(ctx, h.db, `UPDATE group_roles SET name = $3, leads = $4
		WHERE id = $1 AND group_id IS NOT DISTINCT FROM nullif($2, '')::uuid`, id, groupID, name, leads)
	switch {
	case pg.IsUniqueViolation(err, "group_roles_name_key"):
		return GroupRole{}, validate.Field("name", ErrNameTaken, nil)
	case err != nil:
		return GroupRole{}, fmt.Errorf("update role: %w", err)
	case n == 0:
		return GroupRole{}, ErrNotFound
	}
	return GroupRole{ID: id, GroupID: groupID, Name: name, Leads: leads}, nil
}

// ExitReasonUse is an exit reason with the number of periods giving it.
type ExitReasonUse struct {
	ExitReason
	Uses int
}

// ExitReasonsInUse returns the exit reasons with their uses, for the
// list's screen (CustomField update, like the data fields).
func (h *History) ExitReasonsInUse(ctx context.Context, actor authz.Actor) ([]ExitReasonUse, error) {
	if err := actor.Require(authz.CustomField, authz.Update); err != nil {
		return nil, err
	}
	rows, err := h.db.Query(ctx, `SELECT r.id, r.name,
		(SELECT count(*)::integer FROM member_periods p WHERE p.exit_reason_id = r.id)
		FROM exit_reasons r ORDER BY r.position, lower(r.name), r.id`)
	if err != nil {
		return nil, fmt.Errorf("exit reasons: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (ExitReasonUse, error) {
		var x ExitReasonUse
		return x, r.Scan(&x.ID, &x.Name, &x.Uses)
	})
}

// RenameExitReason renames a reason; the periods giving it show the new
// name.
func (h *History) RenameExitReason(ctx context.Context, actor authz.Actor, id, name string) (ExitReason, error) {
	if err := actor.Require(authz.CustomField, authz.Update); err != nil {
		return ExitReason{}, err
	}
	if !validate.UUID(id) {
		return ExitReason{}, ErrNotFound
	}
	name = validate.Clean(name)
	e := validate.Errors{}
	validate.Text(e, "name", name, 100, true, false)
	if err := e.Err(); err != nil {
		return ExitReason{}, err
	}
	n, err := pg.Exec(ctx, h.db, `UPDATE exit_reasons SET name = $2 WHERE id = $1`, id, name)
	switch {
	case pg.IsUniqueViolation(err, "exit_reasons_name_key"):
		return ExitReason{}, validate.Field("name", ErrNameTaken, nil)
	case err != nil:
		return ExitReason{}, fmt.Errorf("rename exit reason: %w", err)
	case n == 0:
		return ExitReason{}, ErrNotFound
	}
	return ExitReason{ID: id, Name: name}, nil
}

// IsInUse reports whether err refuses a delete because the entry is
// used, and by how many records.
func IsInUse(err error) (int, bool) {
	var e *InUseError
	if errors.As(err, &e) {
		return e.Count, true
	}
	return 0, false
}

// Validate checks a membership as typed without writing it (the same
// checks AddMembership makes), so that a form can show every problem at
// once.
func (in MembershipInput) Validate() error {
	_, _, _, e := in.check(Today())
	return e.Err()
}
