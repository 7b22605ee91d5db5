package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"mila/internal/authz"
	"mila/internal/membership"
)

// memberFormPage is what memberFormView shows (new and edit).
type memberFormPage struct {
	Form     *Form
	IsNew    bool
	Member   membership.Member // the member being edited (edit only)
	Action   string            // where the form posts
	Cancel   string            // where Cancel goes
	Custom   []memberFormCustom
	Summary  []memberFormProblem
	Conflict bool // someone else saved meanwhile
	Max      map[string]int
	// SelfEdit: the actor edits their own record (own_data): join and
	// exit date and notes are read-only, as are the custom fields not
	// marked MemberEditable (memberFormCustom.ReadOnly). The domain
	// refuses changes to them anyway; this only shows it.
	SelfEdit bool
	// SharedEmail: other members with the form's email (a household),
	// named under the field — not refused (member_family.go).
	SharedEmail []membership.MemberRef
	// Duplicates: members the new one looks like (create only); the
	// form asks whether to save anyway.
	Duplicates []membership.MemberRef
}

// memberFormCustom is one custom field's input.
type memberFormCustom struct {
	Field     membership.CustomField
	Name, ID  string // form name cf_<slug>, element id
	Value     string
	Checked   bool   // booleans
	InputType string // text, number, date, email, checkbox
	ReadOnly  bool   // SelfEdit and the field is not MemberEditable
	Error     *FieldError
	// Choices are a choice field's options (InputType "select" or
	// "checkboxes"), Chosen the ids ticked or selected.
	Choices []membership.CustomFieldOption
	Chosen  map[string]bool
	// NowRequired: the field is required but this stored member has no
	// value (it became required after the member was saved): the form
	// says so beside the field before anyone presses Save.
	NowRequired bool
}

// memberFormProblem is one line of the error summary; custom fields are
// named by their (untranslated) name.
type memberFormProblem struct {
	Field, Label string
	Error        FieldError
}

// memberFormValues are the form's values for an existing member.
func memberFormValues(m membership.Member) url.Values {
	v := url.Values{}
	v.Set("first_name", m.FirstName)
	v.Set("last_name", m.LastName)
	v.Set("email", m.Email)
	v.Set("phone", m.Phone)
	v.Set("street", m.Street)
	v.Set("house_number", m.HouseNumber)
	v.Set("postal_code", m.PostalCode)
	v.Set("city", m.City)
	v.Set("country", m.Country)
	v.Set("join_date", m.JoinDate.Format("2006-01-02"))
	if m.ExitDate != nil {
		v.Set("exit_date", m.ExitDate.Format("2006-01-02"))
	}
	v.Set("notes", m.Notes)
	v.Set("version", strconv.Itoa(m.Version))
	for slug, value := range m.Custom {
		v.Set("cf_"+slug, value)
	}
	return v
}

// memberInputFrom reads the submitted form. Field names are the column
// names; custom fields are cf_<slug> (CustomField.FormName) — every one
// sent is passed on, and the domain reads those of its fields (a field
// not sent, such as an unticked box, counts as empty).
func memberInputFrom(f *Form) membership.MemberInput {
	version, _ := strconv.Atoi(f.Get("version"))
	in := membership.MemberInput{
		FirstName: f.Values.Get("first_name"), LastName: f.Values.Get("last_name"), Email: f.Values.Get("email"),
		Phone: f.Values.Get("phone"), Street: f.Values.Get("street"), HouseNumber: f.Values.Get("house_number"),
		PostalCode: f.Values.Get("postal_code"), City: f.Values.Get("city"), Country: f.Values.Get("country"),
		JoinDate: f.Values.Get("join_date"), ExitDate: f.Values.Get("exit_date"), Notes: f.Values.Get("notes"),
		Version: version, Custom: map[string]string{},
	}
	for name := range f.Values {
		if slug, ok := strings.CutPrefix(name, "cf_"); ok {
			// A multiple-choice field sends one value per ticked box.
			in.Custom[slug] = strings.Join(f.Values[name], ",")
		}
	}
	return in
}

func (a *App) memberNew(w http.ResponseWriter, r *http.Request) {
	fields, err := a.fields.Definitions(r.Context(), actorFrom(r))
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	f := newForm(nil)
	f.Set("join_date", time.Now().Format("2006-01-02"))
	a.renderMemberForm(w, r, http.StatusOK, memberFormPage{Form: f, IsNew: true}, fields)
}

func (a *App) memberCreate(w http.ResponseWriter, r *http.Request) {
	if !a.parseForm(w, r) {
		return
	}
	actor := actorFrom(r)
	f := newForm(r.PostForm)
	in := memberInputFrom(f)
	// Possible duplicates are a question, until the person answers
	// "save anyway" (a second submit).
	in.WarnDuplicates = r.PostForm.Get("save_anyway") != "yes"
	m, err := a.members.Create(r.Context(), actor, in)
	if d, ok := membership.AsPossibleDuplicates(err); ok {
		fields, err := a.fields.Definitions(r.Context(), actor)
		if err != nil {
			a.errorResponse(w, r, err)
			return
		}
		a.renderMemberForm(w, r, http.StatusConflict, memberFormPage{Form: f, IsNew: true, Duplicates: d.Members}, fields)
		return
	}
	if addDomainErrors(f, err, memberFieldLabels) {
		fields, err := a.fields.Definitions(r.Context(), actor)
		if err != nil {
			a.errorResponse(w, r, err)
			return
		}
		a.renderMemberForm(w, r, http.StatusUnprocessableEntity, memberFormPage{Form: f, IsNew: true}, fields)
		return
	}
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	a.flashSuccess(r, "MemberCreated", "Name", m.Name())
	http.Redirect(w, r, "/members/"+m.ID, http.StatusSeeOther)
}

func (a *App) memberEdit(w http.ResponseWriter, r *http.Request) {
	m, fields, err := a.members.Editable(r.Context(), actorFrom(r), r.PathValue("id"))
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	a.renderMemberForm(w, r, http.StatusOK, memberFormPage{Form: newForm(memberFormValues(m)), Member: m}, fields)
}

// memberUpdate saves the edit form. A save over someone else's newer
// save is refused (409) and the form comes back with what was typed and
// a message to reload — never last-write-wins. Update refuses an own_data
// user's save of another member (403) without looking the id up.
func (a *App) memberUpdate(w http.ResponseWriter, r *http.Request) {
	if !a.parseForm(w, r) {
		return
	}
	actor, ctx := actorFrom(r), r.Context()
	f := newForm(r.PostForm)
	// A linked user's sign-in email follows the member's: the old
	// address is told when it changes (mail_account.go).
	signInEmail, err := a.accounts.LinkedUserEmail(ctx, actor, r.PathValue("id"))
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	m, err := a.members.Update(ctx, actor, r.PathValue("id"), memberInputFrom(f))
	if err == nil && signInEmail != "" && m.UserEmail != "" {
		a.noticeEmailChanged(r, signInEmail, m.UserEmail)
	}
	status := http.StatusUnprocessableEntity
	switch {
	case addDomainErrors(f, err, memberFieldLabels):
	case errors.Is(err, membership.ErrConflict):
		status = http.StatusConflict
	case err != nil:
		a.errorResponse(w, r, err)
		return
	default:
		a.flashSuccess(r, "MemberSaved", "Name", m.Name())
		http.Redirect(w, r, "/members/"+m.ID, http.StatusSeeOther)
		return
	}
	// The form comes back over the member as stored now.
	current, fields, err := a.members.Editable(ctx, actor, r.PathValue("id"))
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	a.renderMemberForm(w, r, status, memberFormPage{Form: f, Member: current, Conflict: status == http.StatusConflict}, fields)
}

func (a *App) renderMemberForm(w http.ResponseWriter, r *http.Request, status int, p memberFormPage, fields []membership.CustomField) {
	p.Max = membership.MemberFieldMax
	if p.IsNew {
		p.Action, p.Cancel = "/members", "/members"
	} else {
		p.Action, p.Cancel = "/members/"+p.Member.ID, "/members/"+p.Member.ID
	}
	p.SelfEdit = !p.IsNew && actorFrom(r).Scope(authz.Member, authz.Update) == authz.Linked
	if !p.Form.Has("email") {
		var err error
		if p.SharedEmail, err = a.members.SharedEmail(r.Context(), actorFrom(r), p.Form.Get("email"), p.Member.ID); err != nil {
			a.errorResponse(w, r, err)
			return
		}
	}
	names := map[string]string{}
	for _, cf := range fields {
		c := memberFormCustom{Field: cf, Name: cf.FormName(), ID: fieldID(cf.FormName()), Value: p.Form.Values.Get(cf.FormName()),
			ReadOnly: p.SelfEdit && !cf.MemberEditable}
		switch cf.ValueType {
		case membership.CustomFieldBoolean:
			c.InputType, c.Checked = "checkbox", c.Value == "true" || c.Value == "on"
		case membership.CustomFieldInteger:
			c.InputType = "number"
		case membership.CustomFieldDate:
			c.InputType = "date"
		case membership.CustomFieldEmail:
			c.InputType = "email"
		case membership.CustomFieldChoice, membership.CustomFieldMultiChoice:
			c.InputType = "select"
			if cf.ValueType == membership.CustomFieldMultiChoice {
				c.InputType = "checkboxes"
			}
			c.Choices = cf.Options
			c.Chosen = cf.Chosen(strings.Join(p.Form.Values[cf.FormName()], ","))
		default:
			c.InputType = "text"
		}
		if e, ok := p.Form.Errors[cf.FormName()]; ok {
			c.Error = &e
		}
		if !p.IsNew && cf.Required && !c.ReadOnly {
			_, stored := p.Member.Custom[cf.Slug]
			c.NowRequired = !stored
		}
		names[cf.FormName()] = cf.Name
		p.Custom = append(p.Custom, c)
	}
	for _, e := range p.Form.ErrorList() {
		label := names[e.Field]
		if label == "" && e.LabelID != "" {
			label = a.T(r, e.LabelID)
		}
		p.Summary = append(p.Summary, memberFormProblem{Field: e.Field, Label: label, Error: e})
	}
	a.render(w, r, status, pageView(memberFormView, p))
}
