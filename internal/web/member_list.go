package web

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/a-h/templ"

	"mila/internal/authz"
	"mila/internal/membership"
)

// memberListPage is what memberListView shows.
type memberListPage struct {
	Result     membership.MemberPage
	Query      membership.MemberQuery // normalised
	Headers    []memberListHeader
	Rows       []memberListRow
	CanCreate  bool
	PerPages   []int
	Statuses   []memberListOption
	PrevURL    string // "" on the first page
	NextURL    string // "" on the last page
	ClearURL   string // the same view without the search
	EmptyID    string // message id saying why the list is empty
	From, To   int    // the rows shown, 1-based
	ResultsURL string // this view's URL (for htmx history)
	Partial    bool   // an htmx answer: also update the live region
	// SortHidden and DirHidden carry a chosen sort into the next search
	// ("" when it is the default).
	SortHidden, DirHidden string

	// Groups. ShowGroups: the actor may see memberships, so the Groups
	// column, the filter and the group sorts are there (List decides).
	ShowGroups    bool
	Groups        []membership.GroupChoice // all groups, for the filter and the bulk bar
	GroupFilter   string                   // name of the filtered group ("" for all; "none" shows as "No group")
	GroupChipURL  string                   // this view without the group filter
	GroupNotFound bool                     // the URL named a group that does not exist: all groups are shown
	// Description says what the view shows (status, group, search,
	// sort), for the top of a printed page.
	Description string
	// ExportLinks export this view (all its pages); nil when the actor
	// may not export.
	ExportLinks []exportLink
	// SaveListURL saves this view as a list ("" when the actor may not).
	SaveListURL string
	// Bulk assignment from the selected rows (admins).
	CanBulkAdd, CanBulkRemove bool
	// CanMail: the actor may write mailings ("Write to selected", and
	// the quick links of the current view; mailing_extra.go).
	CanMail bool
	Mail    mailingQuickLinks
	// AsOf is the as_of field's value ("" for today); AsOfBad: the URL's
	// as_of was malformed and today is shown (the page says so).
	AsOf    string
	AsOfBad bool
	// StatsHidden are the statistics' filters (joined, left, role, age)
	// carried through the filter form; StatsClearURL the view without them.
	StatsHidden   []statsFilter
	StatsClearURL string
	// Columns: ColsHidden carries the URL's cols parameter into the next
	// search (HasCols: the URL names the columns); ColumnsURL is the
	// column chooser of this view.
	HasCols    bool
	ColsHidden string
	ColumnsURL string
	// UnknownColumns are the URL's column keys that name no column the
	// viewer may read: not shown, and the page says which.
	UnknownColumns []string
}

// CanBulk reports whether the rows get checkboxes and the bulk bar.
func (p memberListPage) CanBulk() bool { return p.CanBulkAdd || p.CanBulkRemove || p.CanMail }

// bulkAction and bulkMethod: the bulk bar's default submission, for an
// actor who may change memberships the group action, for one who may
// only write mailings the mailing form (each button has its formaction).
func (p memberListPage) bulkAction() templ.SafeURL {
	switch {
	case p.CanBulkAdd:
		return "/members/groups/add"
	case p.CanBulkRemove:
		return "/members/groups/remove"
	}
	return "/mailings/new"
}

func (p memberListPage) bulkMethod() string {
	if p.CanBulkAdd || p.CanBulkRemove {
		return "post"
	}
	return "get"
}

type memberListHeader struct {
	LabelID  string // message id, or "" when Label is the text (custom fields)
	Label    string
	URL      string // the sort link
	AriaSort string // "ascending", "descending" or "" (not sorted by this column)
	Dir      string // the direction the link sorts in
	Key      string // the sort key, for the link's id (htmx keeps its focus); "" for a column that does not sort
	Num      bool   // a column of numbers (right-aligned)
}

type memberListRow struct {
	membership.MemberRow
	Cells  []memberCell // the chosen columns, formatted for reading
	Former bool         // not Active today
	Badges []memberGroupBadge
}

// memberGroupBadge is one group on an overview row: a link that filters
// the overview by that group, keeping search, status, sort and page size.
type memberGroupBadge struct {
	Name, Slug, URL string
	Active          bool // the overview is filtered by this group
	// html is the badge as groupBadge writes it, kept after its first
	// row: every row of the page with this group shares the badge (and
	// its long URL, escaped twice per badge, was most of a row's cost).
	html *[]byte
}

// render writes the badge: groupBadge's output, rendered for the first
// row with this group and copied for the others.
func (g memberGroupBadge) render(memberOf, badgeHint message) templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		if g.html == nil || *g.html == nil {
			var buf bytes.Buffer
			if err := groupBadge(&g, memberOf, badgeHint).Render(ctx, &buf); err != nil {
				return err
			}
			if g.html == nil {
				_, err := w.Write(buf.Bytes())
				return err
			}
			*g.html = buf.Bytes()
		}
		_, err := w.Write(*g.html)
		return err
	})
}

type memberListOption struct {
	Value, LabelID string
}

// memberQueryFromURL reads the overview's state from the URL. Anything
// malformed becomes a zero value, which Normalize turns into the default:
// the overview never fails because of its URL.
func memberQueryFromURL(v url.Values) membership.MemberQuery {
	atoi := func(s string) int {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || n > 1_000_000 {
			return 0
		}
		return n
	}
	q := v.Get("q")
	if len(q) > 1000 {
		q = q[:1000] // the search uses the first 200 characters anyway
	}
	return membership.MemberQuery{
		Q:       q,
		Status:  membership.MemberStatus(v.Get("status")),
		Sort:    v.Get("sort"),
		Dir:     v.Get("dir"),
		Page:    atoi(v.Get("page")),
		PerPage: atoi(v.Get("per_page")),
		Group:   v.Get("group"),
		AsOf:    asOfFromURL(v),
		// the statistics' links (Normalize drops what is malformed)
		JoinYear: atoi(v.Get("joined")),
		ExitYear: atoi(v.Get("left")),
		RoleID:   v.Get("role"),
		Age:      v.Get("age"),
	}
}

// memberListURL is the overview URL for q, leaving out defaults so that
// shared links stay short.
func memberListURL(q membership.MemberQuery) string {
	v := url.Values{}
	if q.Q != "" {
		v.Set("q", q.Q)
	}
	if q.Status != "" && q.Status != membership.MemberStatusActive {
		v.Set("status", string(q.Status))
	}
	if q.Group != "" {
		v.Set("group", q.Group)
	}
	// The default sort is left out: relevance with a search, name without.
	if q.Sort != "" && !(q.Q == "" && q.Sort == membership.MemberSortName) && !(q.Q != "" && q.Sort == membership.MemberSortRelevance) {
		v.Set("sort", q.Sort)
	}
	if q.Dir != "" && q.Dir != membership.MemberDefaultDir(q.Sort) {
		v.Set("dir", q.Dir)
	}
	if !q.AsOf.IsZero() {
		v.Set("as_of", q.AsOf.Format(time.DateOnly))
	}
	if q.JoinYear != 0 {
		v.Set("joined", strconv.Itoa(q.JoinYear))
	}
	if q.ExitYear != 0 {
		v.Set("left", strconv.Itoa(q.ExitYear))
	}
	if q.RoleID != "" {
		v.Set("role", q.RoleID)
	}
	if q.Age != "" {
		v.Set("age", q.Age)
	}
	if q.Columns != nil {
		v.Set("cols", memberColumnKeysParam(q.Columns))
	}
	if q.Page > 1 {
		v.Set("page", strconv.Itoa(q.Page))
	}
	if q.PerPage != 0 && q.PerPage != membership.MemberPerPageDefault {
		v.Set("per_page", strconv.Itoa(q.PerPage))
	}
	if len(v) == 0 {
		return "/members"
	}
	return "/members?" + v.Encode()
}

// memberList shows the overview. With htmx it answers only the results
// block (the table, count and paging), which the search form swaps in.
// An own_data user has no overview: they go to their own record.
func (a *App) memberList(w http.ResponseWriter, r *http.Request) {
	actor := actorFrom(r)
	if memberLinkedOnly(actor) {
		if actor.MemberID == "" {
			a.render(w, r, http.StatusOK, memberNoneView)
			return
		}
		target := "/members/" + actor.MemberID
		if isHTMX(r) {
			w.Header().Set("HX-Redirect", target)
			w.WriteHeader(http.StatusNoContent)
			return
		}
		http.Redirect(w, r, target, http.StatusSeeOther)
		return
	}
	cols, fromURL, ok := a.overviewColumns(w, r, actor)
	if !ok {
		return
	}
	v := overviewURLQuery(r)
	q := memberQueryFromURL(v)
	q.Columns = cols
	res, err := a.members.List(r.Context(), actor, q)
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	if fromURL {
		res.Query.Columns = membership.ColumnKeys(res.Chosen)
	} else {
		res.Query.Columns = nil
	}
	p := a.memberListData(r, actor, res)
	p.AsOfBad = asOfMalformed(v)
	if fromURL {
		p.UnknownColumns = res.UnknownColumns
	}
	w.Header().Set("Vary", "HX-Request")
	if isHTMX(r) {
		p.Partial = true
		a.render(w, r, http.StatusOK, pageView(memberResults, p))
		return
	}
	a.render(w, r, http.StatusOK, pageView(memberListView, p))
}

func (a *App) memberListData(r *http.Request, actor authz.Actor, res membership.MemberPage) memberListPage {
	q := res.Query
	p := memberListPage{
		Result:      res,
		Query:       q,
		CanCreate:   actor.Can(authz.Member, authz.Create),
		PerPages:    membership.MemberPerPageChoices,
		ResultsURL:  memberListURL(q),
		AsOf:        asOfValue(q.AsOf),
		StatsHidden: statsHidden(q),
		Statuses: []memberListOption{
			{string(membership.MemberStatusActive), "MembersStatusActive"},
			{string(membership.MemberStatusFormer), "MembersStatusFormer"},
			{string(membership.MemberStatusAll), "MembersStatusAll"},
		},
	}
	header := func(labelID, label, sort string) memberListHeader {
		h := memberListHeader{LabelID: labelID, Label: label, Dir: membership.MemberDefaultDir(sort), Key: sort}
		if sort == "" {
			return h
		}
		if q.Sort == sort {
			h.AriaSort = "ascending"
			if q.Dir == membership.MemberDirDesc {
				h.AriaSort = "descending"
			}
			// A second click on the sorted column reverses it.
			h.Dir = membership.MemberDirDesc
			if q.Dir == membership.MemberDirDesc {
				h.Dir = membership.MemberDirAsc
			}
		}
		nq := q
		nq.Sort, nq.Dir, nq.Page = sort, h.Dir, 1
		h.URL = memberListURL(nq)
		return h
	}
	T := func(id string, kv ...any) string { return a.T(r, id, kv...) }
	p.Headers = []memberListHeader{header("MembersColName", "", membership.MemberSortName)}
	labels := make([]string, len(res.Chosen))
	for i, c := range res.Chosen {
		labels[i] = memberColumnLabel(T, c)
		h := header("", labels[i], memberColumnSort(c))
		h.Num = c.Kind == membership.KindInt
		p.Headers = append(p.Headers, h)
	}
	today := time.Now()
	words := &memberCellWords{lang: a.langOf(r), yes: T("MemberYes"), no: T("MemberNo"), labels: labels}
	p.Rows = make([]memberListRow, 0, len(res.Rows))
	for _, row := range res.Rows {
		p.Rows = append(p.Rows, memberListRow{MemberRow: row, Former: !row.Active(today),
			Cells: memberCells(words, res.Chosen, row)})
	}
	p.HasCols = q.Columns != nil
	p.ColsHidden = memberColumnKeysParam(q.Columns)
	cq0 := q
	cq0.Page = 0
	p.ColumnsURL = strings.Replace(memberListURL(cq0), "/members", "/members/columns", 1)
	if q.Page > 1 {
		pq := q
		pq.Page--
		p.PrevURL = memberListURL(pq)
	}
	if q.Page < res.Pages {
		nq := q
		nq.Page++
		p.NextURL = memberListURL(nq)
	}
	if len(res.Rows) > 0 {
		p.From = (q.Page-1)*q.PerPage + 1
		p.To = p.From + len(res.Rows) - 1
	}
	if u, err := url.Parse(memberListURL(q)); err == nil {
		p.SortHidden, p.DirHidden = u.Query().Get("sort"), u.Query().Get("dir")
	}
	cq := q
	cq.Q, cq.Page = "", 1
	if cq.Sort == membership.MemberSortRelevance {
		cq.Sort, cq.Dir = "", ""
	}
	p.ClearURL = memberListURL(cq)
	sq := q
	sq.JoinYear, sq.ExitYear, sq.RoleID, sq.Age, sq.Page = 0, 0, "", "", 1
	p.StatsClearURL = memberListURL(sq)
	switch {
	case res.Total > 0:
	case q.Q != "":
		p.EmptyID = "MembersEmptySearch"
	case q.Group != "":
		p.EmptyID = "MembersEmptyFilter"
	case q.Status == membership.MemberStatusFormer:
		p.EmptyID = "MembersEmptyFormer"
	case q.Status == membership.MemberStatusActive:
		p.EmptyID = "MembersEmptyActive"
	default:
		p.EmptyID = "MembersEmptyNone"
	}
	if res.ShowGroups {
		a.memberListGroups(r, actor, &p)
	}
	sortField := ""
	for _, f := range res.Columns {
		if membership.MemberSortCustom+f.Slug == q.Sort {
			sortField = f.Name
		}
	}
	group := ""
	if res.Group != nil {
		group = res.Group.Name
	}
	p.Description = strings.Join(memberViewDescription(T, q, res.Searching, group, memberSortLabel(T, sortField, q.Sort)), " · ")
	// Exports and a saved list take the columns in effect.
	eq := q
	eq.Columns = exportColumnKeys(res.Chosen)
	lq := q
	lq.Columns = nil
	if exportAllowed(actor) {
		p.ExportLinks = append(exportLinks(func(f string) string { return memberExportURL(eq, f) }), labelLinks(lq)...)
	}
	if actor.Can(authz.SavedList, authz.Create) && exportAllowed(actor) {
		sq := q
		sq.Columns = membership.ColumnKeys(res.Chosen)
		p.SaveListURL = listNewURL(sq)
	}
	return p
}

// memberListGroups adds the groups column, filter chip and bulk bar to
// the overview's data.
func (a *App) memberListGroups(r *http.Request, actor authz.Actor, p *memberListPage) {
	q := p.Query
	p.ShowGroups, p.Groups, p.GroupNotFound = true, p.Result.Groups, p.Result.GroupNotFound
	p.CanBulkAdd = actor.Can(authz.MemberGroup, authz.Create)
	p.CanBulkRemove = actor.Can(authz.MemberGroup, authz.Destroy)
	p.CanMail = actor.Can(authz.Mailing, authz.Create)
	p.Mail = overviewQuickLinks(actor, p.ResultsURL)
	switch {
	case q.Group == membership.MemberGroupNone:
		p.GroupFilter = a.T(r, "MembersGroupNone")
	case p.Result.Group != nil:
		p.GroupFilter = p.Result.Group.Name
	}
	if q.Group != "" {
		cq := q
		cq.Group, cq.Page = "", 1
		p.GroupChipURL = memberListURL(cq)
	}
	badges := map[string]memberGroupBadge{}
	for i := range p.Rows {
		for _, g := range p.Rows[i].Groups {
			b, ok := badges[g.Slug]
			if !ok || b.Name != g.Name {
				bq := q
				bq.Group, bq.Page = g.Slug, 1
				b = memberGroupBadge{Name: g.Name, Slug: g.Slug, URL: memberListURL(bq), Active: g.Slug == q.Group, html: new([]byte)}
				badges[g.Slug] = b
			}
			p.Rows[i].Badges = append(p.Rows[i].Badges, b)
		}
	}
}
