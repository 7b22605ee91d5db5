package web

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestTemplGenerated fails when the committed *_templ.go files are not
// what `templ generate` makes of the *.templ files: a view was edited
// without regenerating (make generate), or a generated file outlived its
// view. The views are generated afresh in a temporary directory, so the
// check neither needs nor touches a clean working tree.
func TestTemplGenerated(t *testing.T) {
	views, err := filepath.Glob("*.templ")
	if err != nil || len(views) == 0 {
		t.Fatalf("no views found (%v)", err)
	}
	dir := t.TempDir()
	for _, v := range views {
		b, err := os.ReadFile(v)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, v), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// The templ version is the one go.mod names as a tool.
	cmd := exec.Command("go", "tool", "templ", "generate", "-path", dir, "-log-level", "error")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("templ generate: %v\n%s", err, out)
	}
	const fix = "run `make generate` (go tool templ generate -path internal/web) and commit the result"
	for _, v := range views {
		name := strings.TrimSuffix(v, ".templ") + "_templ.go"
		want, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(name)
		if err != nil {
			t.Errorf("%s is missing: %s", name, fix)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is stale: %s", name, fix)
		}
	}
	generated, err := filepath.Glob("*_templ.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range generated {
		if _, err := os.Stat(strings.TrimSuffix(g, "_templ.go") + ".templ"); err != nil {
			t.Errorf("%s has no view: delete it", g)
		}
	}
}
