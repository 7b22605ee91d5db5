package main

import (
	"context"
	"path/filepath"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"mila/bench/internal/harness"
	"mila/internal/pg"
)

// milaEnv is the environment of every mila command: the managed cluster
// in the load's own data directory, whatever the caller's shell has set.
func milaEnv(c config) []string {
	return harness.Env("MILA_DATA_DIR="+c.dataDir, "MILA_LOG_FORMAT=text")
}

// startMila starts `mila serve` on the data directory, its log (standard
// output and error) in <out>/load-serve.log, waits until it is ready, and
// samples its memory until it stops.
func startMila(ctx context.Context, c config) (*harness.Server, error) {
	m, err := harness.StartServer(ctx, harness.ServerOptions{
		Bin: c.bin, Env: milaEnv(c), Args: []string{"--log-level", c.logLevel},
		LogPath: filepath.Join(c.out, "load-serve.log"),
		Ready:   "/readyz", Wait: 2 * time.Minute, // the first start runs initdb
	})
	if err != nil {
		return nil, err
	}
	go m.SampleRSS(100*time.Millisecond, m.Exited())
	return m, nil
}

// openDB connects to the PostgreSQL of the running mila serve, through
// its Unix socket.
func openDB(ctx context.Context, dataDir string) (*pgxpool.Pool, error) {
	conn, err := pg.RunningConnString(dataDir, pg.DatabaseName)
	if err != nil {
		return nil, err
	}
	return pg.Connect(ctx, conn, 30*time.Second)
}

// ensureDataSet runs `mila demo` (beside the running server) unless the
// same data set is there. Earlier load runs only add members, so "there"
// means at least as many members as asked for.
func ensureDataSet(ctx context.Context, c config, db *pgxpool.Pool) (harness.DataSet, error) {
	return harness.EnsureDataSet(ctx, harness.DataSetOptions{
		Bin: c.bin, Env: milaEnv(c), DB: db, Marker: filepath.Join(c.out, "load-dataset.json"), Target: c.dataDir,
		Members: c.members, Groups: c.groups, Seed: c.seed, Reload: c.reload, AtLeast: true,
	})
}
