// Package pdftext reads PDFs back for tests: the text of each page,
// extracted by pdftotext (Debian poppler-utils, which make test installs).
package pdftext

import (
	"bytes"
	"html"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
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

// Word is a word on a page and where it is, in points from the page's
// top left corner.
type Word struct {
	Text       string
	XMin, YMin float64
}

var wordRE = regexp.MustCompile(`<word xMin="([0-9.]+)" yMin="([0-9.]+)" xMax="[0-9.]+" yMax="[0-9.]+">([^<]*)</word>`)

// Words extracts each page's words with their positions (pdftotext -bbox).
func Words(t testing.TB, pdf []byte) [][]Word {
	t.Helper()
	path := filepath.Join(t.TempDir(), "x.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-bbox", "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext -bbox: %v", err)
	}
	var pages [][]Word
	for _, page := range strings.Split(string(out), "<page ")[1:] {
		var words []Word
		for _, m := range wordRE.FindAllStringSubmatch(page, -1) {
			x, _ := strconv.ParseFloat(m[1], 64)
			y, _ := strconv.ParseFloat(m[2], 64)
			words = append(words, Word{Text: html.UnescapeString(m[3]), XMin: x, YMin: y})
		}
		pages = append(pages, words)
	}
	return pages
}
