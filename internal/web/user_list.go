package web

import (
	"net/http"

	"mila/internal/accounts"
	"mila/internal/authz"
)

// userRow is one user in the list.
type userRow struct {
	accounts.User
	RoleDisplay string
	IsSelf      bool
}

// userListPage is what userListView shows.
type userListPage struct {
	Users     []userRow
	CanCreate bool
}

// userList lists the users. The table grants every set "read own user";
// for them the list would hold only themselves, so they go to their
// account page instead. Admins see everyone.
func (a *App) userList(w http.ResponseWriter, r *http.Request) {
	actor := actorFrom(r)
	if actor.Scope(authz.User, authz.Read) != authz.All {
		http.Redirect(w, r, "/account", http.StatusSeeOther)
		return
	}
	users, err := a.accounts.ListUsers(r.Context(), actor)
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	p := userListPage{CanCreate: actor.Can(authz.User, authz.Create)}
	for _, u := range users {
		p.Users = append(p.Users, userRow{User: u, RoleDisplay: a.roleName(r, u), IsSelf: u.ID == actor.UserID})
	}
	a.render(w, r, http.StatusOK, pageView(userListView, p))
}
