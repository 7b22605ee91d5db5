package web

import (
	"context"
	"net/http"

	"mila/internal/authz"
	"mila/internal/pg"
)

// auditActor is the request's actor as the audit trail names it: the
// user's name and email ("Anna Admin <anna@example.org>") and id, or
// "anonymous" (sign-in, first setup, password links — the accounts code
// names the user once it knows who it is: actAsUser).
func auditActor(a authz.Actor) pg.Actor {
	if a.UserID == "" {
		return pg.Actor{Label: "anonymous"}
	}
	return pg.Actor{UserID: a.UserID, Label: pg.UserLabel(a.Name, a.Email)}
}

type ctxKey int

const (
	actorKey ctxKey = iota
	langKey
	requestIDKey
	sessionKey // true once LoadAndSave has loaded the session
	requestUserKey
)

// requestUser is the signed-in user as the request's log line names
// them ("Name <email>"); logRequests makes it, withActor fills it in.
type requestUser struct{ label string }

// actorFrom returns the request's actor; anonymous if nobody signed in.
func actorFrom(r *http.Request) authz.Actor {
	if a, ok := r.Context().Value(actorKey).(authz.Actor); ok {
		return a
	}
	return authz.Anonymous
}

// withActor resolves who is making the request and puts the actor and the
// viewer's language into the request context. It runs inside the session
// middleware (see page).
func (a *App) withActor(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		actor, err := a.authenticate(r)
		if err != nil {
			a.serverError(w, r, err)
			return
		}
		if who, ok := r.Context().Value(requestUserKey).(*requestUser); ok && actor.UserID != "" {
			who.label = pg.UserLabel(actor.Name, actor.Email)
		}
		ctx := context.WithValue(r.Context(), actorKey, actor)
		// Every transaction the request opens names this actor in the
		// audit trail (pg.InTx → SET LOCAL mila.actor).
		ctx = pg.WithActor(ctx, auditActor(actor))
		ctx = context.WithValue(ctx, langKey, a.i18n.langFor(r, a.club.get(r.Context()).DefaultLang))
		ctx = context.WithValue(ctx, sessionKey, true)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// authenticate turns the session into an actor: the signed-in user's
// role set and linked member (see sessionActor in auth_session.go), or
// anonymous.
func (a *App) authenticate(r *http.Request) (authz.Actor, error) {
	return a.sessionActor(r)
}
