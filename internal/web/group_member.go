package web

import (
	"errors"
	"net/http"

	"mila/internal/authz"
	"mila/internal/membership"
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

// groupMemberOutcomes are the message of each outcome of a change and
// whether it reports a problem.
var groupMemberOutcomes = map[membership.MemberGroupOutcome]struct {
	msgID   string
	problem bool
}{
	membership.MemberGroupAdded:       {"GroupMemberAdded", false},
	membership.MemberGroupAlreadyIn:   {"GroupMemberAlreadyIn", false},
	membership.MemberGroupRemoved:     {"GroupMemberRemoved", false},
	membership.MemberGroupWasNotIn:    {"GroupMemberWasNotIn", true},
	membership.MemberGroupNoSuchGroup: {"GroupMemberNoSuchGroup", true},
}

// groupMemberChangeText is the message saying what c did, and whether
// it is a problem.
func (a *App) groupMemberChangeText(r *http.Request, c membership.MemberGroupChange) (string, bool) {
	o := groupMemberOutcomes[c.Outcome]
	if c.Outcome == membership.MemberGroupNoSuchGroup {
		return a.T(r, o.msgID), o.problem
	}
	return a.T(r, o.msgID, "Member", c.Member.Name(), "Group", c.Group.Name), o.problem
}

// groupMemberChange is the shared body of the two inline actions: slug
// names the group (from the form or the path).
func (a *App) groupMemberChange(w http.ResponseWriter, r *http.Request, slugOf func(string) string, add bool) {
	if !a.parseForm(w, r) {
		return
	}
	actor := actorFrom(r)
	c, err := a.groups.ChangeMemberGroup(r.Context(), actor, r.PathValue("id"), slugOf("group"), add)
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	text, problem := a.groupMemberChangeText(r, c)
	if !isHTMX(r) {
		a.addFlash(r, groupFlash(text, problem))
		http.Redirect(w, r, "/members/"+c.Member.ID+"#member-groups", http.StatusSeeOther)
		return
	}
	s, err := a.groupMemberSectionFor(r, actor, c.Member)
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	s.Status, s.StatusErr = text, problem
	a.render(w, r, http.StatusOK, pageView(groupMemberFragment, s))
}

// groupFlash is the flash message of a change's text.
func groupFlash(text string, problem bool) Flash {
	if problem {
		return Flash{Kind: "error", Text: text}
	}
	return Flash{Kind: "success", Text: text}
}
