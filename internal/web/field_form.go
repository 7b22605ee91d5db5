package web

import (
	"net/http"
	"net/url"

	"mila/internal/membership"
)

// fieldFormPage is what fieldFormView shows (new and edit).
type fieldFormPage struct {
	Form   *Form
	IsNew  bool
	Field  membership.CustomField // edit only
	Action string
	Types  []memberListOption
}

var fieldLabels = map[string]string{
	"name":        "FieldFieldName",
	"value_type":  "FieldFieldType",
	"description": "FieldFieldDescription",
	"unique":      "FieldFieldUnique",
	"birth_date":  "FieldFieldBirthDate",
}

func fieldInputFrom(f *Form) membership.CustomFieldInput {
	unique := f.Values.Get("unique") != ""
	return membership.CustomFieldInput{
		Unique:         &unique,
		Name:           f.Values.Get("name"),
		ValueType:      f.Values.Get("value_type"),
		Required:       f.Values.Get("required") != "",
		ShowInOverview: f.Values.Get("show_in_overview") != "",
		MemberEditable: f.Values.Get("member_editable") != "",
		Description:    f.Values.Get("description"),
		BirthDate:      new(f.Values.Get("birth_date") != ""),
	}
}

func (a *App) fieldNew(w http.ResponseWriter, r *http.Request) {
	f := newForm(nil)
	f.Set("value_type", membership.CustomFieldString)
	a.renderFieldForm(w, r, http.StatusOK, fieldFormPage{Form: f, IsNew: true})
}

func (a *App) fieldCreate(w http.ResponseWriter, r *http.Request) {
	if !a.parseForm(w, r) {
		return
	}
	f := newForm(r.PostForm)
	cf, err := a.fields.Create(r.Context(), actorFrom(r), fieldInputFrom(f))
	if addDomainErrors(f, err, fieldLabels) {
		a.renderFieldForm(w, r, http.StatusUnprocessableEntity, fieldFormPage{Form: f, IsNew: true})
		return
	}
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	a.flashSuccess(r, "FieldCreated", "Name", cf.Name)
	http.Redirect(w, r, "/admin/fields", http.StatusSeeOther)
}

func (a *App) fieldEdit(w http.ResponseWriter, r *http.Request) {
	cf, err := a.fields.Get(r.Context(), actorFrom(r), r.PathValue("id"))
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	v := url.Values{}
	v.Set("name", cf.Name)
	v.Set("value_type", cf.ValueType)
	v.Set("description", cf.Description)
	if cf.Required {
		v.Set("required", "on")
	}
	if cf.ShowInOverview {
		v.Set("show_in_overview", "on")
	}
	if cf.MemberEditable {
		v.Set("member_editable", "on")
	}
	if cf.Unique {
		v.Set("unique", "on")
	}
	if cf.BirthDate {
		v.Set("birth_date", "on")
	}
	a.renderFieldForm(w, r, http.StatusOK, fieldFormPage{Form: newForm(v), Field: cf})
}

func (a *App) fieldUpdate(w http.ResponseWriter, r *http.Request) {
	if !a.parseForm(w, r) {
		return
	}
	actor := actorFrom(r)
	current, err := a.fields.Get(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	f := newForm(r.PostForm)
	cf, err := a.fields.Update(r.Context(), actor, current.ID, fieldInputFrom(f))
	if addDomainErrors(f, err, fieldLabels) {
		a.renderFieldForm(w, r, http.StatusUnprocessableEntity, fieldFormPage{Form: f, Field: current})
		return
	}
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	a.flashSuccess(r, "FieldSaved", "Name", cf.Name)
	http.Redirect(w, r, "/admin/fields", http.StatusSeeOther)
}

func (a *App) renderFieldForm(w http.ResponseWriter, r *http.Request, status int, p fieldFormPage) {
	if p.IsNew {
		p.Action = "/admin/fields"
	} else {
		p.Action = "/admin/fields/" + p.Field.ID
	}
	for _, t := range membership.CustomFieldTypes {
		p.Types = append(p.Types, memberListOption{Value: t, LabelID: memberTypeLabel(t)})
	}
	a.render(w, r, status, pageView(fieldFormView, p))
}
