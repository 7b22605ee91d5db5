// Package pdftext reads PDFs back for tests: the text of each page,
// extracted by pdftotext (Debian poppler-utils, which make test installs).
package pdftext

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// PDFPages extracts the text of each page of pdf with pdftotext
// (Debian poppler-utils), for tests in this and other packages.
func PDFPages(t testing.TB, pdf []byte) []string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "x.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-layout", "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	pages := strings.Split(string(bytes.TrimRight(out, "\f")), "\f")
	return pages
}
