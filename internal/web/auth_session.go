package web

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"mila/internal/accounts"
	"mila/internal/authz"
)

// Session keys of a signed-in user. The stamp (accounts.User.SessionStamp)
// changes with the password, a deactivation or a role change, which so
// end every other session. seen is the time of the session's last
// request (Unix seconds), for the idle timeout.
const (
	sessionUserID = "user_id"
	sessionStamp  = "user_stamp"
	sessionSeen   = "seen"
)

// touchEvery is how stale seen may get before a request rewrites it:
// the idle timeout is exact to within this, and a busy session costs one
// session write a minute instead of one per request.
func (a *App) touchEvery() time.Duration { return min(time.Minute, a.cfg.SessionIdle/10) }

// sessionActor is the body of authenticate (actor.go): the user id in the
// session becomes an Actor. A session whose user is gone, deactivated or
// has changed their password since is cleared: the visitor is anonymous.
//
// A session unused for longer than Config.SessionIdle is signed out the
// same way (with a message on the next page); a used one has its seen
// time moved on, at most once every touchEvery.
func (a *App) sessionActor(r *http.Request) (authz.Actor, error) {
	ctx := r.Context()
	id := a.sessions.GetString(ctx, sessionUserID)
	if id == "" {
		return authz.Anonymous, nil
	}
	now := time.Now()
	seen, seenErr := strconv.ParseInt(a.sessions.GetString(ctx, sessionSeen), 10, 64)
	if seenErr == nil && now.Sub(time.Unix(seen, 0)) > a.cfg.SessionIdle {
		a.clearSignIn(ctx)
		a.flashError(r, "AuthSessionIdle")
		return authz.Anonymous, nil
	}
	actor, err := a.accounts.ActorForSession(ctx, id, a.sessions.GetString(ctx, sessionStamp))
	if errors.Is(err, accounts.ErrNoActor) {
		a.clearSignIn(ctx)
		return authz.Anonymous, nil
	}
	if err != nil {
		return authz.Anonymous, err
	}
	// A session from before the idle timeout existed has no seen time:
	// it starts counting now.
	if seenErr != nil || now.Sub(time.Unix(seen, 0)) >= a.touchEvery() {
		a.sessions.Put(ctx, sessionSeen, strconv.FormatInt(now.Unix(), 10))
	}
	return actor, nil
}

// clearSignIn removes the signed-in user from the session.
func (a *App) clearSignIn(ctx context.Context) {
	a.sessions.Remove(ctx, sessionUserID)
	a.sessions.Remove(ctx, sessionStamp)
	a.sessions.Remove(ctx, sessionSeen)
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
	a.sessions.Put(ctx, sessionSeen, strconv.FormatInt(time.Now().Unix(), 10))
	return nil
}

// endSession signs out: a new token, and no user in it. The session
// itself lives on (empty) so the "signed out" flash reaches the next page.
func (a *App) endSession(r *http.Request) error {
	ctx := r.Context()
	if err := a.sessions.RenewToken(ctx); err != nil {
		return err
	}
	a.clearSignIn(ctx)
	return nil
}

// restartSession signs the actor in again on this request's session after
// a change that ended their sessions (their own role), with the new stamp.
func (a *App) restartSession(r *http.Request, actor authz.Actor) error {
	u, err := a.accounts.GetUser(r.Context(), actor, actor.UserID)
	if err != nil {
		return err
	}
	return a.startSession(r, u)
}
