package web

import (
	"net/http"
	"net/url"
	"strings"

	"mila/internal/membership"
	"mila/internal/validate"
)

// fieldOptionsPart is the options section of a choice field's page:
// the options with how many members have each, the add form, and the
// form of an option whose rename failed.
type fieldOptionsPart struct {
	Uses    map[string]int
	Add     *Form
	Renamed string // option id whose rename form has an error
	Rename  *Form
	// Moved and Dir: the option just moved (focus stays on its button).
	Moved, Dir string
}

// fieldOptionDeletePage is the confirmation of removing an option.
type fieldOptionDeletePage struct {
	Field  membership.CustomField
	Option membership.CustomFieldOption
	Uses   int
	Others []membership.CustomFieldOption
	Form   *Form
}

var fieldOptionLabels = map[string]string{
	"label":  "FieldOptionText",
	"values": "FieldOptionValues",
	"target": "FieldOptionTarget",
}

// moveDelta reads the direction of a move button: up -1, down +1.
func moveDelta(r *http.Request) (int, bool) {
	switch r.PostForm.Get("direction") {
	case "up":
		return -1, true
	case "down":
		return 1, true
	}
	return 0, false
}

// fieldMove moves a data field one place up or down, then back to the
// list with focus on the same button (autofocus; no fragment in the
// address, which would make the browser skip autofocus).
func (a *App) fieldMove(w http.ResponseWriter, r *http.Request) {
	if !a.parseForm(w, r) {
		return
	}
	delta, ok := moveDelta(r)
	if !ok {
		a.clientError(w, r, http.StatusBadRequest)
		return
	}
	id := r.PathValue("id")
	if err := a.fields.Move(r.Context(), actorFrom(r), id, delta); err != nil {
		a.errorResponse(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/fields?"+url.Values{"moved": {id}, "dir": {r.PostForm.Get("direction")}}.Encode(), http.StatusSeeOther)
}

// choiceFieldFromPath is the choice field named by the path, or an
// answered 404.
func (a *App) choiceFieldFromPath(w http.ResponseWriter, r *http.Request) (membership.CustomField, bool) {
	cf, err := a.fields.Get(r.Context(), actorFrom(r), r.PathValue("id"))
	if err == nil && !cf.IsChoice() {
		err = membership.ErrNotFound
	}
	if err != nil {
		a.errorResponse(w, r, err)
		return cf, false
	}
	return cf, true
}

// renderFieldEdit shows a field's page (the form over the stored field)
// with the options section in the state opts gives.
func (a *App) renderFieldEdit(w http.ResponseWriter, r *http.Request, status int, cf membership.CustomField, opts fieldOptionsPart) {
	if cf.IsChoice() && opts.Uses == nil {
		uses, err := a.fields.OptionUses(r.Context(), actorFrom(r), cf.ID)
		if err != nil {
			a.errorResponse(w, r, err)
			return
		}
		opts.Uses = uses
	}
	if opts.Add == nil {
		opts.Add = newForm(nil)
	}
	a.renderFieldForm(w, r, status, fieldFormPage{Form: newForm(fieldFormValues(cf)), Field: cf, Options: opts})
}

func (a *App) fieldOptionAdd(w http.ResponseWriter, r *http.Request) {
	if !a.parseForm(w, r) {
		return
	}
	cf, ok := a.choiceFieldFromPath(w, r)
	if !ok {
		return
	}
	f := newForm(r.PostForm)
	o, err := a.fields.AddOption(r.Context(), actorFrom(r), cf.ID, f.Get("label"))
	if addDomainErrors(f, err, fieldOptionLabels) {
		a.renderFieldEdit(w, r, http.StatusUnprocessableEntity, cf, fieldOptionsPart{Add: f})
		return
	}
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	a.flashSuccess(r, "FieldOptionAdded", "Option", o.Label)
	http.Redirect(w, r, "/admin/fields/"+cf.ID+"/edit#options", http.StatusSeeOther)
}

func (a *App) fieldOptionRename(w http.ResponseWriter, r *http.Request) {
	if !a.parseForm(w, r) {
		return
	}
	cf, ok := a.choiceFieldFromPath(w, r)
	if !ok {
		return
	}
	o, ok := cf.Option(r.PathValue("option"))
	if !ok {
		a.clientError(w, r, http.StatusNotFound)
		return
	}
	f := newForm(r.PostForm)
	err := a.fields.RenameOption(r.Context(), actorFrom(r), cf.ID, o.ID, f.Get("label"))
	if addDomainErrors(f, err, fieldOptionLabels) {
		a.renderFieldEdit(w, r, http.StatusUnprocessableEntity, cf, fieldOptionsPart{Renamed: o.ID, Rename: f})
		return
	}
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	a.flashSuccess(r, "FieldOptionRenamed", "Old", o.Label, "Option", strings.TrimSpace(validate.Clean(f.Get("label"))))
	http.Redirect(w, r, "/admin/fields/"+cf.ID+"/edit#options", http.StatusSeeOther)
}

func (a *App) fieldOptionMove(w http.ResponseWriter, r *http.Request) {
	if !a.parseForm(w, r) {
		return
	}
	delta, ok := moveDelta(r)
	if !ok {
		a.clientError(w, r, http.StatusBadRequest)
		return
	}
	cf, ok := a.choiceFieldFromPath(w, r)
	if !ok {
		return
	}
	opt := r.PathValue("option")
	if err := a.fields.MoveOption(r.Context(), actorFrom(r), cf.ID, opt, delta); err != nil {
		a.errorResponse(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/fields/"+cf.ID+"/edit?"+url.Values{"moved": {opt}, "dir": {r.PostForm.Get("direction")}}.Encode(), http.StatusSeeOther)
}

// fieldOptionDeletePageFor is the confirmation page's model.
func (a *App) fieldOptionDeletePageFor(w http.ResponseWriter, r *http.Request) (fieldOptionDeletePage, bool) {
	cf, ok := a.choiceFieldFromPath(w, r)
	if !ok {
		return fieldOptionDeletePage{}, false
	}
	o, ok := cf.Option(r.PathValue("option"))
	if !ok {
		a.clientError(w, r, http.StatusNotFound)
		return fieldOptionDeletePage{}, false
	}
	uses, err := a.fields.OptionUses(r.Context(), actorFrom(r), cf.ID)
	if err != nil {
		a.errorResponse(w, r, err)
		return fieldOptionDeletePage{}, false
	}
	p := fieldOptionDeletePage{Field: cf, Option: o, Uses: uses[o.ID], Form: newForm(nil)}
	for _, other := range cf.Options {
		if other.ID != o.ID {
			p.Others = append(p.Others, other)
		}
	}
	return p, true
}

// fieldOptionDeleteConfirm asks before removing an option; for a used
// one it asks what happens to the members' values.
func (a *App) fieldOptionDeleteConfirm(w http.ResponseWriter, r *http.Request) {
	p, ok := a.fieldOptionDeletePageFor(w, r)
	if !ok {
		return
	}
	a.render(w, r, http.StatusOK, pageView(fieldOptionDeleteView, p))
}

func (a *App) fieldOptionDelete(w http.ResponseWriter, r *http.Request) {
	if !a.parseForm(w, r) {
		return
	}
	p, ok := a.fieldOptionDeletePageFor(w, r)
	if !ok {
		return
	}
	p.Form = newForm(r.PostForm)
	mode := p.Form.Get("values")
	switch mode {
	case membership.OptionValuesKeep, membership.OptionValuesClear, membership.OptionValuesMove:
	default:
		p.Form.Add("values", fieldOptionLabels["values"], "ErrInvalid")
	}
	var err error
	if len(p.Form.Errors) == 0 {
		err = a.fields.RemoveOption(r.Context(), actorFrom(r), p.Field.ID, p.Option.ID, mode, p.Form.Get("target"))
	}
	if len(p.Form.Errors) > 0 || addDomainErrors(p.Form, err, fieldOptionLabels) {
		if fe, ok := p.Form.Errors["values"]; ok && fe.MsgID == membership.ErrCustomFieldOptionInUse {
			if n, ok := fe.Data["Count"].(int); ok && n > p.Uses {
				p.Uses = n // given to members meanwhile
			}
		}
		a.render(w, r, http.StatusUnprocessableEntity, pageView(fieldOptionDeleteView, p))
		return
	}
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	a.flashSuccess(r, "FieldOptionRemoved", "Option", p.Option.Label)
	http.Redirect(w, r, "/admin/fields/"+p.Field.ID+"/edit#options", http.StatusSeeOther)
}
