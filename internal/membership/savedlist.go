package membership

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"mila/internal/authz"
	"mila/internal/pg"
	"mila/internal/validate"
)

// SavedList is a view of the member overview kept under a name: its
// filters, search, sort, page size and columns (Query.Columns; empty: the
// opener's own columns) — not its rows, so it stays live.
type SavedList struct {
	ID      string
	OwnerID string
	Name    string
	Shared  bool // everyone who may read members sees it; else only its owner
	Query   MemberQuery
	Mine    bool // the actor owns it
	// CanChange: the actor may rename, share or delete it (the owner; an
	// admin any list they see).
	CanChange bool
}

// SavedListInput is what the save and rename forms submit.
type SavedListInput struct {
	Name   string
	Shared bool
}

// SavedListNameMax is the longest name of a saved list, in characters.
const SavedListNameMax = 100

// Saved-list message ids (texts in internal/web/locales/lists.*.json).
const (
	ErrSavedListNameTaken = "ErrSavedListNameTaken" // the owner has a list of this name
)

// SavedLists is the store of saved lists.
type SavedLists struct{ db *pgxpool.Pool }

// NewSavedLists returns the saved-list actions on db.
func NewSavedLists(db *pgxpool.Pool) *SavedLists { return &SavedLists{db: db} }

// savedListAllowed: keeping lists needs the right to read every member
// (a list is a view of the whole register) and the SavedList permission.
func savedListAllowed(actor authz.Actor, act authz.Action) error {
	if act != authz.Read && !validate.UUID(actor.UserID) {
		// A list belongs to a user: the command line (no user) only reads.
		return fmt.Errorf("saved lists: no user: %w", authz.ErrForbidden)
	}
	if actor.Scope(authz.Member, authz.Read) != authz.All {
		return fmt.Errorf("saved lists: %w", authz.ErrForbidden)
	}
	return actor.Require(authz.SavedList, act)
}

const savedListColumns = `l.id, l.owner_id, l.name, l.shared, l.q, l.status, l.group_slug, l.sort, l.dir, l.per_page, l.columns`

func scanSavedList(row pgx.Row, actor authz.Actor) (SavedList, error) {
	var l SavedList
	var status string
	err := row.Scan(&l.ID, &l.OwnerID, &l.Name, &l.Shared, &l.Query.Q, &status, &l.Query.Group, &l.Query.Sort, &l.Query.Dir, &l.Query.PerPage, &l.Query.Columns)
	l.Query.Status = MemberStatus(status)
	if len(l.Query.Columns) == 0 {
		l.Query.Columns = nil // the opener's columns
	}
	l.Mine = l.OwnerID == actor.UserID
	l.CanChange = l.Mine || actor.Scope(authz.SavedList, authz.Update) == authz.All
	return l, err
}

// List returns the lists the actor sees — their own and the shared
// ones — by name.
func (s *SavedLists) List(ctx context.Context, actor authz.Actor) ([]SavedList, error) {
	if err := savedListAllowed(actor, authz.Read); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT `+savedListColumns+` FROM saved_lists l
		WHERE l.owner_id::text = $1 OR l.shared ORDER BY lower(l.name), l.name, l.id`, actor.UserID)
	if err != nil {
		return nil, fmt.Errorf("list saved lists: %w", err)
	}
	defer rows.Close()
	var out []SavedList
	for rows.Next() {
		l, err := scanSavedList(rows, actor)
		if err != nil {
			return nil, fmt.Errorf("list saved lists: %w", err)
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// Get returns the list id if the actor sees it (ErrNotFound otherwise).
func (s *SavedLists) Get(ctx context.Context, actor authz.Actor, id string) (SavedList, error) {
	if err := savedListAllowed(actor, authz.Read); err != nil {
		return SavedList{}, err
	}
	if !validate.UUID(id) {
		return SavedList{}, savedListNotFound(id)
	}
	l, err := scanSavedList(s.db.QueryRow(ctx, `SELECT `+savedListColumns+` FROM saved_lists l
		WHERE l.id = $1 AND (l.owner_id::text = $2 OR l.shared)`, id, actor.UserID), actor)
	if errors.Is(err, pgx.ErrNoRows) {
		return SavedList{}, savedListNotFound(id)
	}
	if err != nil {
		return SavedList{}, fmt.Errorf("get saved list: %w", err)
	}
	return l, nil
}

// Named returns the list called name (any case) that the actor sees:
// their own first, else a shared one; ErrNotFound when there is none,
// and an error naming the owners when several shared lists share it.
func (s *SavedLists) Named(ctx context.Context, actor authz.Actor, name string) (SavedList, error) {
	all, err := s.List(ctx, actor)
	if err != nil {
		return SavedList{}, err
	}
	var found []SavedList
	for _, l := range all {
		if strings.EqualFold(l.Name, strings.TrimSpace(name)) {
			if l.Mine {
				return l, nil
			}
			found = append(found, l)
		}
	}
	switch len(found) {
	case 0:
		return SavedList{}, savedListNotFound(name)
	case 1:
		return found[0], nil
	}
	return SavedList{}, fmt.Errorf("%d shared lists are called %q: %w", len(found), name, ErrAmbiguous)
}

// ErrAmbiguous: a name matches more than one record.
var ErrAmbiguous = errors.New("more than one match")

// checkSavedList trims and checks the input.
func checkSavedList(in SavedListInput) (SavedListInput, validate.Errors) {
	e := validate.Errors{}
	in.Name = strings.TrimSpace(validate.Clean(in.Name))
	validate.Text(e, "name", in.Name, SavedListNameMax, true, false)
	return in, e
}

// Create saves the overview view q under in.Name for the actor. The
// query is normalised as the overview would (custom sorts are checked
// when the list is opened); its page is not kept.
func (s *SavedLists) Create(ctx context.Context, actor authz.Actor, in SavedListInput, q MemberQuery) (SavedList, error) {
	if err := savedListAllowed(actor, authz.Create); err != nil {
		return SavedList{}, err
	}
	in, verr := checkSavedList(in)
	if err := verr.Err(); err != nil {
		return SavedList{}, err
	}
	q = savedListQuery(q)
	cols, err := checkColumnKeys(q.Columns)
	if err != nil {
		return SavedList{}, err
	}
	var l SavedList
	err = pg.InTx(ctx, s.db, func(tx pgx.Tx) error {
		var err error
		l, err = scanSavedList(tx.QueryRow(ctx, `INSERT INTO saved_lists (owner_id, name, shared, q, status, group_slug, sort, dir, per_page, columns)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING `+strings.ReplaceAll(savedListColumns, "l.", ""),
			actor.UserID, in.Name, in.Shared, q.Q, string(q.Status), q.Group, q.Sort, q.Dir, q.PerPage, cols), actor)
		return err
	})
	if err != nil {
		return SavedList{}, savedListError(err)
	}
	return l, nil
}

// Update renames the actor's own list id and sets whether it is shared.
func (s *SavedLists) Update(ctx context.Context, actor authz.Actor, id string, in SavedListInput) (SavedList, error) {
	if err := savedListAllowed(actor, authz.Update); err != nil {
		return SavedList{}, err
	}
	cur, err := s.own(ctx, actor, id)
	if err != nil {
		return SavedList{}, err
	}
	in, verr := checkSavedList(in)
	if err := verr.Err(); err != nil {
		return SavedList{}, err
	}
	var l SavedList
	err = pg.InTx(ctx, s.db, func(tx pgx.Tx) error {
		var err error
		l, err = scanSavedList(tx.QueryRow(ctx, `UPDATE saved_lists SET name = $2, shared = $3, updated_at = now()
			WHERE id = $1 RETURNING `+strings.ReplaceAll(savedListColumns, "l.", ""), cur.ID, in.Name, in.Shared), actor)
		return err
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return SavedList{}, savedListNotFound(id)
	}
	if err != nil {
		return SavedList{}, savedListError(err)
	}
	return l, nil
}

// Delete removes the actor's own list id.
func (s *SavedLists) Delete(ctx context.Context, actor authz.Actor, id string) error {
	if err := savedListAllowed(actor, authz.Destroy); err != nil {
		return err
	}
	cur, err := s.own(ctx, actor, id)
	if err != nil {
		return err
	}
	return pg.InTx(ctx, s.db, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM saved_lists WHERE id = $1`, cur.ID); err != nil {
			return fmt.Errorf("delete saved list: %w", err)
		}
		return nil
	})
}

// own returns the list id if the actor may change it: their own, or
// with All scope any they see. Someone else's shared list is refused
// (ErrForbidden), an unseen one is ErrNotFound.
func (s *SavedLists) own(ctx context.Context, actor authz.Actor, id string) (SavedList, error) {
	l, err := s.Get(ctx, actor, id)
	if err != nil {
		return SavedList{}, err
	}
	if !l.CanChange {
		return SavedList{}, fmt.Errorf("saved list %s of another user: %w", id, authz.ErrForbidden)
	}
	return l, nil
}

// savedListQuery is what a list keeps of q: everything but the page;
// unknown statuses and directions become their defaults.
func savedListQuery(q MemberQuery) MemberQuery {
	q.Page = 0
	q.Q = strings.TrimSpace(q.Q)
	if utf8.RuneCountInString(q.Q) > 1000 {
		q.Q = string([]rune(q.Q)[:1000])
	}
	switch q.Status {
	case MemberStatusActive, MemberStatusFormer, MemberStatusAll:
	default:
		q.Status = MemberStatusActive
	}
	if q.Dir != MemberDirAsc && q.Dir != MemberDirDesc {
		q.Dir = ""
	}
	if q.PerPage < 0 || q.PerPage > 100 {
		q.PerPage = 0
	}
	q.Group = strings.TrimSpace(q.Group)
	if len(q.Group) > 200 {
		q.Group = ""
	}
	if len(q.Sort) > 200 {
		q.Sort = ""
	}
	return q
}

// savedListError maps a duplicate name (also one that slipped past in a
// race) to the name field's error.
func savedListError(err error) error {
	if pg.IsUniqueViolation(err, "saved_lists_owner_name_key") {
		return validate.Field("name", ErrSavedListNameTaken, nil)
	}
	return fmt.Errorf("save list: %w", err)
}

func savedListNotFound(id string) error {
	return fmt.Errorf("saved list %q: %w", id, ErrNotFound)
}
