package importer

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
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

// TestTextsWithWebMessages: with the web's message files, the member
// form's ids in a row error read as the form says them.
func TestTextsWithWebMessages(t *testing.T) {
	texts, err := NewTexts(os.DirFS("../web/locales"))
	if err != nil {
		t.Fatal(err)
	}
	if got := texts.Text(Msg{ID: "ErrRequired"}, "de"); got != "Bitte füllen Sie dieses Feld aus." {
		t.Errorf("ErrRequired in German: %q", got)
	}
	if got := (Msg{ID: "ErrRequired"}).Text("de"); got != "ErrRequired" {
		t.Errorf("without the web's files: %q", got)
	}
}

// allData has every template field a message may use.
var allData = map[string]any{"Max": 1, "Row": 2, "Column": "B", "Count": 3, "Line": 4, "Sheet": "S", "Header": "H",
	"Target": "T", "Match": "email", "Option": "mode", "Value": "v", "Format": "dd.mm.yyyy", "Group": "G"}
