package membership

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"mila/internal/authz"
	"mila/internal/pg"
	"mila/internal/slug"
	"mila/internal/validate"
)

// Columns of the member overview (issue 15): the name is always the
// first column (the row's heading and link); after it come the chosen
// columns, in the chosen order. A column is a MemberColumn key: a core
// field, member since, groups, number of groups or "cf_<slug>". Keys the
// actor may not read, and keys of fields that no longer exist, are
// dropped where the columns are resolved (never an error): a saved list
// outlives the custom fields it shows.

// DefaultOverviewColumns are the overview's columns when the user has
// chosen none: email, city, join date, groups and their number, and the
// custom fields marked "show in overview".
var DefaultOverviewColumns = []string{ColEmail, ColCity, ColJoinDate, ColGroups, ColGroupCount, ColOverviewFields}

// OverviewColumnsMax is the most columns a view may ask for.
const OverviewColumnsMax = 100

// ErrColumnsMalformed is the message id of a columns parameter that is
// not a list of column keys (texts in internal/web/locales/columns.*.json).
const ErrColumnsMalformed = "ErrColumnsMalformed"

// overviewExcluded are readable columns the overview does not offer:
// the name (always shown) and the linked user's sign-in address (a join
// onto users for every page, an export column only).
var overviewExcluded = []string{ColFirstName, ColLastName, ColUserEmail}

// OverviewColumns lists the columns the actor may choose for the
// overview, in the chooser's default order. fields are all custom fields
// in form order.
func OverviewColumns(actor authz.Actor, fields []CustomField) []MemberColumn {
	var out []MemberColumn
	for _, c := range ReadableMemberColumns(actor, fields) {
		if !slices.Contains(overviewExcluded, c.Key) {
			out = append(out, c)
		}
	}
	return out
}

// PickOverviewColumns returns the columns of available named by want, in
// want's order, without repeats; the default columns when want is nil,
// none when it is empty (only the name). Unknown keys are dropped.
func PickOverviewColumns(available []MemberColumn, want []string) []MemberColumn {
	if want == nil {
		want = DefaultOverviewColumns
	}
	if len(want) == 0 {
		return nil
	}
	return pickColumns(available, want)
}

// OverviewColumns lists the columns the actor may choose for the
// overview (see the function of that name).
func (s *Members) OverviewColumns(ctx context.Context, actor authz.Actor) ([]MemberColumn, error) {
	if err := actor.Require(authz.Member, authz.Read); err != nil {
		return nil, err
	}
	var fields []CustomField
	if actor.Can(authz.CustomField, authz.Read) {
		var err error
		if fields, err = loadCustomFields(ctx, s.db, false); err != nil {
			return nil, err
		}
	}
	return OverviewColumns(actor, fields), nil
}

// UnknownColumnKeys are the keys of want that name none of available
// (a column that does not exist, or that the actor may not read), in
// want's order: PickOverviewColumns drops them, and the page says so.
func UnknownColumnKeys(available []MemberColumn, want []string) []string {
	var out []string
	for _, k := range want {
		if k == ColOverviewFields || slices.Contains(out, k) {
			continue
		}
		if !slices.ContainsFunc(available, func(c MemberColumn) bool { return c.Key == k }) {
			out = append(out, k)
		}
	}
	return out
}

// ColumnKeys are the keys of cols.
func ColumnKeys(cols []MemberColumn) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.Key
	}
	return out
}

// ParseColumnKeys reads a columns parameter: keys separated by commas —
// as Mila writes it — or semicolons (as a spreadsheet habit might type
// it); blanks around them and empty entries are ignored. A key that cannot
// be a column key at all (a character no key has, too long) or more than
// OverviewColumnsMax keys is a field error on "cols"; a well-formed key
// of no column is kept here and dropped when the columns are resolved.
func ParseColumnKeys(s string) ([]string, error) {
	var out []string
	for _, k := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' }) {
		k = strings.TrimSpace(k)
		if k == "" {
			continue
		}
		if !WellFormedColumnKey(k) || len(out) >= OverviewColumnsMax {
			return nil, validate.Field("cols", ErrColumnsMalformed, nil)
		}
		if !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return out, nil
}

// WellFormedColumnKey reports whether k has the shape of a column key:
// a core key (lower-case letters and "_"), "cf_<slug>" or "cf:overview".
func WellFormedColumnKey(k string) bool {
	if k == ColOverviewFields {
		return true
	}
	if s, ok := strings.CutPrefix(k, MemberSortCustom); ok {
		return slug.Valid(s)
	}
	if k == "" || len(k) > 40 {
		return false
	}
	for _, c := range k {
		if (c < 'a' || c > 'z') && c != '_' {
			return false
		}
	}
	return true
}

// ColumnPrefs keeps each user's chosen overview columns.
type ColumnPrefs struct{ db *pgxpool.Pool }

// NewColumnPrefs returns the column choice store on db.
func NewColumnPrefs(db *pgxpool.Pool) *ColumnPrefs { return &ColumnPrefs{db: db} }

// columnPrefsAllowed: choosing columns is a view of the overview, which
// needs the right to read every member, and a user to keep it for.
func columnPrefsAllowed(actor authz.Actor) error {
	if !validate.UUID(actor.UserID) {
		return fmt.Errorf("overview columns: no user: %w", authz.ErrForbidden)
	}
	if actor.Scope(authz.Member, authz.Read) != authz.All {
		return fmt.Errorf("overview columns: %w", authz.ErrForbidden)
	}
	return nil
}

// Get returns the actor's chosen column keys, nil when they have not
// chosen (the default columns), empty when they chose only the name. Keys are returned as stored: the caller
// resolves them (PickOverviewColumns), dropping those gone since.
func (p *ColumnPrefs) Get(ctx context.Context, actor authz.Actor) ([]string, error) {
	if err := columnPrefsAllowed(actor); err != nil {
		return nil, err
	}
	var cols []string
	err := p.db.QueryRow(ctx, `SELECT columns FROM member_list_columns WHERE user_id = $1`, actor.UserID).Scan(&cols)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get overview columns: %w", err)
	}
	if cols == nil {
		cols = []string{}
	}
	return cols, nil
}

// Save keeps keys as the actor's columns (nil: back to the default;
// empty: only the name).
// Keys are checked for their shape (ParseColumnKeys' rule); which of
// them exist is decided when they are shown.
func (p *ColumnPrefs) Save(ctx context.Context, actor authz.Actor, keys []string) error {
	if err := columnPrefsAllowed(actor); err != nil {
		return err
	}
	if keys != nil {
		var err error
		if keys, err = checkColumnKeys(keys); err != nil {
			return err
		}
	}
	return pg.InTx(ctx, p.db, func(tx pgx.Tx) error {
		var err error
		if keys == nil {
			_, err = tx.Exec(ctx, `DELETE FROM member_list_columns WHERE user_id = $1`, actor.UserID)
		} else {
			_, err = tx.Exec(ctx, `INSERT INTO member_list_columns (user_id, columns) VALUES ($1, $2)
				ON CONFLICT (user_id) DO UPDATE SET columns = EXCLUDED.columns, updated_at = now()`, actor.UserID, keys)
		}
		if err != nil {
			return fmt.Errorf("save overview columns: %w", err)
		}
		return nil
	})
}

// checkColumnKeys checks keys' shape and drops repeats.
func checkColumnKeys(keys []string) ([]string, error) {
	out, err := ParseColumnKeys(strings.Join(keys, ","))
	if err != nil {
		return nil, err
	}
	for _, k := range keys {
		if strings.ContainsAny(k, ",;") {
			return nil, validate.Field("cols", ErrColumnsMalformed, nil)
		}
	}
	if out == nil {
		out = []string{}
	}
	return out, nil
}
