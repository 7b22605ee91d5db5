package harness

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"time"
)

// ServerOptions say how to start `mila serve`.
type ServerOptions struct {
	Bin     string        // the mila binary
	Env     []string      // its environment (Env)
	Args    []string      // flags after `serve --listen 127.0.0.1:<port>`
	LogPath string        // standard output and error go here
	Ready   string        // the path that answers 200 once it serves
	Wait    time.Duration // how long it may take to get there
}

// Server is a running `mila serve` on a free loopback port.
type Server struct {
	Base    string // http://127.0.0.1:<port>
	LogPath string

	cmd    *exec.Cmd
	exited chan struct{} // closed when the process has ended
	err    error         // its exit status, once exited

	mu     sync.Mutex
	rssMax int64
}

// StartServer starts `mila serve` and waits until opt.Ready answers 200.
func StartServer(ctx context.Context, opt ServerOptions) (*Server, error) {
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	listen := "127.0.0.1:" + strconv.Itoa(port)
	s := &Server{Base: "http://" + listen, LogPath: opt.LogPath, exited: make(chan struct{})}
	logFile, err := os.Create(opt.LogPath)
	if err != nil {
		return nil, err
	}
	s.cmd = exec.Command(opt.Bin, append([]string{"serve", "--listen", listen}, opt.Args...)...)
	s.cmd.Env = opt.Env
	s.cmd.Stdout, s.cmd.Stderr = logFile, logFile
	if err := s.cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("start mila serve: %w", err)
	}
	go func() { s.err = s.cmd.Wait(); logFile.Close(); close(s.exited) }()
	Logf("mila serve started (pid %d) on %s, log %s", s.cmd.Process.Pid, s.Base, s.LogPath)

	client := &http.Client{Timeout: 5 * time.Second}
	deadline := time.Now().Add(opt.Wait)
	for {
		res, err := client.Get(s.Base + opt.Ready)
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		select {
		case <-s.exited:
			return nil, fmt.Errorf("mila serve exited: %v (see %s)", s.err, s.LogPath)
		case <-ctx.Done():
			s.Stop()
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.Stop()
			return nil, fmt.Errorf("mila serve did not answer %s within %s (see %s)", opt.Ready, opt.Wait, s.LogPath)
		}
	}
}

// Stop ends mila serve with SIGINT (a clean stop, so its log is complete)
// and waits for it; after 30 seconds it is killed.
func (s *Server) Stop() {
	select {
	case <-s.exited:
		return
	default:
	}
	_ = s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.exited:
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
}

// Exited is closed when mila serve has ended.
func (s *Server) Exited() <-chan struct{} { return s.exited }

// Alive reports whether mila serve still runs.
func (s *Server) Alive() bool {
	select {
	case <-s.exited:
		return false
	default:
		return true
	}
}

// Status reads a field of the server's /proc/<pid>/status in bytes
// (VmRSS, VmHWM).
func (s *Server) Status(field string) int64 { return ProcStatus(s.cmd.Process.Pid, field) }

// SampleRSS reads VmRSS every interval until stop is closed (or the server
// ends) and returns the largest value seen; PeakRSS is the largest of all
// samples so far, of every SampleRSS.
func (s *Server) SampleRSS(every time.Duration, stop <-chan struct{}) int64 {
	var peak int64
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		r := s.Status("VmRSS")
		peak = max(peak, r)
		s.mu.Lock()
		s.rssMax = max(s.rssMax, r)
		s.mu.Unlock()
		select {
		case <-stop:
			return peak
		case <-s.exited:
			return peak
		case <-t.C:
		}
	}
}

// PeakRSS is the largest VmRSS SampleRSS has seen.
func (s *Server) PeakRSS() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rssMax
}
