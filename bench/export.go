package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"mila/bench/internal/harness"
)

// exportResult is one export measured over HTTP: the wall time of each
// run (request to last byte), the file's size, rows and Mila's largest
// VmRSS sampled while it ran.
type exportResult struct {
	name, path string
	runs       []time.Duration
	bytes      int64
	rows       int // lines of a CSV (header included); 0 for other formats
	rss        int64
	target     time.Duration
}

// Export targets (issue 15).
const (
	targetExportCSV  = 2 * time.Second  // all 100,000 members
	targetExportXLSX = 10 * time.Second // all 100,000 members
	targetExportPDF  = 2 * time.Second  // a group of about 1,000
)

// measureExports downloads the CSV and XLSX of every member (status=all)
// and the PDF of the group closest to 1,000 members, rounds times each,
// sampling Mila's memory meanwhile.
func measureExports(ctx context.Context, m *milaProc, db *benchDB, rounds int) ([]exportResult, error) {
	var slug string
	var size int
	if err := db.pool.QueryRow(ctx, `SELECT slug, member_count FROM groups
		ORDER BY abs(member_count - 1000), slug LIMIT 1`).Scan(&slug, &size); err != nil {
		return nil, fmt.Errorf("find a group of about 1,000: %w", err)
	}
	list := []exportResult{
		{name: "CSV, every member", path: "/members/export?status=all&format=csv", target: targetExportCSV},
		{name: "XLSX, every member", path: "/members/export?status=all&format=xlsx", target: targetExportXLSX},
		{name: fmt.Sprintf("PDF, group of %d", size), path: "/groups/" + slug + "/export?format=pdf", target: targetExportPDF},
	}
	for i := range list {
		e := &list[i]
		for range rounds {
			stop := make(chan struct{})
			peak := make(chan int64, 1)
			go func() { peak <- m.SampleRSS(20*time.Millisecond, stop) }()
			t := time.Now()
			n, lines, err := m.download(ctx, e.path)
			d := time.Since(t)
			close(stop)
			e.rss = max(e.rss, <-peak)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", e.name, err)
			}
			e.runs = append(e.runs, d)
			e.bytes, e.rows = n, lines
		}
		harness.Logf("export %-24s %s  %d KB  RSS %d MB", e.name, durations(e.runs), e.bytes>>10, e.rss>>20)
	}
	return list, nil
}

// download fetches path to the end and counts its bytes and CRLF lines.
func (m *milaProc) download(ctx context.Context, path string) (int64, int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, m.Base+path, nil)
	if err != nil {
		return 0, 0, err
	}
	req.Header.Set("Accept-Language", "de")
	res, err := m.client.Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return 0, 0, fmt.Errorf("GET %s: status %d", path, res.StatusCode)
	}
	buf := make([]byte, 64<<10)
	var n int64
	lines := 0
	prev := byte(0)
	for {
		k, err := res.Body.Read(buf)
		for _, c := range buf[:k] {
			if c == '\n' && prev == '\r' {
				lines++
			}
			prev = c
		}
		n += int64(k)
		if err == io.EOF {
			break
		}
		if err != nil {
			return n, lines, err
		}
	}
	if !strings.Contains(path, "format=csv") {
		lines = 0
	}
	return n, lines, nil
}

func durations(ds []time.Duration) string {
	parts := make([]string, len(ds))
	for i, d := range ds {
		parts[i] = fmt.Sprintf("%.2f s", d.Seconds())
	}
	return strings.Join(parts, ", ")
}

// exportMarkdown is the exports' part of results.md.
func exportMarkdown(list []exportResult) string {
	if len(list) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("Exports over HTTP (German; wall time from request to last byte; VmRSS sampled every 20 ms during the download):\n\n")
	b.WriteString("| Export | runs | size | CSV lines | largest VmRSS | targets |\n|---|---|---:|---:|---:|---|\n")
	for _, e := range list {
		best := e.runs[0]
		for _, d := range e.runs {
			best = min(best, d)
		}
		var miss []string
		if best > e.target {
			miss = append(miss, fmt.Sprintf("> %s", e.target))
		}
		if e.rss > targetRSSBytes {
			miss = append(miss, "RSS > 150 MB")
		}
		ok := "✓"
		if len(miss) > 0 {
			ok = "✗ " + strings.Join(miss, ", ")
		}
		fmt.Fprintf(&b, "| %s (`%s`) | %s | %.1f MB | %d | %.1f MB | %s |\n", e.name, e.path, durations(e.runs),
			float64(e.bytes)/(1<<20), e.rows, float64(e.rss)/(1<<20), ok)
	}
	b.WriteString("\n")
	return b.String()
}
