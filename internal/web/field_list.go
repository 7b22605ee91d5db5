package web

import (
	"net/http"

	"mila/internal/membership"
)

// fieldListPage is what fieldListView shows.
type fieldListPage struct {
	Fields []fieldListRow
	// Moved and Dir: the field just moved (focus stays on its button).
	Moved, Dir string
}

type fieldListRow struct {
	membership.CustomField
	TypeLabelID string
}

// fieldList shows the custom data fields (admin).
func (a *App) fieldList(w http.ResponseWriter, r *http.Request) {
	fields, err := a.fields.List(r.Context(), actorFrom(r))
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	p := fieldListPage{Moved: r.URL.Query().Get("moved"), Dir: r.URL.Query().Get("dir")}
	for _, f := range fields {
		p.Fields = append(p.Fields, fieldListRow{CustomField: f, TypeLabelID: memberTypeLabel(f.ValueType)})
	}
	a.render(w, r, http.StatusOK, pageView(fieldListView, p))
}
