package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"mila/internal/authz"
	"mila/internal/validate"
)

// Actions of the audit trail.
var Actions = []string{"insert", "update", "delete", "truncate"}

// Entry is one audit row.
type Entry struct {
	ID          int64
	At          time.Time
	Actor       string
	ActorUserID string
	Entity      string
	Action      string
	RowCount    int
	EntityID    string
	MemberCount int // members the statement touched
	ChangeCount int // records in the entry's changes (Changes may hold only the first)
	Changes     []Change
	Redacted    bool
}

// Change is one row a statement changed: for an update only the changed
// columns, old and new; for an insert only New, for a delete only Old.
type Change struct {
	ID       any            `json:"id"`
	MemberID *string        `json:"m"`
	Old      map[string]any `json:"old,omitempty"`
	New      map[string]any `json:"new,omitempty"`
	Erased   bool           `json:"erased,omitempty"`
	Summary  bool           `json:"summary,omitempty"`
}

// Reader reads the audit trail. Every method takes the actor and checks
// what it may see.
type Reader struct {
	DB *pgxpool.Pool
}

// PageSize is the number of entries per page.
const PageSize = 50

// Filter narrows the audit page. Before is the keyset: entries with a
// smaller id (the next page); 0 is the newest.
type Filter struct {
	Actor  string
	Entity string
	Action string
	From   string // ISO date, inclusive
	To     string // ISO date, inclusive
	Before int64
}

// Page is one page of entries, newest first. Next is the Before of the
// following page, 0 when this is the last.
type Page struct {
	Entries []Entry
	Next    int64
}

// Validate cleans f and returns field errors for what cannot be used.
func (f *Filter) Validate() error {
	f.Actor = validate.Clean(f.Actor)
	errs := validate.Errors{}
	if f.Entity != "" && !contains(Audited, f.Entity) {
		errs.Add("entity", validate.Invalid, nil)
	}
	if f.Action != "" && !contains(Actions, f.Action) {
		errs.Add("action", validate.Invalid, nil)
	}
	for name, v := range map[string]string{"from": f.From, "to": f.To} {
		if v == "" {
			continue
		}
		if _, err := time.Parse(time.DateOnly, v); err != nil {
			errs.Add(name, validate.Invalid, nil)
		}
	}
	if len(errs) == 0 && f.From != "" && f.To != "" && f.To < f.From {
		errs.Add("to", validate.Invalid, nil)
	}
	return errs.Err()
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// entryColumns are the columns an Entry is scanned from, with changes
// the expression of the changes to read (all, the first few, or one
// member's: a bulk entry holds thousands, and decoding them is what would
// make a page slow).
func entryColumns(changes string) string {
	return `a.id, a.at, a.actor, coalesce(a.actor_user_id::text, ''), a.entity, a.action, a.row_count,
	coalesce(a.entity_id, ''), cardinality(a.member_ids), jsonb_array_length(a.changes), ` + changes + `, a.redacted`
}

// firstChanges is the changes expression of the first n records.
func firstChanges(n int) string {
	return fmt.Sprintf(`CASE WHEN jsonb_array_length(a.changes) <= %d THEN a.changes ELSE jsonb_path_query_array(a.changes, '$[0 to %d]') END`, n, n-1)
}

// ListChanges is how many records of each entry List returns (the page
// shows a bulk entry by its count, and its first record).
const ListChanges = 5

func scanEntries(rows pgx.Rows) ([]Entry, error) {
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Entry, error) { return scanEntry(r) })
}

func scanEntry(r pgx.CollectableRow) (Entry, error) {
	var e Entry
	var raw []byte
	if err := r.Scan(&e.ID, &e.At, &e.Actor, &e.ActorUserID, &e.Entity, &e.Action, &e.RowCount,
		&e.EntityID, &e.MemberCount, &e.ChangeCount, &raw, &e.Redacted); err != nil {
		return e, err
	}
	return e, json.Unmarshal(raw, &e.Changes)
}

// where is the SQL condition of f (validated), with its arguments.
func (f Filter) where() (string, []any) {
	var conds []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		conds = append(conds, strings.ReplaceAll(cond, "$?", "$"+strconv.Itoa(len(args))))
	}
	if f.Actor != "" {
		// The actor as shown ("Name <email>") or the email alone
		// (migration 00026: audit_actor_key).
		add("audit_actor_key(a.actor) = audit_actor_key($?)", f.Actor)
	}
	if f.Entity != "" {
		add("a.entity = $?", f.Entity)
	}
	if f.Action != "" {
		add("a.action = $?", f.Action)
	}
	if f.From != "" {
		add("a.at >= $?::date", f.From)
	}
	if f.To != "" {
		add("a.at < $?::date + 1", f.To)
	}
	if f.Before > 0 {
		add("a.id < $?", f.Before)
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// List returns a page of the whole trail (admins: Audit read), newest
// first, filtered. Keyset paging over the id keeps every page as fast as
// the first, also over millions of rows.
func (rd Reader) List(ctx context.Context, actor authz.Actor, f Filter) (Page, error) {
	if err := actor.Require(authz.Audit, authz.Read); err != nil {
		return Page{}, err
	}
	if err := f.Validate(); err != nil {
		return Page{}, err
	}
	where, args := f.where()
	rows, err := rd.DB.Query(ctx, `SELECT `+entryColumns(firstChanges(ListChanges))+` FROM audit_log a`+where+
		fmt.Sprintf(` ORDER BY a.id DESC LIMIT %d`, PageSize+1), args...)
	if err != nil {
		return Page{}, fmt.Errorf("list audit entries: %w", err)
	}
	return page(rows)
}

// Each calls fn with every entry the filter matches (all pages; Before
// is ignored), newest first, for the export of the audit page (admins:
// Audit read). The entries stream from the database one at a time, so
// that the export of a million entries holds one in memory.
//
// Each entry holds its first changes records (ChangeCount counts all).
func (rd Reader) Each(ctx context.Context, actor authz.Actor, f Filter, changes int, fn func(Entry) error) error {
	if err := actor.Require(authz.Audit, authz.Read); err != nil {
		return err
	}
	f.Before = 0
	if err := f.Validate(); err != nil {
		return err
	}
	where, args := f.where()
	rows, err := rd.DB.Query(ctx, `SELECT `+entryColumns(firstChanges(changes))+` FROM audit_log a`+where+` ORDER BY a.id DESC`, args...)
	if err != nil {
		return fmt.Errorf("export audit entries: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return fmt.Errorf("export audit entries: %w", err)
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("export audit entries: %w", err)
	}
	return nil
}

func page(rows pgx.Rows) (Page, error) {
	es, err := scanEntries(rows)
	if err != nil {
		return Page{}, fmt.Errorf("read audit entries: %w", err)
	}
	p := Page{Entries: es}
	if len(es) > PageSize {
		p.Entries = es[:PageSize]
		p.Next = p.Entries[PageSize-1].ID
	}
	return p, nil
}

// HistoryEntities are the entries a member's history may show, each with
// the permission the viewer needs on that member to see it: a viewer who
// may not read memberships or user accounts does not see their changes.
var HistoryEntities = []struct {
	Entity string
	Res    authz.Resource
}{
	{"members", authz.Member},
	{"custom_field_values", authz.CustomFieldValue},
	{"member_groups", authz.MemberGroup},
	// the dated memberships: their own changes (dates, roles, an end),
	// which since migration 00029 have no member_groups entry beside them
	{"group_memberships", authz.MemberGroup},
	{"users", authz.User},
}

// History returns a page of the entries about one member, newest first,
// for whoever may read that member — only the kinds of change the viewer
// may read (HistoryEntities). Bulk entries appear once, with their count.
// Each entry's changes are reduced to the rows about this member.
func (rd Reader) History(ctx context.Context, actor authz.Actor, memberID string, before int64) (Page, error) {
	if !validate.UUID(memberID) {
		return Page{}, fmt.Errorf("history: %w", pgx.ErrNoRows)
	}
	if !actor.CanOnMember(authz.Member, authz.Read, memberID) {
		return Page{}, authz.ErrForbidden
	}
	var entities []string
	for _, h := range HistoryEntities {
		ok := actor.CanOnMember(h.Res, authz.Read, memberID)
		if h.Res == authz.User {
			ok = actor.Scope(authz.User, authz.Read) == authz.All
		}
		if ok {
			entities = append(entities, h.Entity)
		}
	}
	rows, err := rd.DB.Query(ctx, `SELECT `+entryColumns(`(SELECT coalesce(jsonb_agg(e), '[]'::jsonb) FROM jsonb_array_elements(a.changes) e WHERE e ->> 'm' = $1::text)`)+` FROM audit_log a
		WHERE a.member_ids @> ARRAY[$1::uuid] AND a.entity = ANY ($2) AND a.id < $3
		ORDER BY a.id DESC LIMIT `+strconv.Itoa(PageSize+1), memberID, entities, beforeOrMax(before))
	if err != nil {
		return Page{}, fmt.Errorf("member history: %w", err)
	}
	p, err := page(rows)
	if err != nil {
		return p, err
	}
	for i := range p.Entries {
		var mine []Change
		for _, c := range p.Entries[i].Changes {
			if c.MemberID != nil && *c.MemberID == memberID {
				mine = append(mine, c)
			}
		}
		p.Entries[i].Changes = mine
	}
	return p, nil
}

func beforeOrMax(before int64) int64 {
	if before <= 0 {
		return 1<<63 - 1
	}
	return before
}

// GetChanges is how many records of an entry Get returns (its page
// lists the affected members by name besides).
const GetChanges = 200

// Get returns one entry (admins), with its first GetChanges records.
func (rd Reader) Get(ctx context.Context, actor authz.Actor, id int64) (Entry, error) {
	if err := actor.Require(authz.Audit, authz.Read); err != nil {
		return Entry{}, err
	}
	rows, err := rd.DB.Query(ctx, `SELECT `+entryColumns(firstChanges(GetChanges))+` FROM audit_log a WHERE a.id = $1`, id)
	if err != nil {
		return Entry{}, fmt.Errorf("audit entry %d: %w", id, err)
	}
	es, err := scanEntries(rows)
	if err != nil {
		return Entry{}, fmt.Errorf("audit entry %d: %w", id, err)
	}
	if len(es) == 0 {
		return Entry{}, fmt.Errorf("audit entry %d: %w", id, pgx.ErrNoRows)
	}
	return es[0], nil
}

// AffectedMember is a member an entry touched, by name (or erased).
type AffectedMember struct {
	ID, Name string
	Exists   bool
}

// Affected lists the members an entry touched, by name, up to limit
// (the expansion of a bulk entry), and how many there are in all.
func (rd Reader) Affected(ctx context.Context, actor authz.Actor, id int64, limit int) ([]AffectedMember, int, error) {
	if err := actor.Require(authz.Audit, authz.Read); err != nil {
		return nil, 0, err
	}
	var total int
	if err := rd.DB.QueryRow(ctx, `SELECT cardinality(member_ids) FROM audit_log WHERE id = $1`, id).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("audit entry %d: %w", id, err)
	}
	rows, err := rd.DB.Query(ctx, `SELECT x.mid::text, coalesce(m.first_name || ' ' || m.last_name, ''), m.id IS NOT NULL
		FROM audit_log a CROSS JOIN LATERAL unnest(a.member_ids) x(mid)
		LEFT JOIN members m ON m.id = x.mid
		WHERE a.id = $1 ORDER BY m.sort_name NULLS LAST, x.mid LIMIT $2`, id, limit)
	if err != nil {
		return nil, 0, fmt.Errorf("affected members of %d: %w", id, err)
	}
	ms, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (AffectedMember, error) {
		var m AffectedMember
		return m, r.Scan(&m.ID, &m.Name, &m.Exists)
	})
	return ms, total, err
}
