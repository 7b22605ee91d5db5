package membership

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

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
	Name  string // the user's display name
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

// LinkableUsers returns the users not linked to any member, by name.
func (s *Members) LinkableUsers(ctx context.Context, actor authz.Actor) ([]MemberUserOption, error) {
	if err := memberRequireLinkAdmin(actor); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT id, email::text, coalesce(display_name, '') FROM users WHERE member_id IS NULL ORDER BY lower(display_name), email`)
	if err != nil {
		return nil, fmt.Errorf("list linkable users: %w", err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (MemberUserOption, error) {
		var o MemberUserOption
		err := row.Scan(&o.ID, &o.Email, &o.Name)
		return o, err
	})
}

// LinkNeedsConfirm is LinkUserAsked's answer when linking would change
// the member's email (the member takes the user's sign-in address) and
// the actor has not confirmed that change: nothing was written. Old is
// the member's address, New the user's.
type LinkNeedsConfirm struct {
	UserID, UserEmail string
	Old, New          string
}

func (c *LinkNeedsConfirm) Error() string {
	return fmt.Sprintf("linking changes the member's email from %s to %s: confirm first", c.Old, c.New)
}

// AsLinkNeedsConfirm returns the confirmation err asks for, if it is one.
func AsLinkNeedsConfirm(err error) (*LinkNeedsConfirm, bool) {
	var c *LinkNeedsConfirm
	ok := errors.As(err, &c)
	return c, ok
}

// LinkAsk is what the actor confirmed for a link, and how the member's
// old address is kept.
type LinkAsk struct {
	// Confirmed, with Old and New: the actor saw and confirmed that the
	// member's email changes from Old to New. A change other than the one
	// confirmed (someone changed an address meanwhile) is asked again.
	Confirmed bool
	Old, New  string
	// Note is the line added to the member's notes that keeps the old
	// address ("Previous email until 2026-12-03: x", in the actor's
	// language); nil: PreviousEmailNote.
	Note func(old string, until time.Time) string
}

// PreviousEmailNote is the notes line that keeps a member's previous
// address when no translated one is given.
func PreviousEmailNote(old string, until time.Time) string {
	return "Previous email until " + until.Format(dateLayout) + ": " + old
}

// LinkUser links user userID to member memberID, confirming whatever
// change of the member's email that brings (for callers that have no one
// to ask: the old address is kept in the notes all the same). The web
// asks first: LinkUserAsked.
func (s *Members) LinkUser(ctx context.Context, actor authz.Actor, memberID, userID string) error {
	return s.linkUser(ctx, actor, memberID, userID, LinkAsk{}, true)
}

// LinkUserAsked links user userID to member memberID; the member takes
// the user's email (the sign-in address). When the member has another
// address (other than in case) and ask does not confirm exactly that
// change, nothing is written and the answer is *LinkNeedsConfirm. On a
// confirmed change the member's old address is kept as a dated line in
// its notes — never silently lost. Problems are field errors on
// "user_id": none chosen, the user does not exist or already has a
// member, the member already has a user, the notes have no room left.
// Another member may have the user's address too (a household).
func (s *Members) LinkUserAsked(ctx context.Context, actor authz.Actor, memberID, userID string, ask LinkAsk) error {
	return s.linkUser(ctx, actor, memberID, userID, ask, false)
}

func (s *Members) linkUser(ctx context.Context, actor authz.Actor, memberID, userID string, ask LinkAsk, confirmAny bool) error {
	if err := memberRequireLinkAdmin(actor); err != nil {
		return err
	}
	if !validate.UUID(memberID) {
		return ErrNotFound
	}
	userID = validate.Clean(userID)
	if userID == "" {
		return validate.Field("user_id", validate.Required, nil)
	}
	if !validate.UUID(userID) {
		return validate.Field("user_id", validate.NotFound, nil)
	}
	note := ask.Note
	if note == nil {
		note = PreviousEmailNote
	}
	return pg.InTx(ctx, s.db, func(tx pgx.Tx) error {
		// Lock order: member, then user — the same as Members.Update.
		var memberEmail *string
		var notes string
		err := tx.QueryRow(ctx, `SELECT email::text, notes FROM members WHERE id = $1 FOR NO KEY UPDATE`, memberID).Scan(&memberEmail, &notes)
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
		var hasUser bool
		err = tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM users WHERE member_id = $1)`, memberID).Scan(&hasUser)
		if err != nil {
			return fmt.Errorf("check link of member %s: %w", memberID, err)
		}
		if hasUser {
			return validate.Field("user_id", ErrMemberAlreadyLinked, nil)
		}
		if memberEmail != nil && !strings.EqualFold(*memberEmail, email) {
			old := *memberEmail
			if !confirmAny && !(ask.Confirmed && ask.Old == old && ask.New == email) {
				return &LinkNeedsConfirm{UserID: userID, UserEmail: email, Old: old, New: email}
			}
			line := note(old, time.Now())
			if notes != "" {
				line = "\n" + line
			}
			if utf8.RuneCountInString(notes+line) > MemberFieldMax["notes"] {
				return validate.Field("user_id", ErrMemberLinkNotesFull, nil)
			}
			if _, err := tx.Exec(ctx, `UPDATE members SET notes = notes || $2, version = version + 1 WHERE id = $1`, memberID, line); err != nil {
				return fmt.Errorf("keep the previous email of member %s: %w", memberID, err)
			}
		}
		// The trigger users_sync_member_email copies the user's email
		// onto the member.
		_, err = tx.Exec(ctx, `UPDATE users SET member_id = $2 WHERE id = $1`, userID, memberID)
		if pg.IsUniqueViolation(err, "users_member_id_key") {
			return validate.Field("user_id", ErrMemberAlreadyLinked, nil)
		}
		if err != nil {
			return fmt.Errorf("link user %s to member %s: %w", userID, memberID, err)
		}
		return nil
	})
}

// UnlinkUser removes the link between member memberID and its user. Both
// keep their email; the user keeps the member's name as its own display
// name (the trigger users_name_keep, migration 00026). Unlinking a member without a user is not an error.
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
