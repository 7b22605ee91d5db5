package importer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"mila/internal/pg"
)

// Worker runs queued commits. Several may run, in one process or many:
// a batch is claimed with FOR UPDATE SKIP LOCKED, and the claim is the
// lock its data transaction holds until it commits or dies.
type Worker struct {
	DB  *pgxpool.Pool
	Log *slog.Logger
	// Poll is how often the queue is looked at (default 1 s).
	Poll time.Duration
	// Chunk is how many lines of the file a commit writes per step,
	// between progress reports (default 5,000).
	Chunk int
}

// Run works until ctx ends: first it marks batches interrupted by a dead
// process as rolled back, then it runs queued batches as they come, and
// now and then forgets dry runs nobody committed.
func (w *Worker) Run(ctx context.Context) {
	poll := w.Poll
	if poll <= 0 {
		poll = time.Second
	}
	var lastClean time.Time
	for {
		if n, err := RecoverInterrupted(ctx, w.DB); err != nil {
			w.log().Error("import: recover interrupted batches", "err", err)
		} else if n > 0 {
			w.log().Warn("import: batches interrupted by a stopped server marked rolled back", "count", n)
		}
		for ctx.Err() == nil {
			ran, err := w.RunNext(ctx, "")
			if err != nil && ctx.Err() == nil {
				w.log().Error("import: run batch", "err", err)
			}
			if !ran {
				break
			}
		}
		if time.Since(lastClean) > time.Hour {
			if err := Housekeep(ctx, w.DB); err != nil && ctx.Err() == nil {
				w.log().Error("import: housekeeping", "err", err)
			}
			lastClean = time.Now()
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(poll):
		}
	}
}

func (w *Worker) log() *slog.Logger {
	if w.Log == nil {
		return slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	return w.Log
}

// RunNext claims a queued batch that no worker has started — the one
// with id, or the oldest when id is "" — and runs its commit. ran is
// false when there was none to claim.
func (w *Worker) RunNext(ctx context.Context, id string) (ran bool, err error) {
	tx, err := w.DB.Begin(ctx)
	if err != nil {
		return false, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // no-op after commit
	// FOR NO KEY UPDATE, not FOR UPDATE: the progress row's foreign key
	// takes KEY SHARE on this row from another transaction, which a
	// FOR UPDATE lock would block.
	var total int
	var actorID string
	err = tx.QueryRow(ctx, `SELECT b.id, b.rows_total, coalesce(b.actor_id::text, '') FROM import_batches b
		WHERE b.state = 'queued' AND ($1 = '' OR b.id::text = $1)
		  AND NOT EXISTS (SELECT 1 FROM import_progress p WHERE p.batch_id = b.id)
		ORDER BY b.queued_at LIMIT 1 FOR NO KEY UPDATE SKIP LOCKED`, id).Scan(&id, &total, &actorID)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("claim batch: %w", err)
	}
	// The audit trail records the batch's changes as "import batch <id>",
	// on behalf of the user who queued it.
	ctx = pg.WithActor(ctx, pg.Actor{UserID: actorID, Label: "import batch " + id})
	if err := pg.SetActor(ctx, tx); err != nil {
		return true, err
	}
	// Started: from now on a batch without its lock was interrupted.
	if _, err := w.DB.Exec(ctx, `INSERT INTO import_progress (batch_id, rows_total) VALUES ($1, $2)`, id, total); err != nil {
		return true, fmt.Errorf("start batch %s: %w", id, err)
	}
	start := time.Now()
	progress := func(done int) {
		// Its own short transaction, so a reader sees it now.
		if _, err := w.DB.Exec(ctx, `UPDATE import_progress SET rows_done = $2, updated_at = now() WHERE batch_id = $1`, id, done); err != nil {
			w.log().Warn("import: progress", "batch", id, "err", err)
		}
	}
	chunk := w.Chunk
	if chunk <= 0 {
		chunk = commitChunk
	}
	err = runCommit(ctx, tx, id, total, chunk, progress)
	if err == nil {
		err = tx.Commit(ctx)
	}
	if err == nil {
		w.log().Info("import: batch imported", "batch", id, "rows", total, "took", time.Since(start).Round(time.Millisecond))
		return true, nil
	}
	_ = tx.Rollback(context.WithoutCancel(ctx))
	if ctx.Err() != nil {
		// Stopping: the batch stays started and unlocked; the next worker
		// marks it rolled back.
		return true, ctx.Err()
	}
	msg := failureOf(err)
	w.log().Error("import: batch failed, nothing imported", "batch", id, "reason", msg, "err", err)
	_, ferr := pg.Exec(context.WithoutCancel(ctx), w.DB, `UPDATE import_batches SET state = 'failed', failure = $2,
		failure_detail = $3, finished_at = now() WHERE id = $1 AND state = 'queued'`, id, msg, err.Error())
	if ferr != nil {
		return true, fmt.Errorf("mark batch %s failed: %w (after: %v)", id, ferr, err)
	}
	return true, nil
}

// RecoverInterrupted marks as rolled back every batch whose commit
// started but whose worker is gone: started (a progress row), still
// queued, and not locked — the lock ends with the data transaction, and
// that transaction never committed, so nothing of it is in the database.
// A batch running in a live process is locked and skipped.
func RecoverInterrupted(ctx context.Context, db *pgxpool.Pool) (int, error) {
	ctx = withSystemActor(ctx)
	n, err := pg.Exec(ctx, db, `UPDATE import_batches SET state = 'rolled_back', failure = $1, finished_at = now()
		WHERE id IN (SELECT b.id FROM import_batches b
			WHERE b.state = 'queued' AND EXISTS (SELECT 1 FROM import_progress p WHERE p.batch_id = b.id)
			FOR NO KEY UPDATE SKIP LOCKED)`, MsgInterrupted)
	if err != nil {
		return 0, fmt.Errorf("mark interrupted imports rolled back: %w", err)
	}
	return int(n), nil
}

// withSystemActor names the server's own housekeeping in the audit trail
// unless the caller (the CLI) declared an actor already.
func withSystemActor(ctx context.Context) context.Context {
	if pg.ActorFrom(ctx).Label != "" {
		return ctx
	}
	return pg.WithActor(ctx, pg.Actor{Label: pg.ActorSystem})
}

// dryRunKeep is how long an uncommitted dry run is kept, and the row
// details of a finished import (the history keeps its counts).
const dryRunKeep = 24 * time.Hour

// Housekeep deletes dry runs nobody committed within a day, the row
// details of imports finished more than a day ago, and uploaded files
// older than a day.
func Housekeep(ctx context.Context, db *pgxpool.Pool) error {
	ctx = withSystemActor(ctx)
	if _, err := pg.Exec(ctx, db, `DELETE FROM import_batches WHERE state = 'dry_run' AND created_at < now() - $1::interval`,
		dryRunKeep); err != nil {
		return fmt.Errorf("delete old dry runs: %w", err)
	}
	if _, err := db.Exec(ctx, `DELETE FROM import_rows WHERE batch_id IN (SELECT id FROM import_batches
		WHERE state IN ('done', 'failed', 'rolled_back', 'undone') AND finished_at < now() - $1::interval)`,
		dryRunKeep); err != nil {
		return fmt.Errorf("delete old import rows: %w", err)
	}
	if _, err := db.Exec(ctx, `DELETE FROM import_uploads WHERE created_at < now() - $1::interval`, dryRunKeep); err != nil {
		return fmt.Errorf("delete old import uploads: %w", err)
	}
	return nil
}
