package web

import (
	"context"
	"fmt"
	"io"
	"net/http"

	"github.com/a-h/templ"

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

// RenderForTest renders a page whose content fails with an error naming
// page, after the page frame has begun (to test that a failing view
// becomes a clean 500, never half a page).
func (a *App) RenderForTest(page string) http.HandlerFunc {
	failing := templ.ComponentFunc(func(context.Context, io.Writer) error {
		return fmt.Errorf("web: view %q failed", page)
	})
	return func(w http.ResponseWriter, r *http.Request) {
		a.render(w, r, http.StatusOK, func(f *frame) templ.Component {
			return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
				return layout(f, page).Render(templ.WithChildren(ctx, failing), w)
			})
		})
	}
}

// ErrorForTest answers every request with a.errorResponse(err).
func (a *App) ErrorForTest(err error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { a.errorResponse(w, r, err) }
}

// PartialForTest renders one part of a page without the page frame, as
// an htmx handler does.
func (a *App) PartialForTest(page, block string) http.HandlerFunc {
	v, ok := partialsForTest[page+"/"+block]
	if !ok {
		panic("PartialForTest: no " + page + "/" + block)
	}
	return func(w http.ResponseWriter, r *http.Request) { a.render(w, r, http.StatusOK, v) }
}

var partialsForTest = map[string]view{"home/main": pageView(homeMain, homePage{})}

// DeleteExpiredSessions runs the periodic session cleanup once.
func (a *App) DeleteExpiredSessions(ctx context.Context) error { return a.deleteExpiredSessions(ctx) }
