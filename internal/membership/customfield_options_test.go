package membership

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"mila/internal/pg"
	"mila/internal/testpg"
)

// TestOptionRenameMany: renaming, moving and removing options that
// hundreds of members hold rewrites exactly their values in one
// statement — never a value of another option whose text merely
// contains the old one — and the members' search text follows at once.
// The audit trail has one entry for the values (each member's old → new)
// and one for the option.
func TestOptionRenameMany(t *testing.T) {
	ms, db := memberTestStore(t)
	s := NewCustomFields(db)
	ctx := context.Background()
	tarif := choiceTestField(t, s, "Tarif", CustomFieldChoice, "Kinder", "Erwachsene", "Erwachsene Plus", "Senioren")
	kurse := choiceTestField(t, s, "Kurse", CustomFieldMultiChoice, "Yoga", "Yoga Plus", "Tennis")
	// 600 members: every third Kinder / Erwachsene / Erwachsene Plus;
	// every second Yoga, Yoga Plus and Tennis, the others only Yoga Plus.
	if _, err := db.Exec(ctx, `INSERT INTO members (first_name, last_name) SELECT 'M', 'Bulk' || i FROM generate_series(1, 600) i`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(ctx, `WITH m AS (SELECT id, row_number() OVER (ORDER BY last_name) AS n FROM members)
		INSERT INTO custom_field_values (member_id, custom_field_id, value)
		SELECT id, $1::uuid, (ARRAY['Kinder', 'Erwachsene', 'Erwachsene Plus'])[n % 3 + 1] FROM m
		UNION ALL SELECT id, $2::uuid, CASE WHEN n % 2 = 0 THEN 'Yoga, Yoga Plus, Tennis' ELSE 'Yoga Plus' END FROM m`, tarif.ID, kurse.ID); err != nil {
		t.Fatal(err)
	}
	count := func(field, value string) int {
		t.Helper()
		var n int
		if err := db.QueryRow(ctx, `SELECT count(*) FROM custom_field_values WHERE custom_field_id = $1 AND value = $2`, field, value).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	var before int64
	if err := db.QueryRow(ctx, `SELECT coalesce(max(id), 0) FROM audit_log`).Scan(&before); err != nil {
		t.Fatal(err)
	}

	if err := s.RenameOption(ctx, memberTestAdmin, tarif.ID, tarif.Options[1].ID, "Erwachsene Vollzahler"); err != nil {
		t.Fatal(err)
	}
	for v, want := range map[string]int{"Erwachsene Vollzahler": 200, "Erwachsene": 0, "Erwachsene Plus": 200, "Kinder": 200} {
		if got := count(tarif.ID, v); got != want {
			t.Errorf("after rename: %d × %q, want %d", got, v, want)
		}
	}
	// Search finds the holders by the new text right away, and no one by
	// a word only the old text had.
	page, err := ms.List(ctx, memberTestAdmin, MemberQuery{Q: "Vollzahler", Status: MemberStatusAll, PerPage: 50})
	if err != nil {
		t.Fatal(err)
	}
	if page.Total != 200 || page.TotalIsEstimate {
		t.Fatalf("search for the new text: %d (estimate %v), want 200", page.Total, page.TotalIsEstimate)
	}
	var stale int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM members m JOIN custom_field_values v ON v.member_id = m.id AND v.custom_field_id = $1
		WHERE (v.value = 'Erwachsene Vollzahler') <> (m.cf_text LIKE '%Erwachsene Vollzahler%')`, tarif.ID).Scan(&stale); err != nil || stale != 0 {
		t.Fatalf("%d members' search text does not follow the rename (%v)", stale, err)
	}
	// The audit trail: the option once, the values once with each
	// member's old and new text.
	var optionEntries, valueEntries, valueRows, members int
	var sample string
	if err := db.QueryRow(ctx, `SELECT
		count(*) FILTER (WHERE entity = 'custom_field_options'),
		count(*) FILTER (WHERE entity = 'custom_field_values'),
		coalesce(sum(row_count) FILTER (WHERE entity = 'custom_field_values'), 0),
		coalesce(sum(cardinality(member_ids)) FILTER (WHERE entity = 'custom_field_values'), 0),
		coalesce(min((changes -> 0)::text) FILTER (WHERE entity = 'custom_field_values'), '')
		FROM audit_log WHERE id > $1`, before).Scan(&optionEntries, &valueEntries, &valueRows, &members, &sample); err != nil {
		t.Fatal(err)
	}
	if optionEntries != 1 || valueEntries != 1 || valueRows != 200 || members != 200 ||
		!strings.Contains(sample, `"old": {"value": "Erwachsene"}`) || !strings.Contains(sample, `"new": {"value": "Erwachsene Vollzahler"}`) {
		t.Fatalf("audit of the rename: %d option entries, %d value entries of %d rows, %d members; %s",
			optionEntries, valueEntries, valueRows, members, sample)
	}

	// Multiple choice: renaming Yoga leaves Yoga Plus alone.
	if err := s.RenameOption(ctx, memberTestAdmin, kurse.ID, kurse.Options[0].ID, "Hatha"); err != nil {
		t.Fatal(err)
	}
	if a, b := count(kurse.ID, "Hatha, Yoga Plus, Tennis"), count(kurse.ID, "Yoga Plus"); a != 300 || b != 300 {
		t.Fatalf("after renaming Yoga: %d, %d", a, b)
	}
	// Reorder: Tennis first — the values that hold it follow, the others
	// stay as they are.
	for range 2 {
		if err := s.MoveOption(ctx, memberTestAdmin, kurse.ID, kurse.Options[2].ID, -1); err != nil {
			t.Fatal(err)
		}
	}
	if a, b := count(kurse.ID, "Tennis, Hatha, Yoga Plus"), count(kurse.ID, "Yoga Plus"); a != 300 || b != 300 {
		t.Fatalf("after moving Tennis first: %d, %d", a, b)
	}
	// Remove with move: Erwachsene Vollzahler → Senioren; Erwachsene
	// Plus stays.
	if err := s.RemoveOption(ctx, memberTestAdmin, tarif.ID, tarif.Options[1].ID, OptionValuesMove, tarif.Options[3].ID); err != nil {
		t.Fatal(err)
	}
	if a, b, c := count(tarif.ID, "Senioren"), count(tarif.ID, "Erwachsene Plus"), count(tarif.ID, "Erwachsene Vollzahler"); a != 200 || b != 200 || c != 0 {
		t.Fatalf("after removing with move: %d, %d, %d", a, b, c)
	}
	// Remove with clear of an option every member has: values that held
	// only it are deleted, the others keep the rest.
	if err := s.RemoveOption(ctx, memberTestAdmin, kurse.ID, kurse.Options[1].ID, OptionValuesClear, ""); err != nil {
		t.Fatal(err)
	}
	if a, b := count(kurse.ID, "Tennis, Hatha"), count(kurse.ID, "Yoga Plus"); a != 300 || b != 0 {
		t.Fatalf("after clearing Yoga Plus: %d, %d", a, b)
	}
	var left int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM custom_field_values WHERE custom_field_id = $1`, kurse.ID).Scan(&left); err != nil || left != 300 {
		t.Fatalf("%d course values left, want 300 (%v)", left, err)
	}
}

// TestOptionIndexFolds: an import cell names an option exactly, in any
// case, without accents or with umlauts spelled out — but a loose
// spelling that two options share names none.
func TestOptionIndexFolds(t *testing.T) {
	f := CustomField{ValueType: CustomFieldMultiChoice, Options: []CustomFieldOption{
		{ID: "1", Label: "Rückenfit"}, {ID: "2", Label: "Straße"}, {ID: "3", Label: "Müller"}, {ID: "4", Label: "Muller"}, {ID: "5", Label: "Élan"},
	}}
	for part, want := range map[string]int{
		"Rückenfit": 0, "rückenfit": 0, "RÜCKENFIT": 0, "Ruckenfit": 0, "Rueckenfit": 0, "rueckenfit": 0,
		"strasse": 1, "STRASSE": 1, "straße": 1,
		"Müller": 2, "Muller": 3, "müller": 2, "mueller": -1, // two options read "muller"
		"elan": 4, "ELAN": 4, "Golf": -1, "2": 1,
	} {
		if got := f.optionIndex(part); got != want {
			t.Errorf("optionIndex(%q) = %d, want %d", part, got, want)
		}
	}
}

// TestMemberListSortsChoiceByOptionOrder: sorting the overview by a
// choice column follows the options' order (as the field's page shows
// it), not the alphabet — and a reorder changes the sort at once.
func TestMemberListSortsChoiceByOptionOrder(t *testing.T) {
	ms, db := memberTestStore(t)
	s := NewCustomFields(db)
	ctx := context.Background()
	tarif := choiceTestField(t, s, "Tarif", CustomFieldChoice, "Kinder", "Erwachsene", "Senioren")
	kurse := choiceTestField(t, s, "Kurse", CustomFieldMultiChoice, "Yoga", "Tennis", "Aqua")
	for _, m := range []struct{ last, tarif, kurse string }{
		{"Anton", "Senioren", "Aqua"}, {"Berta", "Kinder", "Tennis, Aqua"}, {"Cäsar", "Erwachsene", "Yoga, Aqua"},
		{"Dora", "", ""}, {"Emil", "Kinder", "Yoga"},
	} {
		choiceTestMember(t, ms, m.last, map[string]string{tarif.Slug: m.tarif, kurse.Slug: m.kurse})
	}
	cols := []string{"cf_" + tarif.Slug, "cf_" + kurse.Slug}
	order := func(sort, dir string) []string {
		t.Helper()
		page, err := ms.List(ctx, memberTestAdmin, MemberQuery{Sort: sort, Dir: dir, Columns: cols})
		if err != nil {
			t.Fatal(err)
		}
		return memberListTestIDs(page)
	}
	for _, c := range []struct {
		sort, dir string
		want      []string
	}{
		{"cf_" + tarif.Slug, "asc", []string{"Berta", "Emil", "Cäsar", "Anton", "Dora"}},
		{"cf_" + tarif.Slug, "desc", []string{"Anton", "Cäsar", "Berta", "Emil", "Dora"}},
		{"cf_" + kurse.Slug, "asc", []string{"Emil", "Cäsar", "Berta", "Anton", "Dora"}},
		{"cf_" + kurse.Slug, "desc", []string{"Anton", "Berta", "Cäsar", "Emil", "Dora"}},
	} {
		if got := order(c.sort, c.dir); !slices.Equal(got, c.want) {
			t.Errorf("sort %s %s: %v, want %v", c.sort, c.dir, got, c.want)
		}
	}
	// Senioren first: Anton leads.
	for range 2 {
		if err := s.MoveOption(ctx, memberTestAdmin, tarif.ID, tarif.Options[2].ID, -1); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := order("cf_"+tarif.Slug, "asc"), []string{"Anton", "Berta", "Emil", "Cäsar", "Dora"}; !slices.Equal(got, want) {
		t.Errorf("after the reorder: %v, want %v", got, want)
	}
}

// optionVersion is the migration that made the option checks set-based.
const optionVersion = 31

// TestOptionMigrationKeepsValues migrates a register with choice values
// up through 00031 and down again: every value stays as it was, and the
// database refuses a value naming no option on both sides.
func TestOptionMigrationKeepsValues(t *testing.T) {
	ctx := context.Background()
	pool := testpg.NewEmpty(t)
	db := stdlib.OpenDBFromPool(pool)
	defer db.Close()
	p, err := goose.NewProvider(goose.DialectPostgres, db, pg.Migrations(), goose.WithTableName("goose_db_version"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, optionVersion-1); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`
		INSERT INTO custom_fields (name, slug, value_type) VALUES ('Tarif', 'tarif', 'choice'), ('Kurse', 'kurse', 'multichoice'), ('Ort', 'ort', 'string');
		INSERT INTO custom_field_options (custom_field_id, label, position)
		  SELECT f.id, o.label, o.position FROM custom_fields f,
		    (VALUES ('tarif', 'Kinder', 1), ('tarif', 'Erwachsene', 2), ('kurse', 'Yoga', 1), ('kurse', 'Tennis', 2), ('kurse', 'Rückenfit', 3)) o (slug, label, position)
		   WHERE f.slug = o.slug;
		INSERT INTO members (first_name, last_name) VALUES ('Anna', 'Acker'), ('Bert', 'Bauer'), ('Cara', 'Conrad');
		INSERT INTO custom_field_values (member_id, custom_field_id, value)
		  SELECT m.id, f.id, v.value FROM members m, custom_fields f,
		    (VALUES ('Anna', 'tarif', 'Erwachsene'), ('Anna', 'kurse', 'Yoga, Rückenfit'), ('Bert', 'tarif', 'Kinder'),
		            ('Bert', 'ort', 'Köln, Porz'), ('Cara', 'kurse', 'Yoga, Tennis, Rückenfit')) v (first, slug, value)
		   WHERE m.first_name = v.first AND f.slug = v.slug;`); err != nil {
		t.Fatal(err)
	}
	snapshot := func() string {
		t.Helper()
		var s string
		if err := db.QueryRow(`SELECT string_agg(concat_ws('|', v.id, v.member_id, v.custom_field_id, v.value, v.created_at, v.updated_at, v.unique_value, m.cf_text), E'\n' ORDER BY v.id)
			FROM custom_field_values v JOIN members m ON m.id = v.member_id`).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	refused := func(step string) {
		t.Helper()
		for _, bad := range []struct{ slug, value string }{{"tarif", "Senioren"}, {"tarif", "Kinder, Erwachsene"}, {"kurse", "Tennis, Yoga"}, {"kurse", "Yoga, Yoga"}, {"kurse", ""}} {
			_, err := db.Exec(`UPDATE custom_field_values v SET value = $2 FROM custom_fields f WHERE f.id = v.custom_field_id AND f.slug = $1`, bad.slug, bad.value)
			if !pg.Is(err, pg.CodeCheckViolation, "custom_field_values_option") {
				t.Errorf("%s: %s = %q: %v", step, bad.slug, bad.value, err)
			}
		}
	}
	old := snapshot()
	refused("before")
	if _, err := p.UpTo(ctx, optionVersion); err != nil {
		t.Fatal(err)
	}
	if got := snapshot(); got != old {
		t.Fatalf("up changed values:\n%s\nwas\n%s", got, old)
	}
	refused("up")
	if _, err := p.DownTo(ctx, optionVersion-1); err != nil {
		t.Fatal(err)
	}
	if got := snapshot(); got != old {
		t.Fatalf("down changed values:\n%s\nwas\n%s", got, old)
	}
	refused("down")
	if _, err := p.UpTo(ctx, optionVersion); err != nil {
		t.Fatalf("up again: %v", err)
	}
}
