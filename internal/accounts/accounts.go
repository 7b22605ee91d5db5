// Package accounts holds users, roles, password hashing, sign-in
// throttling, one-time tokens and the admin bootstrap.
//
// Every action that the web can reach takes the acting user (authz.Actor)
// and checks the permission table itself, beside its validation; there is
// no "system" actor. The few actions without an actor are those where
// something else is the authority: a password (SignIn), a one-time token
// (SetupAdmin, SetPasswordWithToken) or shell access to the server
// (CreateOrResetAdmin, used by `mila admin create` and `mila serve`).
package accounts

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"mila/internal/authz"
)

// Sentinel errors. The web layer maps them to statuses and messages.
var (
	// ErrNotFound: no such user, role or token (or a malformed id).
	ErrNotFound = errors.New("accounts: not found")
	// ErrNoActor: the user of a session is gone or deactivated; the
	// session must be treated as signed out.
	ErrNoActor = errors.New("accounts: no active user")
	// ErrBadCredentials: unknown email or wrong password — deliberately
	// the same error for both.
	ErrBadCredentials = errors.New("accounts: wrong email or password")
	// ErrInactive: the password was right but the user is deactivated.
	// Only returned after a correct password, so it reveals nothing to a
	// guesser.
	ErrInactive = errors.New("accounts: user deactivated")
	// ErrLastAdmin: the change would leave no active admin.
	ErrLastAdmin = errors.New("accounts: the last active admin cannot be demoted, deactivated or deleted")
	// ErrSystemRole: system roles cannot be changed or deleted.
	ErrSystemRole = errors.New("accounts: system roles cannot be changed or deleted")
	// ErrRoleInUse: a role that users have cannot be deleted.
	ErrRoleInUse = errors.New("accounts: role is in use")
	// ErrInvalidToken: a one-time token is unknown, used or expired.
	ErrInvalidToken = errors.New("accounts: invalid or expired link")
	// ErrSetupDone: the installation already has users; setup is over.
	ErrSetupDone = errors.New("accounts: setup already done")
	// ErrBusy: another check of the same user's password is running.
	ErrBusy = errors.New("accounts: a password check of this user is already running")
)

// ThrottledError is returned by SignIn (and ChangeOwnPassword) when too
// many attempts failed recently from the client address, for the email or
// in all.
type ThrottledError struct {
	Wait time.Duration // until the next attempt is accepted
}

func (e *ThrottledError) Error() string {
	return fmt.Sprintf("accounts: too many failed sign-in attempts, try again in %s", e.Wait)
}

// Minutes is Wait rounded up to whole minutes (at least 1), for messages.
func (e *ThrottledError) Minutes() int {
	m := int((e.Wait + time.Minute - 1) / time.Minute)
	if m < 1 {
		m = 1
	}
	return m
}

// Message ids this package's validation errors use besides the shared
// ones of internal/validate. Their texts live in
// internal/web/locales/accounts.{en,de}.json.
const (
	MsgCurrentPasswordWrong = "ErrCurrentPasswordWrong"
	MsgBadPermissionSet     = "ErrBadPermissionSet"
	// MsgUserNameFromMember: a linked user's name is the member's and
	// is changed on the member (text in internal/web/locales/usernames.*.json).
	MsgUserNameFromMember = "ErrUserNameFromMember"
)

// Password length limits, in characters. Long passphrases are welcome;
// the upper bound only keeps hashing of absurd input cheap.
const (
	MinPasswordLen = 10
	MaxPasswordLen = 256
)

// Service performs the account actions on one database.
type Service struct {
	db     *pgxpool.Pool
	hash   Params   // argon2id parameters for new hashes
	limits Throttle // sign-in throttling
	// sleep waits before a slowed-down password check (Throttle); tests
	// record the waits instead of sleeping them.
	sleep func(context.Context, time.Duration) error
}

// New returns a Service on db with the default hashing parameters and
// throttling limits.
func New(db *pgxpool.Pool) *Service {
	return &Service{db: db, hash: DefaultParams, limits: DefaultThrottle, sleep: sleepCtx}
}

// WithSleep returns a copy of s that waits before slowed-down password
// checks with sleep instead of a timer (nil: the timer).
func (s *Service) WithSleep(sleep func(context.Context, time.Duration) error) *Service {
	c := *s
	c.sleep = sleep
	if sleep == nil {
		c.sleep = sleepCtx
	}
	return &c
}

// WithParams returns a copy of s that hashes new passwords with p. Tests
// use cheap parameters; production uses DefaultParams.
func (s *Service) WithParams(p Params) *Service {
	c := *s
	c.hash = p
	return &c
}

// WithThrottle returns a copy of s with other throttling limits.
func (s *Service) WithThrottle(t Throttle) *Service {
	c := *s
	c.limits = t
	return &c
}

// requireAll refuses unless the actor may do act on res for every record.
// User management (role, active flag, deletion, links) needs it: the Own
// scope every set has on User covers only the own password.
func requireAll(actor authz.Actor, res authz.Resource, act authz.Action) error {
	if actor.Scope(res, act) != authz.All {
		return fmt.Errorf("%s %s (all): %w", act, res, authz.ErrForbidden)
	}
	return nil
}
