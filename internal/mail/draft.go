package mail

import (
	"context"
	"crypto/rand"
	"fmt"

	"github.com/jackc/pgx/v5"

	"mila/internal/authz"
	"mila/internal/pg"
	"mila/internal/validate"
)

// DraftFile is an attachment kept on a mailing form until it is sent.
type DraftFile struct {
	ID       string
	Filename string
	Size     int
}

// draftKeep is how long an unsent draft's files are kept.
const draftKeep = "2 days"

// NewDraftID makes the id of a mailing form's draft: a random UUID (v4),
// not guessable from another's.
func NewDraftID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// AddDraftFiles keeps uploaded files with the actor's draft draftID
// (made by NewDraftID). All files of a draft together stay within
// MaxAttachmentBytes and MaxAttachments: otherwise nothing is added and
// the error is a field error "attachments".
func (s *Mailings) AddDraftFiles(ctx context.Context, actor authz.Actor, draftID string, files []Attachment) error {
	if err := requireMailing(actor, authz.Create); err != nil {
		return err
	}
	if !validate.UUID(draftID) || !validate.UUID(actor.UserID) {
		return ErrNotFound
	}
	if len(files) == 0 {
		return nil
	}
	return pg.InTx(ctx, s.db, func(tx pgx.Tx) error {
		// One upload of a draft at a time, so two cannot pass the limit together.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 1296124237))`, draftID); err != nil {
			return fmt.Errorf("lock draft: %w", err)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM mailing_draft_attachments WHERE created_at < now() - interval '`+draftKeep+`'`); err != nil {
			return fmt.Errorf("remove old drafts: %w", err)
		}
		var total, n int
		if err := tx.QueryRow(ctx, `SELECT coalesce(sum(octet_length(data)), 0), count(*) FROM mailing_draft_attachments
			WHERE created_by = $1 AND draft_id = $2`, actor.UserID, draftID).Scan(&total, &n); err != nil {
			return fmt.Errorf("draft size: %w", err)
		}
		for _, f := range files {
			total += len(f.Data)
			n++
		}
		if total > MaxAttachmentBytes || n > MaxAttachments {
			return validate.Field("attachments", MsgAttachmentsTooBig, map[string]any{"MB": MaxAttachmentBytes >> 20})
		}
		for _, f := range files {
			if _, err := tx.Exec(ctx, `INSERT INTO mailing_draft_attachments (draft_id, created_by, filename, content_type, data)
				VALUES ($1, $2, $3, $4, $5)`, draftID, actor.UserID, f.Filename, f.ContentType, f.Data); err != nil {
				return fmt.Errorf("keep attachment: %w", err)
			}
		}
		return nil
	})
}

// DraftFiles lists the files kept with the actor's draft, in upload order.
func (s *Mailings) DraftFiles(ctx context.Context, actor authz.Actor, draftID string) ([]DraftFile, error) {
	if err := requireMailing(actor, authz.Create); err != nil {
		return nil, err
	}
	if draftID == "" {
		return nil, nil
	}
	if !validate.UUID(draftID) || !validate.UUID(actor.UserID) {
		return nil, ErrNotFound
	}
	rows, err := s.db.Query(ctx, `SELECT id, filename, octet_length(data) FROM mailing_draft_attachments
		WHERE created_by = $1 AND draft_id = $2 ORDER BY id`, actor.UserID, draftID)
	if err != nil {
		return nil, fmt.Errorf("draft files: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[DraftFile])
}

// RemoveDraftFile removes a file from the actor's draft; another's file
// or an unknown one is ErrNotFound.
func (s *Mailings) RemoveDraftFile(ctx context.Context, actor authz.Actor, draftID, fileID string) error {
	if err := requireMailing(actor, authz.Create); err != nil {
		return err
	}
	if !validate.UUID(draftID) || !validate.UUID(fileID) || !validate.UUID(actor.UserID) {
		return ErrNotFound
	}
	n, err := pg.Exec(ctx, s.db, `DELETE FROM mailing_draft_attachments WHERE id = $1 AND draft_id = $2 AND created_by = $3`,
		fileID, draftID, actor.UserID)
	if err != nil {
		return fmt.Errorf("remove attachment: %w", err)
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}

// draftTotal is the size and number of files of the actor's draft.
func draftTotal(ctx context.Context, q querier, actor authz.Actor, draftID string) (total, n int, err error) {
	if draftID == "" {
		return 0, 0, nil
	}
	if !validate.UUID(draftID) || !validate.UUID(actor.UserID) {
		return 0, 0, ErrNotFound
	}
	err = q.QueryRow(ctx, `SELECT coalesce(sum(octet_length(data)), 0), count(*) FROM mailing_draft_attachments
		WHERE created_by = $1 AND draft_id = $2`, actor.UserID, draftID).Scan(&total, &n)
	if err != nil {
		return 0, 0, fmt.Errorf("draft size: %w", err)
	}
	return total, n, nil
}

// moveDraftFiles gives the draft's kept files to the mailing id (in the
// mailing's transaction), within the limits together with d.Attachments.
func moveDraftFiles(ctx context.Context, tx pgx.Tx, actor authz.Actor, d Draft, id string) error {
	if d.DraftID == "" {
		return nil
	}
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 1296124237))`, d.DraftID); err != nil {
		return fmt.Errorf("lock draft: %w", err)
	}
	total, n, err := draftTotal(ctx, tx, actor, d.DraftID)
	if err != nil {
		return err
	}
	for _, a := range d.Attachments {
		total += len(a.Data)
		n++
	}
	if total > MaxAttachmentBytes || n > MaxAttachments {
		return validate.Field("attachments", MsgAttachmentsTooBig, map[string]any{"MB": MaxAttachmentBytes >> 20})
	}
	if _, err := tx.Exec(ctx, `INSERT INTO mailing_attachments (mailing_id, filename, content_type, data)
		SELECT $1, filename, content_type, data FROM mailing_draft_attachments
		 WHERE created_by = $2 AND draft_id = $3 ORDER BY id`, id, actor.UserID, d.DraftID); err != nil {
		return fmt.Errorf("attach kept files: %w", err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM mailing_draft_attachments WHERE created_by = $1 AND draft_id = $2`,
		actor.UserID, d.DraftID); err != nil {
		return fmt.Errorf("attach kept files: %w", err)
	}
	return nil
}
