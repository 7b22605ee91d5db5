package membership

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/jackc/pgx/v5"

	"mila/internal/authz"
	"mila/internal/pg"
	"mila/internal/validate"
)

// MembershipAddResult reports a membership add, so the interface can say
// "12 added, 3 were already members". Adding an existing membership is not
// an error.
type MembershipAddResult struct {
	Added         int // memberships created
	AlreadyMember int // memberships that existed already
}

// MembershipRemoveResult reports a membership removal. Removing a
// membership that does not exist is not an error.
type MembershipRemoveResult struct {
	Removed   int // memberships deleted
	NotMember int // pairs that were not memberships
}

// AddMember puts a member into a group. Only admin may (MemberGroup create).
func (s *Groups) AddMember(ctx context.Context, actor authz.Actor, groupID, memberID string) (MembershipAddResult, error) {
	return s.membershipAdd(ctx, actor, []string{memberID}, []string{groupID})
}

// RemoveMember takes a member out of a group. Only admin may (MemberGroup destroy).
func (s *Groups) RemoveMember(ctx context.Context, actor authz.Actor, groupID, memberID string) (MembershipRemoveResult, error) {
	return s.membershipRemove(ctx, actor, []string{memberID}, []string{groupID})
}

// AddMemberToGroups puts one member into several groups, all or nothing:
// if the member or any group does not exist, nothing changes.
func (s *Groups) AddMemberToGroups(ctx context.Context, actor authz.Actor, memberID string, groupIDs []string) (MembershipAddResult, error) {
	return s.membershipAdd(ctx, actor, []string{memberID}, groupIDs)
}

// RemoveMemberFromGroups takes one member out of several groups, all or nothing.
func (s *Groups) RemoveMemberFromGroups(ctx context.Context, actor authz.Actor, memberID string, groupIDs []string) (MembershipRemoveResult, error) {
	return s.membershipRemove(ctx, actor, []string{memberID}, groupIDs)
}

// AddMembersToGroup puts many members into one group, all or nothing, in a
// single statement (the statement-level triggers then update the counts
// and search texts once for the whole set).
func (s *Groups) AddMembersToGroup(ctx context.Context, actor authz.Actor, groupID string, memberIDs []string) (MembershipAddResult, error) {
	return s.membershipAdd(ctx, actor, memberIDs, []string{groupID})
}

// RemoveMembersFromGroup takes many members out of one group, all or nothing.
func (s *Groups) RemoveMembersFromGroup(ctx context.Context, actor authz.Actor, groupID string, memberIDs []string) (MembershipRemoveResult, error) {
	return s.membershipRemove(ctx, actor, memberIDs, []string{groupID})
}

func (s *Groups) membershipAdd(ctx context.Context, actor authz.Actor, memberIDs, groupIDs []string) (MembershipAddResult, error) {
	if err := actor.Require(authz.MemberGroup, authz.Create); err != nil {
		return MembershipAddResult{}, err
	}
	// Every (member, group) pair of the two lists; one of them has one id,
	// so this is the cross product the bulk forms mean.
	changed, pairs, err := s.membershipApply(ctx, memberIDs, groupIDs,
		`INSERT INTO member_groups (member_id, group_id)
		 SELECT m, g FROM unnest($1::uuid[]) m CROSS JOIN unnest($2::uuid[]) g
		 ON CONFLICT (member_id, group_id) DO NOTHING`)
	if err != nil {
		return MembershipAddResult{}, fmt.Errorf("add to group: %w", err)
	}
	return MembershipAddResult{Added: changed, AlreadyMember: pairs - changed}, nil
}

func (s *Groups) membershipRemove(ctx context.Context, actor authz.Actor, memberIDs, groupIDs []string) (MembershipRemoveResult, error) {
	if err := actor.Require(authz.MemberGroup, authz.Destroy); err != nil {
		return MembershipRemoveResult{}, err
	}
	changed, pairs, err := s.membershipApply(ctx, memberIDs, groupIDs,
		`DELETE FROM member_groups WHERE member_id = ANY ($1::uuid[]) AND group_id = ANY ($2::uuid[])`)
	if err != nil {
		return MembershipRemoveResult{}, fmt.Errorf("remove from group: %w", err)
	}
	return MembershipRemoveResult{Removed: changed, NotMember: pairs - changed}, nil
}

// membershipApply runs stmt ($1 member ids, $2 group ids) in one
// transaction after checking that every member and group exists, and
// returns the rows it changed and the number of distinct pairs asked for.
// A missing or malformed id is a *MembershipNotFoundError and changes nothing.
//
// Locking: the groups are locked first, in id order, and the triggers then
// lock the members in id order. Every membership writer follows this
// order, so they queue instead of deadlocking, and a concurrent group
// delete either waits for us or has happened before we look (then the
// group is not found). A member deleted between the check and the
// statement shows as a foreign key violation, which is reported as not found.
// Deleting a member locks in the other order (member, then its groups via
// the count trigger); if that meets us, PostgreSQL aborts one side as a
// deadlock and pg.InTx runs ours again.
func (s *Groups) membershipApply(ctx context.Context, memberIDs, groupIDs []string, stmt string) (changed, pairs int, err error) {
	members, badMembers := membershipIDs(memberIDs)
	groups, badGroups := membershipIDs(groupIDs)
	if len(badGroups) > 0 {
		return 0, 0, &MembershipNotFoundError{Resource: authz.Group, IDs: badGroups}
	}
	if len(badMembers) > 0 {
		return 0, 0, &MembershipNotFoundError{Resource: authz.Member, IDs: badMembers}
	}
	err = pg.InTx(ctx, s.db, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx,
			`SELECT 1 FROM groups WHERE id = ANY ($1::uuid[]) ORDER BY id FOR NO KEY UPDATE`, groups); err != nil {
			return err
		}
		if err := membershipMissing(ctx, tx, authz.Group, groups); err != nil {
			return err
		}
		if err := membershipMissing(ctx, tx, authz.Member, members); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, stmt, members, groups)
		changed = int(tag.RowsAffected())
		return err
	})
	if pg.IsForeignKeyViolation(err, "") {
		// Lost a race with a delete. Name what is gone now if we can.
		res := authz.Member
		ids := members
		if pg.Constraint(err) == "member_groups_group_id_fkey" {
			res, ids = authz.Group, groups
		}
		if merr := membershipMissing(ctx, s.db, res, ids); merr != nil {
			return 0, 0, merr
		}
		return 0, 0, &MembershipNotFoundError{Resource: res, IDs: ids}
	}
	if err != nil {
		return 0, 0, err
	}
	return changed, len(members) * len(groups), nil
}

// membershipIDs returns ids lower-cased and without duplicates (the same
// id twice counts once), and separately the malformed ones.
func membershipIDs(ids []string) (ok, bad []string) {
	seen := make(map[string]bool, len(ids))
	ok = make([]string, 0, len(ids))
	for _, id := range ids {
		id = strings.ToLower(strings.TrimSpace(id))
		if seen[id] {
			continue
		}
		seen[id] = true
		if validate.UUID(id) {
			ok = append(ok, id)
		} else {
			bad = append(bad, id)
		}
	}
	return ok, bad
}

// membershipQuerier is what membershipMissing needs of a pool or a transaction.
type membershipQuerier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// membershipMissing returns a *MembershipNotFoundError for the ids that do
// not exist in res's table, or nil when all do. Only the missing ids travel
// back, so a check of 10,000 members costs one small answer.
func membershipMissing(ctx context.Context, q membershipQuerier, res authz.Resource, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	table := "members"
	if res == authz.Group {
		table = "groups"
	}
	var missing []string
	err := q.QueryRow(ctx, `SELECT coalesce(array_agg(x ORDER BY ord)::text[], '{}')
		FROM unnest($1::uuid[]) WITH ORDINALITY AS u (x, ord)
		WHERE NOT EXISTS (SELECT 1 FROM `+table+` t WHERE t.id = u.x)`, ids).Scan(&missing)
	if err != nil {
		return fmt.Errorf("check %s exist: %w", table, err)
	}
	if len(missing) > 0 {
		return &MembershipNotFoundError{Resource: res, IDs: missing}
	}
	return nil
}

// membershipMayReadGroupsOf decides who may list a member's groups. The
// permission table gives own_data no MemberGroup read, yet an own_data user
// reads their own member record, and its groups are part of it (and group
// names are readable by everyone). So: whoever may read this member and
// groups, or whoever may read memberships at all.
func membershipMayReadGroupsOf(actor authz.Actor, memberID string) bool {
	if !actor.Can(authz.Group, authz.Read) {
		return false
	}
	return actor.CanOnMember(authz.Member, authz.Read, memberID) || actor.Can(authz.MemberGroup, authz.Read)
}

// GroupsOfMember returns the member's groups ordered by name. Allowed for
// every set with MemberGroup read, and for own_data on its linked member
// (see membershipMayReadGroupsOf).
func (s *Groups) GroupsOfMember(ctx context.Context, actor authz.Actor, memberID string) ([]Group, error) {
	if !membershipMayReadGroupsOf(actor, memberID) {
		return nil, fmt.Errorf("groups of member: %w", authz.ErrForbidden)
	}
	if !validate.UUID(memberID) {
		return nil, &MembershipNotFoundError{Resource: authz.Member, IDs: []string{memberID}}
	}
	rows, err := s.db.Query(ctx, `SELECT `+groupColumns+`
		FROM member_groups mg JOIN groups g ON g.id = mg.group_id
		WHERE mg.member_id = $1
		ORDER BY g.name_key, g.name, g.id`, memberID)
	if err != nil {
		return nil, fmt.Errorf("groups of member %s: %w", memberID, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Group, error) { return scanGroup(r) })
	if err != nil {
		return nil, fmt.Errorf("groups of member %s: %w", memberID, err)
	}
	if len(out) == 0 {
		// No groups, or no member: only the second is an error.
		if err := membershipMissing(ctx, s.db, authz.Member, []string{memberID}); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// GroupMember is a member as listed in a group: just enough to show a row.
type GroupMember struct {
	ID        string
	FirstName string
	LastName  string
	Email     string // "" when the member has none
}

// GroupMemberPage is one page of a group's members.
type GroupMemberPage struct {
	Members []GroupMember
	Total   int // members of the group the actor may see
	Page    int // 1-based
	PerPage int
}

// Pages returns the number of pages (at least 1).
func (p GroupMemberPage) Pages() int {
	if p.Total == 0 || p.PerPage == 0 {
		return 1
	}
	return (p.Total + p.PerPage - 1) / p.PerPage
}

// Page sizes of MembersOfGroup.
const (
	GroupMembersPerPage    = 50
	GroupMembersMaxPerPage = 500
)

// MembersOfGroup returns one page of the group's members, ordered by last
// name, first name (sort_name) and id, with the total. It needs MemberGroup
// read, and the members are filtered by the actor's Member read scope in
// SQL as well. page < 1 means 1; perPage < 1 means GroupMembersPerPage.
func (s *Groups) MembersOfGroup(ctx context.Context, actor authz.Actor, groupID string, page, perPage int) (GroupMemberPage, error) {
	return s.membersOfGroup(ctx, actor, groupID, -1, page, perPage)
}

// MembersOfGroupSized is MembersOfGroup for a caller that has just read
// the group (its page): the group's member count, as read then, decides
// how the page is read, so no statement is spent on finding it out. The
// total returned comes from the same statement as the page.
func (s *Groups) MembersOfGroupSized(ctx context.Context, actor authz.Actor, g Group, page, perPage int) (GroupMemberPage, error) {
	return s.membersOfGroup(ctx, actor, g.ID, g.MemberCount, page, perPage)
}

// membersOfGroup reads the total and the page in one statement, so they
// agree (one snapshot) without a transaction around two. size is the
// group's member count if the caller knows it, else -1.
func (s *Groups) membersOfGroup(ctx context.Context, actor authz.Actor, groupID string, size, page, perPage int) (GroupMemberPage, error) {
	if err := actor.Require(authz.MemberGroup, authz.Read); err != nil {
		return GroupMemberPage{}, err
	}
	if !validate.UUID(groupID) {
		return GroupMemberPage{}, groupNotFound(groupID)
	}
	if page < 1 {
		page = 1
	}
	if perPage < 1 {
		perPage = GroupMembersPerPage
	}
	perPage = min(perPage, GroupMembersMaxPerPage)
	// A page number from a URL can be anything: far past the end is just
	// past the end, but (page-1)*perPage must not overflow into a
	// negative OFFSET (a query error).
	page = min(page, math.MaxInt32/perPage)
	res := GroupMemberPage{Page: page, PerPage: perPage, Members: []GroupMember{}}
	filter, fargs := actor.MemberFilter(authz.Member, authz.Read, "m.id", 4)

	if size < 0 {
		err := s.db.QueryRow(ctx, `SELECT member_count FROM groups WHERE id = $1`, groupID).Scan(&size)
		if errors.Is(err, pgx.ErrNoRows) {
			return res, groupNotFound(groupID)
		}
		if err != nil {
			return res, fmt.Errorf("members of group %s: %w", groupID, err)
		}
	}
	// The total: the trigger-kept count, or with a restricted scope what
	// the actor sees of the group.
	total := `g.member_count`
	if filter != "true" {
		total = `(SELECT count(*) FROM member_groups mg JOIN members m ON m.id = mg.member_id
			WHERE mg.group_id = $1 AND ` + filter + `)` // $1, not g.id: counted once
	}
	// A big group's first pages come fastest from the name index, checking
	// membership member by member; a small group's from its memberships,
	// sorted. The planner chooses when it is told the group (a plan for
	// these values, not a generic one); for a small group the OFFSET 0
	// fence makes sure, as names cluster (all the Müllers are under M) in
	// a way the statistics do not show.
	from := `members m`
	if size <= MemberCountExactMax {
		from = `(SELECT m.id, m.first_name, m.last_name, m.email, m.sort_name FROM members m
			WHERE EXISTS (SELECT 1 FROM member_groups mg WHERE mg.member_id = m.id AND mg.group_id = $1) OFFSET 0) m`
	}
	args := append([]any{groupID, perPage, (page - 1) * perPage}, fargs...)
	// Every row carries the total; a page past the end is the one row of
	// the total alone (the group's row is there, or the group is not).
	rows, err := pg.PlanForValues(s.db).Query(ctx, `WITH p AS (SELECT m.id, m.first_name, m.last_name, coalesce(m.email::text, '') AS email, m.sort_name
			FROM `+from+`
			WHERE EXISTS (SELECT 1 FROM member_groups mg WHERE mg.member_id = m.id AND mg.group_id = $1) AND `+filter+`
			ORDER BY m.sort_name, m.id
			LIMIT $2 OFFSET $3)
		SELECT `+total+`, p.id, p.first_name, p.last_name, p.email
		FROM groups g LEFT JOIN p ON true
		WHERE g.id = $1
		ORDER BY p.sort_name, p.id`, args...)
	if err != nil {
		return res, fmt.Errorf("members of group %s: %w", groupID, err)
	}
	defer rows.Close()
	found := false
	for rows.Next() {
		found = true
		var id, first, last, email *string
		if err := rows.Scan(&res.Total, &id, &first, &last, &email); err != nil {
			return res, fmt.Errorf("members of group %s: %w", groupID, err)
		}
		if id != nil && first != nil && last != nil && email != nil {
			res.Members = append(res.Members, GroupMember{ID: *id, FirstName: *first, LastName: *last, Email: *email})
		}
	}
	if err := rows.Err(); err != nil {
		return res, fmt.Errorf("members of group %s: %w", groupID, err)
	}
	if !found {
		return res, groupNotFound(groupID)
	}
	return res, nil
}
