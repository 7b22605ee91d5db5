package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"mila/internal/authz"
	"mila/internal/membership"
	"mila/internal/validate"
)

// The overview's columns: the cols parameter names them
// (keys separated by commas, as the exports read it, or semicolons); a
// key of no column the viewer may read is left out and the overview says
// so (UnknownColumns); without it the
// viewer's own choice (membership.ColumnPrefs) or the default applies.
// The chooser (/members/columns) is a plain form: a checkbox per column
// and up/down buttons that post the form and get it back reordered; with
// htmx only the list is swapped and focus stays on the pressed button.

// overviewURLQuery is r's query as the overview and its exports read it:
// url.Values like r.URL.Query(), except that a pair with a ";" is kept —
// Go's parser drops such a pair (";" is no separator since Go 1.17), so
// "cols=email;city" or "q=a;b" would silently vanish and show the
// default view.
func overviewURLQuery(r *http.Request) url.Values { return parseOverviewQuery(r.URL.RawQuery) }

// parseOverviewQuery parses an overview query string as overviewURLQuery
// reads the request's.
func parseOverviewQuery(raw string) url.Values {
	v, err := url.ParseQuery(raw)
	if err == nil {
		return v
	}
	for pair := range strings.SplitSeq(raw, "&") {
		if !strings.Contains(pair, ";") {
			continue
		}
		k, val, _ := strings.Cut(pair, "=")
		k, err1 := url.QueryUnescape(k)
		val, err2 := url.QueryUnescape(val)
		if err1 == nil && err2 == nil && k != "" {
			v[k] = append(v[k], val)
		}
	}
	return v
}

// overviewColumnsFromURL reads the cols parameter: nil and false when
// there is none (the viewer's choice applies), an error when it is
// malformed.
func overviewColumnsFromURL(v url.Values) ([]string, bool, error) {
	raw, ok := v["cols"]
	if !ok {
		return nil, false, nil
	}
	if len(raw) != 1 || len(raw[0]) > 4000 {
		return nil, true, errColumnsMalformed
	}
	cols, err := membership.ParseColumnKeys(raw[0])
	if err != nil {
		return nil, true, err
	}
	if cols == nil {
		cols = []string{} // "cols=": no columns but the name
	}
	return cols, true, nil
}

var errColumnsMalformed = validate.Field("cols", membership.ErrColumnsMalformed, nil)

// badColumns answers a malformed cols parameter: 400, saying what is wrong.
func (a *App) badColumns(w http.ResponseWriter, r *http.Request) {
	a.render(w, r, http.StatusBadRequest, pageView(errorView, errorPageData{
		Status: http.StatusBadRequest, TitleID: "ErrorBadRequestTitle", MessageID: membership.ErrColumnsMalformed}))
}

// overviewColumns returns the columns of the view: from the URL when it
// names them (fromURL), else the viewer's choice (nil: the default). ok
// is false when it has answered (a malformed parameter).
func (a *App) overviewColumns(w http.ResponseWriter, r *http.Request, actor authz.Actor) (cols []string, fromURL, ok bool) {
	cols, fromURL, err := overviewColumnsFromURL(overviewURLQuery(r))
	if err != nil {
		a.badColumns(w, r)
		return nil, true, false
	}
	if fromURL || actor.Scope(authz.Member, authz.Read) != authz.All {
		return cols, fromURL, true
	}
	cols, err = a.columns.Get(r.Context(), actor)
	if err != nil {
		a.errorResponse(w, r, err)
		return nil, false, false
	}
	return cols, false, true
}

// memberColumnKeysParam is the cols parameter's value for keys.
func memberColumnKeysParam(keys []string) string { return strings.Join(keys, ",") }

// exportColumnKeys are the columns an export of the view has: the name
// (last and first) and the chosen columns.
func exportColumnKeys(chosen []membership.MemberColumn) []string {
	return append([]string{membership.ColLastName, membership.ColFirstName}, membership.ColumnKeys(chosen)...)
}

// memberColumnSort is the sort key of an overview column ("" when the
// column cannot be sorted: no index serves it).
func memberColumnSort(c membership.MemberColumn) string {
	switch c.Key {
	case membership.ColEmail:
		return membership.MemberSortEmail
	case membership.ColCity:
		return membership.MemberSortCity
	case membership.ColJoinDate:
		return membership.MemberSortJoinDate
	case membership.ColGroups:
		return membership.MemberSortGroups
	case membership.ColGroupCount:
		return membership.MemberSortGroupCount
	}
	if c.Field != nil {
		return membership.MemberSortCustom + c.Field.Slug
	}
	return ""
}

// memberCell is one chosen column's cell of an overview row.
type memberCell struct {
	Text   string
	Label  string // the column's name (the card's label on a narrow screen)
	Groups bool   // the groups column: the row's badges instead of Text
	Num    bool   // right-aligned
	Nowrap bool   // dates: never broken
}

// memberCellWords are the words a page's cells use, translated once.
type memberCellWords struct {
	lang, yes, no string
	labels        []string // the chosen columns' names
}

// memberCells are the chosen columns' cells of row.
func memberCells(w *memberCellWords, chosen []membership.MemberColumn, row membership.MemberRow) []memberCell {
	lang := w.lang
	cells := make([]memberCell, len(chosen))
	for i, c := range chosen {
		cell := memberCell{Label: w.labels[i]}
		switch c.Key {
		case membership.ColEmail:
			cell.Text = row.Email
		case membership.ColPhone:
			cell.Text = row.Phone
		case membership.ColStreet:
			cell.Text = row.Street
		case membership.ColHouseNumber:
			cell.Text = row.HouseNumber
		case membership.ColPostalCode:
			cell.Text = row.PostalCode
		case membership.ColCity:
			cell.Text = row.City
		case membership.ColCountry:
			cell.Text = row.Country
		case membership.ColNotes:
			cell.Text = row.Notes
		case membership.ColJoinDate:
			cell.Text, cell.Nowrap = formatDate(lang, row.JoinDate), true
		case membership.ColExitDate:
			if row.ExitDate != nil {
				cell.Text = formatDate(lang, *row.ExitDate)
			}
			cell.Nowrap = true
		case membership.ColMemberSince:
			if !row.MemberSince.IsZero() {
				cell.Text = formatDate(lang, row.MemberSince)
			}
			cell.Nowrap = true
		case membership.ColGroups:
			cell.Groups = true
		case membership.ColGroupCount:
			cell.Text, cell.Num = formatInt(lang, row.GroupCount), true
		default:
			if c.Field != nil {
				cell.Text = memberCustomText(lang, w.yes, w.no, *c.Field, row.Custom[c.Field.Slug])
				cell.Num = c.Kind == membership.KindInt
				cell.Nowrap = c.Kind == membership.KindDate
			}
		}
		cells[i] = cell
	}
	return cells
}

// columnsPage is what memberColumnsView shows.
type columnsPage struct {
	Items []columnsItem
	// View is the overview to go back to (without cols: the saved
	// choice applies there).
	View string
	// Status says what the last move did ("" for none), for the live region.
	Status string
}

// columnsItem is one column of the chooser.
type columnsItem struct {
	Key, Label string
	Shown      bool
	Pos        int // 1-based
}

// memberColumnsShow is the chooser for the view given by the overview's
// own parameters.
func (a *App) memberColumnsShow(w http.ResponseWriter, r *http.Request) {
	actor := actorFrom(r)
	if actor.Scope(authz.Member, authz.Read) != authz.All {
		a.forbidden(w, r)
		return
	}
	cols, _, ok := a.overviewColumns(w, r, actor)
	if !ok {
		return
	}
	available, err := a.members.OverviewColumns(r.Context(), actor)
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	chosen := membership.PickOverviewColumns(available, cols)
	q := memberQueryFromURL(overviewURLQuery(r))
	q.Columns = nil
	order := membership.ColumnKeys(chosen)
	for _, c := range available {
		if !slices.Contains(order, c.Key) {
			order = append(order, c.Key)
		}
	}
	p := a.columnsData(r, available, order, membership.ColumnKeys(chosen), memberListURL(q))
	a.render(w, r, http.StatusOK, pageView(memberColumnsView, p))
}

// columnsData builds the chooser's items in order, shown ticked.
func (a *App) columnsData(r *http.Request, available []membership.MemberColumn, order, shown []string, view string) columnsPage {
	T := func(id string, kv ...any) string { return a.T(r, id, kv...) }
	p := columnsPage{View: view}
	for _, k := range order {
		i := slices.IndexFunc(available, func(c membership.MemberColumn) bool { return c.Key == k })
		if i < 0 {
			continue
		}
		p.Items = append(p.Items, columnsItem{Key: k, Label: memberColumnLabel(T, available[i]), Shown: slices.Contains(shown, k), Pos: len(p.Items) + 1})
	}
	return p
}

// memberColumnsSave handles the chooser's buttons: move a column up or
// down (the form comes back reordered, nothing is saved), save the ticked
// columns in their order as the viewer's choice, or reset it to the
// default; saving and resetting go back to the overview.
func (a *App) memberColumnsSave(w http.ResponseWriter, r *http.Request) {
	actor := actorFrom(r)
	if actor.Scope(authz.Member, authz.Read) != authz.All {
		a.forbidden(w, r)
		return
	}
	if !a.parseForm(w, r) {
		return
	}
	f := r.PostForm
	view := safeReturnTo(f.Get("view"))
	if !strings.HasPrefix(view, "/members") {
		view = "/members"
	}
	order, shown := f["order"], f["show"]
	for _, keys := range [][]string{order, shown} {
		if len(keys) > membership.OverviewColumnsMax {
			a.badColumns(w, r)
			return
		}
		for _, k := range keys {
			if !membership.WellFormedColumnKey(k) {
				a.badColumns(w, r)
				return
			}
		}
	}
	available, err := a.members.OverviewColumns(r.Context(), actor)
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	// The order as posted (columns gone since are dropped), then any
	// column the form did not know.
	var keys []string
	for _, k := range order {
		if slices.ContainsFunc(available, func(c membership.MemberColumn) bool { return c.Key == k }) && !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	for _, c := range available {
		if !slices.Contains(keys, c.Key) {
			keys = append(keys, c.Key)
		}
	}
	switch op := f.Get("op"); {
	case op == "save":
		save := []string{} // nothing ticked is a choice too: only the name
		for _, k := range keys {
			if slices.Contains(shown, k) {
				save = append(save, k)
			}
		}
		if err := a.columns.Save(r.Context(), actor, save); err != nil {
			a.errorResponse(w, r, err)
			return
		}
		a.flashSuccess(r, "ColumnsSaved")
		http.Redirect(w, r, view, http.StatusSeeOther)
	case op == "reset":
		if err := a.columns.Save(r.Context(), actor, nil); err != nil {
			a.errorResponse(w, r, err)
			return
		}
		a.flashSuccess(r, "ColumnsReset")
		http.Redirect(w, r, view, http.StatusSeeOther)
	case strings.HasPrefix(op, "up:") || strings.HasPrefix(op, "down:"):
		dir, key, _ := strings.Cut(op, ":")
		i := slices.Index(keys, key)
		if i < 0 {
			a.badColumns(w, r)
			return
		}
		j := i - 1
		if dir == "down" {
			j = i + 1
		}
		if j >= 0 && j < len(keys) {
			keys[i], keys[j] = keys[j], keys[i]
		} else {
			j = i
		}
		p := a.columnsData(r, available, keys, shown, view)
		p.Status = a.T(r, "ColumnsMoved", "Column", p.Items[j].Label, "Pos", strconv.Itoa(j+1), "Count", strconv.Itoa(len(p.Items)))
		a.render(w, r, http.StatusOK, pageView(memberColumnsView, p))
	default:
		a.badColumns(w, r)
	}
}

// memberClipChars: a longer value is clipped to a few lines on screen.
const memberClipChars = 60

// long reports whether the cell's text is clipped on screen.
func (c *memberCell) long() bool { return len(c.Text) > memberClipChars }

// memberCustomText is a custom value for reading (memberCustomDisplay's
// rules, with the words translated once per page).
func memberCustomText(lang, yes, no string, f membership.CustomField, value string) string {
	switch {
	case f.ValueType == membership.CustomFieldBoolean:
		if value == "true" {
			return yes
		}
		return no
	case value == "":
		return ""
	case f.ValueType == membership.CustomFieldDate:
		if t, err := time.Parse(time.DateOnly, value); err == nil {
			return formatDate(lang, t)
		}
	}
	return value
}
