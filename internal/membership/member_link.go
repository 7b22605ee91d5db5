package membership

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"mila/internal/authz"
	"mila/internal/pg"
	"mila/internal/validate"
)

// A user may be linked to one member and a member to one user
// (users.member_id, unique). The member's email and the user's (the
// sign-in address) are then kept equal, by two database triggers and
// nothing else (migration 00008_sign_in_email_sync):
//   - linking copies the user's email onto the member;
//   - changing the user's email (accounts.ChangeEmail) changes the
//     member's;
//   - saving the member with a new email (Members.Update) changes the
//     user's — only when the transaction has declared, from the
//     permission table, that it may change that user's sign-in email
//     (declareSignInEmailRight); otherwise the trigger refuses and the
//     form gets ErrMemberSignInEmail next to the email field;
//   - unlinking changes neither.
// So the accounts package needs nothing from this one, and no path can
// change a sign-in email as a side effect without the permission.

// declareSignInEmailRight tells the trigger members_sync_sign_in_email
// whose sign-in email this transaction may change through a member's
// email: everyone's for an actor who may update every user (admin), else
// only the actor's own user (the member editing their own record; every
// permission set may update its own user). That is the rule of
// docs/SECURITY.md: "only an administrator or the member can change it".
func declareSignInEmailRight(ctx context.Context, tx pgx.Tx, actor authz.Actor) error {
	right := ""
	switch {
	case actor.Scope(authz.User, authz.Update) == authz.All:
		right = "all"
	case actor.CanOnUser(authz.Update, actor.UserID):
		right = actor.UserID
	}
	if _, err := tx.Exec(ctx, `SELECT set_config('mila.sign_in_email_change', $1, true)`, right); err != nil {
		return fmt.Errorf("declare sign-in email right: %w", err)
	}
	return nil
}

// MemberUserOption is a user that can be linked, for the select on the
// member page.
type MemberUserOption struct {
	ID    string
	Email string
}

// memberRequireLinkAdmin: linking touches a user and a member, so only
// an actor who may change every user and every member may do it (admin).
func memberRequireLinkAdmin(actor authz.Actor) error {
	if actor.Scope(authz.User, authz.Update) != authz.All || actor.Scope(authz.Member, authz.Update) != authz.All {
		return fmt.Errorf("link user and member: %w", authz.ErrForbidden)
	}
	return nil
}

// CanLinkUsers reports whether actor may link and unlink users and members
// (to show the control).
func CanLinkUsers(actor authz.Actor) bool { return memberRequireLinkAdmin(actor) == nil }

// LinkableUsers returns the users not linked to any member, by email.
func (s *Members) LinkableUsers(ctx context.Context, actor authz.Actor) ([]MemberUserOption, error) {
	if err := memberRequireLinkAdmin(actor); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT id, email::text FROM users WHERE member_id IS NULL ORDER BY email`)
	if err != nil {
		return nil, fmt.Errorf("list linkable users: %w", err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (MemberUserOption, error) {
		var o MemberUserOption
		err := row.Scan(&o.ID, &o.Email)
		return o, err
	})
}

// LinkUser links user userID to member memberID and copies the user's
// email onto the member. Problems are field errors on "user_id": the user
// does not exist or already has a member, the member already has a user,
// or another member already has the user's email.
func (s *Members) LinkUser(ctx context.Context, actor authz.Actor, memberID, userID string) error {
	if err := memberRequireLinkAdmin(actor); err != nil {
		return err
	}
	if !validate.UUID(memberID) {
		return ErrNotFound
	}
	if !validate.UUID(userID) {
		return validate.Field("user_id", validate.NotFound, nil)
	}
	return pg.InTx(ctx, s.db, func(tx pgx.Tx) error {
		// Lock order: member, then user — the same as Members.Update.
		var exists bool
		err := tx.QueryRow(ctx, `SELECT true FROM members WHERE id = $1 FOR NO KEY UPDATE`, memberID).Scan(&exists)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("lock member %s: %w", memberID, err)
		}
		var email string
		var linked *string
		err = tx.QueryRow(ctx, `SELECT email::text, member_id::text FROM users WHERE id = $1 FOR UPDATE`, userID).Scan(&email, &linked)
		if errors.Is(err, pgx.ErrNoRows) {
			return validate.Field("user_id", validate.NotFound, nil)
		}
		if err != nil {
			return fmt.Errorf("lock user %s: %w", userID, err)
		}
		if linked != nil {
			if *linked == memberID {
				return nil // already linked: nothing to do
			}
			return validate.Field("user_id", ErrMemberUserLinked, nil)
		}
		var hasUser, emailTaken bool
		err = tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM users WHERE member_id = $1),
			EXISTS (SELECT 1 FROM members WHERE email = $2 AND id <> $1)`, memberID, email).Scan(&hasUser, &emailTaken)
		if err != nil {
			return fmt.Errorf("check link of member %s: %w", memberID, err)
		}
		switch {
		case hasUser:
			return validate.Field("user_id", ErrMemberAlreadyLinked, nil)
		case emailTaken:
			return validate.Field("user_id", ErrMemberLinkEmailTaken, map[string]any{"Email": email})
		}
		// The trigger users_sync_member_email copies the user's email
		// onto the member.
		_, err = tx.Exec(ctx, `UPDATE users SET member_id = $2 WHERE id = $1`, userID, memberID)
		switch {
		case pg.IsUniqueViolation(err, "users_member_id_key"):
			return validate.Field("user_id", ErrMemberAlreadyLinked, nil)
		case pg.IsUniqueViolation(err, "members_email_key"):
			return validate.Field("user_id", ErrMemberLinkEmailTaken, map[string]any{"Email": email})
		}
		if err != nil {
			return fmt.Errorf("link user %s to member %s: %w", userID, memberID, err)
		}
		return nil
	})
}

// UnlinkUser removes the link between member memberID and its user. Both
// keep their email. Unlinking a member without a user is not an error.
func (s *Members) UnlinkUser(ctx context.Context, actor authz.Actor, memberID string) error {
	if err := memberRequireLinkAdmin(actor); err != nil {
		return err
	}
	if !validate.UUID(memberID) {
		return ErrNotFound
	}
	if _, err := pg.Exec(ctx, s.db, `UPDATE users SET member_id = NULL WHERE member_id = $1`, memberID); err != nil {
		return fmt.Errorf("unlink member %s: %w", memberID, err)
	}
	return nil
}
