// Package authz holds Mila's permission table: four fixed permission sets,
// each granting actions on resources with a scope. The table is data; the
// domain actions and the web layer both read it, so what the interface
// hides and what the server refuses can never drift apart.
package authz

import (
	"errors"
	"fmt"
)

// Resource names a kind of record an action works on.
type Resource string

const (
	Member           Resource = "Member"
	CustomField      Resource = "CustomField"
	CustomFieldValue Resource = "CustomFieldValue"
	Group            Resource = "Group"
	MemberGroup      Resource = "MemberGroup"
	User             Resource = "User"
	Role             Resource = "Role"
	// Import is bringing a register in from a file (dry run, commit,
	// undo, saved mappings): admin only, since one import can change
	// every member.
	Import Resource = "Import"
	// Settings are the club's own settings (name, logo, accent colour,
	// default language): admin only. Reading them needs no permission.
	Settings Resource = "Settings"
	// Audit is the audit trail (reading it: admins) and the privacy
	// actions on a member's data (access export, erasure, retention).
	Audit Resource = "Audit"
	// Mailing is writing to members by email (/mailings): admins, and
	// users whose role "may send mailings" (Actor.SendsMailings, a flag
	// on the role; see RoleGrants).
	Mailing Resource = "Mailing"
	// Outbox is every outgoing message, account mail included
	// (/admin/outbox): admin only.
	Outbox Resource = "Outbox"
	// SavedList is a view of the member overview kept under a name. Who
	// may read every member may keep lists and sees the shared ones;
	// each user changes only their own (Own), an admin any.
	SavedList Resource = "SavedList"
	// Statistics are the counts of /statistics (members on a day, joins
	// and exits, per group, role and age): read by the board (read_only)
	// and admin — counts are the board's tool for federations and the
	// general assembly; not normal_user, not own_data.
	Statistics Resource = "Statistics"
)

// Resources lists every resource, in a stable order (for tests and docs).
var Resources = []Resource{Member, CustomField, CustomFieldValue, Group, MemberGroup, User, Role, Import, Settings, Audit, Mailing, Outbox, SavedList, Statistics}

// Action is what is done to a resource.
type Action string

const (
	Read    Action = "read"
	Create  Action = "create"
	Update  Action = "update"
	Destroy Action = "destroy"
)

// Actions lists every action, in a stable order.
var Actions = []Action{Read, Create, Update, Destroy}

// Scope says which records of a resource an action may touch.
// The zero value, None, means the action is not allowed at all.
type Scope int

const (
	None   Scope = iota
	Own          // the user's own record (User), or records the user owns (SavedList)
	Linked       // the member linked to the user, and records belonging to it
	All          // every record
)

func (s Scope) String() string {
	switch s {
	case Own:
		return "own"
	case Linked:
		return "linked"
	case All:
		return "all"
	}
	return "none"
}

// PermissionSet is one of the four fixed sets a role points at.
type PermissionSet string

const (
	OwnData    PermissionSet = "own_data"
	ReadOnly   PermissionSet = "read_only"
	NormalUser PermissionSet = "normal_user"
	Admin      PermissionSet = "admin"
)

// PermissionSets lists the sets from least to most powerful.
var PermissionSets = []PermissionSet{OwnData, ReadOnly, NormalUser, Admin}

// Valid reports whether s is one of the four sets.
func (s PermissionSet) Valid() bool {
	for _, p := range PermissionSets {
		if p == s {
			return true
		}
	}
	return false
}

type grant struct {
	res Resource
	act Action
}

// table is the permission table. A missing entry means None.
var table = map[PermissionSet]map[grant]Scope{
	OwnData: {
		{User, Read}:   Own,
		{User, Update}: Own,

		{Member, Read}:   Linked,
		{Member, Update}: Linked,

		{CustomFieldValue, Read}:    Linked,
		{CustomFieldValue, Create}:  Linked,
		{CustomFieldValue, Update}:  Linked,
		{CustomFieldValue, Destroy}: Linked,

		{CustomField, Read}: All,
		{Group, Read}:       All,
		{Role, Read}:        All,
	},
	ReadOnly: {
		{User, Read}:   Own,
		{User, Update}: Own,

		{Member, Read}:           All,
		{CustomField, Read}:      All,
		{CustomFieldValue, Read}: All,
		{Group, Read}:            All,
		{MemberGroup, Read}:      All,
		{Role, Read}:             All,

		{SavedList, Read}:    All,
		{SavedList, Create}:  All,
		{SavedList, Update}:  Own,
		{SavedList, Destroy}: Own,
		{Statistics, Read}:   All,
	},
	NormalUser: {
		{User, Read}:   Own,
		{User, Update}: Own,

		{Member, Read}:   All,
		{Member, Create}: All,
		{Member, Update}: All,

		{CustomFieldValue, Read}:    All,
		{CustomFieldValue, Create}:  All,
		{CustomFieldValue, Update}:  All,
		{CustomFieldValue, Destroy}: All,

		{CustomField, Read}: All,
		{Group, Read}:       All,
		{MemberGroup, Read}: All,
		{Role, Read}:        All,

		{SavedList, Read}:    All,
		{SavedList, Create}:  All,
		{SavedList, Update}:  Own,
		{SavedList, Destroy}: Own,
	},
	Admin: func() map[grant]Scope {
		m := map[grant]Scope{}
		for _, r := range Resources {
			for _, a := range Actions {
				m[grant{r, a}] = All
			}
		}
		return m
	}(),
}

// RoleFlag is a permission a role can have on top of its permission set.
type RoleFlag string

// SendMailings: the role "may send mailings" (roles.may_send_mailings).
// Admins may anyway; the board and roles with the normal_user set have
// it by default (migration 00015), and an admin can give or take it per
// role.
const SendMailings RoleFlag = "send_mailings"

// RoleGrants is what each role flag adds to a permission set's grants.
// Like the table, it is data: the guard, the stores and the interface all
// read it through Actor.Scope.
var RoleGrants = map[RoleFlag]map[grant]Scope{
	SendMailings: {
		{Mailing, Read}:   All,
		{Mailing, Create}: All,
		{Mailing, Update}: All,
	},
}

// FlagScope returns the scope a role flag grants for act on res.
func FlagScope(f RoleFlag, res Resource, act Action) Scope {
	return RoleGrants[f][grant{res, act}]
}

// ScopeFor returns the scope set grants for act on res (None if denied).
func ScopeFor(set PermissionSet, res Resource, act Action) Scope {
	return table[set][grant{res, act}]
}

// Actor is whoever performs an action. Every domain action takes one;
// there is no "system" actor reachable from the web.
type Actor struct {
	UserID   string        // the signed-in user's id
	Email    string        // the user's email, for logs
	Name     string        // the user's display name (the linked member's name), for the header and logs
	Set      PermissionSet // from the user's role
	MemberID string        // the member linked to the user, "" if none
	// SendsMailings: the user's role may send mailings (RoleGrants).
	SendsMailings bool
}

// Anonymous is the actor of a request nobody signed in for. It may do nothing.
var Anonymous = Actor{}

// Scope returns the scope the actor has for act on res.
func (a Actor) Scope(res Resource, act Action) Scope {
	if a.UserID == "" {
		return None
	}
	s := ScopeFor(a.Set, res, act)
	if a.SendsMailings {
		s = max(s, FlagScope(SendMailings, res, act))
	}
	return s
}

// Can reports whether the actor may do act on res at all (in any scope).
// Use it to show or hide controls; use CanOn or the scoped queries for a
// particular record.
func (a Actor) Can(res Resource, act Action) bool {
	return a.Scope(res, act) != None
}

// ErrForbidden is returned by every action the actor may not perform.
var ErrForbidden = errors.New("authz: forbidden")

// Require returns ErrForbidden (wrapped with what was refused) unless the
// actor may do act on res in some scope.
func (a Actor) Require(res Resource, act Action) error {
	if !a.Can(res, act) {
		return fmt.Errorf("%s %s: %w", act, res, ErrForbidden)
	}
	return nil
}

// Grant is one permission an action needs: Act on Res in at least Min.
type Grant struct {
	Res Resource
	Act Action
	Min Scope
}

// RewriteOptionValues is what renaming, moving or removing a choice
// option needs when members have it: the option belongs to the field
// (CustomField update), and the change rewrites those members' values —
// every member's, whoever may read them (CustomFieldValue update, all).
// Like the table, this is data: the store requires it, the tests check it
// against every permission set.
var RewriteOptionValues = []Grant{
	{CustomField, Update, All},
	{CustomFieldValue, Update, All},
}

// Has reports whether the actor has every grant in gs, each in at least
// its scope (None < Own < Linked < All).
func (a Actor) Has(gs []Grant) bool {
	for _, g := range gs {
		s := a.Scope(g.Res, g.Act)
		if s == None || s < g.Min {
			return false
		}
	}
	return true
}

// RequireAll returns ErrForbidden (wrapped with the first grant missing)
// unless the actor has every grant in gs.
func (a Actor) RequireAll(gs []Grant) error {
	for _, g := range gs {
		if !a.Has([]Grant{g}) {
			return fmt.Errorf("%s %s (scope %s): %w", g.Act, g.Res, g.Min, ErrForbidden)
		}
	}
	return nil
}

// CanOnMember reports whether the actor may do act on res belonging to the
// member memberID (Member, CustomFieldValue, MemberGroup). With Linked
// scope only the linked member qualifies.
func (a Actor) CanOnMember(res Resource, act Action, memberID string) bool {
	switch a.Scope(res, act) {
	case All:
		return true
	case Linked:
		return a.MemberID != "" && a.MemberID == memberID
	}
	return false
}

// CanOnUser reports whether the actor may do act on the user userID.
func (a Actor) CanOnUser(act Action, userID string) bool {
	switch a.Scope(User, act) {
	case All:
		return true
	case Own:
		return a.UserID != "" && a.UserID == userID
	}
	return false
}

// MemberFilter returns a SQL condition restricting a query on members to
// what the actor may read, and its arguments numbered from argN. col is
// the member id column (for example "m.id"). A denied actor gets "false".
// List queries apply the scope in SQL, never by filtering in Go.
func (a Actor) MemberFilter(res Resource, act Action, col string, argN int) (string, []any) {
	switch a.Scope(res, act) {
	case All:
		return "true", nil
	case Linked:
		if a.MemberID == "" {
			return "false", nil
		}
		return fmt.Sprintf("%s = $%d", col, argN), []any{a.MemberID}
	}
	return "false", nil
}
