package web

import (
	"errors"
	"net/http"
	"strings"

	"mila/internal/authz"
	"mila/internal/membership"
	"mila/internal/validate"
)

// The member's groups on the member detail page: badges linking to each
// group and, for admins, adding to a group (a select of the groups the
// member is not in) and removing inline. With htmx the section is swapped
// in place; without JavaScript the same forms post and come back.

// groupMemberSection is what groupMemberSectionView shows.
type groupMemberSection struct {
	Visible    bool // the actor may see the member's groups
	MemberID   string
	MemberName string
	Groups     []membership.GroupChoice // the member's groups, by name
	Available  []membership.GroupChoice // groups the member is not in (admins)
	CanAdd     bool
	CanRemove  bool
	Status     string // result of the last inline change, for the live region
	StatusErr  bool   // Status reports a problem
}

// groupMemberSectionFor loads the member's groups section. An actor who
// may not see memberships gets an invisible section, not an error.
func (a *App) groupMemberSectionFor(r *http.Request, actor authz.Actor, m membership.Member) (groupMemberSection, error) {
	ctx := r.Context()
	s := groupMemberSection{MemberID: m.ID, MemberName: m.Name()}
	canAdd := actor.CanOnMember(authz.MemberGroup, authz.Create, m.ID)
	// The member's groups and, for the add form, the others: one statement.
	groups, others, err := a.groups.MemberGroupChoices(ctx, actor, m.ID, canAdd)
	if errors.Is(err, authz.ErrForbidden) {
		return s, nil
	}
	if err != nil {
		return s, err
	}
	s.Visible, s.Groups = true, groups
	s.CanAdd = canAdd
	s.CanRemove = actor.CanOnMember(authz.MemberGroup, authz.Destroy, m.ID)
	if s.CanAdd {
		s.Available = others
	}
	return s, nil
}

// groupMemberAdd puts the member into the chosen group (field group, a
// slug). htmx gets the updated section; a plain post is redirected back to
// the member's page with a flash.
func (a *App) groupMemberAdd(w http.ResponseWriter, r *http.Request) {
	a.groupMemberChange(w, r, r.PostFormValue, true)
}

// groupMemberRemoveGroup takes the member out of the group in the path.
func (a *App) groupMemberRemoveGroup(w http.ResponseWriter, r *http.Request) {
	a.groupMemberChange(w, r, func(string) string { return r.PathValue("slug") }, false)
}

// groupMemberChange is the shared body of the two inline actions: slug
// names the group (from the form or the path).
func (a *App) groupMemberChange(w http.ResponseWriter, r *http.Request, slugOf func(string) string, add bool) {
	ctx, actor := r.Context(), actorFrom(r)
	memberID := strings.ToLower(r.PathValue("id"))
	if !validate.UUID(memberID) {
		a.notFound(w, r)
		return
	}
	if !a.parseForm(w, r) {
		return
	}
	m, err := a.members.Get(ctx, actor, memberID)
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	var msgID string
	var kv []any
	problem := false
	g, err := a.groups.GroupBySlug(ctx, actor, strings.TrimSpace(slugOf("group")))
	switch {
	case errors.Is(err, membership.ErrNotFound) && !add:
		// The group in the path does not exist.
		a.notFound(w, r)
		return
	case errors.Is(err, membership.ErrNotFound):
		// A group deleted meanwhile, or no choice made: say so, change nothing.
		msgID, problem = "GroupMemberNoSuchGroup", true
	case err != nil:
		a.errorResponse(w, r, err)
		return
	case add:
		res, err := a.groups.AddMember(ctx, actor, g.ID, m.ID)
		if err != nil {
			a.errorResponse(w, r, err)
			return
		}
		msgID = "GroupMemberAdded"
		if res.Added == 0 {
			msgID = "GroupMemberAlreadyIn"
		}
		kv = []any{"Member", m.Name(), "Group", g.Name}
	default:
		res, err := a.groups.RemoveMember(ctx, actor, g.ID, m.ID)
		if err != nil {
			a.errorResponse(w, r, err)
			return
		}
		msgID = "GroupMemberRemoved"
		if res.Removed == 0 {
			msgID, problem = "GroupMemberWasNotIn", true
		}
		kv = []any{"Member", m.Name(), "Group", g.Name}
	}

	if !isHTMX(r) {
		if problem {
			a.flashError(r, msgID, kv...)
		} else {
			a.flashSuccess(r, msgID, kv...)
		}
		http.Redirect(w, r, "/members/"+m.ID+"#member-groups", http.StatusSeeOther)
		return
	}
	s, err := a.groupMemberSectionFor(r, actor, m)
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	s.Status, s.StatusErr = a.T(r, msgID, kv...), problem
	a.render(w, r, http.StatusOK, pageView(groupMemberFragment, s))
}
