package accounts

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"mila/internal/authz"
	"mila/internal/testpg"
	"mila/internal/validate"
)

func TestMain(m *testing.M) { testpg.Main(m) }

// cheap keeps the tests quick; the production parameters are tested in
// password_test.go.
var cheap = Params{Time: 1, MemoryKiB: 64, Threads: 1, SaltLen: 16, KeyLen: 32}

func newService(t *testing.T) (*Service, *pgxpool.Pool) {
	t.Helper()
	db := testpg.New(t)
	return New(db).WithParams(cheap), db
}

var setKeys = map[authz.PermissionSet]string{
	authz.OwnData: SystemMember, authz.ReadOnly: SystemBoard, authz.NormalUser: SystemTreasurer, authz.Admin: SystemAdmin,
}

// mkUser creates an active user with the system role of set and the
// password "password-123", and returns its actor.
func mkUser(t *testing.T, s *Service, set authz.PermissionSet, email string) authz.Actor {
	t.Helper()
	ctx := context.Background()
	h, err := s.hash.HashPassword("password-123")
	if err != nil {
		t.Fatal(err)
	}
	var id string
	err = s.db.QueryRow(ctx, `INSERT INTO users (email, password_hash, role_id)
		VALUES ($1, $2, (SELECT id FROM roles WHERE system_key = $3)) RETURNING id`, email, h, setKeys[set]).Scan(&id)
	if err != nil {
		t.Fatal(err)
	}
	a, err := s.ActorForUser(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func roleID(t *testing.T, s *Service, key string) string {
	t.Helper()
	id, err := systemRoleID(context.Background(), s.db, key)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func fieldErr(err error, field string) string {
	fe, ok := validate.As(err)
	if !ok {
		return ""
	}
	return fe[field].ID
}

// TestAdminActionsForbidden: every admin-only action refuses the lower
// sets (and changes nothing).
func TestAdminActionsForbidden(t *testing.T) {
	s, db := newService(t)
	ctx := context.Background()
	admin := mkUser(t, s, authz.Admin, "admin@example.org")
	custom, err := s.CreateRole(ctx, admin, RoleInput{Name: "Helpers", Set: authz.OwnData})
	if err != nil {
		t.Fatal(err)
	}
	checksum := func() string {
		var sum string
		_ = db.QueryRow(ctx, `SELECT md5(coalesce((SELECT string_agg(t::text, ',' ORDER BY t::text) FROM users t), '') ||
			coalesce((SELECT string_agg(t::text, ',' ORDER BY t::text) FROM roles t), '') ||
			coalesce((SELECT string_agg(t::text, ',' ORDER BY t::text) FROM user_tokens t), ''))`).Scan(&sum)
		return sum
	}
	for _, set := range []authz.PermissionSet{authz.OwnData, authz.ReadOnly, authz.NormalUser} {
		a := mkUser(t, s, set, string(set)+"@example.org")
		before := checksum()
		calls := map[string]error{}
		_, _, calls["CreateUser"] = s.CreateUser(ctx, a, NewUser{Name: "Test User", Email: "x@example.org", RoleID: roleID(t, s, SystemAdmin), Password: "long enough pw"})
		calls["ChangeRole own"] = s.ChangeRole(ctx, a, a.UserID, roleID(t, s, SystemAdmin))
		calls["ChangeRole other"] = s.ChangeRole(ctx, a, admin.UserID, roleID(t, s, SystemMember))
		calls["SetActive"] = s.SetActive(ctx, a, admin.UserID, false)
		calls["DeleteUser"] = s.DeleteUser(ctx, a, admin.UserID)
		calls["DeleteUser own"] = s.DeleteUser(ctx, a, a.UserID)
		_, calls["NewSetPasswordLink"] = s.NewSetPasswordLink(ctx, a, admin.UserID)
		_, calls["CreateRole"] = s.CreateRole(ctx, a, RoleInput{Name: "Sneaky", Set: authz.Admin})
		_, calls["UpdateRole"] = s.UpdateRole(ctx, a, custom.ID, RoleInput{Name: "Helpers", Set: authz.Admin})
		calls["DeleteRole"] = s.DeleteRole(ctx, a, custom.ID)
		_, calls["GetUser other"] = s.GetUser(ctx, a, admin.UserID)
		for name, err := range calls {
			if !errors.Is(err, authz.ErrForbidden) {
				t.Errorf("%s: %s: %v, want forbidden", set, name, err)
			}
		}
		if after := checksum(); after != before {
			t.Errorf("%s: database changed by refused actions", set)
		}
		// Reading: only themselves.
		users, err := s.ListUsers(ctx, a)
		if err != nil || len(users) != 1 || users[0].ID != a.UserID {
			t.Errorf("%s: ListUsers = %v, %v", set, users, err)
		}
		if _, err := s.ListRoles(ctx, a); err != nil {
			t.Errorf("%s: ListRoles: %v", set, err)
		}
	}
	if _, err := s.ListUsers(ctx, authz.Anonymous); !errors.Is(err, authz.ErrForbidden) {
		t.Errorf("anonymous ListUsers: %v", err)
	}
	if _, err := s.ListRoles(ctx, authz.Anonymous); !errors.Is(err, authz.ErrForbidden) {
		t.Errorf("anonymous ListRoles: %v", err)
	}
}
