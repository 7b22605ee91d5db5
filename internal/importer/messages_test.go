package importer

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func readLocale(t *testing.T, path string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]any{}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return m
}

// TestMessagesComplete: every message id messages.go declares has a text
// in English and in German, and the two files hold the same ids.
func TestMessagesComplete(t *testing.T) {
	en, de := readLocale(t, "locales/import.en.json"), readLocale(t, "locales/import.de.json")
	for id := range en {
		if _, ok := de[id]; !ok {
			t.Errorf("%s: English only", id)
		}
	}
	for id := range de {
		if _, ok := en[id]; !ok {
			t.Errorf("%s: German only", id)
		}
	}
	f, err := parser.ParseFile(token.NewFileSet(), "messages.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	ast.Inspect(f, func(node ast.Node) bool {
		vs, ok := node.(*ast.ValueSpec)
		if !ok || len(vs.Names) != 1 || !strings.HasPrefix(vs.Names[0].Name, "Msg") || len(vs.Values) != 1 {
			return true
		}
		lit, ok := vs.Values[0].(*ast.BasicLit)
		if !ok {
			return true
		}
		id, _ := strconv.Unquote(lit.Value)
		n++
		if _, ok := en[id]; !ok {
			t.Errorf("%s (%s) has no text", vs.Names[0].Name, id)
		}
		if got := (Msg{ID: id, Data: allData}).Text("de"); got == id || strings.Contains(got, "<no value>") {
			t.Errorf("%s in German: %q", id, got)
		}
		return true
	})
	if n < 40 {
		t.Fatalf("found only %d message ids in messages.go", n)
	}
}

// TestCLITextsMatchWeb: the command line's copies of the member form's
// messages (locales/cli.*.json) say what the web's say.
func TestCLITextsMatchWeb(t *testing.T) {
	for _, lang := range []string{"en", "de"} {
		web := map[string]any{}
		files, err := filepath.Glob("../web/locales/*." + lang + ".json")
		if err != nil || len(files) == 0 {
			t.Fatalf("web locales: %v", err)
		}
		for _, f := range files {
			for k, v := range readLocale(t, f) {
				web[k] = v
			}
		}
		for id, text := range readLocale(t, "locales/cli."+lang+".json") {
			if w, ok := web[id]; !ok || w != text {
				t.Errorf("%s %s: CLI %q, web %q", lang, id, text, w)
			}
		}
	}
}

// allData has every template field a message may use.
var allData = map[string]any{"Max": 1, "Row": 2, "Column": "B", "Count": 3, "Line": 4, "Sheet": "S", "Header": "H",
	"Target": "T", "Match": "email", "Option": "mode", "Value": "v", "Format": "dd.mm.yyyy", "Group": "G"}
