package web

import (
	"net/http"
	"net/url"
	"strings"

	"mila/internal/authz"
	"mila/internal/membership"
)

// groupShowPage is what groupShowView shows.
type groupShowPage struct {
	Group membership.Group
	// CanReadMembers: the actor may list the group's members (own_data
	// users see a group's name and size, not who is in it).
	CanReadMembers bool
	CanEdit        bool
	CanDelete      bool
	CanAdd         bool
	CanRemove      bool
	// Mail: "Copy addresses" and "Write mailing" (mailing_extra.go).
	Mail mailingQuickLinks

	// The member picker: the search as typed and what it found. Without
	// JavaScript the search is a GET of this page with q; with htmx the
	// candidates endpoint fills the same list as one types.
	Q          string
	Searched   bool
	Candidates []membership.GroupCandidate
	// ExportLinks export the group's member list (CSV, Excel, PDF).
	ExportLinks []exportLink
	// History: the members over time (history_group.go).
	History *groupHistorySection
}

// groupShow shows a group with one page of its members. A link by id
// (/groups/<uuid>) is redirected to the group's slug address.
func (a *App) groupShow(w http.ResponseWriter, r *http.Request) {
	actor := actorFrom(r)
	gp, err := a.groups.Page(r.Context(), actor, membership.GroupPageQuery{
		Key: r.PathValue("slug"), Q: r.URL.Query().Get("q"), SkipMembers: true,
	})
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	if gp.MovedTo != "" {
		target := "/groups/" + gp.MovedTo
		if r.URL.RawQuery != "" {
			target += "?" + r.URL.RawQuery
		}
		http.Redirect(w, r, target, http.StatusMovedPermanently)
		return
	}
	hist, err := a.groupHistoryFor(r, actor, gp.Group)
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	a.render(w, r, http.StatusOK, pageView(groupShowView, groupShowPage{
		Mail:           quickLinks(actorFrom(r), url.Values{"group": {gp.Group.Slug}}),
		History:        hist,
		Group:          gp.Group,
		CanReadMembers: gp.MembersShown,
		CanEdit:        actor.Can(authz.Group, authz.Update),
		CanDelete:      actor.Can(authz.Group, authz.Destroy),
		CanAdd:         gp.Picker,
		CanRemove:      actor.Can(authz.MemberGroup, authz.Destroy),
		Q:              gp.Q,
		Searched:       gp.Searched,
		Candidates:     gp.Candidates,
		ExportLinks: append(exportLinks(func(f string) string { return groupExportURL(gp.Group.Slug, f) }),
			labelLinks(groupLabelsQuery(gp.Group.Slug))...),
	}))
}

// groupCandidates answers the picker's search-as-you-type (htmx) with the
// list of matching members. A plain GET (no htmx) goes to the group page,
// which shows the same list.
func (a *App) groupCandidates(w http.ResponseWriter, r *http.Request) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if !isHTMX(r) {
		g, ok := a.groupFromPath(w, r)
		if !ok {
			return
		}
		target := "/groups/" + g.Slug
		if q != "" {
			target += "?q=" + url.QueryEscape(q)
		}
		http.Redirect(w, r, target+"#group-add", http.StatusSeeOther)
		return
	}
	gp, err := a.groups.Candidates(r.Context(), actorFrom(r), r.PathValue("slug"), q)
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	a.render(w, r, http.StatusOK, pageView(groupCandidatesFragment, groupShowPage{
		Group: gp.Group, CanAdd: true, Q: gp.Q, Searched: gp.Searched, Candidates: gp.Candidates,
	}))
}
