package membership

import (
	"context"
	"fmt"

	"mila/internal/authz"
	"mila/internal/pg"
	"mila/internal/validate"
)

// GroupChoice is a group as offered in a select: enough to name it and to
// find it again by its slug.
type GroupChoice struct {
	ID, Name, Slug string
}

// GroupChoices lists every group by name, for the selects that offer them
// (the overview's group filter and bulk bar, the member page's "add to
// group"). Those pages are asked for far more often than the groups page,
// so this reads four columns instead of ListGroups' seven and scans them
// without per-row reflection.
func (s *Groups) GroupChoices(ctx context.Context, actor authz.Actor) ([]GroupChoice, error) {
	if err := actor.Require(authz.Group, authz.Read); err != nil {
		return nil, err
	}
	out, _, err := groupChoices(ctx, s.db)
	return out, err
}

// groupChoices reads every group by name, with the member counts in the
// same order: the overview filters by one of them with the same read.
func groupChoices(ctx context.Context, db pg.Querier) ([]GroupChoice, []int, error) {
	rows, err := db.Query(ctx, `SELECT g.id, g.name, g.slug, g.member_count FROM groups g ORDER BY g.name_key, g.name, g.id`)
	if err != nil {
		return nil, nil, fmt.Errorf("group choices: %w", err)
	}
	defer rows.Close()
	out, sizes := make([]GroupChoice, 0, 64), make([]int, 0, 64)
	for rows.Next() {
		var c GroupChoice
		var size int
		if err := rows.Scan(&c.ID, &c.Name, &c.Slug, &size); err != nil {
			return nil, nil, fmt.Errorf("group choices: %w", err)
		}
		out, sizes = append(out, c), append(sizes, size)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("group choices: %w", err)
	}
	return out, sizes, nil
}

// MemberGroupChoices returns the groups memberID is in and, with others,
// every other group, both by name — in one statement, for the member
// page's groups section (its badges and its "add to group" select). The
// caller has read the member already: an id that names no member simply
// has no groups here (GroupsOfMember tells the two apart). The permission
// is GroupsOfMember's, and GroupChoices' for the others.
func (s *Groups) MemberGroupChoices(ctx context.Context, actor authz.Actor, memberID string, others bool) (in, out []GroupChoice, err error) {
	if !membershipMayReadGroupsOf(actor, memberID) {
		return nil, nil, fmt.Errorf("groups of member: %w", authz.ErrForbidden)
	}
	if !validate.UUID(memberID) {
		return nil, nil, &MembershipNotFoundError{Resource: authz.Member, IDs: []string{memberID}}
	}
	q := `SELECT g.id, g.name, g.slug, true FROM member_groups mg JOIN groups g ON g.id = mg.group_id
		WHERE mg.member_id = $1 ORDER BY g.name_key, g.name, g.id`
	if others {
		q = `SELECT g.id, g.name, g.slug, mg.member_id IS NOT NULL
			FROM groups g LEFT JOIN member_groups mg ON mg.member_id = $1 AND mg.group_id = g.id
			ORDER BY g.name_key, g.name, g.id`
	}
	rows, err := s.db.Query(ctx, q, memberID)
	if err != nil {
		return nil, nil, fmt.Errorf("groups of member %s: %w", memberID, err)
	}
	defer rows.Close()
	in = []GroupChoice{}
	for rows.Next() {
		var c GroupChoice
		var member bool
		if err := rows.Scan(&c.ID, &c.Name, &c.Slug, &member); err != nil {
			return nil, nil, fmt.Errorf("groups of member %s: %w", memberID, err)
		}
		if member {
			in = append(in, c)
		} else {
			out = append(out, c)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("groups of member %s: %w", memberID, err)
	}
	return in, out, nil
}
