package web

import (
	"net/http"

	"mila/internal/authz"
	"mila/internal/membership"
)

// listRoutes registers saved lists: views of the member overview kept
// under a name (own or shared), opened live, exported in one click,
// renamed and deleted by their owner (the domain checks the owner).
func (a *App) listRoutes(mux *http.ServeMux) {
	a.route(mux, "GET /lists", authz.SavedList, authz.Read, a.listIndex)
	a.route(mux, "GET /lists/new", authz.SavedList, authz.Create, a.listNew)
	a.route(mux, "POST /lists", authz.SavedList, authz.Create, a.listCreate)
	a.route(mux, "GET /lists/{id}", authz.SavedList, authz.Read, a.listOpen)
	a.route(mux, "GET /lists/{id}/export", authz.SavedList, authz.Read, a.listExport)
	a.route(mux, "GET /lists/{id}/edit", authz.SavedList, authz.Update, a.listEdit)
	a.route(mux, "POST /lists/{id}", authz.SavedList, authz.Update, a.listUpdate)
	a.route(mux, "GET /lists/{id}/delete", authz.SavedList, authz.Destroy, a.listDeleteConfirm)
	a.route(mux, "POST /lists/{id}/delete", authz.SavedList, authz.Destroy, a.listDelete)
}

// listFieldLabels name the list form's fields in the error summary.
var listFieldLabels = map[string]string{"name": "ListFieldName"}

// listFromPath loads the list of the {id} path value; on failure it has
// answered already.
func (a *App) listFromPath(w http.ResponseWriter, r *http.Request) (membership.SavedList, bool) {
	l, err := a.lists.Get(r.Context(), actorFrom(r), r.PathValue("id"))
	if err != nil {
		a.errorResponse(w, r, err)
		return membership.SavedList{}, false
	}
	return l, true
}
