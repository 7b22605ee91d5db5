package accounts

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"mila/internal/authz"
	"mila/internal/pg"
)

// anonymousCtx is a request without a session, as the web middleware
// names it in the audit trail.
var anonymousCtx = pg.WithActor(context.Background(), pg.Actor{Label: "anonymous"})

// lastUserAudit is the actor and actor id of the newest audit entry
// about the user id (the users table).
func lastUserAudit(t *testing.T, db *pgxpool.Pool, id string) (actor, actorID string) {
	t.Helper()
	if err := db.QueryRow(context.Background(), `SELECT actor, coalesce(actor_user_id::text, '') FROM audit_log
		WHERE entity = 'users' AND entity_id = $1 ORDER BY id DESC LIMIT 1`, id).Scan(&actor, &actorID); err != nil {
		t.Fatalf("audit entry of user %s: %v", id, err)
	}
	return actor, actorID
}

// TestLinkSignInsAuditedAsTheUser: a one-time link is the authority of
// a request nobody is signed in for, but what it does is the user's:
// setting the password through an invitation, resetting it through a
// reset link and creating the first admin through the setup link are
// recorded as made by that user ("Name <email>", their id) — never
// "anonymous".
func TestLinkSignInsAuditedAsTheUser(t *testing.T) {
	s, db := newService(t)
	ctx := context.Background()

	// The first admin, through the setup link: their own creation.
	setup, err := s.NewSetupToken(ctx)
	if err != nil {
		t.Fatal(err)
	}
	chief, err := s.SetupAdmin(anonymousCtx, setup, "Clara Chefin", "clara@example.org", "long enough pw")
	if err != nil {
		t.Fatal(err)
	}
	if actor, id := lastUserAudit(t, db, chief.ID); actor != "Clara Chefin <clara@example.org>" || id != chief.ID {
		t.Errorf("setup recorded as %q (%s), want the new admin", actor, id)
	}
	admin, err := s.ActorForUser(ctx, chief.ID)
	if err != nil {
		t.Fatal(err)
	}

	// An invitation: the invited user sets their password.
	u, tok, err := s.CreateUser(pg.WithActor(ctx, pg.Actor{UserID: admin.UserID, Label: "Clara Chefin <clara@example.org>"}), admin,
		NewUser{Name: "Nina Neu", Email: "nina@example.org", RoleID: roleID(t, s, SystemBoard), WithLink: true})
	if err != nil {
		t.Fatal(err)
	}
	if actor, _ := lastUserAudit(t, db, u.ID); actor != "Clara Chefin <clara@example.org>" {
		t.Fatalf("the invitation recorded as %q", actor)
	}
	if _, err := s.SetPasswordWithToken(anonymousCtx, tok, "nina's own password"); err != nil {
		t.Fatal(err)
	}
	if actor, id := lastUserAudit(t, db, u.ID); actor != "Nina Neu <nina@example.org>" || id != u.ID {
		t.Errorf("set-password link recorded as %q (%s), want Nina", actor, id)
	}

	// A password reset by mail.
	req, err := s.RequestPasswordReset(anonymousCtx, "nina@example.org", "10.0.0.9")
	if err != nil || req.Token == "" {
		t.Fatalf("reset request: %+v %v", req, err)
	}
	if _, err := s.ResetPassword(anonymousCtx, req.Token, "nina's new password"); err != nil {
		t.Fatal(err)
	}
	if actor, id := lastUserAudit(t, db, u.ID); actor != "Nina Neu <nina@example.org>" || id != u.ID {
		t.Errorf("reset link recorded as %q (%s), want Nina", actor, id)
	}
	var anonymous int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE entity = 'users' AND actor = 'anonymous'`).Scan(&anonymous); err != nil || anonymous != 0 {
		t.Errorf("%d user changes recorded as anonymous (%v)", anonymous, err)
	}
}

// TestRehashAuditedWithTheName: the new hash written at sign-in (old
// hashing parameters) is recorded with the user's name and email, as
// every other change of theirs.
func TestRehashAuditedWithTheName(t *testing.T) {
	s, db := newService(t)
	ctx := context.Background()
	a := mkUser(t, s, authz.OwnData, "old@example.org") // hashed with cheap
	if err := s.ChangeName(ctx, mkUser(t, s, authz.Admin, "admin@example.org"), a.UserID, "Olga Alt"); err != nil {
		t.Fatal(err)
	}
	stronger := s.WithParams(Params{Time: 2, MemoryKiB: 128, Threads: 1, SaltLen: 16, KeyLen: 32})
	if _, err := stronger.SignIn(anonymousCtx, "old@example.org", "password-123", "c"); err != nil {
		t.Fatal(err)
	}
	if actor, id := lastUserAudit(t, db, a.UserID); actor != "Olga Alt <old@example.org>" || id != a.UserID {
		t.Errorf("rehash recorded as %q (%s)", actor, id)
	}
}

// TestChangeOwnName: every permission set renames its own unlinked
// account (validated like the admin's form); a linked user's name is the
// member's and is refused; nobody renames another user this way, and an
// anonymous actor nothing.
func TestChangeOwnName(t *testing.T) {
	s, db := newService(t)
	ctx := context.Background()
	for _, set := range authz.PermissionSets {
		a := mkUser(t, s, set, string(set)+"@example.org")
		if fieldErr(s.ChangeOwnName(ctx, a, "  "), "name") == "" {
			t.Errorf("%s: an empty name was taken", set)
		}
		if fieldErr(s.ChangeOwnName(ctx, a, strings.Repeat("n", 101)), "name") == "" {
			t.Errorf("%s: 101 characters were taken", set)
		}
		if err := s.ChangeOwnName(pg.WithActor(ctx, pg.Actor{UserID: a.UserID, Label: "self"}), a, " Eigener Name "); err != nil {
			t.Fatalf("%s: %v", set, err)
		}
		u, err := s.GetUser(ctx, a, a.UserID)
		if err != nil || u.Name != "Eigener Name" {
			t.Errorf("%s: name %q (%v)", set, u.Name, err)
		}
		if actor, _ := lastUserAudit(t, db, a.UserID); actor != "self" {
			t.Errorf("%s: the change recorded as %q", set, actor)
		}
	}
	if err := s.ChangeOwnName(ctx, authz.Anonymous, "Niemand"); !errors.Is(err, authz.ErrForbidden) {
		t.Errorf("anonymous: %v", err)
	}
	linked := mkUser(t, s, authz.OwnData, "linked@example.org")
	var mid string
	if err := db.QueryRow(ctx, `INSERT INTO members (first_name, last_name, join_date) VALUES ('Lina', 'Link', '2020-01-01') RETURNING id`).Scan(&mid); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(ctx, `UPDATE users SET member_id = $2 WHERE id = $1`, linked.UserID, mid); err != nil {
		t.Fatal(err)
	}
	if fieldErr(s.ChangeOwnName(ctx, linked, "Anders"), "name") != MsgUserNameFromMember {
		t.Error("a linked user renamed themselves")
	}
	if u, _ := s.GetUser(ctx, linked, linked.UserID); u.Name != "Lina Link" {
		t.Errorf("linked user's name %q", u.Name)
	}
}
