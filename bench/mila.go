package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mila/bench/internal/sysinfo"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

const (
	benchEmail    = "bench@mila.example"
	benchPassword = "bench password, not secret"
)

// milaProc is a running `mila serve` and a signed-in HTTP client.
type milaProc struct {
	cmd     *exec.Cmd
	base    string
	client  *http.Client
	logPath string
	waitErr chan error
	mu      sync.Mutex
	rssMax  int64
}

// createAdmin makes (or resets) the bench's admin with `mila admin create`.
func createAdmin(ctx context.Context, c config, dbURL string) error {
	env := append(os.Environ(), "DATABASE_URL="+dbURL)
	pwFile := filepath.Join(c.out, "admin-password")
	if err := os.WriteFile(pwFile, []byte(benchPassword+"\n"), 0o600); err != nil {
		return err
	}
	if err := command(ctx, "", env, c.bin, "admin", "create", "--email", benchEmail, "--password-file", pwFile, "--log-level", "warn"); err != nil {
		return fmt.Errorf("mila admin create: %w", err)
	}
	return nil
}

func startMila(ctx context.Context, c config, dbURL string) (*milaProc, error) {
	env := append(os.Environ(), "DATABASE_URL="+dbURL)

	port, err := freePort()
	if err != nil {
		return nil, err
	}
	m := &milaProc{base: "http://127.0.0.1:" + strconv.Itoa(port), logPath: filepath.Join(c.out, "serve.log"), waitErr: make(chan error, 1)}
	logFile, err := os.Create(m.logPath)
	if err != nil {
		return nil, err
	}
	// Default settings, request log included (to serve.log), as a club runs it.
	m.cmd = exec.Command(c.bin, "serve", "--listen", "127.0.0.1:"+strconv.Itoa(port))
	m.cmd.Env = env
	m.cmd.Stdout, m.cmd.Stderr = logFile, logFile
	if err := m.cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("start mila serve: %w", err)
	}
	go func() { m.waitErr <- m.cmd.Wait(); logFile.Close() }()
	logf("mila serve started (pid %d) on %s", m.cmd.Process.Pid, m.base)

	// Enough idle connections for the concurrency runs: every request
	// reuses a kept-alive connection, as a browser does.
	tr := &http.Transport{MaxIdleConns: 64, MaxIdleConnsPerHost: 64, DisableCompression: true}
	jar, _ := cookiejar.New(nil)
	m.client = &http.Client{Transport: tr, Jar: jar, Timeout: 60 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	deadline := time.Now().Add(60 * time.Second)
	for {
		res, err := m.client.Get(m.base + "/healthz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				break
			}
		}
		select {
		case err := <-m.waitErr:
			return nil, fmt.Errorf("mila serve exited: %v (see %s)", err, m.logPath)
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			m.stop()
			return nil, fmt.Errorf("mila serve did not answer within a minute (see %s)", m.logPath)
		}
	}
	if err := signIn(m.client, m.base); err != nil {
		m.stop()
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

func (m *milaProc) stop() {
	if m.cmd == nil || m.cmd.Process == nil {
		return
	}
	_ = m.cmd.Process.Signal(os.Interrupt)
	select {
	case <-m.waitErr:
	case <-time.After(15 * time.Second):
		_ = m.cmd.Process.Kill()
		<-m.waitErr
	}
	m.cmd = nil
}

// get fetches path and reads the whole body; the status must be want.
func (m *milaProc) get(path string, want int) (int, error) {
	res, err := m.client.Get(m.base + path)
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
	res, err := m.client.Post(m.base+path, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
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

// status reads a field of /proc/<pid>/status in bytes (VmRSS, VmHWM).
func (m *milaProc) status(field string) int64 {
	return sysinfo.ProcStatus(m.cmd.Process.Pid, field)
}

// sampleRSS records the largest VmRSS until stop is closed and returns it.
func (m *milaProc) sampleRSS(stop <-chan struct{}) int64 {
	var peak int64
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for {
		if r := m.status("VmRSS"); r > peak {
			peak = r
		}
		select {
		case <-stop:
			m.mu.Lock()
			m.rssMax = max(m.rssMax, peak)
			m.mu.Unlock()
			return peak
		case <-t.C:
		}
	}
}

func (m *milaProc) peakRSS() int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.rssMax
}

func (m *milaProc) hwm() int64 { return m.status("VmHWM") }

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// command runs a program, passing its output through on failure.
func command(ctx context.Context, dir string, env []string, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	if env != nil {
		cmd.Env = env
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return fmt.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
		}
		return err
	}
	return nil
}
