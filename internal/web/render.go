package web

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/a-h/templ"
	"github.com/nicksnyder/go-i18n/v2/i18n"

	"mila/internal/authz"
)

// Views are templ components (https://templ.guide): each page's view
// lives beside its handler (member_list.templ next to member_list.go),
// the page frame in layout.templ and the shared form pieces in
// form.templ. `templ generate` (make build) compiles them to the
// committed *_templ.go files; TestTemplGenerated fails when those are
// stale. A page view takes the request's frame and the page's data:
//
//	templ groupListView(f *frame, p groupListPage) {
//		@layout(f, f.T("GroupsTitle")) {
//			<h1 class="text-3xl font-bold">{ f.T("GroupsTitle") }</h1>
//			...
//		}
//	}
//
// and the handler renders it with
// a.render(w, r, http.StatusOK, pageView(groupListView, p)).

// frame is what every view gets besides its page's data: the request's
// language (and a translator bound to it), the actor, the header's
// navigation and flash messages, and where the page is.
type frame struct {
	Lang        string
	Actor       authz.Actor
	Nav         []navLink
	Flashes     []Flash
	CurrentPath string // request path, for aria-current
	ReturnTo    string // request URI, for forms that come back here
	Version     string // "" for anonymous visitors (versionFor)
	// The club's name ("" for none: the header says Mila), and whether it
	// has a logo and an accent colour; ClubVersion changes with every save
	// of the settings, so that browsers fetch the logo and theme anew.
	ClubName    string
	ClubLogo    bool
	ClubAccent  bool
	ClubVersion string
	tr          *translator
	assets      *assetServer
}

// T translates id: f.T("Save"), f.T("Welcome", "Name", name).
func (f *frame) T(id string, kv ...any) string { return f.tr.t(f.Lang, id, kv...) }

// TN is the plural-aware T; {{.Count}} in the message is n with the
// language's digit grouping: f.TN("MembersCount", 1234) is "1,234 members".
func (f *frame) TN(id string, n int, kv ...any) string { return f.tr.tn(f.Lang, id, n, kv...) }

// Err is a field error's message.
func (f *frame) Err(e FieldError) string {
	return f.tr.localize(f.Lang, &i18n.LocalizeConfig{MessageID: e.MsgID, TemplateData: e.Data})
}

// Date is 21.11.2026 / Nov 21, 2026 ("" for a zero time).
func (f *frame) Date(t time.Time) string { return formatDate(f.Lang, t) }

// Num is 1.234 / 1,234.
func (f *frame) Num(n int) string { return formatInt(f.Lang, n) }

// Asset is a static file's URL with its content hash: /static/app.css?v=….
func (f *frame) Asset(name string) string { return f.assets.url(name) }

// message is a message looked up once for the many rows that each show
// it with their own values (an accessible name per row):
//
//	{{ editNamed := f.message("GroupEditNamed") }}
//	for … { <a aria-label={ editNamed.with("Name", g.Name) }> }
//
// with fills in a plain message (placeholders only) in one allocation,
// without boxing the values or asking go-i18n; any other message goes
// the way of T.
type message struct {
	f      *frame
	id     string
	simple *simpleMessage // nil: not a plain message
}

func (f *frame) message(id string) message {
	m := message{f: f, id: id}
	if sm, ok := f.tr.simple[f.Lang][id]; ok {
		m.simple = &sm
	}
	return m
}

// with is the message with kv pairs ("Key", value, …) filled in.
func (m message) with(kv ...string) string {
	if m.simple != nil {
		return m.simple.fill(kv)
	}
	args := make([]any, len(kv))
	for i, v := range kv {
		args[i] = v
	}
	return m.f.T(m.id, args...)
}

// text is a string as escaped HTML text, for the rows of the busiest
// pages: @text(g.Name) writes what { g.Name } writes, but templ formats
// every { } expression with fmt.Sprint first, a copy of the string each
// time, and those were a third of a row's allocations.
type text string

func (t text) Render(_ context.Context, w io.Writer) error {
	_, err := io.WriteString(w, templ.EscapeString(t))
	return err
}

// view is a page or fragment ready to render for a request's frame.
type view func(f *frame) templ.Component

// pageView binds a page's view to its data.
func pageView[P any](v func(*frame, P) templ.Component, p P) view {
	return func(f *frame) templ.Component { return v(f, p) }
}

// newFrame fills in what the layout needs. It pops the session's flash
// messages, so call it once per rendered page.
func (a *App) newFrame(r *http.Request) *frame {
	f := a.bareFrame(r)
	f.Flashes = a.popFlashes(r)
	return f
}

// bareFrame is a frame that reads nothing from the session: for the error
// pages, which may be rendered outside the session middleware.
func (a *App) bareFrame(r *http.Request) *frame {
	actor := actorFrom(r)
	club := a.club.get(r.Context())
	return &frame{
		ClubName:    club.Name,
		ClubLogo:    club.HasLogo,
		ClubAccent:  club.Accent != "",
		ClubVersion: strconv.FormatInt(club.UpdatedAt.UnixNano(), 36),
		Lang:        a.langOf(r),
		Actor:       actor,
		Nav:         navFor(actor, r.URL.Path),
		CurrentPath: r.URL.Path,
		ReturnTo:    safeReturnTo(r.URL.RequestURI()),
		Version:     a.versionFor(actor),
		tr:          a.i18n,
		assets:      a.assets,
	}
}

// renderBare answers with a page in a bare frame (no session read): the
// error pages, which may be rendered outside the session middleware or
// while the database that holds the sessions is down. htmx does not swap
// error answers by default, so it gets the title as plain text for its
// error event and the page stays as it was. If the page itself fails to
// render, the status text is the last resort.
func (a *App) renderBare(w http.ResponseWriter, r *http.Request, status int, titleID string, v view) {
	if isHTMX(r) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(status)
		fmt.Fprintln(w, a.T(r, titleID))
		return
	}
	if err := a.write(w, r, status, a.bareFrame(r), v); err != nil {
		a.log.Error("render error page", "status", status, "err", err)
		http.Error(w, http.StatusText(status), status)
	}
}

// versionFor is the version the footer shows: only to signed-in users.
// An anonymous visitor learning the exact commit could look up which
// published weaknesses it has.
func (a *App) versionFor(actor authz.Actor) string {
	if actor.UserID == "" {
		return ""
	}
	return a.cfg.Version
}

// render writes a page (or, for htmx, a fragment) with the given status.
// It is rendered into a buffer first: a failing view becomes a clean 500
// page, never half a page.
func (a *App) render(w http.ResponseWriter, r *http.Request, status int, v view) {
	if err := a.write(w, r, status, a.newFrame(r), v); err != nil {
		if r.Context().Err() != nil {
			return // the client went away while the page was rendered
		}
		a.serverError(w, r, err)
	}
}

// write renders v for f and, only if that succeeded, sends it with its
// Content-Length. On an error nothing has been written.
func (a *App) write(w http.ResponseWriter, r *http.Request, status int, f *frame, v view) error {
	buf := getBuffer()
	defer putBuffer(buf)
	if err := v(f).Render(r.Context(), buf); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	// Pages show personal data: keep them out of shared caches.
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Language", f.Lang)
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes()) // an error here means the client went away
	return nil
}

// renderBuffers recycles the buffers pages are rendered into. A member
// overview is over 100 KB; growing a fresh buffer to that size for every
// request is a good part of the garbage the collector has to chase.
var renderBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledBuffer keeps an unusually large page (a long custom-field
// list, say) from pinning its buffer in the pool.
const maxPooledBuffer = 1 << 20

func getBuffer() *bytes.Buffer { return renderBuffers.Get().(*bytes.Buffer) }

func putBuffer(b *bytes.Buffer) {
	if b.Cap() > maxPooledBuffer {
		return
	}
	b.Reset()
	renderBuffers.Put(b)
}
