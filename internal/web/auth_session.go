package web

import (
	"errors"
	"net/http"

	"mila/internal/accounts"
	"mila/internal/authz"
)

// Session keys of a signed-in user. The stamp (accounts.User.SessionStamp)
// changes with the password, so changing it signs out other sessions.
const (
	sessionUserID = "user_id"
	sessionStamp  = "user_stamp"
)

// acct returns the accounts service on the app's database (made once in
// New: it holds no state besides its settings).
func (a *App) acct() *accounts.Service { return a.accounts }

// sessionActor is the body of authenticate (actor.go): the user id in the
// session becomes an Actor. A session whose user is gone, deactivated or
// has changed their password since is cleared: the visitor is anonymous.
func (a *App) sessionActor(r *http.Request) (authz.Actor, error) {
	ctx := r.Context()
	id := a.sessions.GetString(ctx, sessionUserID)
	if id == "" {
		return authz.Anonymous, nil
	}
	actor, err := a.acct().ActorForSession(ctx, id, a.sessions.GetString(ctx, sessionStamp))
	if errors.Is(err, accounts.ErrNoActor) {
		a.sessions.Remove(ctx, sessionUserID)
		a.sessions.Remove(ctx, sessionStamp)
		return authz.Anonymous, nil
	}
	if err != nil {
		return authz.Anonymous, err
	}
	return actor, nil
}

// startSession signs u in on this request's session. The token is renewed
// first, so a session id planted before sign-in (session fixation) is
// worthless afterwards.
func (a *App) startSession(r *http.Request, u accounts.User) error {
	ctx := r.Context()
	if err := a.sessions.RenewToken(ctx); err != nil {
		return err
	}
	a.sessions.Put(ctx, sessionUserID, u.ID)
	a.sessions.Put(ctx, sessionStamp, u.SessionStamp)
	return nil
}

// endSession signs out: a new token, and no user in it. The session
// itself lives on (empty) so the "signed out" flash reaches the next page.
func (a *App) endSession(r *http.Request) error {
	ctx := r.Context()
	if err := a.sessions.RenewToken(ctx); err != nil {
		return err
	}
	a.sessions.Remove(ctx, sessionUserID)
	a.sessions.Remove(ctx, sessionStamp)
	return nil
}

// restartSession signs the actor in again on this request's session after
// a change that ended their sessions (their own role), with the new stamp.
func (a *App) restartSession(r *http.Request, actor authz.Actor) error {
	u, err := a.acct().GetUser(r.Context(), actor, actor.UserID)
	if err != nil {
		return err
	}
	return a.startSession(r, u)
}
