package web

import (
	"errors"
	"net/http"

	"mila/internal/accounts"
	"mila/internal/authz"
)

// userDeletePage is what userDeleteView shows.
type userDeletePage struct {
	User   accounts.User
	IsSelf bool
}

// userDeleteConfirm asks before deleting a user. It is a page of its own
// (not only a dialog), so deleting works without JavaScript too.
func (a *App) userDeleteConfirm(w http.ResponseWriter, r *http.Request) {
	u, ok := a.loadManagedUser(w, r, authz.Destroy)
	if !ok {
		return
	}
	a.render(w, r, http.StatusOK, pageView(userDeleteView, userDeletePage{User: u, IsSelf: u.ID == actorFrom(r).UserID}))
}

// userDelete deletes the user; the last active admin is refused.
func (a *App) userDelete(w http.ResponseWriter, r *http.Request) {
	u, ok := a.loadManagedUser(w, r, authz.Destroy)
	if !ok {
		return
	}
	err := a.accounts.DeleteUser(r.Context(), actorFrom(r), u.ID)
	switch {
	case err == nil:
		a.flashSuccess(r, "UserDeleted", "Email", u.Email)
		http.Redirect(w, r, "/users", http.StatusSeeOther)
	case errors.Is(err, accounts.ErrLastAdmin):
		a.flashError(r, "UserLastAdmin")
		http.Redirect(w, r, "/users/"+u.ID, http.StatusSeeOther)
	default:
		a.errorResponse(w, r, err)
	}
}
