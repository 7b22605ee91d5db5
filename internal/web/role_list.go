package web

import (
	"net/http"

	"mila/internal/authz"
)

// roleListPage is what roleListView shows.
type roleListPage struct {
	Roles                           []roleView
	CanCreate, CanUpdate, CanDelete bool
}

// roleList lists the roles. Every set may read roles (the table says
// so); the buttons to change them appear only for those who may.
func (a *App) roleList(w http.ResponseWriter, r *http.Request) {
	actor := actorFrom(r)
	roles, err := a.accounts.ListRoles(r.Context(), actor)
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	p := roleListPage{
		CanCreate: actor.Scope(authz.Role, authz.Create) == authz.All,
		CanUpdate: actor.Scope(authz.Role, authz.Update) == authz.All,
		CanDelete: actor.Scope(authz.Role, authz.Destroy) == authz.All,
	}
	for _, role := range roles {
		p.Roles = append(p.Roles, a.roleView(r, role))
	}
	a.render(w, r, http.StatusOK, pageView(roleListView, p))
}
