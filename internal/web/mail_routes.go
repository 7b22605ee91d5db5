package web

import (
	"net/http"

	"mila/internal/authz"
)

// mailRoutes registers the outbox, password reset by mail, mailings and
// the newsletter opt-out.
func (a *App) mailRoutes(mux *http.ServeMux) {
	a.route(mux, "GET /admin/outbox", authz.Outbox, authz.Read, a.outboxList)

	a.publicRoute(mux, "GET /forgot-password", a.forgotShow)
	a.publicRoute(mux, "POST /forgot-password", a.forgotSend)
	a.publicRoute(mux, "GET /reset-password", a.resetShow)
	a.publicRoute(mux, "POST /reset-password", a.resetSave)
}

func init() {
	navItems = append(navItems,
		navItem{LabelID: "NavOutbox", Path: "/admin/outbox", Resource: authz.Outbox, Action: authz.Read},
	)
}
