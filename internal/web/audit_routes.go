package web

import (
	"net/http"

	"mila/internal/authz"
)

// auditRoutes registers the audit trail's pages: the admin's
// whole trail and one entry with its affected members, and a member's
// history (for whoever may read that member).
func (a *App) auditRoutes(mux *http.ServeMux) {
	a.route(mux, "GET /admin/audit", authz.Audit, authz.Read, a.auditList)
	a.route(mux, "GET /admin/audit/{id}", authz.Audit, authz.Read, a.auditShow)
	a.route(mux, "GET /members/{id}/history", authz.Member, authz.Read, a.memberHistory)
	// The access export (Art. 15): admins, and the member themself
	// (privacy.CanExport checks it inside).
	a.route(mux, "GET /members/{id}/export.json", authz.Member, authz.Read, a.memberExportJSON)
	a.route(mux, "GET /members/{id}/export.pdf", authz.Member, authz.Read, a.memberExportPDF)
	// Erasure and anonymisation (Art. 17): admins.
	a.route(mux, "GET /members/{id}/erase", authz.Audit, authz.Destroy, a.memberEraseConfirm)
	a.route(mux, "POST /members/{id}/erase", authz.Audit, authz.Destroy, a.memberErase)
	// Retention: the rule, who is due, and the admin's confirmed batch.
	a.route(mux, "GET /admin/retention", authz.Audit, authz.Read, a.retentionShow)
	a.route(mux, "POST /admin/retention/settings", authz.Audit, authz.Update, a.retentionSave)
	a.route(mux, "POST /admin/retention/apply", authz.Audit, authz.Destroy, a.retentionApply)
}
