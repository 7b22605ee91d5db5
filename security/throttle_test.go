package security

import (
	"context"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"mila/internal/web"
	"mila/internal/webtest"
)

// waits records the slow-downs the app asked for instead of sleeping
// them; hold makes the next wait block until released.
type waits struct {
	mu      sync.Mutex
	got     []time.Duration
	hold    chan struct{} // non-nil: the next wait blocks until it is closed
	entered chan struct{} // closed when a held wait has begun
}

func (w *waits) wait(ctx context.Context, d time.Duration) error {
	w.mu.Lock()
	w.got = append(w.got, d)
	hold, entered := w.hold, w.entered
	w.hold, w.entered = nil, nil
	w.mu.Unlock()
	if hold != nil {
		close(entered)
		select {
		case <-hold:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

func (w *waits) list() []time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]time.Duration(nil), w.got...)
}

// behindProxy configures the app as behind a reverse proxy on the test's
// own address (and one on 10/8), recording slow-downs in w.
func behindProxy(w *waits) func(*web.Config) {
	return func(c *web.Config) {
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("10.0.0.0/8")}
		if w != nil {
			c.SignInWait = w.wait
		}
	}
}

// signInFrom posts the sign-in form as the client at addr, as a proxy
// forwards it.
func signInFrom(t *testing.T, srv *webtest.Server, c *http.Client, addr, email, pw string) *http.Response {
	t.Helper()
	return srv.PostForm(t, c, "/sign-in", url.Values{"email": {email}, "password": {pw}}, "X-Forwarded-For", addr)
}

// TestFailuresElsewhereNeverLockAnAccount (finding 2): ten wrong
// passwords from one address used to make the right password fail from
// every address for 15 minutes — anyone could lock out any account, the
// administrators' included. Now a client address that fails too often is
// refused for that account (and, past 30 failures, for every account) —
// that address only; failures for an account from many addresses slow
// its attempts down, by a few seconds at most, and the right password
// still signs in.
func TestFailuresElsewhereNeverLockAnAccount(t *testing.T) {
	w := &waits{}
	srv := webtest.NewServer(t, behindProxy(w))
	fx := newFixture(t, srv)
	admin := fx.email["admin"]
	const attacker = "203.0.113.66"

	for i := range 10 {
		if res := signInFrom(t, srv, srv.Client(), attacker, admin, "wrong password"); res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("wrong password %d: %d", i+1, res.StatusCode)
		}
	}
	// The attacker's address is refused for this account now, even with
	// the right password (the per-address limit stays) …
	if res := signInFrom(t, srv, srv.Client(), attacker, admin, password); res.StatusCode != http.StatusTooManyRequests {
		t.Errorf("right password from the guessing address: %d, want 429", res.StatusCode)
	}
	// … and the administrator, elsewhere, signs in.
	if res := signInFrom(t, srv, srv.Client(), "198.51.100.1", admin, password); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("right password from another address after 10 failures elsewhere: %d, want 303", res.StatusCode)
	}

	// Guessing from many addresses: every attempt is checked, later ones
	// wait longer, never more than a few seconds; the right password works.
	for i := range 40 {
		res := signInFrom(t, srv, srv.Client(), fmt.Sprintf("192.0.2.%d", i+1), admin, "wrong password")
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("wrong password from address %d: %d", i+1, res.StatusCode)
		}
	}
	if res := signInFrom(t, srv, srv.Client(), "198.51.100.2", admin, password); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("right password after 50 failures from 41 addresses: %d, want 303", res.StatusCode)
	}
	got := w.list()
	if len(got) < 30 {
		t.Errorf("only %d slowed attempts after 50 failures", len(got))
	}
	for i, d := range got {
		if d <= 0 || d > 5*time.Second || (i > 0 && d < got[i-1]) {
			t.Errorf("slow-downs %v: want growing and at most 5 s", got)
			break
		}
	}

	// The per-address limit over all accounts stays: 30 failures from one
	// address (any emails) refuse that address, and no other.
	for i := range 30 {
		res := signInFrom(t, srv, srv.Client(), "203.0.113.77", fmt.Sprintf("guess%d@example.org", i), "wrong password")
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("guess %d: %d", i+1, res.StatusCode)
		}
	}
	if res := signInFrom(t, srv, srv.Client(), "203.0.113.77", fx.email["read_only"], password); res.StatusCode != http.StatusTooManyRequests {
		t.Errorf("31st attempt from one address: %d, want 429", res.StatusCode)
	}
	if res := signInFrom(t, srv, srv.Client(), "203.0.113.78", fx.email["read_only"], password); res.StatusCode != http.StatusSeeOther {
		t.Errorf("another address: %d, want 303", res.StatusCode)
	}
	noServerErrors(t, srv)
}

// lastFailureClient is the client address of the newest sign-in failure.
func lastFailureClient(t *testing.T, srv *webtest.Server) string {
	t.Helper()
	var c string
	if err := srv.DB.QueryRow(ctxb(), `SELECT client FROM sign_in_failures ORDER BY id DESC LIMIT 1`).Scan(&c); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestClientAddressFromTrustedProxyOnly (finding 3): behind a reverse
// proxy every visitor came from the proxy's address, so 30 failures from
// anyone stopped sign-in for everyone. With MILA_TRUSTED_PROXIES, a
// request from a trusted proxy has its client taken from X-Forwarded-For
// (the right-most hop that is not a trusted proxy) or Forwarded — for
// throttling and in the request log. From any other address these
// headers are ignored: spoofing them gains nothing.
func TestClientAddressFromTrustedProxyOnly(t *testing.T) {
	t.Run("untrusted peer", func(t *testing.T) {
		srv := webtest.NewServer(t) // no trusted proxies: the test's 127.0.0.1 is the client
		fx := newFixture(t, srv)
		for i := range 30 {
			res := srv.PostForm(t, srv.Client(), "/sign-in", url.Values{"email": {fmt.Sprintf("guess%d@example.org", i)}, "password": {"wrong password"}},
				"X-Forwarded-For", fmt.Sprintf("198.51.100.%d", i+1), "Forwarded", fmt.Sprintf("for=192.0.2.%d", i+1))
			if res.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("guess %d: %d", i+1, res.StatusCode)
			}
			if c := lastFailureClient(t, srv); c != "127.0.0.1" {
				t.Fatalf("spoofed headers from an untrusted peer counted as client %s", c)
			}
		}
		res := srv.PostForm(t, srv.Client(), "/sign-in", url.Values{"email": {fx.email["admin"]}, "password": {password}}, "X-Forwarded-For", "198.51.100.250")
		if res.StatusCode != http.StatusTooManyRequests {
			t.Errorf("a fresh spoofed address after 30 failures: %d, want 429", res.StatusCode)
		}
		// The 429's log line is the last one; wait for it before reading.
		if !srv.WaitLogs("status=429") || strings.Contains(srv.Logs(), "client=198.51.100.") || !strings.Contains(srv.Logs(), "client=127.0.0.1") {
			t.Error("the request log believed a spoofed header")
		}
	})

	t.Run("trusted proxy", func(t *testing.T) {
		srv := webtest.NewServer(t, behindProxy(nil))
		fx := newFixture(t, srv)
		for _, tc := range []struct {
			header []string
			want   string
		}{
			{[]string{"X-Forwarded-For", "203.0.113.7"}, "203.0.113.7"},
			// The client wrote the left part itself; the proxy appended what it saw.
			{[]string{"X-Forwarded-For", "6.6.6.6, 203.0.113.8"}, "203.0.113.8"},
			// A second trusted proxy (10/8) in the chain is skipped.
			{[]string{"X-Forwarded-For", "6.6.6.6, 203.0.113.9, 10.1.2.3"}, "203.0.113.9"},
			{[]string{"Forwarded", "for=192.0.2.60;proto=http;by=203.0.113.43"}, "192.0.2.60"},
			{[]string{"Forwarded", `for=6.6.6.6, for="[2001:db8:cafe::17]:4711"`}, "2001:db8:cafe::17"},
			{[]string{"X-Forwarded-For", "::ffff:192.0.2.61"}, "192.0.2.61"},
			// The proxy could not tell: the proxy's address.
			{[]string{"X-Forwarded-For", "unknown"}, "127.0.0.1"},
			{nil, "127.0.0.1"},
		} {
			res := srv.PostForm(t, srv.Client(), "/sign-in", url.Values{"email": {"nobody@example.org"}, "password": {"wrong password"}}, tc.header...)
			if res.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("%v: %d", tc.header, res.StatusCode)
			}
			if c := lastFailureClient(t, srv); c != tc.want {
				t.Errorf("%v: client %s, want %s", tc.header, c, tc.want)
			}
			if !srv.WaitLogs("client=" + tc.want) {
				t.Errorf("%v: the request log does not name client %s", tc.header, tc.want)
			}
		}
		// 30 failures from one visitor behind the proxy stop that visitor only.
		for i := range 30 {
			if res := signInFrom(t, srv, srv.Client(), "203.0.113.50", fmt.Sprintf("guess%d@example.org", i), "wrong password"); res.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("guess %d: %d", i+1, res.StatusCode)
			}
		}
		if res := signInFrom(t, srv, srv.Client(), "203.0.113.50", fx.email["admin"], password); res.StatusCode != http.StatusTooManyRequests {
			t.Errorf("the guessing visitor: %d, want 429", res.StatusCode)
		}
		if res := signInFrom(t, srv, srv.Client(), "203.0.113.51", fx.email["admin"], password); res.StatusCode != http.StatusSeeOther {
			t.Errorf("another visitor behind the same proxy: %d, want 303", res.StatusCode)
		}
	})
}

// TestPasswordChangeIsThrottled (finding 5): the current-password check
// of POST /account/password was not throttled, and one session could send
// it in parallel to occupy every password-hashing slot. Now a wrong
// current password is a sign-in failure for the account from that
// address, with the same limits, and one user has at most one password
// check running: a second one at the same time is turned away (429).
func TestPasswordChangeIsThrottled(t *testing.T) {
	w := &waits{}
	srv := webtest.NewServer(t, behindProxy(w))
	fx := newFixture(t, srv)
	email := fx.email["normal_user"]
	const home = "203.0.113.20"
	c := srv.Client()
	if res := signInFrom(t, srv, c, home, email, password); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in: %d", res.StatusCode)
	}
	change := func(c *http.Client, from, current string) (*http.Response, string) {
		res := srv.PostForm(t, c, "/account/password", url.Values{"current_password": {current},
			"new_password": {"a brand new password"}, "new_password_confirm": {"a brand new password"}}, "X-Forwarded-For", from)
		return res, webtest.Body(t, res)
	}
	for i := range 10 {
		if res, body := change(c, home, "not my password"); res.StatusCode != http.StatusUnprocessableEntity || !fieldMarked(body, "current_password") {
			t.Fatalf("wrong current password %d: %d", i+1, res.StatusCode)
		}
	}
	res, body := change(c, home, password)
	if res.StatusCode != http.StatusTooManyRequests || !fieldMarked(body, "current_password") || res.Header.Get("Retry-After") == "" {
		t.Fatalf("right current password after 10 wrong ones: %d, want 429 with the field marked", res.StatusCode)
	}
	if res := signInFrom(t, srv, srv.Client(), home, email, password); res.StatusCode != http.StatusTooManyRequests {
		t.Errorf("sign-in from the same address: %d, want 429 (the same limits)", res.StatusCode)
	}
	var hash0 string
	if err := srv.DB.QueryRow(ctxb(), `SELECT password_hash FROM users WHERE email = $1`, email).Scan(&hash0); err != nil {
		t.Fatal(err)
	}

	// From another address the change works — while it checks, a second
	// request of the same session is turned away at once. (The ten
	// failures slow the account's checks down; the test holds that wait.)
	w.mu.Lock()
	w.hold, w.entered = make(chan struct{}), make(chan struct{})
	hold, entered := w.hold, w.entered
	w.mu.Unlock()
	done := make(chan int)
	go func() {
		req := webtest.NewRequest(t, http.MethodPost, srv.URL+"/account/password", url.Values{"current_password": {password},
			"new_password": {"a brand new password"}, "new_password_confirm": {"a brand new password"}}, "X-Forwarded-For", "203.0.113.21")
		res, err := c.Do(req)
		if err != nil {
			t.Error(err)
			done <- 0
			return
		}
		res.Body.Close()
		done <- res.StatusCode
	}()
	<-entered
	res, body = change(c, "203.0.113.22", password)
	if res.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, "already being checked") {
		t.Errorf("a second check while the first runs: %d, want 429 busy", res.StatusCode)
	}
	close(hold)
	if code := <-done; code != http.StatusSeeOther {
		t.Fatalf("the first change: %d, want 303", code)
	}
	var hash1 string
	if err := srv.DB.QueryRow(ctxb(), `SELECT password_hash FROM users WHERE email = $1`, email).Scan(&hash1); err != nil {
		t.Fatal(err)
	}
	if hash1 == hash0 {
		t.Error("the password did not change")
	}
	noServerErrors(t, srv)
}
