package accounts

import (
	"context"
	"errors"
	"sync"
	"testing"

	"mila/internal/authz"
)

func TestLastAdmin(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	admin := mkUser(t, s, authz.Admin, "admin@example.org")
	member := roleID(t, s, SystemMember)

	if err := s.ChangeRole(ctx, admin, admin.UserID, member); !errors.Is(err, ErrLastAdmin) {
		t.Errorf("demote last admin: %v", err)
	}
	if err := s.SetActive(ctx, admin, admin.UserID, false); !errors.Is(err, ErrLastAdmin) {
		t.Errorf("deactivate last admin: %v", err)
	}
	if err := s.DeleteUser(ctx, admin, admin.UserID); !errors.Is(err, ErrLastAdmin) {
		t.Errorf("delete last admin: %v", err)
	}
	// A custom admin role holding the last admin cannot lose its set.
	chief, err := s.CreateRole(ctx, admin, RoleInput{Name: "Chief", Set: authz.Admin})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.ChangeRole(ctx, admin, admin.UserID, chief.ID); err != nil {
		t.Fatalf("move admin to custom admin role: %v", err)
	}
	if _, err := s.UpdateRole(ctx, admin, chief.ID, RoleInput{Name: "Chief", Set: authz.ReadOnly}); !errors.Is(err, ErrLastAdmin) {
		t.Errorf("role update demoting last admin: %v", err)
	}
	// With a second admin, the first may step down.
	other := mkUser(t, s, authz.Admin, "other@example.org")
	if err := s.ChangeRole(ctx, other, admin.UserID, member); err != nil {
		t.Errorf("demote with a second admin: %v", err)
	}
	// An inactive admin does not count.
	if err := s.SetActive(ctx, other, admin.UserID, false); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteUser(ctx, other, other.UserID); !errors.Is(err, ErrLastAdmin) {
		t.Errorf("delete last active admin: %v", err)
	}
}

// TestLastAdminRace: two admins demote each other at the same moment,
// many times over; each time exactly one demotion wins.
func TestLastAdminRace(t *testing.T) {
	s, db := newService(t)
	ctx := context.Background()
	a := mkUser(t, s, authz.Admin, "a@example.org")
	b := mkUser(t, s, authz.Admin, "b@example.org")
	adminRole, memberRole := roleID(t, s, SystemAdmin), roleID(t, s, SystemMember)

	for round := 0; round < 20; round++ {
		if _, err := db.Exec(ctx, `UPDATE users SET role_id = $1, active = true`, adminRole); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		start := make(chan struct{})
		errs := make([]error, 4)
		run := func(i int, f func() error) {
			wg.Add(1)
			go func() { defer wg.Done(); <-start; errs[i] = f() }()
		}
		// Demotion, deactivation and deletion race against each other.
		run(0, func() error { return s.ChangeRole(ctx, a, b.UserID, memberRole) })
		run(1, func() error { return s.ChangeRole(ctx, b, a.UserID, memberRole) })
		if round%2 == 0 {
			run(2, func() error { return s.SetActive(ctx, a, a.UserID, false) })
			run(3, func() error { return s.SetActive(ctx, b, b.UserID, false) })
		}
		close(start)
		wg.Wait()
		for _, err := range errs {
			if err != nil && !errors.Is(err, ErrLastAdmin) {
				t.Fatalf("round %d: %v", round, err)
			}
		}
		n, err := countAdmins(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Fatalf("round %d: %d active admins left, want 1 (errors %v)", round, n, errs)
		}
	}
}
