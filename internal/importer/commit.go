package importer

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"mila/internal/authz"
	"mila/internal/membership"
	"mila/internal/pg"
	"mila/internal/slug"
)

// Commit queues the import of a dry run; a Worker (inside `mila serve`,
// or the command line's own) runs it. A dry run with error rows is
// refused unless validRowsOnly, which imports the other rows and leaves
// the error rows out.
func (im Importer) Commit(ctx context.Context, actor authz.Actor, batchID string, validRowsOnly bool) error {
	if err := actor.Require(authz.Import, authz.Create); err != nil {
		return err
	}
	b, err := im.Batch(ctx, actor, batchID)
	if err != nil {
		return err
	}
	switch {
	case b.State != StateDryRun:
		return newErr(MsgNotDryRun, nil)
	case b.Errors > 0 && !validRowsOnly:
		return newErr(MsgHasErrors, map[string]any{"Count": b.Errors})
	case b.New+b.Updated == 0:
		return newErr(MsgNothingToDo, nil)
	}
	n, err := pg.Exec(ctx, im.DB, `UPDATE import_batches SET state = 'queued', queued_at = now(), commit_valid_rows = $2
		WHERE id = $1 AND state = 'dry_run'`, batchID, validRowsOnly)
	if err != nil {
		return fmt.Errorf("queue import %s: %w", batchID, err)
	}
	if n == 0 {
		return newErr(MsgNotDryRun, nil) // committed by someone else meanwhile
	}
	return nil
}

// commitChunk is how many lines of the file one step of a commit writes
// unless the Worker says otherwise; progress is reported after each.
const commitChunk = 5000

// errStale: members changed between the dry run and the commit.
type errStale struct{ n int }

func (e errStale) Error() string { return fmt.Sprintf("%d members changed since the dry run", e.n) }

// runCommit writes batch id in tx, which holds the batch row locked.
// progress is called after each chunk with the lines done (in its own
// transaction, so that readers see it while tx runs).
func runCommit(ctx context.Context, tx pgx.Tx, id string, total, chunk int, progress func(done int)) error {
	if err := keepPendingListsSmall(ctx, tx); err != nil {
		return err
	}
	// Members to update: locked in id order, then compared with the
	// versions the dry run saw. Someone saving a member meanwhile makes
	// the dry run stale; the import does not overwrite their change.
	if _, err := tx.Exec(ctx, `SELECT 1 FROM members WHERE id IN (SELECT member_id FROM import_rows
		WHERE batch_id = $1 AND status = 'update') ORDER BY id FOR NO KEY UPDATE`, id); err != nil {
		return fmt.Errorf("lock members: %w", err)
	}
	var stale int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM import_rows r LEFT JOIN members m ON m.id = r.member_id
		WHERE r.batch_id = $1 AND r.status = 'update' AND (m.id IS NULL OR m.version <> r.member_version)`, id).Scan(&stale); err != nil {
		return fmt.Errorf("check member versions: %w", err)
	}
	if stale > 0 {
		return errStale{stale}
	}
	if err := createGroups(ctx, tx, id); err != nil {
		return err
	}
	// New members get their ids now, so the chunks can refer to them.
	if _, err := tx.Exec(ctx, `UPDATE import_rows SET member_id = uuid_generate_v7()
		WHERE batch_id = $1 AND status = 'new'`, id); err != nil {
		return fmt.Errorf("assign member ids: %w", err)
	}
	// The groups the batch adds members to, locked in id order before any
	// membership changes (the order membership changes take them in).
	if _, err := tx.Exec(ctx, `SELECT 1 FROM groups WHERE lower(name) IN (
		SELECT DISTINCT lower(n) FROM import_rows r, jsonb_array_elements_text(r.vals->'groups') n
		WHERE r.batch_id = $1 AND r.status IN ('new', 'update')) ORDER BY id FOR NO KEY UPDATE`, id); err != nil {
		return fmt.Errorf("lock groups: %w", err)
	}
	for from := 0; from <= total+1; from += chunk {
		if err := commitLines(ctx, tx, id, from, from+chunk); err != nil {
			return err
		}
		done := from + chunk
		if done > total {
			done = total
		}
		progress(done)
	}
	// clock_timestamp: now() is when this transaction began.
	_, err := tx.Exec(ctx, `UPDATE import_batches SET state = 'done', finished_at = clock_timestamp() WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("finish batch: %w", err)
	}
	return nil
}

// pendingListKB is the GIN pending list limit of an import's
// transaction (PostgreSQL's minimum; its default is 4 MB).
const pendingListKB = 64

// keepPendingListsSmall keeps others' searches fast while tx writes
// thousands of members. The entries a transaction adds to a GIN index
// (the members' full-text search, their name keys, the group words) go
// to the index's pending list first, and every search reads that list
// whole, unsorted — up to gin_pending_list_limit, 4 MB by default,
// until the writer moves it into the index. During a 100,000-row
// commit that made each search of the overview read a few hundred
// pages more (about 200 ms on a loaded 2-core server; 2 ms once the
// list was moved). With a 64 kB limit for this transaction only, the
// writer moves its entries every 64 kB, still sorted in batches: a
// search reads at most 8 pending pages. Readers are not blocked either
// way; no lock is involved.
func keepPendingListsSmall(ctx context.Context, tx pgx.Tx) error {
	if _, err := tx.Exec(ctx, `SELECT set_config('gin_pending_list_limit', $1, true)`, fmt.Sprint(pendingListKB)); err != nil {
		return fmt.Errorf("set the pending list limit: %w", err)
	}
	return nil
}

// coreFrom reads the member's columns from a row's vals.
const coreFrom = `r.vals->'core'->>'first_name', r.vals->'core'->>'last_name', nullif(r.vals->'core'->>'email', ''),
	r.vals->'core'->>'phone', r.vals->'core'->>'street', r.vals->'core'->>'house_number',
	r.vals->'core'->>'postal_code', r.vals->'core'->>'city', r.vals->'core'->>'country',
	(r.vals->'core'->>'join_date')::date, nullif(r.vals->'core'->>'exit_date', '')::date, r.vals->'core'->>'notes'`

// commitStep is one statement of a commit. cfTextWritten declares, for
// this statement only, that the members whose custom values it inserts
// have their cf_text written already (mila.cf_text_written, migration
// 00018).
type commitStep struct {
	what          string
	sql           string
	cfTextWritten bool
}

// commitSteps are the statements that write the lines [$2, $3) of
// batch $1, in order.
var commitSteps = []commitStep{
	// With its cf_text as the custom values about to be inserted make
	// it (members_refresh_cf_text), so that they do not rewrite it.
	{what: "create members", sql: `INSERT INTO members (id, first_name, last_name, email, phone, street, house_number,
		postal_code, city, country, join_date, exit_date, notes, cf_text)
		SELECT r.member_id, ` + coreFrom + `, coalesce((SELECT string_agg(c.value, ' ' ORDER BY f.position, f.name)
			FROM jsonb_each_text(r.vals->'custom') c JOIN custom_fields f ON f.id = c.key::uuid
			WHERE c.value <> '' AND f.value_type <> 'boolean'), '') FROM import_rows r
		WHERE r.batch_id = $1 AND r.status = 'new' AND r.line >= $2 AND r.line < $3 ORDER BY r.line`},
	{what: "record created members", sql: `INSERT INTO import_batch_members (batch_id, member_id, created, version)
		SELECT $1, r.member_id, true, 1 FROM import_rows r
		WHERE r.batch_id = $1 AND r.status = 'new' AND r.line >= $2 AND r.line < $3`},
	// The old values first, for undo: the member's columns as they
	// were, and all its custom values when the row changes any.
	{what: "record old values", sql: `INSERT INTO import_batch_members (batch_id, member_id, created, version, old_member, old_values)
		SELECT $1, m.id, false, m.version + 1,
			jsonb_build_object('first_name', m.first_name, 'last_name', m.last_name, 'email', m.email,
				'phone', m.phone, 'street', m.street, 'house_number', m.house_number, 'postal_code', m.postal_code,
				'city', m.city, 'country', m.country, 'join_date', m.join_date, 'exit_date', m.exit_date,
				'notes', m.notes, 'version', m.version, 'updated_at', m.updated_at),
			CASE WHEN r.vals->'custom' <> '{}'::jsonb THEN coalesce((SELECT jsonb_agg(to_jsonb(v))
				FROM custom_field_values v WHERE v.member_id = m.id), '[]'::jsonb) END
		FROM import_rows r JOIN members m ON m.id = r.member_id
		WHERE r.batch_id = $1 AND r.status = 'update' AND r.line >= $2 AND r.line < $3`},
	{what: "update members", sql: `UPDATE members m SET (first_name, last_name, email, phone, street, house_number,
		postal_code, city, country, join_date, exit_date, notes) = (SELECT ` + coreFrom + `), version = m.version + 1
		FROM import_rows r
		WHERE r.batch_id = $1 AND r.status = 'update' AND r.line >= $2 AND r.line < $3 AND m.id = r.member_id`},
	// A new member's values: its cf_text is written already (create
	// members), so the values' statement trigger may skip refreshing it
	// (cfTextWritten; migration 00018).
	{what: "add custom values of new members", cfTextWritten: true, sql: `INSERT INTO custom_field_values (member_id, custom_field_id, value)
		SELECT r.member_id, c.key::uuid, c.value FROM import_rows r, jsonb_each_text(r.vals->'custom') c
		WHERE r.batch_id = $1 AND r.status = 'new' AND r.line >= $2 AND r.line < $3 AND c.value <> ''`},
	{what: "set custom values", sql: `INSERT INTO custom_field_values (member_id, custom_field_id, value)
		SELECT r.member_id, c.key::uuid, c.value FROM import_rows r, jsonb_each_text(r.vals->'custom') c
		WHERE r.batch_id = $1 AND r.status = 'update' AND r.line >= $2 AND r.line < $3 AND c.value <> ''
		ON CONFLICT (member_id, custom_field_id) DO UPDATE SET value = EXCLUDED.value
		WHERE custom_field_values.value IS DISTINCT FROM EXCLUDED.value`},
	{what: "clear custom values", sql: `DELETE FROM custom_field_values v USING import_rows r, jsonb_each_text(r.vals->'custom') c
		WHERE r.batch_id = $1 AND r.status = 'update' AND r.line >= $2 AND r.line < $3 AND c.value = ''
		  AND v.member_id = r.member_id AND v.custom_field_id = c.key::uuid`},
	{what: "add memberships", sql: `WITH added AS (
		INSERT INTO member_groups (member_id, group_id)
		SELECT DISTINCT r.member_id, g.id FROM import_rows r, jsonb_array_elements_text(r.vals->'groups') n, groups g
		WHERE r.batch_id = $1 AND r.status IN ('new', 'update') AND r.line >= $2 AND r.line < $3 AND lower(g.name) = lower(n)
		ON CONFLICT (member_id, group_id) DO NOTHING
		RETURNING member_id, group_id)
		INSERT INTO import_batch_memberships (batch_id, member_id, group_id) SELECT $1, member_id, group_id FROM added`},
	// A member linked to a user: the user signs in with the member's email.
	{what: "update linked users", sql: `UPDATE users u SET email = m.email FROM import_rows r JOIN members m ON m.id = r.member_id
		WHERE r.batch_id = $1 AND r.status = 'update' AND r.line >= $2 AND r.line < $3
		  AND u.member_id = m.id AND m.email IS NOT NULL AND u.email IS DISTINCT FROM m.email`},
}

// commitLines writes the rows with line in [from, to): a handful of
// set-based statements, whatever the number of rows.
func commitLines(ctx context.Context, tx pgx.Tx, id string, from, to int) error {
	for _, s := range commitSteps {
		if s.cfTextWritten {
			if _, err := tx.Exec(ctx, `SELECT set_config('mila.cf_text_written', 'on', true)`); err != nil {
				return fmt.Errorf("import lines %d–%d: %s: %w", from, to-1, s.what, err)
			}
		}
		_, err := tx.Exec(ctx, s.sql, id, from, to)
		if err == nil && s.cfTextWritten {
			_, err = tx.Exec(ctx, `SELECT set_config('mila.cf_text_written', 'off', true)`)
		}
		if err != nil {
			return fmt.Errorf("import lines %d–%d: %s: %w", from, to-1, s.what, err)
		}
	}
	return nil
}

// createGroups creates the groups the rows name that do not exist (the
// dry run allowed it: CreateGroups), and records them for undo.
func createGroups(ctx context.Context, tx pgx.Tx, id string) error {
	rows, err := tx.Query(ctx, `SELECT DISTINCT ON (lower(n)) n FROM import_rows r, jsonb_array_elements_text(r.vals->'groups') n
		WHERE r.batch_id = $1 AND r.status IN ('new', 'update')
		  AND NOT EXISTS (SELECT 1 FROM groups g WHERE lower(g.name) = lower(n)) ORDER BY lower(n), n`, id)
	if err != nil {
		return fmt.Errorf("find new groups: %w", err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("find new groups: %w", err)
	}
	if len(names) == 0 {
		return nil
	}
	// As the group form does: one slug per name, made unique by a suffix.
	if _, err := tx.Exec(ctx, `LOCK TABLE groups IN SHARE ROW EXCLUSIVE MODE`); err != nil {
		return fmt.Errorf("lock groups: %w", err)
	}
	for _, name := range names {
		base, err := slug.Make(name)
		if err != nil {
			return fmt.Errorf("group %q: %w", name, err)
		}
		sl, err := slug.Unique(base, func(c string) (bool, error) {
			var taken bool
			err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM groups WHERE slug = $1)`, c).Scan(&taken)
			return taken, err
		})
		if err != nil {
			return fmt.Errorf("group %q: %w", name, err)
		}
		var gid string
		if err := tx.QueryRow(ctx, `INSERT INTO groups (name, slug) VALUES ($1, $2) RETURNING id`, name, sl).Scan(&gid); err != nil {
			return fmt.Errorf("create group %q: %w", name, err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO import_batch_groups (batch_id, group_id) VALUES ($1, $2)`, id, gid); err != nil {
			return fmt.Errorf("record group %q: %w", name, err)
		}
	}
	return nil
}

// failureOf names why a commit failed, as a message for the person.
func failureOf(err error) string {
	var st errStale
	switch {
	case errors.As(err, &st):
		return MsgStale
	case pg.IsUniqueViolation(err, ""), errors.Is(err, membership.ErrConflict):
		return MsgConflict
	}
	return MsgFailed
}
