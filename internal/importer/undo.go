package importer

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"mila/internal/authz"
	"mila/internal/pg"
	"mila/internal/validate"
)

// Undo reverses a finished import in one transaction: the members it
// created are deleted (with their values and memberships), the members
// it updated get their old values back exactly (columns, custom values,
// version and updated_at), the memberships it added are removed, and the
// groups it created go if they are empty now. It is refused once any
// member of the batch changed since (its version moved on, it was
// deleted, or a created member was linked to a user): undo would
// otherwise silently drop that change.
func (im Importer) Undo(ctx context.Context, actor authz.Actor, batchID string) error {
	if err := actor.Require(authz.Import, authz.Destroy); err != nil {
		return err
	}
	if !validate.UUID(batchID) {
		return newErr(MsgNotFound, nil)
	}
	return pg.InTx(ctx, im.DB, func(tx pgx.Tx) error {
		var state string
		err := tx.QueryRow(ctx, `SELECT state FROM import_batches WHERE id = $1 FOR NO KEY UPDATE`, batchID).Scan(&state)
		if errors.Is(err, pgx.ErrNoRows) {
			return newErr(MsgNotFound, nil)
		}
		if err != nil {
			return fmt.Errorf("undo %s: %w", batchID, err)
		}
		if state != StateDone {
			return newErr(MsgNotUndoable, nil)
		}
		// Restoring thousands of members rewrites their search entries.
		if err := keepPendingListsSmall(ctx, tx); err != nil {
			return err
		}
		// Groups before members, each in id order: the order every
		// membership change locks them in.
		steps := []struct{ what, sql string }{
			{"lock groups", `SELECT 1 FROM groups WHERE id IN (
				SELECT group_id FROM import_batch_memberships WHERE batch_id = $1
				UNION SELECT mg.group_id FROM member_groups mg JOIN import_batch_members b ON b.member_id = mg.member_id
				      WHERE b.batch_id = $1 AND b.created) ORDER BY id FOR NO KEY UPDATE`},
			{"lock members", `SELECT 1 FROM members WHERE id IN (SELECT member_id FROM import_batch_members WHERE batch_id = $1)
				ORDER BY id FOR UPDATE`},
		}
		for _, s := range steps {
			if _, err := tx.Exec(ctx, s.sql, batchID); err != nil {
				return fmt.Errorf("undo %s: %s: %w", batchID, s.what, err)
			}
		}
		var changed int
		err = tx.QueryRow(ctx, `SELECT count(*) FROM import_batch_members b LEFT JOIN members m ON m.id = b.member_id
			WHERE b.batch_id = $1 AND (m.id IS NULL OR m.version <> b.version
			   OR (b.created AND EXISTS (SELECT 1 FROM users u WHERE u.member_id = b.member_id)))`, batchID).Scan(&changed)
		if err != nil {
			return fmt.Errorf("undo %s: compare versions: %w", batchID, err)
		}
		if changed > 0 {
			return newErr(MsgChangedSince, map[string]any{"Count": changed})
		}
		steps = []struct{ what, sql string }{
			{"remove memberships", `DELETE FROM member_groups mg USING import_batch_memberships b
				WHERE b.batch_id = $1 AND mg.member_id = b.member_id AND mg.group_id = b.group_id`},
			{"delete created members", `DELETE FROM members WHERE id IN (
				SELECT member_id FROM import_batch_members WHERE batch_id = $1 AND created)`},
			{"restore members", `UPDATE members m SET first_name = o.first_name, last_name = o.last_name, email = o.email,
				phone = o.phone, street = o.street, house_number = o.house_number, postal_code = o.postal_code,
				city = o.city, country = o.country, join_date = o.join_date, exit_date = o.exit_date, notes = o.notes
				FROM import_batch_members b, jsonb_populate_record(NULL::members, b.old_member) o
				WHERE b.batch_id = $1 AND NOT b.created AND m.id = b.member_id`},
			// The rows as they were, with their ids and timestamps: delete
			// the member's values and insert the saved ones.
			{"remove custom values", `DELETE FROM custom_field_values v USING import_batch_members b
				WHERE b.batch_id = $1 AND NOT b.created AND b.old_values IS NOT NULL AND v.member_id = b.member_id`},
			{"restore custom values", `INSERT INTO custom_field_values (id, member_id, custom_field_id, value, created_at, updated_at)
				SELECT v.id, v.member_id, v.custom_field_id, v.value, v.created_at, v.updated_at
				FROM import_batch_members b, jsonb_populate_recordset(NULL::custom_field_values, b.old_values) v
				WHERE b.batch_id = $1 AND NOT b.created AND b.old_values IS NOT NULL
				  AND EXISTS (SELECT 1 FROM custom_fields f WHERE f.id = v.custom_field_id)`},
			// Last, as the other steps' triggers set updated_at: the
			// version and time the member had (updated_at is not among the
			// columns the trigger watches, so this keeps it).
			{"restore versions", `UPDATE members m SET version = o.version, updated_at = o.updated_at
				FROM import_batch_members b, jsonb_populate_record(NULL::members, b.old_member) o
				WHERE b.batch_id = $1 AND NOT b.created AND m.id = b.member_id`},
			{"restore linked users", `UPDATE users u SET email = m.email FROM import_batch_members b JOIN members m ON m.id = b.member_id
				WHERE b.batch_id = $1 AND NOT b.created AND u.member_id = m.id AND m.email IS NOT NULL AND u.email IS DISTINCT FROM m.email`},
			{"delete created groups", `DELETE FROM groups g USING import_batch_groups b
				WHERE b.batch_id = $1 AND g.id = b.group_id AND g.member_count = 0`},
		}
		for _, s := range steps {
			if _, err := tx.Exec(ctx, s.sql, batchID); err != nil {
				return fmt.Errorf("undo %s: %s: %w", batchID, s.what, err)
			}
		}
		_, err = tx.Exec(ctx, `UPDATE import_batches SET state = 'undone', undone_at = now(),
			undone_by_name = `+fmt.Sprintf(actorNameSQL, 3, 2)+` WHERE id = $1`, batchID, actorName(actor), actorID(actor))
		if err != nil {
			return fmt.Errorf("undo %s: mark undone: %w", batchID, err)
		}
		return nil
	})
}
