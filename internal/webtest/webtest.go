// Package webtest starts the whole Mila web app on httptest, backed by a
// fresh real PostgreSQL database from testpg. Handler tests and browser
// tests share it.
//
//	func TestMain(m *testing.M) { testpg.Main(m) }   // required: webtest uses testpg
//
//	func TestSomething(t *testing.T) {
//		srv := webtest.NewServer(t)
//		c := srv.Client()                     // cookie jar, does not follow redirects
//		res := srv.Get(t, c, "/members")      // *http.Response, body closed at test end
//		body := webtest.Body(t, res)
//	}
package webtest

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"mila/internal/testpg"
	"mila/internal/web"
)

// Server is a running app on a fresh database.
type Server struct {
	*httptest.Server
	App  *web.App
	DB   *pgxpool.Pool
	logs *syncBuffer
}

// NewServer starts the app on a fresh migrated database. opts may adjust
// the Config before the app is built (e.g. a failing Ready). Everything is
// stopped when the test ends.
func NewServer(tb testing.TB, opts ...func(*web.Config)) *Server {
	tb.Helper()
	db := testpg.New(tb)
	logs := &syncBuffer{}
	cfg := web.Config{
		DB:      db,
		Logger:  slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Version: "test",
	}
	for _, o := range opts {
		o(&cfg)
	}
	app, err := web.New(cfg)
	if err != nil {
		tb.Fatalf("webtest: web.New: %v", err)
	}
	ts := httptest.NewServer(app.Handler())
	s := &Server{Server: ts, App: app, DB: db, logs: logs}
	tb.Cleanup(func() {
		ts.Close()
		app.Close()
		if tb.Failed() {
			tb.Logf("server log:\n%s", logs.String())
		}
	})
	return s
}

// Logs returns everything the app has logged so far.
func (s *Server) Logs() string { return s.logs.String() }

// WaitLogs reports whether the log contains want within a few seconds.
// The request log line is written when the handler returns, and a
// response larger than the server's write buffer reaches the client
// before that: a test that reads the log right after the answer races it.
func (s *Server) WaitLogs(want string) bool {
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if strings.Contains(s.Logs(), want) {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
	}
}

// Client returns a client with its own cookie jar that does not follow
// redirects, so tests see the 303 and its Location.
func (s *Server) Client() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{
		Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// Do sends req (a path like "/members" is resolved against the server).
// The response body is closed when the test ends.
func (s *Server) Do(tb testing.TB, c *http.Client, req *http.Request) *http.Response {
	tb.Helper()
	if req.URL.Host == "" {
		u, err := url.Parse(s.URL + req.URL.String())
		if err != nil {
			tb.Fatal(err)
		}
		req.URL = u
		req.Host = u.Host
	}
	res, err := c.Do(req)
	if err != nil {
		tb.Fatalf("webtest: %s %s: %v", req.Method, req.URL, err)
	}
	tb.Cleanup(func() { res.Body.Close() })
	return res
}

// NewRequest builds a request for path; for a url.Values body it sets the
// form content type. Header pairs may follow: "Accept-Language", "de".
func NewRequest(tb testing.TB, method, path string, form url.Values, header ...string) *http.Request {
	tb.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(context.Background(), method, path, body)
	if err != nil {
		tb.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return req
}

// Get is Do with a GET of path.
func (s *Server) Get(tb testing.TB, c *http.Client, path string, header ...string) *http.Response {
	tb.Helper()
	return s.Do(tb, c, NewRequest(tb, http.MethodGet, path, nil, header...))
}

// PostForm is Do with a form POST to path.
func (s *Server) PostForm(tb testing.TB, c *http.Client, path string, form url.Values, header ...string) *http.Response {
	tb.Helper()
	return s.Do(tb, c, NewRequest(tb, http.MethodPost, path, form, header...))
}

// Body reads the whole response body.
func Body(tb testing.TB, res *http.Response) string {
	tb.Helper()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		tb.Fatalf("webtest: read body: %v", err)
	}
	return string(b)
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
