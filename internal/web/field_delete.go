package web

import (
	"net/http"
)

// fieldDeleteConfirm asks before deleting a custom field, saying how many
// members have a value that would go with it.
func (a *App) fieldDeleteConfirm(w http.ResponseWriter, r *http.Request) {
	cf, err := a.fields.Get(r.Context(), actorFrom(r), r.PathValue("id"))
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	a.render(w, r, http.StatusOK, pageView(fieldDeleteView, fieldFormPage{Field: cf}))
}

func (a *App) fieldDelete(w http.ResponseWriter, r *http.Request) {
	actor := actorFrom(r)
	cf, err := a.fields.Get(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	if err := a.fields.Delete(r.Context(), actor, cf.ID); err != nil {
		a.errorResponse(w, r, err)
		return
	}
	a.flashSuccess(r, "FieldDeleted", "Name", cf.Name)
	http.Redirect(w, r, "/admin/fields", http.StatusSeeOther)
}
