package web

import (
	"context"
	"net/http"

	"mila/internal/authz"
)

// Test-only hooks, visible to the web_test package.

// HandleForTest registers a public route on a running app.
func (a *App) HandleForTest(pattern string, h http.HandlerFunc) { a.publicRoute(a.mux, pattern, h) }

// GuardedForTest registers a route that needs act on res.
func (a *App) GuardedForTest(pattern string, res authz.Resource, act authz.Action, h http.HandlerFunc) {
	a.route(a.mux, pattern, res, act, h)
}

// FlashForTest queues a flash of the given kind and redirects home.
func (a *App) FlashForTest(kind, id string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if kind == "error" {
			a.flashError(r, id)
		} else {
			a.flashSuccess(r, id)
		}
		http.Redirect(w, r, "/", http.StatusSeeOther)
	}
}

// RenderForTest renders page with data (to test template failures).
func (a *App) RenderForTest(page string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { a.render(w, r, http.StatusOK, page, nil) }
}

// ErrorForTest answers every request with a.errorResponse(err).
func (a *App) ErrorForTest(err error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { a.errorResponse(w, r, err) }
}

// PartialForTest renders one block of a page, as an htmx handler would.
func (a *App) PartialForTest(page, block string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { a.renderPartial(w, r, http.StatusOK, page, block, nil) }
}

// DeleteExpiredSessions runs the periodic session cleanup once.
func (a *App) DeleteExpiredSessions(ctx context.Context) error { return a.deleteExpiredSessions(ctx) }
