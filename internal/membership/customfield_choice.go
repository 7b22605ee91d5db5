package membership

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"mila/internal/authz"
	"mila/internal/pg"
	"mila/internal/slug"
	"mila/internal/validate"
)

// Choice fields: a choice field's value is one of its options, a
// multiple-choice field's value any of them. Values are stored as the
// options' texts (in option order, joined by ", "), so every reader —
// the member page, overview, exports, search, the access export and the
// audit trail — shows the text. The database keeps the texts true to the
// options (migration 00025): a value must name options, renaming an
// option renames it in every value in the same statement, and an option
// in use cannot be deleted until its values are moved or cleared.
//
// Why text and not the option's id: every reader keeps reading one
// column, and a rename that 10,000 members hold is still one set-based
// statement whose follow-ups (the check that values name options, the
// members' search text, the audit entry) run once per statement over
// exactly the rows it wrote (migration 00031) — see docs/PERFORMANCE.md
// "options". An id would spare rewriting the values, but not the
// members' search text, which must hold the new text either way.

// Limits of options (the database checks the same).
const CustomFieldOptionMax = 100

// Choice message ids (texts in internal/web/locales/fields_choice.*.json).
const (
	// ErrCustomFieldNoOption: the value names no option of the field
	// ({{.Value}} is what was given, if anything).
	ErrCustomFieldNoOption = "ErrCustomFieldNoOption"
	// ErrCustomFieldOneOption: a (single) choice field got several.
	ErrCustomFieldOneOption = "ErrCustomFieldOneOption"
	// ErrCustomFieldOptionTaken: another option of the field has the text.
	ErrCustomFieldOptionTaken = "ErrCustomFieldOptionTaken"
	// ErrCustomFieldOptionChars: option texts cannot hold , or ;.
	ErrCustomFieldOptionChars = "ErrCustomFieldOptionChars"
	// ErrCustomFieldOptionInUse: {{.Count}} members have the option; say
	// what happens to their values.
	ErrCustomFieldOptionInUse = "ErrCustomFieldOptionInUse"
	// ErrCustomFieldOptionTarget: choose another option to move values to.
	ErrCustomFieldOptionTarget = "ErrCustomFieldOptionTarget"
)

// What RemoveOption does with the values of a used option.
const (
	OptionValuesKeep  = ""      // refuse when the option is in use
	OptionValuesClear = "clear" // remove the option from the values
	OptionValuesMove  = "move"  // replace it by another option
)

// CustomFieldOption is one option of a choice field.
type CustomFieldOption struct {
	ID       string
	Label    string
	Position int
}

// optionLabels lists the options' texts in option order.
func optionLabels(os []CustomFieldOption) []string {
	out := make([]string, len(os))
	for i, o := range os {
		out[i] = o.Label
	}
	return out
}

// IsChoice reports whether the field's values are options.
func (f CustomField) IsChoice() bool {
	return f.ValueType == CustomFieldChoice || f.ValueType == CustomFieldMultiChoice
}

// Option returns the option with the id, if the field has it.
func (f CustomField) Option(id string) (CustomFieldOption, bool) {
	for _, o := range f.Options {
		if o.ID == id {
			return o, true
		}
	}
	return CustomFieldOption{}, false
}

// optionIndex finds the option a part of a value names: by id (what the
// member form sends) or by text (what people type in an import file),
// trying ever looser comparisons as the rest of Mila does with names:
// exactly, ignoring case, ignoring accents ("Ruckenfit", ß = ss), and
// with umlauts spelled out ("Rueckenfit"). A looser comparison counts
// only when it names one option; -1 when none.
func (f CustomField) optionIndex(part string) int {
	for i, o := range f.Options {
		if o.ID == part || o.Label == part {
			return i
		}
	}
	folds := []func(string) string{
		strings.ToLower,
		slug.Fold,
		func(s string) string { return searchUmlautSpelling.Replace(slug.Fold(s)) },
	}
	for _, fold := range folds {
		want, at := fold(part), -1
		for i, o := range f.Options {
			if fold(o.Label) == want {
				if at >= 0 {
					return -1 // two options read the same: name one exactly
				}
				at = i
			}
		}
		if at >= 0 {
			return at
		}
	}
	return -1
}

// splitChoice splits a value into its parts: separated by , or ;.
func splitChoice(s string) []string {
	var out []string
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' }) {
		if p = strings.TrimSpace(validate.Clean(p)); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Chosen returns the ids of the options a value (stored text or what the
// form sent: ids) names, for showing a form.
func (f CustomField) Chosen(value string) map[string]bool {
	out := map[string]bool{}
	for _, p := range splitChoice(value) {
		if i := f.optionIndex(p); i >= 0 {
			out[f.Options[i].ID] = true
		}
	}
	return out
}

// parseChoice checks a choice value: every part must name an option;
// a choice field takes one. The canonical value is the options' texts in
// option order joined by ", ".
func (f CustomField) parseChoice(e validate.Errors, s string) (string, bool) {
	name := f.FormName()
	chosen := make([]bool, len(f.Options))
	n := 0
	for _, p := range splitChoice(s) {
		i := f.optionIndex(p)
		if i < 0 {
			e.Add(name, ErrCustomFieldNoOption, map[string]any{"Value": p})
			return "", false
		}
		if !chosen[i] {
			chosen[i] = true
			n++
		}
	}
	switch {
	case n == 0 && f.Required:
		e.Add(name, validate.Required, nil)
		return "", false
	case n > 1 && f.ValueType == CustomFieldChoice:
		e.Add(name, ErrCustomFieldOneOption, nil)
		return "", false
	}
	labels := make([]string, 0, n)
	for i, ok := range chosen {
		if ok {
			labels = append(labels, f.Options[i].Label)
		}
	}
	return strings.Join(labels, ", "), true
}

// attachOptions loads the options of the choice fields in fs.
func attachOptions(ctx context.Context, q customFieldQuerier, fs []CustomField) error {
	var ids []string
	at := map[string]int{}
	for i, f := range fs {
		if f.IsChoice() {
			ids = append(ids, f.ID)
			at[f.ID] = i
		}
	}
	if len(ids) == 0 {
		return nil
	}
	rows, err := q.Query(ctx, `SELECT custom_field_id, id, label, position FROM custom_field_options
		WHERE custom_field_id = ANY ($1::uuid[]) ORDER BY custom_field_id, position`, ids)
	if err != nil {
		return fmt.Errorf("list field options: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var field string
		var o CustomFieldOption
		if err := rows.Scan(&field, &o.ID, &o.Label, &o.Position); err != nil {
			return fmt.Errorf("scan field option: %w", err)
		}
		fs[at[field]].Options = append(fs[at[field]].Options, o)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("list field options: %w", err)
	}
	return nil
}

// checkOptionLabel cleans and checks an option's text; errors go to
// "label".
func checkOptionLabel(e validate.Errors, raw string) string {
	label := strings.TrimSpace(validate.Clean(raw))
	validate.Text(e, "label", label, CustomFieldOptionMax, true, false)
	if !e.Has("label") && strings.ContainsAny(label, ",;") {
		e.Add("label", ErrCustomFieldOptionChars, nil)
	}
	return label
}

// optionLabelFree records ErrCustomFieldOptionTaken when another option
// of the field has the text, ignoring case (the unique index
// custom_field_options_label_key decides a race).
func optionLabelFree(ctx context.Context, tx pgx.Tx, e validate.Errors, fieldID, label, exceptID string) error {
	if e.Has("label") {
		return nil
	}
	var taken bool
	err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM custom_field_options
		WHERE custom_field_id = $1 AND lower(label) = lower($2) AND id::text <> $3)`, fieldID, label, exceptID).Scan(&taken)
	if err != nil {
		return fmt.Errorf("check option text: %w", err)
	}
	if taken {
		e.Add("label", ErrCustomFieldOptionTaken, nil)
	}
	return nil
}

// optionWriteError maps the option constraints to the label's errors.
func optionWriteError(err error) error {
	switch {
	case pg.IsUniqueViolation(err, "custom_field_options_label_key"):
		return validate.Field("label", ErrCustomFieldOptionTaken, nil)
	case pg.Is(err, pg.CodeCheckViolation, "custom_field_options_label_check"):
		return validate.Field("label", ErrCustomFieldOptionChars, nil)
	}
	return err
}

// lockChoiceField locks a choice field's row (option changes of one field
// run one at a time) and returns ErrNotFound for no such choice field.
// The transaction runs without JIT compilation: an option change may
// rewrite the values of thousands of members in one statement, and its
// triggers' statements (search text, audit) have large estimates, so the
// planner would compile them — which costs more than running them
// (migration 00031).
func lockChoiceField(ctx context.Context, tx pgx.Tx, fieldID string) error {
	if !validate.UUID(fieldID) {
		return ErrNotFound
	}
	if _, err := tx.Exec(ctx, `SET LOCAL jit = off`); err != nil {
		return fmt.Errorf("option change without JIT: %w", err)
	}
	var typ string
	err := tx.QueryRow(ctx, `SELECT value_type FROM custom_fields WHERE id = $1 FOR UPDATE`, fieldID).Scan(&typ)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && typ != CustomFieldChoice && typ != CustomFieldMultiChoice) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("lock custom field %s: %w", fieldID, err)
	}
	return nil
}

// AddOption adds an option at the end of a choice field's options.
func (s *CustomFields) AddOption(ctx context.Context, actor authz.Actor, fieldID, label string) (CustomFieldOption, error) {
	if err := actor.Require(authz.CustomField, authz.Update); err != nil {
		return CustomFieldOption{}, err
	}
	var o CustomFieldOption
	err := pg.InTx(ctx, s.db, func(tx pgx.Tx) error {
		if err := lockChoiceField(ctx, tx, fieldID); err != nil {
			return err
		}
		e := validate.Errors{}
		o.Label = checkOptionLabel(e, label)
		if err := optionLabelFree(ctx, tx, e, fieldID, o.Label, ""); err != nil {
			return err
		}
		if err := e.Err(); err != nil {
			return err
		}
		err := tx.QueryRow(ctx, `INSERT INTO custom_field_options (custom_field_id, label, position)
			VALUES ($1, $2, (SELECT coalesce(max(position), 0) + 1 FROM custom_field_options WHERE custom_field_id = $1))
			RETURNING id, position`, fieldID, o.Label).Scan(&o.ID, &o.Position)
		if err != nil {
			return fmt.Errorf("add option to field %s: %w", fieldID, optionWriteError(err))
		}
		return nil
	})
	if err != nil {
		return CustomFieldOption{}, unwrapValidation(err)
	}
	return o, nil
}

// RenameOption changes an option's text; the members' values follow in
// the same transaction (trigger custom_field_options_renamed: one UPDATE
// of exactly the values that hold the option; their search text and the
// audit trail follow once for the whole statement, migration 00031).
// When members hold the option, the actor needs
// authz.RewriteOptionValues (every member's values) besides the field.
func (s *CustomFields) RenameOption(ctx context.Context, actor authz.Actor, fieldID, optionID, label string) error {
	if err := actor.Require(authz.CustomField, authz.Update); err != nil {
		return err
	}
	if !validate.UUID(optionID) {
		return ErrNotFound
	}
	err := pg.InTx(ctx, s.db, func(tx pgx.Tx) error {
		if err := lockChoiceField(ctx, tx, fieldID); err != nil {
			return err
		}
		e := validate.Errors{}
		clean := checkOptionLabel(e, label)
		if err := optionLabelFree(ctx, tx, e, fieldID, clean, optionID); err != nil {
			return err
		}
		if err := e.Err(); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `UPDATE custom_field_options SET label = $3 WHERE id = $2 AND custom_field_id = $1`,
			fieldID, optionID, clean)
		if err != nil {
			return optionWriteError(fmt.Errorf("rename option %s: %w", optionID, err))
		}
		if tag.RowsAffected() == 0 {
			return ErrNotFound
		}
		// Members who have the option had their values rewritten: that
		// needs every member's values (checked after the statement, so a
		// member given the option meanwhile counts too).
		if !actor.Has(authz.RewriteOptionValues) {
			held, err := optionHeld(ctx, tx, fieldID, clean)
			if err != nil {
				return err
			}
			if held {
				return actor.RequireAll(authz.RewriteOptionValues)
			}
		}
		return nil
	})
	return unwrapValidation(err)
}

// optionHeld reports whether a member's value names the option label.
func optionHeld(ctx context.Context, tx pgx.Tx, fieldID, label string) (bool, error) {
	var held bool
	err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM custom_field_values
		WHERE custom_field_id = $1 AND $2::text = ANY (string_to_array(value, ', ')))`, fieldID, label).Scan(&held)
	if err != nil {
		return false, fmt.Errorf("check option %q in use: %w", label, err)
	}
	return held, nil
}

// unwrapValidation returns the validation error in err's chain itself
// (so addDomainErrors sees it), else err.
func unwrapValidation(err error) error {
	var ve *validate.Error
	if errors.As(err, &ve) {
		return ve
	}
	return err
}

// MoveOption moves an option one place up (delta -1) or down (+1);
// multiple-choice values that hold both swapped options are rewritten in
// the new order (one statement), which needs authz.RewriteOptionValues.
func (s *CustomFields) MoveOption(ctx context.Context, actor authz.Actor, fieldID, optionID string, delta int) error {
	if err := actor.Require(authz.CustomField, authz.Update); err != nil {
		return err
	}
	if !validate.UUID(optionID) {
		return ErrNotFound
	}
	return pg.InTx(ctx, s.db, func(tx pgx.Tx) error {
		if err := lockChoiceField(ctx, tx, fieldID); err != nil {
			return err
		}
		moved, err := swapPositions(ctx, tx, `SELECT id, position FROM custom_field_options WHERE custom_field_id = $1 ORDER BY position`,
			`UPDATE custom_field_options SET position = $2 WHERE id = $1`, fieldID, optionID, delta)
		if err != nil || !moved {
			return err
		}
		// Only values holding several options can change order.
		n, err := rewriteChoiceValues(ctx, tx, `string_to_array(v.value, ', ')`, `v.value LIKE '%, %'`, fieldID)
		if err != nil {
			return fmt.Errorf("reorder values of field %s: %w", fieldID, err)
		}
		if n > 0 {
			return actor.RequireAll(authz.RewriteOptionValues)
		}
		return nil
	})
}

// rewriteChoiceValues rewrites, in one set-based statement, the values
// of field $1 that where selects (a condition on v) into the canonical
// text of the options that parts names (an expression over v.value
// giving text[], $2 and $3 free for it): each option once, in option
// order. It joins the values' parts with the options once — no function
// call per value — and writes only values whose text changes.
func rewriteChoiceValues(ctx context.Context, tx pgx.Tx, parts, where string, args ...any) (int64, error) {
	tag, err := tx.Exec(ctx, `UPDATE custom_field_values v SET value = n.value
		FROM (SELECT x.id, string_agg(o.label, ', ' ORDER BY o.position) AS value
		        FROM (SELECT DISTINCT v.id, p.label
		                FROM custom_field_values v, unnest(`+parts+`) AS p (label)
		               WHERE v.custom_field_id = $1 AND `+where+`) x
		        JOIN custom_field_options o ON o.custom_field_id = $1 AND o.label = x.label
		       GROUP BY x.id) n
		WHERE v.id = n.id AND v.value IS DISTINCT FROM n.value`, args...)
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}

// swapPositions swaps the row id with its neighbour (delta -1: the one
// before, +1: after) in the order list returns. moved is false when the
// row is already first or last; ErrNotFound when it is not listed.
func swapPositions(ctx context.Context, tx pgx.Tx, list, set string, listArg any, id string, delta int) (bool, error) {
	var rows pgx.Rows
	var err error
	if listArg == nil {
		rows, err = tx.Query(ctx, list)
	} else {
		rows, err = tx.Query(ctx, list, listArg)
	}
	if err != nil {
		return false, fmt.Errorf("read order: %w", err)
	}
	type item struct {
		id  string
		pos int
	}
	items, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (item, error) {
		var it item
		err := r.Scan(&it.id, &it.pos)
		return it, err
	})
	if err != nil {
		return false, fmt.Errorf("read order: %w", err)
	}
	at := -1
	for i, it := range items {
		if it.id == id {
			at = i
		}
	}
	if at < 0 {
		return false, ErrNotFound
	}
	other := at + delta
	if delta == 0 || other < 0 || other >= len(items) {
		return false, nil
	}
	// The position constraints are deferred: the two rows may share a
	// position until commit.
	if _, err := tx.Exec(ctx, set, items[at].id, items[other].pos); err != nil {
		return false, fmt.Errorf("move: %w", err)
	}
	if _, err := tx.Exec(ctx, set, items[other].id, items[at].pos); err != nil {
		return false, fmt.Errorf("move: %w", err)
	}
	return true, nil
}

// Move moves a custom field one place up (delta -1) or down (+1) in the
// order every form, page, list and export shows the fields in.
func (s *CustomFields) Move(ctx context.Context, actor authz.Actor, id string, delta int) error {
	if err := actor.Require(authz.CustomField, authz.Update); err != nil {
		return err
	}
	if !validate.UUID(id) {
		return ErrNotFound
	}
	return pg.InTx(ctx, s.db, func(tx pgx.Tx) error {
		// Moves of fields run one at a time (each reads the whole order).
		if _, err := tx.Exec(ctx, `LOCK TABLE custom_fields IN SHARE ROW EXCLUSIVE MODE`); err != nil {
			return fmt.Errorf("lock custom fields: %w", err)
		}
		_, err := swapPositions(ctx, tx, `SELECT id, position FROM custom_fields ORDER BY position, name`,
			`UPDATE custom_fields SET position = $2 WHERE id = $1`, nil, id, delta)
		return err
	})
}

// OptionUses returns how many members have each option of a choice field
// (by option id; options nobody has are missing).
func (s *CustomFields) OptionUses(ctx context.Context, actor authz.Actor, fieldID string) (map[string]int, error) {
	if err := actor.Require(authz.CustomField, authz.Read); err != nil {
		return nil, err
	}
	if !validate.UUID(fieldID) {
		return nil, ErrNotFound
	}
	rows, err := s.db.Query(ctx, `SELECT o.id, count(*) FROM custom_field_options o
		JOIN custom_field_values v ON v.custom_field_id = o.custom_field_id AND o.label = ANY (string_to_array(v.value, ', '))
		WHERE o.custom_field_id = $1 GROUP BY o.id`, fieldID)
	if err != nil {
		return nil, fmt.Errorf("count option uses of %s: %w", fieldID, err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, fmt.Errorf("count option uses: %w", err)
		}
		out[id] = n
	}
	return out, rows.Err()
}

// RemoveOption deletes an option. An option members have is only deleted
// when mode says what happens to their values: OptionValuesClear takes it
// out of them (a value left empty is deleted), OptionValuesMove replaces
// it by the option target. Otherwise the answer is a field error
// ErrCustomFieldOptionInUse on "values" with the count. Clearing or
// moving values needs authz.RewriteOptionValues. All in one
// transaction; a member given the option meanwhile (a race) gets the
// same error from the database's guard.
func (s *CustomFields) RemoveOption(ctx context.Context, actor authz.Actor, fieldID, optionID, mode, target string) error {
	if err := actor.Require(authz.CustomField, authz.Update); err != nil {
		return err
	}
	if !validate.UUID(optionID) {
		return ErrNotFound
	}
	err := pg.InTx(ctx, s.db, func(tx pgx.Tx) error {
		if err := lockChoiceField(ctx, tx, fieldID); err != nil {
			return err
		}
		var label string
		var uses int
		err := tx.QueryRow(ctx, `SELECT o.label, (SELECT count(*) FROM custom_field_values v
			WHERE v.custom_field_id = o.custom_field_id AND o.label = ANY (string_to_array(v.value, ', ')))
			FROM custom_field_options o WHERE o.id = $2 AND o.custom_field_id = $1`, fieldID, optionID).Scan(&label, &uses)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("read option %s: %w", optionID, err)
		}
		if uses > 0 && (mode == OptionValuesClear || mode == OptionValuesMove) {
			if err := actor.RequireAll(authz.RewriteOptionValues); err != nil {
				return err
			}
		}
		if uses > 0 {
			switch mode {
			case OptionValuesClear:
				if _, err := tx.Exec(ctx, `DELETE FROM custom_field_values
					WHERE custom_field_id = $1 AND string_to_array(value, ', ') = ARRAY[$2::text]`, fieldID, label); err != nil {
					return fmt.Errorf("clear option %s: %w", optionID, err)
				}
				if _, err := rewriteChoiceValues(ctx, tx, `array_remove(string_to_array(v.value, ', '), $2::text)`,
					`$2::text = ANY (string_to_array(v.value, ', '))`, fieldID, label); err != nil {
					return fmt.Errorf("clear option %s: %w", optionID, err)
				}
			case OptionValuesMove:
				var to string
				err := tx.QueryRow(ctx, `SELECT label FROM custom_field_options WHERE id::text = $2 AND custom_field_id = $1 AND id <> $3`,
					fieldID, target, optionID).Scan(&to)
				if errors.Is(err, pgx.ErrNoRows) {
					return validate.Field("target", ErrCustomFieldOptionTarget, nil)
				}
				if err != nil {
					return fmt.Errorf("read option %s: %w", target, err)
				}
				if _, err := rewriteChoiceValues(ctx, tx, `array_replace(string_to_array(v.value, ', '), $2::text, $3::text)`,
					`$2::text = ANY (string_to_array(v.value, ', '))`, fieldID, label, to); err != nil {
					return fmt.Errorf("move option %s: %w", optionID, err)
				}
			default:
				return validate.Field("values", ErrCustomFieldOptionInUse, map[string]any{"Count": uses})
			}
		}
		_, err = tx.Exec(ctx, `DELETE FROM custom_field_options WHERE id = $1`, optionID)
		if pg.IsForeignKeyViolation(err, "custom_field_options_in_use") {
			return validate.Field("values", ErrCustomFieldOptionInUse, map[string]any{"Count": 1})
		}
		if err != nil {
			return fmt.Errorf("delete option %s: %w", optionID, err)
		}
		// Close the gap, so the options stay numbered 1..n.
		_, err = tx.Exec(ctx, `UPDATE custom_field_options o SET position = r.n
			FROM (SELECT id, row_number() OVER (ORDER BY position) AS n FROM custom_field_options WHERE custom_field_id = $1) r
			WHERE o.id = r.id AND o.position <> r.n`, fieldID)
		if err != nil {
			return fmt.Errorf("renumber options of %s: %w", fieldID, err)
		}
		return nil
	})
	return unwrapValidation(err)
}
