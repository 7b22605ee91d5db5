package web

import (
	"net/http"

	"mila/internal/authz"
	"mila/internal/validate"
)

// userNameSave gives a user who is not linked to a member another display
// name (admin). A linked user's name is the member's: the form is not
// shown for them, and the domain refuses it (ErrUserNameFromMember).
func (a *App) userNameSave(w http.ResponseWriter, r *http.Request) {
	u, ok := a.loadManagedUser(w, r, authz.Update)
	if !ok || !a.parseForm(w, r) {
		return
	}
	nf := newForm(r.PostForm)
	nf.Required("name", "UserFieldName")
	if nf.Valid() {
		err := a.accounts.ChangeName(r.Context(), actorFrom(r), u.ID, nf.Get("name"))
		if !addDomainErrors(nf, err, userLabels) {
			if err == nil {
				a.flashSuccess(r, "UserNameChanged", "Name", validate.Clean(nf.Get("name")))
				http.Redirect(w, r, "/users/"+u.ID, http.StatusSeeOther)
				return
			}
			a.errorResponse(w, r, err)
			return
		}
	}
	f := newForm(nil)
	f.Set("role_id", u.RoleID)
	ef := newForm(nil)
	ef.Set("email", u.Email)
	a.renderUserEditAll(w, r, http.StatusUnprocessableEntity, u, f, ef, nf)
}
