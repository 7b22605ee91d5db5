package privacy_test

import (
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"mila/internal/audit"
	"mila/internal/authz"
	"mila/internal/pg"
	"mila/internal/privacy"
	"mila/internal/testpg"
	"mila/internal/validate"
)

// traces counts the rows of every table whose text (all columns, JSON
// and arrays included) contains any of words, case-insensitively.
func traces(t *testing.T, db *pgxpool.Pool, words ...string) map[string]int {
	t.Helper()
	rows, err := db.Query(ctxb, `SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema()`)
	if err != nil {
		t.Fatal(err)
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]int{}
	for _, tb := range tables {
		for _, w := range words {
			var n int
			q := fmt.Sprintf(`SELECT count(*) FROM %s t WHERE t::text ILIKE '%%' || $1 || '%%'`, pgx.Identifier{tb}.Sanitize())
			if err := db.QueryRow(ctxb, q, w).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n > 0 {
				found[tb+" ("+w+")"] += n
			}
		}
	}
	return found
}

func eraseAdmin(t *testing.T, db *pgxpool.Pool) authz.Actor {
	t.Helper()
	return authz.Actor{UserID: "00000000-0000-7000-8000-0000000000aa", Email: "chief@example.org", Set: authz.Admin}
}

func TestEraseDeleteLeavesNothing(t *testing.T) {
	db := testpg.New(t)
	id := seedFull(t, db, "Xaverine", "Quappendorf", "xq@example.org")
	seedFull(t, db, "Otto", "Anders", "otto@example.org")
	words := []string{"Xaverine", "Quappendorf", "xq@example.org"}
	if len(traces(t, db, words...)) == 0 {
		t.Fatal("the seed left no traces to find: the search cannot fail")
	}
	svc := privacy.Service{DB: db}
	admin := eraseAdmin(t, db)
	ctx := pg.WithActor(ctxb, pg.Actor{UserID: admin.UserID, Label: admin.Email})

	// The typed name must match; a lower set may not erase at all.
	err := svc.Erase(ctx, admin, id, privacy.ModeDelete, "Xaverine")
	if fe, ok := validate.As(err); !ok || !fe.Has("confirm_name") {
		t.Fatalf("wrong name: %v", err)
	}
	if err := svc.Erase(ctx, authz.Actor{UserID: admin.UserID, Set: authz.NormalUser}, id, privacy.ModeDelete, "Xaverine Quappendorf"); err != authz.ErrForbidden {
		t.Fatalf("normal user: %v", err)
	}
	if err := svc.Erase(ctx, admin, id, "shred", "Xaverine Quappendorf"); err == nil {
		t.Fatal("unknown mode accepted")
	}
	if err := svc.Erase(ctx, admin, id, privacy.ModeDelete, "  xaverine   quappendorf "); err != nil {
		t.Fatal(err)
	}
	if left := traces(t, db, words...); len(left) > 0 {
		t.Errorf("personal data left after erasure: %v", left)
	}
	if left := traces(t, db, "Otto", "otto@example.org"); len(left) == 0 {
		t.Error("the other member's data went too")
	}
	// Recorded: the deletion is in the trail, as made by the admin,
	// reduced to "member erased"; the chain holds.
	var actor string
	var redacted bool
	if err := db.QueryRow(ctxb, `SELECT actor, redacted FROM audit_log WHERE entity = 'members' AND action = 'delete' AND entity_id = $1`, id).Scan(&actor, &redacted); err != nil {
		t.Fatal(err)
	}
	if actor != admin.Email || !redacted {
		t.Errorf("erasure entry: actor %q redacted %v", actor, redacted)
	}
	rep, err := audit.Verify(ctxb, db)
	if err != nil || rep.Broken != nil || rep.Redacted == 0 {
		t.Fatalf("chain after erasure: %+v %v", rep, err)
	}
	if err := svc.Erase(ctx, admin, id, privacy.ModeDelete, "Xaverine Quappendorf"); err != privacy.ErrNotFound {
		t.Errorf("second erasure: %v", err)
	}
}

// statistics are the figures anonymisation must keep.
func statistics(t *testing.T, db *pgxpool.Pool) string {
	t.Helper()
	var s string
	err := db.QueryRow(ctxb, `SELECT concat_ws(' | ',
		(SELECT count(*) FROM members),
		(SELECT string_agg(join_date::text || '/' || coalesce(exit_date::text, '-'), ',' ORDER BY join_date, exit_date) FROM members),
		(SELECT string_agg(g.slug || '=' || g.member_count || '/' || (SELECT count(*) FROM member_groups mg WHERE mg.group_id = g.id), ',' ORDER BY g.slug) FROM groups g),
		(SELECT string_agg(left(v.value, 4), ',' ORDER BY v.value) FROM custom_field_values v JOIN custom_fields f ON f.id = v.custom_field_id WHERE f.value_type = 'date'),
		(SELECT string_agg(r.name || '=' || (SELECT count(*) FROM users u WHERE u.role_id = r.id), ',' ORDER BY r.name) FROM roles r))`).Scan(&s)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestAnonymiseKeepsStatistics(t *testing.T) {
	db := testpg.New(t)
	id := seedFull(t, db, "Xaverine", "Quappendorf", "xq@example.org")
	seedFull(t, db, "Otto", "Anders", "otto@example.org")
	ctx := pg.WithActor(ctxb, pg.Actor{Label: "seed"})
	// A birth date: the year stays.
	if _, err := pg.Exec(ctx, db, `WITH f AS (INSERT INTO custom_fields (name, slug, value_type) VALUES ('Geburtsdatum', 'geburtsdatum', 'date') RETURNING id)
		INSERT INTO custom_field_values (member_id, custom_field_id, value) SELECT m.id, f.id, '1987-04-23' FROM members m, f`); err != nil {
		t.Fatal(err)
	}
	before := statistics(t, db)
	admin := eraseAdmin(t, db)
	if err := (privacy.Service{DB: db}).Erase(pg.WithActor(ctxb, pg.Actor{UserID: admin.UserID, Label: admin.Email}), admin, id, privacy.ModeAnonymise, "Xaverine Quappendorf"); err != nil {
		t.Fatal(err)
	}
	if after := statistics(t, db); after != before {
		t.Errorf("statistics changed:\nbefore %s\nafter  %s", before, after)
	}
	if left := traces(t, db, "Xaverine", "Quappendorf", "xq@example.org", "Spitz Xaverine"); len(left) > 0 {
		t.Errorf("personal data left after anonymisation: %v", left)
	}
	var first string
	var exit *string
	if err := db.QueryRow(ctxb, `SELECT first_name, exit_date::text FROM members WHERE id = $1`, id).Scan(&first, &exit); err != nil {
		t.Fatal(err)
	}
	if first != "Anonym" || exit == nil || *exit != "2010-06-30" {
		t.Errorf("anonymised member: %q exit %v", first, exit)
	}
	// Contact data gone, the birth date reduced to its year.
	var street, birth string
	if err := db.QueryRow(ctxb, `SELECT m.street, v.value FROM members m JOIN custom_field_values v ON v.member_id = m.id
		JOIN custom_fields f ON f.id = v.custom_field_id AND f.slug = 'geburtsdatum' WHERE m.id = $1`, id).Scan(&street, &birth); err != nil {
		t.Fatal(err)
	}
	if street != "" || birth != "1987-01-01" {
		t.Errorf("street %q, birth date %q", street, birth)
	}
	if rep, err := audit.Verify(ctxb, db); err != nil || rep.Broken != nil {
		t.Fatalf("chain: %+v %v", rep, err)
	}
}

// TestAnonymiseCustomValues: anonymisation removes the custom values
// that can identify the person — free text, email, any value of a field
// marked unique (a membership number) — and keeps those that cannot:
// choice and multiple-choice values (categories the club defined),
// yes/no and numbers; another member's values stay untouched.
func TestAnonymiseCustomValues(t *testing.T) {
	db := testpg.New(t)
	id := seedFull(t, db, "Xaverine", "Quappendorf", "xq@example.org")
	other := seedFull(t, db, "Otto", "Anders", "otto@example.org")
	ctx := pg.WithActor(ctxb, pg.Actor{Label: "seed"})
	if err := pg.InTx(ctx, db, func(tx pgx.Tx) error {
		for _, q := range []string{
			`INSERT INTO custom_fields (name, slug, value_type) VALUES ('Beruf', 'beruf', 'string'), ('Zweitadresse', 'zweitadresse', 'email'),
			  ('Trikot', 'trikot', 'choice'), ('Kurse', 'kurse', 'multichoice'), ('Schwimmer', 'schwimmer', 'boolean'), ('Schuhgröße', 'schuhgroesse', 'integer')`,
			`INSERT INTO custom_fields (name, slug, value_type, unique_values) VALUES ('Mitgliedsnummer', 'mitgliedsnummer', 'integer', true)`,
			`INSERT INTO custom_field_options (custom_field_id, label, position)
			  SELECT f.id, o.label, o.pos FROM custom_fields f, (VALUES ('S', 1), ('M', 2), ('L', 3)) o (label, pos) WHERE f.slug = 'trikot'
			  UNION ALL
			  SELECT f.id, o.label, o.pos FROM custom_fields f, (VALUES ('Yoga', 1), ('Tanz', 2)) o (label, pos) WHERE f.slug = 'kurse'`,
			`INSERT INTO custom_field_values (member_id, custom_field_id, value)
			  SELECT m.id, f.id, CASE f.slug WHEN 'beruf' THEN 'Bootsbauerin ' || m.first_name WHEN 'zweitadresse' THEN lower(m.first_name) || '@zweit.example.org'
			    WHEN 'trikot' THEN 'M' WHEN 'kurse' THEN 'Yoga, Tanz' WHEN 'schwimmer' THEN 'true' WHEN 'schuhgroesse' THEN '38'
			    WHEN 'mitgliedsnummer' THEN CASE WHEN m.first_name = 'Otto' THEN '1002' ELSE '1001' END END
			  FROM members m, custom_fields f WHERE f.slug IN ('beruf', 'zweitadresse', 'trikot', 'kurse', 'schwimmer', 'schuhgroesse', 'mitgliedsnummer')`,
		} {
			if _, err := tx.Exec(ctx, q); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	values := func(member string) string {
		t.Helper()
		var s string
		if err := db.QueryRow(ctxb, `SELECT coalesce(string_agg(f.slug || '=' || v.value, '; ' ORDER BY f.slug), '') FROM custom_field_values v
			JOIN custom_fields f ON f.id = v.custom_field_id WHERE v.member_id = $1 AND f.slug NOT LIKE 'spitz-%'`, member).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	all := "beruf=Bootsbauerin Xaverine; kurse=Yoga, Tanz; mitgliedsnummer=1001; schuhgroesse=38; schwimmer=true; trikot=M; zweitadresse=xaverine@zweit.example.org"
	if got := values(id); got != all {
		t.Fatalf("seeded values %q, want %q", got, all)
	}
	otherBefore := values(other)
	admin := eraseAdmin(t, db)
	if err := (privacy.Service{DB: db}).Erase(pg.WithActor(ctxb, pg.Actor{UserID: admin.UserID, Label: admin.Email}), admin, id, privacy.ModeAnonymise, "Xaverine Quappendorf"); err != nil {
		t.Fatal(err)
	}
	if got, want := values(id), "kurse=Yoga, Tanz; schuhgroesse=38; schwimmer=true; trikot=M"; got != want {
		t.Errorf("values after anonymisation %q, want %q", got, want)
	}
	if got := values(other); got != otherBefore {
		t.Errorf("another member's values changed: %q, was %q", got, otherBefore)
	}
	if left := traces(t, db, "Bootsbauerin Xaverine", "xaverine@zweit.example.org"); len(left) > 0 {
		t.Errorf("free-text values left after anonymisation: %v", left)
	}
}
