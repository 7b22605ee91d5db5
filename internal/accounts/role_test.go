package accounts

import (
	"context"
	"errors"
	"testing"

	"mila/internal/authz"
	"mila/internal/validate"
)

func TestRoles(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	admin := mkUser(t, s, authz.Admin, "admin@example.org")

	roles, err := s.ListRoles(ctx, admin)
	if err != nil || len(roles) != 4 {
		t.Fatalf("system roles: %v %v", roles, err)
	}
	for i, key := range []string{SystemMember, SystemBoard, SystemTreasurer, SystemAdmin} {
		if roles[i].SystemKey != key || roles[i].Set != authz.PermissionSets[i] {
			t.Errorf("role %d: %+v", i, roles[i])
		}
		if _, err := s.UpdateRole(ctx, admin, roles[i].ID, RoleInput{Name: "X", Set: authz.Admin}); !errors.Is(err, ErrSystemRole) {
			t.Errorf("update system role %s: %v", key, err)
		}
		if err := s.DeleteRole(ctx, admin, roles[i].ID); !errors.Is(err, ErrSystemRole) {
			t.Errorf("delete system role %s: %v", key, err)
		}
	}
	if roles[3].UserCount != 1 {
		t.Errorf("admin role user count %d", roles[3].UserCount)
	}

	r, err := s.CreateRole(ctx, admin, RoleInput{Name: " Kassenprüfer ", Description: "Prüft.", Set: authz.ReadOnly})
	if err != nil || r.Name != "Kassenprüfer" || r.IsSystem() {
		t.Fatalf("create: %+v %v", r, err)
	}
	if _, err := s.CreateRole(ctx, admin, RoleInput{Name: "KASSENPRÜFER", Set: authz.ReadOnly}); fieldErr(err, "name") != validate.Taken {
		t.Errorf("duplicate name: %v", err)
	}
	if _, err := s.CreateRole(ctx, admin, RoleInput{Name: "", Set: "root"}); fieldErr(err, "name") != validate.Required || fieldErr(err, "permission_set") != MsgBadPermissionSet {
		t.Errorf("invalid: %v", err)
	}
	r, err = s.UpdateRole(ctx, admin, r.ID, RoleInput{Name: "Prüfer", Description: "", Set: authz.NormalUser})
	if err != nil || r.Name != "Prüfer" || r.Set != authz.NormalUser {
		t.Fatalf("update: %+v %v", r, err)
	}
	if _, err := s.UpdateRole(ctx, admin, r.ID, RoleInput{Name: "Admin", Set: authz.NormalUser}); fieldErr(err, "name") != validate.Taken {
		t.Errorf("rename onto a system role name: %v", err)
	}
	// In use: not deletable.
	if _, _, err := s.CreateUser(ctx, admin, NewUser{Name: "Test User", Email: "p@example.org", RoleID: r.ID, Password: "long enough pw"}); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteRole(ctx, admin, r.ID); !errors.Is(err, ErrRoleInUse) {
		t.Errorf("delete role in use: %v", err)
	}
	empty, _ := s.CreateRole(ctx, admin, RoleInput{Name: "Empty", Set: authz.OwnData})
	if err := s.DeleteRole(ctx, admin, empty.ID); err != nil {
		t.Errorf("delete unused role: %v", err)
	}
	if _, err := s.GetRole(ctx, admin, empty.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("deleted role: %v", err)
	}
	if _, err := s.GetRole(ctx, admin, "not-a-uuid"); !errors.Is(err, ErrNotFound) {
		t.Errorf("malformed id: %v", err)
	}
}
