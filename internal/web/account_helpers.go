package web

import (
	"net/http"

	"mila/internal/accounts"
	"mila/internal/authz"
)

// checkConfirm requires the confirmation field to repeat the password.
// Passwords are compared as typed: no trimming.
func checkConfirm(f *Form, field, confirm, labelID string) {
	if f.Values.Get(field) != "" {
		f.Check(f.Values.Get(field) == f.Values.Get(confirm), confirm, labelID, "AccErrPasswordsDiffer")
	}
}

// forgetPasswords clears password fields before a form is shown again:
// a password never travels back to the browser.
func forgetPasswords(f *Form, fields ...string) {
	for _, n := range fields {
		f.Values.Del(n)
	}
}

// Message ids of the system roles and the permission sets.
var (
	systemRoleIDs = map[string][2]string{ // system_key → name, description
		accounts.SystemMember:    {"RoleMember", "RoleMemberDesc"},
		accounts.SystemBoard:     {"RoleBoard", "RoleBoardDesc"},
		accounts.SystemTreasurer: {"RoleTreasurer", "RoleTreasurerDesc"},
		accounts.SystemAdmin:     {"RoleAdmin", "RoleAdminDesc"},
	}
	permissionSetIDs = map[authz.PermissionSet][2]string{
		authz.OwnData:    {"SetOwnData", "SetOwnDataDesc"},
		authz.ReadOnly:   {"SetReadOnly", "SetReadOnlyDesc"},
		authz.NormalUser: {"SetNormalUser", "SetNormalUserDesc"},
		authz.Admin:      {"SetAdmin", "SetAdminDesc"},
	}
)

// roleView is a role ready for a view: system roles get their names
// and descriptions in the viewer's language.
type roleView struct {
	accounts.Role
	DisplayName        string
	DisplayDescription string
	SetName            string
	// SetDescription says in plain words what the permission set allows.
	SetDescription string
}

func (a *App) roleView(r *http.Request, role accounts.Role) roleView {
	v := roleView{Role: role, DisplayName: role.Name, DisplayDescription: role.Description, SetName: string(role.Set)}
	if ids, ok := systemRoleIDs[role.SystemKey]; ok {
		v.DisplayName, v.DisplayDescription = a.T(r, ids[0]), a.T(r, ids[1])
	}
	if ids, ok := permissionSetIDs[role.Set]; ok {
		v.SetName, v.SetDescription = a.T(r, ids[0]), a.T(r, ids[1])
	}
	return v
}

// roleName is the name of a user's role in the viewer's language.
func (a *App) roleName(r *http.Request, u accounts.User) string {
	if ids, ok := systemRoleIDs[u.RoleSystemKey]; ok {
		return a.T(r, ids[0])
	}
	return u.RoleName
}

// option is one <option> of a select. Hint, when set, explains the
// choice in a list below the select (roleAllowances).
type option struct {
	Value, Label string
	Hint         string
}

// roleOptions lists the roles for a select, in the viewer's language.
func (a *App) roleOptions(r *http.Request) ([]option, error) {
	roles, err := a.accounts.ListRoles(r.Context(), actorFrom(r))
	if err != nil {
		return nil, err
	}
	out := make([]option, 0, len(roles))
	for _, role := range roles {
		out = append(out, option{Value: role.ID, Label: a.roleView(r, role).DisplayName, Hint: a.T(r, permissionSetIDs[role.Set][1])})
	}
	return out, nil
}

// setOptions lists the permission sets for a select.
func (a *App) setOptions(r *http.Request) []option {
	out := make([]option, 0, len(authz.PermissionSets))
	for _, s := range authz.PermissionSets {
		out = append(out, option{Value: string(s), Label: a.T(r, permissionSetIDs[s][0]) + " — " + a.T(r, permissionSetIDs[s][1])})
	}
	return out
}
