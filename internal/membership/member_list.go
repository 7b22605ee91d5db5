package membership

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"mila/internal/authz"
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
	// means all. An unknown slug matches nobody: the web layer checks the
	// slug first and falls back to all groups with a notice.
	Group string

	anyPerPage bool // Search: any page size from 1 to 100
}

// MemberGroupNone is the Group filter value for members in no group.
const MemberGroupNone = "none"

// Normalize returns q with every unknown or malformed value replaced by
// its default. fields are the custom fields shown in the overview (the
// only custom sorts allowed).
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
	valid := q.anyPerPage && q.PerPage >= 1 && q.PerPage <= 100
	for _, n := range MemberPerPageChoices {
		valid = valid || q.PerPage == n
	}
	if !valid {
		q.PerPage = MemberPerPageDefault
	}
	if q.Group != MemberGroupNone && q.Group != "" && !validGroupSlug(q.Group) {
		q.Group = ""
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

func validGroupSlug(s string) bool {
	if len(s) == 0 || len(s) > 100 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

func memberCustomSortField(fields []CustomField, sort string) *CustomField {
	for i := range fields {
		if fields[i].ShowInOverview && MemberSortCustom+fields[i].Slug == sort {
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
	// Groups are the member's groups, alphabetically (empty when the
	// actor may not read memberships).
	Groups []MemberRowGroup
	// Custom holds the values of the overview's custom fields by slug.
	Custom map[string]string
}

// Name is "First Last".
func (r MemberRow) Name() string { return r.FirstName + " " + r.LastName }

// MemberRowGroup is a group badge on an overview row.
type MemberRowGroup struct {
	Name string `json:"name"`
	Slug string `json:"slug"`
}

// MemberPage is one page of the overview.
type MemberPage struct {
	Query   MemberQuery   // as normalised, Page clamped to the last page
	Rows    []MemberRow   //
	Total   int           // members matching the filters, on all pages
	Pages   int           // at least 1
	Columns []CustomField // custom fields shown in the overview, in order
	// Searching is true when Query.Q had something to search for.
	Searching bool
}

// memberQueryBuilder collects SQL conditions and their arguments, so
// filters compose without string soup or placeholder miscounts.
type memberQueryBuilder struct {
	args  []any
	where []string
}

// arg adds a query argument and returns its placeholder.
func (b *memberQueryBuilder) arg(v any) string {
	b.args = append(b.args, v)
	return "$" + strconv.Itoa(len(b.args))
}

func (b *memberQueryBuilder) and(cond string) { b.where = append(b.where, cond) }

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

// List returns one page of the overview for q, with the total count.
// It runs a constant number of statements (fields, count, page) whatever
// the page size, and applies the actor's scope in SQL.
func (s Members) List(ctx context.Context, actor authz.Actor, q MemberQuery) (MemberPage, error) {
	if err := actor.Require(authz.Member, authz.Read); err != nil {
		return MemberPage{}, err
	}
	var columns []CustomField
	if actor.Can(authz.CustomField, authz.Read) {
		all, err := loadCustomFields(ctx, s.DB, false)
		if err != nil {
			return MemberPage{}, err
		}
		for _, f := range all {
			if f.ShowInOverview {
				columns = append(columns, f)
			}
		}
	}
	q = q.Normalize(columns)
	terms, searching := parseSearch(q.Q)
	page := MemberPage{Query: q, Columns: columns, Searching: searching, Pages: 1}

	b := &memberQueryBuilder{}
	b.and(b.scope(actor, authz.Member, "m.id"))
	switch q.Status {
	case MemberStatusActive:
		b.and("(m.exit_date IS NULL OR m.exit_date > current_date)")
	case MemberStatusFormer:
		b.and("m.exit_date <= current_date")
	}
	switch q.Group {
	case "":
	case MemberGroupNone:
		b.and("m.group_count = 0")
	default:
		b.and(`EXISTS (SELECT 1 FROM member_groups mg JOIN groups g ON g.id = mg.group_id
			WHERE mg.member_id = m.id AND g.slug = ` + b.arg(q.Group) + `)`)
	}
	if searching {
		b.and(terms.condition(b))
	}
	where := b.whereSQL()

	if err := s.DB.QueryRow(ctx, `SELECT count(*) FROM members m WHERE `+where, b.args...).Scan(&page.Total); err != nil {
		return MemberPage{}, fmt.Errorf("count members: %w", err)
	}
	page.Pages = max(1, (page.Total+q.PerPage-1)/q.PerPage)
	if page.Query.Page > page.Pages {
		page.Query.Page = page.Pages
	}
	if page.Total == 0 {
		return page, nil
	}

	// What each row carries besides its own columns: the overview's
	// custom values and the group badges, each one subquery per row of
	// this page only (never an extra statement per row).
	customSQL := "NULL::jsonb"
	if len(columns) > 0 && actor.Can(authz.CustomFieldValue, authz.Read) {
		customSQL = `(SELECT jsonb_object_agg(f.slug, v.value) FROM custom_field_values v
			JOIN custom_fields f ON f.id = v.custom_field_id
			WHERE v.member_id = m.id AND f.show_in_overview AND ` + b.scope(actor, authz.CustomFieldValue, "v.member_id") + `)`
	}
	groupsSQL := "NULL::jsonb"
	if actor.Can(authz.MemberGroup, authz.Read) {
		groupsSQL = `CASE WHEN m.group_count > 0 THEN (SELECT jsonb_agg(jsonb_build_object('name', g.name, 'slug', g.slug)
			ORDER BY search_key(g.name), g.name) FROM member_groups mg JOIN groups g ON g.id = mg.group_id
			WHERE mg.member_id = m.id AND ` + b.scope(actor, authz.MemberGroup, "mg.member_id") + `) END`
	}
	order := memberOrderBy(b, q, terms, columns)
	sql := `SELECT m.id, m.first_name, m.last_name, coalesce(m.email::text, ''), m.city, m.join_date,
		m.exit_date, m.group_count, ` + customSQL + `, ` + groupsSQL + `
		FROM members m WHERE ` + where + ` ORDER BY ` + order +
		` LIMIT ` + b.arg(q.PerPage) + ` OFFSET ` + b.arg((page.Query.Page-1)*q.PerPage)
	rows, err := s.DB.Query(ctx, sql, b.args...)
	if err != nil {
		return MemberPage{}, fmt.Errorf("list members: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r MemberRow
		var custom, groups []byte
		if err := rows.Scan(&r.ID, &r.FirstName, &r.LastName, &r.Email, &r.City, &r.JoinDate,
			&r.ExitDate, &r.GroupCount, &custom, &groups); err != nil {
			return MemberPage{}, fmt.Errorf("scan member row: %w", err)
		}
		if custom != nil {
			if err := json.Unmarshal(custom, &r.Custom); err != nil {
				return MemberPage{}, fmt.Errorf("decode custom values: %w", err)
			}
		}
		if groups != nil {
			if err := json.Unmarshal(groups, &r.Groups); err != nil {
				return MemberPage{}, fmt.Errorf("decode groups: %w", err)
			}
		}
		page.Rows = append(page.Rows, r)
	}
	if err := rows.Err(); err != nil {
		return MemberPage{}, fmt.Errorf("list members: %w", err)
	}
	return page, nil
}

// memberOrderBy is the ORDER BY of the normalised query. Every order ends
// in unique keys (sort_name, id), so paging is stable.
func memberOrderBy(b *memberQueryBuilder, q MemberQuery, terms searchTerms, columns []CustomField) string {
	desc := q.Dir == MemberDirDesc
	dir := " ASC"
	if desc {
		dir = " DESC"
	}
	const tie = "m.sort_name, m.id"
	switch q.Sort {
	case MemberSortName:
		// Both keys follow the direction: the (sort_name, id) index
		// serves either way.
		return "m.sort_name" + dir + ", m.id" + dir
	case MemberSortEmail:
		return "m.email" + dir + " NULLS LAST, " + tie
	case MemberSortCity:
		return "search_key(nullif(m.city, ''))" + dir + " NULLS LAST, " + tie
	case MemberSortJoinDate:
		return "m.join_date" + dir + ", " + tie
	case MemberSortGroups:
		// Members without groups (first_group_key NULL) last either way.
		return "m.first_group_key" + dir + " NULLS LAST, " + tie
	case MemberSortGroupCount:
		return "m.group_count" + dir + ", " + tie
	case MemberSortRelevance:
		return terms.rankOrder(b) + ", " + tie
	}
	if f := memberCustomSortField(columns, q.Sort); f != nil {
		value := "(SELECT v.value FROM custom_field_values v WHERE v.member_id = m.id AND v.custom_field_id = " + b.arg(f.ID) + "::uuid)"
		switch f.ValueType {
		case CustomFieldInteger:
			value += "::bigint" // values are stored canonical, so the cast is safe
		case CustomFieldDate:
			value += "::date"
		case CustomFieldBoolean:
		default:
			value = "search_key(" + value + ")"
		}
		return value + dir + " NULLS LAST, " + tie
	}
	return tie
}
