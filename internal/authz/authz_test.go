package authz

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// want is the permission table as the product defines the four sets,
// written out independently of authz.go so a slip in either shows up
// here. Each entry is "Resource action" → scope; everything not listed is
// None.
var want = map[PermissionSet]map[string]Scope{
	OwnData: {
		"User read": Own, "User update": Own,
		"Member read": Linked, "Member update": Linked,
		"CustomFieldValue read": Linked, "CustomFieldValue create": Linked,
		"CustomFieldValue update": Linked, "CustomFieldValue destroy": Linked,
		"CustomField read": All, "Group read": All, "Role read": All,
	},
	ReadOnly: {
		"User read": Own, "User update": Own,
		"Member read": All, "CustomField read": All, "CustomFieldValue read": All,
		"Group read": All, "MemberGroup read": All, "Role read": All,
		"SavedList read": All, "SavedList create": All, "SavedList update": Own, "SavedList destroy": Own,
		"Statistics read": All,
	},
	NormalUser: {
		"User read": Own, "User update": Own,
		"Member read": All, "Member create": All, "Member update": All,
		"CustomFieldValue read": All, "CustomFieldValue create": All,
		"CustomFieldValue update": All, "CustomFieldValue destroy": All,
		"CustomField read": All, "Group read": All, "MemberGroup read": All, "Role read": All,
		"SavedList read": All, "SavedList create": All, "SavedList update": Own, "SavedList destroy": Own,
	},
	Admin: func() map[string]Scope {
		m := map[string]Scope{}
		for _, r := range []string{"Member", "CustomField", "CustomFieldValue", "Group", "MemberGroup", "User", "Role", "Import", "Settings", "Audit", "Mailing", "Outbox", "SavedList", "Statistics"} {
			for _, a := range []string{"read", "create", "update", "destroy"} {
				m[r+" "+a] = All
			}
		}
		return m
	}(),
}

// TestTable checks every permission set × resource × action: the scope
// granted, Can, Require and an anonymous actor.
func TestTable(t *testing.T) {
	if len(Resources) != 14 || len(Actions) != 4 || len(PermissionSets) != 4 {
		t.Fatalf("resources/actions/sets changed (%d/%d/%d): update this test and the issue's table",
			len(Resources), len(Actions), len(PermissionSets))
	}
	for _, set := range PermissionSets {
		for _, res := range Resources {
			for _, act := range Actions {
				key := fmt.Sprintf("%s %s", res, act)
				t.Run(fmt.Sprintf("%s/%s", set, strings.ReplaceAll(key, " ", "_")), func(t *testing.T) {
					exp := want[set][key]
					if got := ScopeFor(set, res, act); got != exp {
						t.Fatalf("ScopeFor = %s, want %s", got, exp)
					}
					a := Actor{UserID: "u1", Set: set, MemberID: "m1"}
					if got := a.Scope(res, act); got != exp {
						t.Errorf("Actor.Scope = %s, want %s", got, exp)
					}
					if a.Can(res, act) != (exp != None) {
						t.Errorf("Can = %v, want %v", a.Can(res, act), exp != None)
					}
					if err := a.Require(res, act); (err == nil) != (exp != None) {
						t.Errorf("Require = %v", err)
					}
					if Anonymous.Can(res, act) {
						t.Error("anonymous may act")
					}
					// An actor whose UserID is empty is anonymous, whatever its set.
					if (Actor{Set: set}).Can(res, act) {
						t.Error("actor without user id may act")
					}
				})
			}
		}
	}
	// Nothing in want that the loops above did not check.
	for set, m := range want {
		for key := range m {
			parts := strings.Fields(key)
			if ScopeFor(set, Resource(parts[0]), Action(parts[1])) == None {
				t.Errorf("%s: %s expected but unknown to the table", set, key)
			}
		}
	}
}

func TestScopeChecksOnRecords(t *testing.T) {
	own := Actor{UserID: "u1", Set: OwnData, MemberID: "m1"}
	noMember := Actor{UserID: "u2", Set: OwnData}
	board := Actor{UserID: "u3", Set: ReadOnly}
	admin := Actor{UserID: "u4", Set: Admin}

	cases := []struct {
		name string
		got  bool
		want bool
	}{
		{"own_data reads linked member", own.CanOnMember(Member, Read, "m1"), true},
		{"own_data reads other member", own.CanOnMember(Member, Read, "m2"), false},
		{"own_data without member reads none", noMember.CanOnMember(Member, Read, ""), false},
		{"own_data creates no member", own.CanOnMember(Member, Create, "m1"), false},
		{"own_data edits own values", own.CanOnMember(CustomFieldValue, Update, "m1"), true},
		{"board reads any member", board.CanOnMember(Member, Read, "m9"), true},
		{"board updates no member", board.CanOnMember(Member, Update, "m9"), false},
		{"own_data reads own user", own.CanOnUser(Read, "u1"), true},
		{"own_data updates own user", own.CanOnUser(Update, "u1"), true},
		{"own_data reads other user", own.CanOnUser(Read, "u4"), false},
		{"own_data deletes own user", own.CanOnUser(Destroy, "u1"), false},
		{"board updates other user", board.CanOnUser(Update, "u1"), false},
		{"admin updates any user", admin.CanOnUser(Update, "u1"), true},
		{"anonymous reads empty user id", Anonymous.CanOnUser(Read, ""), false},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestMemberFilter(t *testing.T) {
	cases := []struct {
		actor Actor
		sql   string
		args  int
	}{
		{Actor{UserID: "u", Set: Admin}, "true", 0},
		{Actor{UserID: "u", Set: ReadOnly}, "true", 0},
		{Actor{UserID: "u", Set: OwnData, MemberID: "m1"}, "m.id = $3", 1},
		{Actor{UserID: "u", Set: OwnData}, "false", 0},
		{Anonymous, "false", 0},
	}
	for _, c := range cases {
		sql, args := c.actor.MemberFilter(Member, Read, "m.id", 3)
		if sql != c.sql || len(args) != c.args {
			t.Errorf("%+v: got %q %v, want %q with %d args", c.actor, sql, args, c.sql, c.args)
		}
	}
	// Denied action: nothing, even for the linked member.
	if sql, _ := (Actor{UserID: "u", Set: OwnData, MemberID: "m1"}).MemberFilter(Member, Destroy, "m.id", 1); sql != "false" {
		t.Errorf("denied action gives %q", sql)
	}
}

func TestPermissionSetValid(t *testing.T) {
	for _, s := range PermissionSets {
		if !s.Valid() {
			t.Errorf("%s not valid", s)
		}
	}
	for _, s := range []PermissionSet{"", "root", "Admin"} {
		if s.Valid() {
			t.Errorf("%q valid", s)
		}
	}
	if None.String() != "none" || Own.String() != "own" || Linked.String() != "linked" || All.String() != "all" {
		t.Error("scope names changed")
	}
}

// TestRoleFlagSendMailings: the flag adds reading, writing and changing
// mailings to any set, and nothing else; without it only admins have them.
func TestRoleFlagSendMailings(t *testing.T) {
	for _, set := range PermissionSets {
		with := Actor{UserID: "u", Set: set, SendsMailings: true}
		without := Actor{UserID: "u", Set: set}
		for _, res := range Resources {
			for _, act := range Actions {
				exp := ScopeFor(set, res, act)
				if res == Mailing && act != Destroy {
					exp = All
				}
				if got := with.Scope(res, act); got != exp {
					t.Errorf("%s with flag: %s %s = %s, want %s", set, res, act, got, exp)
				}
				if got := without.Scope(res, act); got != ScopeFor(set, res, act) {
					t.Errorf("%s without flag: %s %s = %s", set, res, act, got)
				}
			}
		}
		if (without.Can(Mailing, Create)) != (set == Admin) {
			t.Errorf("%s without the flag may create mailings: %v", set, without.Can(Mailing, Create))
		}
	}
	if (Actor{SendsMailings: true, Set: Admin}).Can(Mailing, Read) {
		t.Error("anonymous actor with the flag may act")
	}
}

// TestRewriteOptionValues: renaming or removing a choice option that
// members have needs the field's update and every member's values'
// update, for each permission set as want (above) defines them — and a
// set given the field's update but only its linked member's values is
// refused all the same.
func TestRewriteOptionValues(t *testing.T) {
	for _, set := range PermissionSets {
		a := Actor{UserID: "u1", Set: set, MemberID: "m1"}
		exp := want[set]["CustomField update"] == All && want[set]["CustomFieldValue update"] == All
		if got := a.Has(RewriteOptionValues); got != exp {
			t.Errorf("%s: Has = %v, want %v", set, got, exp)
		}
		if err := a.RequireAll(RewriteOptionValues); (err == nil) != exp || (err != nil && !errors.Is(err, ErrForbidden)) {
			t.Errorf("%s: RequireAll = %v", set, err)
		}
		if (Actor{Set: set}).Has(RewriteOptionValues) {
			t.Errorf("%s: actor without user id may rewrite values", set)
		}
	}
	// own_data with the field's update added: its values scope is Linked,
	// not All.
	g := grant{CustomField, Update}
	table[OwnData][g] = All
	defer delete(table[OwnData], g)
	a := Actor{UserID: "u1", Set: OwnData, MemberID: "m1"}
	if !a.Can(CustomField, Update) {
		t.Fatal("the table change did not take")
	}
	if err := a.RequireAll(RewriteOptionValues); !errors.Is(err, ErrForbidden) || !strings.Contains(err.Error(), "CustomFieldValue") {
		t.Fatalf("linked values scope: %v", err)
	}
}
