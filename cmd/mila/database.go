package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os/signal"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"mila/internal/pg"
)

// database is the open database of a command: a pool, plus the managed
// cluster behind it when there is no DATABASE_URL.
type database struct {
	pool    *pgxpool.Pool
	cluster *pg.Cluster // nil in external mode
}

// openDatabase starts the managed cluster or connects to DATABASE_URL.
func openDatabase(ctx context.Context, o *dbOptions, log *slog.Logger) (*database, error) {
	wait, err := o.waitDuration()
	if err != nil {
		return nil, err
	}
	if o.url.value != "" {
		pool, err := pg.Connect(ctx, o.url.value, wait)
		if err != nil {
			return nil, err
		}
		log.Info("using PostgreSQL from DATABASE_URL", "host", pool.Config().ConnConfig.Host, "database", pool.Config().ConnConfig.Database)
		return &database{pool: pool}, nil
	}

	start := time.Now()
	cluster, err := pg.StartManaged(ctx, o.dataDir.value, log)
	var locked *pg.LockedError
	if errors.As(err, &locked) && o.shareRunning {
		// `mila serve` runs on this data dir: use its server rather than
		// asking the volunteer to stop Mila first.
		conn, cerr := pg.RunningConnString(o.dataDir.value, pg.DatabaseName)
		if cerr != nil {
			return nil, cerr
		}
		pool, cerr := pg.Connect(ctx, conn, 10*time.Second)
		if cerr != nil {
			return nil, fmt.Errorf("%v; and its database could not be reached: %w", err, cerr)
		}
		log.Info("using the PostgreSQL of the running Mila", "data_dir", locked.Dir, "pid", locked.PID)
		return &database{pool: pool}, nil
	}
	var dd *pg.DataDirError
	if errors.As(err, &dd) {
		return nil, usagef("%v; choose another directory with --data-dir or MILA_DATA_DIR", err)
	}
	if err != nil {
		return nil, err
	}
	// The server already accepts connections; the wait only covers a
	// server busy with crash recovery.
	pool, err := pg.Connect(ctx, cluster.ConnString(pg.DatabaseName), time.Minute)
	if err != nil {
		_ = cluster.Stop(context.Background())
		return nil, err
	}
	log.Info("managed PostgreSQL started", "data_dir", cluster.DataDir(), "version", cluster.Binaries().Major, "socket_dir", cluster.SocketDir(),
		"log", cluster.LogPath(), "took", time.Since(start).Round(time.Millisecond))
	return &database{pool: pool, cluster: cluster}, nil
}

// exited fires when the managed server dies; never in external mode.
func (d *database) exited() <-chan struct{} {
	if d.cluster == nil {
		return nil
	}
	return d.cluster.Exited()
}

// close closes the pool and stops the managed server.
func (d *database) close(ctx context.Context) error {
	d.pool.Close()
	if d.cluster == nil {
		return nil
	}
	if err := d.cluster.Stop(ctx); err != nil {
		return fmt.Errorf("stop PostgreSQL: %w", err)
	}
	return nil
}

// openForCommand prepares a one-shot command (admin, demo, migrate): a
// context cancelled by SIGINT/SIGTERM, the database, and — with migrate —
// the migrations applied. done closes the pool, stops a managed server
// and releases the signal handler.
func openForCommand(o *dbOptions, log *slog.Logger, migrate bool) (ctx context.Context, db *database, done func(), err error) {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	// Every change a command makes is recorded as made by the CLI.
	ctx = pg.WithActor(ctx, pg.Actor{Label: pg.ActorCLI})
	db, err = openDatabase(ctx, o, log)
	if err != nil {
		stop()
		return nil, nil, nil, err
	}
	done = func() {
		sctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
		defer cancel()
		_ = db.close(sctx)
		stop()
	}
	if migrate {
		if err := pg.Migrate(ctx, db.pool, log); err != nil {
			done()
			return nil, nil, nil, err
		}
	}
	return ctx, db, done, nil
}
