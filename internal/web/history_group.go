package web

import (
	"net/http"
	"net/url"
	"strconv"

	"mila/internal/authz"
	"mila/internal/membership"
)

// groupHistorySection is the group page's list of memberships over time:
// current (default), former or all on a day, with role and dates.
type groupHistorySection struct {
	Slug    string
	Page    membership.GroupHistoryPage
	AsOf    string // "" today
	AsOfBad bool
	Shows   []memberListOption
	Sorts   []memberListOption
	CanEnd  bool
	// CanRoles: the viewer may edit the group's roles (/groups/{slug}/roles).
	CanRoles bool
}

// groupHistoryQuery reads the section's state from the URL.
func groupHistoryQuery(g membership.Group, v url.Values) membership.GroupHistoryQuery {
	page, err := strconv.Atoi(v.Get("page"))
	if err != nil {
		page = 1 // malformed or out of range: the first page
	}
	return membership.GroupHistoryQuery{
		GroupID: g.ID,
		AsOf:    asOfFromURL(v),
		Show:    v.Get("show"),
		Q:       truncate(v.Get("hq"), 200),
		Sort:    v.Get("hsort"),
		Desc:    v.Get("hdir") == "desc",
		Page:    page,
	}
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

func (a *App) groupHistoryFor(r *http.Request, actor authz.Actor, g membership.Group) (*groupHistorySection, error) {
	if !actor.Can(authz.MemberGroup, authz.Read) {
		return nil, nil
	}
	v := r.URL.Query()
	res, err := a.history.GroupMemberships(r.Context(), actor, groupHistoryQuery(g, v))
	if err != nil {
		return nil, err
	}
	s := &groupHistorySection{
		Slug: g.Slug, Page: res, AsOfBad: asOfMalformed(v), CanEnd: actor.Can(authz.MemberGroup, authz.Update),
		CanRoles: actor.Can(authz.Group, authz.Update),
		Shows: []memberListOption{
			{membership.GroupShowCurrent, "HistoryShowCurrent"},
			{membership.GroupShowFormer, "HistoryShowFormer"},
			{membership.GroupShowAll, "HistoryShowAll"},
		},
		Sorts: []memberListOption{
			{membership.GroupMemberSortName, "HistorySortName"},
			{membership.GroupMemberSortRole, "HistorySortRole"},
			{membership.GroupMemberSortSince, "HistorySortSince"},
		},
	}
	s.AsOf = asOfValue(asOfFromURL(v))
	return s, nil
}

// URL is the group page with the section's state and page n.
func (s *groupHistorySection) URL(n int) string {
	q := s.Page.Query
	v := url.Values{}
	if s.AsOf != "" {
		v.Set("as_of", s.AsOf)
	}
	if q.Show != membership.GroupShowCurrent {
		v.Set("show", q.Show)
	}
	if q.Q != "" {
		v.Set("hq", q.Q)
	}
	if q.Sort != membership.GroupMemberSortName {
		v.Set("hsort", q.Sort)
	}
	if q.Desc {
		v.Set("hdir", "desc")
	}
	if n > 1 {
		v.Set("page", strconv.Itoa(n))
	}
	u := "/groups/" + s.Slug
	if len(v) > 0 {
		u += "?" + v.Encode()
	}
	return u
}

// Default: the section shows today's current members, unsearched.
func (s *groupHistorySection) Default() bool {
	q := s.Page.Query
	return s.AsOf == "" && q.Show == membership.GroupShowCurrent && q.Q == ""
}

// historyGroupEnd ends the memberships of the selected members today
// (bulk "end membership" on the group page).
func (a *App) historyGroupEnd(w http.ResponseWriter, r *http.Request) {
	if !a.parseForm(w, r) {
		return
	}
	g, ok := a.groupFromPath(w, r)
	if !ok {
		return
	}
	ids := r.PostForm["member_id"]
	if len(ids) == 0 {
		a.flashError(r, "HistoryEndNoneSelected")
		http.Redirect(w, r, "/groups/"+g.Slug+"#group-history", http.StatusSeeOther)
		return
	}
	n, err := a.history.EndMemberships(r.Context(), actorFrom(r), g.ID, ids, membership.Today())
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	a.flashSuccess(r, "HistoryEnded", "Count", n)
	http.Redirect(w, r, "/groups/"+g.Slug+"#group-history", http.StatusSeeOther)
}
