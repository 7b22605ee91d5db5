// Package web is Mila's HTTP interface: routes, middleware, one handler per
// file (named noun_verb) with its view beside it (templ components,
// noun_verb.templ), static assets and the English/German message
// catalogues.
//
// Everything a handler needs hangs off *App. Handlers never write HTML
// directly: they call a.render with a view (a whole page, or for htmx a
// fragment), and report failures with a.serverError, a.notFound,
// a.clientError or a.errorResponse.
//
// Adding a page:
//
//  1. routes.go: a.route(mux, "GET /groups", authz.Group, authz.Read, a.groupList)
//     (or a.publicRoute for pages anyone may open). The guard in route.go
//     sends anonymous visitors to /sign-in and others without the permission
//     to the 403 page; Routes() lists every route for the route-walking test.
//  2. group_list.go: the handler. actorFrom(r) is the actor; pass it to the
//     domain action. Render with a.render(w, r, http.StatusOK,
//     pageView(groupListView, groupListPage{...})).
//  3. group_list.templ: templ groupListView(f *frame, p groupListPage),
//     its content in @layout(f, title) { ... } (one <h1>). Text via
//     { f.T("Id") }, counts via { f.TN("GroupsCount", n) }, dates via
//     { f.Date(p.X) }. Forms use the views in form.templ with a *Form
//     (form.go). `make generate` (part of make build) compiles the view to
//     group_list_templ.go, which is committed (TestTemplGenerated).
//  4. locales/groups.en.json + locales/groups.de.json: every new message id,
//     in both files (TestLocalesMatch and TestTemplateMessageIDs enforce it).
//  5. nav.go: append a navItem if the page belongs in the header.
//
// After an action: a.flashSuccess(r, "GroupCreated", "Name", name) (or
// a.flashError) and redirect with 303; the next page shows the message.
package web

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/alexedwards/scs/pgxstore"
	"github.com/alexedwards/scs/v2"
	"github.com/jackc/pgx/v5/pgxpool"

	"mila/internal/accounts"
	"mila/internal/audit"
	"mila/internal/club"
	"mila/internal/mail"
	"mila/internal/membership"
	"mila/internal/privacy"
)

// Config is what the web layer needs from the outside world.
type Config struct {
	DB     *pgxpool.Pool
	Logger *slog.Logger
	// BaseURL is the address people use (MILA_BASE_URL, e.g.
	// https://mila.example.org), "" when the operator gave none. When set,
	// requests for another host are refused (421, checkHost), its origin
	// is trusted against CSRF, set-password links use it, and an https
	// one names the session cookie __Host-mila_session.
	BaseURL string
	Version string // shown in the footer
	// Ready reports whether the app can serve traffic (database reachable,
	// migrations current). Nil means "ping the database".
	Ready func(ctx context.Context) error
	// SecureCookies marks cookies Secure; set it when served over https.
	SecureCookies bool
	// SessionIdle ends a session that has not been used for this long
	// (MILA_SESSION_IDLE; zero means DefaultSessionIdle). Every session
	// also ends SessionLifetime after sign-in, however busy.
	SessionIdle time.Duration
	// SignInWait waits before a slowed-down password check (many recent
	// failures for one account from anywhere: accounts.Throttle). Nil
	// really waits; tests record the waits instead.
	SignInWait func(ctx context.Context, d time.Duration) error
	// TrustedProxies are the reverse proxies whose X-Forwarded-For or
	// Forwarded header names the client (MILA_TRUSTED_PROXIES; see
	// clientAddr). Empty: the peer is the client, and those headers are
	// ignored.
	TrustedProxies []netip.Prefix
	// Mail is the SMTP set-up (MILA_SMTP_URL ...); the zero value means
	// mail is not set up, and pages say so instead of pretending to send.
	Mail mail.Config
}

// Session lengths: a session ends SessionLifetime after sign-in, and
// earlier when unused for SessionIdle (Config; DefaultSessionIdle).
const (
	SessionLifetime    = 12 * time.Hour
	DefaultSessionIdle = 2 * time.Hour
)

// App carries every dependency a handler needs.
type App struct {
	cfg      Config
	db       *pgxpool.Pool
	log      *slog.Logger
	sessions *scs.SessionManager
	// The domain stores, built once in New: each holds the pool and
	// settings only, so every request shares them.
	accounts *accounts.Service
	members  *membership.Members
	fields   *membership.CustomFields
	groups   *membership.Groups
	audit    audit.Reader
	privacy  privacy.Service
	mail     mailDeps // outbox and mailings (mail_app.go)
	lists    *membership.SavedLists
	columns  *membership.ColumnPrefs
	history  *membership.History
	stop     chan struct{} // closed by Close
	stopped  chan struct{} // closed when sessionCleanup has returned
	i18n     *translator
	assets   *assetServer
	mux      *http.ServeMux
	routes   []Route
	handler  http.Handler
	dbDown   dbDownLog         // rate limit of the "database unavailable" log line
	guides   map[string]string // the user guide as HTML, by language (help_show.go)
	club     *clubCache        // the club's settings (club.go)
}

// New builds the application: parses the message files, hashes the static
// assets, and registers every route. It fails fast on a broken message
// file rather than at the first request.
func New(cfg Config) (*App, error) {
	if cfg.DB == nil {
		return nil, errors.New("web: Config.DB is required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Version == "" {
		cfg.Version = "dev"
	}
	if cfg.SessionIdle <= 0 {
		cfg.SessionIdle = DefaultSessionIdle
	}
	a := &App{cfg: cfg, db: cfg.DB, log: cfg.Logger}
	a.accounts = accounts.New(cfg.DB).WithSleep(cfg.SignInWait)
	a.members = membership.NewMembers(cfg.DB)
	a.fields = membership.NewCustomFields(cfg.DB)
	a.audit = audit.Reader{DB: cfg.DB}
	a.privacy = privacy.Service{DB: cfg.DB}
	a.groups = membership.NewGroups(cfg.DB)
	a.club = &clubCache{store: club.New(cfg.DB)}
	a.initMail()
	a.lists = membership.NewSavedLists(cfg.DB)
	a.columns = membership.NewColumnPrefs(cfg.DB)
	a.history = membership.NewHistory(cfg.DB)

	var err error
	if a.i18n, err = newTranslator(); err != nil {
		return nil, err
	}
	if a.assets, err = newAssetServer(staticFS); err != nil {
		return nil, err
	}
	if a.guides, err = renderGuides(); err != nil {
		return nil, err
	}
	if _, ok := a.assets.files["app.css"]; !ok {
		a.log.Warn("static assets are not built; pages will be unstyled", "fix", "run `npm ci && npm run build` (or `make assets`)")
	}

	// Sessions live in PostgreSQL so several Mila processes can serve one club.
	// pgxstore's own cleanup goroutine races with its StopCleanup, so we
	// run the cleanup ourselves (sessionCleanup).
	a.sessions = scs.New()
	a.sessions.Store = pgxstore.NewWithCleanupInterval(cfg.DB, 0)
	a.sessions.Lifetime = SessionLifetime
	a.sessions.Codec = sessionCodec{}
	a.sessions.Cookie.Name = "mila_session"
	a.sessions.Cookie.HttpOnly = true
	a.sessions.Cookie.SameSite = http.SameSiteLaxMode
	a.sessions.Cookie.Secure = cfg.SecureCookies
	if strings.HasPrefix(cfg.BaseURL, "https://") {
		// The __Host- prefix makes browsers accept the cookie only when it
		// is Secure, for the whole site and without a Domain: a sibling
		// subdomain or a plain-http page cannot plant or overwrite it.
		a.sessions.Cookie.Name = "__Host-mila_session"
		a.sessions.Cookie.Secure = true
	}
	a.sessions.Cookie.Path = "/"
	a.sessions.ErrorFunc = func(w http.ResponseWriter, r *http.Request, err error) {
		a.serverError(w, r, err)
	}

	a.stop = make(chan struct{})
	a.stopped = make(chan struct{})
	go a.sessionCleanup(30 * time.Minute)

	a.mux = http.NewServeMux()
	a.registerRoutes(a.mux)
	a.handler = a.middleware(http.HandlerFunc(a.dispatch))
	return a, nil
}

// Handler returns the root handler with every middleware applied.
func (a *App) Handler() http.Handler { return a.handler }

// Close stops background work (the session cleanup) and waits for it. The
// pool belongs to the caller and is not closed.
func (a *App) Close() {
	select {
	case <-a.stop:
	default:
		close(a.stop)
	}
	<-a.stopped
}

// sessionCleanup deletes expired sessions now and then. Several Mila
// processes may do this at once; the DELETE is idempotent.
func (a *App) sessionCleanup(every time.Duration) {
	defer close(a.stopped)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-a.stop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			if err := a.deleteExpiredSessions(ctx); err != nil {
				a.log.Warn("delete expired sessions", "err", err)
			}
			cancel()
		}
	}
}

func (a *App) deleteExpiredSessions(ctx context.Context) error {
	_, err := a.db.Exec(ctx, "DELETE FROM sessions WHERE expiry < now()")
	return err
}

// dispatch serves matched routes through the mux and renders our own 404 or
// 405 page for everything else, so unknown URLs get the layout and the
// viewer's language instead of Go's plain-text replies.
func (a *App) dispatch(w http.ResponseWriter, r *http.Request) {
	h, pattern := a.mux.Handler(r)
	if pattern != "" {
		a.mux.ServeHTTP(w, r)
		return
	}
	// Let the mux decide between 404 and 405 (and redirects such as a
	// cleaned path), but capture its answer instead of sending it.
	rec := &statusCapture{header: http.Header{}}
	h.ServeHTTP(rec, r)
	switch rec.status {
	case http.StatusMethodNotAllowed:
		w.Header().Set("Allow", rec.header.Get("Allow"))
		a.clientError(w, r, http.StatusMethodNotAllowed)
	case http.StatusMovedPermanently, http.StatusPermanentRedirect, http.StatusFound, http.StatusTemporaryRedirect:
		http.Redirect(w, r, cleanedLocation(r, rec.header.Get("Location")), rec.status)
	default:
		// Signed in, the 404 page has the header and navigation of every
		// other page (the session is read only when there is one, so an
		// anonymous probe of unknown paths touches no database).
		if _, err := r.Cookie(a.sessions.Cookie.Name); err == nil {
			a.page(http.HandlerFunc(a.notFound)).ServeHTTP(w, r)
			return
		}
		a.notFound(w, r)
	}
}

// cleanedLocation is where a redirect of the mux should go. For a path
// that needs cleaning ("/./x", "/a/../x") the mux builds the Location
// from the already escaped path and escapes it again: "/./\\/x" would go
// to "/%255C/x", a page that does not exist. The cleaned path is escaped
// once here instead — "/%5C/x", never a bare backslash, which browsers
// read as "//" (another site). Other redirects (a missing trailing
// slash) are the mux's as they are.
func cleanedLocation(r *http.Request, muxLocation string) string {
	p := r.URL.Path
	if p == "" || p[0] != '/' {
		p = "/" + p
	}
	cleaned := path.Clean(p)
	if strings.HasSuffix(p, "/") && cleaned != "/" {
		cleaned += "/"
	}
	if cleaned == p {
		return muxLocation
	}
	return (&url.URL{Path: cleaned, RawQuery: r.URL.RawQuery}).String()
}

// statusCapture is a ResponseWriter that only remembers the status and headers.
type statusCapture struct {
	header http.Header
	status int
}

func (s *statusCapture) Header() http.Header { return s.header }
func (s *statusCapture) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return len(b), nil
}
func (s *statusCapture) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
}
