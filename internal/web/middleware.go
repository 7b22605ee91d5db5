package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"time"
)

// maxBodyBytes limits request bodies. Mila's forms are small; anything
// bigger is refused with a 413 page when the handler parses the form.
const maxBodyBytes = 1 << 20

// contentSecurityPolicy allows scripts and styles from our own origin only:
// no inline script, no inline style (htmx is configured not to add any).
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"font-src 'self'; connect-src 'self'; object-src 'none'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'"

// middleware wraps the router with what every request gets, outermost first.
func (a *App) middleware(next http.Handler) http.Handler {
	return a.logRequests(a.recoverPanic(securityHeaders(a.checkHost(limitBody(a.crossOriginProtection(guardResponses(next)))))))
}

// checkHost answers 421 (Misdirected Request) to a request for another
// host than MILA_BASE_URL's, when one is set. A web page can make its
// visitor's browser send requests to Mila under a name the attacker
// controls, pointed at Mila's address (DNS rebinding): the browser then
// treats Mila's answers as that page's own and lets it read them. Such
// requests carry the attacker's name in Host. The health probes are
// exempt: load balancers send them to the process's own address, and
// they reveal nothing. From a trusted proxy, X-Forwarded-Host counts as
// the host (proxies that rewrite Host set it).
func (a *App) checkHost(next http.Handler) http.Handler {
	want := baseHost(a.cfg.BaseURL)
	if want == "" {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" || r.URL.Path == "/readyz" || sameHost(r.Host, want) {
			next.ServeHTTP(w, r)
			return
		}
		if fwd := r.Header.Values("X-Forwarded-Host"); len(fwd) > 0 {
			if peer, ok := parseHop(r.RemoteAddr); ok && a.trustedProxy(peer) {
				hops := strings.Split(fwd[len(fwd)-1], ",")
				if sameHost(strings.TrimSpace(hops[len(hops)-1]), want) {
					next.ServeHTTP(w, r)
					return
				}
			}
		}
		a.log.Warn("request for another host refused", "host", r.Host, "want", want,
			"method", r.Method, "path", r.URL.Path, "request_id", requestID(r))
		a.clientError(w, r, http.StatusMisdirectedRequest)
	})
}

// baseHost is the host (and port, unless it is the scheme's default) of
// the base URL, lower case; "" when there is none.
func baseHost(baseURL string) string {
	u, err := url.Parse(baseURL)
	if err != nil || u.Host == "" {
		return ""
	}
	return normalHost(u.Host, u.Scheme)
}

func normalHost(host, scheme string) string {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	switch {
	case scheme == "https" && strings.HasSuffix(host, ":443"):
		host = strings.TrimSuffix(host, ":443")
	case scheme == "http" && strings.HasSuffix(host, ":80"):
		host = strings.TrimSuffix(host, ":80")
	}
	return host
}

// sameHost compares a request's Host with the base URL's host; the
// default ports of both schemes may be written or not.
func sameHost(got, want string) bool {
	got = strings.ToLower(strings.TrimSuffix(got, "."))
	return got == want || normalHost(got, "https") == want || normalHost(got, "http") == want
}

// logRequests gives each request an id and logs one line when it is done.
func (a *App) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := newRequestID()
		w.Header().Set("X-Request-Id", id)
		who := &requestUser{}
		ctx := context.WithValue(r.Context(), requestIDKey, id)
		r = r.WithContext(context.WithValue(ctx, requestUserKey, who))
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		level := slog.LevelInfo
		if r.URL.Path == "/healthz" || r.URL.Path == "/readyz" {
			level = slog.LevelDebug // probes every few seconds would drown the log
		}
		a.log.LogAttrs(r.Context(), level, "request",
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.Int("status", sw.status),
			slog.Int64("bytes", sw.bytes),
			slog.Duration("duration", time.Since(start)),
			slog.String("client", a.clientAddr(r)),
			slog.String("request_id", id),
			slog.String("user", who.label),
		)
	})
}

func newRequestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// requestID returns the request's id ("" outside logRequests).
func requestID(r *http.Request) string {
	id, _ := r.Context().Value(requestIDKey).(string)
	return id
}

// statusWriter remembers the status and size of a response for the log.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the real writer (Flush, deadlines).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// recoverPanic turns a panic into the 500 page. The stack goes to the log,
// never to the browser.
func (a *App) recoverPanic(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v) // the server's own way to abort a response; let it through
			}
			a.log.Error("panic", "panic", fmt.Sprint(v), "method", r.Method, "path", r.URL.Path,
				"request_id", requestID(r), "stack", string(debug.Stack()))
			w.Header().Set("Connection", "close")
			a.errorPage(w, r, http.StatusInternalServerError)
		}()
		next.ServeHTTP(w, r)
	})
}

// securityHeaders sets the headers every response carries.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		next.ServeHTTP(w, r)
	})
}

// largeBodies are the few routes that take uploads ("METHOD /path"),
// with their own body limits; features add theirs in an init.
var largeBodies = map[string]int64{}

// limitBody caps how much of a request body a handler can read.
func limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil {
			limit := int64(maxBodyBytes)
			if n, ok := largeBodies[r.Method+" "+r.URL.Path]; ok {
				limit = n
			}
			r.Body = http.MaxBytesReader(w, r.Body, limit)
		}
		next.ServeHTTP(w, r)
	})
}

// crossOriginProtection refuses cross-site unsafe requests (CSRF) with the
// 403 page. Browsers say where a request comes from (Sec-Fetch-Site,
// Origin); requests without those headers (curl, tests) pass.
func (a *App) crossOriginProtection(next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	if u, err := url.Parse(a.cfg.BaseURL); err == nil && u.Scheme != "" && u.Host != "" {
		// Behind a reverse proxy the Host header may differ from the public origin.
		if err := cop.AddTrustedOrigin(u.Scheme + "://" + u.Host); err != nil {
			a.log.Warn("MILA_BASE_URL is not a usable origin", "base_url", a.cfg.BaseURL, "err", err)
		}
	}
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.log.Warn("cross-origin request refused", "method", r.Method, "path", r.URL.Path,
			"origin", r.Header.Get("Origin"), "request_id", requestID(r))
		a.forbidden(w, r)
	}))
	return cop.Handler(next)
}

// parseForm parses the request's form and answers a body that is too big
// (413) or malformed (400) itself. Handlers do: if !a.parseForm(w, r) { return }.
func (a *App) parseForm(w http.ResponseWriter, r *http.Request) bool {
	if err := r.ParseForm(); err != nil {
		if statusFor(err) == http.StatusRequestEntityTooLarge {
			a.clientError(w, r, http.StatusRequestEntityTooLarge)
		} else {
			a.clientError(w, r, http.StatusBadRequest)
		}
		return false
	}
	return true
}
