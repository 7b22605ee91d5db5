package web

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"
)

// TestLocalesMatch fails when a message id exists in one language and not
// the other, when a feature's file has no partner, or when two features
// define the same id (the later file would silently win).
func TestLocalesMatch(t *testing.T) {
	files, err := localeFiles()
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]map[string]map[string]json.RawMessage{} // feature → lang → id → message
	owner := map[string]map[string]string{}                   // lang → id → feature
	for _, f := range files {
		parts := strings.Split(f, ".")
		if len(parts) != 3 || parts[2] != "json" || !isLang(parts[1]) {
			t.Errorf("%s: name it <feature>.<en|de>.json", f)
			continue
		}
		feature, lang := parts[0], parts[1]
		data, err := fs.ReadFile(localeFS, "locales/"+f)
		if err != nil {
			t.Fatal(err)
		}
		var msgs map[string]json.RawMessage
		if err := json.Unmarshal(data, &msgs); err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if ids[feature] == nil {
			ids[feature] = map[string]map[string]json.RawMessage{}
		}
		ids[feature][lang] = msgs
		if owner[lang] == nil {
			owner[lang] = map[string]string{}
		}
		for id := range msgs {
			if prev, dup := owner[lang][id]; dup {
				t.Errorf("message %q is defined in both %s.%s.json and %s.%s.json", id, prev, lang, feature, lang)
			}
			owner[lang][id] = feature
		}
	}
	for feature, byLang := range ids {
		for _, l := range langs {
			if byLang[l.String()] == nil {
				t.Errorf("locales/%s.%s.json is missing", feature, l)
			}
		}
		en, de := byLang["en"], byLang["de"]
		for id, m := range en {
			d, ok := de[id]
			if !ok {
				t.Errorf("%s: %q is in English but not in German", feature, id)
				continue
			}
			if isPlural(m) != isPlural(d) {
				t.Errorf("%s: %q is plural in one language only", feature, id)
			}
		}
		for id := range de {
			if _, ok := en[id]; !ok {
				t.Errorf("%s: %q is in German but not in English", feature, id)
			}
		}
	}
}

func isPlural(m json.RawMessage) bool { return strings.HasPrefix(strings.TrimSpace(string(m)), "{") }

// TestTemplateMessageIDs fails when a view or the Go code that feeds the
// views uses a message id that the catalogues lack.
func TestTemplateMessageIDs(t *testing.T) {
	tr, err := newTranslator()
	if err != nil {
		t.Fatal(err)
	}
	// f.T("Id" …), f.TN("Id" …), f.message("Id"), and the ids a form
	// field names: Field{LabelID: "Id", HintID: "Id"}.
	re := regexp.MustCompile(`\bf\.(?:T|TN|message)\(\s*"([A-Za-z0-9_]+)"|\b(?:LabelID|HintID):\s*"([A-Za-z0-9_]+)"`)
	views, err := filepath.Glob("*.templ")
	if err != nil || len(views) == 0 {
		t.Fatalf("no views found (%v)", err)
	}
	var used []string
	for _, v := range views {
		b, err := os.ReadFile(v)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			used = append(used, v+": "+m[1]+m[2])
		}
	}
	for _, msgs := range errorMessages {
		used = append(used, "errorMessages: "+msgs[0], "errorMessages: "+msgs[1])
	}
	for _, it := range navItems {
		used = append(used, "navItems: "+it.LabelID)
	}
	sort.Strings(used)
	for _, u := range used {
		id := u[strings.LastIndex(u, " ")+1:]
		if !tr.has(id) {
			t.Errorf("%s: message id not in every language", u)
		}
	}
}

func TestPluralsAndNumbers(t *testing.T) {
	tr, err := newTranslator()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		lang string
		n    int
		want string
	}{
		{"en", 1, "1 member"},
		{"en", 0, "0 members"},
		{"en", 1234, "1,234 members"},
		{"de", 1, "1 Mitglied"},
		{"de", 5, "5 Mitglieder"},
		{"de", 1234567, "1.234.567 Mitglieder"},
	}
	for _, tt := range tests {
		if got := tr.tn(tt.lang, "MembersCount", tt.n); got != tt.want {
			t.Errorf("tn(%s, %d) = %q, want %q", tt.lang, tt.n, got, tt.want)
		}
	}
	if !tr.has("MembersCount") {
		t.Error("has() misses a plural message")
	}
	if got := formatInt("en", -1234); got != "-1,234" {
		t.Errorf("formatInt(-1234) = %q", got)
	}
	if got := tr.t("de", "ErrTooLong", "Max", 100); got != "Verwenden Sie höchstens 100 Zeichen." {
		t.Errorf("t with data = %q", got)
	}
	if got := tr.t("en", "NoSuchMessage"); got != "NoSuchMessage" {
		t.Errorf("missing id = %q", got)
	}
}

func TestFormatDate(t *testing.T) {
	d := time.Date(2026, 11, 21, 15, 4, 0, 0, time.UTC)
	if got := formatDate("de", d); got != "21.11.2026" {
		t.Errorf("de: %q", got)
	}
	if got := formatDate("en", d); got != "Nov 21, 2026" {
		t.Errorf("en: %q", got)
	}
	if got := formatDate("de", time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC)); got != "05.03.2026" {
		t.Errorf("de padding: %q", got)
	}
	if got := formatDate("en", time.Time{}); got != "" {
		t.Errorf("zero: %q", got)
	}
}
