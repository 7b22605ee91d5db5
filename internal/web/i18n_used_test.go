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
)

// TestEveryMessageIsUsed fails for a message id that no code uses any
// more: a catalogue entry left behind by a change (ErrInUse after
// InUseError, say) is a text nobody checks. An id counts as used when
// the Go or templ source outside tests has it as a string literal, or
// starts with a literal the code builds ids from ("AuditAction_" + …).
func TestEveryMessageIsUsed(t *testing.T) {
	lits, prefixes := sourceLiterals(t, "..", filepath.Join("..", "..", "cmd"))
	files, err := localeFiles()
	if err != nil {
		t.Fatal(err)
	}
	var unused []string
	for _, f := range files {
		if !strings.HasSuffix(f, ".en.json") {
			continue
		}
		data, err := fs.ReadFile(localeFS, "locales/"+f)
		if err != nil {
			t.Fatal(err)
		}
		var msgs map[string]json.RawMessage
		if err := json.Unmarshal(data, &msgs); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
	ids:
		for id := range msgs {
			if lits[id] {
				continue
			}
			for _, p := range prefixes {
				if strings.HasPrefix(id, p) {
					continue ids
				}
			}
			unused = append(unused, f+": "+id)
		}
	}
	sort.Strings(unused)
	for _, u := range unused {
		t.Errorf("%s: no code uses this message (remove it from both languages)", u)
	}
}

// literalRe finds string literals that could be message ids, and
// whether code appends to them (a prefix of ids made at run time).
var literalRe = regexp.MustCompile("[\"`]([A-Za-z][A-Za-z0-9_]*)[\"`](\\s*\\+)?")

// sourceLiterals collects the id-like string literals of the Go and
// templ files under dirs (generated and test files left out).
func sourceLiterals(t *testing.T, dirs ...string) (map[string]bool, []string) {
	t.Helper()
	lits := map[string]bool{}
	var prefixes []string
	for _, dir := range dirs {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			name := d.Name()
			if d.IsDir() {
				if name == "node_modules" || name == "static" {
					return filepath.SkipDir
				}
				return nil
			}
			if strings.HasSuffix(name, "_test.go") || strings.HasSuffix(name, "_templ.go") ||
				(!strings.HasSuffix(name, ".go") && !strings.HasSuffix(name, ".templ")) {
				return nil
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for _, m := range literalRe.FindAllStringSubmatch(string(b), -1) {
				lits[m[1]] = true
				if m[2] != "" && len(m[1]) > 1 {
					prefixes = append(prefixes, m[1])
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return lits, prefixes
}
