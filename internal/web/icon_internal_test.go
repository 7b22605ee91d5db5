package web

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
)

func TestLoadIconsKeepsOnlyTheDrawing(t *testing.T) {
	fsys := fstest.MapFS{
		"static/icons/plus.svg":   {Data: []byte("<!-- @license lucide-static - ISC -->\n<svg\n  class=\"lucide\"\n  width=\"24\"\n>\n  <path d=\"M5 12h14\" />\n</svg>\n")},
		"static/icons/broken.svg": {Data: []byte("not an svg")},
		"static/icons/open.svg":   {Data: []byte("<svg><path d=\"M1 1\"/>")},
		"static/app.css":          {Data: []byte("body{}")},
	}
	got := loadIcons(fsys)
	if len(got) != 1 || got["plus"] != `<path d="M5 12h14" />` {
		t.Fatalf("loadIcons = %q", got)
	}
}

// TestIconsUsedAreBuilt: every icon the views name must be among the ones
// `npm run build:icons` copies (package.json), or it silently disappears.
// make test builds the assets first.
func TestIconsUsedAreBuilt(t *testing.T) {
	built := iconMarkup()
	if len(built) == 0 {
		t.Fatal("no icons in static/icons: run `make assets` (npm run build) first")
	}
	use := regexp.MustCompile(`(?:@icon\(|icon\(|Icon: +)"([a-z0-9-]+)"`)
	files, err := filepath.Glob("*.templ")
	if err != nil {
		t.Fatal(err)
	}
	gofiles, _ := filepath.Glob("*.go")
	files = append(files, gofiles...)
	seen := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_templ.go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range use.FindAllStringSubmatch(string(data), -1) {
			seen++
			if _, ok := built[m[1]]; !ok {
				t.Errorf("%s uses icon %q, which build:icons in package.json does not copy", name, m[1])
			}
		}
	}
	if seen < 10 {
		t.Errorf("found only %d icon uses; the pattern no longer matches the views", seen)
	}
	svg := iconSVG("plus")
	for _, want := range []string{`aria-hidden="true"`, `focusable="false"`, `viewBox="0 0 24 24"`, "<path"} {
		if !strings.Contains(svg, want) {
			t.Errorf("icon markup lacks %s: %s", want, svg)
		}
	}
	if strings.Contains(svg, "<!--") || strings.Count(svg, "<svg") != 1 {
		t.Errorf("icon markup: %s", svg)
	}
	if iconSVG("no-such-icon") != "" {
		t.Error("an unknown icon must render nothing")
	}
}
