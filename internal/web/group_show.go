package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"mila/internal/authz"
	"mila/internal/membership"
	"mila/internal/validate"
)

// groupShowPage is what groupShowView shows.
type groupShowPage struct {
	Group   membership.Group
	Members membership.GroupMemberPage
	// CanReadMembers: the actor may list the group's members (own_data
	// users see a group's name and size, not who is in it).
	CanReadMembers bool
	CanEdit        bool
	CanDelete      bool
	CanAdd         bool
	CanRemove      bool

	// The member picker: the search as typed and what it found. Without
	// JavaScript the search is a GET of this page with q; with htmx the
	// candidates endpoint fills the same list as one types.
	Q          string
	Searched   bool
	Candidates []groupCandidate
}

// groupCandidate is a member the picker offers.
type groupCandidate struct {
	ID      string
	Name    string
	Email   string
	InGroup bool // already a member: shown, but cannot be picked again
}

// groupCandidateLimit is how many matches the picker lists; a longer
// search narrows them down.
const groupCandidateLimit = 20

// groupShow shows a group with one page of its members. A link by id
// (/groups/<uuid>) is redirected to the group's slug address.
func (a *App) groupShow(w http.ResponseWriter, r *http.Request) {
	ctx, actor := r.Context(), actorFrom(r)
	store := a.groups
	key := r.PathValue("slug")
	g, err := store.GroupBySlug(ctx, actor, key)
	if errors.Is(err, membership.ErrNotFound) && validate.UUID(key) {
		byID, idErr := store.GroupByID(ctx, actor, strings.ToLower(key))
		if idErr == nil {
			target := "/groups/" + byID.Slug
			if r.URL.RawQuery != "" {
				target += "?" + r.URL.RawQuery
			}
			http.Redirect(w, r, target, http.StatusMovedPermanently)
			return
		}
	}
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}

	p := groupShowPage{
		Group:          g,
		CanReadMembers: actor.Can(authz.MemberGroup, authz.Read),
		CanEdit:        actor.Can(authz.Group, authz.Update),
		CanDelete:      actor.Can(authz.Group, authz.Destroy),
		CanAdd:         actor.Can(authz.MemberGroup, authz.Create) && actor.Can(authz.Member, authz.Read),
		CanRemove:      actor.Can(authz.MemberGroup, authz.Destroy),
	}
	if p.CanReadMembers {
		if p.Members, err = a.groupMembersPage(ctx, actor, g, groupQueryPage(r)); err != nil {
			a.errorResponse(w, r, err)
			return
		}
	}
	if p.CanAdd {
		p.Q = strings.TrimSpace(r.URL.Query().Get("q"))
		if p.Candidates, p.Searched, err = a.groupFindCandidates(ctx, actor, g, p.Q); err != nil {
			a.errorResponse(w, r, err)
			return
		}
	}
	a.render(w, r, http.StatusOK, pageView(groupShowView, p))
}

// groupMembersPage returns the asked page of the group's members; a page
// past the end shows the last one rather than an empty list.
func (a *App) groupMembersPage(ctx context.Context, actor authz.Actor, g membership.Group, page int) (membership.GroupMemberPage, error) {
	store := a.groups
	mp, err := store.MembersOfGroupSized(ctx, actor, g, page, membership.GroupMembersPerPage)
	if err == nil && mp.Page > mp.Pages() {
		mp, err = store.MembersOfGroupSized(ctx, actor, g, mp.Pages(), membership.GroupMembersPerPage)
	}
	return mp, err
}

// groupFindCandidates searches members by name or email for the picker,
// with the members' search (accents and umlaut spellings folded, typos
// forgiven). A blank q searches nothing.
func (a *App) groupFindCandidates(ctx context.Context, actor authz.Actor, g membership.Group, q string) ([]groupCandidate, bool, error) {
	if q == "" {
		return nil, false, nil
	}
	rows, err := a.members.Search(ctx, actor, q, groupCandidateLimit)
	if err != nil {
		return nil, true, err
	}
	out := make([]groupCandidate, 0, len(rows))
	for _, m := range rows {
		c := groupCandidate{ID: m.ID, Name: m.Name(), Email: m.Email}
		for _, mg := range m.Groups {
			c.InGroup = c.InGroup || mg.Slug == g.Slug
		}
		out = append(out, c)
	}
	return out, true, nil
}

// groupCandidates answers the picker's search-as-you-type (htmx) with the
// list of matching members. A plain GET (no htmx) goes to the group page,
// which shows the same list.
func (a *App) groupCandidates(w http.ResponseWriter, r *http.Request) {
	g, ok := a.groupFromPath(w, r)
	if !ok {
		return
	}
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if !isHTMX(r) {
		target := "/groups/" + g.Slug
		if q != "" {
			target += "?q=" + url.QueryEscape(q)
		}
		http.Redirect(w, r, target+"#group-add", http.StatusSeeOther)
		return
	}
	actor := actorFrom(r)
	cands, searched, err := a.groupFindCandidates(r.Context(), actor, g, q)
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	a.render(w, r, http.StatusOK, pageView(groupCandidatesFragment, groupShowPage{
		Group: g, CanAdd: true, Q: q, Searched: searched, Candidates: cands,
	}))
}

// PrevURL is the address of the previous page of the member list.
func (p groupShowPage) PrevURL() string { return groupPath(p.Group.Slug, p.Members.Page-1) }

// NextURL is the address of the next page of the member list.
func (p groupShowPage) NextURL() string { return groupPath(p.Group.Slug, p.Members.Page+1) }
