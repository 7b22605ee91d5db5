package accounts

import (
	"context"
	"errors"
	"testing"

	"mila/internal/authz"
	"mila/internal/validate"
)

func TestCreateUserAndEmailCase(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	admin := mkUser(t, s, authz.Admin, "admin@example.org")

	u, tok, err := s.CreateUser(ctx, admin, NewUser{Name: "Test User", Email: " Anna@Example.org ", RoleID: roleID(t, s, SystemBoard), Password: "long enough pw"})
	if err != nil {
		t.Fatal(err)
	}
	if tok != "" || u.Email != "Anna@Example.org" || u.Set != authz.ReadOnly || !u.Active || !u.HasPassword {
		t.Fatalf("unexpected user %+v token %q", u, tok)
	}
	_, _, err = s.CreateUser(ctx, admin, NewUser{Name: "Test User", Email: "anna@EXAMPLE.org", RoleID: roleID(t, s, SystemBoard), Password: "long enough pw"})
	if fieldErr(err, "email") != validate.Taken {
		t.Fatalf("same email in other case: %v", err)
	}
	// Sign-in ignores case too.
	if _, err := s.SignIn(ctx, "ANNA@example.ORG", "long enough pw", "c"); err != nil {
		t.Fatalf("sign in with other case: %v", err)
	}

	_, _, err = s.CreateUser(ctx, admin, NewUser{Name: "Test User", Email: "bad", RoleID: "nope", Password: "short"})
	for field, id := range map[string]string{"email": validate.BadEmail, "role_id": validate.NotFound, "password": validate.TooShort} {
		if got := fieldErr(err, field); got != id {
			t.Errorf("%s: %q, want %q", field, got, id)
		}
	}
	_, _, err = s.CreateUser(ctx, admin, NewUser{Name: "Test User", Email: "x@example.org", RoleID: "0190f5e4-7c1a-7b3e-9f00-0123456789ab", Password: "long enough pw"})
	if fieldErr(err, "role_id") != validate.NotFound {
		t.Errorf("unknown role: %v", err)
	}
}

func TestChangeOwnPassword(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	for _, set := range authz.PermissionSets {
		t.Run(string(set), func(t *testing.T) {
			a := mkUser(t, s, set, string(set)+"@example.org")
			u, _ := s.GetUser(ctx, a, a.UserID)
			if _, err := s.ActorForSession(ctx, a.UserID, u.SessionStamp); err != nil {
				t.Fatal(err)
			}
			err := s.ChangeOwnPassword(ctx, a, "not my password", "brand new password", "c")
			if fieldErr(err, "current_password") != MsgCurrentPasswordWrong {
				t.Fatalf("wrong current: %v", err)
			}
			err = s.ChangeOwnPassword(ctx, a, "password-123", "short", "c")
			if fieldErr(err, "new_password") != validate.TooShort {
				t.Fatalf("short new: %v", err)
			}
			if err := s.ChangeOwnPassword(ctx, a, "password-123", "brand new password", "c"); err != nil {
				t.Fatal(err)
			}
			if _, err := s.SignIn(ctx, a.Email, "brand new password", "c"); err != nil {
				t.Fatal(err)
			}
			// Sessions made before the change are signed out.
			if _, err := s.ActorForSession(ctx, a.UserID, u.SessionStamp); !errors.Is(err, ErrNoActor) {
				t.Fatalf("old session survives a password change: %v", err)
			}
		})
	}
	if err := s.ChangeOwnPassword(ctx, authz.Anonymous, "x", "brand new password", "c"); !errors.Is(err, authz.ErrForbidden) {
		t.Errorf("anonymous: %v", err)
	}
}

func TestUserAdministration(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	admin := mkUser(t, s, authz.Admin, "admin@example.org")
	u := mkUser(t, s, authz.OwnData, "u@example.org")

	if err := s.ChangeRole(ctx, admin, u.UserID, roleID(t, s, SystemTreasurer)); err != nil {
		t.Fatal(err)
	}
	a, _ := s.ActorForUser(ctx, u.UserID)
	if a.Set != authz.NormalUser {
		t.Errorf("set after role change: %s", a.Set)
	}
	if err := s.ChangeRole(ctx, admin, u.UserID, "0190f5e4-7c1a-7b3e-9f00-0123456789ab"); fieldErr(err, "role_id") != validate.NotFound {
		t.Errorf("unknown role: %v", err)
	}
	if err := s.SetActive(ctx, admin, u.UserID, false); err != nil {
		t.Fatal(err)
	}
	if err := s.SetActive(ctx, admin, u.UserID, true); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ActorForUser(ctx, u.UserID); err != nil {
		t.Errorf("reactivated: %v", err)
	}
	users, _ := s.ListUsers(ctx, admin)
	if len(users) != 2 {
		t.Errorf("admin lists %d users", len(users))
	}
	if err := s.DeleteUser(ctx, admin, u.UserID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ActorForUser(ctx, u.UserID); !errors.Is(err, ErrNoActor) {
		t.Errorf("deleted user has an actor: %v", err)
	}
	for _, id := range []string{"nope", "0190f5e4-7c1a-7b3e-9f00-0123456789ab"} {
		if err := s.DeleteUser(ctx, admin, id); !errors.Is(err, ErrNotFound) {
			t.Errorf("delete %q: %v", id, err)
		}
		if _, err := s.GetUser(ctx, admin, id); !errors.Is(err, ErrNotFound) {
			t.Errorf("get %q: %v", id, err)
		}
	}
}

// TestChangeEmailSyncsLinkedMember: a linked member's email follows the
// user's; another member with the address refuses the whole change; an
// unlinked user changes alone; only admins may do it.
func TestChangeEmailSyncsLinkedMember(t *testing.T) {
	s, db := newService(t)
	ctx := context.Background()
	admin := mkUser(t, s, authz.Admin, "admin@example.org")
	treasurer := mkUser(t, s, authz.NormalUser, "kasse@example.org")
	board := mkUser(t, s, authz.ReadOnly, "board@example.org")

	var anna, other string
	if err := db.QueryRow(ctx, `INSERT INTO members (first_name, last_name, email) VALUES ('Anna', 'Müller', 'kasse@example.org') RETURNING id`).Scan(&anna); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(ctx, `INSERT INTO members (first_name, last_name, email) VALUES ('Otto', 'Ort', 'otto@example.org') RETURNING id`).Scan(&other); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(ctx, `UPDATE users SET member_id = $1 WHERE id = $2`, anna, treasurer.UserID); err != nil {
		t.Fatal(err)
	}
	memberEmail := func(id string) string {
		var e string
		if err := db.QueryRow(ctx, `SELECT coalesce(email::text, '') FROM members WHERE id = $1`, id).Scan(&e); err != nil {
			t.Fatal(err)
		}
		return e
	}
	userEmail := func(id string) string {
		u, err := s.GetUser(ctx, admin, id)
		if err != nil {
			t.Fatal(err)
		}
		return u.Email
	}

	if err := s.ChangeEmail(ctx, admin, treasurer.UserID, " anna.neu@example.org "); err != nil {
		t.Fatal(err)
	}
	if got := memberEmail(anna); got != "anna.neu@example.org" {
		t.Errorf("linked member email = %q", got)
	}
	if got := userEmail(treasurer.UserID); got != "anna.neu@example.org" {
		t.Errorf("user email = %q", got)
	}

	// Another member has the address (a household, migration 00026):
	// the user and the linked member take it, the other member keeps it.
	if err := s.ChangeEmail(ctx, admin, treasurer.UserID, "otto@example.org"); err != nil {
		t.Fatalf("address of another member: %v", err)
	}
	if userEmail(treasurer.UserID) != "otto@example.org" || memberEmail(anna) != "otto@example.org" || memberEmail(other) != "otto@example.org" {
		t.Error("a shared address did not reach the user and the linked member")
	}
	if err := s.ChangeEmail(ctx, admin, treasurer.UserID, "anna.neu@example.org"); err != nil {
		t.Fatal(err)
	}
	// Another user has the address (any case): Taken.
	if err := s.ChangeEmail(ctx, admin, treasurer.UserID, "BOARD@example.org"); fieldErr(err, "email") != validate.Taken {
		t.Errorf("address of another user: %v", err)
	}
	if err := s.ChangeEmail(ctx, admin, treasurer.UserID, "not an email"); fieldErr(err, "email") != validate.BadEmail {
		t.Errorf("bad email: %v", err)
	}
	// An unlinked user changes alone.
	if err := s.ChangeEmail(ctx, admin, board.UserID, "vorstand@example.org"); err != nil {
		t.Fatal(err)
	}
	if memberEmail(other) != "otto@example.org" {
		t.Error("an unlinked change touched a member")
	}
	// Lower sets may not; unknown and malformed ids are not found.
	for _, a := range []authz.Actor{treasurer, board} {
		if err := s.ChangeEmail(ctx, a, board.UserID, "x@example.org"); !errors.Is(err, authz.ErrForbidden) {
			t.Errorf("%s: %v", a.Set, err)
		}
	}
	for _, id := range []string{"nope", "0190f5e4-7c1a-7b3e-9f00-0123456789ab"} {
		if err := s.ChangeEmail(ctx, admin, id, "x@example.org"); !errors.Is(err, ErrNotFound) {
			t.Errorf("id %q: %v", id, err)
		}
	}
}
