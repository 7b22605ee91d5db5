package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"mila/internal/authz"
	"mila/internal/membership"
	"mila/internal/validate"
)

// groupAddMax bounds how many members one add request may name. Our
// forms send at most a page of 100, but a club may add all its members at
// once through a direct request (10,000 ids are ~370 KB, well inside the
// 1 MiB body limit); the add runs as one statement in one transaction.
const groupAddMax = 10000

// groupMembersAdd puts the picked members (member_id, repeated) into the
// group, all or nothing, and says how many were added and how many were
// members already.
func (a *App) groupMembersAdd(w http.ResponseWriter, r *http.Request) {
	g, ok := a.groupFromPath(w, r)
	if !ok {
		return
	}
	if !a.parseForm(w, r) {
		return
	}
	ids := r.PostForm["member_id"]
	if len(ids) > groupAddMax {
		a.clientError(w, r, http.StatusBadRequest)
		return
	}
	for _, id := range ids {
		if !validate.UUID(strings.TrimSpace(id)) {
			// Our forms only send ids they were given: this is a broken
			// or forged request, refused before anything changes.
			a.clientError(w, r, http.StatusBadRequest)
			return
		}
	}
	back := groupPath(g.Slug, 1)
	if len(ids) == 0 {
		a.flashError(r, "GroupAddNoneSelected")
		http.Redirect(w, r, back+"#group-add", http.StatusSeeOther)
		return
	}
	res, err := a.groups.AddMembersToGroup(r.Context(), actorFrom(r), g.ID, ids)
	var nf *membership.MembershipNotFoundError
	if errors.As(err, &nf) && nf.Resource == authz.Member {
		// Deleted meanwhile (or never existed): nothing was added.
		a.flashError(r, "GroupAddMembersMissing")
		http.Redirect(w, r, back+"#group-add", http.StatusSeeOther)
		return
	}
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	a.addFlash(r, Flash{Kind: "success", Text: a.groupAddResultText(r, res)})
	http.Redirect(w, r, back, http.StatusSeeOther)
}

// groupAddResultText says what an add did: "2 added, 1 was already a
// member" (each part only when it is not zero; "0 added" when nothing was).
func (a *App) groupAddResultText(r *http.Request, res membership.MembershipAddResult) string {
	parts := []string{}
	if res.Added > 0 || res.AlreadyMember == 0 {
		parts = append(parts, a.TN(r, "GroupAddedCount", res.Added))
	}
	if res.AlreadyMember > 0 {
		parts = append(parts, a.TN(r, "GroupAlreadyMemberCount", res.AlreadyMember))
	}
	return strings.Join(parts, a.T(r, "GroupResultSeparator"))
}

// groupMemberRemove takes one member out of the group and comes back to
// the page of the member list the button was on.
func (a *App) groupMemberRemove(w http.ResponseWriter, r *http.Request) {
	if !a.parseForm(w, r) {
		return
	}
	c, err := a.groups.ChangeMemberGroup(r.Context(), actorFrom(r), r.PathValue("member_id"), r.PathValue("slug"), false)
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	a.addFlash(r, groupFlash(a.groupMemberChangeText(r, c)))
	page, _ := strconv.Atoi(r.PostForm.Get("page"))
	http.Redirect(w, r, groupPath(c.Group.Slug, max(page, 1)), http.StatusSeeOther)
}
