package reliability

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"mila/internal/accounts"
	"mila/internal/authz"
	"mila/internal/membership"
	"mila/internal/pg"
	"mila/internal/testpg"
)

// The commands of docs/OPERATIONS.md, word for word. The tests run them
// through /bin/sh with MILA_DATA_DIR / DATABASE_URL set, so a change to
// the documented procedure must change these (and pass) too.
const (
	docBackupManaged = `pg_dump -h "$MILA_DATA_DIR/run" -U postgres -d mila -Fc -f mila.dump`
	docEmptyManaged  = `psql -h "$MILA_DATA_DIR/run" -U postgres -d postgres -v ON_ERROR_STOP=1 -c 'DROP DATABASE mila WITH (FORCE)' -c 'CREATE DATABASE mila'`
	docRestoreManged = `pg_restore -h "$MILA_DATA_DIR/run" -U postgres -d mila --no-owner --no-acl --exit-on-error mila.dump`

	docBackupExternal  = `pg_dump "$DATABASE_URL" -Fc -f mila.dump`
	docRestoreExternal = `pg_restore -d "$DATABASE_URL" --no-owner --no-acl --exit-on-error mila.dump`
)

// TestBackupRestoreManaged follows docs/OPERATIONS.md for the managed
// PostgreSQL: data is made in one data directory under a running Mila,
// dumped with the documented pg_dump, restored into a brand-new data
// directory with the documented steps, and Mila started on it. Every
// member, custom field value, group, membership, role and user must come
// back exactly (all columns, including the trigger-maintained ones).
func TestBackupRestoreManaged(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	scratch := scratchDir(t)
	work := filepath.Join(scratch, "work") // where the operator stands; holds mila.dump
	if err := os.Mkdir(work, 0o700); err != nil {
		t.Fatal(err)
	}
	oldDir := filepath.Join(scratch, "old")
	newDir := filepath.Join(scratch, "new")

	// The club's Mila, with data in it.
	old := startMila(t, nil, "--data-dir", oldDir)
	oldDB := managedPool(t, oldDir)
	fillClubData(t, oldDB)
	want := snapshot(t, oldDB)
	oldDB.Close()

	// Backup while Mila runs.
	runDoc(t, work, "MILA_DATA_DIR="+oldDir, docBackupManaged)
	old.stop(t)

	// Restore into a fresh data directory: Mila creates the cluster, the
	// database is replaced by the dump, and Mila is started again normally.
	fresh := startMila(t, nil, "--data-dir", newDir)
	runDoc(t, work, "MILA_DATA_DIR="+newDir, docEmptyManaged)
	runDoc(t, work, "MILA_DATA_DIR="+newDir, docRestoreManged)
	fresh.stop(t)

	restored := startMila(t, nil, "--data-dir", newDir)
	waitReady(t, restored.URL)
	newDB := managedPool(t, newDir)
	compareSnapshots(t, want, snapshot(t, newDB))
	if err := membership.CheckGroupConsistency(ctx, newDB); err != nil {
		t.Fatal(err)
	}
	// The restored Mila works with the restored accounts and data.
	c := signedInClient(t, restored.URL)
	res, err := c.Get(restored.URL + "/groups/vorstand")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /groups/vorstand on the restored Mila: %d", res.StatusCode)
	}
	newDB.Close()
	restored.stop(t)
}

// TestBackupRestoreExternal follows docs/OPERATIONS.md for a PostgreSQL
// named by DATABASE_URL: dump one database, restore into an empty one
// owned by an ordinary (not superuser) role, as on a hosted server.
func TestBackupRestoreExternal(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	src := testpg.New(t)
	fillClubData(t, src)
	want := snapshot(t, src)

	// The documented preparation on the new server, done as its superuser:
	// CREATE ROLE mila LOGIN PASSWORD '...'; CREATE DATABASE mila OWNER mila;
	role := "mila_restore_" + testpg.DBName(src)
	dbName := role + "_db"
	for _, sql := range []string{
		"CREATE ROLE " + role + " LOGIN",
		"CREATE DATABASE " + dbName + " OWNER " + role,
	} {
		if _, err := src.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	cfg := src.Config().ConnConfig
	dstURL := fmt.Sprintf("postgres://%s@/%s?host=%s&port=%d&sslmode=disable", role, dbName, cfg.Host, cfg.Port)
	dst, err := pgxpool.New(ctx, dstURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		dst.Close()
		for _, sql := range []string{"DROP DATABASE IF EXISTS " + dbName + " WITH (FORCE)", "DROP ROLE IF EXISTS " + role} {
			if _, err := src.Exec(context.Background(), sql); err != nil {
				t.Errorf("%s: %v", sql, err)
			}
		}
	})

	work := t.TempDir()
	runDoc(t, work, "DATABASE_URL="+testpg.ConnString(t, src), docBackupExternal)
	runDoc(t, work, "DATABASE_URL="+dstURL, docRestoreExternal)
	var super bool
	if err := dst.QueryRow(ctx, `SELECT rolsuper FROM pg_roles WHERE rolname = current_user`).Scan(&super); err != nil || super {
		t.Fatalf("the restore should have run as an ordinary role (superuser %v, %v)", super, err)
	}

	compareSnapshots(t, want, snapshot(t, dst))
	if err := pg.MigrationsCurrent(context.Background(), dst); err != nil {
		t.Fatalf("the restored database is not at the current migration: %v", err)
	}
	if err := membership.CheckGroupConsistency(context.Background(), dst); err != nil {
		t.Fatal(err)
	}
}

// runDoc runs one documented shell command in dir with env added.
func runDoc(t *testing.T, dir, env, command string) {
	t.Helper()
	cmd := exec.Command("/bin/sh", "-c", command)
	cmd.Dir = dir
	cmd.Env = append(cleanEnv(), env)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s\n(with %s): %v\n%s", command, env, err, out)
	}
}

// managedPool connects to the managed cluster's mila database the way the
// documentation tells an operator to (socket in <data dir>/run).
func managedPool(t *testing.T, dataDir string) *pgxpool.Pool {
	t.Helper()
	url := fmt.Sprintf("postgres://postgres@/%s?host=%s&port=5432&sslmode=disable", pg.DatabaseName, filepath.Join(dataDir, "run"))
	pool, err := pgxpool.New(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// fillClubData makes a small club: members with accents and empty fields,
// custom fields of several types with values, groups and memberships made
// through the domain (so the triggers have maintained every counter), and
// an admin user.
func fillClubData(t *testing.T, db *pgxpool.Pool) {
	t.Helper()
	ctx := context.Background()
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := db.Exec(ctx, sql, args...); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	exec(`INSERT INTO members (first_name, last_name, email, phone, street, house_number, postal_code, city, country, join_date, exit_date, notes)
		SELECT (ARRAY['Jürgen','Zoë','Łukasz','Ann-Marie','Straße'])[1 + i % 5] || i,
		       (ARRAY['Müller','O''Brien','Nguyễn','van der Berg','Groß'])[1 + i % 5],
		       CASE WHEN i % 7 = 0 THEN NULL ELSE 'm' || i || '@example.org' END,
		       CASE WHEN i % 3 = 0 THEN '+49 30 ' || i ELSE '' END,
		       'Hauptstraße', i::text, '1' || lpad(i::text, 4, '0'), 'Köln', 'Deutschland',
		       DATE '2001-01-01' + i, CASE WHEN i % 11 = 0 THEN DATE '2025-12-31' END,
		       CASE WHEN i % 4 = 0 THEN E'Notiz mit\nZeilenumbruch und "Zitat" <b>' || i ELSE '' END
		  FROM generate_series(1, 300) i`)
	exec(`INSERT INTO custom_fields (name, slug, value_type, required, show_in_overview, description, position) VALUES
		('Mitgliedsnummer', 'mitgliedsnummer', 'integer', false, true, 'Nummer aus dem alten Register', 1),
		('Stimmlage', 'stimmlage', 'string', false, false, '', 2),
		('Geprüft am', 'gepruft-am', 'date', false, false, '', 3),
		('Lastschrift', 'lastschrift', 'boolean', false, false, '', 4)`)
	exec(`INSERT INTO custom_field_values (member_id, custom_field_id, value)
		SELECT m.id, f.id, CASE f.value_type
		         WHEN 'integer' THEN (row_number() OVER (PARTITION BY f.id ORDER BY m.id))::text
		         WHEN 'string' THEN (ARRAY['Sopran','Alt','Tenor','Bass'])[1 + (row_number() OVER (PARTITION BY f.id ORDER BY m.id)) % 4]
		         WHEN 'date' THEN '2024-05-0' || (1 + (row_number() OVER (PARTITION BY f.id ORDER BY m.id)) % 9)
		         ELSE CASE WHEN m.email IS NULL THEN 'false' ELSE 'true' END END
		  FROM members m CROSS JOIN custom_fields f
		 WHERE get_byte(uuid_send(m.id), 15) % 3 <> 0`)

	admin := authz.Actor{UserID: "backup-test", Set: authz.Admin}
	groups := membership.NewGroups(db)
	var ids []string
	if err := db.QueryRow(ctx, `SELECT array_agg(id::text ORDER BY id) FROM members`).Scan(&ids); err != nil {
		t.Fatal(err)
	}
	for i, name := range []string{"Vorstand", "Jugend & Nachwuchs", "Chor", "Übungsleiter", "Leer"} {
		g, err := groups.CreateGroup(ctx, admin, membership.GroupInput{Name: name, Description: "Gruppe " + name})
		if err != nil {
			t.Fatal(err)
		}
		var members []string
		for j, id := range ids {
			if name != "Leer" && j%(i+2) == 0 {
				members = append(members, id)
			}
		}
		if len(members) > 0 {
			if _, err := groups.AddMembersToGroup(ctx, admin, g.ID, members); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := accounts.New(db).CreateOrResetAdmin(ctx, adminEmail, adminPassword); err != nil {
		t.Fatal(err)
	}
}

// snapshotTables are compared row by row, every column.
var snapshotTables = []string{"members", "custom_fields", "custom_field_values", "groups", "member_groups", "roles", "users"}

// snapshot returns each table's rows as text, in id order.
func snapshot(t *testing.T, db *pgxpool.Pool) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, table := range snapshotTables {
		rows, err := db.Query(context.Background(), `SELECT t::text FROM `+table+` t ORDER BY t.id`)
		if err != nil {
			t.Fatalf("snapshot %s: %v", table, err)
		}
		out[table], err = pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatalf("snapshot %s: %v", table, err)
		}
	}
	return out
}

func compareSnapshots(t *testing.T, want, got map[string][]string) {
	t.Helper()
	for _, table := range snapshotTables {
		w, g := want[table], got[table]
		if len(w) == 0 && table != "roles" && table != "users" {
			t.Fatalf("test data has no %s", table)
		}
		if len(w) != len(g) {
			t.Errorf("%s: %d rows before the backup, %d after the restore", table, len(w), len(g))
			continue
		}
		for i := range w {
			if w[i] != g[i] {
				t.Errorf("%s row %d differs:\nbefore: %s\nafter:  %s", table, i, w[i], g[i])
				break
			}
		}
		t.Logf("%s: %d rows restored identically", table, len(g))
	}
	if strings.Join(want["groups"], "") == "" {
		t.Fatal("no groups in the snapshot")
	}
}
