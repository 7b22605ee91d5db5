package web

import (
	"net/http"

	"mila/internal/authz"
)

// registerRoutes declares every route with the permission it needs. Add
// new pages here: a.route for guarded ones (resource + action from
// internal/authz), a.publicRoute for pages anyone may open. Both record
// the route in a.routes, which the route-walking test checks.
func (a *App) registerRoutes(mux *http.ServeMux) {
	a.bareRoute(mux, "GET /healthz", a.healthz)
	a.bareRoute(mux, "GET /readyz", a.readyz)
	a.bareRoute(mux, "GET /static/{path...}", a.staticFile)

	a.publicRoute(mux, "GET /{$}", a.homeShow)
	a.publicRoute(mux, "GET /lang", a.langSwitch)
	a.publicRoute(mux, "POST /lang", a.langSwitch)
	a.publicRoute(mux, "GET /help", a.helpShow)
	a.bareRoute(mux, "GET /club/logo", a.clubLogo)
	a.bareRoute(mux, "GET /club/theme.css", a.clubTheme)
	a.accountRoutes(mux)
	a.groupRoutes(mux)
	a.historyRoutes(mux)
	a.memberRoutes(mux)
	a.fieldRoutes(mux)
	a.route(mux, "GET /admin/settings", authz.Settings, authz.Update, a.settingsShow)
	a.route(mux, "POST /admin/settings", authz.Settings, authz.Update, a.settingsSave)
	a.auditRoutes(mux)
	a.importRoutes(mux)
	a.mailRoutes(mux)
	a.exportRoutes(mux)
	a.listRoutes(mux)
	a.familyRoutes(mux)
	a.columnsRoutes(mux)
}
