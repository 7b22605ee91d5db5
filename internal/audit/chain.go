package audit

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Chain links the audit rows of every transaction that has ended since
// the last run into the hash chain (audit_chain_rows(), migration 00028)
// and returns how many it linked. The audit triggers only append rows, so
// no audited write waits for another; the chain is built here, after
// commit, in (transaction id, id) order. Several chainers may run at
// once: they take turns on the chain's head.
func Chain(ctx context.Context, db *pgxpool.Pool) (int, error) {
	var n int
	// The function needs READ COMMITTED (each of its statements sees what
	// committed before it); a pool connection's default.
	err := pgx.BeginTxFunc(ctx, db, pgx.TxOptions{IsoLevel: pgx.ReadCommitted}, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT audit_chain_rows()`).Scan(&n)
	})
	if err != nil {
		return 0, fmt.Errorf("link the audit trail: %w", err)
	}
	return n, nil
}

// ChainInterval is how often `mila serve` links new audit rows.
const ChainInterval = 2 * time.Second

// RunChainer calls Chain every interval until ctx ends (inside `mila
// serve`). A failure is logged and tried again at the next tick.
func RunChainer(ctx context.Context, db *pgxpool.Pool, log *slog.Logger, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if n, err := Chain(ctx, db); err != nil {
			if ctx.Err() != nil {
				return
			}
			log.Error("audit chainer", "err", err)
		} else if n > 0 {
			log.Debug("audit chainer", "linked", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Break is the first link of the chain that does not hold.
type Break struct {
	ID     int64  // the audit row (0: the chain head)
	Reason string // what does not match
}

// Report is the result of Verify.
type Report struct {
	Rows     int64  // chained rows checked
	Redacted int64  // rows reduced by an erasure (content not checked, link checked)
	Pending  int64  // rows not chained yet: their transactions were still open
	LastID   int64  // the last chained row's id
	LastHash []byte // the last link's hash: note it down to detect a rewritten chain later
	Broken   *Break // nil when the chain is intact
}

// Verify links what can be linked (Chain), then walks the chain in its
// order and checks every link: it follows the previous one (seq without
// gaps), its row exists, content_hash = sha256(content) (except for
// redacted rows, whose content an erasure reduced), prev_hash = the
// previous link's hash, hash = sha256(prev_hash || content_hash); that
// the chain head names the last link; and that no row is missing from
// the chain where the chain has already passed (a row put in later).
// It reports the first link that does not hold, and how many rows are
// not chained yet.
func Verify(ctx context.Context, db *pgxpool.Pool) (Report, error) {
	var rep Report
	if _, err := Chain(ctx, db); err != nil {
		return rep, err
	}
	// One snapshot for the walk and the checks after it.
	tx, err := db.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return rep, fmt.Errorf("read the audit trail: %w", err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	rows, err := tx.Query(ctx, `SELECT c.seq, c.id, a.id IS NOT NULL, coalesce(a.redacted, false),
			c.content_hash, c.prev_hash, c.hash, CASE WHEN a.id IS NULL THEN '' ELSE audit_content(a) END
		FROM audit_chain c LEFT JOIN audit_log a ON a.id = c.id ORDER BY c.seq`)
	if err != nil {
		return rep, fmt.Errorf("read the audit trail: %w", err)
	}
	defer rows.Close()
	prev := make([]byte, sha256.Size)
	var lastSeq int64
	for rows.Next() {
		var seq, id int64
		var exists, redacted bool
		var contentHash, prevHash, hash []byte
		var content string
		if err := rows.Scan(&seq, &id, &exists, &redacted, &contentHash, &prevHash, &hash, &content); err != nil {
			return rep, fmt.Errorf("read the audit trail: %w", err)
		}
		rep.Rows++
		if redacted {
			rep.Redacted++
		}
		if rep.Broken == nil {
			switch {
			case seq != lastSeq+1:
				rep.Broken = &Break{ID: id, Reason: fmt.Sprintf("link %d follows link %d: links of the chain were removed", seq, lastSeq)}
			case !exists:
				rep.Broken = &Break{ID: id, Reason: "the row of this link is missing: it was deleted"}
			default:
				rep.Broken = check(id, redacted, content, contentHash, prevHash, hash, prev)
			}
		}
		prev = hash
		lastSeq = seq
		rep.LastID = id
	}
	if err := rows.Err(); err != nil {
		return rep, fmt.Errorf("read the audit trail: %w", err)
	}
	rep.LastHash = prev
	var headSeq, headID int64
	var headHash []byte
	if err := tx.QueryRow(ctx, `SELECT seq, last_id, hash FROM audit_head`).Scan(&headSeq, &headID, &headHash); err != nil {
		return rep, fmt.Errorf("read the audit chain head: %w", err)
	}
	if rep.Broken == nil && (headSeq != lastSeq || headID != rep.LastID || !bytes.Equal(headHash, prev)) {
		rep.Broken = &Break{ID: headID, Reason: fmt.Sprintf("the chain head names row %d, but the last link is row %d: links at the end were removed or the head was changed", headID, rep.LastID)}
	}
	// Rows the chain has passed but does not hold were put in afterwards;
	// the others belong to transactions still open at the chainer's run.
	var inserted *int64
	if err := tx.QueryRow(ctx, `SELECT min(a.id) FILTER (WHERE a.xid <= h.last_xid), count(*) FILTER (WHERE a.xid > h.last_xid)
		FROM audit_log a CROSS JOIN audit_head h
		WHERE NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.id = a.id)`).Scan(&inserted, &rep.Pending); err != nil {
		return rep, fmt.Errorf("read the unchained audit rows: %w", err)
	}
	if rep.Broken == nil && inserted != nil {
		rep.Broken = &Break{ID: *inserted, Reason: "the row is not in the chain, though the chain has passed it: it was inserted"}
	}
	return rep, nil
}

func check(id int64, redacted bool, content string, contentHash, prevHash, hash, prev []byte) *Break {
	if !redacted {
		sum := sha256.Sum256([]byte(content))
		if !bytes.Equal(sum[:], contentHash) {
			return &Break{ID: id, Reason: "the row's content does not match its hash: it was changed"}
		}
	}
	if !bytes.Equal(prevHash, prev) {
		return &Break{ID: id, Reason: "the link does not follow the previous one: a link before it was removed, or it was inserted"}
	}
	link := sha256.Sum256(append(append([]byte(nil), prevHash...), contentHash...))
	if !bytes.Equal(link[:], hash) {
		return &Break{ID: id, Reason: "the link's hash does not match: it was changed or inserted"}
	}
	return nil
}
