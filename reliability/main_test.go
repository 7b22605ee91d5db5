// Package reliability holds Mila's fault tests: the database going away
// under a serving Mila, Mila killed in the middle of a bulk write, the
// managed PostgreSQL killed under `mila serve`, and the documented backup
// and restore. Some tests run the real `mila` binary (built once per test
// binary), because what they prove is about a process dying.
package reliability

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"mila/internal/testpg"
)

var (
	buildOnce sync.Once
	buildDir  string
	milaBin   string
	buildErr  error
)

func TestMain(m *testing.M) {
	code := testpg.Run(m)
	if buildDir != "" {
		_ = os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// mila builds cmd/mila once per test binary and returns its path.
func mila(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "mila-reliability-bin-")
		if buildErr != nil {
			return
		}
		milaBin = filepath.Join(buildDir, "mila")
		_, file, _, _ := runtime.Caller(0)
		root := filepath.Dir(filepath.Dir(file))
		cmd := exec.Command("go", "build", "-o", milaBin, "./cmd/mila")
		cmd.Dir = root
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build ./cmd/mila: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return milaBin
}

// scratchDir returns a fresh directory the postgres system user can pass
// through (t.TempDir's parent is root's and 0700), removed after the test.
// It is short, so the managed cluster's socket fits in <dir>/run.
func scratchDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "mila-rel-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o711); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	return dir
}

// milaProcess is one running `mila serve`.
type milaProcess struct {
	cmd    *exec.Cmd
	URL    string // http://127.0.0.1:<port>
	logs   *lockedBuffer
	done   chan struct{} // closed when the process has exited
	result error         // cmd.Wait's error, valid after done
}

var runningRE = regexp.MustCompile(`Mila is running on (http://[0-9.:\[\]]+)`)

// startMila runs `mila serve` with args on a free loopback port and waits
// until it serves HTTP. env is added to a clean environment (no
// DATABASE_URL or MILA_* from the developer's shell). The process is
// killed at the end of the test if it is still running.
func startMila(t *testing.T, env []string, args ...string) *milaProcess {
	t.Helper()
	bin := mila(t)
	cmd := exec.Command(bin, append([]string{"serve", "--listen", "127.0.0.1:0"}, args...)...)
	cmd.Env = append(cleanEnv(), env...)
	cmd.Dir = os.TempDir()
	p := &milaProcess{cmd: cmd, logs: &lockedBuffer{}, done: make(chan struct{})}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = p.logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("start mila: %v", err)
	}
	url := make(chan string, 1)
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			_, _ = p.logs.Write([]byte(line + "\n"))
			if m := runningRE.FindStringSubmatch(line); m != nil {
				select {
				case url <- m[1]:
				default:
				}
			}
		}
		_, _ = io.Copy(p.logs, stderr)
	}()
	go func() {
		<-copied // Wait closes the pipe; read it all first
		p.result = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			t.Logf("mila %v log:\n%s", args, p.logs.String())
		}
	})
	select {
	case p.URL = <-url:
	case <-p.done:
		t.Fatalf("mila serve exited during start-up (%v):\n%s", p.result, p.logs.String())
	case <-time.After(2 * time.Minute):
		t.Fatalf("mila serve did not start within 2 minutes:\n%s", p.logs.String())
	}
	return p
}

// cleanEnv is the test's environment without Mila's own settings.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "DATABASE_URL=") || strings.HasPrefix(kv, "MILA_") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "MILA_LOG_LEVEL=info")
}

// stop sends SIGTERM and waits for a clean exit.
func (p *milaProcess) stop(t *testing.T) {
	t.Helper()
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	if err := p.wait(t, time.Minute); err != nil {
		t.Fatalf("mila serve did not stop cleanly on SIGTERM: %v\n%s", err, p.logs.String())
	}
}

// wait waits for the process to end and returns its exit error.
func (p *milaProcess) wait(t *testing.T, limit time.Duration) error {
	t.Helper()
	select {
	case <-p.done:
		return p.result
	case <-time.After(limit):
		t.Fatalf("mila serve still running after %s:\n%s", limit, p.logs.String())
		return nil
	}
}

// waitReady polls url+"/readyz" until it answers 200.
func waitReady(t *testing.T, url string) {
	t.Helper()
	waitStatus(t, url+"/readyz", http.StatusOK)
}

// waitStatus polls a GET of url until it answers want. Polling replaces a
// timed assertion: the limit only stops a broken test from hanging.
func waitStatus(t *testing.T, url string, want int) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	last := "no answer"
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		res, err := http.DefaultClient.Do(req)
		if err == nil {
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode == want {
				cancel()
				return
			}
			last = fmt.Sprintf("%d %s", res.StatusCode, bytes.TrimSpace(body))
		} else {
			last = err.Error()
		}
		cancel()
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("GET %s never answered %d; last: %s", url, want, last)
}

// lockedBuffer collects a process's output for the test to read.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
