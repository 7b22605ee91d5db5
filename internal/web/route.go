package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"mila/internal/authz"
)

// Route describes one registered route and the permission it needs. Every
// route goes through a.route, a.publicRoute or a.bareRoute, so Routes()
// lists all of them and a test can walk each one as each kind of actor.
type Route struct {
	Pattern  string         // the ServeMux pattern, e.g. "GET /members/{id}"
	Method   string         // "GET", "POST", ... ("" if the pattern has none)
	Path     string         // the path part of the pattern
	Public   bool           // anyone may call it, signed in or not
	Bare     bool           // served without sessions, locale or actor (health checks, static files)
	Resource authz.Resource // needed permission (empty when Public)
	Action   authz.Action
}

// Routes returns every registered route, in registration order.
func (a *App) Routes() []Route {
	return append([]Route(nil), a.routes...)
}

// route registers a page or action that needs permission act on res. The
// guard runs before h: an anonymous visitor is sent to sign in, a signed-in
// actor without the permission gets the 403 page. h may still check a
// narrower scope (e.g. CanOnMember) itself.
func (a *App) route(mux *http.ServeMux, pattern string, res authz.Resource, act authz.Action, h http.HandlerFunc) {
	if res == "" || act == "" {
		panic(fmt.Sprintf("web: route %q declares no permission; use publicRoute for public pages", pattern))
	}
	a.register(mux, Route{Pattern: pattern, Resource: res, Action: act}, a.page(a.guard(res, act, h)))
}

// publicRoute registers a page or action anyone may use (home, sign-in,
// language switch). It still gets sessions, locale and the actor.
func (a *App) publicRoute(mux *http.ServeMux, pattern string, h http.HandlerFunc) {
	a.register(mux, Route{Pattern: pattern, Public: true}, a.page(h))
}

// bareRoute registers an endpoint that needs no session: health checks and
// static files. Keeping sessions off them spares a database round trip.
func (a *App) bareRoute(mux *http.ServeMux, pattern string, h http.HandlerFunc) {
	a.register(mux, Route{Pattern: pattern, Public: true, Bare: true}, h)
}

func (a *App) register(mux *http.ServeMux, rt Route, h http.Handler) {
	rt.Method, rt.Path = splitPattern(rt.Pattern)
	a.routes = append(a.routes, rt)
	mux.Handle(rt.Pattern, h)
}

func splitPattern(p string) (method, path string) {
	if i := strings.IndexByte(p, ' '); i >= 0 && !strings.HasPrefix(p, "/") {
		return p[:i], strings.TrimSpace(p[i+1:])
	}
	return "", p
}

// page wraps a handler with what every page needs: the session (loaded and
// saved around the request) and the request-scoped actor and locale.
func (a *App) page(h http.Handler) http.Handler {
	return a.sessions.LoadAndSave(a.withActor(h))
}

// guard is the one place where route permissions are enforced.
func (a *App) guard(res authz.Resource, act authz.Action, next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		actor := actorFrom(r)
		if actor.UserID == "" {
			a.redirectToSignIn(w, r)
			return
		}
		if !actor.Can(res, act) {
			a.forbidden(w, r)
			return
		}
		next(w, r)
	}
}

// redirectToSignIn sends an anonymous visitor to the sign-in page, which
// brings them back here afterwards. For htmx requests the redirect must be
// a header, or htmx would swap the sign-in page into a fragment.
func (a *App) redirectToSignIn(w http.ResponseWriter, r *http.Request) {
	back := r.URL.RequestURI()
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		// Coming back to a POST URL with GET would 405; go to the referring page instead.
		back = safeReturnTo(refererPath(r))
	}
	target := "/sign-in?return_to=" + url.QueryEscape(back)
	if isHTMX(r) {
		w.Header().Set("HX-Redirect", target)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

func refererPath(r *http.Request) string {
	u, err := url.Parse(r.Referer())
	if err != nil || u.Host != r.Host {
		return "/"
	}
	return u.RequestURI()
}

// isHTMX reports whether the request was made by htmx (and wants a fragment).
func isHTMX(r *http.Request) bool {
	return r.Header.Get("HX-Request") == "true" && r.Header.Get("HX-History-Restore-Request") != "true"
}

// safeReturnTo returns p if it is a path on this site, else "/". It blocks
// open redirects: absolute URLs, scheme-relative "//host", backslash tricks
// and control characters.
func safeReturnTo(p string) string {
	if p == "" || p[0] != '/' || len(p) > 2048 {
		return "/"
	}
	if len(p) > 1 && (p[1] == '/' || p[1] == '\\') {
		return "/"
	}
	for _, c := range p {
		if c < 0x20 || c == 0x7f || c == '\\' {
			return "/"
		}
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return "/"
	}
	return p
}
