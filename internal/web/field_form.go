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
	// Options is the options section of a choice field's page (edit).
	Options fieldOptionsPart
	// WasRequired: the stored field is required (edit), so the count of
	// members without a value is no news.
	WasRequired bool
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
	if cf.IsChoice() {
		// A choice field needs its options next: they are on its page.
		a.flashSuccess(r, "FieldAddOptionsNext")
		http.Redirect(w, r, "/admin/fields/"+cf.ID+"/edit#options", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/admin/fields", http.StatusSeeOther)
}

func (a *App) fieldEdit(w http.ResponseWriter, r *http.Request) {
	cf, err := a.fields.Get(r.Context(), actorFrom(r), r.PathValue("id"))
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	q := r.URL.Query()
	a.renderFieldEdit(w, r, http.StatusOK, cf, fieldOptionsPart{Moved: q.Get("moved"), Dir: q.Get("dir")})
}

// fieldFormValues is the field form filled with the stored field.
func fieldFormValues(cf membership.CustomField) url.Values {
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
	return v
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
		a.renderFieldForm(w, r, http.StatusUnprocessableEntity, fieldFormPage{Form: f, Field: current, Options: fieldOptionsPart{Add: newForm(nil)}})
		return
	}
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	a.flashSuccess(r, "FieldSaved", "Name", cf.Name)
	if cf.Required && !current.Required && cf.Missing > 0 {
		// Newly required: the members without a value keep their records
		// and are asked for it when next edited.
		a.flashSuccessN(r, "FieldNowRequired", cf.Missing)
	}
	http.Redirect(w, r, "/admin/fields", http.StatusSeeOther)
}

func (a *App) renderFieldForm(w http.ResponseWriter, r *http.Request, status int, p fieldFormPage) {
	if p.IsNew {
		p.Action = "/admin/fields"
	} else {
		p.Action = "/admin/fields/" + p.Field.ID
		p.WasRequired = p.Field.Required
		if p.Field.IsChoice() && p.Options.Uses == nil {
			uses, err := a.fields.OptionUses(r.Context(), actorFrom(r), p.Field.ID)
			if err != nil {
				a.errorResponse(w, r, err)
				return
			}
			p.Options.Uses = uses
		}
		if p.Options.Add == nil {
			p.Options.Add = newForm(nil)
		}
	}
	for _, t := range membership.CustomFieldTypes {
		p.Types = append(p.Types, memberListOption{Value: t, LabelID: memberTypeLabel(t)})
	}
	a.render(w, r, status, pageView(fieldFormView, p))
}
