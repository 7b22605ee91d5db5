package web

import (
	"errors"
	"net/http"

	"mila/internal/accounts"
	"mila/internal/authz"
)

// roleFormPage is what roleFormView shows (new and edit).
type roleFormPage struct {
	Role *roleView // nil for a new role
	Form *Form
	Sets []option
}

var roleLabels = map[string]string{
	"name":           "RoleFieldName",
	"description":    "RoleFieldDescription",
	"permission_set": "RoleFieldSet",
}

func (a *App) renderRoleForm(w http.ResponseWriter, r *http.Request, status int, role *roleView, f *Form) {
	a.render(w, r, status, pageView(roleFormView, roleFormPage{Role: role, Form: f, Sets: a.setOptions(r)}))
}

func roleInput(f *Form) accounts.RoleInput {
	return accounts.RoleInput{Name: f.Get("name"), Description: f.Get("description"), Set: authz.PermissionSet(f.Get("permission_set")),
		MaySendMailings: f.Get("may_send_mailings") == "true"}
}

// roleNew shows the form for a new role.
func (a *App) roleNew(w http.ResponseWriter, r *http.Request) {
	a.renderRoleForm(w, r, http.StatusOK, nil, newForm(nil))
}

// roleCreate adds a role.
func (a *App) roleCreate(w http.ResponseWriter, r *http.Request) {
	if !a.parseForm(w, r) {
		return
	}
	f := newForm(r.PostForm)
	role, err := a.accounts.CreateRole(r.Context(), actorFrom(r), roleInput(f))
	if addDomainErrors(f, err, roleLabels) {
		a.renderRoleForm(w, r, http.StatusUnprocessableEntity, nil, f)
		return
	}
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	a.flashSuccess(r, "RoleCreated", "Name", role.Name)
	http.Redirect(w, r, "/admin/roles", http.StatusSeeOther)
}

// loadEditableRole loads the {id} role for a change; system roles cannot
// be changed, so their edit and delete pages say so with a flash.
func (a *App) loadEditableRole(w http.ResponseWriter, r *http.Request) (roleView, bool) {
	role, err := a.accounts.GetRole(r.Context(), actorFrom(r), r.PathValue("id"))
	if err != nil {
		a.errorResponse(w, r, err)
		return roleView{}, false
	}
	if role.IsSystem() {
		a.flashError(r, "RoleSystemFixed")
		http.Redirect(w, r, "/admin/roles", http.StatusSeeOther)
		return roleView{}, false
	}
	return a.roleView(r, role), true
}

// roleEdit shows the form for a role.
func (a *App) roleEdit(w http.ResponseWriter, r *http.Request) {
	if actorFrom(r).Scope(authz.Role, authz.Update) != authz.All {
		a.forbidden(w, r)
		return
	}
	role, ok := a.loadEditableRole(w, r)
	if !ok {
		return
	}
	f := newForm(nil)
	f.Set("name", role.Name)
	f.Set("description", role.Description)
	f.Set("permission_set", string(role.Set))
	if role.MaySendMailings {
		f.Set("may_send_mailings", "true")
	}
	a.renderRoleForm(w, r, http.StatusOK, &role, f)
}

// roleSave changes a role's name, description and permission set.
func (a *App) roleSave(w http.ResponseWriter, r *http.Request) {
	if !a.parseForm(w, r) {
		return
	}
	actor := actorFrom(r)
	f := newForm(r.PostForm)
	updated, err := a.accounts.UpdateRole(r.Context(), actor, r.PathValue("id"), roleInput(f))
	switch {
	case err == nil:
		a.flashSuccess(r, "RoleSaved", "Name", updated.Name)
		http.Redirect(w, r, "/admin/roles", http.StatusSeeOther)
	case errors.Is(err, accounts.ErrSystemRole):
		a.flashError(r, "RoleSystemFixed")
		http.Redirect(w, r, "/admin/roles", http.StatusSeeOther)
	case errors.Is(err, accounts.ErrLastAdmin):
		a.flashError(r, "RoleLastAdmin")
		http.Redirect(w, r, "/admin/roles/"+r.PathValue("id"), http.StatusSeeOther)
	case addDomainErrors(f, err, roleLabels):
		role, gerr := a.accounts.GetRole(r.Context(), actor, r.PathValue("id"))
		if gerr != nil {
			a.errorResponse(w, r, gerr)
			return
		}
		v := a.roleView(r, role)
		a.renderRoleForm(w, r, http.StatusUnprocessableEntity, &v, f)
	default:
		a.errorResponse(w, r, err)
	}
}

// roleDeletePage is what roleDeleteView shows.
type roleDeletePage struct{ Role roleView }

// roleDeleteConfirm asks before deleting a role; a role in use cannot be
// deleted, and the page says so instead of offering the button.
func (a *App) roleDeleteConfirm(w http.ResponseWriter, r *http.Request) {
	if actorFrom(r).Scope(authz.Role, authz.Destroy) != authz.All {
		a.forbidden(w, r)
		return
	}
	role, ok := a.loadEditableRole(w, r)
	if !ok {
		return
	}
	a.render(w, r, http.StatusOK, pageView(roleDeleteView, roleDeletePage{Role: role}))
}

// roleDelete deletes a role that is neither a system role nor in use.
func (a *App) roleDelete(w http.ResponseWriter, r *http.Request) {
	actor := actorFrom(r)
	role, err := a.accounts.GetRole(r.Context(), actor, r.PathValue("id"))
	if err == nil {
		err = a.accounts.DeleteRole(r.Context(), actor, role.ID)
	}
	switch {
	case err == nil:
		a.flashSuccess(r, "RoleDeleted", "Name", role.Name)
	case errors.Is(err, accounts.ErrSystemRole):
		a.flashError(r, "RoleSystemFixed")
	case errors.Is(err, accounts.ErrRoleInUse):
		a.flashError(r, "RoleInUse", "Name", role.Name)
	default:
		a.errorResponse(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/roles", http.StatusSeeOther)
}
