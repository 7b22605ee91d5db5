package web

import (
	"net/http"
	"net/url"

	"mila/internal/membership"
)

// groupDeletePage is what groupDeleteView (the confirmation page,
// without JavaScript) and groupDeleteDialog (with it) show: the same
// warning and form.
type groupDeletePage struct {
	Group membership.Group
	Form  *Form
}

// groupDeleteConfirm shows the delete confirmation. For htmx (the script
// behind the Delete button) it answers only the <dialog>, which the
// script opens in place; otherwise the whole confirmation page.
func (a *App) groupDeleteConfirm(w http.ResponseWriter, r *http.Request) {
	g, ok := a.groupFromPath(w, r)
	if !ok {
		return
	}
	p := groupDeletePage{Group: g, Form: newForm(nil)}
	if isHTMX(r) {
		a.render(w, r, http.StatusOK, pageView(groupDeleteDialog, p))
		return
	}
	a.render(w, r, http.StatusOK, pageView(groupDeleteView, p))
}

// groupDelete deletes the group when confirm_name is exactly its name —
// the server checks what the dialog's disabled button only suggests. On
// a mismatch nothing is deleted and the confirmation page comes back
// (422) with the error at the field.
func (a *App) groupDelete(w http.ResponseWriter, r *http.Request) {
	g, ok := a.groupFromPath(w, r)
	if !ok {
		return
	}
	if !a.parseForm(w, r) {
		return
	}
	typed := r.PostForm.Get("confirm_name")
	if typed != g.Name {
		f := newForm(url.Values{"confirm_name": {typed}})
		f.Add("confirm_name", groupFieldLabels["confirm_name"], "GroupDeleteNameMismatch", "Name", g.Name)
		a.render(w, r, http.StatusUnprocessableEntity, pageView(groupDeleteView, groupDeletePage{Group: g, Form: f}))
		return
	}
	if err := a.groups.DeleteGroup(r.Context(), actorFrom(r), g.ID); err != nil {
		a.errorResponse(w, r, err)
		return
	}
	a.flashSuccess(r, "GroupDeleted", "Name", g.Name)
	http.Redirect(w, r, "/groups", http.StatusSeeOther)
}
