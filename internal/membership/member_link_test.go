package membership

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"mila/internal/authz"
	"mila/internal/validate"
)

func memberTestUser(t *testing.T, db *pgxpool.Pool, email string) string {
	t.Helper()
	var id string
	if err := db.QueryRow(context.Background(), `INSERT INTO users (email, role_id)
		VALUES ($1, (SELECT id FROM roles WHERE system_key = 'member')) RETURNING id`, email).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

func memberTestUserEmail(t *testing.T, db *pgxpool.Pool, id string) (email string, member *string) {
	t.Helper()
	if err := db.QueryRow(context.Background(), `SELECT email::text, member_id::text FROM users WHERE id = $1`, id).Scan(&email, &member); err != nil {
		t.Fatal(err)
	}
	return email, member
}

func TestMemberLinkUser(t *testing.T) {
	s, db := memberTestStore(t)
	ctx := context.Background()
	m := memberTestCreate(t, s, MemberInput{FirstName: "Anna", LastName: "Ahrens", Email: "alt@example.org"})
	other := memberTestCreate(t, s, MemberInput{FirstName: "Bernd", LastName: "Bauer", Email: "bernd@example.org"})
	u := memberTestUser(t, db, "anna@example.org")
	u2 := memberTestUser(t, db, "zweite@example.org")
	memberTestUser(t, db, "bernd@example.org") // same email as member Bernd

	if err := s.LinkUser(ctx, memberTestTreasurer, m.ID, u); !errors.Is(err, authz.ErrForbidden) {
		t.Fatalf("treasurer links: %v", err)
	}
	opts, err := s.LinkableUsers(ctx, memberTestAdmin)
	if err != nil || len(opts) != 3 {
		t.Fatalf("linkable users: %v %v", opts, err)
	}
	if err := s.LinkUser(ctx, memberTestAdmin, m.ID, u); err != nil {
		t.Fatal(err)
	}
	// The user's email became the member's; the old one is kept in the
	// notes (a version for the note, one for the new email).
	got, _ := s.Get(ctx, memberTestAdmin, m.ID)
	if got.Email != "anna@example.org" || got.UserID != u || got.Version != m.Version+2 {
		t.Fatalf("after link: %+v", got)
	}
	if want := "Previous email until " + time.Now().Format("2006-01-02") + ": alt@example.org"; got.Notes != want {
		t.Fatalf("notes after link = %q, want %q", got.Notes, want)
	}
	if opts, _ := s.LinkableUsers(ctx, memberTestAdmin); len(opts) != 2 {
		t.Fatalf("linked user still offered: %v", opts)
	}
	// Linking again is a no-op; a second user or a second member is refused.
	if err := s.LinkUser(ctx, memberTestAdmin, m.ID, u); err != nil {
		t.Fatalf("link again: %v", err)
	}
	memberTestWantField(t, s.LinkUser(ctx, memberTestAdmin, m.ID, u2), "user_id", ErrMemberAlreadyLinked)
	memberTestWantField(t, s.LinkUser(ctx, memberTestAdmin, other.ID, u), "user_id", ErrMemberUserLinked)
	memberTestWantField(t, s.LinkUser(ctx, memberTestAdmin, other.ID, "0190a000-0000-7000-8000-00000000ffff"), "user_id", validate.NotFound)
	memberTestWantField(t, s.LinkUser(ctx, memberTestAdmin, other.ID, "junk"), "user_id", validate.NotFound)
	if err := s.LinkUser(ctx, memberTestAdmin, "0190a000-0000-7000-8000-00000000ffff", u2); !errors.Is(err, ErrNotFound) {
		t.Fatalf("link to unknown member: %v", err)
	}
	// A user whose email another member has can be linked to a third
	// member (a household): both members then have the address, and the
	// third, who had none, needs no note.
	third := memberTestCreate(t, s, MemberInput{FirstName: "Carla", LastName: "Christ"})
	var berndUser string
	if err := db.QueryRow(ctx, `SELECT id FROM users WHERE email = 'bernd@example.org'`).Scan(&berndUser); err != nil {
		t.Fatal(err)
	}
	if err := s.LinkUser(ctx, memberTestAdmin, third.ID, berndUser); err != nil {
		t.Fatalf("link to a member sharing the address: %v", err)
	}
	if c, _ := s.Get(ctx, memberTestAdmin, third.ID); c.Email != "bernd@example.org" || c.Notes != "" || c.UserID != berndUser {
		t.Fatalf("third after link: %+v", c)
	}

	// Changing the linked member's email changes the user's.
	got, err = s.Update(ctx, memberTestAdmin, m.ID, MemberInput{FirstName: "Anna", LastName: "Ahrens", Email: "Anna.Neu@example.org", Version: got.Version})
	if err != nil {
		t.Fatal(err)
	}
	if email, _ := memberTestUserEmail(t, db, u); email != "Anna.Neu@example.org" {
		t.Fatalf("user email after member change: %s", email)
	}
	// Refused when another user has it, and nothing changes.
	_, err = s.Update(ctx, memberTestAdmin, m.ID, MemberInput{FirstName: "Anna", LastName: "Ahrens", Email: "ZWEITE@example.org", Version: got.Version})
	memberTestWantField(t, err, "email", ErrMemberUserEmailTaken)
	// A linked member needs an email (the user signs in with it).
	_, err = s.Update(ctx, memberTestAdmin, m.ID, MemberInput{FirstName: "Anna", LastName: "Ahrens", Email: "", Version: got.Version})
	memberTestWantField(t, err, "email", ErrMemberLinkedNoEmail)
	if again, _ := s.Get(ctx, memberTestAdmin, m.ID); again.Email != "Anna.Neu@example.org" || again.Version != got.Version {
		t.Fatalf("refused change wrote: %+v", again)
	}

	// The accounts side: a user's new email moves to the member (the
	// trigger), and the member's version moves on.
	if _, err := db.Exec(ctx, `UPDATE users SET email = 'anna3@example.org' WHERE id = $1`, u); err != nil {
		t.Fatal(err)
	}
	if again, _ := s.Get(ctx, memberTestAdmin, m.ID); again.Email != "anna3@example.org" || again.Version != got.Version+1 {
		t.Fatalf("after user email change: %+v", again)
	}
	// A user email another member has is refused by the member's unique index.
	if _, err := db.Exec(ctx, `UPDATE users SET email = 'BERND2@example.org' WHERE id = $1`, u); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(ctx, `UPDATE members SET email = 'bernd2@example.org' WHERE id = $1`, third.ID); err == nil {
		t.Fatal("a member took the sign-in address of another member's user")
	}
	// Without a declared right nothing changes a sign-in email through a member.
	if _, err := db.Exec(ctx, `UPDATE members SET email = 'sneaky@example.org' WHERE id = $1`, m.ID); err == nil {
		t.Fatal("an undeclared write changed a sign-in email")
	}

	// Unlinking changes neither email.
	if err := s.UnlinkUser(ctx, memberTestAdmin, m.ID); err != nil {
		t.Fatal(err)
	}
	email, linked := memberTestUserEmail(t, db, u)
	again, _ := s.Get(ctx, memberTestAdmin, m.ID)
	if linked != nil || email != "BERND2@example.org" || again.Email != "BERND2@example.org" || again.UserID != "" {
		t.Fatalf("after unlink: user %s %v, member %+v", email, linked, again)
	}
}

// TestMemberEmailChangesSignInEmailOnlyWithRight: a member linked to a
// user (here an administrator) gets a new email from a treasurer — who
// may update members but not users: refused with ErrMemberSignInEmail
// next to the email field, and neither address changes. The member
// themself (own_data, their own user) and an administrator may.
func TestMemberEmailChangesSignInEmailOnlyWithRight(t *testing.T) {
	s, db := memberTestStore(t)
	ctx := context.Background()
	m := memberTestCreate(t, s, MemberInput{FirstName: "Ada", LastName: "Admin", Email: "ada@example.org"})
	u := memberTestUser(t, db, "ada@example.org")
	if err := s.LinkUser(ctx, memberTestAdmin, m.ID, u); err != nil {
		t.Fatal(err)
	}
	m, _ = s.Get(ctx, memberTestAdmin, m.ID)
	in := MemberInput{FirstName: "Ada", LastName: "Admin", Email: "treasurer-picked@example.org", Version: m.Version}
	_, err := s.Update(ctx, memberTestTreasurer, m.ID, in)
	memberTestWantField(t, err, "email", ErrMemberSignInEmail)
	// A case-only change writes the sign-in email too: refused as well.
	in.Email = "ADA@example.org"
	_, err = s.Update(ctx, memberTestTreasurer, m.ID, in)
	memberTestWantField(t, err, "email", ErrMemberSignInEmail)
	if email, _ := memberTestUserEmail(t, db, u); email != "ada@example.org" {
		t.Fatalf("sign-in email changed to %s", email)
	}
	if again, _ := s.Get(ctx, memberTestAdmin, m.ID); again.Email != "ada@example.org" || again.Version != m.Version {
		t.Fatalf("refused change wrote: %+v", again)
	}
	// The treasurer may still change everything else of the member.
	in.Email, in.FirstName = "ada@example.org", "Adelheid"
	if m, err = s.Update(ctx, memberTestTreasurer, m.ID, in); err != nil {
		t.Fatal(err)
	}

	// The user themself (linked, own_data) may: the sign-in email follows.
	self := authz.Actor{UserID: u, Set: authz.OwnData, MemberID: m.ID}
	if m, err = s.Update(ctx, self, m.ID, MemberInput{FirstName: "Adelheid", LastName: "Admin", Email: "ada.neu@example.org", Version: m.Version}); err != nil {
		t.Fatal(err)
	}
	if email, _ := memberTestUserEmail(t, db, u); email != "ada.neu@example.org" {
		t.Fatalf("own change: sign-in email %s", email)
	}
	// An administrator may.
	if _, err = s.Update(ctx, memberTestAdmin, m.ID, MemberInput{FirstName: "Adelheid", LastName: "Admin", Email: "ada3@example.org", Version: m.Version}); err != nil {
		t.Fatal(err)
	}
	if email, _ := memberTestUserEmail(t, db, u); email != "ada3@example.org" {
		t.Fatalf("admin change: sign-in email %s", email)
	}
}
