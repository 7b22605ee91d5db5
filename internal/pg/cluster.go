package pg

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// DatabaseName is the database Mila keeps its data in on a managed cluster.
const DatabaseName = "mila"

// socketPort only names the socket file (.s.PGSQL.5432): the cluster has no
// TCP listener, and its socket directory is private, so the usual port never
// clashes with a system PostgreSQL.
const socketPort = 5432

// maxSocketPath keeps the socket path well below the 108 bytes of sun_path.
const maxSocketPath = 100

// DataDirError means the data directory cannot be used (not creatable, not
// writable, not reachable by the postgres user). It is a configuration
// problem the operator fixes, so the CLI reports it with exit code 2.
type DataDirError struct {
	Dir string
	Err error
}

func (e *DataDirError) Error() string {
	return fmt.Sprintf("data directory %s is not usable: %v", e.Dir, e.Err)
}
func (e *DataDirError) Unwrap() error { return e.Err }

// LockedError means another Mila process holds the data directory.
type LockedError struct {
	Dir string
	PID int // 0 when the holder could not be read
}

func (e *LockedError) Error() string {
	pid := "unknown pid"
	if e.PID > 0 {
		pid = "pid " + strconv.Itoa(e.PID)
	}
	return fmt.Sprintf("another Mila is already running on data dir %s (%s): stop it first, or set MILA_DATA_DIR to another directory", e.Dir, pid)
}

// ErrNoPostgresUser: Mila runs as root, PostgreSQL refuses root, and there is
// no postgres system user to run it as.
var ErrNoPostgresUser = errors.New("PostgreSQL refuses to run as root and there is no `postgres` system user: install PostgreSQL with `apt-get install postgresql postgresql-contrib`, run Mila as a normal user, or set DATABASE_URL")

// Option tunes a managed cluster.
type Option func(*options)

type options struct {
	settings map[string]string
	fast     bool
}

// WithSettings passes extra server settings (postgres -c name=value).
func WithSettings(kv map[string]string) Option {
	return func(o *options) {
		for k, v := range kv {
			o.settings[k] = v
		}
	}
}

// Fast trades durability for speed: no fsync anywhere. Only for throwaway
// clusters (tests); a crash may corrupt the data.
func Fast() Option {
	return func(o *options) {
		o.fast = true
		o.settings["fsync"] = "off"
		o.settings["synchronous_commit"] = "off"
		o.settings["full_page_writes"] = "off"
	}
}

// Cluster is a private PostgreSQL server whose files live in a Mila data
// directory and which listens on a Unix socket only.
type Cluster struct {
	dataDir   string
	pgDir     string
	socketDir string
	logPath   string
	bin       Binaries
	log       *slog.Logger
	opts      options
	runAs     *syscall.Credential // the postgres system user when Mila runs as root
	lock      *os.File

	mu      sync.Mutex
	cmd     *exec.Cmd
	exited  chan struct{}
	exitErr error
}

// StartManaged starts (initialising on first use) the cluster kept in
// <dataDir>/pg, holding an exclusive lock on the data directory until Stop.
func StartManaged(ctx context.Context, dataDir string, log *slog.Logger, opts ...Option) (_ *Cluster, err error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	o := options{settings: map[string]string{}}
	for _, opt := range opts {
		opt(&o)
	}
	abs, err := filepath.Abs(dataDir)
	if err != nil {
		return nil, &DataDirError{Dir: dataDir, Err: err}
	}
	c := &Cluster{
		dataDir: abs,
		pgDir:   filepath.Join(abs, "pg"),
		logPath: filepath.Join(abs, "pg.log"),
		log:     log,
		opts:    o,
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return nil, &DataDirError{Dir: abs, Err: plainPathError(err)}
	}
	if err := c.acquireLock(); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			c.releaseLock()
		}
	}()
	if os.Geteuid() == 0 {
		if err := c.prepareRoot(); err != nil {
			return nil, err
		}
	}

	major, err := clusterMajor(c.pgDir)
	if err != nil {
		return nil, fmt.Errorf("read cluster version: %w", err)
	}
	c.bin, err = FindBinaries(ctx, major)
	if err != nil {
		var vm *VersionMismatchError
		if errors.As(err, &vm) {
			vm.DataDir = c.pgDir
		}
		return nil, err
	}
	if major == 0 {
		if err := c.initdb(ctx); err != nil {
			return nil, err
		}
	}
	if err := c.prepareSocketDir(); err != nil {
		return nil, err
	}
	if c.runAs != nil {
		if err := chownTree(c.pgDir, c.runAs); err != nil {
			return nil, fmt.Errorf("hand %s to the postgres user: %w", c.pgDir, err)
		}
	}
	if err := c.recoverOrphan(); err != nil {
		return nil, err
	}
	if err := c.StartServer(ctx); err != nil {
		return nil, err
	}
	if err := c.EnsureDatabase(ctx, DatabaseName); err != nil {
		_ = c.StopServer(context.Background())
		return nil, err
	}
	return c, nil
}

// DataDir is the absolute data directory.
func (c *Cluster) DataDir() string { return c.dataDir }

// LogPath is the file the server writes its log to.
func (c *Cluster) LogPath() string { return c.logPath }

// Binaries is the PostgreSQL installation the cluster runs on.
func (c *Cluster) Binaries() Binaries { return c.bin }

// SocketDir is the directory holding the server's Unix socket.
func (c *Cluster) SocketDir() string { return c.socketDir }

// ConnString is a libpq/pgx URL for database db over the private socket.
func (c *Cluster) ConnString(db string) string {
	q := url.Values{}
	q.Set("host", c.socketDir)
	q.Set("port", strconv.Itoa(socketPort))
	q.Set("sslmode", "disable")
	return "postgres://postgres@/" + url.PathEscape(db) + "?" + q.Encode()
}

// Exited is closed when the current server process ends, for whatever reason.
func (c *Cluster) Exited() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.exited
}

// Err is why the server process ended (nil while it runs or after a clean stop).
func (c *Cluster) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.exitErr
}

// Stop shuts the server down and releases the data directory.
func (c *Cluster) Stop(ctx context.Context) error {
	err := c.StopServer(ctx)
	c.releaseLock()
	return err
}

// StartServer starts the postgres process and waits until it accepts
// connections. StartManaged calls it; tests call it again after StopServer to
// simulate a database outage.
func (c *Cluster) StartServer(ctx context.Context) error {
	c.mu.Lock()
	if c.cmd != nil {
		select {
		case <-c.exited:
		default:
			c.mu.Unlock()
			return errors.New("postgres is already running")
		}
	}
	c.mu.Unlock()

	logFile, err := c.openLog()
	if err != nil {
		return err
	}
	defer logFile.Close() // the child keeps its own copy of the descriptor

	args := []string{"-D", c.pgDir,
		"-c", "listen_addresses=",
		"-c", "unix_socket_directories=" + c.socketDir,
		"-c", "unix_socket_permissions=0700",
		"-c", "port=" + strconv.Itoa(socketPort),
	}
	keys := make([]string, 0, len(c.opts.settings))
	for k := range c.opts.settings {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		args = append(args, "-c", k+"="+c.opts.settings[k])
	}
	cmd := exec.Command(c.bin.Path("postgres"), args...)
	cmd.Dir = "/"
	cmd.Env = childEnv()
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{
		// Its own process group: Ctrl-C in a terminal must reach only Mila,
		// which then drains HTTP requests before stopping the database.
		Setpgid: true,
		// If Mila is killed outright, the server shuts down fast by itself
		// instead of lingering as an orphan.
		Pdeathsig:  syscall.SIGINT,
		Credential: c.runAs,
	}

	exited := make(chan struct{})
	started := make(chan error, 1)
	go func() {
		// Pdeathsig fires when the *thread* that started the child exits, and
		// Go may retire idle threads. Pinning this goroutine to its thread
		// until the server is gone makes the signal mean "Mila died".
		runtime.LockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		werr := cmd.Wait()
		c.mu.Lock()
		c.exitErr = werr
		c.mu.Unlock()
		close(exited)
	}()
	if err := <-started; err != nil {
		return fmt.Errorf("start %s: %w", c.bin.Path("postgres"), err)
	}
	c.mu.Lock()
	c.cmd, c.exited, c.exitErr = cmd, exited, nil
	c.mu.Unlock()
	c.log.Debug("postgres started", "pid", cmd.Process.Pid, "data", c.pgDir, "log", c.logPath)

	if err := c.waitReady(ctx, exited); err != nil {
		_ = c.StopServer(context.Background())
		return err
	}
	return nil
}

// waitReady polls until the server accepts a connection.
func (c *Cluster) waitReady(ctx context.Context, exited <-chan struct{}) error {
	deadline := time.Now().Add(2 * time.Minute)
	for {
		cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		conn, err := pgx.Connect(cctx, c.ConnString("postgres"))
		cancel()
		if err == nil {
			_ = conn.Close(ctx)
			return nil
		}
		select {
		case <-exited:
			return fmt.Errorf("postgres exited during start-up (%v): %s", c.Err(), c.logHint())
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("postgres did not accept connections within 2 minutes (last error: %v): %s", err, c.logHint())
		}
	}
}

// StopServer asks the server for a fast shutdown (SIGINT: roll back open
// transactions, checkpoint, exit), escalating to SIGQUIT and SIGKILL if it
// does not finish within ctx or 30 s, whichever comes first.
func (c *Cluster) StopServer(ctx context.Context) error {
	c.mu.Lock()
	cmd, exited := c.cmd, c.exited
	c.mu.Unlock()
	if cmd == nil {
		return nil
	}
	select {
	case <-exited:
		return nil
	default:
	}
	_ = cmd.Process.Signal(syscall.SIGINT)
	t := time.NewTimer(30 * time.Second)
	defer t.Stop()
	select {
	case <-exited:
		c.log.Debug("postgres stopped")
		return nil
	case <-ctx.Done():
	case <-t.C:
	}
	c.log.Warn("postgres did not stop in time; sending SIGQUIT")
	_ = cmd.Process.Signal(syscall.SIGQUIT)
	select {
	case <-exited:
		return nil
	case <-time.After(10 * time.Second):
	}
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	<-exited
	return errors.New("postgres had to be killed")
}

// EnsureDatabase creates database name unless it exists.
func (c *Cluster) EnsureDatabase(ctx context.Context, name string) error {
	conn, err := pgx.Connect(ctx, c.ConnString("postgres"))
	if err != nil {
		return fmt.Errorf("connect to managed postgres: %w", err)
	}
	defer conn.Close(ctx)
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return fmt.Errorf("look up database %s: %w", name, err)
	}
	if exists {
		return nil
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return fmt.Errorf("create database %s: %w", name, err)
	}
	return nil
}

// acquireLock takes an exclusive flock on <dataDir>/mila.lock. The kernel
// drops it when the process dies, so a SIGKILLed Mila never leaves it behind.
// The descriptor is close-on-exec: postgres must not inherit the lock.
func (c *Cluster) acquireLock() error {
	path := filepath.Join(c.dataDir, "mila.lock")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return &DataDirError{Dir: c.dataDir, Err: plainPathError(err)}
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		defer f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			buf := make([]byte, 32)
			n, _ := f.ReadAt(buf, 0)
			pid, _ := strconv.Atoi(strings.TrimSpace(string(buf[:n])))
			return &LockedError{Dir: c.dataDir, PID: pid}
		}
		return fmt.Errorf("lock %s: %w", path, err)
	}
	// Written after locking, so a reader who fails to lock sees the holder.
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	} else {
		f.Close()
		return &DataDirError{Dir: c.dataDir, Err: plainPathError(err)}
	}
	c.lock = f
	return nil
}

func (c *Cluster) releaseLock() {
	if c.lock != nil {
		_ = c.lock.Close() // closing the last descriptor drops the flock
		c.lock = nil
	}
}

// prepareRoot looks up the postgres system user (PostgreSQL refuses to run as
// root) and checks it can reach the data directory.
func (c *Cluster) prepareRoot() error {
	u, err := user.Lookup("postgres")
	if err != nil {
		return ErrNoPostgresUser
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	c.runAs = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), Groups: []uint32{}}

	// The data directory itself stays root's (it holds the lock file); the
	// postgres user only needs to pass through it.
	st, err := os.Stat(c.dataDir)
	if err != nil {
		return &DataDirError{Dir: c.dataDir, Err: plainPathError(err)}
	}
	if st.Mode().Perm()&0o001 == 0 {
		if err := os.Chmod(c.dataDir, st.Mode().Perm()|0o011); err != nil {
			return &DataDirError{Dir: c.dataDir, Err: plainPathError(err)}
		}
	}
	for dir := filepath.Dir(c.dataDir); ; dir = filepath.Dir(dir) {
		st, err := os.Stat(dir)
		if err != nil {
			return &DataDirError{Dir: c.dataDir, Err: plainPathError(err)}
		}
		sys, _ := st.Sys().(*syscall.Stat_t)
		perm := st.Mode().Perm()
		ok := perm&0o001 != 0 ||
			(sys != nil && sys.Uid == uint32(uid) && perm&0o100 != 0) ||
			(sys != nil && sys.Gid == uint32(gid) && perm&0o010 != 0)
		if !ok {
			return &DataDirError{Dir: c.dataDir, Err: fmt.Errorf(
				"the postgres system user cannot pass through %s (mode %04o); run `chmod o+x %s`, or choose a data directory elsewhere", dir, perm, dir)}
		}
		if dir == "/" {
			return nil
		}
	}
}

// initdb creates the cluster in a scratch directory and renames it into
// place, so an interrupted first start never leaves a half-made cluster.
func (c *Cluster) initdb(ctx context.Context) error {
	if entries, err := os.ReadDir(c.pgDir); err == nil && len(entries) > 0 {
		return &DataDirError{Dir: c.dataDir, Err: fmt.Errorf("%s exists but holds no PostgreSQL cluster (no PG_VERSION); move it away", c.pgDir)}
	}
	_ = os.Remove(c.pgDir)
	tmp := filepath.Join(c.dataDir, "pg.init")
	if err := os.RemoveAll(tmp); err != nil {
		return &DataDirError{Dir: c.dataDir, Err: plainPathError(err)}
	}
	if err := os.Mkdir(tmp, 0o700); err != nil {
		return &DataDirError{Dir: c.dataDir, Err: plainPathError(err)}
	}
	if c.runAs != nil {
		if err := os.Chown(tmp, int(c.runAs.Uid), int(c.runAs.Gid)); err != nil {
			return fmt.Errorf("hand %s to the postgres user: %w", tmp, err)
		}
	}
	logFile, err := c.openLog()
	if err != nil {
		return err
	}
	defer logFile.Close()
	args := []string{"-D", tmp, "-E", "UTF8", "--locale=C.UTF-8", "-U", "postgres",
		"--auth-local=trust", "--auth-host=reject", "--no-instructions"}
	if c.opts.fast {
		args = append(args, "--no-sync")
	}
	c.log.Info("creating PostgreSQL cluster", "dir", c.pgDir, "version", c.bin.Major)
	cmd := exec.CommandContext(ctx, c.bin.Path("initdb"), args...)
	cmd.Dir = "/"
	cmd.Env = childEnv()
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Credential: c.runAs}
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("initdb failed (%v): %s", err, c.logHint())
	}
	if err := os.Rename(tmp, c.pgDir); err != nil {
		return fmt.Errorf("move new cluster into place: %w", err)
	}
	return nil
}

// socketDirFor is where the server of the cluster in the (absolute) data
// directory dataDir keeps its socket: inside the data directory, or, when
// that path would be too long for a Unix socket, a private directory
// under /tmp named after the data directory.
func socketDirFor(dataDir string) string {
	dir := filepath.Join(dataDir, "run")
	if len(dir)+len("/.s.PGSQL.5432") >= maxSocketPath {
		sum := sha256.Sum256([]byte(filepath.Join(dataDir, "pg")))
		dir = filepath.Join(os.TempDir(), "mila-"+hex.EncodeToString(sum[:6]))
	}
	return dir
}

// RunningConnString is the connection URL for database db of the cluster
// that another Mila process runs in dataDir (see LockedError). Commands
// such as `mila admin create` use it to work beside a running `mila serve`
// instead of refusing.
func RunningConnString(dataDir, db string) (string, error) {
	abs, err := filepath.Abs(dataDir)
	if err != nil {
		return "", &DataDirError{Dir: dataDir, Err: err}
	}
	c := Cluster{socketDir: socketDirFor(abs)}
	return c.ConnString(db), nil
}

// prepareSocketDir puts the socket inside the data directory, or, when that
// path would be too long for a Unix socket, in a private directory under /tmp
// named after the data directory.
func (c *Cluster) prepareSocketDir() error {
	dir := socketDirFor(c.dataDir)
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return &DataDirError{Dir: c.dataDir, Err: plainPathError(err)}
	}
	st, err := os.Lstat(dir)
	if err != nil {
		return &DataDirError{Dir: c.dataDir, Err: plainPathError(err)}
	}
	owner := uint32(os.Geteuid())
	if c.runAs != nil {
		owner = c.runAs.Uid
		if err := os.Chown(dir, int(c.runAs.Uid), int(c.runAs.Gid)); err != nil {
			return fmt.Errorf("hand %s to the postgres user: %w", dir, err)
		}
		st, _ = os.Lstat(dir)
	}
	// A shared /tmp could hold a look-alike planted by someone else.
	if sys, ok := st.Sys().(*syscall.Stat_t); !st.IsDir() || (ok && sys.Uid != owner) {
		return fmt.Errorf("socket directory %s is not a directory owned by uid %d; remove it", dir, owner)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return fmt.Errorf("chmod %s: %w", dir, err)
	}
	c.socketDir = dir
	return nil
}

// recoverOrphan deals with what a killed Mila may leave behind: a postmaster
// still running on this cluster (stopped here, cleanly) or a postmaster.pid
// naming a process that is gone or is something else (removed).
func (c *Cluster) recoverOrphan() error {
	pidFile := filepath.Join(c.pgDir, "postmaster.pid")
	data, err := os.ReadFile(pidFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", pidFile, err)
	}
	lines := strings.Split(string(data), "\n")
	pid, _ := strconv.Atoi(strings.TrimSpace(lines[0]))
	if pid > 0 && c.isOurPostmaster(pid) {
		c.log.Warn("stopping PostgreSQL left running by an earlier Mila", "pid", pid)
		if err := stopForeign(pid); err != nil {
			return fmt.Errorf("stop orphaned postgres (pid %d): %w", pid, err)
		}
		return nil
	}
	c.log.Info("removing stale postmaster.pid", "pid", pid)
	if err := os.Remove(pidFile); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove stale %s: %w", pidFile, err)
	}
	return nil
}

// isOurPostmaster reports whether pid is a live postgres whose working
// directory is this cluster (the postmaster chdirs into its data directory),
// which rules out an unrelated process that reused the pid.
func (c *Cluster) isOurPostmaster(pid int) bool {
	if err := syscall.Kill(pid, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
	if err != nil || !strings.Contains(filepath.Base(exe), "postgres") {
		return false
	}
	cwd, err := os.Readlink(fmt.Sprintf("/proc/%d/cwd", pid))
	if err != nil {
		return false
	}
	want, err := filepath.EvalSymlinks(c.pgDir)
	if err != nil {
		want = c.pgDir
	}
	return cwd == want
}

// stopForeign stops a postmaster that is not our child, so we cannot wait(2)
// for it and poll instead.
func stopForeign(pid int) error {
	gone := func(d time.Duration) bool {
		end := time.Now().Add(d)
		for time.Now().Before(end) {
			if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
				return true
			}
			time.Sleep(20 * time.Millisecond)
		}
		return false
	}
	_ = syscall.Kill(pid, syscall.SIGINT)
	if gone(30 * time.Second) {
		return nil
	}
	_ = syscall.Kill(pid, syscall.SIGQUIT)
	if gone(10 * time.Second) {
		return nil
	}
	_ = syscall.Kill(pid, syscall.SIGKILL)
	if gone(5 * time.Second) {
		return nil
	}
	return errors.New("it does not exit")
}

// openLog opens <dataDir>/pg.log for appending, rotating it once it is large.
func (c *Cluster) openLog() (*os.File, error) {
	if st, err := os.Stat(c.logPath); err == nil && st.Size() > 10<<20 {
		_ = os.Rename(c.logPath, c.logPath+".1")
	}
	f, err := os.OpenFile(c.logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, &DataDirError{Dir: c.dataDir, Err: plainPathError(err)}
	}
	return f, nil
}

// logHint names the log and quotes its last line, so a failed start says why
// in one line.
func (c *Cluster) logHint() string {
	data, err := os.ReadFile(c.logPath)
	if err != nil {
		return "see " + c.logPath
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	last := ""
	for i := len(lines) - 1; i >= 0 && last == ""; i-- {
		last = strings.TrimSpace(lines[i])
	}
	return fmt.Sprintf("see %s (last line: %q)", c.logPath, last)
}

// childEnv is the environment for initdb/postgres: no PG* variables that
// could redirect them, and a locale that always exists.
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "PG") || strings.HasPrefix(kv, "LC_") || strings.HasPrefix(kv, "LANG") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "LC_ALL=C.UTF-8")
}

// chownTree hands a directory tree to the postgres user. A cluster whose
// top directory already belongs to it is left alone, so the usual start does
// not walk every file; only a tree made by another user gets changed.
func chownTree(root string, cred *syscall.Credential) error {
	st, err := os.Lstat(root)
	if err != nil {
		return err
	}
	if sys, ok := st.Sys().(*syscall.Stat_t); ok && sys.Uid == cred.Uid {
		return nil
	}
	return filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(path, int(cred.Uid), int(cred.Gid))
	})
}

// plainPathError keeps the path error's cause but drops Go's "open x:"
// prefix when the caller already names the directory.
func plainPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", pe.Path, pe.Err)
	}
	return err
}
