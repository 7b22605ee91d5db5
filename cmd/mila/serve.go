package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"mila/internal/audit"
	"mila/internal/pg"
	"mila/internal/web"
)

func init() {
	register(command{name: "serve", summary: "run the web server (and its own PostgreSQL unless DATABASE_URL is set)", run: runServe})
}

// shutdownGrace is how long in-flight requests may finish after SIGINT/SIGTERM.
const shutdownGrace = 10 * time.Second

func runServe(args []string) error {
	fs := newFlagSet("serve", "serve [flags]",
		"Runs Mila's web server. Without DATABASE_URL, Mila starts its own PostgreSQL\n"+
			"in the data directory (created on first start) and stops it on exit.\n\n"+gcHelp)
	logOpts := addLogFlags(fs)
	dbOpts := addDBFlags(fs)
	listen := stringOption(fs, "listen", "MILA_LISTEN", "127.0.0.1:4000", "address (host:port) to serve HTTP on")
	baseOpt := stringOption(fs, "base-url", "MILA_BASE_URL", "", "address people use to reach Mila, e.g. https://mila.example.org (default http://<listen address>)")
	proxiesOpt := stringOption(fs, "trusted-proxies", "MILA_TRUSTED_PROXIES", "", "reverse proxies (comma-separated CIDRs, e.g. 127.0.0.1/32) whose X-Forwarded-For or Forwarded header names the client; default none")
	idleOpt := stringOption(fs, "session-idle", "MILA_SESSION_IDLE", "2h", "sign a session out after this long without a request (every session also ends 12h after sign-in)")
	mailOpts := addMailFlags(fs)
	noMigrate := fs.Bool("no-migrate", false, "do not apply database migrations at start")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	log, err := logOpts.logger()
	if err != nil {
		return err
	}
	baseURL, err := parseBaseURL(baseOpt)
	if err != nil {
		return err
	}
	proxies, err := web.ParseTrustedProxies(proxiesOpt.value)
	if err != nil {
		return proxiesOpt.invalid("use comma-separated CIDRs such as 127.0.0.1/32,10.0.0.0/8")
	}
	idle, err := time.ParseDuration(idleOpt.value)
	if err != nil || idle < time.Minute || idle > web.SessionLifetime {
		return idleOpt.invalid("use a duration between 1m and 12h, such as 2h or 30m")
	}
	if _, _, err := net.SplitHostPort(listen.value); err != nil {
		return listen.invalid("use host:port, such as 127.0.0.1:4000 or :4000")
	}
	if _, err := dbOpts.waitDuration(); err != nil {
		return err
	}
	mailCfg, err := mailOpts.config()
	if err != nil {
		return err
	}
	tuneGC() // GOGC=1200, GOMEMLIMIT=100MiB unless the environment sets them (gc.go)

	// Take the port before starting anything, so "port in use" costs nothing
	// and leaves no database half started.
	ln, err := net.Listen("tcp", listen.value)
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return usagef("%s is already in use by another program: stop it, or choose another address with --listen or MILA_LISTEN (e.g. 127.0.0.1:4001)", listen.value)
		}
		return usagef("cannot listen on %s (%s): %v", listen.value, listen.origin(), errors.Unwrap(err))
	}
	defer ln.Close()
	addr := "http://" + ln.Addr().String()
	// Only a base URL given by the operator is held against the Host of
	// requests (web.Config.BaseURL); the default is for links in the log.
	explicitBase := baseURL
	if baseURL == "" {
		baseURL = addr
	}

	// Signals stop start-up as well as serving.
	ctx, stopSignals := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stopSignals()
	// Background work of the server (clean-ups) is "system"; requests
	// and import jobs declare their own actor.
	ctx = pg.WithActor(ctx, pg.Actor{Label: pg.ActorSystem})

	db, err := openDatabase(ctx, dbOpts, log)
	if err != nil {
		if ctx.Err() != nil {
			return errors.New("interrupted during start-up")
		}
		return err
	}
	defer func() {
		// The cluster gets its own time after the HTTP drain.
		sctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
		defer cancel()
		if err := db.close(sctx); err != nil {
			log.Error("stopping the database failed", "err", err)
		}
	}()

	if !*noMigrate {
		if err := pg.Migrate(ctx, db.pool, log); err != nil {
			return err
		}
	}

	// The first admin: MILA_ADMIN_* or a logged one-time setup link (admin.go).
	setupLink, err := bootstrapAccounts(ctx, db.pool, log, baseURL)
	if err != nil {
		return err
	}

	pool := db.pool

	// Imports committed on the web run here, not in the request (import_worker.go).
	workerCtx, stopWorker := context.WithCancel(ctx)
	waitWorker := startImportWorker(workerCtx, pool, log)
	defer func() { stopWorker(); waitWorker() }()
	// The outbox is sent from here too (mail_worker.go).
	waitMail := startMailWorker(workerCtx, pool, log, mailCfg)
	defer func() { stopWorker(); waitMail() }()
	// The audit trail's hash chain is linked after commit (internal/audit).
	chainerDone := make(chan struct{})
	go func() { defer close(chainerDone); audit.RunChainer(workerCtx, pool, log, audit.ChainInterval) }()
	defer func() { stopWorker(); <-chainerDone }()

	app, err := web.New(web.Config{
		DB:      pool,
		Logger:  log,
		BaseURL: explicitBase,
		Version: version,
		Ready: func(ctx context.Context) error {
			if err := pool.Ping(ctx); err != nil {
				return fmt.Errorf("database unreachable: %w", err)
			}
			return pg.MigrationsCurrent(ctx, pool)
		},
		SecureCookies:  strings.HasPrefix(baseURL, "https://"),
		SessionIdle:    idle,
		TrustedProxies: proxies,
		Mail:           mailCfg,
	})
	if err != nil {
		return fmt.Errorf("build web app: %w", err)
	}

	srv := &http.Server{
		Handler:           app.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second, // forms are small; this bounds slow uploads
		WriteTimeout:      60 * time.Second, // exports of large member lists must fit
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	log.Info("Mila is running on "+addr, "version", version, "base_url", baseURL)
	if setupLink != "" {
		announceSetup(os.Stderr, log, setupLink)
	}

	var runErr error
	select {
	case <-ctx.Done():
		log.Info("shutting down", "grace", shutdownGrace)
	case err := <-served:
		runErr = fmt.Errorf("http server: %w", err)
	case <-db.exited():
		runErr = fmt.Errorf("the managed PostgreSQL stopped unexpectedly (%v); see %s", db.cluster.Err(), db.cluster.LogPath())
		log.Error(runErr.Error())
	}
	// A second Ctrl-C now ends Mila at once; postgres then stops by itself
	// (it gets SIGINT when its parent dies).
	stopSignals()

	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		log.Warn("requests still running after the grace period were cut off", "err", err)
		_ = srv.Close()
	}
	if runErr == nil {
		log.Info("Mila stopped")
	}
	return runErr
}
