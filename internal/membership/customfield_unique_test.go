package membership

import (
	"context"
	"testing"

	"mila/internal/validate"
)

// TestCustomFieldUnique: a unique field refuses a value another member
// has (a field error, from Go and — past a race — from the index), and
// cannot be made unique while two members share a value.
func TestCustomFieldUnique(t *testing.T) {
	s, db := memberTestStore(t)
	ctx := context.Background()
	fields := NewCustomFields(db)
	yes, no := true, false
	f := customFieldTestCreate(t, fields, CustomFieldInput{Name: "Mitgliedsnummer", ValueType: CustomFieldInteger, Unique: &yes})
	if !f.Unique {
		t.Fatal("created field is not unique")
	}
	a := memberTestCreate(t, s, MemberInput{FirstName: "A", LastName: "A", Custom: map[string]string{f.Slug: "7"}})
	_, err := s.Create(ctx, memberTestAdmin, MemberInput{FirstName: "B", LastName: "B", Custom: map[string]string{f.Slug: "007"}})
	memberTestWantField(t, err, f.FormName(), validate.Taken)
	// The member itself may keep its number.
	if _, err := s.Update(ctx, memberTestAdmin, a.ID, MemberInput{FirstName: "A", LastName: "Z", Version: a.Version, Custom: map[string]string{f.Slug: "7"}}); err != nil {
		t.Fatal(err)
	}
	// The database refuses what Go would have: a direct duplicate insert.
	b := memberTestCreate(t, s, MemberInput{FirstName: "B", LastName: "B"})
	_, err = db.Exec(ctx, `INSERT INTO custom_field_values (member_id, custom_field_id, value) VALUES ($1, $2, '7')`, b.ID, f.ID)
	if err == nil {
		t.Fatal("duplicate value of a unique field inserted")
	}

	// Not unique: duplicates are fine; making it unique then is refused,
	// and a form without the setting (nil) leaves the flag alone.
	g := customFieldTestCreate(t, fields, CustomFieldInput{Name: "Spind", ValueType: CustomFieldString})
	memberTestCreate(t, s, MemberInput{FirstName: "C", LastName: "C", Custom: map[string]string{g.Slug: "12"}})
	memberTestCreate(t, s, MemberInput{FirstName: "D", LastName: "D", Custom: map[string]string{g.Slug: "12"}})
	_, err = fields.Update(ctx, memberTestAdmin, g.ID, CustomFieldInput{Name: "Spind", ValueType: CustomFieldString, Unique: &yes})
	memberTestWantField(t, err, "unique", ErrCustomFieldNotUnique)
	if f, err = fields.Update(ctx, memberTestAdmin, f.ID, CustomFieldInput{Name: "Nummer", ValueType: CustomFieldInteger}); err != nil || !f.Unique {
		t.Fatalf("update without the setting: unique=%v, %v", f.Unique, err)
	}
	if f, err = fields.Update(ctx, memberTestAdmin, f.ID, CustomFieldInput{Name: "Nummer", ValueType: CustomFieldInteger, Unique: &no}); err != nil || f.Unique {
		t.Fatalf("unique off: unique=%v, %v", f.Unique, err)
	}
	if _, err := db.Exec(ctx, `INSERT INTO custom_field_values (member_id, custom_field_id, value) VALUES ($1, $2, '7')`, b.ID, f.ID); err != nil {
		t.Fatalf("no longer unique, yet refused: %v", err)
	}
}
