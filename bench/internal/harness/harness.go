// Package harness is what the benchmark (bench) and the load run
// (bench/load) share: building and starting `mila serve` and watching its
// memory, loading and reusing the demo data set with `mila demo`, running
// mila's other commands, describing the machine, and the log and number
// formats of their reports. Each program keeps only what it measures.
package harness

import (
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/cookiejar"
	"os"
	"slices"
	"strings"
	"time"
)

var start = time.Now()

// Logf writes a progress line to standard error, stamped with the seconds
// since the program started.
func Logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "[%5.1fs] %s\n", time.Since(start).Seconds(), fmt.Sprintf(format, args...))
}

// QuietLogger discards everything (for Mila's packages run in-process).
func QuietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// Ms is d in milliseconds.
func Ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// MB is b bytes in MiB.
func MB(b int64) float64 { return float64(b) / (1 << 20) }

// Percentile is the nearest-rank p-th percentile of d (p in 0..100); 0
// for none.
func Percentile(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	i := int(math.Ceil(float64(len(s))*p/100)) - 1
	return s[max(0, min(len(s)-1, i))]
}

// CommandLine is the command that reproduces this run: `go run <pkg>`
// with the program's arguments.
func CommandLine(pkg string) string {
	return strings.Join(append([]string{"go", "run", pkg}, os.Args[1:]...), " ")
}

// NewClient is a browser-like HTTP client: its own cookie jar (session),
// redirects not followed (the caller sees the 303 and its Location), and
// the given transport (nil: http.DefaultTransport).
func NewClient(tr http.RoundTripper) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Transport: tr, Jar: jar, Timeout: 60 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}
