package web

import (
	"net/http"

	"mila/internal/authz"
)

// historyRoutes registers the history actions: a member's periods in the
// club and dated group memberships. Reading them is part of the member
// and group pages (member_show.go, group_show.go).
func (a *App) historyRoutes(mux *http.ServeMux) {
	a.route(mux, "POST /members/{id}/periods", authz.Member, authz.Update, a.historyPeriodAdd)
	a.route(mux, "POST /members/{id}/periods/{period_id}", authz.Member, authz.Update, a.historyPeriodUpdate)
	a.route(mux, "POST /members/{id}/memberships", authz.MemberGroup, authz.Create, a.historyMembershipAdd)
	a.route(mux, "POST /members/{id}/memberships/{membership_id}", authz.MemberGroup, authz.Update, a.historyMembershipUpdate)
	a.route(mux, "POST /members/{id}/memberships/{membership_id}/end", authz.MemberGroup, authz.Update, a.historyMembershipEnd)
	a.route(mux, "POST /members/{id}/memberships/{membership_id}/delete", authz.MemberGroup, authz.Destroy, a.historyMembershipDelete)
	a.route(mux, "POST /groups/{slug}/memberships/end", authz.MemberGroup, authz.Update, a.historyGroupEnd)
	a.route(mux, "GET /statistics", authz.Statistics, authz.Read, a.statisticsShow)
	a.route(mux, "POST /statistics/birth-field", authz.CustomField, authz.Update, a.statisticsBirthField)
	a.historyListRoutes(mux) // the roles and exit reasons screens (history_lists.go)
}
