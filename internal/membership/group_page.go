package membership

import (
	"context"
	"errors"
	"strings"

	"mila/internal/authz"
	"mila/internal/validate"
)

// GroupPageQuery is what the group page is asked: the group, a page of
// its members and a search for members to add.
type GroupPageQuery struct {
	// Key is the group's slug or, from an old link, its id (GroupPage
	// says where the group lives now: MovedTo).
	Key  string
	Page int    // of the member list; < 1 is 1, past the end the last page
	Q    string // the member picker's search; blank searches nothing
	// SkipMembers: the caller lists the members itself (the web page
	// uses History.GroupMemberships, with dates and roles).
	SkipMembers bool
}

// GroupPage is the group page, ready to show.
type GroupPage struct {
	Group Group
	// MovedTo is the group's slug when the query named it by id; nothing
	// else is read then (the page lives at the slug).
	MovedTo string
	// MembersShown: the actor may see who is in the group (own_data sees
	// a group's name and size only); Members is then the page asked for.
	MembersShown bool
	Members      GroupMemberPage
	// Picker: the actor may add members (and read them to pick them).
	// Q is the search as trimmed, Searched whether it searched anything.
	Picker     bool
	Q          string
	Searched   bool
	Candidates []GroupCandidate
}

// GroupCandidate is a member the picker offers.
type GroupCandidate struct {
	ID, Name, Email string
	InGroup         bool // already a member: shown, but cannot be picked again
}

// GroupCandidateLimit is how many matches the picker lists; a longer
// search narrows them down.
const GroupCandidateLimit = 20

// Page reads the group page for q: the group, the asked page of its
// members (a page past the end is the last one) if the actor may see
// them, and the picker's matches if the actor may add members.
func (s *Groups) Page(ctx context.Context, actor authz.Actor, q GroupPageQuery) (GroupPage, error) {
	g, err := s.GroupBySlug(ctx, actor, q.Key)
	if errors.Is(err, ErrNotFound) && validate.UUID(q.Key) {
		if byID, idErr := s.GroupByID(ctx, actor, strings.ToLower(q.Key)); idErr == nil {
			return GroupPage{Group: byID, MovedTo: byID.Slug}, nil
		}
	}
	if err != nil {
		return GroupPage{}, err
	}
	p := GroupPage{
		Group:        g,
		MembersShown: actor.Can(authz.MemberGroup, authz.Read),
		Picker:       groupPickerAllowed(actor),
	}
	if p.MembersShown && !q.SkipMembers {
		p.Members, err = s.MembersOfGroupSized(ctx, actor, g, q.Page, GroupMembersPerPage)
		if err == nil && p.Members.Page > p.Members.Pages() {
			p.Members, err = s.MembersOfGroupSized(ctx, actor, g, p.Members.Pages(), GroupMembersPerPage)
		}
		if err != nil {
			return GroupPage{}, err
		}
	}
	if p.Picker {
		if p.Q, p.Searched, p.Candidates, err = s.findCandidates(ctx, actor, g, q.Q); err != nil {
			return GroupPage{}, err
		}
	}
	return p, nil
}

// Candidates is the picker's search on its own (search as you type):
// the group by slug and the members matching q.
func (s *Groups) Candidates(ctx context.Context, actor authz.Actor, slug, q string) (GroupPage, error) {
	if !groupPickerAllowed(actor) {
		return GroupPage{}, authz.ErrForbidden
	}
	g, err := s.GroupBySlug(ctx, actor, slug)
	if err != nil {
		return GroupPage{}, err
	}
	p := GroupPage{Group: g, Picker: true}
	if p.Q, p.Searched, p.Candidates, err = s.findCandidates(ctx, actor, g, q); err != nil {
		return GroupPage{}, err
	}
	return p, nil
}

// groupPickerAllowed: adding members to a group needs the membership
// right and reading the members to pick from.
func groupPickerAllowed(actor authz.Actor) bool {
	return actor.Can(authz.MemberGroup, authz.Create) && actor.Can(authz.Member, authz.Read)
}

// findCandidates searches members by name or email for the picker, with
// the members' search (accents and umlaut spellings folded, typos
// forgiven), and marks those already in g.
func (s *Groups) findCandidates(ctx context.Context, actor authz.Actor, g Group, q string) (string, bool, []GroupCandidate, error) {
	q = strings.TrimSpace(q)
	if q == "" {
		return q, false, nil, nil
	}
	rows, err := NewMembers(s.db).Search(ctx, actor, q, GroupCandidateLimit)
	if err != nil {
		return q, true, nil, err
	}
	out := make([]GroupCandidate, 0, len(rows))
	for _, m := range rows {
		c := GroupCandidate{ID: m.ID, Name: m.Name(), Email: m.Email}
		for _, mg := range m.Groups {
			c.InGroup = c.InGroup || mg.Slug == g.Slug
		}
		out = append(out, c)
	}
	return q, true, out, nil
}
