package web

import (
	"net/http"

	"mila/internal/authz"
)

// mailRoutes registers the outbox, password reset by mail, mailings and
// the newsletter opt-out.
func (a *App) mailRoutes(mux *http.ServeMux) {
	a.route(mux, "GET /admin/outbox", authz.Outbox, authz.Read, a.outboxList)
	a.route(mux, "POST /admin/roles/{id}/mailings", authz.Role, authz.Update, a.roleMailingsSave)

	a.publicRoute(mux, "GET /forgot-password", a.forgotShow)
	a.publicRoute(mux, "POST /forgot-password", a.forgotSend)
	a.publicRoute(mux, "GET /reset-password", a.resetShow)
	a.publicRoute(mux, "POST /reset-password", a.resetSave)

	a.route(mux, "GET /mailings", authz.Mailing, authz.Read, a.mailingList)
	a.route(mux, "GET /mailings/new", authz.Mailing, authz.Create, a.mailingNew)
	a.route(mux, "POST /mailings", authz.Mailing, authz.Create, a.mailingSubmit)
	a.route(mux, "GET /mailings/addresses", authz.Mailing, authz.Create, a.mailingAddresses)
	a.route(mux, "GET /mailings/labels", authz.Mailing, authz.Read, a.mailingDraftLabels)
	a.route(mux, "GET /mailings/{id}", authz.Mailing, authz.Read, a.mailingShow)
	a.route(mux, "GET /mailings/{id}/labels", authz.Mailing, authz.Read, a.mailingLabels)
	a.route(mux, "GET /mailings/{id}/progress", authz.Mailing, authz.Read, a.mailingProgress)
	for _, action := range []string{"pause", "resume", "cancel", "retry"} {
		a.route(mux, "POST /mailings/{id}/"+action, authz.Mailing, authz.Update, a.mailingAction(action))
	}

	// The newsletter opt-out works without signing in (HMAC link).
	a.publicRoute(mux, "GET /unsubscribe", a.optOutShow)
	a.publicRoute(mux, "POST /unsubscribe", a.optOutSave)
}

func init() {
	navItems = append(navItems,
		navItem{LabelID: "NavMailings", Path: "/mailings", Resource: authz.Mailing, Action: authz.Read, Icon: "mail"},
		navItem{LabelID: "NavOutbox", Path: "/admin/outbox", Resource: authz.Outbox, Action: authz.Read, Icon: "inbox"},
	)
}
