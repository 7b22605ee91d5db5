package web

import (
	"testing"

	"github.com/nicksnyder/go-i18n/v2/i18n"
)

// TestSimpleMessagesMatchGoI18n: the fast path for plain messages gives
// exactly what go-i18n gives, for every simple message in every language.
func TestSimpleMessagesMatchGoI18n(t *testing.T) {
	tr, err := newTranslator()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for lang, byID := range tr.simple {
		for id, m := range byID {
			kv := []any{}
			data := map[string]any{}
			for i := 1; i < len(m.parts); i += 2 {
				kv = append(kv, m.parts[i], "<"+m.parts[i]+" & 1>")
				data[m.parts[i]] = "<" + m.parts[i] + " & 1>"
			}
			want, err := tr.localizers[lang].Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: data})
			if err != nil {
				t.Fatalf("%s %s: %v", lang, id, err)
			}
			if got := tr.t(lang, id, kv...); got != want {
				t.Errorf("%s %s: fast %q, go-i18n %q", lang, id, got, want)
			}
			n++
		}
	}
	if n < 100 {
		t.Fatalf("only %d simple messages found", n)
	}
	if _, ok := parseSimple("{{if .X}}a{{end}}"); ok {
		t.Error("a template with actions was taken as simple")
	}
}
