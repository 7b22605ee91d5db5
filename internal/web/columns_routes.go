package web

import (
	"net/http"

	"mila/internal/authz"
)

// columnsRoutes registers the member overview's column chooser. Choosing
// columns is part of viewing the overview (Member read); the handlers
// and the store ask for the right to read every member, so own_data
// users (who have no overview) are refused.
func (a *App) columnsRoutes(mux *http.ServeMux) {
	a.route(mux, "GET /members/columns", authz.Member, authz.Read, a.memberColumnsShow)
	a.route(mux, "POST /members/columns", authz.Member, authz.Read, a.memberColumnsSave)
}
