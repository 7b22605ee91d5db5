package web

import (
	"encoding/gob"
	"net/http"
)

// Flash is a one-time message shown on the next page, e.g. "Group created".
// The text is translated when it is stored: the viewer's language does not
// change between the action and the redirect that shows it.
type Flash struct {
	Kind string // "success" (fades after ~5 s) or "error" (stays until dismissed)
	Text string
}

const flashKey = "flashes"

func init() {
	// Sessions are stored as JSON (session_codec.go); sessions written
	// before that were gob-encoded and are still read.
	gob.Register([]Flash{})
}

// flashSuccess queues a success message: a.flashSuccess(r, "GroupCreated", "Name", g.Name).
func (a *App) flashSuccess(r *http.Request, id string, kv ...any) {
	a.addFlash(r, Flash{Kind: "success", Text: a.T(r, id, kv...)})
}

// flashSuccessN queues a success message whose words depend on a count
// ("1 member", "2 members").
func (a *App) flashSuccessN(r *http.Request, id string, n int, kv ...any) {
	a.addFlash(r, Flash{Kind: "success", Text: a.TN(r, id, n, kv...)})
}

// flashError queues an error message that stays until the viewer dismisses it.
func (a *App) flashError(r *http.Request, id string, kv ...any) {
	a.addFlash(r, Flash{Kind: "error", Text: a.T(r, id, kv...)})
}

// maxFlashes is how many messages a session queues: the newest ones. A
// client that posts and never follows the redirects would otherwise grow
// its session row without bound.
const maxFlashes = 5

func (a *App) addFlash(r *http.Request, f Flash) {
	fs, _ := a.sessions.Get(r.Context(), flashKey).([]Flash)
	if len(fs) >= maxFlashes {
		fs = append([]Flash(nil), fs[len(fs)-maxFlashes+1:]...)
	}
	a.sessions.Put(r.Context(), flashKey, append(fs, f))
}

// popFlashes returns and clears the queued messages. Outside the session
// middleware (bare routes) there are none.
func (a *App) popFlashes(r *http.Request) []Flash {
	if !a.hasSession(r) {
		return nil
	}
	fs, _ := a.sessions.Pop(r.Context(), flashKey).([]Flash)
	return fs
}

// hasSession reports whether the request went through the session
// middleware; scs panics when asked for session data it never loaded.
func (a *App) hasSession(r *http.Request) bool {
	ok, _ := r.Context().Value(sessionKey).(bool)
	return ok
}
