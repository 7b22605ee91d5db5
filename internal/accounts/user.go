package accounts

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"mila/internal/authz"
	"mila/internal/pg"
	"mila/internal/validate"
)

// User is a person who can sign in.
type User struct {
	ID    string
	Email string
	// Name is how the user is shown (user list, header, audit trail):
	// the linked member's first and last name, else the user's own
	// display name (user_display_name, migration 00026).
	Name string
	// OwnName is the user's own display name, "" while linked to a
	// member (the name is the member's then).
	OwnName       string
	RoleID        string
	RoleName      string
	RoleSystemKey string // "" for a custom role
	Set           authz.PermissionSet
	Active        bool
	HasPassword   bool   // false until a new user follows their set-password link
	MemberID      string // the linked member, "" if none
	LastSignInAt  *time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
	// SessionStamp changes whenever the password changes. The web layer
	// keeps it in the session and passes it to ActorForSession, so a
	// password change signs the user out everywhere else.
	SessionStamp string
}

const userColumns = `u.id, u.email::text, user_display_name(u.member_id, u.display_name), coalesce(u.display_name, ''), u.role_id, r.name::text, coalesce(r.system_key, ''), r.permission_set,
	u.active, u.password_hash IS NOT NULL, coalesce(u.member_id::text, ''), u.last_sign_in_at, u.created_at, u.updated_at, ` + stampSQL

const userFrom = ` FROM users u JOIN roles r ON r.id = u.role_id`

func scanUser(row pgx.Row) (User, error) {
	var u User
	var set string
	err := row.Scan(&u.ID, &u.Email, &u.Name, &u.OwnName, &u.RoleID, &u.RoleName, &u.RoleSystemKey, &set,
		&u.Active, &u.HasPassword, &u.MemberID, &u.LastSignInAt, &u.CreatedAt, &u.UpdatedAt, &u.SessionStamp)
	u.Set = authz.PermissionSet(set)
	return u, err
}

func getUser(ctx context.Context, q querier, id string) (User, error) {
	if !validate.UUID(id) {
		return User{}, ErrNotFound
	}
	u, err := scanUser(q.QueryRow(ctx, `SELECT `+userColumns+userFrom+` WHERE u.id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return User{}, ErrNotFound
	}
	if err != nil {
		return User{}, fmt.Errorf("get user: %w", err)
	}
	return u, nil
}

// ListUsers returns the users the actor may read, by email: everyone for
// an admin, only themselves for the other sets. The scope is applied in SQL.
func (s *Service) ListUsers(ctx context.Context, actor authz.Actor) ([]User, error) {
	var cond string
	var args []any
	switch actor.Scope(authz.User, authz.Read) {
	case authz.All:
		cond = "true"
	case authz.Own:
		cond, args = "u.id = $1", []any{actor.UserID}
	default:
		return nil, fmt.Errorf("list users: %w", authz.ErrForbidden)
	}
	rows, err := s.db.Query(ctx, `SELECT `+userColumns+userFrom+` WHERE `+cond+` ORDER BY u.email`, args...)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	users, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (User, error) { return scanUser(row) })
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return users, nil
}

// GetUser returns one user the actor may read.
func (s *Service) GetUser(ctx context.Context, actor authz.Actor, id string) (User, error) {
	if !actor.CanOnUser(authz.Read, id) {
		return User{}, fmt.Errorf("read user: %w", authz.ErrForbidden)
	}
	return getUser(ctx, s.db, id)
}

// NewUser is what the "new user" form submits.
type NewUser struct {
	Name   string // display name, required (the user is not linked yet)
	Email  string
	RoleID string
	// Password is the initial password; ignored when WithLink is set.
	Password string
	// WithLink creates the user without a password and returns a one-time
	// set-password token for the admin to pass on.
	WithLink bool
}

// CreateUser adds a user (admin only). With in.WithLink the user gets no
// password and the returned token (for /set-password?token=…) lets them
// choose one; otherwise the token is "".
func (s *Service) CreateUser(ctx context.Context, actor authz.Actor, in NewUser) (User, string, error) {
	if err := requireAll(actor, authz.User, authz.Create); err != nil {
		return User{}, "", err
	}
	in.Email = validate.Clean(in.Email)
	in.Name = validate.Clean(in.Name)
	e := validate.Errors{}
	checkUserName(e, "name", in.Name)
	validate.Email(e, "email", in.Email, true)
	if in.RoleID == "" {
		e.Add("role_id", validate.Required, nil)
	} else if !validate.UUID(in.RoleID) {
		e.Add("role_id", validate.NotFound, nil)
	}
	if !in.WithLink {
		checkPassword(e, "password", in.Password)
	}
	if err := e.Err(); err != nil {
		return User{}, "", err
	}
	var hash *string
	if !in.WithLink {
		h, err := s.hash.HashPassword(in.Password)
		if err != nil {
			return User{}, "", err
		}
		hash = &h
	}
	var id, token string
	err := pg.InTx(ctx, s.db, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `INSERT INTO users (email, password_hash, role_id, display_name) VALUES ($1, $2, $3, $4) RETURNING id`,
			in.Email, hash, in.RoleID, in.Name).Scan(&id)
		switch {
		case pg.IsUniqueViolation(err, "users_email_key"):
			return validate.Field("email", validate.Taken, nil)
		case pg.IsForeignKeyViolation(err, ""):
			return validate.Field("role_id", validate.NotFound, nil)
		case err != nil:
			return fmt.Errorf("create user: %w", err)
		}
		if in.WithLink {
			token, err = newUserToken(ctx, tx, purposeSetPassword, id, setPasswordTTL)
		}
		return err
	})
	if err != nil {
		return User{}, "", err
	}
	u, err := getUser(ctx, s.db, id)
	return u, token, err
}

// ChangeEmail gives a user another email address (admin only). A user
// linked to a member keeps the same address as the member: the member's
// email changes in the same statement (a database trigger), and when
// another member already has the address the whole change is refused
// disagree. Another member may have the address too (a household).
func (s *Service) ChangeEmail(ctx context.Context, actor authz.Actor, userID, email string) error {
	if err := requireAll(actor, authz.User, authz.Update); err != nil {
		return err
	}
	if !validate.UUID(userID) {
		return ErrNotFound
	}
	email = validate.Clean(email)
	e := validate.Errors{}
	validate.Email(e, "email", email, true)
	if err := e.Err(); err != nil {
		return err
	}
	// The trigger users_sync_member_email (migration 00008) gives the
	// linked member the same address in this statement.
	n, err := pg.Exec(ctx, s.db, `UPDATE users SET email = $2 WHERE id = $1`, userID, email)
	switch {
	case pg.IsUniqueViolation(err, "users_email_key"):
		return validate.Field("email", validate.Taken, nil)
	case err != nil:
		return fmt.Errorf("change user email: %w", err)
	case n == 0:
		return ErrNotFound
	}
	return nil
}

// UserNameMax is the longest display name, in characters (the database
// checks the same).
const UserNameMax = 100

// CheckUserName checks a display name as the user forms do (for the
// command line, which has no form): 1 to UserNameMax characters.
func CheckUserName(name string) error {
	e := validate.Errors{}
	checkUserName(e, "name", validate.Clean(name))
	return e.Err()
}

// checkUserName checks a display name as typed (already cleaned).
func checkUserName(e validate.Errors, field, name string) {
	validate.Text(e, field, name, UserNameMax, true, false)
}

// ChangeName gives a user who is not linked to a member another display
// name (admin only). A linked user's name is the member's: changing it
// here is refused with MsgUserNameFromMember (change the member instead).
func (s *Service) ChangeName(ctx context.Context, actor authz.Actor, userID, name string) error {
	if err := requireAll(actor, authz.User, authz.Update); err != nil {
		return err
	}
	return s.changeName(ctx, userID, name)
}

// ChangeOwnName gives the actor's own account another display name
// (/account; every permission set may change its own user). Refused for
// a user linked to a member like ChangeName: the name is the member's.
func (s *Service) ChangeOwnName(ctx context.Context, actor authz.Actor, name string) error {
	if actor.UserID == "" || !actor.CanOnUser(authz.Update, actor.UserID) {
		return fmt.Errorf("change own name: %w", authz.ErrForbidden)
	}
	return s.changeName(ctx, actor.UserID, name)
}

// changeName is ChangeName and ChangeOwnName after their permission check.
func (s *Service) changeName(ctx context.Context, userID, name string) error {
	if !validate.UUID(userID) {
		return ErrNotFound
	}
	name = validate.Clean(name)
	e := validate.Errors{}
	checkUserName(e, "name", name)
	if err := e.Err(); err != nil {
		return err
	}
	return pg.InTx(ctx, s.db, func(tx pgx.Tx) error {
		var linked bool
		err := tx.QueryRow(ctx, `SELECT member_id IS NOT NULL FROM users WHERE id = $1 FOR UPDATE`, userID).Scan(&linked)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("change user name: %w", err)
		}
		if linked {
			return validate.Field("name", MsgUserNameFromMember, nil)
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET display_name = $2 WHERE id = $1 AND display_name IS DISTINCT FROM $2`, userID, name); err != nil {
			return fmt.Errorf("change user name: %w", err)
		}
		return nil
	})
}

// ChangeRole gives a user another role (admin only) and ends their
// sessions. Refused with ErrLastAdmin when it would demote the last
// active admin who can sign in.
func (s *Service) ChangeRole(ctx context.Context, actor authz.Actor, userID, roleID string) error {
	if err := requireAll(actor, authz.User, authz.Update); err != nil {
		return err
	}
	if !validate.UUID(userID) {
		return ErrNotFound
	}
	if !validate.UUID(roleID) {
		return validate.Field("role_id", validate.NotFound, nil)
	}
	return pg.InTx(ctx, s.db, func(tx pgx.Tx) error {
		return guardAdmins(ctx, tx, func() error {
			// A new role ends the user's sessions (the epoch is part of
			// the session stamp): they sign in again under it.
			tag, err := tx.Exec(ctx, `UPDATE users SET role_id = $2,
				session_epoch = session_epoch + CASE WHEN role_id = $2 THEN 0 ELSE 1 END WHERE id = $1`, userID, roleID)
			if pg.IsForeignKeyViolation(err, "") {
				return validate.Field("role_id", validate.NotFound, nil)
			}
			if err != nil {
				return fmt.Errorf("change role: %w", err)
			}
			if tag.RowsAffected() == 0 {
				return ErrNotFound
			}
			return nil
		})
	})
}

// SetActive deactivates or reactivates a user (admin only). A deactivated
// user cannot sign in and every session they had is ended; reactivated,
// they sign in anew. Deactivating the last active admin who can sign in
// is refused (ErrLastAdmin).
func (s *Service) SetActive(ctx context.Context, actor authz.Actor, userID string, active bool) error {
	if err := requireAll(actor, authz.User, authz.Update); err != nil {
		return err
	}
	if !validate.UUID(userID) {
		return ErrNotFound
	}
	return pg.InTx(ctx, s.db, func(tx pgx.Tx) error {
		return guardAdmins(ctx, tx, func() error {
			// Deactivating ends every session of the user at once (the
			// epoch is part of the session stamp), so a session unused
			// meanwhile does not come back with a reactivation.
			tag, err := tx.Exec(ctx, `UPDATE users SET active = $2,
				session_epoch = session_epoch + CASE WHEN active AND NOT $2 THEN 1 ELSE 0 END WHERE id = $1`, userID, active)
			if err != nil {
				return fmt.Errorf("set user active: %w", err)
			}
			if tag.RowsAffected() == 0 {
				return ErrNotFound
			}
			return nil
		})
	})
}

// DeleteUser removes a user (admin only); their tokens go with them and
// every session of theirs is anonymous from its next request on (no user
// to load). Deleting the last active admin who can sign in is refused
// (ErrLastAdmin).
func (s *Service) DeleteUser(ctx context.Context, actor authz.Actor, userID string) error {
	if err := requireAll(actor, authz.User, authz.Destroy); err != nil {
		return err
	}
	if !validate.UUID(userID) {
		return ErrNotFound
	}
	return pg.InTx(ctx, s.db, func(tx pgx.Tx) error {
		return guardAdmins(ctx, tx, func() error {
			tag, err := tx.Exec(ctx, `DELETE FROM users WHERE id = $1`, userID)
			if err != nil {
				return fmt.Errorf("delete user: %w", err)
			}
			if tag.RowsAffected() == 0 {
				return ErrNotFound
			}
			return nil
		})
	})
}

// ChangeOwnPassword sets the actor's own password after checking the
// current one. Every permission set may. Field errors: "current_password"
// (MsgCurrentPasswordWrong), "new_password" (length).
//
// The check of the current password is a sign-in attempt for the actor's
// email from client, with the same limits (*ThrottledError, and the same
// slow-down): a stolen session must not become an unthrottled password
// guesser. And one user checks at most one password at a time (ErrBusy
// for another try meanwhile), so parallel requests of one session cannot
// take every password-hashing slot.
func (s *Service) ChangeOwnPassword(ctx context.Context, actor authz.Actor, current, next, client string) error {
	if !actor.CanOnUser(authz.Update, actor.UserID) {
		return fmt.Errorf("change own password: %w", authz.ErrForbidden)
	}
	e := validate.Errors{}
	if current == "" {
		e.Add("current_password", validate.Required, nil)
	}
	checkPassword(e, "new_password", next)
	if err := e.Err(); err != nil {
		return err
	}
	release, ok := passwordChecks.try(actor.UserID)
	if !ok {
		return ErrBusy
	}
	defer release()
	var email string
	var stored *string
	err := s.db.QueryRow(ctx, `SELECT email::text, password_hash FROM users WHERE id = $1 AND active`, actor.UserID).Scan(&email, &stored)
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrNoActor
	}
	if err != nil {
		return fmt.Errorf("change own password: %w", err)
	}
	ok, _, err = s.checkPasswordAttempt(ctx, email, client, current, stored)
	if err != nil {
		return err
	}
	if !ok {
		return validate.Field("current_password", MsgCurrentPasswordWrong, nil)
	}
	if err := s.forgetFailures(ctx, email, client); err != nil {
		return fmt.Errorf("change own password: %w", err)
	}
	return pg.InTx(ctx, s.db, func(tx pgx.Tx) error { return s.setPassword(ctx, tx, actor.UserID, next) })
}

// passwordChecks holds the users whose own password is being checked
// (ChangeOwnPassword). Password hashing is bounded per process
// (hashSlots), so the guard is per process too.
var passwordChecks = &oneAtATime{}

// oneAtATime lets one holder per key at a time; others are turned away
// rather than queued (a queue would hold the requests and their slots).
type oneAtATime struct{ held sync.Map }

func (o *oneAtATime) try(key string) (release func(), ok bool) {
	if _, busy := o.held.LoadOrStore(key, struct{}{}); busy {
		return nil, false
	}
	return func() { o.held.Delete(key) }, true
}

// setPassword stores a new hash of pw for the user and removes their
// unused set-password links (a password now exists).
func (s *Service) setPassword(ctx context.Context, q querier, userID, pw string) error {
	h, err := s.hash.HashPassword(pw)
	if err != nil {
		return err
	}
	if _, err := q.Exec(ctx, `UPDATE users SET password_hash = $2 WHERE id = $1`, userID, h); err != nil {
		return fmt.Errorf("set password: %w", err)
	}
	if _, err := q.Exec(ctx, `DELETE FROM user_tokens WHERE user_id = $1 AND purpose = $2`, userID, purposeSetPassword); err != nil {
		return fmt.Errorf("set password: %w", err)
	}
	return nil
}

// stampSQL derives the session stamp from the password hash and the
// session epoch (migration 00011): a digest, so the session never holds
// anything from which the hash could be learnt. A new password, a
// deactivation or a role change changes it, and so ends every session
// made before. Epoch 0 adds nothing: stamps from before the epoch existed
// stay valid.
const stampSQL = `left(encode(sha256(convert_to(coalesce(u.password_hash, '')
	|| CASE WHEN u.session_epoch = 0 THEN '' ELSE ':' || u.session_epoch END, 'UTF8')), 'hex'), 16)`

// ActorForUser returns the actor for a signed-in user: their role's
// permission set and linked member. A deleted or deactivated user has no
// actor (ErrNoActor): the web layer then treats the session as signed out.
func (s *Service) ActorForUser(ctx context.Context, userID string) (authz.Actor, error) {
	return s.actorFor(ctx, userID, "", false)
}

// ActorForSession is ActorForUser for a session that recorded the user's
// SessionStamp at sign-in: when the password changed since, the session
// is no longer valid (ErrNoActor).
func (s *Service) ActorForSession(ctx context.Context, userID, stamp string) (authz.Actor, error) {
	return s.actorFor(ctx, userID, stamp, true)
}

func (s *Service) actorFor(ctx context.Context, userID, stamp string, checkStamp bool) (authz.Actor, error) {
	if !validate.UUID(userID) {
		return authz.Anonymous, ErrNoActor
	}
	var a authz.Actor
	var set, current string
	err := s.db.QueryRow(ctx, `SELECT u.id, u.email::text, user_display_name(u.member_id, u.display_name), r.permission_set, coalesce(u.member_id::text, ''), r.may_send_mailings, `+stampSQL+userFrom+`
		WHERE u.id = $1 AND u.active`, userID).Scan(&a.UserID, &a.Email, &a.Name, &set, &a.MemberID, &a.SendsMailings, &current)
	if err == nil && checkStamp && current != stamp {
		err = pgx.ErrNoRows
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return authz.Anonymous, ErrNoActor
	}
	if err != nil {
		return authz.Anonymous, fmt.Errorf("load actor: %w", err)
	}
	a.Set = authz.PermissionSet(set)
	if !a.Set.Valid() {
		return authz.Anonymous, fmt.Errorf("load actor: role has unknown permission set %q", set)
	}
	return a, nil
}
