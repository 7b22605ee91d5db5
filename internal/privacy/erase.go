package privacy

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"mila/internal/authz"
	"mila/internal/pg"
	"mila/internal/validate"
)

// Erasure modes (Art. 17).
const (
	// ModeDelete removes the member completely: the record, custom
	// values, memberships, import traces and the linked user account.
	ModeDelete = "delete"
	// ModeAnonymise removes name, contact data, notes and free-text
	// custom values, and keeps join and exit dates, the birth year (date
	// fields are reduced to their year), groups and the user's role (the
	// account is deactivated, its email replaced) for statistics.
	//
	// Custom values follow one rule: a value is kept only if it cannot
	// identify the person. Free text and email values can (they are
	// whatever was typed), and so can any value of a field marked unique
	// (a membership number names exactly one member): removed. A choice
	// or multiple-choice value is one of the options the club defined —
	// a category like yes/no or a number, shared by many members — so it
	// is kept, as are yes/no and number values; dates keep their year.
	ModeAnonymise = "anonymise"
)

// Message ids of erasure problems (locales privacy.*.json).
const (
	MsgConfirmName = "ErrEraseConfirmName"
	MsgMode        = "ErrEraseMode"
	MsgOwnAccount  = "ErrEraseOwnAccount"
)

// CanErase reports whether actor may erase or anonymise members.
func CanErase(actor authz.Actor) bool {
	return actor.Scope(authz.Audit, authz.Destroy) == authz.All
}

// Erase deletes or anonymises member id (admins), after the admin typed
// the member's name (confirmName, compared ignoring case and surrounding
// spaces). Everything happens in one transaction: the changes are
// audited by the triggers as made by the admin, and then every audit
// entry about the member is reduced to "member erased"
// (audit_redact_member), the chain intact.
func (s Service) Erase(ctx context.Context, actor authz.Actor, id, mode, confirmName string) error {
	if !CanErase(actor) {
		return authz.ErrForbidden
	}
	if !validate.UUID(id) {
		return ErrNotFound
	}
	errs := validate.Errors{}
	if mode != ModeDelete && mode != ModeAnonymise {
		errs.Add("mode", MsgMode, nil)
	}
	return pg.InTx(ctx, s.DB, func(tx pgx.Tx) error {
		var first, last, userID string
		err := tx.QueryRow(ctx, `SELECT m.first_name, m.last_name, coalesce(u.id::text, '') FROM members m
			LEFT JOIN users u ON u.member_id = m.id WHERE m.id = $1 FOR UPDATE OF m`, id).Scan(&first, &last, &userID)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("erase %s: %w", id, err)
		}
		if !strings.EqualFold(strings.Join(strings.Fields(validate.Clean(confirmName)), " "), strings.Join(strings.Fields(first+" "+last), " ")) {
			errs.Add("confirm_name", MsgConfirmName, map[string]any{"Name": first + " " + last})
		}
		if userID != "" && userID == actor.UserID {
			errs.Add("mode", MsgOwnAccount, nil)
		}
		if err := errs.Err(); err != nil {
			return err
		}
		return eraseTx(ctx, tx, id, mode, first+" "+last, userID)
	})
}

// eraseTx does the erasure of member id in tx (the caller checked the
// permission and locked the member row).
func eraseTx(ctx context.Context, tx pgx.Tx, id, mode, name, userID string) error {
	// Import traces (the file's cells, the undo data) and mail to the
	// member (its bodies carry the name and address), in either mode.
	for _, q := range []string{
		`DELETE FROM mail_outbox WHERE member_id = $1`,
		`DELETE FROM mailing_skipped WHERE member_id = $1`,
		`DELETE FROM import_rows WHERE member_id = $1`,
		`DELETE FROM import_batch_members WHERE member_id = $1`,
		`DELETE FROM import_batch_memberships WHERE member_id = $1`,
	} {
		if _, err := tx.Exec(ctx, q, id); err != nil {
			return fmt.Errorf("erase %s: %w", id, err)
		}
	}
	if mode == ModeDelete {
		if userID != "" {
			if _, err := tx.Exec(ctx, `DELETE FROM users WHERE id = $1`, userID); err != nil {
				return fmt.Errorf("erase %s: user: %w", id, err)
			}
		}
		if _, err := tx.Exec(ctx, `DELETE FROM members WHERE id = $1`, id); err != nil {
			return fmt.Errorf("erase %s: %w", id, err)
		}
	} else {
		if userID != "" {
			if _, err := tx.Exec(ctx, `UPDATE users SET email = 'erased-' || id::text || '@invalid', password_hash = NULL,
				active = false, member_id = NULL, display_name = 'erased-' || left(id::text, 8) WHERE id = $1`, userID); err != nil {
				return fmt.Errorf("anonymise %s: user: %w", id, err)
			}
		}
		// Custom values: see ModeAnonymise for what is kept and why.
		steps := []string{
			`DELETE FROM custom_field_values v USING custom_fields f
			  WHERE f.id = v.custom_field_id AND v.member_id = $1 AND (f.value_type IN ('string', 'email') OR f.unique_values)`,
			`UPDATE custom_field_values v SET value = left(v.value, 4) || '-01-01' FROM custom_fields f
			  WHERE f.id = v.custom_field_id AND v.member_id = $1 AND f.value_type = 'date'`,
			`UPDATE members SET first_name = 'Anonym', last_name = upper(left(md5(id::text), 8)), email = NULL,
			  phone = '', street = '', house_number = '', postal_code = '', city = '', country = '', notes = '',
			  anonymised_at = now(), version = version + 1 WHERE id = $1`,
		}
		for _, q := range steps {
			if _, err := tx.Exec(ctx, q, id); err != nil {
				return fmt.Errorf("anonymise %s: %w", id, err)
			}
		}
	}
	// The name's words leave the typo list unless someone else has them.
	if _, err := tx.Exec(ctx, `DELETE FROM search_words w
		WHERE w.word IN (SELECT x FROM regexp_split_to_table(search_key($1), '[^[:alnum:]]+') x WHERE x <> '')
		  AND NOT EXISTS (SELECT 1 FROM members m WHERE m.search_vector @@ to_tsquery('simple', quote_literal(w.word)))
		  AND NOT EXISTS (SELECT 1 FROM groups g WHERE g.search_vector @@ to_tsquery('simple', quote_literal(w.word)))`,
		name); err != nil {
		return fmt.Errorf("erase %s: search words: %w", id, err)
	}
	if _, err := tx.Exec(ctx, `SELECT audit_redact_member($1, $2)`, id, userIDs(userID)); err != nil {
		return fmt.Errorf("erase %s: audit: %w", id, err)
	}
	return nil
}

func userIDs(id string) []string {
	if id == "" {
		return []string{}
	}
	return []string{id}
}
