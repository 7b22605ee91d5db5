package membership

import (
	"context"
	"errors"
	"strings"
	"testing"

	"mila/internal/authz"
	"mila/internal/validate"
)

func customFieldTestCreate(t *testing.T, s *CustomFields, in CustomFieldInput) CustomField {
	t.Helper()
	f, err := s.Create(context.Background(), memberTestAdmin, in)
	if err != nil {
		t.Fatalf("create custom field %+v: %v", in, err)
	}
	return f
}

func TestCustomFieldSlugs(t *testing.T) {
	_, db := memberTestStore(t)
	s := NewCustomFields(db)
	ctx := context.Background()
	// 99 characters whose slug (ß → ss) has 124: cut at a hyphen to 99.
	long := strings.Repeat("Fuß ", 25)
	for _, c := range []struct{ name, slug string }{
		{"Ärztliche Überprüfung öffentlich", "arztliche-uberprufung-offentlich"},
		{"Größe in Fuß", "grosse-in-fuss"},
		{"Café Crème Señor", "cafe-creme-senor"},
		{"  Zweiter   Vorname  ", "zweiter-vorname"},
		{"T-Shirt-Größe (S/M/L)!", "t-shirt-grosse-s-m-l"},
		{long, strings.TrimSuffix(strings.Repeat("fuss-", 20), "-")},
	} {
		f := customFieldTestCreate(t, s, CustomFieldInput{Name: c.name, ValueType: CustomFieldString})
		if f.Slug != c.slug {
			t.Errorf("slug of %q = %q, want %q", c.name, f.Slug, c.slug)
		}
		if len(f.Slug) > 100 {
			t.Errorf("slug longer than 100: %q", f.Slug)
		}
	}
	// Punctuation only yields no slug: a field error.
	_, err := s.Create(ctx, memberTestAdmin, CustomFieldInput{Name: "!!! ???", ValueType: CustomFieldString})
	memberTestWantField(t, err, "name", validate.NoSlug)

	// Different names, same slug: -2, -3.
	a := customFieldTestCreate(t, s, CustomFieldInput{Name: "Notfall Kontakt", ValueType: CustomFieldString})
	b := customFieldTestCreate(t, s, CustomFieldInput{Name: "Notfall-Kontakt", ValueType: CustomFieldString})
	c := customFieldTestCreate(t, s, CustomFieldInput{Name: "Notfall_Kontakt!", ValueType: CustomFieldString})
	if a.Slug != "notfall-kontakt" || b.Slug != "notfall-kontakt-2" || c.Slug != "notfall-kontakt-3" {
		t.Fatalf("collision slugs %q %q %q", a.Slug, b.Slug, c.Slug)
	}
	// A long name whose slug collides keeps the suffix within 100 characters.
	l2 := customFieldTestCreate(t, s, CustomFieldInput{Name: strings.Repeat("Fuß-", 24) + "Fuß", ValueType: CustomFieldString})
	if !strings.HasSuffix(l2.Slug, "-2") || len(l2.Slug) > 100 {
		t.Fatalf("long collision slug %q", l2.Slug)
	}

	// Renaming never changes the slug.
	r, err := s.Update(ctx, memberTestAdmin, a.ID, CustomFieldInput{Name: "Kontakt im Notfall", ValueType: CustomFieldString})
	if err != nil {
		t.Fatal(err)
	}
	if r.Slug != "notfall-kontakt" || r.Name != "Kontakt im Notfall" {
		t.Fatalf("after rename: %+v", r)
	}
	// The old name is free again, and its slug is still taken.
	d := customFieldTestCreate(t, s, CustomFieldInput{Name: "Notfall Kontakt", ValueType: CustomFieldString})
	if d.Slug != "notfall-kontakt-4" {
		t.Fatalf("slug of re-used name %q", d.Slug)
	}
}

func TestCustomFieldValidation(t *testing.T) {
	_, db := memberTestStore(t)
	s := NewCustomFields(db)
	ctx := context.Background()
	customFieldTestCreate(t, s, CustomFieldInput{Name: "Beitragsart", ValueType: CustomFieldString})
	_, err := s.Create(ctx, memberTestAdmin, CustomFieldInput{Name: "BEITRAGSART", ValueType: CustomFieldString})
	memberTestWantField(t, err, "name", ErrCustomFieldNameTaken)
	_, err = s.Create(ctx, memberTestAdmin, CustomFieldInput{Name: " ", ValueType: "decimal"})
	memberTestWantField(t, err, "name", validate.Required)
	memberTestWantField(t, err, "value_type", ErrCustomFieldBadType)
	if _, err := s.Create(ctx, memberTestAdmin, CustomFieldInput{Name: strings.Repeat("ß", 100), ValueType: CustomFieldString,
		Description: strings.Repeat("ü", 500)}); err != nil {
		t.Fatalf("at the limits: %v", err)
	}
	_, err = s.Create(ctx, memberTestAdmin, CustomFieldInput{Name: strings.Repeat("ö", 101), ValueType: CustomFieldString,
		Description: strings.Repeat("ü", 501)})
	memberTestWantField(t, err, "name", validate.TooLong)
	memberTestWantField(t, err, "description", validate.TooLong)
	// Only admins define fields; everyone signed in reads them.
	if _, err := s.Create(ctx, memberTestTreasurer, CustomFieldInput{Name: "X", ValueType: CustomFieldString}); !errors.Is(err, authz.ErrForbidden) {
		t.Fatalf("treasurer creates a field: %v", err)
	}
	if list, err := s.List(ctx, memberTestOwn("")); err != nil || len(list) != 2 {
		t.Fatalf("own_data lists fields: %v %v", list, err)
	}
}

func TestCustomFieldTypeChangeAndDelete(t *testing.T) {
	ms, db := memberTestStore(t)
	s := NewCustomFields(db)
	ctx := context.Background()
	f := customFieldTestCreate(t, s, CustomFieldInput{Name: "Schuhgröße", ValueType: CustomFieldString})
	// No values yet: the type may change.
	f, err := s.Update(ctx, memberTestAdmin, f.ID, CustomFieldInput{Name: f.Name, ValueType: CustomFieldInteger, ShowInOverview: true})
	if err != nil || f.ValueType != CustomFieldInteger || !f.ShowInOverview {
		t.Fatalf("type change without values: %+v %v", f, err)
	}
	for i, v := range []string{"42", "38"} {
		memberTestCreate(t, ms, MemberInput{FirstName: "M", LastName: string(rune('A' + i)), Custom: map[string]string{f.Slug: v}})
	}
	memberTestCreate(t, ms, MemberInput{FirstName: "M", LastName: "Ohne"})
	_, err = s.Update(ctx, memberTestAdmin, f.ID, CustomFieldInput{Name: f.Name, ValueType: CustomFieldDate})
	memberTestWantField(t, err, "value_type", ErrCustomFieldTypeInUse)
	if fe, _ := validate.As(err); fe["value_type"].Data["Count"] != 2 {
		t.Fatalf("type change message data %v", fe)
	}
	// Other changes with the same type are fine.
	if _, err := s.Update(ctx, memberTestAdmin, f.ID, CustomFieldInput{Name: "Schuhgröße EU", ValueType: CustomFieldInteger, Required: true}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Get(ctx, memberTestAdmin, f.ID)
	if err != nil || got.ValueCount != 2 || !got.Required {
		t.Fatalf("get: %+v %v", got, err)
	}
	if err := s.Delete(ctx, memberTestTreasurer, f.ID); !errors.Is(err, authz.ErrForbidden) {
		t.Fatalf("treasurer deletes a field: %v", err)
	}
	if err := s.Delete(ctx, memberTestAdmin, f.ID); err != nil {
		t.Fatal(err)
	}
	var values int
	var cfText string
	if err := db.QueryRow(ctx, `SELECT (SELECT count(*) FROM custom_field_values), (SELECT string_agg(cf_text, '') FROM members)`).Scan(&values, &cfText); err != nil {
		t.Fatal(err)
	}
	if values != 0 || cfText != "" {
		t.Fatalf("after delete: %d values, cf_text %q", values, cfText)
	}
	if _, err := s.Get(ctx, memberTestAdmin, f.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("get deleted: %v", err)
	}
}

func TestCustomFieldValuesOnMembers(t *testing.T) {
	ms, db := memberTestStore(t)
	s := NewCustomFields(db)
	ctx := context.Background()
	num := customFieldTestCreate(t, s, CustomFieldInput{Name: "Nummer", ValueType: CustomFieldInteger, Required: true})
	day := customFieldTestCreate(t, s, CustomFieldInput{Name: "Geburtstag", ValueType: CustomFieldDate})
	ok := customFieldTestCreate(t, s, CustomFieldInput{Name: "SEPA", ValueType: CustomFieldBoolean})
	mail := customFieldTestCreate(t, s, CustomFieldInput{Name: "Notfall", ValueType: CustomFieldEmail})
	text := customFieldTestCreate(t, s, CustomFieldInput{Name: "Spitzname", ValueType: CustomFieldString})

	in := func(custom map[string]string) MemberInput {
		return MemberInput{FirstName: "Anna", LastName: "Ahrens", Custom: custom}
	}
	_, err := ms.Create(ctx, memberTestAdmin, in(map[string]string{num.Slug: "12a", day.Slug: "31.12.2000", ok.Slug: "maybe",
		mail.Slug: "nope", text.Slug: strings.Repeat("ä", CustomFieldValueMax+1)}))
	memberTestWantField(t, err, num.FormName(), validate.BadNumber)
	memberTestWantField(t, err, day.FormName(), validate.BadDate)
	memberTestWantField(t, err, ok.FormName(), validate.Invalid)
	memberTestWantField(t, err, mail.FormName(), validate.BadEmail)
	memberTestWantField(t, err, text.FormName(), validate.TooLong)
	_, err = ms.Create(ctx, memberTestAdmin, in(nil))
	memberTestWantField(t, err, num.FormName(), validate.Required)

	m, err := ms.Create(ctx, memberTestAdmin, in(map[string]string{num.Slug: " 007 ", day.Slug: "2000-02-29", ok.Slug: "true",
		mail.Slug: "notfall@example.org", text.Slug: strings.Repeat("ä", CustomFieldValueMax)}))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{num.Slug: "7", day.Slug: "2000-02-29", ok.Slug: "true", mail.Slug: "notfall@example.org",
		text.Slug: strings.Repeat("ä", CustomFieldValueMax)}
	for k, v := range want {
		if m.Custom[k] != v {
			t.Errorf("custom %s = %q, want %q", k, m.Custom[k], v)
		}
	}
	// Emptying a value removes it; an unticked box is no value; nil leaves all.
	m, err = ms.Update(ctx, memberTestAdmin, m.ID, MemberInput{FirstName: "Anna", LastName: "Ahrens", Version: m.Version,
		Custom: map[string]string{num.Slug: "8"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Custom) != 1 || m.Custom[num.Slug] != "8" {
		t.Fatalf("after emptying: %v", m.Custom)
	}
	m, err = ms.Update(ctx, memberTestAdmin, m.ID, MemberInput{FirstName: "Anna", LastName: "Ahrens", Version: m.Version})
	if err != nil || m.Custom[num.Slug] != "8" {
		t.Fatalf("nil custom map: %v %v", m.Custom, err)
	}
	// Board may read the values, not write them.
	if got, err := ms.Get(ctx, memberTestBoard, m.ID); err != nil || got.Custom[num.Slug] != "8" {
		t.Fatalf("board reads values: %v %v", got.Custom, err)
	}
}
