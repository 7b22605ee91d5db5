package membership

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"mila/internal/authz"
	"mila/internal/pg"
	"mila/internal/validate"
)

// History is a member's periods in the club, dated group memberships
// with roles, and the lists they pick from (exit reasons, group roles).
// The schema and how it keeps members.join_date/exit_date and
// member_groups current are described in migration 00017.
//
// Permissions: reading follows reading members (periods) and memberships
// (MemberGroup read); changing periods is changing a member's join and
// exit dates (Member update, every member — not an own_data user on their
// own record); changing memberships is what changes memberships
// (MemberGroup create/update; deleting a membership row, for mistakes,
// MemberGroup destroy); the lists are club configuration (exit reasons:
// CustomField create/destroy, like the data fields; group roles: Group
// update). Roles that lead a group grant no rights (yet).
type History struct{ db *pgxpool.Pool }

// NewHistory returns the history store on db.
func NewHistory(db *pgxpool.Pool) *History { return &History{db: db} }

// Message ids of history validation errors.
const (
	ErrPeriodOverlap        = "ErrPeriodOverlap"        // overlaps another period of the member
	ErrPeriodEndBeforeStart = "ErrPeriodEndBeforeStart" // end before start
	ErrPeriodLast           = "ErrPeriodLast"           // the member's only period cannot be deleted
	ErrPeriodOpenNotLast    = "ErrPeriodOpenNotLast"    // only the latest period may be open
	ErrMembershipOverlap    = "ErrMembershipOverlap"    // overlaps another membership in the group
	ErrMembershipFuture     = "ErrMembershipFuture"     // starts or ends after today
	ErrMembershipUntilFrom  = "ErrMembershipUntilFrom"  // until not after from
	ErrNameTaken            = "ErrNameTaken"            // a list entry with this name exists
	ErrMemberDatesPeriods   = "ErrMemberDatesPeriods"   // join/exit date conflict with the member's periods
	ErrMembershipRoleGroup  = "ErrMembershipRoleGroup"  // the role belongs to another group
)

// Period is one stretch of a member's membership in the club:
// [StartsOn, EndsOn). EndsOn is the exit date (the first day no longer a
// member), nil while open.
type Period struct {
	ID                    string
	MemberID              string
	StartsOn              time.Time
	EndsOn                *time.Time
	ExitReasonID          string // "" for none
	ExitReason            string
	ResignationReceivedOn *time.Time
}

// Contains reports whether day is in the period.
func (p Period) Contains(day time.Time) bool {
	d := dateOnly(day)
	return !p.StartsOn.After(d) && (p.EndsOn == nil || p.EndsOn.After(d))
}

// PeriodInput is a period as typed: ISO dates, "" for none.
type PeriodInput struct {
	StartsOn              string
	EndsOn                string
	ExitReasonID          string
	ResignationReceivedOn string
}

// ExitReason is an entry of the club's list of exit reasons.
type ExitReason struct {
	ID, Name string
}

// GroupRole is a role in a group: GroupID "" for the club-wide default
// list offered in every group.
type GroupRole struct {
	ID, GroupID, Name string
	Leads             bool
}

// Membership is one dated membership of a member in a group:
// [From, Until), Until nil while it goes on.
type Membership struct {
	ID        string
	MemberID  string
	GroupID   string
	GroupName string
	GroupSlug string
	RoleID    string // "" for none
	RoleName  string
	RoleLeads bool
	From      time.Time
	Until     *time.Time
	// Of the member (group page rows):
	FirstName, LastName, Email string
	// LeftClub: the member is not in the club today.
	LeftClub bool
}

// Current reports whether the membership covers day.
func (m Membership) Current(day time.Time) bool {
	d := dateOnly(day)
	return !m.From.After(d) && (m.Until == nil || m.Until.After(d))
}

// MembershipInput is a membership as typed: ISO dates ("" From is
// today), a role id or "".
type MembershipInput struct {
	From, Until, RoleID string
}

func parseOptDate(e validate.Errors, field, s string) *time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	t, ok := parseMemberDate(e, field, s)
	if !ok {
		return nil
	}
	return &t
}

// Today is the date Mila takes as today (the database's current_date in
// the server's time zone).
func Today() time.Time { return dateOnly(time.Now()) }

// ---- periods ----

const periodColumns = `p.id, p.member_id, p.starts_on, p.ends_on, coalesce(p.exit_reason_id::text, ''),
	coalesce(r.name, ''), p.resignation_received_on`

func scanPeriod(r pgx.Row) (Period, error) {
	var p Period
	err := r.Scan(&p.ID, &p.MemberID, &p.StartsOn, &p.EndsOn, &p.ExitReasonID, &p.ExitReason, &p.ResignationReceivedOn)
	return p, err
}

// Periods returns the member's periods, oldest first.
func (h *History) Periods(ctx context.Context, actor authz.Actor, memberID string) ([]Period, error) {
	if err := actor.Require(authz.Member, authz.Read); err != nil {
		return nil, err
	}
	if !validate.UUID(memberID) || !actor.CanOnMember(authz.Member, authz.Read, memberID) {
		return nil, ErrNotFound
	}
	rows, err := h.db.Query(ctx, `SELECT `+periodColumns+`
		FROM member_periods p LEFT JOIN exit_reasons r ON r.id = p.exit_reason_id
		WHERE p.member_id = $1 ORDER BY p.starts_on, p.id`, memberID)
	if err != nil {
		return nil, fmt.Errorf("periods of %s: %w", memberID, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Period, error) { return scanPeriod(r) })
	if err != nil {
		return nil, fmt.Errorf("periods of %s: %w", memberID, err)
	}
	if len(out) == 0 {
		return nil, ErrNotFound
	}
	return out, nil
}

func (in PeriodInput) check() (start time.Time, end *time.Time, reason string, received *time.Time, e validate.Errors) {
	e = validate.Errors{}
	if strings.TrimSpace(in.StartsOn) == "" {
		e.Add("starts_on", validate.Required, nil)
	} else {
		start, _ = parseMemberDate(e, "starts_on", strings.TrimSpace(in.StartsOn))
	}
	end = parseOptDate(e, "ends_on", in.EndsOn)
	received = parseOptDate(e, "resignation_received_on", in.ResignationReceivedOn)
	if end != nil && !start.IsZero() && end.Before(start) {
		e.Add("ends_on", ErrPeriodEndBeforeStart, nil)
	}
	reason = strings.ToLower(strings.TrimSpace(in.ExitReasonID))
	if reason != "" && !validate.UUID(reason) {
		e.Add("exit_reason_id", validate.NotFound, nil)
	}
	if reason != "" && end == nil {
		reason = "" // a reason belongs to an end
	}
	return start, end, reason, received, e
}

func (h *History) requirePeriodWrite(actor authz.Actor, memberID string) error {
	if actor.Scope(authz.Member, authz.Update) != authz.All {
		return fmt.Errorf("change periods: %w", authz.ErrForbidden)
	}
	if !validate.UUID(memberID) {
		return ErrNotFound
	}
	return nil
}

// periodError turns what the database refused into field errors.
func periodError(err error) error {
	switch {
	case err == nil:
		return nil
	case pg.Is(err, "23P01", "member_periods_no_overlap"):
		return validate.Field("starts_on", ErrPeriodOverlap, nil)
	case pg.Is(err, "23514", "member_periods_end_after_start"):
		return validate.Field("ends_on", ErrPeriodEndBeforeStart, nil)
	case pg.Is(err, "23514", "member_periods_at_least_one"):
		return validate.Field("period", ErrPeriodLast, nil)
	case pg.IsForeignKeyViolation(err, "member_periods_exit_reason_id_fkey"):
		return validate.Field("exit_reason_id", validate.NotFound, nil)
	case pg.IsForeignKeyViolation(err, "member_periods_member_id_fkey"):
		return ErrNotFound
	}
	return err
}

// AddPeriod adds a period to the member: a re-join is a new period of
// the same member, never a new member. Only the latest period may be
// open; a period overlapping another is refused (by the database too).
func (h *History) AddPeriod(ctx context.Context, actor authz.Actor, memberID string, in PeriodInput) (Period, error) {
	if err := h.requirePeriodWrite(actor, memberID); err != nil {
		return Period{}, err
	}
	start, end, reason, received, e := in.check()
	if err := e.Err(); err != nil {
		return Period{}, err
	}
	var id string
	err := pg.InTx(ctx, h.db, func(tx pgx.Tx) error {
		// One writer per member at a time (a second add waits, then sees
		// the first).
		var later bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM member_periods WHERE member_id = m.id AND starts_on > $2)
			FROM members m WHERE m.id = $1 FOR NO KEY UPDATE`, memberID, start).Scan(&later); err != nil {
			if errors.Is(err, pgx.ErrNoRows) {
				return ErrNotFound
			}
			return err
		}
		if end == nil && later {
			return validate.Field("ends_on", ErrPeriodOpenNotLast, nil)
		}
		return tx.QueryRow(ctx, `INSERT INTO member_periods (member_id, starts_on, ends_on, exit_reason_id, resignation_received_on)
			VALUES ($1, $2, $3, nullif($4, '')::uuid, $5) RETURNING id`, memberID, start, end, reason, received).Scan(&id)
	})
	if err = periodError(err); err != nil {
		return Period{}, err
	}
	return h.period(ctx, memberID, id)
}

func (h *History) period(ctx context.Context, memberID, id string) (Period, error) {
	p, err := scanPeriod(h.db.QueryRow(ctx, `SELECT `+periodColumns+`
		FROM member_periods p LEFT JOIN exit_reasons r ON r.id = p.exit_reason_id
		WHERE p.id = $1 AND p.member_id = $2`, id, memberID))
	if errors.Is(err, pgx.ErrNoRows) {
		return Period{}, ErrNotFound
	}
	return p, err
}

// UpdatePeriod changes one of the member's periods.
func (h *History) UpdatePeriod(ctx context.Context, actor authz.Actor, memberID, periodID string, in PeriodInput) (Period, error) {
	if err := h.requirePeriodWrite(actor, memberID); err != nil {
		return Period{}, err
	}
	if !validate.UUID(periodID) {
		return Period{}, ErrNotFound
	}
	start, end, reason, received, e := in.check()
	if err := e.Err(); err != nil {
		return Period{}, err
	}
	err := pg.InTx(ctx, h.db, func(tx pgx.Tx) error {
		var later bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM member_periods WHERE member_id = m.id AND starts_on > $2 AND id <> $3)
			FROM members m WHERE m.id = $1 FOR NO KEY UPDATE`, memberID, start, periodID).Scan(&later); err != nil {
			if errors.Is(err, pgx.ErrNoRows) {
				return ErrNotFound
			}
			return err
		}
		if end == nil && later {
			return validate.Field("ends_on", ErrPeriodOpenNotLast, nil)
		}
		tag, err := tx.Exec(ctx, `UPDATE member_periods SET starts_on = $3, ends_on = $4, exit_reason_id = nullif($5, '')::uuid,
			resignation_received_on = $6 WHERE id = $1 AND member_id = $2`, periodID, memberID, start, end, reason, received)
		if err == nil && tag.RowsAffected() == 0 {
			return ErrNotFound
		}
		return err
	})
	if err = periodError(err); err != nil {
		return Period{}, err
	}
	return h.period(ctx, memberID, periodID)
}

// DeletePeriod removes one of the member's periods (not the only one).
func (h *History) DeletePeriod(ctx context.Context, actor authz.Actor, memberID, periodID string) error {
	if err := h.requirePeriodWrite(actor, memberID); err != nil {
		return err
	}
	if !validate.UUID(periodID) {
		return ErrNotFound
	}
	n, err := pg.Exec(ctx, h.db, `DELETE FROM member_periods WHERE id = $1 AND member_id = $2`, periodID, memberID)
	if err = periodError(err); err != nil {
		return err
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}

// ---- exit reasons ----

// ExitReasons returns the club's exit reasons by position and name.
func (h *History) ExitReasons(ctx context.Context, actor authz.Actor) ([]ExitReason, error) {
	if err := actor.Require(authz.Member, authz.Read); err != nil {
		return nil, err
	}
	rows, err := h.db.Query(ctx, `SELECT id, name FROM exit_reasons ORDER BY position, lower(name), id`)
	if err != nil {
		return nil, fmt.Errorf("exit reasons: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (ExitReason, error) {
		var x ExitReason
		return x, r.Scan(&x.ID, &x.Name)
	})
}

// CreateExitReason adds a reason to the list.
func (h *History) CreateExitReason(ctx context.Context, actor authz.Actor, name string) (ExitReason, error) {
	if err := actor.Require(authz.CustomField, authz.Create); err != nil {
		return ExitReason{}, err
	}
	name = validate.Clean(name)
	e := validate.Errors{}
	validate.Text(e, "name", name, 100, true, false)
	if err := e.Err(); err != nil {
		return ExitReason{}, err
	}
	x := ExitReason{Name: name}
	err := pg.InTx(ctx, h.db, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `INSERT INTO exit_reasons (name, position)
		VALUES ($1, (SELECT coalesce(max(position), 0) + 1 FROM exit_reasons)) RETURNING id`, name).Scan(&x.ID)
	})
	if pg.IsUniqueViolation(err, "exit_reasons_name_key") {
		return ExitReason{}, validate.Field("name", ErrNameTaken, nil)
	}
	return x, err
}

// DeleteExitReason removes a reason no period uses; a used one is
// refused with an *InUseError saying how many periods give it.
func (h *History) DeleteExitReason(ctx context.Context, actor authz.Actor, id string) error {
	if err := actor.Require(authz.CustomField, authz.Destroy); err != nil {
		return err
	}
	if !validate.UUID(id) {
		return ErrNotFound
	}
	const uses = `SELECT count(*)::integer FROM member_periods WHERE exit_reason_id = $1`
	return deleteUnused(ctx, h.db, uses, `DELETE FROM exit_reasons WHERE id = $1`, id)
}

// ---- group roles ----

// Roles returns the roles offered in group groupID: the club-wide
// defaults, then the group's own (groupID "" returns the defaults only).
func (h *History) Roles(ctx context.Context, actor authz.Actor, groupID string) ([]GroupRole, error) {
	if err := actor.Require(authz.Group, authz.Read); err != nil {
		return nil, err
	}
	if groupID != "" && !validate.UUID(groupID) {
		return nil, groupNotFound(groupID)
	}
	rows, err := h.db.Query(ctx, `SELECT id, coalesce(group_id::text, ''), name, leads FROM group_roles
		WHERE group_id IS NULL OR group_id = nullif($1, '')::uuid
		ORDER BY group_id NULLS FIRST, position, lower(name), id`, groupID)
	if err != nil {
		return nil, fmt.Errorf("roles: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (GroupRole, error) {
		var x GroupRole
		return x, r.Scan(&x.ID, &x.GroupID, &x.Name, &x.Leads)
	})
}

// CreateRole adds a role to group groupID's list, or ("") to the defaults.
func (h *History) CreateRole(ctx context.Context, actor authz.Actor, groupID, name string, leads bool) (GroupRole, error) {
	if err := actor.Require(authz.Group, authz.Update); err != nil {
		return GroupRole{}, err
	}
	if groupID != "" && !validate.UUID(groupID) {
		return GroupRole{}, groupNotFound(groupID)
	}
	name = validate.Clean(name)
	e := validate.Errors{}
	validate.Text(e, "name", name, 100, true, false)
	if err := e.Err(); err != nil {
		return GroupRole{}, err
	}
	x := GroupRole{GroupID: groupID, Name: name, Leads: leads}
	err := pg.InTx(ctx, h.db, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `INSERT INTO group_roles (group_id, name, leads, position)
		VALUES (nullif($1, '')::uuid, $2, $3, (SELECT coalesce(max(position), 0) + 1 FROM group_roles))
		RETURNING id`, groupID, name, leads).Scan(&x.ID)
	})
	switch {
	case pg.IsUniqueViolation(err, "group_roles_name_key"):
		return GroupRole{}, validate.Field("name", ErrNameTaken, nil)
	case pg.IsForeignKeyViolation(err, ""):
		return GroupRole{}, groupNotFound(groupID)
	}
	return x, err
}

// DeleteRole removes a role of group groupID's list ("" the club-wide
// defaults) that no membership, past or present, holds; a used one is
// refused with an *InUseError saying how many hold it.
func (h *History) DeleteRole(ctx context.Context, actor authz.Actor, groupID, id string) error {
	if err := actor.Require(authz.Group, authz.Update); err != nil {
		return err
	}
	if !validate.UUID(id) || (groupID != "" && !validate.UUID(groupID)) {
		return ErrNotFound
	}
	var mine bool
	if err := h.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM group_roles WHERE id = $1
		AND group_id IS NOT DISTINCT FROM nullif($2, '')::uuid)`, id, groupID).Scan(&mine); err != nil {
		return fmt.Errorf("delete role: %w", err)
	}
	if !mine { // another list's role (or none): not found through this list
		return ErrNotFound
	}
	const uses = `SELECT count(*)::integer FROM group_memberships WHERE role_id = $1`
	return deleteUnused(ctx, h.db, uses, `DELETE FROM group_roles WHERE id = $1
		AND group_id IS NOT DISTINCT FROM nullif($2, '')::uuid`, id, groupID)
}

// ---- memberships ----

const membershipColumns = `h.id, h.member_id, h.group_id, g.name, g.slug, coalesce(h.role_id::text, ''),
	coalesce(r.name, ''), coalesce(r.leads, false), h.valid_from, h.valid_until,
	m.first_name, m.last_name, coalesce(m.email::text, ''), NOT (m.exit_date IS NULL OR m.exit_date > current_date)`

const membershipFrom = `group_memberships h JOIN groups g ON g.id = h.group_id JOIN members m ON m.id = h.member_id
	LEFT JOIN group_roles r ON r.id = h.role_id`

func scanMembership(r pgx.Row) (Membership, error) {
	var x Membership
	err := r.Scan(&x.ID, &x.MemberID, &x.GroupID, &x.GroupName, &x.GroupSlug, &x.RoleID, &x.RoleName, &x.RoleLeads,
		&x.From, &x.Until, &x.FirstName, &x.LastName, &x.Email, &x.LeftClub)
	return x, err
}

// MemberMemberships returns the member's memberships past and present,
// the current ones first, then by group name and date.
func (h *History) MemberMemberships(ctx context.Context, actor authz.Actor, memberID string) ([]Membership, error) {
	if !membershipMayReadGroupsOf(actor, memberID) || !actor.CanOnMember(authz.Member, authz.Read, memberID) {
		return nil, fmt.Errorf("memberships of member: %w", authz.ErrForbidden)
	}
	if !validate.UUID(memberID) {
		return nil, ErrNotFound
	}
	rows, err := h.db.Query(ctx, `SELECT `+membershipColumns+` FROM `+membershipFrom+`
		WHERE h.member_id = $1
		ORDER BY (h.span @> current_date) DESC, g.name_key, h.valid_from DESC, h.id`, memberID)
	if err != nil {
		return nil, fmt.Errorf("memberships of %s: %w", memberID, err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Membership, error) { return scanMembership(r) })
}

// Membership returns one membership row.
func (h *History) Membership(ctx context.Context, actor authz.Actor, id string) (Membership, error) {
	if err := actor.Require(authz.MemberGroup, authz.Read); err != nil {
		return Membership{}, err
	}
	if !validate.UUID(id) {
		return Membership{}, ErrNotFound
	}
	x, err := scanMembership(h.db.QueryRow(ctx, `SELECT `+membershipColumns+` FROM `+membershipFrom+` WHERE h.id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return Membership{}, ErrNotFound
	}
	if err == nil && !actor.CanOnMember(authz.Member, authz.Read, x.MemberID) {
		return Membership{}, ErrNotFound
	}
	return x, err
}

func (in MembershipInput) check(today time.Time) (from time.Time, until *time.Time, role string, e validate.Errors) {
	e = validate.Errors{}
	from = today
	if s := strings.TrimSpace(in.From); s != "" {
		from, _ = parseMemberDate(e, "from", s)
	}
	until = parseOptDate(e, "until", in.Until)
	if !from.IsZero() && from.After(today) {
		e.Add("from", ErrMembershipFuture, nil)
	}
	if until != nil && until.After(today) {
		e.Add("until", ErrMembershipFuture, nil)
	}
	if until != nil && !from.IsZero() && !until.After(from) {
		e.Add("until", ErrMembershipUntilFrom, nil)
	}
	role = strings.ToLower(strings.TrimSpace(in.RoleID))
	if role != "" && !validate.UUID(role) {
		e.Add("role_id", validate.NotFound, nil)
	}
	return from, until, role, e
}

func membershipError(err error) error {
	switch {
	case err == nil:
		return nil
	case pg.Is(err, "23P01", "group_memberships_no_overlap"):
		return validate.Field("from", ErrMembershipOverlap, nil)
	case pg.Is(err, "23514", "group_memberships_not_future"):
		return validate.Field("from", ErrMembershipFuture, nil)
	case pg.Is(err, "23514", "group_memberships_until_after_from"):
		return validate.Field("until", ErrMembershipUntilFrom, nil)
	case pg.Is(err, "23514", "group_memberships_role_of_group"):
		return validate.Field("role_id", ErrMembershipRoleGroup, nil)
	case pg.IsForeignKeyViolation(err, "group_memberships_role_id_fkey"):
		return validate.Field("role_id", validate.NotFound, nil)
	case pg.IsForeignKeyViolation(err, "group_memberships_member_id_fkey"):
		return &MembershipNotFoundError{Resource: authz.Member}
	case pg.IsForeignKeyViolation(err, "group_memberships_group_id_fkey"):
		return &MembershipNotFoundError{Resource: authz.Group}
	}
	return err
}

// AddMembership records a membership of the member in the group: from
// (default today), optional until and role. A later membership in the
// same group is a new row; overlapping ones are refused.
func (h *History) AddMembership(ctx context.Context, actor authz.Actor, memberID, groupID string, in MembershipInput) (Membership, error) {
	if err := actor.Require(authz.MemberGroup, authz.Create); err != nil {
		return Membership{}, err
	}
	if !validate.UUID(memberID) {
		return Membership{}, &MembershipNotFoundError{Resource: authz.Member, IDs: []string{memberID}}
	}
	if !validate.UUID(groupID) {
		return Membership{}, groupNotFound(groupID)
	}
	from, until, role, e := in.check(Today())
	if err := e.Err(); err != nil {
		return Membership{}, err
	}
	var id string
	err := pg.InTx(ctx, h.db, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT 1 FROM groups WHERE id = $1 FOR NO KEY UPDATE`, groupID); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `INSERT INTO group_memberships (member_id, group_id, role_id, valid_from, valid_until)
			VALUES ($1, $2, nullif($3, '')::uuid, $4, $5) RETURNING id`, memberID, groupID, role, from, until).Scan(&id)
	})
	if err = membershipError(err); err != nil {
		return Membership{}, err
	}
	return h.Membership(ctx, actor, id)
}

// UpdateMembership changes a membership's dates and role.
func (h *History) UpdateMembership(ctx context.Context, actor authz.Actor, id string, in MembershipInput) (Membership, error) {
	if err := actor.Require(authz.MemberGroup, authz.Update); err != nil {
		return Membership{}, err
	}
	cur, err := h.Membership(ctx, actor, id)
	if err != nil {
		return Membership{}, err
	}
	if strings.TrimSpace(in.From) == "" {
		in.From = cur.From.Format(dateLayout)
	}
	from, until, role, e := in.check(Today())
	if err := e.Err(); err != nil {
		return Membership{}, err
	}
	err = pg.InTx(ctx, h.db, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT 1 FROM groups WHERE id = $1 FOR NO KEY UPDATE`, cur.GroupID); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `UPDATE group_memberships SET valid_from = $2, valid_until = $3, role_id = nullif($4, '')::uuid
			WHERE id = $1`, id, from, until, role)
		if err == nil && tag.RowsAffected() == 0 {
			return ErrNotFound
		}
		return err
	})
	if err = membershipError(err); err != nil {
		return Membership{}, err
	}
	return h.Membership(ctx, actor, id)
}

// EndMemberships ends the current memberships of the members in the
// group on until (the first day they are no longer in it; at most
// today). A membership that began on or after until is left alone.
// Returns how many were ended.
func (h *History) EndMemberships(ctx context.Context, actor authz.Actor, groupID string, memberIDs []string, until time.Time) (int, error) {
	if err := actor.Require(authz.MemberGroup, authz.Update); err != nil {
		return 0, err
	}
	members, bad := membershipIDs(memberIDs)
	if len(bad) > 0 {
		return 0, &MembershipNotFoundError{Resource: authz.Member, IDs: bad}
	}
	if !validate.UUID(groupID) {
		return 0, groupNotFound(groupID)
	}
	until = dateOnly(until)
	if until.After(Today()) {
		return 0, validate.Field("until", ErrMembershipFuture, nil)
	}
	var n int
	err := pg.InTx(ctx, h.db, func(tx pgx.Tx) error {
		var found bool
		if err := tx.QueryRow(ctx, `SELECT true FROM groups WHERE id = $1 FOR NO KEY UPDATE`, groupID).Scan(&found); err != nil {
			if errors.Is(err, pgx.ErrNoRows) {
				return groupNotFound(groupID)
			}
			return err
		}
		// One statement for all; "covers today" on the date columns (the
		// group's B-tree index), not span: the exclusion index (GiST)
		// cannot narrow a lookup by group or member down.
		tag, err := tx.Exec(ctx, `UPDATE group_memberships h SET valid_until = $3
			WHERE h.group_id = $1 AND h.member_id = ANY ($2::uuid[]) AND `+membershipCovers("h", "current_date")+` AND h.valid_from < $3`,
			groupID, members, until)
		n = int(tag.RowsAffected())
		return err
	})
	return n, membershipError(err)
}

// DeleteMembership removes a membership row altogether — for mistakes;
// ending keeps the history. Admin only (MemberGroup destroy).
func (h *History) DeleteMembership(ctx context.Context, actor authz.Actor, id string) error {
	if err := actor.Require(authz.MemberGroup, authz.Destroy); err != nil {
		return err
	}
	cur, err := h.Membership(ctx, actor, id)
	if err != nil {
		return err
	}
	return pg.InTx(ctx, h.db, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT 1 FROM groups WHERE id = $1 FOR NO KEY UPDATE`, cur.GroupID); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM group_memberships WHERE id = $1`, id)
		return err
	})
}

// ---- a group's members over time ----

// Which memberships of a group a list shows.
const (
	GroupShowCurrent = "current" // in the group on the day
	GroupShowFormer  = "former"  // were in it before the day, not on it
	GroupShowAll     = "all"     // every membership begun by the day
)

// Sorts of a group's member list.
const (
	GroupMemberSortName  = "name"
	GroupMemberSortRole  = "role"
	GroupMemberSortSince = "since"
)

// GroupHistoryQuery asks for a group's memberships on a day.
type GroupHistoryQuery struct {
	GroupID string
	AsOf    time.Time // zero: today
	Show    string    // GroupShow*; default current
	Q       string    // name search within the group
	Sort    string    // GroupMemberSort*; default name
	Desc    bool
	Page    int
	PerPage int
}

// Normalize fills defaults and drops what is unknown.
func (q GroupHistoryQuery) Normalize() GroupHistoryQuery {
	if q.AsOf.IsZero() {
		q.AsOf = Today()
	}
	q.AsOf = dateOnly(q.AsOf)
	switch q.Show {
	case GroupShowCurrent, GroupShowFormer, GroupShowAll:
	default:
		q.Show = GroupShowCurrent
	}
	switch q.Sort {
	case GroupMemberSortName, GroupMemberSortRole, GroupMemberSortSince:
	default:
		q.Sort = GroupMemberSortName
	}
	q.Q = strings.TrimSpace(q.Q)
	if q.Page < 1 {
		q.Page = 1
	}
	if q.PerPage < 1 || q.PerPage > GroupMembersMaxPerPage {
		q.PerPage = GroupMembersPerPage
	}
	q.Page = min(q.Page, 1<<31/q.PerPage-1)
	return q
}

// GroupHistoryPage is one page of a group's memberships.
type GroupHistoryPage struct {
	Query GroupHistoryQuery // normalised, Page clamped to the last page
	Rows  []Membership
	Total int
}

// Pages is the number of pages (at least 1).
func (p GroupHistoryPage) Pages() int {
	if p.Total == 0 || p.Query.PerPage == 0 {
		return 1
	}
	return (p.Total + p.Query.PerPage - 1) / p.Query.PerPage
}

// GroupMemberships returns one page of the group's memberships on
// q.AsOf: current (default), former or all, with role and dates, members
// who are not in the club today marked; searched by name and sorted by
// name, role or since. Needs MemberGroup read; members are filtered by
// the actor's read scope in SQL.
func (h *History) GroupMemberships(ctx context.Context, actor authz.Actor, q GroupHistoryQuery) (GroupHistoryPage, error) {
	if err := actor.Require(authz.MemberGroup, authz.Read); err != nil {
		return GroupHistoryPage{}, err
	}
	if !validate.UUID(q.GroupID) {
		return GroupHistoryPage{}, groupNotFound(q.GroupID)
	}
	q = q.Normalize()
	args := []any{q.GroupID, q.AsOf}
	where := []string{"h.group_id = $1"}
	switch q.Show {
	case GroupShowCurrent:
		where = append(where, membershipCovers("h", "$2::date"))
	case GroupShowFormer:
		where = append(where, "h.valid_until <= $2::date",
			"NOT EXISTS (SELECT 1 FROM group_memberships c WHERE c.group_id = h.group_id AND c.member_id = h.member_id AND "+membershipCovers("c", "$2::date")+")")
	default:
		where = append(where, "h.valid_from <= $2::date")
	}
	if q.Q != "" {
		args = append(args, q.Q)
		where = append(where, fmt.Sprintf("strpos(search_key(m.first_name || ' ' || m.last_name || ' ' || m.last_name), search_key($%d)) > 0", len(args)))
	}
	filter, fargs := actor.MemberFilter(authz.Member, authz.Read, "h.member_id", len(args)+1)
	args = append(args, fargs...)
	where = append(where, filter)
	dir := " ASC"
	if q.Desc {
		dir = " DESC"
	}
	order := "m.sort_name" + dir + ", h.valid_from DESC, h.id"
	switch q.Sort {
	case GroupMemberSortRole:
		order = "r.name IS NULL, lower(r.name)" + dir + ", m.sort_name, h.valid_from DESC, h.id"
	case GroupMemberSortSince:
		order = "h.valid_from" + dir + ", m.sort_name, h.id"
	}
	res := GroupHistoryPage{Query: q, Rows: []Membership{}}
	// The total reads the memberships alone (an index-only scan of the
	// group's), and the members only when the search needs their names.
	countFrom := "group_memberships h"
	if q.Q != "" {
		countFrom += " JOIN members m ON m.id = h.member_id"
	}
	var exists bool
	err := pg.PlanForValues(h.db).QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM groups WHERE id = $1), (SELECT count(*) FROM `+countFrom+`
		WHERE `+strings.Join(where, " AND ")+`)`, args...).Scan(&exists, &res.Total)
	if err != nil {
		return res, fmt.Errorf("memberships of group: %w", err)
	}
	if !exists {
		return res, groupNotFound(q.GroupID)
	}
	res.Query.Page = min(q.Page, res.Pages())
	args = append(args, q.PerPage, (res.Query.Page-1)*q.PerPage)
	rows, err := pg.PlanForValues(h.db).Query(ctx, `SELECT `+membershipColumns+` FROM `+membershipFrom+`
		WHERE `+strings.Join(where, " AND ")+` ORDER BY `+order+fmt.Sprintf(` LIMIT $%d OFFSET $%d`, len(args)-1, len(args)), args...)
	if err != nil {
		return res, fmt.Errorf("memberships of group: %w", err)
	}
	res.Rows, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Membership, error) { return scanMembership(r) })
	if err != nil {
		return res, fmt.Errorf("memberships of group: %w", err)
	}
	return res, nil
}

// GroupCountsOn returns the number of members of every group on day
// (group id → count; groups without members on that day are missing).
func (h *History) GroupCountsOn(ctx context.Context, actor authz.Actor, day time.Time) (map[string]int, error) {
	if err := actor.Require(authz.Group, authz.Read); err != nil {
		return nil, err
	}
	rows, err := h.db.Query(ctx, `SELECT group_id::text, count(*)::integer FROM group_memberships
		WHERE valid_from <= $1::date AND (valid_until IS NULL OR valid_until > $1::date) GROUP BY group_id`, dateOnly(day))
	if err != nil {
		return nil, fmt.Errorf("group counts: %w", err)
	}
	out := map[string]int{}
	var id string
	var n int
	_, err = pgx.ForEachRow(rows, []any{&id, &n}, func() error { out[id] = n; return nil })
	if err != nil {
		return nil, fmt.Errorf("group counts: %w", err)
	}
	return out, nil
}
