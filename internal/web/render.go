package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nicksnyder/go-i18n/v2/i18n"

	"mila/internal/authz"
)

// Templates: templates/layout.html is the page frame, templates/partials/*.html
// hold shared pieces (form fields, flashes), and every other
// templates/<page>.html is one page defining "title" and "main".
//
//go:embed templates
var templateFS embed.FS

// pageTemplate is one page parsed together with the layout and partials.
type pageTemplate struct{ t *template.Template }

// templateData is what every template gets as its dot. Page-specific data
// goes in Page, as a struct the page's handler defines.
type templateData struct {
	Lang        string
	Actor       authz.Actor
	Nav         []navLink
	Flashes     []Flash
	CurrentPath string // request path, for aria-current and return_to
	ReturnTo    string // request URI, for forms that come back here
	Version     string // "" for anonymous visitors (versionFor)
	Page        any
}

// parseTemplates parses every page once per language. Binding t, tn and
// date to a language at parse time keeps templates short ({{t "Save"}})
// and avoids cloning templates on each request.
func (a *App) parseTemplates() (map[string]map[string]*pageTemplate, error) {
	pages, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	out := map[string]map[string]*pageTemplate{}
	for _, l := range langs {
		lang := l.String()
		out[lang] = map[string]*pageTemplate{}
		for _, p := range pages {
			name := strings.TrimSuffix(path.Base(p), ".html")
			if name == "layout" {
				continue
			}
			t, err := template.New(name).Funcs(a.funcs(lang)).ParseFS(templateFS,
				"templates/layout.html", "templates/partials/*.html", p)
			if err != nil {
				return nil, fmt.Errorf("web: parse template %s: %w", p, err)
			}
			out[lang][name] = &pageTemplate{t: t}
		}
	}
	return out, nil
}

// funcs are the template functions for one language.
//
//	{{t "Save"}}                      translated message
//	{{t "Welcome" "Name" .Page.Name}} with template data pairs
//	{{tn "MembersCount" 1234}}        plural-aware; {{.Count}} is "1,234"
//	{{date .Page.JoinDate}}           21.11.2026 / Nov 21, 2026 (time.Time or *time.Time)
//	{{num 1234}}                      1.234 / 1,234
//	{{asset "app.css"}}               /static/app.css?v=<content hash>
//	{{field .Page.Form "email" "FieldEmail" "type" "email" "required" true}}
//	                                  input data for the "field" partial
func (a *App) funcs(lang string) template.FuncMap {
	return template.FuncMap{
		"t":  func(id string, kv ...any) string { return a.i18n.t(lang, id, kv...) },
		"tn": func(id string, n int, kv ...any) string { return a.i18n.tn(lang, id, n, kv...) },
		"date": func(v any) string {
			switch d := v.(type) {
			case time.Time:
				return formatDate(lang, d)
			case *time.Time:
				if d == nil {
					return ""
				}
				return formatDate(lang, *d)
			}
			return ""
		},
		"num": func(n int) string { return formatInt(lang, n) },
		// terr translates a FieldError: {{terr .Error}}.
		"terr": func(e FieldError) string {
			return a.i18n.localize(lang, &i18n.LocalizeConfig{MessageID: e.MsgID, TemplateData: e.Data})
		},
		"asset":   a.assets.url,
		"field":   newField,
		"fieldID": fieldID,
		"dict":    dict,
	}
}

// dict builds a map from key/value pairs, for passing several values to a
// partial: {{template "x" (dict "Form" .Page.Form "Name" "email")}}.
func dict(kv ...any) (map[string]any, error) {
	if len(kv)%2 != 0 {
		return nil, fmt.Errorf("dict: odd number of arguments")
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			return nil, fmt.Errorf("dict: key %v is not a string", kv[i])
		}
		m[k] = kv[i+1]
	}
	return m, nil
}

// newTemplateData fills in what the layout needs. It pops the session's
// flash messages, so call it once per rendered page.
func (a *App) newTemplateData(r *http.Request, page any) templateData {
	actor := actorFrom(r)
	return templateData{
		Lang:        a.langOf(r),
		Actor:       actor,
		Nav:         navFor(actor, r.URL.Path),
		Flashes:     a.popFlashes(r),
		CurrentPath: r.URL.Path,
		ReturnTo:    safeReturnTo(r.URL.RequestURI()),
		Version:     a.versionFor(actor),
		Page:        page,
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

// render writes a whole page (layout + page) with the given status. The
// page is rendered into a buffer first: a template error becomes a clean
// 500 page, never half a page.
func (a *App) render(w http.ResponseWriter, r *http.Request, status int, page string, data any) {
	a.renderTemplate(w, r, status, page, "layout", a.newTemplateData(r, data))
}

// renderPartial writes one named template of a page — for htmx requests
// that swap a fragment (e.g. the rows of a table). The block is defined in
// the page's file: {{define "member-rows"}}...{{end}}.
func (a *App) renderPartial(w http.ResponseWriter, r *http.Request, status int, page, block string, data any) {
	a.renderTemplate(w, r, status, page, block, a.newTemplateData(r, data))
}

func (a *App) renderTemplate(w http.ResponseWriter, r *http.Request, status int, page, name string, td templateData) {
	pt, ok := a.templates[td.Lang][page]
	if !ok {
		a.serverError(w, r, fmt.Errorf("web: no template %q", page))
		return
	}
	buf := getBuffer()
	defer putBuffer(buf)
	if err := pt.t.ExecuteTemplate(buf, name, td); err != nil {
		a.serverError(w, r, fmt.Errorf("web: render %s/%s: %w", page, name, err))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	// Pages show personal data: keep them out of shared caches.
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Language", td.Lang)
	pieces := splice(r, buf.Bytes())
	n := 0
	for _, p := range pieces {
		n += len(p)
	}
	h.Set("Content-Length", strconv.Itoa(n))
	w.WriteHeader(status)
	for _, p := range pieces {
		if _, err := w.Write(p); err != nil {
			return // the client went away
		}
	}
}

// renderBuffers recycles the buffers pages are rendered into. A member
// overview is over 100 KB; growing a fresh buffer to that size for every
// request was a good part of the garbage the collector had to chase.
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
