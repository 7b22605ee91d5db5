package web

import (
	"errors"
	"net/http"

	"mila/internal/accounts"
	"mila/internal/authz"
)

// userEditPage is what userEditView shows.
type userEditPage struct {
	User        accounts.User
	RoleDisplay string
	Roles       []option
	Form        *Form // the role form
	EmailForm   *Form
	NameForm    *Form // the display name (users not linked to a member)
	IsSelf      bool
	CanDelete   bool
}

// loadManagedUser loads the user of the {id} path value for an admin
// action and answers the request itself when that is not possible. The
// route guard let every set through (all may update their own user); the
// scope is narrowed here: a non-admin opening their own id goes to
// /account, anyone else's is forbidden.
func (a *App) loadManagedUser(w http.ResponseWriter, r *http.Request, act authz.Action) (accounts.User, bool) {
	actor := actorFrom(r)
	id := r.PathValue("id")
	if actor.Scope(authz.User, act) != authz.All {
		if id == actor.UserID && r.Method == http.MethodGet {
			http.Redirect(w, r, "/account", http.StatusSeeOther)
		} else {
			a.forbidden(w, r)
		}
		return accounts.User{}, false
	}
	u, err := a.accounts.GetUser(r.Context(), actor, id)
	if err != nil {
		a.errorResponse(w, r, err)
		return accounts.User{}, false
	}
	return u, true
}

// userEdit shows a user to an admin: role, active state, a new
// set-password link and (at the bottom) deletion.
func (a *App) userEdit(w http.ResponseWriter, r *http.Request) {
	u, ok := a.loadManagedUser(w, r, authz.Update)
	if !ok {
		return
	}
	f := newForm(nil)
	f.Set("role_id", u.RoleID)
	a.renderUserEdit(w, r, http.StatusOK, u, f)
}

func (a *App) renderUserEdit(w http.ResponseWriter, r *http.Request, status int, u accounts.User, f *Form) {
	ef := newForm(nil)
	ef.Set("email", u.Email)
	a.renderUserEditForms(w, r, status, u, f, ef)
}

func (a *App) renderUserEditForms(w http.ResponseWriter, r *http.Request, status int, u accounts.User, f, ef *Form) {
	nf := newForm(nil)
	nf.Set("name", u.OwnName)
	a.renderUserEditAll(w, r, status, u, f, ef, nf)
}

func (a *App) renderUserEditAll(w http.ResponseWriter, r *http.Request, status int, u accounts.User, f, ef, nf *Form) {
	roles, err := a.roleOptions(r)
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	actor := actorFrom(r)
	a.render(w, r, status, pageView(userEditView, userEditPage{
		User: u, RoleDisplay: a.roleName(r, u), Roles: roles, Form: f, EmailForm: ef, NameForm: nf,
		IsSelf: u.ID == actor.UserID, CanDelete: actor.Can(authz.User, authz.Destroy),
	}))
}

// userRoleSave gives the user another role.
func (a *App) userRoleSave(w http.ResponseWriter, r *http.Request) {
	u, ok := a.loadManagedUser(w, r, authz.Update)
	if !ok || !a.parseForm(w, r) {
		return
	}
	f := newForm(r.PostForm)
	f.Required("role_id", "UserFieldRole")
	if f.Valid() {
		actor := actorFrom(r)
		err := a.accounts.ChangeRole(r.Context(), actor, u.ID, f.Get("role_id"))
		if err == nil && u.ID == actor.UserID {
			// A new role ends the user's sessions; this one, the admin's
			// own, continues under the new role with a new token.
			err = a.restartSession(r, actor)
		}
		if !addDomainErrors(f, err, userLabels) {
			if a.userActionDone(w, r, u, err, "UserRoleChanged") {
				return
			}
		}
	}
	a.renderUserEdit(w, r, http.StatusUnprocessableEntity, u, f)
}

// userEmailSave gives the user another email address; a linked member's
// email changes with it.
func (a *App) userEmailSave(w http.ResponseWriter, r *http.Request) {
	u, ok := a.loadManagedUser(w, r, authz.Update)
	if !ok || !a.parseForm(w, r) {
		return
	}
	ef := newForm(r.PostForm)
	ef.Required("email", "AuthFieldEmail")
	if ef.Valid() {
		err := a.accounts.ChangeEmail(r.Context(), actorFrom(r), u.ID, ef.Get("email"))
		if !addDomainErrors(ef, err, userLabels) {
			if err == nil {
				a.noticeEmailChanged(r, u.Email, ef.Get("email"))
				u.Email = ef.Get("email")
			}
			if a.userActionDone(w, r, u, err, "UserEmailChanged") {
				return
			}
		}
	}
	f := newForm(nil)
	f.Set("role_id", u.RoleID)
	a.renderUserEditForms(w, r, http.StatusUnprocessableEntity, u, f, ef)
}

// userActionDone finishes an admin action on a user: a flash and back to
// the user's page, with the last-admin refusal told plainly. It reports
// whether the request was answered.
func (a *App) userActionDone(w http.ResponseWriter, r *http.Request, u accounts.User, err error, okID string) bool {
	switch {
	case err == nil:
		a.flashSuccess(r, okID, "Email", u.Email)
	case errors.Is(err, accounts.ErrLastAdmin):
		a.flashError(r, "UserLastAdmin")
	default:
		a.errorResponse(w, r, err)
		return true
	}
	http.Redirect(w, r, "/users/"+u.ID, http.StatusSeeOther)
	return true
}

// userDeactivate: the user can no longer sign in; their sessions end at
// their next request.
func (a *App) userDeactivate(w http.ResponseWriter, r *http.Request) {
	a.userSetActive(w, r, false)
}

// userReactivate lets a deactivated user sign in again.
func (a *App) userReactivate(w http.ResponseWriter, r *http.Request) {
	a.userSetActive(w, r, true)
}

func (a *App) userSetActive(w http.ResponseWriter, r *http.Request, active bool) {
	u, ok := a.loadManagedUser(w, r, authz.Update)
	if !ok {
		return
	}
	err := a.accounts.SetActive(r.Context(), actorFrom(r), u.ID, active)
	msg := "UserDeactivated"
	if active {
		msg = "UserReactivated"
	}
	a.userActionDone(w, r, u, err, msg)
}

// userLinkCreate makes a fresh one-time set-password link for the user
// (e.g. a forgotten password) and shows it once.
func (a *App) userLinkCreate(w http.ResponseWriter, r *http.Request) {
	u, ok := a.loadManagedUser(w, r, authz.Update)
	if !ok {
		return
	}
	tok, err := a.accounts.NewSetPasswordLink(r.Context(), actorFrom(r), u.ID)
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	link := a.absURL(r, "/set-password?token="+tok)
	a.render(w, r, http.StatusOK, pageView(userLinkView, userLinkPage{User: u, Link: link, Mail: a.mailInvitation(r, u, link)}))
}
