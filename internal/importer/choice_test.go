package importer_test

import (
	"context"
	"testing"

	"mila/internal/importer"
	"mila/internal/membership"
	"mila/internal/testpg"
)

// TestChoiceValues: a cell of a choice column must name one of the
// field's options, ignoring case and accents (umlauts also spelled out:
// "RUECKENFIT" is Rückenfit); a multiple-choice cell names several,
// separated by , or ; — stored as the options' texts in option order.
// A cell naming no option is the row's error, in the field's column.
func TestChoiceValues(t *testing.T) {
	t.Parallel()
	db := testpg.New(t)
	ctx := context.Background()
	fields := membership.NewCustomFields(db)
	size := field(t, db, membership.CustomFieldInput{Name: "Größe", ValueType: membership.CustomFieldChoice})
	courses := field(t, db, membership.CustomFieldInput{Name: "Kurse", ValueType: membership.CustomFieldMultiChoice})
	for f, opts := range map[string][]string{size.ID: {"S", "M", "L"}, courses.ID: {"Yoga", "Tennis", "Rückenfit"}} {
		for _, o := range opts {
			if _, err := fields.AddOption(ctx, admin, f, o); err != nil {
				t.Fatal(err)
			}
		}
	}
	file := csvFile("E-Mail,Vorname,Nachname,Größe,Kurse\n" +
		"anna@example.org,Anna,Acker,m,\"tennis; YOGA\"\n" +
		"bert@example.org,Bert,Bauer,XL,Yoga\n" +
		"cara@example.org,Cara,Conrad,,\"RUECKENFIT, Yoga,\"\n" + // umlaut spelled out, upper case
		"dirk@example.org,Dirk,Dahl,S,Golf\n")
	b := dryRun(t, db, file, importer.Options{})
	if b.New != 2 || b.Errors != 2 {
		t.Fatalf("dry run %+v", b)
	}
	rs := rows(t, db, b.ID)
	if got := rowErrs(rs[1]); got != "Größe:"+membership.ErrCustomFieldNoOption {
		t.Fatalf("Bert's errors %q", got)
	}
	if got := rowErrs(rs[3]); got != "Kurse:"+membership.ErrCustomFieldNoOption {
		t.Fatalf("Dirk's errors %q", got)
	}
	commit(t, db, b, true)
	want := map[string][2]string{"Anna": {"M", "Yoga, Tennis"}, "Cara": {"", "Yoga, Rückenfit"}}
	got := map[string][2]string{}
	rows, err := db.Query(ctx, `SELECT m.first_name,
		coalesce((SELECT value FROM custom_field_values WHERE member_id = m.id AND custom_field_id = $1), ''),
		coalesce((SELECT value FROM custom_field_values WHERE member_id = m.id AND custom_field_id = $2), '')
		FROM members m`, size.ID, courses.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var name, s, c string
		if err := rows.Scan(&name, &s, &c); err != nil {
			t.Fatal(err)
		}
		got[name] = [2]string{s, c}
	}
	if len(got) != 2 || got["Anna"] != want["Anna"] || got["Cara"] != want["Cara"] {
		t.Fatalf("imported values %v, want %v", got, want)
	}
}
