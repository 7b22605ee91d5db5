package web

import (
	"net/http"
	"net/url"

	"mila/internal/membership"
)

// fieldDeletePage is what fieldDeleteView (the confirmation page, without
// JavaScript) and fieldDeleteDialog (with it) show: the same warning and
// the form that asks for the field's name — like deleting a group.
type fieldDeletePage struct {
	Field membership.CustomField
	Form  *Form
}

// fieldDeleteConfirm asks before deleting a custom field, saying how many
// members have a value that would go with it (the members stay). For
// htmx (the script behind the Delete link) it answers only the <dialog>.
func (a *App) fieldDeleteConfirm(w http.ResponseWriter, r *http.Request) {
	cf, err := a.fields.Get(r.Context(), actorFrom(r), r.PathValue("id"))
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	p := fieldDeletePage{Field: cf, Form: newForm(nil)}
	if isHTMX(r) {
		a.render(w, r, http.StatusOK, pageView(fieldDeleteDialog, p))
		return
	}
	a.render(w, r, http.StatusOK, pageView(fieldDeleteView, p))
}

// fieldDelete deletes the field when confirm_name is exactly its name;
// on a mismatch nothing is deleted and the confirmation page comes back
// (422) with the error at the field.
func (a *App) fieldDelete(w http.ResponseWriter, r *http.Request) {
	actor := actorFrom(r)
	cf, err := a.fields.Get(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	if !a.parseForm(w, r) {
		return
	}
	typed := r.PostForm.Get("confirm_name")
	if typed != cf.Name {
		f := newForm(url.Values{"confirm_name": {typed}})
		f.Add("confirm_name", "FieldDeleteConfirmLabel", "FieldDeleteNameMismatch", "Name", cf.Name)
		a.render(w, r, http.StatusUnprocessableEntity, pageView(fieldDeleteView, fieldDeletePage{Field: cf, Form: f}))
		return
	}
	if err := a.fields.Delete(r.Context(), actor, cf.ID); err != nil {
		a.errorResponse(w, r, err)
		return
	}
	a.flashSuccess(r, "FieldDeleted", "Name", cf.Name)
	http.Redirect(w, r, "/admin/fields", http.StatusSeeOther)
}
