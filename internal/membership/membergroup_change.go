package membership

import (
	"context"
	"errors"
	"strings"

	"mila/internal/authz"
)

// MemberGroupOutcome is what a change of one membership did.
type MemberGroupOutcome int

const (
	MemberGroupAdded       MemberGroupOutcome = iota // the member is in the group now
	MemberGroupAlreadyIn                             // nothing to add: the member was in it
	MemberGroupRemoved                               // the member is out of the group now
	MemberGroupWasNotIn                              // nothing to remove: the member was not in it
	MemberGroupNoSuchGroup                           // add: no group has that slug (deleted meanwhile, or none chosen)
)

// MemberGroupChange reports ChangeMemberGroup: the member and group it
// was about (Group is zero for MemberGroupNoSuchGroup) and what happened.
type MemberGroupChange struct {
	Member  Member
	Group   Group
	Outcome MemberGroupOutcome
}

// ChangeMemberGroup puts member memberID into the group with slug
// groupSlug (add) or takes it out. The member must exist for the actor
// (ErrNotFound otherwise). A group chosen to add to that does not exist
// is an outcome (MemberGroupNoSuchGroup), a choice that went stale; a
// group to remove from that does not exist is ErrNotFound (it named
// the address). Adding a member who is in the group already, or
// removing one who is not, changes nothing and says so.
func (s *Groups) ChangeMemberGroup(ctx context.Context, actor authz.Actor, memberID, groupSlug string, add bool) (MemberGroupChange, error) {
	m, err := NewMembers(s.db).Get(ctx, actor, strings.ToLower(memberID))
	if err != nil {
		return MemberGroupChange{}, err
	}
	c := MemberGroupChange{Member: m}
	c.Group, err = s.GroupBySlug(ctx, actor, strings.TrimSpace(groupSlug))
	switch {
	case errors.Is(err, ErrNotFound) && add:
		c.Outcome = MemberGroupNoSuchGroup
		return c, nil
	case err != nil:
		return MemberGroupChange{}, err
	case add:
		res, err := s.AddMember(ctx, actor, c.Group.ID, m.ID)
		if err != nil {
			return MemberGroupChange{}, err
		}
		c.Outcome = MemberGroupAdded
		if res.Added == 0 {
			c.Outcome = MemberGroupAlreadyIn
		}
	default:
		res, err := s.RemoveMember(ctx, actor, c.Group.ID, m.ID)
		if err != nil {
			return MemberGroupChange{}, err
		}
		c.Outcome = MemberGroupRemoved
		if res.Removed == 0 {
			c.Outcome = MemberGroupWasNotIn
		}
	}
	return c, nil
}
