// Package privacy answers a member's rights under the GDPR (issue 19;
// docs/PRIVACY.md): the access export (Art. 15), erasure and
// anonymisation (Art. 17), and the retention rule for former members.
package privacy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"mila/internal/authz"
	"mila/internal/validate"
)

// ErrNotFound: no such member, or the actor may not see it.
var ErrNotFound = fmt.Errorf("privacy: %w", pgx.ErrNoRows)

// SchemaVersion names the export's JSON schema (docs/PRIVACY.md).
const SchemaVersion = "mila.access-export/1"

// Service holds the pool.
type Service struct {
	DB *pgxpool.Pool
}

// Export is everything Mila holds about one member (docs/PRIVACY.md has
// the schema). Each section is a list of the rows of one table (or the
// single row), as stored, without secrets and without columns derived
// from the others (search vectors, sort keys).
type Export struct {
	Schema            string            `json:"schema"`
	GeneratedAt       time.Time         `json:"generated_at"`
	MemberID          string            `json:"member_id"`
	Member            json.RawMessage   `json:"member"`
	CustomValues      []json.RawMessage `json:"custom_values"`
	Memberships       []json.RawMessage `json:"memberships"`
	User              json.RawMessage   `json:"user"`
	ImportRows        []json.RawMessage `json:"import_rows"`
	ImportBatches     []json.RawMessage `json:"import_batches"`
	ImportMemberships []json.RawMessage `json:"import_memberships"`
	Audit             []json.RawMessage `json:"audit"`
	Mail              []json.RawMessage `json:"mail"`
	MailSkipped       []json.RawMessage `json:"mail_skipped"`
	MailOptOut        json.RawMessage   `json:"mail_opt_out"`
	Periods           []json.RawMessage `json:"periods"`
	GroupHistory      []json.RawMessage `json:"group_history"`
}

// Sections maps each table that holds rows about a member to the export
// section that carries them. ExportExcluded lists the tables that hold a
// member's id but whose rows are not exported, with the reason. A test
// reads the schema: every table referencing members must be in one of
// the two, so a new table cannot be forgotten.
var Sections = map[string]string{
	"members":                  "member",
	"custom_field_values":      "custom_values",
	"member_groups":            "memberships",
	"users":                    "user",
	"import_rows":              "import_rows",
	"import_batch_members":     "import_batches",
	"import_batch_memberships": "import_memberships",
	"audit_log":                "audit",
	"mail_outbox":              "mail",
	"mailing_skipped":          "mail_skipped",
	"member_mail_optouts":      "mail_opt_out",
	"member_periods":           "periods",
	"group_memberships":        "group_history",
}

// ExportExcluded are member-referencing tables left out of the export.
var ExportExcluded = map[string]string{
	"member_group_keys": "derived from members and member_groups (sort and search keys); its content is in member and memberships",
}

// CanExport reports whether actor may download member id's data: admins
// (Audit read) for anyone, everyone else only for the member linked to
// their own user.
func CanExport(actor authz.Actor, memberID string) bool {
	if actor.UserID == "" {
		return false
	}
	return actor.Scope(authz.Audit, authz.Read) == authz.All || (actor.MemberID != "" && actor.MemberID == memberID)
}

// section queries, each returning to_jsonb rows about member $1.
const (
	qMember = `SELECT to_jsonb(m) - '{search_vector,sort_name,name_keys,cf_text,version}'::text[] FROM members m WHERE m.id = $1`
	qValues = `SELECT jsonb_build_object('field', f.name::text, 'field_slug', f.slug, 'value_type', f.value_type,
		'value', v.value, 'created_at', v.created_at, 'updated_at', v.updated_at)
		FROM custom_field_values v JOIN custom_fields f ON f.id = v.custom_field_id WHERE v.member_id = $1 ORDER BY f.position, f.name`
	qGroups = `SELECT jsonb_build_object('group', g.name, 'group_slug', g.slug, 'since', mg.created_at)
		FROM member_groups mg JOIN groups g ON g.id = mg.group_id WHERE mg.member_id = $1 ORDER BY g.name`
	qUser = `SELECT jsonb_build_object('id', u.id, 'email', u.email::text, 'role', r.name::text, 'permission_set', r.permission_set,
		'active', u.active, 'has_password', u.password_hash IS NOT NULL, 'last_sign_in_at', u.last_sign_in_at,
		'created_at', u.created_at, 'updated_at', u.updated_at)
		FROM users u JOIN roles r ON r.id = u.role_id WHERE u.member_id = $1`
	qImportRows = `SELECT jsonb_build_object('batch_id', r.batch_id, 'file_name', b.file_name, 'line', r.line, 'status', r.status,
		'cells', to_jsonb(r.cells), 'diff', r.diff, 'errors', r.errors)
		FROM import_rows r JOIN import_batches b ON b.id = r.batch_id WHERE r.member_id = $1 ORDER BY b.created_at, r.line`
	qImportBatches = `SELECT jsonb_build_object('batch_id', ib.batch_id, 'file_name', b.file_name, 'imported_at', b.finished_at,
		'created', ib.created, 'old_member', ib.old_member, 'old_values', ib.old_values)
		FROM import_batch_members ib JOIN import_batches b ON b.id = ib.batch_id WHERE ib.member_id = $1 ORDER BY b.created_at`
	qImportMemberships = `SELECT jsonb_build_object('batch_id', im.batch_id, 'group', g.name)
		FROM import_batch_memberships im LEFT JOIN groups g ON g.id = im.group_id WHERE im.member_id = $1 ORDER BY im.batch_id`
	qAudit = `SELECT jsonb_build_object('id', a.id, 'at', a.at, 'actor', a.actor, 'entity', a.entity, 'action', a.action,
		'row_count', a.row_count, 'redacted', a.redacted,
		'changes', (SELECT coalesce(jsonb_agg(e), '[]'::jsonb) FROM jsonb_array_elements(a.changes) e WHERE e ->> 'm' = $1::text))
		FROM audit_log a WHERE a.member_ids @> ARRAY[$1::uuid] ORDER BY a.id`
	// Mail to the member: mailings and account mail, with what was sent
	// and what became of it (the mail's own bodies, not the server's logs).
	qMail = `SELECT jsonb_build_object('id', o.id, 'kind', o.kind, 'mailing_id', o.mailing_id, 'to_address', o.to_address,
		'to_name', o.to_name, 'subject', o.subject, 'body_text', o.body_text, 'state', o.state, 'attempts', o.attempts,
		'last_answer', o.last_answer, 'created_at', o.created_at, 'sent_at', o.sent_at)
		FROM mail_outbox o WHERE o.member_id = $1 ORDER BY o.created_at, o.id`
	qMailSkipped = `SELECT jsonb_build_object('mailing_id', k.mailing_id, 'subject', m.subject, 'reason', k.reason, 'created_at', m.created_at)
		FROM mailing_skipped k JOIN mailings m ON m.id = k.mailing_id WHERE k.member_id = $1 ORDER BY m.created_at`
	qPeriods = `SELECT jsonb_build_object('starts_on', p.starts_on, 'ends_on', p.ends_on, 'exit_reason', r.name,
		'resignation_received_on', p.resignation_received_on, 'created_at', p.created_at, 'updated_at', p.updated_at)
		FROM member_periods p LEFT JOIN exit_reasons r ON r.id = p.exit_reason_id WHERE p.member_id = $1 ORDER BY p.starts_on`
	qGroupHistory = `SELECT jsonb_build_object('group', g.name, 'group_slug', g.slug, 'role', gr.name, 'from', gm.valid_from,
		'until', gm.valid_until, 'created_at', gm.created_at, 'updated_at', gm.updated_at)
		FROM group_memberships gm JOIN groups g ON g.id = gm.group_id LEFT JOIN group_roles gr ON gr.id = gm.role_id
		WHERE gm.member_id = $1 ORDER BY gm.valid_from, g.name`
	qMailOptOut = `SELECT jsonb_build_object('opted_out_at', o.opted_out_at) FROM member_mail_optouts o WHERE o.member_id = $1`
)

// Export collects everything about member id, in one repeatable-read
// snapshot so the sections agree with each other.
func (s Service) Export(ctx context.Context, actor authz.Actor, id string) (Export, error) {
	if !validate.UUID(id) || !CanExport(actor, id) {
		return Export{}, ErrNotFound
	}
	tx, err := s.DB.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return Export{}, fmt.Errorf("access export: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // read-only
	ex := Export{Schema: SchemaVersion, GeneratedAt: time.Now().UTC(), MemberID: id}
	if err := tx.QueryRow(ctx, qMember, id).Scan(&ex.Member); errors.Is(err, pgx.ErrNoRows) {
		return Export{}, ErrNotFound
	} else if err != nil {
		return Export{}, fmt.Errorf("access export: member: %w", err)
	}
	lists := []struct {
		q   string
		dst *[]json.RawMessage
	}{
		{qValues, &ex.CustomValues}, {qGroups, &ex.Memberships}, {qImportRows, &ex.ImportRows},
		{qImportBatches, &ex.ImportBatches}, {qImportMemberships, &ex.ImportMemberships}, {qAudit, &ex.Audit},
		{qMail, &ex.Mail}, {qMailSkipped, &ex.MailSkipped}, {qPeriods, &ex.Periods}, {qGroupHistory, &ex.GroupHistory},
	}
	for _, l := range lists {
		rows, err := tx.Query(ctx, l.q, id)
		if err != nil {
			return Export{}, fmt.Errorf("access export: %w", err)
		}
		out, err := pgx.CollectRows(rows, pgx.RowTo[json.RawMessage])
		if err != nil {
			return Export{}, fmt.Errorf("access export: %w", err)
		}
		if out == nil {
			out = []json.RawMessage{}
		}
		*l.dst = out
	}
	err = tx.QueryRow(ctx, qMailOptOut, id).Scan(&ex.MailOptOut)
	if errors.Is(err, pgx.ErrNoRows) {
		ex.MailOptOut = json.RawMessage("null")
	} else if err != nil {
		return Export{}, fmt.Errorf("access export: opt-out: %w", err)
	}
	err = tx.QueryRow(ctx, qUser, id).Scan(&ex.User)
	if errors.Is(err, pgx.ErrNoRows) {
		ex.User = json.RawMessage("null")
	} else if err != nil {
		return Export{}, fmt.Errorf("access export: user: %w", err)
	}
	return ex, nil
}
