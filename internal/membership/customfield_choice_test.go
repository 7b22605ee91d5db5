package membership

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"mila/internal/pg"
	"mila/internal/testpg"
	"mila/internal/validate"
)

// choiceTestField creates a (multiple-)choice field with options.
func choiceTestField(t *testing.T, s *CustomFields, name, typ string, options ...string) CustomField {
	t.Helper()
	ctx := context.Background()
	f := customFieldTestCreate(t, s, CustomFieldInput{Name: name, ValueType: typ})
	for _, o := range options {
		if _, err := s.AddOption(ctx, memberTestAdmin, f.ID, o); err != nil {
			t.Fatalf("add option %q: %v", o, err)
		}
	}
	f, err := s.Get(ctx, memberTestAdmin, f.ID)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func choiceTestMember(t *testing.T, ms *Members, last string, custom map[string]string) Member {
	t.Helper()
	return memberTestCreate(t, ms, MemberInput{FirstName: "Eva", LastName: last, JoinDate: "2020-01-01", Custom: custom})
}

func choiceTestValue(t *testing.T, ms *Members, id, slug string) string {
	t.Helper()
	m, err := ms.Get(context.Background(), memberTestAdmin, id)
	if err != nil {
		t.Fatal(err)
	}
	return m.Custom[slug]
}

func TestCustomFieldChoiceValues(t *testing.T) {
	ms, db := memberTestStore(t)
	s := NewCustomFields(db)
	ctx := context.Background()
	size := choiceTestField(t, s, "Trikotgröße", CustomFieldChoice, "S", "M", "L")
	sports := choiceTestField(t, s, "Sportarten", CustomFieldMultiChoice, "Fußball", "Tennis", "Yoga")
	if len(size.Options) != 3 || size.Options[0].Label != "S" || size.Options[2].Position != 3 {
		t.Fatalf("options %+v", size.Options)
	}

	// Option texts: required, unique per field ignoring case, no separators.
	_, err := s.AddOption(ctx, memberTestAdmin, size.ID, "m")
	memberTestWantField(t, err, "label", ErrCustomFieldOptionTaken)
	_, err = s.AddOption(ctx, memberTestAdmin, size.ID, "XL; XXL")
	memberTestWantField(t, err, "label", ErrCustomFieldOptionChars)
	_, err = s.AddOption(ctx, memberTestAdmin, size.ID, "   ")
	memberTestWantField(t, err, "label", validate.Required)
	// The same text in another field is fine.
	if _, err := s.AddOption(ctx, memberTestAdmin, sports.ID, "M"); err != nil {
		t.Fatalf("same text in another field: %v", err)
	}
	if _, err := s.AddOption(ctx, memberTestAdmin, customFieldTestCreate(t, s, CustomFieldInput{Name: "Text", ValueType: CustomFieldString}).ID, "x"); err != ErrNotFound {
		t.Fatalf("option on a text field: %v", err)
	}

	// Values by option id (the form) or by text, ignoring case (imports);
	// multiple choices in option order, once each.
	a := choiceTestMember(t, ms, "A", map[string]string{size.Slug: size.Options[1].ID, sports.Slug: "yoga; FUßBALL, Fußball"})
	if got := choiceTestValue(t, ms, a.ID, size.Slug); got != "M" {
		t.Fatalf("choice value %q", got)
	}
	_, err = ms.Create(ctx, memberTestAdmin, MemberInput{FirstName: "X", LastName: "Y", JoinDate: "2020-01-01",
		Custom: map[string]string{sports.Slug: "Yoga, Fußball"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := choiceTestValue(t, ms, a.ID, sports.Slug); got != "Fußball, Yoga" {
		t.Fatalf("multiple choice value %q", got)
	}
	for _, c := range []struct{ slug, raw, id string }{
		{size.Slug, "XXL", ErrCustomFieldNoOption},
		{size.Slug, "S, M", ErrCustomFieldOneOption},
		{sports.Slug, "Tennis, Golf", ErrCustomFieldNoOption},
	} {
		_, err := ms.Create(ctx, memberTestAdmin, MemberInput{FirstName: "X", LastName: "Y", JoinDate: "2020-01-01", Custom: map[string]string{c.slug: c.raw}})
		memberTestWantField(t, err, "cf_"+c.slug, c.id)
	}
	b := choiceTestMember(t, ms, "B", map[string]string{size.Slug: "m", sports.Slug: "Tennis, Yoga"})
	c := choiceTestMember(t, ms, "C", map[string]string{size.Slug: "L", sports.Slug: "Tennis"})

	// Renaming an option renames it in every value, in one transaction.
	if err := s.RenameOption(ctx, memberTestAdmin, size.ID, size.Options[1].ID, "Medium"); err != nil {
		t.Fatal(err)
	}
	if err := s.RenameOption(ctx, memberTestAdmin, sports.ID, sports.Options[2].ID, "Hatha-Yoga"); err != nil {
		t.Fatal(err)
	}
	err = s.RenameOption(ctx, memberTestAdmin, size.ID, size.Options[0].ID, "medium")
	memberTestWantField(t, err, "label", ErrCustomFieldOptionTaken)
	for _, w := range []struct{ id, slug, want string }{
		{a.ID, size.Slug, "Medium"}, {b.ID, size.Slug, "Medium"}, {c.ID, size.Slug, "L"},
		{a.ID, sports.Slug, "Fußball, Hatha-Yoga"}, {b.ID, sports.Slug, "Tennis, Hatha-Yoga"},
	} {
		if got := choiceTestValue(t, ms, w.id, w.slug); got != w.want {
			t.Errorf("after rename: %s = %q, want %q", w.slug, got, w.want)
		}
	}

	// Reordering options rewrites multiple-choice values in the new order.
	if err := s.MoveOption(ctx, memberTestAdmin, sports.ID, sports.Options[2].ID, -1); err != nil {
		t.Fatal(err)
	}
	if got := choiceTestValue(t, ms, b.ID, sports.Slug); got != "Hatha-Yoga, Tennis" {
		t.Fatalf("after reorder %q", got)
	}
	if err := s.MoveOption(ctx, memberTestAdmin, sports.ID, sports.Options[0].ID, -1); err != nil {
		t.Fatalf("moving the first option up is no change: %v", err)
	}

	// Removing: an unused option goes; a used one asks what to do.
	uses, err := s.OptionUses(ctx, memberTestAdmin, sports.ID)
	if err != nil || uses[sports.Options[1].ID] != 2 || uses[sports.Options[0].ID] != 2 {
		t.Fatalf("uses %v %v", uses, err)
	}
	err = s.RemoveOption(ctx, memberTestAdmin, sports.ID, sports.Options[1].ID, OptionValuesKeep, "")
	memberTestWantField(t, err, "values", ErrCustomFieldOptionInUse)
	if fe, _ := validate.As(err); fe["values"].Data["Count"] != 2 {
		t.Fatalf("in-use count %v", fe["values"].Data)
	}
	err = s.RemoveOption(ctx, memberTestAdmin, sports.ID, sports.Options[1].ID, OptionValuesMove, sports.Options[1].ID)
	memberTestWantField(t, err, "target", ErrCustomFieldOptionTarget)
	// Tennis → clear: B keeps Hatha-Yoga, C (only Tennis) has no value.
	if err := s.RemoveOption(ctx, memberTestAdmin, sports.ID, sports.Options[1].ID, OptionValuesClear, ""); err != nil {
		t.Fatal(err)
	}
	if got := choiceTestValue(t, ms, b.ID, sports.Slug); got != "Hatha-Yoga" {
		t.Fatalf("after clear %q", got)
	}
	if got, ok := func() (string, bool) {
		m, _ := ms.Get(ctx, memberTestAdmin, c.ID)
		v, ok := m.Custom[sports.Slug]
		return v, ok
	}(); ok {
		t.Fatalf("cleared value still there: %q", got)
	}
	// Medium → move to L.
	if err := s.RemoveOption(ctx, memberTestAdmin, size.ID, size.Options[1].ID, OptionValuesMove, size.Options[2].ID); err != nil {
		t.Fatal(err)
	}
	if got := choiceTestValue(t, ms, a.ID, size.Slug); got != "L" {
		t.Fatalf("after move %q", got)
	}
	// Fußball → move to Hatha-Yoga: A had both, keeps one.
	if err := s.RemoveOption(ctx, memberTestAdmin, sports.ID, sports.Options[0].ID, OptionValuesMove, sports.Options[2].ID); err != nil {
		t.Fatal(err)
	}
	if got := choiceTestValue(t, ms, a.ID, sports.Slug); got != "Hatha-Yoga" {
		t.Fatalf("after merge %q", got)
	}
	size, _ = s.Get(ctx, memberTestAdmin, size.ID)
	if len(size.Options) != 2 || size.Options[0].Position != 1 || size.Options[1].Position != 2 {
		t.Fatalf("positions after removal %+v", size.Options)
	}
	// The search text holds the option text.
	var cf string
	if err := db.QueryRow(ctx, `SELECT cf_text FROM members WHERE id = $1`, a.ID).Scan(&cf); err != nil || !strings.Contains(cf, "Hatha-Yoga") {
		t.Fatalf("cf_text %q %v", cf, err)
	}
	// Deleting the field deletes its options and values.
	if err := s.Delete(ctx, memberTestAdmin, sports.ID); err != nil {
		t.Fatalf("delete choice field: %v", err)
	}
}

// TestCustomFieldChoiceConstraints: the database keeps values true to
// the options whatever writes them, and a stale value (an option renamed
// or removed while a form was open) becomes the field's error.
func TestCustomFieldChoiceConstraints(t *testing.T) {
	ms, db := memberTestStore(t)
	s := NewCustomFields(db)
	ctx := context.Background()
	size := choiceTestField(t, s, "Größe", CustomFieldChoice, "S", "M")
	multi := choiceTestField(t, s, "Kurse", CustomFieldMultiChoice, "A", "B")
	m := choiceTestMember(t, ms, "A", map[string]string{size.Slug: "S", multi.Slug: "A, B"})

	for _, c := range []struct{ field, value string }{
		{size.ID, "XL"}, {size.ID, "s"}, {size.ID, "S, M"}, {multi.ID, "B, A"}, {multi.ID, "A, A"}, {multi.ID, "A,B"},
	} {
		_, err := db.Exec(ctx, `UPDATE custom_field_values SET value = $3 WHERE member_id = $1 AND custom_field_id = $2`, m.ID, c.field, c.value)
		if !pg.Is(err, pg.CodeCheckViolation, "custom_field_values_option") {
			t.Errorf("value %q: %v", c.value, err)
		}
	}
	_, err := db.Exec(ctx, `DELETE FROM custom_field_options WHERE custom_field_id = $1 AND label = 'S'`, size.ID)
	if !pg.IsForeignKeyViolation(err, "custom_field_options_in_use") {
		t.Fatalf("deleting a used option: %v", err)
	}
	_, err = db.Exec(ctx, `INSERT INTO custom_field_options (custom_field_id, label, position) VALUES ($1, 'x,y', 9)`, size.ID)
	if !pg.Is(err, pg.CodeCheckViolation, "custom_field_options_label_check") {
		t.Fatalf("separator in a label: %v", err)
	}
	_, err = db.Exec(ctx, `INSERT INTO custom_field_options (custom_field_id, label, position) VALUES ($1, 'm', 9)`, size.ID)
	if !pg.IsUniqueViolation(err, "custom_field_options_label_key") {
		t.Fatalf("label differing in case: %v", err)
	}

	// A save carrying a text that is no option any more (checked against
	// options read before a rename) is the field's error, not a 500.
	err = pg.InTx(ctx, db, func(tx pgx.Tx) error {
		return writeCustomValues(ctx, tx, m.ID, []customFieldWrite{{fieldID: size.ID, value: "Gone", slug: size.Slug}})
	})
	memberTestWantField(t, err, "cf_"+size.Slug, ErrCustomFieldNoOption)
}

// TestCustomFieldOrder: fields move up and down; positions stay unique
// and every reader gets the new order.
func TestCustomFieldOrder(t *testing.T) {
	_, db := memberTestStore(t)
	s := NewCustomFields(db)
	ctx := context.Background()
	a := customFieldTestCreate(t, s, CustomFieldInput{Name: "Alpha", ValueType: CustomFieldString})
	b := customFieldTestCreate(t, s, CustomFieldInput{Name: "Beta", ValueType: CustomFieldString})
	c := customFieldTestCreate(t, s, CustomFieldInput{Name: "Gamma", ValueType: CustomFieldString})
	order := func() string {
		fs, err := s.Definitions(ctx, memberTestAdmin)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, f := range fs {
			names = append(names, f.Name)
		}
		return strings.Join(names, " ")
	}
	if got := order(); got != "Alpha Beta Gamma" {
		t.Fatalf("order %q", got)
	}
	for _, mv := range []struct {
		id    string
		delta int
		want  string
	}{
		{c.ID, -1, "Alpha Gamma Beta"},
		{c.ID, -1, "Gamma Alpha Beta"},
		{c.ID, -1, "Gamma Alpha Beta"}, // first already
		{a.ID, 1, "Gamma Beta Alpha"},
		{a.ID, 1, "Gamma Beta Alpha"}, // last already
		{b.ID, 1, "Gamma Alpha Beta"},
	} {
		if err := s.Move(ctx, memberTestAdmin, mv.id, mv.delta); err != nil {
			t.Fatal(err)
		}
		if got := order(); got != mv.want {
			t.Fatalf("after move: %q, want %q", got, mv.want)
		}
	}
	if err := s.Move(ctx, memberTestAdmin, "0190a000-0000-7000-8000-00000000dead", 1); err != ErrNotFound {
		t.Fatalf("unknown field: %v", err)
	}
	// Positions are unique in the database; a field inserted without one
	// goes to the end.
	_, err := db.Exec(ctx, `UPDATE custom_fields SET position = (SELECT position FROM custom_fields WHERE id = $2) WHERE id = $1`, a.ID, b.ID)
	if !pg.IsUniqueViolation(err, "custom_fields_position_key") {
		t.Fatalf("duplicate position: %v", err)
	}
	if _, err := db.Exec(ctx, `INSERT INTO custom_fields (name, slug, value_type) VALUES ('Delta', 'delta', 'string'), ('Epsilon', 'epsilon', 'string')`); err != nil {
		t.Fatal(err)
	}
	if got := order(); got != "Gamma Alpha Beta Delta Epsilon" {
		t.Fatalf("inserted without position: %q", got)
	}
}

// BenchmarkOptionRename: at 100,000 members, renaming an option that
// 10,000 of them have (a choice field that 30,000 members fill in) and
// one of a multiple-choice field that 10,000 have among others — the
// values follow in the same transaction — and moving an option of the
// multiple-choice field, which rewrites the values into the new order.
// docs/PERFORMANCE.md has the figures.
func BenchmarkOptionRename(b *testing.B) {
	db := testpg.New(b)
	ctx := context.Background()
	s := NewCustomFields(db)
	mk := func(name, typ string, options ...string) CustomField {
		f, err := s.Create(ctx, memberTestAdmin, CustomFieldInput{Name: name, ValueType: typ})
		if err != nil {
			b.Fatal(err)
		}
		for _, o := range options {
			if _, err := s.AddOption(ctx, memberTestAdmin, f.ID, o); err != nil {
				b.Fatal(err)
			}
		}
		f, _ = s.Get(ctx, memberTestAdmin, f.ID)
		return f
	}
	size := mk("Größe", CustomFieldChoice, "S", "M", "L")
	courses := mk("Kurse", CustomFieldMultiChoice, "Yoga", "Tennis", "Rückenfit")
	city := mk("Ort", CustomFieldString)
	// The register is loaded as the demo loader does it: the audit trail
	// records the two bulk statements by their count only.
	conn, err := db.Acquire(ctx)
	if err != nil {
		b.Fatal(err)
	}
	for _, q := range []string{
		`SET mila.audit_detail = 'off'`,
		`INSERT INTO members (first_name, last_name, city) SELECT 'M' || i, 'Bench', 'Stadt ' || (i % 97) FROM generate_series(1, 100000) i`,
		// Every member has a text value; 30,000 a size (10,000 of them
		// M, the option renamed); 10,000 take courses (Yoga and Tennis).
		`WITH m AS (SELECT id, row_number() OVER (ORDER BY id) AS n FROM members)
		INSERT INTO custom_field_values (member_id, custom_field_id, value)
		SELECT id, '` + city.ID + `'::uuid, 'Wert ' || (n % 1000) FROM m
		UNION ALL SELECT id, '` + size.ID + `'::uuid, (ARRAY['M', 'S', 'L'])[(n - 1) / 10000 + 1] FROM m WHERE n <= 30000
		UNION ALL SELECT id, '` + courses.ID + `'::uuid, 'Yoga, Tennis' FROM m WHERE n % 10 = 5`,
		`RESET mila.audit_detail`,
		`VACUUM ANALYZE`,
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
	conn.Release()
	uses, err := s.OptionUses(ctx, memberTestAdmin, size.ID)
	if err != nil || uses[size.Options[1].ID] != 10000 {
		b.Fatalf("holders of M: %v %v", uses, err)
	}
	for _, c := range []struct {
		name  string
		field CustomField
		at    int
	}{{"choice", size, 1}, {"multichoice", courses, 1}} {
		b.Run("rename-"+c.name, func(b *testing.B) {
			i := 0
			for b.Loop() {
				i++
				if err := s.RenameOption(ctx, memberTestAdmin, c.field.ID, c.field.Options[c.at].ID, fmt.Sprintf("Name %d", i)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("move-multichoice", func(b *testing.B) {
		for b.Loop() {
			if err := s.MoveOption(ctx, memberTestAdmin, courses.ID, courses.Options[0].ID, 1); err != nil {
				b.Fatal(err)
			}
			if err := s.MoveOption(ctx, memberTestAdmin, courses.ID, courses.Options[0].ID, -1); err != nil {
				b.Fatal(err)
			}
		}
	})
}
