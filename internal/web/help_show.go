package web

import (
	"bytes"
	"net/http"
	"regexp"

	"github.com/yuin/goldmark"

	"mila/docs"
)

// The Help page is the user guide (docs/GUIDE.md and GUIDE.de.md) in the
// viewer's language, rendered from Markdown once at start. goldmark
// escapes any HTML in the Markdown (it is not in unsafe mode), and the
// text is our own, so the result is inserted as it is.

// guideOtherLanguage is the guide's pointer to its translation, which only
// makes sense on GitHub: in Mila, the language switch does that.
var guideOtherLanguage = regexp.MustCompile(`\((?:Deutsch|English): \[[^\]]*\]\([^)]*\)\.\)`)

// renderGuides turns both guides into HTML, by language.
func renderGuides() (map[string]string, error) {
	out := map[string]string{}
	for lang, md := range map[string]string{"en": docs.GuideEN, "de": docs.GuideDE} {
		var buf bytes.Buffer
		if err := goldmark.Convert([]byte(guideOtherLanguage.ReplaceAllString(md, "")), &buf); err != nil {
			return nil, err
		}
		out[lang] = buf.String()
	}
	return out, nil
}

// helpShow shows the user guide; anyone may read it, signed in or not.
func (a *App) helpShow(w http.ResponseWriter, r *http.Request) {
	html, ok := a.guides[a.langOf(r)]
	if !ok {
		html = a.guides["en"]
	}
	a.render(w, r, http.StatusOK, pageView(helpView, helpPage{HTML: html}))
}

// helpPage is what helpView shows.
type helpPage struct{ HTML string }
