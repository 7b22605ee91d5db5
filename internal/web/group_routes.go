package web

import (
	"net/http"
	"strconv"

	"mila/internal/authz"
	"mila/internal/membership"
)

// groupRoutes registers the group pages. Each route names the
// permission the guard checks before the handler runs; the domain actions
// check the same table again, so a direct POST by someone the interface
// hides the button from is refused twice.
func (a *App) groupRoutes(mux *http.ServeMux) {
	a.route(mux, "GET /groups", authz.Group, authz.Read, a.groupList)
	a.route(mux, "GET /groups/new", authz.Group, authz.Create, a.groupNew)
	a.route(mux, "POST /groups", authz.Group, authz.Create, a.groupCreate)
	a.route(mux, "GET /groups/{slug}", authz.Group, authz.Read, a.groupShow)
	a.route(mux, "GET /groups/{slug}/edit", authz.Group, authz.Update, a.groupEdit)
	a.route(mux, "POST /groups/{slug}", authz.Group, authz.Update, a.groupUpdate)
	a.route(mux, "GET /groups/{slug}/delete", authz.Group, authz.Destroy, a.groupDeleteConfirm)
	a.route(mux, "POST /groups/{slug}/delete", authz.Group, authz.Destroy, a.groupDelete)
	a.route(mux, "GET /groups/{slug}/candidates", authz.MemberGroup, authz.Create, a.groupCandidates)
	a.route(mux, "POST /groups/{slug}/members", authz.MemberGroup, authz.Create, a.groupMembersAdd)
	a.route(mux, "POST /groups/{slug}/members/{member_id}/remove", authz.MemberGroup, authz.Destroy, a.groupMemberRemove)

	// Groups on the member pages: inline on the member's page, and in bulk
	// from the overview's selected rows.
	a.route(mux, "POST /members/{id}/groups", authz.MemberGroup, authz.Create, a.groupMemberAdd)
	a.route(mux, "POST /members/{id}/groups/{slug}/remove", authz.MemberGroup, authz.Destroy, a.groupMemberRemoveGroup)
	a.route(mux, "POST /members/groups/add", authz.MemberGroup, authz.Create, a.groupBulkAdd)
	a.route(mux, "POST /members/groups/remove", authz.MemberGroup, authz.Destroy, a.groupBulkRemove)
}

// groupFromPath loads the group named by the {slug} path value. On failure
// it has answered already and returns false.
func (a *App) groupFromPath(w http.ResponseWriter, r *http.Request) (membership.Group, bool) {
	g, err := a.groups.GroupBySlug(r.Context(), actorFrom(r), r.PathValue("slug"))
	if err != nil {
		a.errorResponse(w, r, err)
		return membership.Group{}, false
	}
	return g, true
}

// groupFieldLabels names the label of each group form field, for the
// error summary.
var groupFieldLabels = map[string]string{
	"name":         "GroupFieldName",
	"description":  "GroupFieldDescription",
	"confirm_name": "GroupDeleteConfirmLabel",
}

// groupQueryPage reads a 1-based page number from the URL; anything missing,
// malformed, zero or negative is page 1.
func groupQueryPage(r *http.Request) int {
	n, err := strconv.Atoi(r.URL.Query().Get("page"))
	if err != nil || n < 1 {
		return 1
	}
	return n
}

// groupPath is the address of a group's page, optionally at a page of its
// member list.
func groupPath(slug string, page int) string {
	p := "/groups/" + slug
	if page > 1 {
		p += "?page=" + strconv.Itoa(page)
	}
	return p
}
