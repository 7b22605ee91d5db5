package web

import (
	"io/fs"
	"strings"
	"sync"

	"github.com/a-h/templ"
)

// Icons come from the lucide-static npm package: `npm run build:icons`
// copies the ones named in package.json into static/icons, and they are
// inlined into the page (no extra request, colour from currentColor). An
// icon never carries meaning alone: it sits beside a visible text and is
// aria-hidden, or the control around it has an aria-label.
var iconMarkup = sync.OnceValue(func() map[string]string { return loadIcons(staticFS) })

// loadIcons reads every static/icons/*.svg and keeps the drawing inside
// its <svg> element; the outer element is written by icon so that every
// icon has the same size, stroke and accessibility attributes.
func loadIcons(fsys fs.FS) map[string]string {
	out := map[string]string{}
	paths, _ := fs.Glob(fsys, "static/icons/*.svg")
	for _, p := range paths {
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			continue
		}
		s := string(data)
		open := strings.Index(s, "<svg")
		if open < 0 {
			continue
		}
		start := strings.Index(s[open:], ">")
		end := strings.LastIndex(s, "</svg>")
		if start < 0 || end < open+start {
			continue
		}
		name := strings.TrimSuffix(p[len("static/icons/"):], ".svg")
		out[name] = strings.TrimSpace(s[open+start+1 : end])
	}
	return out
}

// iconSVG is the inline SVG for a lucide icon name, or "" when the icon
// was not built (a page must still render without its icons). Each is
// put together once: the groups page writes two per row.
func iconSVG(name string) string { return iconWhole()[name] }

var iconWhole = sync.OnceValue(func() map[string]string {
	out := map[string]string{}
	for name, inner := range iconMarkup() {
		out[name] = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" class="icon size-4 shrink-0" aria-hidden="true" focusable="false">` + inner + `</svg>`
	}
	return out
})

// icon renders a decorative icon (aria-hidden) for use beside a text.
func icon(name string) templ.Component {
	return templ.Raw(iconSVG(name))
}
