package web

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"

	"mila/internal/importer"
)

// Message files: locales/<feature>.<lang>.json, one pair per feature so
// parallel work on different features never edits the same file. Every
// file found is loaded; TestLocalesMatch fails when an id exists in one
// language and not the other.
//
//go:embed locales/*.json
var localeFS embed.FS

// Supported languages; the first is the fallback.
var langs = []language.Tag{language.English, language.German}

// Locales are the message files (name.<lang>.json at the root), for the
// command line, which shows the member form's messages too.
func Locales() fs.FS {
	sub, err := fs.Sub(localeFS, "locales")
	if err != nil {
		panic(err) // the directory is embedded: it exists
	}
	return sub
}

// langCookie holds the viewer's chosen language ("en" or "de").
const langCookie = "lang"

type translator struct {
	bundle     *i18n.Bundle
	matcher    language.Matcher
	localizers map[string]*i18n.Localizer
	// simple holds, per language, the messages that are a plain string
	// with at most {{.Key}} placeholders, split once at start-up. A page
	// such as the member overview asks for hundreds of these (an
	// accessible name per badge and row); substituting them directly is
	// many times cheaper than go-i18n's template execution. Plural
	// messages and anything more elaborate still go through go-i18n.
	simple map[string]map[string]simpleMessage
}

// simpleMessage is a message split into literal text and placeholders:
// parts alternate literal, key, literal, key, … literal.
type simpleMessage struct {
	parts []string
}

var placeholderRE = regexp.MustCompile(`\{\{\s*\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}`)

// parseSimple splits text into a simpleMessage, or reports false when the
// text uses template features beyond {{.Key}}.
func parseSimple(text string) (simpleMessage, bool) {
	var parts []string
	last := 0
	for _, m := range placeholderRE.FindAllStringSubmatchIndex(text, -1) {
		parts = append(parts, text[last:m[0]], text[m[2]:m[3]])
		last = m[1]
	}
	parts = append(parts, text[last:])
	for i := 0; i < len(parts); i += 2 {
		if strings.Contains(parts[i], "{{") || strings.Contains(parts[i], "}}") {
			return simpleMessage{}, false
		}
	}
	return simpleMessage{parts: parts}, true
}

// render fills the placeholders from kv pairs ("Key", value, …); a
// missing key renders as nothing. Strings and ints, nearly every value a
// message gets, are written without fmt.
func (m simpleMessage) render(kv []any) string {
	if len(m.parts) == 1 {
		return m.parts[0]
	}
	var b strings.Builder
	for i, p := range m.parts {
		if i%2 == 0 {
			b.WriteString(p)
			continue
		}
		for j := 0; j+1 < len(kv); j += 2 {
			if k, _ := kv[j].(string); k == p {
				switch v := kv[j+1].(type) {
				case string:
					b.WriteString(v)
				case int:
					b.WriteString(strconv.Itoa(v))
				default:
					fmt.Fprint(&b, v)
				}
				break
			}
		}
	}
	return b.String()
}

// fill fills the placeholders from kv pairs of strings ("Key", value, …),
// as render does, into one string of the right size.
func (m simpleMessage) fill(kv []string) string {
	if len(m.parts) == 1 {
		return m.parts[0]
	}
	value := func(key string) string {
		for j := 0; j+1 < len(kv); j += 2 {
			if kv[j] == key {
				return kv[j+1]
			}
		}
		return ""
	}
	n := 0
	for i, p := range m.parts {
		if i%2 == 0 {
			n += len(p)
		} else {
			n += len(value(p))
		}
	}
	var b strings.Builder
	b.Grow(n)
	for i, p := range m.parts {
		if i%2 == 0 {
			b.WriteString(p)
		} else {
			b.WriteString(value(p))
		}
	}
	return b.String()
}

// messageSources are the message files the bundle loads: the web's own,
// and those of domain packages whose messages pages show (the import's
// file and row errors).
var messageSources = []struct {
	fsys fs.FS
	glob string
}{
	{localeFS, "locales/*.json"},
	{importer.Locales, "locales/*.json"},
}

func newTranslator() (*translator, error) {
	b := i18n.NewBundle(language.English)
	b.RegisterUnmarshalFunc("json", json.Unmarshal)
	tr := &translator{bundle: b, matcher: language.NewMatcher(langs), localizers: map[string]*i18n.Localizer{},
		simple: map[string]map[string]simpleMessage{}}
	for _, l := range langs {
		tr.simple[l.String()] = map[string]simpleMessage{}
	}
	for _, src := range messageSources {
		files, err := fs.Glob(src.fsys, src.glob)
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			if _, err := b.LoadMessageFileFS(src.fsys, f); err != nil {
				return nil, fmt.Errorf("web: load messages %s: %w", f, err)
			}
			// <feature>.<lang>.json
			name := strings.TrimSuffix(path.Base(f), ".json")
			lang := name[strings.LastIndexByte(name, '.')+1:]
			byID, ok := tr.simple[lang]
			if !ok {
				continue
			}
			data, err := fs.ReadFile(src.fsys, f)
			if err != nil {
				return nil, err
			}
			var msgs map[string]any
			if err := json.Unmarshal(data, &msgs); err != nil {
				return nil, fmt.Errorf("web: load messages %s: %w", f, err)
			}
			for id, v := range msgs {
				if text, ok := v.(string); ok {
					if m, ok := parseSimple(text); ok {
						byID[id] = m
					}
				}
			}
		}
	}
	for _, l := range langs {
		tr.localizers[l.String()] = i18n.NewLocalizer(b, l.String())
	}
	return tr, nil
}

// langFor picks the viewer's language: the lang cookie, else the browser's
// Accept-Language, else fallback (the club's default language), else English.
func (tr *translator) langFor(r *http.Request, fallback string) string {
	if c, err := r.Cookie(langCookie); err == nil && isLang(c.Value) {
		return c.Value
	}
	if al := r.Header.Get("Accept-Language"); al != "" {
		tags, _, err := language.ParseAcceptLanguage(al)
		if err == nil && len(tags) > 0 {
			_, idx, conf := tr.matcher.Match(tags...)
			if conf != language.No {
				return langs[idx].String()
			}
		}
	}
	if isLang(fallback) {
		return fallback
	}
	return langs[0].String()
}

func isLang(s string) bool {
	for _, l := range langs {
		if l.String() == s {
			return true
		}
	}
	return false
}

// langOf returns the language the request is served in. Pages get it from
// the context (set by withActor); error pages rendered outside the page
// middleware work it out from the request.
func (a *App) langOf(r *http.Request) string {
	if l, ok := r.Context().Value(langKey).(string); ok {
		return l
	}
	return a.i18n.langFor(r, a.club.get(r.Context()).DefaultLang)
}

// T translates id for the request's viewer. kv are template data pairs:
// a.T(r, "GroupCreated", "Name", g.Name). Use it for flash messages and
// other text built in Go; views use their frame's T.
func (a *App) T(r *http.Request, id string, kv ...any) string {
	return a.i18n.t(a.langOf(r), id, kv...)
}

// TN is the plural-aware T: n selects the plural form and is passed as
// {{.Count}} (formatted with the language's digit grouping).
func (a *App) TN(r *http.Request, id string, n int, kv ...any) string {
	return a.i18n.tn(a.langOf(r), id, n, kv...)
}

func (tr *translator) t(lang, id string, kv ...any) string {
	if m, ok := tr.simple[lang][id]; ok {
		return m.render(kv)
	}
	return tr.localize(lang, &i18n.LocalizeConfig{MessageID: id, TemplateData: pairs(kv)})
}

func (tr *translator) tn(lang, id string, n int, kv ...any) string {
	data := pairs(kv)
	data["Count"] = formatInt(lang, n)
	return tr.localize(lang, &i18n.LocalizeConfig{MessageID: id, PluralCount: n, TemplateData: data})
}

func (tr *translator) localize(lang string, cfg *i18n.LocalizeConfig) string {
	l := tr.localizers[lang]
	if l == nil {
		l = tr.localizers[langs[0].String()]
	}
	s, err := l.Localize(cfg)
	if err != nil {
		// A missing id shows up as itself so the page still renders; the
		// view scan test catches ids missing from the catalogues.
		return cfg.MessageID
	}
	return s
}

// has reports whether id exists in every language.
func (tr *translator) has(id string) bool {
	for _, l := range tr.localizers {
		// A plural message without PluralCount still resolves (to "other").
		if _, err := l.Localize(&i18n.LocalizeConfig{MessageID: id}); err != nil {
			return false
		}
	}
	return true
}

func pairs(kv []any) map[string]any {
	m := make(map[string]any, len(kv)/2+1)
	for i := 0; i+1 < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			continue
		}
		m[k] = kv[i+1]
	}
	return m
}

// formatInt groups digits the way the language does: 1,234 / 1.234.
func formatInt(lang string, n int) string {
	if -1000 < n && n < 1000 {
		return strconv.Itoa(n) // nothing to group
	}
	var digits [20]byte
	s := strconv.AppendInt(digits[:0], int64(n), 10)
	neg := s[0] == '-'
	if neg {
		s = s[1:]
	}
	sep := byte(',')
	if lang == "de" {
		sep = '.'
	}
	var out [27]byte // 19 digits, 6 separators, the sign
	b := out[:0]
	if neg {
		b = append(b, '-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b = append(b, sep)
		}
		b = append(b, c)
	}
	return string(b)
}

// formatDate shows a date the way the viewer reads it: 21.11.2026 in
// German, Nov 21, 2026 in English. A zero time is shown as "".
func formatDate(lang string, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	if lang == "de" {
		return t.Format("02.01.2006")
	}
	return t.Format("Jan 2, 2006")
}

// localeFiles lists the embedded message files (for tests).
func localeFiles() ([]string, error) {
	files, err := fs.Glob(localeFS, "locales/*.json")
	for i := range files {
		files[i] = path.Base(files[i])
	}
	return files, err
}
