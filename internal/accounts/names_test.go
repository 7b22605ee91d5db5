package accounts

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"mila/internal/authz"
	"mila/internal/pg"
	"mila/internal/testpg"
)

// familyVersion is the migration of shared member emails and user names.
const familyVersion = 26

// TestFamilyMigrationWithData migrates a register with users — one linked
// to a member, two not — and two members who could not share an address
// before: up gives every user a name (the member's, else the part of the
// email before the @) and lets a second member take an address; down
// refuses while two members share one, and works once they do not.
func TestFamilyMigrationWithData(t *testing.T) {
	ctx := context.Background()
	pool := testpg.NewEmpty(t)
	db := stdlib.OpenDBFromPool(pool)
	defer db.Close()
	p, err := goose.NewProvider(goose.DialectPostgres, db, pg.Migrations(), goose.WithTableName("goose_db_version"))
	if err != nil {
		t.Fatal(err)
	}
	var before int64
	for _, s := range p.ListSources() {
		if s.Version < familyVersion && s.Version > before {
			before = s.Version
		}
	}
	if _, err := p.UpTo(ctx, before); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`
		INSERT INTO members (first_name, last_name, email, join_date) VALUES
		  ('Anna', 'Linke', 'anna@example.org', '2020-01-01'),
		  ('Ben', 'Linke', 'ben@example.org', '2020-01-01');
		INSERT INTO users (email, role_id, member_id) VALUES
		  ('anna@example.org', (SELECT id FROM roles WHERE system_key = 'member'), (SELECT id FROM members WHERE first_name = 'Anna')),
		  ('kassenwart.mueller@example.org', (SELECT id FROM roles WHERE system_key = 'treasurer'), NULL),
		  ('x@example.org', (SELECT id FROM roles WHERE system_key = 'admin'), NULL);`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE members SET email = 'anna@example.org' WHERE first_name = 'Ben'`); err == nil {
		t.Fatal("two members shared an address before the migration")
	}

	if _, err := p.UpTo(ctx, familyVersion); err != nil {
		t.Fatal(err)
	}
	names := func() string {
		t.Helper()
		var s string
		if err := db.QueryRow(`SELECT string_agg(email || '=' || user_display_name(member_id, display_name), ', ' ORDER BY email) FROM users`).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	if got, want := names(), "anna@example.org=Anna Linke, kassenwart.mueller@example.org=kassenwart.mueller, x@example.org=x"; got != want {
		t.Errorf("names after up = %q, want %q", got, want)
	}
	var stored *string
	if err := db.QueryRow(`SELECT display_name FROM users WHERE email = 'anna@example.org'`).Scan(&stored); err != nil || stored != nil {
		t.Errorf("a linked user's name was copied: %v %v", stored, err)
	}
	// A name is required of a user without a member; the trigger gives
	// one made from the address to a user made without (mila admin create).
	if _, err := db.Exec(`UPDATE users SET display_name = '  ' WHERE email = 'x@example.org'`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO users (email, role_id) VALUES ('neu@example.org', (SELECT id FROM roles WHERE system_key = 'board'))`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`ALTER TABLE users DISABLE TRIGGER users_name_keep; UPDATE users SET display_name = NULL WHERE email = 'x@example.org'`); err == nil {
		t.Error("a user without member and name was stored")
	}
	if _, err := db.Exec(`ALTER TABLE users ENABLE TRIGGER users_name_keep`); err != nil {
		t.Fatal(err)
	}
	if got, want := names(), "anna@example.org=Anna Linke, kassenwart.mueller@example.org=kassenwart.mueller, neu@example.org=neu, x@example.org=x"; got != want {
		t.Errorf("names = %q, want %q", got, want)
	}
	// Deleting the member leaves the user the member's name.
	if _, err := db.Exec(`DELETE FROM members WHERE first_name = 'Anna'`); err != nil {
		t.Fatal(err)
	}
	if got, want := names(), "anna@example.org=Anna Linke, kassenwart.mueller@example.org=kassenwart.mueller, neu@example.org=neu, x@example.org=x"; got != want {
		t.Errorf("names after deleting the member = %q, want %q", got, want)
	}
	// Two members share an address now.
	if _, err := db.Exec(`INSERT INTO members (first_name, last_name, email, join_date) VALUES ('Anna', 'Linke', 'Ben@example.org', '2020-01-01')`); err != nil {
		t.Fatalf("a shared address after up: %v", err)
	}

	if _, err := p.DownTo(ctx, before); err == nil {
		t.Fatal("down went through while two members share an address")
	}
	if _, err := db.Exec(`UPDATE members SET email = NULL WHERE email = 'Ben@example.org'`); err != nil {
		t.Fatal(err)
	}
	if _, err := p.DownTo(ctx, before); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'display_name'`).Scan(&n); err != nil || n != 0 {
		t.Errorf("display_name after down: %d %v", n, err)
	}
	if _, err := db.Exec(`UPDATE members SET email = 'ben@example.org' WHERE email IS NULL`); err == nil {
		t.Error("members share an address after down")
	}
	if _, err := p.UpTo(ctx, familyVersion); err != nil {
		t.Fatalf("up again: %v", err)
	}
}

// TestUserNames: a new user needs a name; ChangeName renames an unlinked
// user (admin only) and refuses for a linked one, whose name is the
// member's; the actor carries the name.
func TestUserNames(t *testing.T) {
	s, db := newService(t)
	ctx := context.Background()
	admin := mkUser(t, s, authz.Admin, "admin@example.org")
	_, _, err := s.CreateUser(ctx, admin, NewUser{Name: " ", Email: "n@example.org", RoleID: roleID(t, s, SystemBoard), Password: "long enough pw"})
	if fieldErr(err, "name") == "" {
		t.Fatalf("no name: %v", err)
	}
	u, _, err := s.CreateUser(ctx, admin, NewUser{Name: " Nina Neu ", Email: "n@example.org", RoleID: roleID(t, s, SystemBoard), Password: "long enough pw"})
	if err != nil || u.Name != "Nina Neu" || u.OwnName != "Nina Neu" {
		t.Fatalf("created %+v, %v", u, err)
	}
	a, err := s.ActorForUser(ctx, u.ID)
	if err != nil || a.Name != "Nina Neu" {
		t.Fatalf("actor %+v, %v", a, err)
	}
	if err := s.ChangeName(ctx, a, u.ID, "Selbst"); err == nil {
		t.Error("a board user renamed themselves through the admin action")
	}
	if err := s.ChangeName(ctx, admin, u.ID, "Nina Alt"); err != nil {
		t.Fatal(err)
	}
	var mid string
	if err := db.QueryRow(ctx, `INSERT INTO members (first_name, last_name, join_date) VALUES ('Nina', 'Mitglied', '2020-01-01') RETURNING id`).Scan(&mid); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(ctx, `UPDATE users SET member_id = $2 WHERE id = $1`, u.ID, mid); err != nil {
		t.Fatal(err)
	}
	if fieldErr(s.ChangeName(ctx, admin, u.ID, "Anders"), "name") != MsgUserNameFromMember {
		t.Error("a linked user was renamed")
	}
	got, _ := s.GetUser(ctx, admin, u.ID)
	if got.Name != "Nina Mitglied" || got.OwnName != "" {
		t.Errorf("linked: %+v", got)
	}
}
