package membership

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"mila/internal/authz"
	"mila/internal/pg"
	"mila/internal/validate"
)

// MemberStatus filters the overview by exit date.
type MemberStatus string

const (
	// MemberStatusActive: no exit date, or one still in the future.
	MemberStatusActive MemberStatus = "active"
	// MemberStatusFormer: the exit date has passed (today counts as passed).
	MemberStatusFormer MemberStatus = "former"
	MemberStatusAll    MemberStatus = "all"
)

// Sort keys of the overview. A custom field shown in the overview sorts
// as "cf_<slug>".
const (
	MemberSortName       = "name"      // last name, first name (sort_name)
	MemberSortEmail      = "email"     //
	MemberSortCity       = "city"      //
	MemberSortJoinDate   = "join_date" //
	MemberSortRelevance  = "relevance" // only with a search: best matches first
	MemberSortGroups     = "groups"    // members with groups first, by their first group's name
	MemberSortGroupCount = "group_count"
	MemberSortCustom     = "cf_" // prefix of custom field sorts
)

// Sort directions.
const (
	MemberDirAsc  = "asc"
	MemberDirDesc = "desc"
)

// Page sizes of the overview.
var MemberPerPageChoices = []int{25, 50, 100}

// MemberPerPageDefault is the page size when none (or a strange one) is asked for.
const MemberPerPageDefault = 50

// MemberQuery is everything the overview can be asked: filters, sort and
// page. The zero value is the default view (active members by name, first
// page of 50). Anything unknown or malformed falls back to its default in
// Normalize — the overview never errors on its URL. New filters (and
// sorts) are added as fields here and as conditions in where/orderBy.
type MemberQuery struct {
	Q       string       // search text; blank means no search
	Status  MemberStatus // default active
	Sort    string       // a MemberSort* key or "cf_<slug>"; default relevance with a search, else name
	Dir     string       // asc or desc; default per sort (group_count: desc, else asc)
	Page    int          // 1-based; past the end means the last page
	PerPage int          // 25, 50 or 100
	// Group filters by group slug, or "none" for members in no group; ""
	// means all. List looks the slug up among the groups: an unknown one
	// is dropped (all groups) and the page says so (GroupNotFound).
	Group string
	// AsOf is the day the list is about (members in the club, their
	// groups, group filter and sorts on that day). Zero means today, read
	// from the current columns (exit_date, member_groups); a day given,
	// today included, is read from member_periods and group_memberships
	// ("in a period on that day": a member whose join date is still to
	// come is not in the club yet, while the plain list counts them).
	AsOf time.Time
	// Filters the statistics page links to (statistics.go), each on its
	// own exactly the members a number counts: a period begun (JoinYear)
	// or ended (ExitYear) in a year; a role held in any group on the day
	// (RoleID); an age on the day (Age "18-26", "61-", or "unknown"
	// without a birth date) by the custom field marked as birth date.
	JoinYear, ExitYear int
	RoleID             string
	Age                string
	// Columns are the chosen columns' keys (see columns.go), in order;
	// nil: DefaultOverviewColumns. Keys the actor may not read or of no
	// column are dropped. Only the data of the columns shown is read.
	Columns []string

	anyPerPage bool // Search: any page size from 1 to 100
}

// MemberGroupNone is the Group filter value for members in no group.
const MemberGroupNone = "none"

// Normalize returns q with every unknown or malformed value replaced by
// its default. fields are the custom fields the list may sort by (those
// among its chosen columns: the only custom sorts allowed).
func (q MemberQuery) Normalize(fields []CustomField) MemberQuery {
	q.Q = strings.TrimSpace(q.Q)
	switch q.Status {
	case MemberStatusActive, MemberStatusFormer, MemberStatusAll:
	default:
		q.Status = MemberStatusActive
	}
	_, searching := parseSearch(q.Q)
	switch q.Sort {
	case MemberSortName, MemberSortEmail, MemberSortCity, MemberSortJoinDate, MemberSortGroups, MemberSortGroupCount:
	case MemberSortRelevance:
		if !searching {
			q.Sort = MemberSortName
		}
	default:
		if !strings.HasPrefix(q.Sort, MemberSortCustom) || memberCustomSortField(fields, q.Sort) == nil {
			q.Sort = MemberSortName
			if searching {
				q.Sort = MemberSortRelevance
			}
		}
	}
	if q.Dir != MemberDirAsc && q.Dir != MemberDirDesc {
		q.Dir = MemberDefaultDir(q.Sort)
	}
	if q.Page < 1 {
		q.Page = 1
	}
	if !q.AsOf.IsZero() {
		q.AsOf = dateOnly(q.AsOf)
		if q.AsOf.Before(MemberMinDate) || q.AsOf.After(MemberMaxDate) {
			q.AsOf = time.Time{}
		}
	}
	if q.JoinYear < MemberMinDate.Year() || q.JoinYear > MemberMaxDate.Year() {
		q.JoinYear = 0
	}
	if q.ExitYear < MemberMinDate.Year() || q.ExitYear > MemberMaxDate.Year() {
		q.ExitYear = 0
	}
	if q.RoleID = strings.ToLower(strings.TrimSpace(q.RoleID)); !validate.UUID(q.RoleID) {
		q.RoleID = ""
	}
	if _, _, ok := ParseAgeBracket(q.Age); !ok {
		q.Age = ""
	}
	valid := q.anyPerPage && q.PerPage >= 1 && q.PerPage <= 100
	for _, n := range MemberPerPageChoices {
		valid = valid || q.PerPage == n
	}
	if !valid {
		q.PerPage = MemberPerPageDefault
	}
	return q
}

// MemberDefaultDir is the direction a sort starts in: most groups first
// for group_count, ascending otherwise.
func MemberDefaultDir(sort string) string {
	if sort == MemberSortGroupCount {
		return MemberDirDesc
	}
	return MemberDirAsc
}

func memberCustomSortField(fields []CustomField, sort string) *CustomField {
	for i := range fields {
		if MemberSortCustom+fields[i].Slug == sort {
			return &fields[i]
		}
	}
	return nil
}

// MemberRow is one line of the overview.
type MemberRow struct {
	ID         string
	FirstName  string
	LastName   string
	Email      string
	City       string
	JoinDate   time.Time
	ExitDate   *time.Time
	GroupCount int
	// The other core columns, read only when chosen ("" otherwise).
	Phone, Street, HouseNumber, PostalCode, Country, Notes string
	// MemberSince is the start of the member's latest period begun by
	// the list's day (the join date when none has); zero unless chosen.
	MemberSince time.Time
	// Groups are the member's groups, alphabetically (empty when the
	// actor may not read memberships).
	Groups []MemberRowGroup
	// Custom holds the values of the overview's custom fields by slug.
	Custom map[string]string
}

// Name is "First Last".
func (r MemberRow) Name() string { return r.FirstName + " " + r.LastName }

// Active reports whether the member is a member on day: Member.Active's
// rule, which the status filter applies in SQL.
func (r MemberRow) Active(day time.Time) bool { return activeOn(r.ExitDate, day) }

// MemberRowGroup is a group badge on an overview row.
type MemberRowGroup struct {
	Name, Slug string
}

// MemberPage is one page of the overview.
type MemberPage struct {
	Query   MemberQuery   // as normalised, Page clamped to the last page
	Rows    []MemberRow   //
	Total   int           // members matching the filters, on all pages (see TotalIsEstimate)
	Pages   int           // at least 1
	Columns []CustomField // custom fields among the chosen columns, in order
	// Chosen are the columns shown after the name, in order: the
	// query's Columns that the actor may read (or the default ones).
	Chosen []MemberColumn
	// UnknownColumns are the query's column keys that name no column the
	// actor may read: left out of Chosen (the page says so).
	UnknownColumns []string
	// Searching is true when Query.Q had something to search for.
	Searching bool
	// TotalIsEstimate: more than MemberCountExactMax members match, and
	// Total is PostgreSQL's estimate, rounded to two significant digits —
	// show it as "about N". Counting 90,000 rows exactly on every page
	// view would cost more than the page itself. Pages follows Total but
	// always includes the next page while there is one, and on the last
	// page Total is exact again.
	TotalIsEstimate bool

	// ShowGroups: the actor may see memberships, so the overview has the
	// groups column, the group filter and the group sorts. Without it
	// List drops that filter and those sorts, so the order cannot reveal
	// memberships either.
	ShowGroups bool
	// Groups are all groups by name, for the filter and the bulk bar
	// (when ShowGroups).
	Groups []GroupChoice
	// Group is the group the list is filtered by (nil for all groups and
	// for "none").
	Group *GroupChoice
	// GroupNotFound: the query named a group that does not exist (or a
	// malformed slug). It would match nobody, which looks like an empty
	// club: the filter is dropped instead, and the page says so.
	GroupNotFound bool

	// sortAll: a search in a column's order whose matches, by the
	// planner's estimate, are few enough (memberSortAllMax) to be sorted
	// all for the page rather than found by walking the order's index,
	// which visits members in that order until the page is full: with a
	// rare name in a large group (sort=groups&group=<largest>&q=Müller)
	// that walk checked 30,000 members for 51 rows.
	sortAll bool
}

// MemberCountExactMax is the largest total the overview counts exactly.
const MemberCountExactMax = 1000

// memberSortAllMax is the largest estimated number of matches of a search
// in a column's order that the page sorts all of (MemberPage.sortAll).
// The search's index finds them; sorting a few thousand ids costs a few
// milliseconds, while the walk's cost grows with how rare the matches
// are in the order. Above it the matches are dense, and the walk fills
// the page after a few hundred rows.
const memberSortAllMax = 5000

// memberQueryBuilder collects SQL conditions and their arguments, so
// filters compose without string soup or placeholder miscounts.
//
// The list's relation is members m, or — when the query needs what group
// changes maintain (the group sorts, group=none, a search for words of
// group names) — member_group_keys k LEFT JOIN members m. Then the
// filters read k's copies of the id and exit date, so that a list that
// needs nothing else of the member (sort=groups, deep pages included) is
// an index-only walk of member_group_keys and PostgreSQL removes the join.
type memberQueryBuilder struct {
	args  []any
	where []string
	// forValues: the statements' best plan depends on their values (a
	// group, a search), so they run through pg.PlanForValues (see List).
	forValues bool
	keys      bool              // the relation includes member_group_keys k
	asOf      string            // placeholder of the day (::date) of a list as of another day than today
	texts     map[string]string // placeholders of text arguments, by value
}

// arg adds a query argument and returns its placeholder.
func (b *memberQueryBuilder) arg(v any) string {
	b.args = append(b.args, v)
	return "$" + strconv.Itoa(len(b.args))
}

// text is arg for a text value used more than once (one placeholder).
func (b *memberQueryBuilder) text(v string) string {
	if p, ok := b.texts[v]; ok {
		return p
	}
	if b.texts == nil {
		b.texts = map[string]string{}
	}
	p := b.arg(v)
	b.texts[v] = p
	return p
}

// tsq is a tsquery argument: to_tsquery('simple', $n).
func (b *memberQueryBuilder) tsq(q string) string {
	return "to_tsquery('simple', " + b.text(q) + ")"
}

// lexq is a tsquery argument of exact lexemes (searchLexemes):
// $n::tsquery. Its placeholder is its own (a parameter has one type).
func (b *memberQueryBuilder) lexq(q string) string {
	key := "\x00tsquery " + q
	if p, ok := b.texts[key]; ok {
		return p
	}
	p := b.arg(q) + "::tsquery"
	if b.texts == nil {
		b.texts = map[string]string{}
	}
	b.texts[key] = p
	return p
}

// on is where the builder's statements run: db itself, or db through
// pg.PlanForValues when their plan depends on their values.
func (b *memberQueryBuilder) on(db pg.Querier) pg.Querier {
	if b.forValues {
		return pg.PlanForValues(db)
	}
	return db
}

// clone copies b, so a statement can add arguments after the filter's.
func (b *memberQueryBuilder) clone() *memberQueryBuilder {
	c := &memberQueryBuilder{args: slices.Clone(b.args), where: slices.Clone(b.where), forValues: b.forValues, keys: b.keys, asOf: b.asOf}
	if b.texts != nil {
		c.texts = maps.Clone(b.texts)
	}
	return c
}

func (b *memberQueryBuilder) and(cond string) { b.where = append(b.where, cond) }

// from is the list's relation.
func (b *memberQueryBuilder) from() string {
	if b.keys {
		return "member_group_keys k LEFT JOIN members m ON m.id = k.member_id"
	}
	return "members m"
}

// id, exitDate and sortName are the columns the filters and orders read.
func (b *memberQueryBuilder) id() string {
	if b.keys {
		return "k.member_id"
	}
	return "m.id"
}

func (b *memberQueryBuilder) exitDate() string {
	if b.keys {
		return "k.exit_date"
	}
	return "m.exit_date"
}

func (b *memberQueryBuilder) sortName() string {
	if b.keys {
		return "k.sort_name"
	}
	return "m.sort_name"
}

// scope adds the actor's read scope for res on the member id column col.
func (b *memberQueryBuilder) scope(actor authz.Actor, res authz.Resource, col string) string {
	cond, args := actor.MemberFilter(res, authz.Read, col, len(b.args)+1)
	b.args = append(b.args, args...)
	return cond
}

func (b *memberQueryBuilder) whereSQL() string {
	if len(b.where) == 0 {
		return "true"
	}
	return strings.Join(b.where, " AND ")
}

// List is the member overview: it resolves the query's filters for the
// actor and returns one page, ready to show, with the total count. It
// runs a constant number of statements whatever the page size (the
// groups, when the actor may see them — they are the filter's choices
// and give the filtered group's id and size; custom fields; with a
// search, what its words meet (similar words, group names); a count that
// stops after MemberCountExactMax + 1 rows and, above that, the
// planner's estimate; the page), and applies the actor's scope in SQL.
//
// The statements whose best plan depends on the values (a group of 40 or
// of 40,000 members, a rare or a common word) are planned for their
// values every time (pg.PlanForValues), never with a generic plan.
func (s *Members) List(ctx context.Context, actor authz.Actor, q MemberQuery) (MemberPage, error) {
	q, page, filter, err := s.resolveGroup(ctx, actor, q)
	if err != nil {
		return MemberPage{}, err
	}
	return s.list(ctx, actor, q, page, filter)
}

// resolveGroup checks that the actor may read members and resolves the
// query's group filter (List's rules): without the right to see
// memberships the filter and the group sorts are dropped; an unknown
// group is dropped and the page says so.
func (s *Members) resolveGroup(ctx context.Context, actor authz.Actor, q MemberQuery) (MemberQuery, MemberPage, memberGroupFilter, error) {
	if err := actor.Require(authz.Member, authz.Read); err != nil {
		return q, MemberPage{}, memberGroupFilter{}, err
	}
	var filter memberGroupFilter
	page := MemberPage{ShowGroups: actor.Can(authz.MemberGroup, authz.Read) && actor.Can(authz.Group, authz.Read)}
	q.Group = strings.TrimSpace(q.Group)
	if !page.ShowGroups {
		q.Group = ""
		if q.Sort == MemberSortGroups || q.Sort == MemberSortGroupCount {
			q.Sort, q.Dir = "", ""
		}
		return q, page, filter, nil
	}
	groups, sizes, err := groupChoices(ctx, s.db)
	if err != nil {
		return q, MemberPage{}, filter, err
	}
	page.Groups = groups
	if q.Group != "" && q.Group != MemberGroupNone {
		i := slices.IndexFunc(groups, func(g GroupChoice) bool { return g.Slug == q.Group })
		if i < 0 {
			q.Group, page.GroupNotFound = "", true
		} else {
			page.Group = &groups[i]
			filter = memberGroupFilter{id: groups[i].ID, size: sizes[i]}
		}
	}
	return q, page, filter, nil
}

// memberGroupFilter is the group a list is filtered by, as List found
// it: its id as a value (so the planner knows the group's size from the
// statistics — a join on the slug would hide it) and its member count.
type memberGroupFilter struct {
	id   string // "" for no group filter (or "none")
	size int
}

// list reads the page of q, whose group filter (other than "none") its
// caller has resolved into group.
func (s *Members) list(ctx context.Context, actor authz.Actor, q MemberQuery, page MemberPage, group memberGroupFilter) (MemberPage, error) {
	var all []CustomField
	if actor.Can(authz.CustomField, authz.Read) {
		var err error
		if all, err = loadCustomFields(ctx, s.db, false); err != nil {
			return MemberPage{}, err
		}
	}
	available := OverviewColumns(actor, all)
	chosen := PickOverviewColumns(available, q.Columns)
	unknown := UnknownColumnKeys(available, q.Columns)
	var columns []CustomField
	for _, c := range chosen {
		if c.Field != nil {
			columns = append(columns, *c.Field)
		}
	}
	page, b, l, terms, err := s.plan(ctx, actor, q, page, group, columns)
	if err != nil {
		return MemberPage{}, err
	}
	page.Chosen, page.UnknownColumns = chosen, unknown
	q, searching := page.Query, page.Searching

	if searching && q.Sort != MemberSortRelevance {
		// A search in a column's order: count and page in one statement,
		// which reads the matches once (most searches find a few hundred
		// members at most). Above MemberCountExactMax it only counts, and
		// the page is read below by walking the order's index.
		rows, total, err := s.listPage(ctx, actor, page, b, l, terms, columns, true)
		if err != nil {
			return MemberPage{}, err
		}
		if total <= MemberCountExactMax {
			page.Total = total
			page.Pages = max(1, (total+q.PerPage-1)/q.PerPage)
			page.Query.Page = min(page.Query.Page, page.Pages)
			page.Rows = rows[:min(len(rows), q.PerPage)]
			return page, nil
		}
		c := b.clone()
		if err := s.estimate(ctx, &page, l.matching(c), c.args); err != nil {
			return MemberPage{}, err
		}
		page.sortAll = page.Total <= memberSortAllMax
	} else {
		c := b.clone()
		if err := s.count(ctx, b.on(s.db), &page, l.matching(c), c.args); err != nil {
			return MemberPage{}, err
		}
		if page.Total == 0 {
			return page, nil
		}
	}
	rows, _, err := s.listPage(ctx, actor, page, b, l, terms, columns, false)
	if err != nil {
		return MemberPage{}, err
	}
	if len(rows) == 0 && page.Query.Page > 1 && page.TotalIsEstimate {
		// Past the end of a list whose size was estimated: count it for
		// real (this page view only) and show the last page.
		c := b.clone()
		if err := pg.PlanForValues(s.db).QueryRow(ctx, `SELECT count(*) FROM (`+l.matching(c)+`) s`,
			c.args...).Scan(&page.Total); err != nil {
			return MemberPage{}, fmt.Errorf("count members: %w", err)
		}
		page.TotalIsEstimate = false
		page.Pages = max(1, (page.Total+q.PerPage-1)/q.PerPage)
		page.Query.Page = page.Pages
		if page.Total == 0 {
			return page, nil
		}
		if rows, _, err = s.listPage(ctx, actor, page, b, l, terms, columns, false); err != nil {
			return MemberPage{}, err
		}
	}
	// One row more than the page was asked for: it says whether a next
	// page exists, which an estimated total cannot.
	more := len(rows) > q.PerPage
	if more {
		rows = rows[:q.PerPage]
	}
	page.Rows = rows
	if page.TotalIsEstimate {
		if !more {
			page.Total = (page.Query.Page-1)*q.PerPage + len(rows)
			page.TotalIsEstimate = false
			page.Pages = page.Query.Page
		} else if page.Pages <= page.Query.Page {
			page.Pages = page.Query.Page + 1
		}
	}
	return page, nil
}

// plan normalises q and builds the conditions of its list for the actor:
// the filter (scope, status, group) and the search. columns are the
// custom fields the list may sort by. page comes back with the query as
// normalised.
func (s *Members) plan(ctx context.Context, actor authz.Actor, q MemberQuery, page MemberPage, group memberGroupFilter,
	columns []CustomField) (MemberPage, *memberQueryBuilder, memberListSQL, searchTerms, error) {
	q = q.Normalize(columns)
	if q.Group != MemberGroupNone && group.id == "" {
		q.Group = ""
	}
	terms, searching := parseSearch(q.Q)
	page.Query, page.Columns, page.Searching, page.Pages = q, columns, searching, 1

	if searching {
		var err error
		if terms, err = terms.resolve(ctx, s.db); err != nil {
			return MemberPage{}, nil, memberListSQL{}, searchTerms{}, err
		}
	}

	b := &memberQueryBuilder{}
	historic := !q.AsOf.IsZero()
	b.keys = (!historic && (q.Sort == MemberSortGroups || q.Sort == MemberSortGroupCount || q.Group == MemberGroupNone)) ||
		(searching && terms.usesGroups())
	b.and(b.scope(actor, authz.Member, b.id()))
	// Without a group or a search the statements have no value the plan
	// depends on: they stay prepared with their plan (LIMIT and OFFSET are
	// written into them). With one, they are planned for the values.
	if historic {
		// Another day than today: the periods and dated memberships say
		// who was in the club and in which groups.
		b.asOf = b.arg(q.AsOf) + "::date"
		b.forValues = true
		in := "EXISTS (SELECT 1 FROM member_periods pp WHERE pp.member_id = " + b.id() + " AND " + periodCovers("pp", b.asOf) + ")"
		switch q.Status {
		case MemberStatusActive:
			b.and(in)
		case MemberStatusFormer:
			b.and("NOT " + in + " AND EXISTS (SELECT 1 FROM member_periods pp WHERE pp.member_id = " + b.id() + " AND pp.starts_on < " + b.asOf + ")")
		default:
			b.and("EXISTS (SELECT 1 FROM member_periods pp WHERE pp.member_id = " + b.id() + " AND pp.starts_on <= " + b.asOf + ")")
		}
	} else {
		switch q.Status {
		case MemberStatusActive:
			b.and("(" + b.exitDate() + " IS NULL OR " + b.exitDate() + " > current_date)")
		case MemberStatusFormer:
			b.and(b.exitDate() + " <= current_date")
		}
	}
	s.statsFilters(b, q)
	switch {
	case q.Group == "":
	case q.Group == MemberGroupNone:
		if historic {
			b.and("NOT EXISTS (SELECT 1 FROM group_memberships gh WHERE gh.member_id = " + b.id() + " AND " + membershipCovers("gh", b.asOf) + ")")
		} else {
			b.and("k.group_count = 0")
		}
	case group.id != "" && historic:
		b.and(`EXISTS (SELECT 1 FROM group_memberships gh WHERE gh.member_id = ` + b.id() + ` AND gh.group_id = ` + b.arg(group.id) + `::uuid AND ` + membershipCovers("gh", b.asOf) + `)`)
	default:
		if searching && group.size > MemberCountExactMax {
			// The search finds the candidates; each is looked up in the
			// group (a scalar subquery, which the planner keeps per row)
			// instead of reading the big group's memberships into a hash
			// (60,000 entries for the largest: most of the statement).
			b.and(`(SELECT true FROM member_groups mg WHERE mg.member_id = ` + b.id() + ` AND mg.group_id = ` + b.arg(group.id) + `::uuid)`)
		} else {
			b.and(`EXISTS (SELECT 1 FROM member_groups mg WHERE mg.member_id = ` + b.id() + ` AND mg.group_id = ` + b.arg(group.id) + `::uuid)`)
		}
		b.forValues = true
	}
	l := memberListSQL{filter: b.whereSQL(), searching: searching, terms: terms}
	if searching {
		b.forValues = true
	}
	page.Query = q
	return page, b, l, terms, nil
}

// memberListSQL makes the conditions of a list on the builder's relation.
// Each statement builds what it uses on its own copy of the builder, so
// that it has the arguments it refers to and no others.
type memberListSQL struct {
	filter    string // everything but the search
	searching bool
	terms     searchTerms
}

// where is everything, as a condition on each member (to walk an index in
// the list's order).
func (l memberListSQL) where(b *memberQueryBuilder) string {
	if !l.searching {
		return l.filter
	}
	return l.filter + " AND " + l.terms.condition(b)
}

// sources are conditions whose matches together, without overlap, are
// the list's: one, or — when every word of a search occurs in group names
// — the members matching all words in group_words and the others (see
// searchTerms.groupPart). Each is read on its own, to count the matches
// or sort them all.
func (l memberListSQL) sources(b *memberQueryBuilder) []string {
	if l.searching && l.terms.usesGroups() && l.terms.allInGroups() {
		return []string{l.filter + " AND " + l.terms.groupPart(b), l.filter + " AND " + l.terms.vectorPart(b)}
	}
	return []string{l.where(b)}
}

// matching is a statement with one row per match.
func (l memberListSQL) matching(b *memberQueryBuilder) string {
	sources := l.sources(b)
	parts := make([]string, len(sources))
	for i, src := range sources {
		parts[i] = `SELECT 1 FROM ` + b.from() + ` WHERE ` + src
	}
	return strings.Join(parts, " UNION ALL ")
}

// count sets page.Total (exactly up to MemberCountExactMax, else the
// planner's estimate), Pages, and clamps the page to the last one.
// matching is a statement with a row per match.
func (s *Members) count(ctx context.Context, db pg.Querier, page *MemberPage, matching string, args []any) error {
	err := db.QueryRow(ctx, `SELECT count(*) FROM (`+matching+
		` LIMIT `+strconv.Itoa(MemberCountExactMax+1)+`) s`, args...).Scan(&page.Total)
	if err != nil {
		return fmt.Errorf("count members: %w", err)
	}
	perPage := page.Query.PerPage
	if page.Total <= MemberCountExactMax {
		page.Pages = max(1, (page.Total+perPage-1)/perPage)
		page.Query.Page = min(page.Query.Page, page.Pages)
		return nil
	}
	return s.estimate(ctx, page, matching, args)
}

// estimate sets page.Total to the planner's estimate of the rows of
// matching, rounded (TotalIsEstimate), and Pages; the page is not clamped.
func (s *Members) estimate(ctx context.Context, page *MemberPage, matching string, args []any) error {
	perPage := page.Query.PerPage
	var plan []byte
	// EXPLAIN is planned when it runs in any case: no prepared statement.
	if err := pg.PlanForValues(s.db).QueryRow(ctx, `EXPLAIN (FORMAT JSON) `+matching, args...).Scan(&plan); err != nil {
		return fmt.Errorf("estimate members: %w", err)
	}
	var explained []struct {
		Plan struct {
			Rows float64 `json:"Plan Rows"`
		} `json:"Plan"`
	}
	if err := json.Unmarshal(plan, &explained); err != nil || len(explained) == 0 {
		return fmt.Errorf("estimate members: unexpected plan %.200s: %v", plan, err)
	}
	page.Total = max(MemberCountExactMax+1, roundEstimate(explained[0].Plan.Rows))
	page.TotalIsEstimate = true
	page.Pages = max(1, (page.Total+perPage-1)/perPage)
	// The page is not clamped to an estimate: List finds out when it is
	// past the end.
	return nil
}

// roundEstimate rounds n to two significant digits (89,342 → 89,000),
// so that an estimate does not look exact.
func roundEstimate(n float64) int {
	if n < 100 {
		return int(math.Round(n))
	}
	unit := math.Pow(10, math.Floor(math.Log10(n))-1)
	return int(math.Round(n/unit) * unit)
}

// listPage reads the rows of page (one more than its size, if there is
// one) in a single statement: first the ids of the page in order (an
// index walk or a bounded sort), then for just those rows their columns,
// overview custom values and group badges, each aggregated once for the
// whole page.
//
// combined (a list in a column's order): the statement also counts the
// matches, up to MemberCountExactMax + 1, and returns the page only when
// there are at most MemberCountExactMax of them, sorted from the same
// read, past the end clamped to the last page; total is the count.
func (s *Members) listPage(ctx context.Context, actor authz.Actor, page MemberPage, b0 *memberQueryBuilder,
	l memberListSQL, terms searchTerms, columns []CustomField, combined bool) (out []MemberRow, total int, err error) {
	q := page.Query
	// A copy: the statement adds its own arguments after the filter's.
	b := b0.clone()
	limit := q.PerPage + 1
	ids, ctes := memberIDsSQL(page, b, l, terms, columns, combined, false)

	// Custom values and badges come as pairs of text arrays in the same
	// order (slugs and values; names and slugs): pgx reads arrays in
	// PostgreSQL's binary format, while decoding JSON objects cost an
	// eighth of the overview's CPU when measured.
	// Only what the chosen columns show is read: a core column not chosen
	// is an empty constant, the custom values only of the chosen fields,
	// the badges only with the groups column.
	chosen := func(key string) bool {
		return slices.ContainsFunc(page.Chosen, func(c MemberColumn) bool { return c.Key == key })
	}
	core := func(key, expr string) string {
		if chosen(key) {
			return expr
		}
		return "''::text"
	}
	customSQL, customJoin := "NULL::text[], NULL::text[]", ""
	if len(columns) > 0 && actor.Can(authz.CustomFieldValue, authz.Read) {
		ids := make([]string, len(columns))
		for i, f := range columns {
			ids[i] = f.ID
		}
		customSQL = "cv.slugs, cv.vals"
		customJoin = ` LEFT JOIN LATERAL (SELECT array_agg(f.slug ORDER BY f.slug) AS slugs, array_agg(v.value ORDER BY f.slug) AS vals
			FROM custom_field_values v JOIN custom_fields f ON f.id = v.custom_field_id
			WHERE v.member_id = p.id AND v.custom_field_id = ANY(` + b.arg(ids) + `::uuid[]) AND ` + b.scope(actor, authz.CustomFieldValue, "v.member_id") + `) cv ON true`
	}
	badges := actor.Can(authz.MemberGroup, authz.Read) && (chosen(ColGroups) || (b.asOf != "" && chosen(ColGroupCount)))
	groupsSQL, badgesJoin := "NULL::text[], NULL::text[]", ""
	if badges {
		groupsSQL, badgesJoin = `badges.names, badges.slugs`, ` LEFT JOIN badges ON badges.member_id = p.id`
	}
	groupCount, badgeSource := "gk.group_count", "member_groups mg"
	if b.asOf != "" {
		groupCount = "coalesce(cardinality(badges.names), 0)"
		if !badges {
			groupCount = "0"
		}
		badgeSource = "(SELECT gh.member_id, gh.group_id FROM group_memberships gh WHERE " + membershipCovers("gh", b.asOf) + ") mg"
	}
	since := "NULL::date"
	if chosen(ColMemberSince) {
		// The latest period begun by the list's day: an index-only
		// lookup per row of the page (member_periods_member_idx).
		day := "current_date"
		if b.asOf != "" {
			day = b.asOf
		}
		since = `coalesce((SELECT max(pp.starts_on) FROM member_periods pp WHERE pp.member_id = p.id AND pp.starts_on <= ` + day + `), m.join_date)`
	}
	sql := `SELECT m.id, m.first_name, m.last_name, coalesce(m.email::text, '') AS email, m.city, m.join_date,
			m.exit_date, ` + groupCount + `, ` + customSQL + `, ` + groupsSQL + `, p.n AS ord,
			` + core(ColPhone, "m.phone") + `, ` + core(ColStreet, "m.street") + `, ` + core(ColHouseNumber, "m.house_number") + `,
			` + core(ColPostalCode, "m.postal_code") + `, ` + core(ColCountry, "m.country") + `, ` + core(ColNotes, "m.notes") + `,
			` + since + ` AS member_since
		FROM ord p JOIN members m ON m.id = p.id JOIN member_group_keys gk ON gk.member_id = p.id` + badgesJoin + customJoin
	if combined {
		// The count comes with every row, and alone when there is none.
		sql = `SELECT t.n, r.* FROM total t LEFT JOIN (` + sql + `) r ON true ORDER BY r.ord`
	} else {
		sql = `SELECT 0, r.* FROM (` + sql + `) r ORDER BY r.ord`
	}
	sql = `WITH ` + ctes + `page AS MATERIALIZED (` + ids + `),
		ord AS (SELECT id, row_number() OVER () AS n FROM page),
		badges AS (SELECT mg.member_id, array_agg(g.name ORDER BY g.name_key, g.name, g.id) AS names,
				array_agg(g.slug ORDER BY g.name_key, g.name, g.id) AS slugs
			FROM page JOIN ` + badgeSource + ` ON mg.member_id = page.id JOIN groups g ON g.id = mg.group_id
			WHERE ` + b.scope(actor, authz.MemberGroup, "mg.member_id") + `
			GROUP BY mg.member_id)
		` + sql
	rows, err := b.on(s.db).Query(ctx, sql, b.args...)
	if err != nil {
		return nil, 0, fmt.Errorf("list members: %w", err)
	}
	defer rows.Close()
	out = make([]MemberRow, 0, limit)
	for rows.Next() {
		// Every column but the count is NULL on the row of a count alone.
		var r MemberRow
		var id, first, last, email, city *string
		var join *time.Time
		var groupCount *int32
		var ord *int64
		var customSlugs, customVals, groupNames, groupSlugs []string
		var phone, street, house, postal, country, notes *string
		var since *time.Time
		if err := rows.Scan(&total, &id, &first, &last, &email, &city, &join,
			&r.ExitDate, &groupCount, &customSlugs, &customVals, &groupNames, &groupSlugs, &ord,
			&phone, &street, &house, &postal, &country, &notes, &since); err != nil {
			return nil, 0, fmt.Errorf("scan member row: %w", err)
		}
		if id == nil || first == nil || last == nil || email == nil || city == nil || join == nil || groupCount == nil {
			continue
		}
		r.ID, r.FirstName, r.LastName, r.Email, r.City, r.JoinDate, r.GroupCount = *id, *first, *last, *email, *city, *join, int(*groupCount)
		for _, c := range []struct {
			dst *string
			src *string
		}{{&r.Phone, phone}, {&r.Street, street}, {&r.HouseNumber, house}, {&r.PostalCode, postal}, {&r.Country, country}, {&r.Notes, notes}} {
			if c.src != nil {
				*c.dst = *c.src
			}
		}
		if since != nil {
			r.MemberSince = *since
		}
		if len(customSlugs) != len(customVals) || len(groupNames) != len(groupSlugs) {
			return nil, 0, fmt.Errorf("list members: arrays of different lengths for member %s", r.ID)
		}
		if customSlugs != nil {
			r.Custom = make(map[string]string, len(customSlugs))
			for i, slug := range customSlugs {
				r.Custom[slug] = customVals[i]
			}
		}
		if groupNames != nil {
			r.Groups = make([]MemberRowGroup, len(groupNames))
			for i, name := range groupNames {
				r.Groups[i] = MemberRowGroup{Name: name, Slug: groupSlugs[i]}
			}
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("list members: %w", err)
	}
	return out, total, nil
}

// memberIDsSQL is the statement listing the ids of page's rows in the
// list's order (one more than the page, if there is one), and the CTEs
// it needs; see listPage. all: every row of the list, in order, for an
// export (no page, no count).
func memberIDsSQL(page MemberPage, b *memberQueryBuilder, l memberListSQL, terms searchTerms, columns []CustomField,
	combined, all bool) (ids, ctes string) {
	q := page.Query
	limit, offset := q.PerPage+1, (q.Page-1)*q.PerPage
	lim, off := strconv.Itoa(limit), strconv.Itoa(offset)
	enough := strconv.Itoa(offset + limit)
	if all {
		lim, off, enough = "ALL", "0", "ALL"
	}
	if q.Sort == MemberSortRelevance {
		// The tiers (see search.go), each from its own index in order and
		// each at most offset+limit rows; Append runs them in turn and
		// stops as soon as the page is full, so tier 2 and later are only
		// ranked when the page reaches them.
		exact, prefix := terms.exactCond(b), terms.prefixCond(b, "m.sort_name")
		words := terms.condition(b)
		from := b.from()
		tier, sim := terms.restOrder(b)
		var rest string
		if terms.usesGroups() && terms.allInGroups() {
			// The members matching every word in group_words are ranked
			// from member_group_keys alone; the others (a word in their
			// own vector) from their rows.
			rest = `SELECT id FROM (` + terms.groupPartRest(b, l.filter) + `
				UNION ALL
				SELECT m.id, ` + tier + `, ` + sim + `, m.sort_name FROM ` + from + `
				WHERE ` + l.filter + ` AND ` + terms.vectorPart(b) + ` AND NOT ` + exact + ` AND NOT ` + prefix + `
			) r ORDER BY tier, sim DESC NULLS LAST, sort_name, id LIMIT ` + enough
		} else {
			rest = `SELECT m.id FROM ` + from + ` WHERE ` + l.where(b) + ` AND NOT ` + exact + ` AND NOT ` + prefix + `
			 ORDER BY ` + tier + `, ` + sim + ` DESC NULLS LAST, m.sort_name, m.id LIMIT ` + enough
		}
		ids = `SELECT id FROM (
			(SELECT m.id FROM ` + from + ` WHERE ` + l.filter + ` AND ` + words + ` AND ` + exact + `
			 ORDER BY m.sort_name || '', m.id LIMIT ` + enough + `)
			UNION ALL
			(SELECT m.id FROM ` + from + ` WHERE ` + l.filter + ` AND ` + words + ` AND NOT ` + exact + ` AND ` + prefix + `
			 ORDER BY m.sort_name, m.id LIMIT ` + enough + `)
			UNION ALL
			(` + rest + `)
		) t LIMIT ` + lim + ` OFFSET ` + off
		// Tier 0 sorts its (few) rows: "|| ''" keeps the planner from
		// walking the whole name index in search of them.
	} else {
		// Sorting by a custom field joins its values once (a hash join)
		// instead of looking the value up per member.
		join, cfValue := "", "cfs.value"
		if f := memberCustomSortField(columns, q.Sort); f != nil {
			join = " LEFT JOIN custom_field_values cfs ON cfs.member_id = " + b.id() + " AND cfs.custom_field_id = " + b.arg(f.ID) + "::uuid"
		}
		if b.asOf != "" && (q.Sort == MemberSortGroups || q.Sort == MemberSortGroupCount) {
			// The group keys of that day for every member at once (one
			// aggregate), not a subquery per member.
			join = ` LEFT JOIN (SELECT gh.member_id, min(g.name_key) AS first_key, count(*)::integer AS n
				FROM group_memberships gh JOIN groups g ON g.id = gh.group_id
				WHERE ` + membershipCovers("gh", b.asOf) + ` GROUP BY gh.member_id) ga ON ga.member_id = ` + b.id()
		}
		keys := memberOrderKeys(q, columns, cfValue, b)
		if !all && (combined || !page.TotalIsEstimate || page.sortAll) {
			// At most MemberCountExactMax rows match (or, for a search,
			// about memberSortAllMax): sorting them all is cheap and sure. (OFFSET 0 keeps the planner from walking an
			// index in the list's order to find a few rows, which it may
			// think spread evenly when they are not — all the Müllers are
			// under M.) The sort keys are computed inside the fence.
			cols := []string{b.id() + " AS id"}
			for i := range keys {
				name := "o" + strconv.Itoa(i)
				cols = append(cols, keys[i].expr+" AS "+name)
				keys[i].expr = "s." + name
			}
			sources := l.sources(b)
			branches := make([]string, len(sources))
			for i, src := range sources {
				branches[i] = `(SELECT ` + strings.Join(cols, ", ") + ` FROM ` + b.from() + join + ` WHERE ` + src + ` OFFSET 0)`
			}
			matches := strings.Join(branches, " UNION ALL ")
			if len(branches) > 1 {
				matches = "(" + matches + ")"
			}
			if combined {
				max := strconv.Itoa(MemberCountExactMax)
				ctes = `matches AS MATERIALIZED (SELECT * FROM ` + matches + ` u LIMIT ` + max + ` + 1),
					total AS (SELECT count(*)::integer AS n FROM matches),
					`
				ids = `SELECT s.id FROM matches s WHERE (SELECT n FROM total) <= ` + max + `
					ORDER BY ` + memberOrderSQL(keys) + ` LIMIT ` + lim + `
					OFFSET (SELECT least(` + off + `, greatest(n - 1, 0) / ` + strconv.Itoa(q.PerPage) + ` * ` + strconv.Itoa(q.PerPage) + `) FROM total)`
			} else {
				ids = `SELECT s.id FROM ` + matches + ` s ORDER BY ` + memberOrderSQL(keys) + ` LIMIT ` + lim + ` OFFSET ` + off
			}
		} else {
			ids = `SELECT ` + b.id() + ` AS id FROM ` + b.from() + join + ` WHERE ` + l.where(b) + ` ORDER BY ` + memberOrderSQL(keys) +
				` LIMIT ` + lim + ` OFFSET ` + off
		}
	}
	return ids, ctes
}

// memberOrderKey is one key of an ORDER BY: an expression and its
// direction (with NULLS LAST where it applies).
type memberOrderKey struct{ expr, dir string }

func memberOrderSQL(keys []memberOrderKey) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k.expr + k.dir
	}
	return strings.Join(parts, ", ")
}

// memberOrderKeys is the ORDER BY of the normalised query on b's relation.
// Every order ends in unique keys (sort_name, id), so paging is stable.
// cfValue is the column holding the value of the custom field sorted by,
// if any.
func memberOrderKeys(q MemberQuery, columns []CustomField, cfValue string, b *memberQueryBuilder) []memberOrderKey {
	dir := " ASC"
	if q.Dir == MemberDirDesc {
		dir = " DESC"
	}
	tie := []memberOrderKey{{b.sortName(), " ASC"}, {b.id(), " ASC"}}
	with := func(expr, d string) []memberOrderKey { return append([]memberOrderKey{{expr, d}}, tie...) }
	switch q.Sort {
	case MemberSortName:
		// Both keys follow the direction: the (sort_name, id) index
		// serves either way.
		return []memberOrderKey{{b.sortName(), dir}, {b.id(), dir}}
	case MemberSortEmail:
		return with("m.email", dir+" NULLS LAST")
	case MemberSortCity:
		return with("search_key(nullif(m.city, ''))", dir+" NULLS LAST")
	case MemberSortJoinDate:
		return with("m.join_date", dir)
	case MemberSortGroups:
		// Members without groups (first_group_key NULL) last either way.
		if b.asOf != "" {
			return with("ga.first_key", dir+" NULLS LAST") // joined in listPage
		}
		return with("k.first_group_key", dir+" NULLS LAST")
	case MemberSortGroupCount:
		if b.asOf != "" {
			return with("coalesce(ga.n, 0)", dir) // joined in listPage
		}
		return with("k.group_count", dir)
	}
	if f := memberCustomSortField(columns, q.Sort); f != nil {
		value := cfValue
		switch f.ValueType {
		case CustomFieldInteger:
			value += "::bigint" // values are stored canonical, so the cast is safe
		case CustomFieldDate:
			value += "::date"
		case CustomFieldBoolean:
		case CustomFieldChoice:
			// Option order, not the alphabet: the option's place in the
			// field's list (given as one array, so no per-row lookup).
			value = "array_position(" + b.arg(optionLabels(f.Options)) + "::text[], " + value + ")"
		case CustomFieldMultiChoice:
			// The places of the chosen options (stored in option order),
			// compared as arrays: "Yoga" < "Yoga, Tennis" < "Tennis".
			value = "(SELECT array_agg(array_position(" + b.arg(optionLabels(f.Options)) + "::text[], x.p) ORDER BY x.n)" +
				" FROM unnest(string_to_array(" + value + ", ', ')) WITH ORDINALITY x (p, n))"
		default:
			value = "search_key(" + value + ")"
		}
		return with(value, dir+" NULLS LAST")
	}
	return tie
}

// ParseAgeBracket reads an age bracket "18-26" (both inclusive), "61-"
// (no upper bound) or "unknown" (min -1). ok is false for anything else.
func ParseAgeBracket(s string) (lo, hi int, ok bool) {
	if s == AgeUnknown {
		return -1, -1, true
	}
	a, b, found := strings.Cut(s, "-")
	if !found {
		return 0, 0, false
	}
	lo, err := strconv.Atoi(a)
	if err != nil || lo < 0 || lo > 200 {
		return 0, 0, false
	}
	if b == "" {
		return lo, -1, true
	}
	hi, err = strconv.Atoi(b)
	if err != nil || hi < lo || hi > 200 {
		return 0, 0, false
	}
	return lo, hi, true
}

// AgeUnknown is the age bracket of members without a birth date.
const AgeUnknown = "unknown"

// statsFilters adds the statistics' filters of q to b.
func (s *Members) statsFilters(b *memberQueryBuilder, q MemberQuery) {
	day := "current_date"
	if b.asOf != "" {
		day = b.asOf
	}
	if q.JoinYear != 0 || q.ExitYear != 0 || q.RoleID != "" || q.Age != "" {
		b.forValues = true
	}
	yearCond := func(col string, y int) string {
		return "EXISTS (SELECT 1 FROM member_periods pp WHERE pp.member_id = " + b.id() + " AND pp." + col + " >= " +
			b.arg(time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC)) + "::date AND pp." + col + " < " + b.arg(time.Date(y+1, 1, 1, 0, 0, 0, 0, time.UTC)) + "::date)"
	}
	if q.JoinYear != 0 {
		b.and(yearCond("starts_on", q.JoinYear))
	}
	if q.ExitYear != 0 {
		b.and(yearCond("ends_on", q.ExitYear))
	}
	if q.RoleID != "" {
		b.and("EXISTS (SELECT 1 FROM group_memberships gr WHERE gr.member_id = " + b.id() + " AND gr.role_id = " + b.arg(q.RoleID) + "::uuid AND " + membershipCovers("gr", day) + ")")
	}
	if q.Age != "" {
		lo, hi, _ := ParseAgeBracket(q.Age)
		birth := "(SELECT v.value::date FROM custom_field_values v JOIN custom_fields f ON f.id = v.custom_field_id AND f.birth_date WHERE v.member_id = " + b.id() + ")"
		switch {
		case lo < 0:
			b.and(birth + " IS NULL")
		case hi < 0:
			b.and("date_part('year', age(" + day + ", " + birth + ")) >= " + strconv.Itoa(lo))
		default:
			b.and("date_part('year', age(" + day + ", " + birth + ")) BETWEEN " + strconv.Itoa(lo) + " AND " + strconv.Itoa(hi))
		}
	}
}

// periodCovers and membershipCovers say "day is in the period (the
// membership)" with the date columns, which the B-tree indexes serve;
// span @> day would be read from the GiST exclusion index, which the
// planner takes for cheap when it is not (a scan of all of it per row
// when member_id, its first column, is not given).
func periodCovers(alias, day string) string {
	return alias + ".starts_on <= " + day + " AND (" + alias + ".ends_on IS NULL OR " + alias + ".ends_on > " + day + ")"
}

func membershipCovers(alias, day string) string {
	return alias + ".valid_from <= " + day + " AND (" + alias + ".valid_until IS NULL OR " + alias + ".valid_until > " + day + ")"
}
