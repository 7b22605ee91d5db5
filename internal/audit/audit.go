// Package audit reads and verifies the audit trail. The trail itself is
// written by database triggers (migration 00016: audit_record, attached
// to a table with `SELECT audit_attach('table')`), so no Go code path can
// forget it; this package only reads it, checks its hash chain, and
// classifies every table as audited or deliberately not (Tables).
package audit

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Audited lists the tables under audit (migration 00016 attaches them).
// Excluded lists every other table, with the reason. A test fails for a
// table in neither list, so a new table must be classified: attach the
// audit trigger in its migration (`SELECT audit_attach('t')`) and add it
// here, or add it to Excluded with a reason.
var Audited = []string{
	"members", "custom_fields", "custom_field_values", "groups", "member_groups",
	"users", "roles", "import_batches", "import_mappings", "settings", "club_settings",
	"mailings", "member_mail_optouts",
	"member_periods", "group_memberships", "group_roles", "exit_reasons",
	"custom_field_options",
}

// Excluded are the tables deliberately not audited.
var Excluded = map[string]string{
	"goose_db_version":         "migration bookkeeping",
	"sessions":                 "sign-in sessions (tokens); sign-in and sign-out change no club data",
	"sign_in_failures":         "throttle counter of failed sign-ins",
	"user_tokens":              "hashes of one-time links (secrets); their use shows as a change of users",
	"member_group_keys":        "derived from members and member_groups by triggers (a cache)",
	"search_words":             "derived word list for typo search (a cache)",
	"search_word_variants":     "derived deletion variants of search_words for typo search (a cache)",
	"member_email_refusals":    "log of refused email changes (bookkeeping)",
	"import_rows":              "dry-run staging of an uploaded file; what a commit changes is audited in members etc.",
	"import_progress":          "progress counter of a running import",
	"import_batch_members":     "undo bookkeeping of an import; the changes themselves are audited",
	"import_batch_memberships": "undo bookkeeping of an import; the changes themselves are audited",
	"import_batch_groups":      "undo bookkeeping of an import; the changes themselves are audited",
	"audit_log":                "the audit trail itself (append-only)",
	"import_uploads":           "uploaded files kept for a day between the import's steps; the import's batch is audited",
	"mail_outbox":              "the delivery queue: each message's state and server answer are its own log; the mailing is audited",
	"mailing_attachments":      "files of a mailing (bytes); the mailing is audited",
	"mailing_skipped":          "bookkeeping of a mailing's recipients without address or opted out",
	"mail_keys":                "the secret key of the opt-out links",
	"password_reset_requests":  "throttle counter of password reset requests",
	"saved_lists":              "a user's saved views of the overview (filters and columns), no member data",
	"audit_head":               "the head of the audit hash chain",
}

// Break is the first link of the chain that does not hold.
type Break struct {
	ID     int64  // the audit row (0: the chain head)
	Reason string // what does not match
}

// Report is the result of Verify.
type Report struct {
	Rows     int64  // rows checked
	Redacted int64  // rows reduced by an erasure (content not checked, link checked)
	LastID   int64  // the last row's id
	LastHash []byte // the last row's hash: note it down to detect a rewritten chain later
	Broken   *Break // nil when the chain is intact
}

// Verify walks the audit trail in id order and checks every link:
// content_hash = sha256(content) (except for redacted rows, whose
// content an erasure reduced), prev_hash = the previous row's hash, hash
// = sha256(prev_hash || content_hash), and that the chain head names the
// last row. It reports the first link that does not hold.
func Verify(ctx context.Context, db *pgxpool.Pool) (Report, error) {
	var rep Report
	rows, err := db.Query(ctx, `SELECT a.id, a.redacted, a.content_hash, a.prev_hash, a.hash, audit_content(a)
		FROM audit_log a ORDER BY a.id`)
	if err != nil {
		return rep, fmt.Errorf("read the audit trail: %w", err)
	}
	defer rows.Close()
	prev := make([]byte, sha256.Size)
	for rows.Next() {
		var id int64
		var redacted bool
		var contentHash, prevHash, hash []byte
		var content string
		if err := rows.Scan(&id, &redacted, &contentHash, &prevHash, &hash, &content); err != nil {
			return rep, fmt.Errorf("read the audit trail: %w", err)
		}
		rep.Rows++
		if redacted {
			rep.Redacted++
		}
		if rep.Broken == nil {
			rep.Broken = check(id, redacted, content, contentHash, prevHash, hash, prev)
		}
		prev = hash
		rep.LastID = id
	}
	if err := rows.Err(); err != nil {
		return rep, fmt.Errorf("read the audit trail: %w", err)
	}
	rep.LastHash = prev
	var headID int64
	var headHash []byte
	if err := db.QueryRow(ctx, `SELECT last_id, hash FROM audit_head`).Scan(&headID, &headHash); err != nil {
		return rep, fmt.Errorf("read the audit chain head: %w", err)
	}
	if rep.Broken == nil && (headID != rep.LastID || !bytes.Equal(headHash, prev)) {
		rep.Broken = &Break{ID: headID, Reason: fmt.Sprintf("the chain head names row %d, but the last row is %d: rows at the end were removed or the head was changed", headID, rep.LastID)}
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
		return &Break{ID: id, Reason: "the row does not follow the previous row: a row before it was removed, or it was inserted"}
	}
	link := sha256.Sum256(append(append([]byte(nil), prevHash...), contentHash...))
	if !bytes.Equal(link[:], hash) {
		return &Break{ID: id, Reason: "the row's hash does not match: it was changed or inserted"}
	}
	return nil
}
