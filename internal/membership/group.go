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
	"mila/internal/slug"
	"mila/internal/validate"
)

// Limits of a group's fields, in characters. The database checks the same
// limits (migration 00004); these give the friendly field errors.
const (
	GroupNameMax        = 100
	GroupDescriptionMax = 500
)

// Group is a team, committee or department members belong to.
type Group struct {
	ID          string
	Name        string
	Slug        string // made from the name once, never changed
	Description string
	MemberCount int // trigger-maintained groups.member_count
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// GroupInput is what a person types into the group form.
type GroupInput struct {
	Name        string
	Description string
}

// Groups holds the group and membership actions. Each action takes the
// acting user and checks the permission table itself.
type Groups struct{ db *pgxpool.Pool }

// NewGroups returns a Groups working on db.
func NewGroups(db *pgxpool.Pool) *Groups { return &Groups{db: db} }

// groupColumns is the column list every group query selects, in the order
// scanGroup reads it.
const groupColumns = `g.id, g.name, g.slug, g.description, g.member_count, g.created_at, g.updated_at`

func scanGroup(row pgx.Row) (Group, error) {
	var g Group
	err := row.Scan(&g.ID, &g.Name, &g.Slug, &g.Description, &g.MemberCount, &g.CreatedAt, &g.UpdatedAt)
	return g, err
}

// groupClean trims the input and returns its field errors (nil if none).
func groupClean(in GroupInput) (GroupInput, validate.Errors) {
	in.Name = validate.Clean(in.Name)
	in.Description = validate.Clean(in.Description)
	e := validate.Errors{}
	validate.Text(e, "name", in.Name, GroupNameMax, true, false)
	validate.Text(e, "description", in.Description, GroupDescriptionMax, false, true)
	return in, e
}

// Group-specific message ids (texts in internal/web/locales/groups.*.json):
// the group form can say more than the shared "already taken".
const (
	ErrGroupNameTaken  = "GroupNameTaken"  // another group has this name (ignoring case)
	ErrGroupNameNoSlug = "GroupNameNoSlug" // the name has no letter or digit to make an address from
)

// groupNameTaken is the field error for a name another group has already,
// whether found by the check or by the unique index in a race.
func groupNameTaken() error { return validate.Field("name", ErrGroupNameTaken, nil) }

// groupSlugAttempts bounds how often CreateGroup retries after losing a
// race for a slug. Every round one of the racing creators wins, so it only
// runs out when more than this many create the same slug at once.
const groupSlugAttempts = 50

// groupReservedSlugs are words the interface already uses where a group's
// slug goes: /groups/new is the create form and group=none filters the
// member overview by "no group". A group named "New" or "None" gets
// "new-2" or "none-2" instead, so its page and its filter stay reachable.
var groupReservedSlugs = map[string]bool{"new": true, "none": true}

// CreateGroup creates a group. The name is trimmed, required, at most 100
// characters and unique ignoring case; the slug is made from it (ä→a, ß→ss
// …, "-2", "-3" … when taken). Only admin may create groups.
func (s *Groups) CreateGroup(ctx context.Context, actor authz.Actor, in GroupInput) (Group, error) {
	if err := actor.Require(authz.Group, authz.Create); err != nil {
		return Group{}, err
	}
	in, e := groupClean(in)
	base := ""
	if !e.Has("name") {
		var err error
		if base, err = slug.Make(in.Name); errors.Is(err, slug.ErrEmpty) {
			e.Add("name", ErrGroupNameNoSlug, nil)
		} else if err != nil {
			return Group{}, fmt.Errorf("create group: %w", err)
		}
	}
	if err := e.Err(); err != nil {
		return Group{}, err
	}

	for attempt := 1; ; attempt++ {
		var g Group
		err := pg.InTx(ctx, s.db, func(tx pgx.Tx) error {
			var taken bool
			if err := tx.QueryRow(ctx,
				`SELECT EXISTS (SELECT 1 FROM groups WHERE lower(fold_invisible(name)) = lower(fold_invisible($1)))`, in.Name).Scan(&taken); err != nil {
				return err
			}
			if taken {
				return groupNameTaken()
			}
			sl, err := slug.Unique(base, func(cand string) (bool, error) {
				if groupReservedSlugs[cand] {
					return true, nil
				}
				var t bool
				err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM groups WHERE slug = $1)`, cand).Scan(&t)
				return t, err
			})
			if err != nil {
				return err
			}
			g, err = scanGroup(tx.QueryRow(ctx,
				`INSERT INTO groups AS g (name, slug, description) VALUES ($1, $2, $3)
				 RETURNING `+groupColumns, in.Name, sl, in.Description))
			return err
		})
		switch {
		case err == nil:
			return g, nil
		case pg.IsUniqueViolation(err, "groups_name_lower_key"):
			return Group{}, groupNameTaken()
		case pg.IsUniqueViolation(err, "groups_slug_key") && attempt < groupSlugAttempts:
			// Another group took the slug since we looked: the next round
			// sees it and picks the next suffix (or finds the name taken).
			continue
		}
		if _, ok := validate.As(err); ok {
			return Group{}, err
		}
		return Group{}, fmt.Errorf("create group: %w", err)
	}
}

// UpdateGroup changes a group's name and description; the slug stays, so
// links keep working. Only admin may update groups.
func (s *Groups) UpdateGroup(ctx context.Context, actor authz.Actor, id string, in GroupInput) (Group, error) {
	if err := actor.Require(authz.Group, authz.Update); err != nil {
		return Group{}, err
	}
	if !validate.UUID(id) {
		return Group{}, groupNotFound(id)
	}
	in, e := groupClean(in)
	if err := e.Err(); err != nil {
		return Group{}, err
	}
	var g Group
	err := pg.InTx(ctx, s.db, func(tx pgx.Tx) error {
		// Lock the group first: a missing group is not found, whatever the
		// name, and a concurrent delete waits for (or precedes) us.
		var one int
		if err := tx.QueryRow(ctx, `SELECT 1 FROM groups WHERE id = $1 FOR NO KEY UPDATE`, id).Scan(&one); err != nil {
			return err
		}
		var taken bool
		if err := tx.QueryRow(ctx,
			`SELECT EXISTS (SELECT 1 FROM groups WHERE lower(fold_invisible(name)) = lower(fold_invisible($1)) AND id <> $2)`, in.Name, id).Scan(&taken); err != nil {
			return err
		}
		if taken {
			return groupNameTaken()
		}
		var err error
		g, err = scanGroup(tx.QueryRow(ctx,
			`UPDATE groups AS g SET name = $2, description = $3 WHERE id = $1
			 RETURNING `+groupColumns, id, in.Name, in.Description))
		return err
	})
	switch {
	case err == nil:
		return g, nil
	case errors.Is(err, pgx.ErrNoRows):
		return Group{}, groupNotFound(id)
	case pg.IsUniqueViolation(err, "groups_name_lower_key"):
		return Group{}, groupNameTaken()
	}
	if _, ok := validate.As(err); ok {
		return Group{}, err
	}
	return Group{}, fmt.Errorf("update group %s: %w", id, err)
}

// DeleteGroup deletes a group. Its memberships go with it (ON DELETE
// CASCADE, and the triggers refresh the members' group names); the members
// stay. Only admin may delete groups.
func (s *Groups) DeleteGroup(ctx context.Context, actor authz.Actor, id string) error {
	if err := actor.Require(authz.Group, authz.Destroy); err != nil {
		return err
	}
	if !validate.UUID(id) {
		return groupNotFound(id)
	}
	var n int64
	err := pg.InTx(ctx, s.db, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM groups WHERE id = $1`, id)
		n = tag.RowsAffected()
		return err
	})
	if err != nil {
		return fmt.Errorf("delete group %s: %w", id, err)
	}
	if n == 0 {
		return groupNotFound(id)
	}
	return nil
}

// GroupByID returns one group. Every permission set that reads members
// reads groups (own_data included: groups are not personal data).
func (s *Groups) GroupByID(ctx context.Context, actor authz.Actor, id string) (Group, error) {
	if err := actor.Require(authz.Group, authz.Read); err != nil {
		return Group{}, err
	}
	if !validate.UUID(id) {
		return Group{}, groupNotFound(id)
	}
	return s.groupOne(ctx, `g.id = $1`, id)
}

// GroupBySlug returns the group with the given slug.
func (s *Groups) GroupBySlug(ctx context.Context, actor authz.Actor, sl string) (Group, error) {
	if err := actor.Require(authz.Group, authz.Read); err != nil {
		return Group{}, err
	}
	if !slug.Valid(sl) {
		return Group{}, groupNotFound(sl)
	}
	return s.groupOne(ctx, `g.slug = $1`, sl)
}

func (s *Groups) groupOne(ctx context.Context, where string, arg string) (Group, error) {
	g, err := scanGroup(s.db.QueryRow(ctx, `SELECT `+groupColumns+` FROM groups g WHERE `+where, arg))
	if errors.Is(err, pgx.ErrNoRows) {
		return Group{}, groupNotFound(arg)
	}
	if err != nil {
		return Group{}, fmt.Errorf("read group %s: %w", arg, err)
	}
	return g, nil
}

// GroupSort is a column the group list can be sorted by.
type GroupSort string

const (
	GroupSortName        GroupSort = "name"
	GroupSortMemberCount GroupSort = "member_count"
)

// GroupListOptions filters and sorts ListGroups. The zero value lists all
// groups by name, A to Z. ListGroups normalises them: anything unknown or
// malformed falls back to its default, so a hand-edited or old link
// still shows the list rather than an error.
type GroupListOptions struct {
	Q    string    // part of the name, ignoring case and accents ("jugend" finds "Jugendgruppe")
	Sort GroupSort // GroupSortName (default) or GroupSortMemberCount
	Desc bool
}

// Normalize trims Q and cuts it to the longest name, dropping invalid
// UTF-8 and NUL (PostgreSQL refuses them as text: a query error, not "no
// match"; no group name contains them); an unknown Sort is by name.
func (o GroupListOptions) Normalize() GroupListOptions {
	o.Q = strings.TrimSpace(strings.ReplaceAll(strings.ToValidUTF8(o.Q, ""), "\x00", ""))
	if r := []rune(o.Q); len(r) > GroupNameMax {
		o.Q = string(r[:GroupNameMax])
	}
	if o.Sort != GroupSortMemberCount {
		o.Sort = GroupSortName
	}
	return o
}

// GroupList is the groups page: the groups and the options as normalised.
type GroupList struct {
	Groups  []Group
	Options GroupListOptions
}

// ListGroups returns the groups with their member counts in one query (the
// count is a trigger-maintained column, so no per-group count).
// A club has tens or hundreds of groups, so the list is not paginated.
func (s *Groups) ListGroups(ctx context.Context, actor authz.Actor, opt GroupListOptions) (GroupList, error) {
	if err := actor.Require(authz.Group, authz.Read); err != nil {
		return GroupList{}, err
	}
	opt = opt.Normalize()
	dir := "ASC"
	if opt.Desc {
		dir = "DESC"
	}
	// Ties are broken by name and then id, so the order is total and stable.
	// name_key is search_key(name), stored (migration 00005).
	order := fmt.Sprintf(`g.name_key %[1]s, g.name %[1]s, g.id`, dir)
	if opt.Sort == GroupSortMemberCount {
		order = fmt.Sprintf(`g.member_count %s, g.name_key, g.name, g.id`, dir)
	}
	// strpos instead of LIKE: the search text needs no escaping of % and _.
	rows, err := s.db.Query(ctx, `SELECT `+groupColumns+` FROM groups g
		WHERE $1 = '' OR strpos(g.name_key, search_key($1)) > 0
		ORDER BY `+order, validate.Clean(opt.Q))
	if err != nil {
		return GroupList{}, fmt.Errorf("list groups: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Group, error) { return scanGroup(r) })
	if err != nil {
		return GroupList{}, fmt.Errorf("list groups: %w", err)
	}
	return GroupList{Groups: out, Options: opt}, nil
}

// groupNotFound is ErrNotFound naming the group.
func groupNotFound(id string) error {
	return &MembershipNotFoundError{Resource: authz.Group, IDs: []string{id}}
}

// MembershipNotFoundError says which group(s) or member(s) an action could
// not find. It wraps ErrNotFound, so errors.Is(err, ErrNotFound) holds; the
// web layer can use errors.As to name the missing records.
type MembershipNotFoundError struct {
	Resource authz.Resource // authz.Group or authz.Member
	IDs      []string       // the ids not found (malformed ones included)
}

func (e *MembershipNotFoundError) Error() string {
	what := strings.ToLower(string(e.Resource))
	if len(e.IDs) == 1 {
		return fmt.Sprintf("%s %s: %v", what, e.IDs[0], ErrNotFound)
	}
	shown := strings.Join(e.IDs, ", ")
	if len(e.IDs) > 5 {
		shown = strings.Join(e.IDs[:5], ", ") + ", …"
	}
	return fmt.Sprintf("%d %ss (%s): %v", len(e.IDs), what, shown, ErrNotFound)
}

func (e *MembershipNotFoundError) Unwrap() error { return ErrNotFound }
