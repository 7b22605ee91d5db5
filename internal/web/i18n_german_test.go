package web

import (
	"encoding/json"
	"io/fs"
	"regexp"
	"strings"
	"testing"
	"unicode"
)

// sameInGerman are the texts that are rightly the same in both languages
// (docs/GLOSSARY.md). Everything else that reads the same in German as in
// English was not translated.
var sameInGerman = map[string]bool{
	"Status": true, "Name": true, "Text": true, "Person": true,
	"E-Mail": true, "Administrator": true, "Version": true, "Logo": true,
	"Import": true, "Details": true, "Test": true, "Newsletter": true, "{{.KB}} KB": true,
	"Excel": true, "PDF": true, "CSV": true, "Export": true, "JSON": true,
}

var templateAction = regexp.MustCompile(`\{\{[^}]*\}\}`)

// TestGermanIsTranslated fails when a German message is empty or equal to
// its English one, unless it is a word of sameInGerman or has no words of
// its own (only template values and punctuation, like "{{.Group}}: {{.Result}}.").
// TestLocalesMatch already fails for a message missing in one language.
func TestGermanIsTranslated(t *testing.T) {
	files, err := localeFiles()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if !strings.HasSuffix(f, ".en.json") {
			continue
		}
		en, de := readLocale(t, f), readLocale(t, strings.TrimSuffix(f, ".en.json")+".de.json")
		for id, e := range en {
			d, ok := de[id]
			if !ok {
				continue // TestLocalesMatch reports it
			}
			for form, et := range e {
				dt := d[form]
				switch {
				case strings.TrimSpace(dt) == "":
					t.Errorf("%s %s (%s): the German text is empty", f, id, form)
				case dt == et && !sameInGerman[et] && hasWords(et):
					t.Errorf("%s %s (%s): the German text %q is the English one; translate it, or add it to sameInGerman if German really says the same", f, id, form, dt)
				}
			}
		}
	}
}

// readLocale reads a message file as id → plural form ("" for a simple
// message) → text.
func readLocale(t *testing.T, name string) map[string]map[string]string {
	t.Helper()
	data, err := fs.ReadFile(localeFS, "locales/"+name)
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	out := make(map[string]map[string]string, len(raw))
	for id, m := range raw {
		if isPlural(m) {
			var forms map[string]string
			if err := json.Unmarshal(m, &forms); err != nil {
				t.Fatalf("%s %s: %v", name, id, err)
			}
			out[id] = forms
			continue
		}
		var s string
		if err := json.Unmarshal(m, &s); err != nil {
			t.Fatalf("%s %s: %v", name, id, err)
		}
		out[id] = map[string]string{"": s}
	}
	return out
}

// hasWords reports whether s has letters outside its template actions.
func hasWords(s string) bool {
	return strings.IndexFunc(templateAction.ReplaceAllString(s, ""), unicode.IsLetter) >= 0
}
