package web

import (
	"net/http"

	"mila/internal/authz"
)

// exportRoutes registers the lists that leave Mila: the member overview
// and a group's members as CSV, XLSX or PDF, address labels, and the
// birthday and jubilee lists. Reading members is what the
// guard checks; Export applies the actor's scope and drops the columns
// they may not read (a group's export also needs the memberships).
func (a *App) exportRoutes(mux *http.ServeMux) {
	a.route(mux, "GET /members/export", authz.Member, authz.Read, a.memberExport)
	a.route(mux, "GET /groups/{slug}/export", authz.MemberGroup, authz.Read, a.groupExport)
	a.route(mux, "GET /members/labels", authz.Member, authz.Read, a.memberLabels)
	a.route(mux, "GET /members/birthdays", authz.Member, authz.Read, a.birthdayList)
	a.route(mux, "GET /members/jubilees", authz.Member, authz.Read, a.jubileeList)
}
