package membership

import (
	"context"
	"errors"
	"sync"
	"testing"

	"mila/internal/authz"
	"mila/internal/validate"
)

// TestHistoryListsEditing: the roles and exit reasons screens' store
// actions — each checks the permission itself, keeps names unique per
// list, touches an entry only through its own list, and refuses deleting
// a used entry with the number of records using it, also when the use
// arrives while the delete runs.
func TestHistoryListsEditing(t *testing.T) {
	db := testDB(t)
	ctx := context.Background()
	h := NewHistory(db)
	g := groupTestCreate(t, NewGroups(db), "Jugend")
	other := groupTestCreate(t, NewGroups(db), "Chor")
	m := histMember(t, db, "Paula", "2010-01-01", nil)

	def, err := h.CreateRole(ctx, groupAdmin, "", "Leitung", true)
	if err != nil {
		t.Fatal(err)
	}
	own, err := h.CreateRole(ctx, groupAdmin, g.ID, "Kassenwart", false)
	if err != nil {
		t.Fatal(err)
	}
	// Permissions: Group update for roles, CustomField create/update/destroy for reasons.
	for _, a := range []authz.Actor{groupReadOnly, groupNormal, groupOwnData(m), authz.Anonymous} {
		if _, err := h.UpdateRole(ctx, a, "", def.ID, "X", false); !errors.Is(err, authz.ErrForbidden) {
			t.Errorf("%s: UpdateRole: %v", a.Set, err)
		}
		if err := h.DeleteRole(ctx, a, g.ID, own.ID); !errors.Is(err, authz.ErrForbidden) {
			t.Errorf("%s: DeleteRole: %v", a.Set, err)
		}
		if _, err := h.ExitReasonsInUse(ctx, a); !errors.Is(err, authz.ErrForbidden) {
			t.Errorf("%s: ExitReasonsInUse: %v", a.Set, err)
		}
		if _, err := h.RenameExitReason(ctx, a, def.ID, "X"); !errors.Is(err, authz.ErrForbidden) {
			t.Errorf("%s: RenameExitReason: %v", a.Set, err)
		}
	}
	if _, err := h.RoleChoices(ctx, authz.Anonymous); !errors.Is(err, authz.ErrForbidden) {
		t.Errorf("anonymous RoleChoices: %v", err)
	}
	// Names: unique per list; the same name in another list is fine.
	if _, err := h.UpdateRole(ctx, groupAdmin, g.ID, own.ID, "leitung", false); err != nil {
		t.Fatalf("a group's role may share a default's name: %v", err)
	}
	if _, err := h.CreateRole(ctx, groupAdmin, g.ID, "LEITUNG", false); err == nil {
		t.Fatal("duplicate in the group's list")
	} else {
		wantFieldErr(t, err, "name", ErrNameTaken)
	}
	if _, err := h.UpdateRole(ctx, groupAdmin, "", def.ID, " ", false); err == nil {
		t.Fatal("empty name")
	} else {
		wantFieldErr(t, err, "name", validate.Required)
	}
	// Another list's role is not found through this list.
	if _, err := h.UpdateRole(ctx, groupAdmin, other.ID, own.ID, "Y", false); !errors.Is(err, ErrNotFound) {
		t.Fatalf("another group's role: %v", err)
	}
	if err := h.DeleteRole(ctx, groupAdmin, "", own.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a group's role through the defaults: %v", err)
	}
	// Choices: defaults first, then each group's own.
	choices, err := h.RoleChoices(ctx, groupReadOnly)
	if err != nil || len(choices) != 2 || choices[0].ID != def.ID || choices[1].GroupName != "Jugend" {
		t.Fatalf("choices %+v, %v", choices, err)
	}
	// In use: refused with the count.
	if _, err := h.AddMembership(ctx, groupAdmin, m, g.ID, MembershipInput{From: "2020-01-01", Until: "2021-01-01", RoleID: def.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.AddMembership(ctx, groupAdmin, m, g.ID, MembershipInput{From: "2022-01-01", RoleID: def.ID}); err != nil {
		t.Fatal(err)
	}
	if n, ok := IsInUse(h.DeleteRole(ctx, groupAdmin, "", def.ID)); !ok || n != 2 {
		t.Fatalf("used role: in use %v by %d", ok, n)
	}
	roles, err := h.RolesOf(ctx, groupReadOnly, "")
	if err != nil || len(roles) != 1 || roles[0].Holders != 2 || !roles[0].Leads {
		t.Fatalf("RolesOf %+v, %v", roles, err)
	}
	// A role of another group is refused next to the field.
	if _, err := h.AddMembership(ctx, groupAdmin, m, other.ID, MembershipInput{From: "2020-01-01", RoleID: own.ID}); err == nil {
		t.Fatal("role of another group accepted")
	} else {
		wantFieldErr(t, err, "role_id", ErrMembershipRoleGroup)
	}

	// Exit reasons.
	r1, err := h.CreateExitReason(ctx, groupAdmin, "Umzug")
	if err != nil {
		t.Fatal(err)
	}
	r2, err := h.CreateExitReason(ctx, groupAdmin, "Tod")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.RenameExitReason(ctx, groupAdmin, r1.ID, "tod"); err == nil {
		t.Fatal("duplicate reason name")
	} else {
		wantFieldErr(t, err, "name", ErrNameTaken)
	}
	if _, err := h.RenameExitReason(ctx, groupAdmin, r1.ID, "Wegzug"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(ctx, `UPDATE members SET exit_date = '2020-01-01' WHERE id = $1`, m); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(ctx, `UPDATE member_periods SET exit_reason_id = $1 WHERE member_id = $2`, r1.ID, m); err != nil {
		t.Fatal(err)
	}
	if n, ok := IsInUse(h.DeleteExitReason(ctx, groupAdmin, r1.ID)); !ok || n != 1 {
		t.Fatalf("used reason: in use %v by %d", ok, n)
	}
	uses, err := h.ExitReasonsInUse(ctx, groupAdmin)
	if err != nil || len(uses) != 2 || uses[0].Name != "Wegzug" || uses[0].Uses != 1 || uses[1].Uses != 0 {
		t.Fatalf("ExitReasonsInUse %+v, %v", uses, err)
	}
	// The race: a period takes the reason while it is deleted. Whichever
	// wins, the outcome is consistent: deleted and unused, or kept and
	// refused as in use — never an error of another kind.
	var wg sync.WaitGroup
	var delErr, useErr error
	wg.Add(2)
	go func() {
		defer wg.Done()
		delErr = h.DeleteExitReason(ctx, groupAdmin, r2.ID)
	}()
	go func() {
		defer wg.Done()
		_, useErr = db.Exec(ctx, `UPDATE member_periods SET exit_reason_id = $1 WHERE member_id = $2`, r2.ID, m)
	}()
	wg.Wait()
	var left int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM exit_reasons WHERE id = $1`, r2.ID).Scan(&left); err != nil {
		t.Fatal(err)
	}
	switch {
	case delErr == nil && left == 0 && useErr != nil: // deleted first; the update met the foreign key
	case left == 1 && useErr == nil:
		if _, ok := IsInUse(delErr); !ok {
			t.Fatalf("kept but the delete said %v", delErr)
		}
	default:
		t.Fatalf("race: delete %v, use %v, left %d", delErr, useErr, left)
	}
}
