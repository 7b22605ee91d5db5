package web

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// What happens while PostgreSQL is down or unreachable.
//
// Every page (and the session store behind it) needs the database, so an
// outage would otherwise show as a wall of 500 pages and stack-free but
// alarming "server error" log lines. Instead, the central error mapping
// (statusFor, serverError in errors.go) recognises connection failures
// with dbUnavailableErr and answers with dbUnavailable: a 503 page in the
// viewer's language with a Retry-After header, and one rate-limited log
// line. /readyz turns 503 by itself (health.go), so a load balancer stops
// sending traffic. Nothing is cached about the outage: pgxpool opens new
// connections on the next request, so Mila recovers on its own as soon as
// the database answers again.

// dbRetryAfter is the Retry-After we send with the 503 page: long enough
// not to hammer a restarting server, short enough that a person who
// reloads by hand is not kept waiting.
const dbRetryAfter = 10 * time.Second

// dbLogEvery bounds the "database unavailable" log lines during an
// outage: the first failure is logged at once, later ones at most this
// often, with the number of failed requests in between. Every failed
// request still has its own request log line with status 503.
const dbLogEvery = 10 * time.Second

// dbUnavailableErr reports whether err means "the database cannot be
// reached or is shutting down" rather than a fault in a query or in Mila:
//
//   - a failed connection attempt (*pgconn.ConnectError: refused, no
//     socket, DNS, timeout, "the database system is starting up", and
//     also a refusal such as a missing database or a wrong password),
//   - a network error or an unexpected EOF on an open connection (server
//     killed, network cut),
//   - a connection pgx had already closed (pgconn.ErrConnClosed),
//   - a context deadline inside the driver or while waiting for a pooled
//     connection (the server does not answer in time),
//   - SQLSTATE class 08 (connection exception), 57P01 admin_shutdown,
//     57P02 crash_shutdown, 57P03 cannot_connect_now, and 53300
//     too_many_connections.
//
// A context *cancellation* is not an outage: it is the visitor going away.
func dbUnavailableErr(err error) bool {
	if err == nil {
		return false
	}
	// Checked first: whatever the server said while refusing a new
	// connection (a dropped database, a rotated password), pages cannot be
	// served until an operator acts. The log line names the cause.
	var connErr *pgconn.ConnectError
	if errors.As(err, &connErr) {
		return true
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case strings.HasPrefix(pgErr.Code, "08"),
			pgErr.Code == "57P01", pgErr.Code == "57P02", pgErr.Code == "57P03",
			pgErr.Code == "53300":
			return true
		}
		// Any other server answer means the server is there and working.
		return false
	}
	if errors.Is(err, pgconn.ErrConnClosed) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return true
	}
	if errors.Is(err, context.DeadlineExceeded) || pgconn.Timeout(err) {
		return !errors.Is(err, context.Canceled)
	}
	// Read and write errors on an open connection: reset, broken pipe, timeout.
	var opErr *net.OpError
	return errors.As(err, &opErr)
}

// dbDownLog rate-limits the outage log lines (see dbLogEvery).
type dbDownLog struct {
	mu         sync.Mutex
	last       time.Time // when we last logged
	suppressed int       // failures since then that were not logged
}

// take reports whether to log now and how many failures went unlogged.
func (l *dbDownLog) take(now time.Time) (bool, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.last.IsZero() && now.Sub(l.last) < dbLogEvery {
		l.suppressed++
		return false, 0
	}
	n := l.suppressed
	l.last, l.suppressed = now, 0
	return true, n
}

// dbUnavailable answers a request that failed because the database is
// unreachable: 503, Retry-After, and the db_unavailable page in the
// viewer's language (plain text for htmx, which keeps the page it has).
// Like errorPage it reads no session — the session store is in the
// database that just failed.
func (a *App) dbUnavailable(w http.ResponseWriter, r *http.Request, err error) {
	if ok, skipped := a.dbDown.take(time.Now()); ok {
		// One line, no stack: the error names the cause (socket missing,
		// connection refused, shutting down ...).
		a.log.Error("database unavailable; answering 503 until it is back",
			"err", err, "method", r.Method, "path", r.URL.Path, "request_id", requestID(r),
			"failed_requests_not_logged", skipped)
	}
	defer closeResponse(r)
	dropHandlerHeaders(w)

	h := w.Header()
	h.Set("Retry-After", strconv.Itoa(int(dbRetryAfter.Seconds())))
	h.Set("Cache-Control", "no-store")
	p := dbUnavailablePage{Retry: r.Method == http.MethodGet || r.Method == http.MethodHead, RequestID: requestID(r)}
	a.renderBare(w, r, http.StatusServiceUnavailable, "DBUnavailableTitle", pageView(dbUnavailableView, p))
}

// dbUnavailablePage is what dbUnavailableView shows.
type dbUnavailablePage struct {
	Retry     bool // a GET: offer "try again" (a link to this same page)
	RequestID string
}

// responseGuard sits under the session middleware and makes an error
// answer final. scs commits a modified session when the handler starts its
// response; if that commit fails (database gone mid-request) scs calls its
// ErrorFunc, which writes our error page, and then carries on writing the
// handler's own status and body into the same response. Once closed, the
// guard drops those writes, so the visitor gets one clean 503 page rather
// than an error page with a redirect or another page glued to it.
type responseGuard struct {
	http.ResponseWriter
	closed bool
}

type responseGuardKey struct{}

func (g *responseGuard) WriteHeader(code int) {
	if !g.closed {
		g.ResponseWriter.WriteHeader(code)
	}
}

func (g *responseGuard) Write(b []byte) (int, error) {
	if g.closed {
		return len(b), nil // the visitor already has their answer
	}
	return g.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the real writer.
func (g *responseGuard) Unwrap() http.ResponseWriter { return g.ResponseWriter }

// guardResponses installs a responseGuard for the request (middleware.go).
func guardResponses(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g := &responseGuard{ResponseWriter: w}
		next.ServeHTTP(g, r.WithContext(context.WithValue(r.Context(), responseGuardKey{}, g)))
	})
}

// dropHandlerHeaders removes headers a handler may have set for the answer
// it meant to give (a redirect, a download) before an error page replaced
// it: the error page must not redirect or pose as a file.
func dropHandlerHeaders(w http.ResponseWriter) {
	h := w.Header()
	for _, k := range []string{"Location", "Content-Disposition", "Content-Length", "ETag", "Last-Modified",
		"HX-Redirect", "HX-Location", "HX-Push-Url", "HX-Replace-Url", "HX-Refresh", "HX-Trigger", "HX-Retarget", "HX-Reswap"} {
		h.Del(k)
	}
}

// closeResponse marks the request's answer as complete: later writes are dropped.
func closeResponse(r *http.Request) {
	if g, ok := r.Context().Value(responseGuardKey{}).(*responseGuard); ok {
		g.closed = true
	}
}
