package mail

import (
	"bytes"
	"html"
	"regexp"
	"slices"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
)

// Core placeholders every mailing may use; custom fields add
// "cf_<slug>" (dashes in the slug become underscores).
var CorePlaceholders = []string{"first_name", "last_name", "email", "street", "house_number",
	"postal_code", "city", "country", "join_date", "exit_date"}

var placeholderRE = regexp.MustCompile(`\{\{\s*([A-Za-z0-9_-]*)\s*\}\}`)

// PlaceholderName is the placeholder of a custom field's slug.
func PlaceholderName(slug string) string { return "cf_" + strings.ReplaceAll(slug, "-", "_") }

// UnknownPlaceholders returns the placeholders in texts that are not in
// known, each once, in order of appearance.
func UnknownPlaceholders(known []string, texts ...string) []string {
	var out []string
	for _, t := range texts {
		for _, m := range placeholderRE.FindAllStringSubmatch(t, -1) {
			name := m[1]
			if !slices.Contains(known, name) && !slices.Contains(out, name) {
				out = append(out, name)
			}
		}
	}
	return out
}

var md = goldmark.New(goldmark.WithExtensions(extension.Linkify, extension.Strikethrough))

// Rendered is one recipient's message.
type Rendered struct {
	Subject, Text, HTML string
	// Fragment is the HTML body without the document around it (for the
	// preview on the page).
	Fragment string
}

// Render fills the placeholders of a mailing for one recipient. The body
// is Markdown: the HTML part is rendered from it first, with the
// placeholders still in place, and the values go in afterwards, escaped —
// so a value can never become markup, a link or a header (raw HTML in the
// Markdown itself is not rendered, and dangerous links are dropped by
// goldmark). The text part is the Markdown source with the values as they
// are; the subject loses control characters when the message is built.
func Render(subject, body string, values map[string]string) (Rendered, error) {
	var buf bytes.Buffer
	if err := md.Convert([]byte(body), &buf); err != nil {
		return Rendered{}, err
	}
	fill := func(s string, esc func(string) string) string {
		return placeholderRE.ReplaceAllStringFunc(s, func(m string) string {
			name := placeholderRE.FindStringSubmatch(m)[1]
			return esc(values[name])
		})
	}
	plain := func(s string) string { return s }
	oneLine := func(s string) string { return strings.Join(strings.Fields(s), " ") }
	frag := fill(buf.String(), html.EscapeString)
	return Rendered{
		Subject:  fill(subject, oneLine),
		Text:     fill(body, plain),
		HTML:     `<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>` + frag + `</body></html>`,
		Fragment: frag,
	}, nil
}
