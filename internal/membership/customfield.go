package membership

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"mila/internal/authz"
	"mila/internal/pg"
	"mila/internal/slug"
	"mila/internal/validate"
)

// Value types of custom data fields.
const (
	CustomFieldString  = "string"
	CustomFieldInteger = "integer"
	CustomFieldBoolean = "boolean"
	CustomFieldDate    = "date"
	CustomFieldEmail   = "email"
	// CustomFieldChoice is one of the field's options; the value is the
	// option's text (renaming an option renames the values).
	CustomFieldChoice = "choice"
	// CustomFieldMultiChoice is any of the field's options; the value is
	// their texts in option order, joined by ", ".
	CustomFieldMultiChoice = "multichoice"
)

// CustomFieldTypes lists the value types in the order forms offer them.
var CustomFieldTypes = []string{CustomFieldString, CustomFieldInteger, CustomFieldBoolean, CustomFieldDate, CustomFieldEmail,
	CustomFieldChoice, CustomFieldMultiChoice}

// Limits of custom fields and their values (the database checks the same).
const (
	CustomFieldNameMax        = 100
	CustomFieldDescriptionMax = 500
	CustomFieldValueMax       = 1000
)

// Custom-field message ids (texts in internal/web/locales/fields.*.json).
const (
	ErrCustomFieldNameTaken = "ErrCustomFieldNameTaken" // another field has this name
	ErrCustomFieldTypeInUse = "ErrCustomFieldTypeInUse" // type change with values present
	ErrCustomFieldBadType   = "ErrCustomFieldBadType"   // unknown value type
	ErrCustomFieldNotUnique = "ErrCustomFieldNotUnique" // unique asked for, but members share a value
	// ErrCustomFieldBirthDateType: only a date field can be the birth date.
	ErrCustomFieldBirthDateType = "ErrCustomFieldBirthDateType"
	// ErrCustomFieldBirthDateTaken: another field ({{.Name}}) is the birth date.
	ErrCustomFieldBirthDateTaken = "ErrCustomFieldBirthDateTaken"
)

// CustomField is a club's own data field on members.
type CustomField struct {
	ID             string
	Name           string
	Slug           string // made from the name once, never changed
	ValueType      string
	Required       bool
	ShowInOverview bool
	// MemberEditable: a member may change their own value of this field
	// (own_data users, in their own record). Off by default.
	MemberEditable bool
	Description    string
	Position       int
	ValueCount     int // members with a value (filled by List and Get)
	// Unique: no two members have the same value (a membership number);
	// the database enforces it. The import matches members by such a field.
	Unique bool
	// BirthDate: this date field holds the members' birth dates (at most
	// one field; the database enforces it). The birthday list reads it.
	BirthDate bool
	// Options are a choice field's options in their order (loaded for
	// choice and multiple-choice fields only).
	Options []CustomFieldOption
	// Missing is how many members have no value (filled by Get).
	Missing int
}

// FormName is the member form's field name for this custom field.
func (f CustomField) FormName() string { return "cf_" + f.Slug }

// CustomFieldInput is what the custom field form submits.
type CustomFieldInput struct {
	Name           string
	ValueType      string
	Required       bool
	ShowInOverview bool
	MemberEditable bool
	Description    string
	// Unique sets CustomField.Unique; nil leaves it as it is (false on
	// Create), so a form without the setting does not reset it.
	Unique *bool
	// BirthDate sets CustomField.BirthDate; nil leaves it as it is.
	BirthDate *bool
}

// CustomFields is the store of custom data fields (admin only, except
// reading them, which every member form needs).
type CustomFields struct{ db *pgxpool.Pool }

// NewCustomFields returns the custom field actions on db.
func NewCustomFields(db *pgxpool.Pool) *CustomFields { return &CustomFields{db: db} }

const customFieldColumns = `f.id, f.name::text, f.slug, f.value_type, f.required, f.show_in_overview, f.member_editable, f.description, f.position, f.unique_values, f.birth_date`

func scanCustomField(row pgx.Row, withCount bool, more ...any) (CustomField, error) {
	var f CustomField
	dest := []any{&f.ID, &f.Name, &f.Slug, &f.ValueType, &f.Required, &f.ShowInOverview, &f.MemberEditable, &f.Description, &f.Position, &f.Unique, &f.BirthDate}
	if withCount {
		dest = append(dest, &f.ValueCount)
	}
	dest = append(dest, more...)
	err := row.Scan(dest...)
	return f, err
}

// customFieldQuerier is a pool or a transaction.
type customFieldQuerier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// loadCustomFields returns the custom fields in form order.
func loadCustomFields(ctx context.Context, q customFieldQuerier, withCount bool) ([]CustomField, error) {
	sql := `SELECT ` + customFieldColumns + ` FROM custom_fields f ORDER BY f.position, f.name`
	if withCount {
		sql = `SELECT ` + customFieldColumns + `,
			(SELECT count(*) FROM custom_field_values v WHERE v.custom_field_id = f.id)
			FROM custom_fields f ORDER BY f.position, f.name`
	}
	rows, err := q.Query(ctx, sql)
	if err != nil {
		return nil, fmt.Errorf("list custom fields: %w", err)
	}
	defer rows.Close()
	var out []CustomField
	for rows.Next() {
		f, err := scanCustomField(rows, withCount)
		if err != nil {
			return nil, fmt.Errorf("scan custom field: %w", err)
		}
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list custom fields: %w", err)
	}
	rows.Close()
	if err := attachOptions(ctx, q, out); err != nil {
		return nil, err
	}
	return out, nil
}

func customFieldsTx(ctx context.Context, tx pgx.Tx) ([]CustomField, error) {
	return loadCustomFields(ctx, tx, false)
}

// List returns every custom field in form order, with how many members
// have a value for each.
func (s *CustomFields) List(ctx context.Context, actor authz.Actor) ([]CustomField, error) {
	if err := actor.Require(authz.CustomField, authz.Read); err != nil {
		return nil, err
	}
	return loadCustomFields(ctx, s.db, true)
}

// Definitions returns every custom field in form order, without value
// counts: what the member pages need. Counting the values reads every
// value of every field (hundreds of thousands at 100,000 members), so
// only the fields admin page (List) pays for it.
func (s *CustomFields) Definitions(ctx context.Context, actor authz.Actor) ([]CustomField, error) {
	if err := actor.Require(authz.CustomField, authz.Read); err != nil {
		return nil, err
	}
	return loadCustomFields(ctx, s.db, false)
}

// Get returns one custom field with its value count, or ErrNotFound.
func (s *CustomFields) Get(ctx context.Context, actor authz.Actor, id string) (CustomField, error) {
	if err := actor.Require(authz.CustomField, authz.Read); err != nil {
		return CustomField{}, err
	}
	if !validate.UUID(id) {
		return CustomField{}, ErrNotFound
	}
	var members int
	f, err := scanCustomField(s.db.QueryRow(ctx, `SELECT `+customFieldColumns+`,
		(SELECT count(*) FROM custom_field_values v WHERE v.custom_field_id = f.id),
		(SELECT count(*) FROM members)
		FROM custom_fields f WHERE f.id = $1`, id), true, &members)
	if errors.Is(err, pgx.ErrNoRows) {
		return CustomField{}, ErrNotFound
	}
	if err != nil {
		return CustomField{}, fmt.Errorf("get custom field %s: %w", id, err)
	}
	f.Missing = members - f.ValueCount
	fs := []CustomField{f}
	if err := attachOptions(ctx, s.db, fs); err != nil {
		return CustomField{}, err
	}
	return fs[0], nil
}

type customFieldValues struct {
	name, valueType, description string
}

func (in CustomFieldInput) check() (customFieldValues, validate.Errors) {
	e := validate.Errors{}
	v := customFieldValues{
		name:        validate.Clean(in.Name),
		valueType:   strings.TrimSpace(in.ValueType),
		description: validate.Clean(in.Description),
	}
	validate.Text(e, "name", v.name, CustomFieldNameMax, true, false)
	validate.Text(e, "description", v.description, CustomFieldDescriptionMax, false, true)
	valid := false
	for _, t := range CustomFieldTypes {
		valid = valid || t == v.valueType
	}
	if !valid {
		e.Add("value_type", ErrCustomFieldBadType, nil)
	}
	if in.BirthDate != nil && *in.BirthDate && valid && v.valueType != CustomFieldDate {
		e.Add("birth_date", ErrCustomFieldBirthDateType, nil)
	}
	return v, e
}

// birthDateFree records ErrCustomFieldBirthDateTaken when the input marks
// the field as the birth date while another field is. (The unique index
// custom_fields_one_birth_date catches a race.)
func birthDateFree(ctx context.Context, tx pgx.Tx, e validate.Errors, in CustomFieldInput, exceptID string) error {
	if in.BirthDate == nil || !*in.BirthDate || e.Has("birth_date") {
		return nil
	}
	var other string
	err := tx.QueryRow(ctx, `SELECT name::text FROM custom_fields WHERE birth_date AND id::text <> $1`, exceptID).Scan(&other)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("check birth date field: %w", err)
	}
	e.Add("birth_date", ErrCustomFieldBirthDateTaken, map[string]any{"Name": other})
	return nil
}

// birthDateError maps the birth-date constraints to the field's error.
func birthDateError(err error) error {
	if pg.IsUniqueViolation(err, "custom_fields_one_birth_date") {
		return validate.Field("birth_date", ErrCustomFieldBirthDateTaken, map[string]any{"Name": "?"})
	}
	if pg.Is(err, pg.CodeCheckViolation, "custom_fields_birth_date_type") {
		return validate.Field("birth_date", ErrCustomFieldBirthDateType, nil)
	}
	return nil
}

// customFieldNameFree records ErrCustomFieldNameTaken when another field
// has name, ignoring case and invisible characters (the unique index
// custom_fields_name_folded_key compares the same way).
func customFieldNameFree(ctx context.Context, tx pgx.Tx, e validate.Errors, name, exceptID string) error {
	if e.Has("name") {
		return nil
	}
	var taken bool
	err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM custom_fields
		WHERE lower(fold_invisible(name::text)) = lower(fold_invisible($1)) AND id::text <> $2)`,
		name, exceptID).Scan(&taken)
	if err != nil {
		return fmt.Errorf("check custom field name: %w", err)
	}
	if taken {
		e.Add("name", ErrCustomFieldNameTaken, nil)
	}
	return nil
}

// Create adds a custom field. Its slug is made from the name here, once:
// "Mitgliedsnummer" → mitgliedsnummer, a second name with the same slug
// gets -2, -3 …
func (s *CustomFields) Create(ctx context.Context, actor authz.Actor, in CustomFieldInput) (CustomField, error) {
	if err := actor.Require(authz.CustomField, authz.Create); err != nil {
		return CustomField{}, err
	}
	var id string
	err := pg.InTx(ctx, s.db, func(tx pgx.Tx) error {
		v, e := in.check()
		base, err := slug.Make(v.name)
		if err != nil && !e.Has("name") {
			e.Add("name", validate.NoSlug, nil)
		}
		if err := customFieldNameFree(ctx, tx, e, v.name, ""); err != nil {
			return err
		}
		if err := birthDateFree(ctx, tx, e, in, ""); err != nil {
			return err
		}
		if err := e.Err(); err != nil {
			return err
		}
		// Two admins adding fields at once could pick the same slug: the
		// table lock makes the check-then-insert of slugs atomic (adding a
		// field is rare, so the lock costs nothing).
		if _, err := tx.Exec(ctx, `LOCK TABLE custom_fields IN SHARE ROW EXCLUSIVE MODE`); err != nil {
			return fmt.Errorf("lock custom fields: %w", err)
		}
		sl, err := slug.Unique(base, func(c string) (bool, error) {
			var taken bool
			err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM custom_fields WHERE slug = $1)`, c).Scan(&taken)
			return taken, err
		})
		if err != nil {
			return fmt.Errorf("choose custom field slug: %w", err)
		}
		err = tx.QueryRow(ctx, `INSERT INTO custom_fields (name, slug, value_type, required, show_in_overview, member_editable, description, unique_values, birth_date, position)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, (SELECT coalesce(max(position), 0) + 1 FROM custom_fields))
			RETURNING id`, v.name, sl, v.valueType, in.Required, in.ShowInOverview, in.MemberEditable, v.description, in.Unique != nil && *in.Unique,
			in.BirthDate != nil && *in.BirthDate).Scan(&id)
		if berr := birthDateError(err); berr != nil {
			return berr
		}
		if pg.IsUniqueViolation(err, "custom_fields_name_key") || pg.IsUniqueViolation(err, "custom_fields_name_folded_key") {
			return validate.Field("name", ErrCustomFieldNameTaken, nil)
		}
		if err != nil {
			return fmt.Errorf("insert custom field: %w", err)
		}
		return nil
	})
	if err != nil {
		return CustomField{}, err
	}
	return s.Get(ctx, actor, id)
}

// Update changes a custom field. The slug stays what it was, whatever the
// new name, so form field names and links keep working. The value type
// can only change while no member has a value for the field, since the
// stored values would no longer fit it.
func (s *CustomFields) Update(ctx context.Context, actor authz.Actor, id string, in CustomFieldInput) (CustomField, error) {
	if err := actor.Require(authz.CustomField, authz.Update); err != nil {
		return CustomField{}, err
	}
	if !validate.UUID(id) {
		return CustomField{}, ErrNotFound
	}
	err := pg.InTx(ctx, s.db, func(tx pgx.Tx) error {
		var oldType string
		var values int
		err := tx.QueryRow(ctx, `SELECT value_type, (SELECT count(*) FROM custom_field_values WHERE custom_field_id = f.id)
			FROM custom_fields f WHERE id = $1 FOR UPDATE`, id).Scan(&oldType, &values)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("get custom field %s: %w", id, err)
		}
		v, e := in.check()
		if _, err := slug.Make(v.name); err != nil && !e.Has("name") {
			e.Add("name", validate.NoSlug, nil) // keep names usable for a slug, like on create
		}
		if err := customFieldNameFree(ctx, tx, e, v.name, id); err != nil {
			return err
		}
		if err := birthDateFree(ctx, tx, e, in, id); err != nil {
			return err
		}
		if !e.Has("value_type") && v.valueType != oldType && values > 0 {
			e.Add("value_type", ErrCustomFieldTypeInUse, map[string]any{"Count": values})
		}
		if err := e.Err(); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE custom_fields SET name = $2, value_type = $3, required = $4,
			show_in_overview = $5, member_editable = $6, description = $7, unique_values = coalesce($8, unique_values),
			birth_date = coalesce($9, birth_date) WHERE id = $1`,
			id, v.name, v.valueType, in.Required, in.ShowInOverview, in.MemberEditable, v.description, in.Unique, in.BirthDate)
		if berr := birthDateError(err); berr != nil {
			return berr
		}
		if pg.IsUniqueViolation(err, "custom_fields_name_key") || pg.IsUniqueViolation(err, "custom_fields_name_folded_key") {
			return validate.Field("name", ErrCustomFieldNameTaken, nil)
		}
		if pg.IsUniqueViolation(err, "custom_field_values_unique_key") {
			// Two members share a value: the field cannot be unique yet.
			return validate.Field("unique", ErrCustomFieldNotUnique, nil)
		}
		if err != nil {
			return fmt.Errorf("update custom field %s: %w", id, err)
		}
		return nil
	})
	if err != nil {
		return CustomField{}, err
	}
	return s.Get(ctx, actor, id)
}

// Delete removes a custom field and every member's value for it.
func (s *CustomFields) Delete(ctx context.Context, actor authz.Actor, id string) error {
	if err := actor.Require(authz.CustomField, authz.Destroy); err != nil {
		return err
	}
	if !validate.UUID(id) {
		return ErrNotFound
	}
	n, err := pg.Exec(ctx, s.db, `DELETE FROM custom_fields WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("delete custom field %s: %w", id, err)
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}

// customFieldWrite is one checked custom value; value "" deletes it.
type customFieldWrite struct {
	fieldID string
	value   string
	slug    string // for the field error of a taken unique value
	unique  bool
}

// checkCustomValues validates raw form values (by slug) against the
// fields and returns the writes to make. Errors are keyed "cf_<slug>".
func checkCustomValues(e validate.Errors, fields []CustomField, raw map[string]string) []customFieldWrite {
	out := make([]customFieldWrite, 0, len(fields))
	for _, f := range fields {
		value, ok := f.ParseValue(e, raw[f.Slug])
		if !ok {
			continue
		}
		out = append(out, customFieldWrite{fieldID: f.ID, value: value, slug: f.Slug, unique: f.Unique})
	}
	return out
}

// ParseValue checks a value typed into the field's input and returns it
// in canonical form ("" for no value). Problems are recorded in e under
// the field's form name; ok is false then.
//
// Booleans are stored only when true: an unticked box is no value, and a
// required boolean must be ticked (think "agrees to the statutes").
func (f CustomField) ParseValue(e validate.Errors, raw string) (string, bool) {
	name := f.FormName()
	s := validate.Clean(raw)
	if s == "" {
		if f.Required {
			e.Add(name, validate.Required, nil)
			return "", false
		}
		return "", true
	}
	switch f.ValueType {
	case CustomFieldInteger:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			e.Add(name, validate.BadNumber, nil)
			return "", false
		}
		return strconv.FormatInt(n, 10), true
	case CustomFieldBoolean:
		switch strings.ToLower(s) {
		case "true", "on", "1", "yes":
			return "true", true
		case "false", "off", "0", "no":
			if f.Required {
				e.Add(name, validate.Required, nil)
				return "", false
			}
			return "", true
		}
		e.Add(name, validate.Invalid, nil)
		return "", false
	case CustomFieldDate:
		t, err := time.Parse(dateLayout, s)
		if err != nil {
			e.Add(name, validate.BadDate, nil)
			return "", false
		}
		if t.Before(MemberMinDate) || t.After(MemberMaxDate) {
			e.Add(name, validate.DateRange, map[string]any{"Min": MemberMinDate.Format(dateLayout), "Max": MemberMaxDate.Format(dateLayout)})
			return "", false
		}
		return t.Format(dateLayout), true
	case CustomFieldChoice, CustomFieldMultiChoice:
		return f.parseChoice(e, s)
	case CustomFieldEmail:
		if !validate.ValidEmail(s) {
			e.Add(name, validate.BadEmail, nil)
			return "", false
		}
		return s, true
	default:
		before := len(e)
		validate.Text(e, name, s, CustomFieldValueMax, false, false)
		if len(e) > before {
			return "", false
		}
		return s, true
	}
}

// writeCustomValues stores the member's custom values: one upsert for the
// values given, one delete for those emptied — two statements, so the
// cf_text triggers run once each.
func writeCustomValues(ctx context.Context, tx pgx.Tx, memberID string, writes []customFieldWrite) error {
	var setIDs, setValues, clearIDs []string
	for _, w := range writes {
		if w.value == "" {
			clearIDs = append(clearIDs, w.fieldID)
		} else {
			setIDs = append(setIDs, w.fieldID)
			setValues = append(setValues, w.value)
		}
	}
	if err := uniqueValuesFree(ctx, tx, memberID, writes); err != nil {
		return err
	}
	if len(setIDs) > 0 {
		_, err := tx.Exec(ctx, `INSERT INTO custom_field_values (member_id, custom_field_id, value)
			SELECT $1, f, v FROM unnest($2::uuid[], $3::text[]) AS t (f, v)
			ON CONFLICT (member_id, custom_field_id) DO UPDATE SET value = EXCLUDED.value
			WHERE custom_field_values.value IS DISTINCT FROM EXCLUDED.value`, memberID, setIDs, setValues)
		if pg.IsForeignKeyViolation(err, "") {
			// A field was deleted while the form was open: refuse the save
			// as a conflict, so the form reloads with the current fields.
			return fmt.Errorf("save custom values: field deleted meanwhile: %w", ErrConflict)
		}
		if pg.Is(err, pg.CodeCheckViolation, "custom_field_values_option") {
			// An option was renamed or removed while the form was open:
			// the field error a stale option gets.
			for _, w := range writes {
				if w.fieldID == pg.Detail(err) {
					return validate.Field("cf_"+w.slug, ErrCustomFieldNoOption, nil)
				}
			}
		}
		if pg.IsUniqueViolation(err, "custom_field_values_unique_key") {
			// A race past uniqueValuesFree: the same field error it gives.
			for _, w := range writes {
				if w.unique && w.value != "" {
					return validate.Field("cf_"+w.slug, validate.Taken, nil)
				}
			}
		}
		if err != nil {
			return fmt.Errorf("save custom values of member %s: %w", memberID, err)
		}
	}
	if len(clearIDs) > 0 {
		_, err := tx.Exec(ctx, `DELETE FROM custom_field_values WHERE member_id = $1 AND custom_field_id = ANY ($2::uuid[])`,
			memberID, clearIDs)
		if err != nil {
			return fmt.Errorf("clear custom values of member %s: %w", memberID, err)
		}
	}
	return nil
}

// uniqueValuesFree refuses, as field errors, values of unique fields that
// another member already has. The unique index decides a race.
func uniqueValuesFree(ctx context.Context, tx pgx.Tx, memberID string, writes []customFieldWrite) error {
	e := validate.Errors{}
	for _, w := range writes {
		if !w.unique || w.value == "" {
			continue
		}
		var taken bool
		err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM custom_field_values
			WHERE custom_field_id = $1 AND value = $2 AND unique_value AND member_id <> $3)`,
			w.fieldID, w.value, memberID).Scan(&taken)
		if err != nil {
			return fmt.Errorf("check unique value of %s: %w", w.slug, err)
		}
		if taken {
			e.Add("cf_"+w.slug, validate.Taken, nil)
		}
	}
	return e.Err()
}
