package importer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"mila/internal/authz"
	"mila/internal/validate"
)

// Batch states. The database stores all but StateRunning, which is a
// queued batch whose commit has started (it has a progress row).
const (
	StateDryRun     = "dry_run"     // checked, nothing written; can be committed
	StateQueued     = "queued"      // commit asked for; a worker will start it
	StateRunning    = "running"     // the commit is running
	StateDone       = "done"        // imported; can be undone
	StateFailed     = "failed"      // the commit failed; nothing was imported
	StateRolledBack = "rolled_back" // the server stopped during the commit; nothing was imported
	StateUndone     = "undone"      // imported, then undone
)

// Batch is one import: its file, how it was read, its counts, and where
// it stands.
type Batch struct {
	ID              string
	FileName        string
	ActorName       string
	State           string
	Spec            Spec
	CommitValidRows bool
	Total           int // data rows in the file
	New             int
	Updated         int
	Unchanged       int
	Errors          int
	RowsDone        int // while running: rows written so far, of Total
	Failure         Msg // StateFailed, StateRolledBack: why (ID "" otherwise)
	CreatedAt       time.Time
	QueuedAt        *time.Time
	FinishedAt      *time.Time
	UndoneAt        *time.Time
	UndoneBy        string
}

// Finished reports whether the batch will not change state by itself.
func (b Batch) Finished() bool {
	return b.State != StateQueued && b.State != StateRunning
}

const batchColumns = `b.id, b.file_name, b.actor_name, b.state, b.spec, b.commit_valid_rows, b.rows_total,
	b.new_count, b.update_count, b.unchanged_count, b.error_count, b.failure, b.created_at, b.queued_at,
	b.finished_at, b.undone_at, b.undone_by_name, p.batch_id IS NOT NULL, coalesce(p.rows_done, 0)`

const batchFrom = ` FROM import_batches b LEFT JOIN import_progress p ON p.batch_id = b.id`

func scanBatch(row pgx.Row) (Batch, error) {
	var b Batch
	var spec []byte
	var started bool
	err := row.Scan(&b.ID, &b.FileName, &b.ActorName, &b.State, &spec, &b.CommitValidRows, &b.Total,
		&b.New, &b.Updated, &b.Unchanged, &b.Errors, &b.Failure.ID, &b.CreatedAt, &b.QueuedAt,
		&b.FinishedAt, &b.UndoneAt, &b.UndoneBy, &started, &b.RowsDone)
	if err != nil {
		return b, err
	}
	if b.State == StateQueued && started {
		b.State = StateRunning
	}
	if b.State == StateDone {
		b.RowsDone = b.Total
	}
	if err := json.Unmarshal(spec, &b.Spec); err != nil {
		return b, fmt.Errorf("batch %s: read spec: %w", b.ID, err)
	}
	return b, nil
}

// Batch returns one batch with its progress.
func (im Importer) Batch(ctx context.Context, actor authz.Actor, id string) (Batch, error) {
	if err := actor.Require(authz.Import, authz.Read); err != nil {
		return Batch{}, err
	}
	if !validate.UUID(id) {
		return Batch{}, newErr(MsgNotFound, nil)
	}
	b, err := scanBatch(im.DB.QueryRow(ctx, `SELECT `+batchColumns+batchFrom+` WHERE b.id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return Batch{}, newErr(MsgNotFound, nil)
	}
	if err != nil {
		return Batch{}, fmt.Errorf("get import batch %s: %w", id, err)
	}
	return b, nil
}

// Batches returns the history: imports that were committed (or tried
// to be), newest first, limit per page from offset. Dry runs never
// committed are not history. total counts them all.
func (im Importer) Batches(ctx context.Context, actor authz.Actor, limit, offset int) (list []Batch, total int, err error) {
	if err := actor.Require(authz.Import, authz.Read); err != nil {
		return nil, 0, err
	}
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	if offset < 0 {
		offset = 0
	}
	if err := im.DB.QueryRow(ctx, `SELECT count(*) FROM import_batches WHERE state <> 'dry_run'`).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count import batches: %w", err)
	}
	rows, err := im.DB.Query(ctx, `SELECT `+batchColumns+batchFrom+` WHERE b.state <> 'dry_run'
		ORDER BY b.created_at DESC, b.id DESC LIMIT $1 OFFSET $2`, limit, offset)
	if err != nil {
		return nil, 0, fmt.Errorf("list import batches: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		b, err := scanBatch(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("list import batches: %w", err)
		}
		list = append(list, b)
	}
	return list, total, rows.Err()
}

// Row is one line of a dry run.
type Row struct {
	Line     int // as a spreadsheet numbers it: the header is line 1
	Status   string
	MemberID string // the matched member ("" for new rows before the commit)
	Cells    []string
	Changes  []Change
	Errors   []CellError
}

// RowQuery selects dry-run rows: by status ("" for all), by text (in any
// cell, ignoring case; a number also finds that line), and a page.
type RowQuery struct {
	Status  string
	Search  string
	Page    int // from 1
	PerPage int // default 50, at most 500
}

// RowPage is one page of dry-run rows and how many match in all.
type RowPage struct {
	Rows    []Row
	Total   int
	Page    int
	PerPage int
}

// Rows returns a page of a batch's dry-run rows, in file order.
func (im Importer) Rows(ctx context.Context, actor authz.Actor, batchID string, q RowQuery) (RowPage, error) {
	if err := actor.Require(authz.Import, authz.Read); err != nil {
		return RowPage{}, err
	}
	if _, err := im.Batch(ctx, actor, batchID); err != nil {
		return RowPage{}, err
	}
	if q.PerPage <= 0 || q.PerPage > 500 {
		q.PerPage = 50
	}
	if q.Page < 1 {
		q.Page = 1
	}
	switch q.Status {
	case "", StatusNew, StatusUpdate, StatusUnchanged, StatusError:
	default:
		q.Status = ""
	}
	where := `batch_id = $1 AND ($2 = '' OR status = $2)`
	args := []any{batchID, q.Status}
	if s := strings.TrimSpace(q.Search); s != "" {
		line := int64(-1)
		if n, err := strconv.ParseInt(s, 10, 32); err == nil {
			line = n
		}
		where += ` AND (search LIKE '%' || $3 || '%' OR line = $4)`
		args = append(args, escapeLike(strings.ToLower(s)), line)
	}
	page := RowPage{Page: q.Page, PerPage: q.PerPage}
	if err := im.DB.QueryRow(ctx, `SELECT count(*) FROM import_rows WHERE `+where, args...).Scan(&page.Total); err != nil {
		return RowPage{}, fmt.Errorf("count import rows: %w", err)
	}
	args = append(args, q.PerPage, (q.Page-1)*q.PerPage)
	n := len(args)
	rows, err := im.DB.Query(ctx, fmt.Sprintf(`SELECT line, status, coalesce(member_id::text, ''), cells,
		coalesce(diff, '[]'), coalesce(errors, '[]') FROM import_rows WHERE %s ORDER BY line LIMIT $%d OFFSET $%d`,
		where, n-1, n), args...)
	if err != nil {
		return RowPage{}, fmt.Errorf("list import rows: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r Row
		var diff, errs []byte
		if err := rows.Scan(&r.Line, &r.Status, &r.MemberID, &r.Cells, &diff, &errs); err != nil {
			return RowPage{}, fmt.Errorf("list import rows: %w", err)
		}
		if err := json.Unmarshal(diff, &r.Changes); err != nil {
			return RowPage{}, err
		}
		if err := json.Unmarshal(errs, &r.Errors); err != nil {
			return RowPage{}, err
		}
		page.Rows = append(page.Rows, r)
	}
	return page, rows.Err()
}

// escapeLike escapes the LIKE wildcards in s (the default escape is \).
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
