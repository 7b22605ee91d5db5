package web

import (
	"errors"
	"net/http"
	"strings"

	"mila/internal/authz"
	"mila/internal/membership"
	"mila/internal/validate"
)

// Bulk assignment from the member overview: the rows' checkboxes
// (member_id, repeated) and a group (slug) go to one of these actions,
// which change all memberships in one transaction and come back to the
// overview (return_to) with "12 added, 3 were already members".

// groupBulkAdd puts the selected members into the chosen group.
func (a *App) groupBulkAdd(w http.ResponseWriter, r *http.Request) { a.groupBulk(w, r, true) }

// groupBulkRemove takes the selected members out of the chosen group.
func (a *App) groupBulkRemove(w http.ResponseWriter, r *http.Request) { a.groupBulk(w, r, false) }

func (a *App) groupBulk(w http.ResponseWriter, r *http.Request, add bool) {
	if !a.parseForm(w, r) {
		return
	}
	back := safeReturnTo(r.PostForm.Get("return_to"))
	if back != "/members" && !strings.HasPrefix(back, "/members?") {
		back = "/members"
	}
	ids := r.PostForm["member_id"]
	if len(ids) > groupAddMax {
		a.clientError(w, r, http.StatusBadRequest)
		return
	}
	for _, id := range ids {
		if !validate.UUID(strings.TrimSpace(id)) {
			a.clientError(w, r, http.StatusBadRequest)
			return
		}
	}
	ctx, actor := r.Context(), actorFrom(r)
	store := a.groups
	slug := strings.TrimSpace(r.PostForm.Get("group"))
	if slug == "" {
		a.flashError(r, "GroupBulkChooseGroup")
		http.Redirect(w, r, back, http.StatusSeeOther)
		return
	}
	g, err := store.GroupBySlug(ctx, actor, slug)
	if errors.Is(err, membership.ErrNotFound) {
		a.flashError(r, "GroupMemberNoSuchGroup")
		http.Redirect(w, r, back, http.StatusSeeOther)
		return
	}
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	if len(ids) == 0 {
		a.flashError(r, "GroupBulkNoneSelected")
		http.Redirect(w, r, back, http.StatusSeeOther)
		return
	}
	var text string
	if add {
		var res membership.MembershipAddResult
		if res, err = store.AddMembersToGroup(ctx, actor, g.ID, ids); err == nil {
			text = a.groupAddResultText(r, res)
		}
	} else {
		var res membership.MembershipRemoveResult
		if res, err = store.RemoveMembersFromGroup(ctx, actor, g.ID, ids); err == nil {
			text = a.groupRemoveResultText(r, res)
		}
	}
	var nf *membership.MembershipNotFoundError
	if errors.As(err, &nf) && nf.Resource == authz.Member {
		a.flashError(r, "GroupBulkMembersMissing")
		http.Redirect(w, r, back, http.StatusSeeOther)
		return
	}
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	a.addFlash(r, Flash{Kind: "success", Text: a.T(r, "GroupBulkResult", "Group", g.Name, "Result", text)})
	http.Redirect(w, r, back, http.StatusSeeOther)
}

// groupRemoveResultText says what a removal did: "2 removed, 1 was not a
// member" (each part only when it is not zero; "0 removed" when nothing was).
func (a *App) groupRemoveResultText(r *http.Request, res membership.MembershipRemoveResult) string {
	parts := []string{}
	if res.Removed > 0 || res.NotMember == 0 {
		parts = append(parts, a.TN(r, "GroupRemovedCount", res.Removed))
	}
	if res.NotMember > 0 {
		parts = append(parts, a.TN(r, "GroupNotMemberCount", res.NotMember))
	}
	return strings.Join(parts, a.T(r, "GroupResultSeparator"))
}
