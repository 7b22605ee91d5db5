package web

import (
	"net/http"

	"mila/internal/authz"
)

// fieldRoutes registers the data fields' order and the options of choice
// fields (the field pages themselves are in memberRoutes).
func (a *App) fieldRoutes(mux *http.ServeMux) {
	a.route(mux, "POST /admin/fields/{id}/move", authz.CustomField, authz.Update, a.fieldMove)
	a.route(mux, "POST /admin/fields/{id}/options", authz.CustomField, authz.Update, a.fieldOptionAdd)
	a.route(mux, "POST /admin/fields/{id}/options/{option}", authz.CustomField, authz.Update, a.fieldOptionRename)
	a.route(mux, "POST /admin/fields/{id}/options/{option}/move", authz.CustomField, authz.Update, a.fieldOptionMove)
	a.route(mux, "GET /admin/fields/{id}/options/{option}/delete", authz.CustomField, authz.Update, a.fieldOptionDeleteConfirm)
	a.route(mux, "POST /admin/fields/{id}/options/{option}/delete", authz.CustomField, authz.Update, a.fieldOptionDelete)
}
