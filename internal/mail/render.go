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

// Template is a mailing's text with its Markdown already rendered: Fill
// only puts in one recipient's values, so a mailing to thousands renders
// its Markdown once.
type Template struct {
	subject, text, frag string
}

// Compile renders the Markdown of body. The HTML part is rendered with
// the placeholders still in place, and Fill puts the values in
// afterwards, escaped — so a value can never become markup, a link or a
// header (raw HTML in the Markdown itself is not rendered, and dangerous
// links are dropped by goldmark). The text part is the Markdown source
// with the values as they are; the subject loses line breaks here and
// every control character when the message is built.
func Compile(subject, body string) (Template, error) {
	var buf bytes.Buffer
	if err := md.Convert([]byte(body), &buf); err != nil {
		return Template{}, err
	}
	return Template{subject: subject, text: body, frag: buf.String()}, nil
}

// Fill makes one recipient's message.
func (t Template) Fill(values map[string]string) Rendered {
	fill := func(s string, esc func(string) string) string {
		return placeholderRE.ReplaceAllStringFunc(s, func(m string) string {
			name := placeholderRE.FindStringSubmatch(m)[1]
			return esc(values[name])
		})
	}
	plain := func(s string) string { return s }
	oneLine := func(s string) string { return strings.Join(strings.Fields(s), " ") }
	frag := fill(t.frag, html.EscapeString)
	return Rendered{
		Subject:  fill(t.subject, oneLine),
		Text:     fill(t.text, plain),
		HTML:     `<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>` + frag + `</body></html>`,
		Fragment: frag,
	}
}

// Render fills the placeholders of a mailing for one recipient
// (Compile, then Fill).
func Render(subject, body string, values map[string]string) (Rendered, error) {
	t, err := Compile(subject, body)
	if err != nil {
		return Rendered{}, err
	}
	return t.Fill(values), nil
}

// unsubscribeSentinel stands for each recipient's opt-out link in a
// compiled newsletter (Markdown turns it into a link; Create puts in the
// real one, escaped for the HTML part).
const unsubscribeSentinel = "https://opt-out.mila.invalid/link"

// withLink puts a recipient's opt-out link in place of the sentinel.
func (r Rendered) withLink(link string) Rendered {
	r.Text = strings.ReplaceAll(r.Text, unsubscribeSentinel, link)
	esc := html.EscapeString(link)
	r.HTML = strings.ReplaceAll(r.HTML, unsubscribeSentinel, esc)
	r.Fragment = strings.ReplaceAll(r.Fragment, unsubscribeSentinel, esc)
	return r
}
