package web

import (
	"net/http"
	"net/url"
	"strings"

	"mila/internal/membership"
)

// listIndexPage is what listIndexView shows.
type listIndexPage struct {
	Lists []listRow
}

// listRow is one saved list with its links.
type listRow struct {
	membership.SavedList
	OpenURL string
	Export  []exportLink
}

// listIndex shows the lists the actor sees: their own and the shared ones.
func (a *App) listIndex(w http.ResponseWriter, r *http.Request) {
	lists, err := a.lists.List(r.Context(), actorFrom(r))
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	p := listIndexPage{}
	for _, l := range lists {
		id := l.ID
		p.Lists = append(p.Lists, listRow{SavedList: l, OpenURL: "/lists/" + id,
			Export: exportLinks(func(f string) string { return "/lists/" + id + "/export?format=" + f })})
	}
	a.render(w, r, http.StatusOK, pageView(listIndexView, p))
}

// listFormPage is the form to save a view (List nil) or to rename and
// share a list.
type listFormPage struct {
	Form  *Form
	List  *membership.SavedList
	Query membership.MemberQuery // the view being saved
	// ViewURL is the overview of the view, Description it in words.
	ViewURL, Description string
}

// listNew shows the form that saves the overview view given by the
// overview's own parameters.
func (a *App) listNew(w http.ResponseWriter, r *http.Request) {
	q, err := listQueryFromForm(r.URL.Query())
	if err != nil {
		a.badColumns(w, r)
		return
	}
	a.render(w, r, http.StatusOK, pageView(listFormView, a.listFormData(r, newForm(nil), nil, q)))
}

func (a *App) listFormData(r *http.Request, f *Form, l *membership.SavedList, q membership.MemberQuery) listFormPage {
	T := func(id string, kv ...any) string { return a.T(r, id, kv...) }
	searching := q.Q != ""
	p := listFormPage{Form: f, List: l, Query: q, ViewURL: memberListURL(q)}
	d := memberViewDescription(T, q, searching, q.Group, memberSortLabel(T, "", q.Sort))
	if q.Group == membership.MemberGroupNone {
		d = memberViewDescription(T, q, searching, "", memberSortLabel(T, "", q.Sort))
	}
	if q.Columns != nil {
		// The columns the list keeps, by name.
		if available, err := a.members.OverviewColumns(r.Context(), actorFrom(r)); err == nil {
			var names []string
			for _, c := range membership.PickOverviewColumns(available, q.Columns) {
				names = append(names, memberColumnLabel(T, c))
			}
			d = append(d, T("ListColumns", "Columns", strings.Join(append([]string{T("MembersColName")}, names...), ", ")))
		}
	}
	p.Description = strings.Join(d, " · ")
	return p
}

// listQueryFromForm reads the saved view from the form's hidden fields
// (the overview's parameter names); only a malformed cols is an error.
func listQueryFromForm(v url.Values) (membership.MemberQuery, error) {
	q := memberQueryFromURL(v)
	q.Page = 0
	cols, _, err := overviewColumnsFromURL(v)
	q.Columns = cols
	return q, err
}

// listCreate saves the view under the typed name.
func (a *App) listCreate(w http.ResponseWriter, r *http.Request) {
	if !a.parseForm(w, r) {
		return
	}
	q, err := listQueryFromForm(r.PostForm)
	if err != nil {
		a.badColumns(w, r)
		return
	}
	f := newForm(url.Values{"name": {r.PostForm.Get("name")}, "shared": {r.PostForm.Get("shared")}})
	l, err := a.lists.Create(r.Context(), actorFrom(r), membership.SavedListInput{
		Name: r.PostForm.Get("name"), Shared: r.PostForm.Get("shared") == "on"}, q)
	if addDomainErrors(f, err, listFieldLabels) {
		a.render(w, r, http.StatusUnprocessableEntity, pageView(listFormView, a.listFormData(r, f, nil, q)))
		return
	}
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	a.flashSuccess(r, "ListSaved", "Name", l.Name)
	http.Redirect(w, r, "/lists", http.StatusSeeOther)
}

// listOpen opens the list: the overview with its view (live).
func (a *App) listOpen(w http.ResponseWriter, r *http.Request) {
	l, ok := a.listFromPath(w, r)
	if !ok {
		return
	}
	http.Redirect(w, r, memberListURL(l.Query), http.StatusSeeOther)
}

// listExport exports the list in one click: the overview export of its view.
func (a *App) listExport(w http.ResponseWriter, r *http.Request) {
	l, ok := a.listFromPath(w, r)
	if !ok {
		return
	}
	format := r.URL.Query().Get("format")
	if _, ok := exportFormats[format]; !ok {
		a.exportFormatChoice(w, r, func(f string) string { return "/lists/" + l.ID + "/export?format=" + f })
		return
	}
	// The list's columns, or (a list that keeps none) the opener's.
	actor := actorFrom(r)
	cols := l.Query.Columns
	if cols == nil {
		var err error
		if cols, err = a.columns.Get(r.Context(), actor); err != nil {
			a.errorResponse(w, r, err)
			return
		}
	}
	available, err := a.members.OverviewColumns(r.Context(), actor)
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	q := l.Query
	q.Columns = exportColumnKeys(membership.PickOverviewColumns(available, cols))
	http.Redirect(w, r, memberExportURL(q, format), http.StatusSeeOther)
}

// listEdit shows the rename and share form of an own list.
func (a *App) listEdit(w http.ResponseWriter, r *http.Request) {
	l, ok := a.listFromPath(w, r)
	if !ok {
		return
	}
	if !l.CanChange {
		a.forbidden(w, r)
		return
	}
	f := newForm(url.Values{"name": {l.Name}, "shared": {checkbox(l.Shared)}})
	a.render(w, r, http.StatusOK, pageView(listFormView, a.listFormData(r, f, &l, l.Query)))
}

func checkbox(on bool) string {
	if on {
		return "on"
	}
	return ""
}

// listUpdate renames an own list and sets whether it is shared.
func (a *App) listUpdate(w http.ResponseWriter, r *http.Request) {
	l, ok := a.listFromPath(w, r)
	if !ok {
		return
	}
	if !a.parseForm(w, r) {
		return
	}
	f := newForm(url.Values{"name": {r.PostForm.Get("name")}, "shared": {r.PostForm.Get("shared")}})
	saved, err := a.lists.Update(r.Context(), actorFrom(r), l.ID, membership.SavedListInput{
		Name: r.PostForm.Get("name"), Shared: r.PostForm.Get("shared") == "on"})
	if addDomainErrors(f, err, listFieldLabels) {
		a.render(w, r, http.StatusUnprocessableEntity, pageView(listFormView, a.listFormData(r, f, &l, l.Query)))
		return
	}
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	a.flashSuccess(r, "ListRenamed", "Name", saved.Name)
	http.Redirect(w, r, "/lists", http.StatusSeeOther)
}

// listDeleteConfirm asks before deleting an own list.
func (a *App) listDeleteConfirm(w http.ResponseWriter, r *http.Request) {
	l, ok := a.listFromPath(w, r)
	if !ok {
		return
	}
	if !l.CanChange {
		a.forbidden(w, r)
		return
	}
	a.render(w, r, http.StatusOK, pageView(listDeleteView, l))
}

// listDelete deletes an own list (the members stay, of course).
func (a *App) listDelete(w http.ResponseWriter, r *http.Request) {
	l, ok := a.listFromPath(w, r)
	if !ok {
		return
	}
	if err := a.lists.Delete(r.Context(), actorFrom(r), l.ID); err != nil {
		a.errorResponse(w, r, err)
		return
	}
	a.flashSuccess(r, "ListDeleted", "Name", l.Name)
	http.Redirect(w, r, "/lists", http.StatusSeeOther)
}

// listNewURL is the form that saves the overview view q.
func listNewURL(q membership.MemberQuery) string {
	q.Page = 0
	u := memberListURL(q)
	if i := len("/members"); len(u) > i {
		return "/lists/new" + u[i:]
	}
	return "/lists/new"
}
