package web

import (
	"context"
	"errors"
	"net/http"

	"github.com/jackc/pgx/v5"

	"mila/internal/accounts"
	"mila/internal/authz"
	"mila/internal/importer"
	"mila/internal/membership"
)

// ErrNotFound is the web layer's own "no such thing" (e.g. a malformed id).
var ErrNotFound = errors.New("not found")

// statusFor maps sentinel errors from the domain packages to HTTP statuses.
// This is the one place that mapping lives: when a domain package adds a
// sentinel (membership.ErrNotFound, ...), add it here.
func statusFor(err error) int {
	switch {
	case errors.Is(err, ErrNotFound), errors.Is(err, pgx.ErrNoRows):
		return http.StatusNotFound
	case errors.Is(err, accounts.ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, membership.ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, membership.ErrConflict):
		return http.StatusConflict
	case errors.Is(err, authz.ErrForbidden):
		return http.StatusForbidden
	}
	if e, ok := importer.AsError(err); ok {
		return importStatus(e)
	}
	var maxBytes *http.MaxBytesError
	if errors.As(err, &maxBytes) {
		return http.StatusRequestEntityTooLarge
	}
	if dbUnavailableErr(err) { // database down or unreachable (dbdown.go)
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// errorResponse answers err with the status statusFor gives it: a 4xx
// page for expected failures, a logged 500 for everything else. Handlers
// can pass any error from a domain call straight here.
func (a *App) errorResponse(w http.ResponseWriter, r *http.Request, err error) {
	status := statusFor(err)
	if status == http.StatusInternalServerError || status == http.StatusServiceUnavailable {
		a.serverError(w, r, err)
		return
	}
	a.clientError(w, r, status)
}

// statusClientClosedRequest is nginx's status for a request the client
// abandoned before the answer (not a standard code; only ever logged).
const statusClientClosedRequest = 499

// serverError logs err with the request id and shows the 500 page. The
// browser never sees the error text.
func (a *App) serverError(w http.ResponseWriter, r *http.Request, err error) {
	// A client that gave up (closed the tab, stopped a long export) ends
	// the request's context, and the statement running then fails with
	// it: nothing went wrong on the server, and nobody reads an answer.
	// 499 is the status proxies log for it.
	if r.Context().Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		a.log.Info("request cancelled by the client", "method", r.Method, "path", r.URL.Path, "request_id", requestID(r))
		w.WriteHeader(statusClientClosedRequest)
		return
	}
	// The session store's ErrorFunc and withActor end up here too, so this
	// is where an outage becomes the 503 page instead of a 500 (dbdown.go).
	if dbUnavailableErr(err) {
		a.dbUnavailable(w, r, err)
		return
	}
	defer closeResponse(r)
	dropHandlerHeaders(w)
	a.log.Error("server error", "err", err, "method", r.Method, "path", r.URL.Path, "request_id", requestID(r))
	a.errorPage(w, r, http.StatusInternalServerError)
}

// notFound shows the 404 page.
func (a *App) notFound(w http.ResponseWriter, r *http.Request) {
	a.errorPage(w, r, http.StatusNotFound)
}

// forbidden shows the 403 page (signed in, but not allowed).
func (a *App) forbidden(w http.ResponseWriter, r *http.Request) {
	a.errorPage(w, r, http.StatusForbidden)
}

// clientError shows the error page for a 4xx status (400, 403, 404, 405, 413, ...).
func (a *App) clientError(w http.ResponseWriter, r *http.Request, status int) {
	a.errorPage(w, r, status)
}

// errorPageData is what errorView shows.
type errorPageData struct {
	Status    int
	TitleID   string
	MessageID string
	RequestID string
}

// errorMessages names the title and explanation for each status we show.
var errorMessages = map[int][2]string{
	http.StatusBadRequest:            {"ErrorBadRequestTitle", "ErrorBadRequestText"},
	http.StatusForbidden:             {"ErrorForbiddenTitle", "ErrorForbiddenText"},
	http.StatusNotFound:              {"ErrorNotFoundTitle", "ErrorNotFoundText"},
	http.StatusMethodNotAllowed:      {"ErrorMethodTitle", "ErrorMethodText"},
	http.StatusRequestEntityTooLarge: {"ErrorTooLargeTitle", "ErrorTooLargeText"},
	http.StatusMisdirectedRequest:    {"ErrorMisdirectedTitle", "ErrorMisdirectedText"},
	http.StatusInternalServerError:   {"ErrorServerTitle", "ErrorServerText"},
}

// errorPage renders the error page in the layout and the viewer's language.
// It reads no session (it may run outside the session middleware, e.g.
// after a panic), so it shows no flashes.
func (a *App) errorPage(w http.ResponseWriter, r *http.Request, status int) {
	msgs, ok := errorMessages[status]
	if !ok {
		if status >= 500 {
			msgs = errorMessages[http.StatusInternalServerError]
		} else {
			msgs = errorMessages[http.StatusBadRequest]
		}
	}
	p := errorPageData{Status: status, TitleID: msgs[0], MessageID: msgs[1], RequestID: requestID(r)}
	a.renderBare(w, r, status, msgs[0], pageView(errorView, p))
}
