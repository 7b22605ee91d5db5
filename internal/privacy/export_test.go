package privacy_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"mila/internal/authz"
	"mila/internal/pg"
	"mila/internal/privacy"
	"mila/internal/testpg"
)

var ctxb = context.Background()

var admin = authz.Actor{UserID: "00000000-0000-7000-8000-000000000001", Set: authz.Admin}

// memberTables lists the tables referencing members: a foreign key to
// members, or a member id column (member_id, or member_ids for the
// audit trail).
func memberTables(t *testing.T, db *pgxpool.Pool) []string {
	t.Helper()
	rows, err := db.Query(ctxb, `
		SELECT DISTINCT c.conrelid::regclass::text FROM pg_constraint c
		 WHERE c.contype = 'f' AND c.confrelid = 'members'::regclass
		UNION
		SELECT table_name::text FROM information_schema.columns
		 WHERE table_schema = current_schema() AND column_name IN ('member_id', 'member_ids')
		   AND table_name IN (SELECT tablename FROM pg_tables WHERE schemaname = current_schema())
		UNION SELECT 'members'
		ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Every table that references members is exported or deliberately
// excluded: a new table cannot be forgotten.
func TestExportCoversEveryMemberTable(t *testing.T) {
	db := testpg.New(t)
	for _, tb := range memberTables(t, db) {
		_, exported := privacy.Sections[tb]
		_, excluded := privacy.ExportExcluded[tb]
		if exported == excluded {
			t.Errorf("table %s references members: add it to the access export (privacy.Sections and Export) or to privacy.ExportExcluded with a reason", tb)
		}
	}
}

// seedFull creates a member with a value, a membership, a linked user,
// an import row and audit entries, and returns its id.
func seedFull(t *testing.T, db *pgxpool.Pool, first, last, email string) string {
	t.Helper()
	ctx := pg.WithActor(ctxb, pg.Actor{Label: "seed"})
	var id string
	err := pg.InTx(ctx, db, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO members (first_name, last_name, email, street, city, notes, join_date, exit_date)
			VALUES ($1, $2, $3, 'Hauptstraße 1', 'Kiel', 'Notiz über '||$1, '2001-05-01', '2010-06-30') RETURNING id`, first, last, email).Scan(&id); err != nil {
			return err
		}
		var field, group, role string
		if err := tx.QueryRow(ctx, `INSERT INTO custom_fields (name, slug, value_type) VALUES ('Spitzname '||left(md5($1), 6), 'spitz-'||left(md5($1), 6), 'string') RETURNING id`, first).Scan(&field); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO custom_field_values (member_id, custom_field_id, value) VALUES ($1, $2, 'Spitz '||$3)`, id, field, first); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `INSERT INTO groups (name, slug) VALUES ('Chor '||left(md5($1), 6), 'chor-'||left(md5($1), 6)) RETURNING id`, first).Scan(&group); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO member_groups (member_id, group_id) VALUES ($1, $2)`, id, group); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT id FROM roles WHERE system_key = 'member'`).Scan(&role); err != nil {
			return err
		}
		// The account exists before it is linked (as in the app).
		if _, err := tx.Exec(ctx, `INSERT INTO users (email, password_hash, role_id) VALUES ($1, 'argon2id$hash', $2)`, email, role); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET member_id = $2 WHERE email = $1`, email, id); err != nil {
			return err
		}
		var batch string
		if err := tx.QueryRow(ctx, `INSERT INTO import_batches (file_name, actor_name, spec, state) VALUES ('liste.csv', 'admin', '{}', 'done') RETURNING id`).Scan(&batch); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO import_rows (batch_id, line, status, member_id, cells) VALUES ($1, 2, 'update', $2, ARRAY[$3, $4, $5])`, batch, id, first, last, email); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO import_batch_members (batch_id, member_id, created, version, old_member) VALUES ($1, $2, false, 1, jsonb_build_object('first_name', $3::text, 'email', $4::text))`, batch, id, first, email); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO import_batch_memberships (batch_id, member_id, group_id) VALUES ($1, $2, $3)`, batch, id, group)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pg.Exec(ctx, db, `UPDATE members SET phone = '0431 999' WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	return id
}

// The export holds every row about the member in every exported table,
// and nothing about anyone else; no secrets.
func TestExportHoldsEveryRow(t *testing.T) {
	db := testpg.New(t)
	id := seedFull(t, db, "Erika", "Muster", "erika@example.org")
	other := seedFull(t, db, "Otto", "Anders", "otto@example.org")
	ex, err := privacy.Service{DB: db}.Export(ctxb, admin, id)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(ex)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	counts := map[string]string{
		"custom_values":      `SELECT count(*) FROM custom_field_values WHERE member_id = $1`,
		"memberships":        `SELECT count(*) FROM member_groups WHERE member_id = $1`,
		"import_rows":        `SELECT count(*) FROM import_rows WHERE member_id = $1`,
		"import_batches":     `SELECT count(*) FROM import_batch_members WHERE member_id = $1`,
		"import_memberships": `SELECT count(*) FROM import_batch_memberships WHERE member_id = $1`,
		"audit":              `SELECT count(*) FROM audit_log WHERE member_ids @> ARRAY[$1::uuid]`,
	}
	for table, section := range privacy.Sections {
		if _, ok := doc[section]; !ok {
			t.Errorf("table %s: section %q missing from the export", table, section)
		}
	}
	for section, q := range counts {
		var want int
		if err := db.QueryRow(ctxb, q, id).Scan(&want); err != nil {
			t.Fatal(err)
		}
		var got []json.RawMessage
		if err := json.Unmarshal(doc[section], &got); err != nil {
			t.Fatalf("%s: %v", section, err)
		}
		if len(got) != want || want == 0 {
			t.Errorf("section %s: %d rows, the database holds %d", section, len(got), want)
		}
	}
	s := string(b)
	for _, want := range []string{"Erika", "Hauptstraße 1", "Spitz Erika", "Chor ", "erika@example.org", "liste.csv", "0431 999", privacy.SchemaVersion} {
		if !strings.Contains(s, want) {
			t.Errorf("export lacks %q", want)
		}
	}
	for _, not := range []string{"Otto", "otto@", other, "argon2id", "search_vector"} {
		if strings.Contains(s, not) {
			t.Errorf("export contains %q", not)
		}
	}
}

func TestExportPermission(t *testing.T) {
	db := testpg.New(t)
	id := seedFull(t, db, "Erika", "Muster", "erika@example.org")
	self := authz.Actor{UserID: "00000000-0000-7000-8000-000000000002", Set: authz.OwnData, MemberID: id}
	board := authz.Actor{UserID: "00000000-0000-7000-8000-000000000003", Set: authz.NormalUser}
	svc := privacy.Service{DB: db}
	if _, err := svc.Export(ctxb, self, id); err != nil {
		t.Errorf("the member themself: %v", err)
	}
	for _, a := range []authz.Actor{board, authz.Anonymous, {UserID: self.UserID, Set: authz.OwnData, MemberID: "00000000-0000-7000-8000-000000000009"}} {
		if _, err := svc.Export(ctxb, a, id); err != privacy.ErrNotFound {
			t.Errorf("%+v: %v, want not found", a, err)
		}
	}
}
