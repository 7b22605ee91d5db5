package main

import (
	"context"
	"log/slog"
	"sync"

	"github.com/jackc/pgx/v5/pgxpool"

	"mila/internal/importer"
)

// startImportWorker runs queued imports inside `mila serve`: the web
// request only queues a commit, this worker does it (internal/importer).
// On start it marks imports interrupted by a stopped server as rolled
// back. Stopping ctx stops it; an import running then is rolled back by
// PostgreSQL and marked so at the next start. wait returns once it has
// stopped.
func startImportWorker(ctx context.Context, pool *pgxpool.Pool, log *slog.Logger) (wait func()) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		w := importer.Worker{DB: pool, Log: log}
		w.Run(ctx)
	}()
	return wg.Wait
}
