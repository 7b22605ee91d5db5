package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"mila/bench/internal/harness"
)

const (
	benchEmail    = "bench@mila.example"
	benchPassword = "bench password, not secret"
)

// milaProc is a running `mila serve` and a signed-in HTTP client.
type milaProc struct {
	*harness.Server
	client *http.Client
}

// createAdmin makes (or resets) the bench's admin with `mila admin create`.
func createAdmin(ctx context.Context, c config, dbURL string) error {
	return harness.CreateAdmin(ctx, c.bin, harness.Env("DATABASE_URL="+dbURL), filepath.Join(c.out, "admin-password"), benchEmail, benchPassword)
}

// startMila starts `mila serve` on the database with default settings,
// request log included (to serve.log), as a club runs it, and signs the
// bench's client in.
func startMila(ctx context.Context, c config, dbURL string) (*milaProc, error) {
	srv, err := harness.StartServer(ctx, harness.ServerOptions{
		Bin: c.bin, Env: harness.Env("DATABASE_URL=" + dbURL), LogPath: filepath.Join(c.out, "serve.log"),
		Ready: "/healthz", Wait: time.Minute,
	})
	if err != nil {
		return nil, err
	}
	// Enough idle connections for the concurrency runs: every request
	// reuses a kept-alive connection, as a browser does.
	m := &milaProc{Server: srv, client: harness.NewClient(&http.Transport{MaxIdleConns: 64, MaxIdleConnsPerHost: 64, DisableCompression: true})}
	if err := signIn(m.client, m.Base); err != nil {
		m.Stop()
		return nil, err
	}
	return m, nil
}

// signIn signs the client in as the bench admin.
func signIn(c *http.Client, base string) error {
	res, err := c.PostForm(base+"/sign-in", url.Values{"email": {benchEmail}, "password": {benchPassword}})
	if err != nil {
		return fmt.Errorf("sign in: %w", err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		return fmt.Errorf("sign in: status %d, want 303", res.StatusCode)
	}
	res, err = c.Get(base + "/members")
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("after sign-in /members answers %d", res.StatusCode)
	}
	return nil
}

// get fetches path and reads the whole body; the status must be want.
func (m *milaProc) get(path string, want int) (int, error) {
	res, err := m.client.Get(m.Base + path)
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if err != nil {
		return 0, err
	}
	if res.StatusCode != want {
		return 0, fmt.Errorf("GET %s: status %d, want %d", path, res.StatusCode, want)
	}
	return int(n), nil
}

// post sends a form and expects a redirect; it returns the Location.
func (m *milaProc) post(path string, form url.Values) (string, error) {
	res, err := m.client.Post(m.Base+path, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		return "", fmt.Errorf("POST %s: status %d, want 303", path, res.StatusCode)
	}
	return res.Header.Get("Location"), nil
}
