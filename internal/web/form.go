package web

import (
	"net/mail"
	"net/url"
	"strings"
	"unicode/utf8"

	"mila/internal/validate"
)

// Form carries a form's values and field errors between a handler and the
// form views (form.templ). After a failed submit the handler re-renders
// the page with the same Form, so the typed values survive and each error
// shows next to its field and in the summary at the top.
//
//	form := newForm(r.PostForm)
//	form.Required("name", "FieldName")
//	form.MaxChars("name", "FieldName", 100)
//	form.Check(isSlugFree, "name", "FieldName", "ErrNameTaken")
//	if !form.Valid() {
//		a.render(w, r, http.StatusUnprocessableEntity, pageView(groupFormView, groupFormPage{Form: form}))
//		return
//	}
//
// Messages are message ids (locales/forms.*.json has the generic ones),
// translated when the page renders.
type Form struct {
	Values url.Values
	Errors map[string]FieldError // by field name; first error per field wins
	order  []string              // field names in the order errors were added
}

// FieldError is one field's problem: a message id with its template data,
// and the field's label id so the summary can say which field it is.
type FieldError struct {
	Field   string
	LabelID string
	MsgID   string
	Data    map[string]any
}

// newForm wraps submitted (or initial) values; nil is fine for an empty form.
func newForm(values url.Values) *Form {
	if values == nil {
		values = url.Values{}
	}
	return &Form{Values: values, Errors: map[string]FieldError{}}
}

// Get returns a field's value with surrounding spaces trimmed.
func (f *Form) Get(field string) string {
	return strings.TrimSpace(f.Values.Get(field))
}

// Set replaces a field's value (e.g. to prefill an edit form).
func (f *Form) Set(field, value string) { f.Values.Set(field, value) }

// Add records an error for field unless it already has one. kv are the
// message's template data pairs ("Max", 100).
func (f *Form) Add(field, labelID, msgID string, kv ...any) {
	if _, dup := f.Errors[field]; dup {
		return
	}
	f.Errors[field] = FieldError{Field: field, LabelID: labelID, MsgID: msgID, Data: pairs(kv)}
	f.order = append(f.order, field)
}

// Check adds the error when ok is false.
func (f *Form) Check(ok bool, field, labelID, msgID string, kv ...any) {
	if !ok {
		f.Add(field, labelID, msgID, kv...)
	}
}

// Required: the field must not be blank.
func (f *Form) Required(field, labelID string) {
	f.Check(f.Get(field) != "", field, labelID, "ErrRequired")
}

// MaxChars: at most n characters (not bytes: "Müller" is 6).
func (f *Form) MaxChars(field, labelID string, n int) {
	f.Check(utf8.RuneCountInString(f.Get(field)) <= n, field, labelID, "ErrTooLong", "Max", n)
}

// Email: blank, or a plain address like name@example.org.
func (f *Form) Email(field, labelID string) {
	v := f.Get(field)
	if v == "" {
		return
	}
	a, err := mail.ParseAddress(v)
	f.Check(err == nil && a.Address == v && strings.Contains(v[strings.LastIndexByte(v, '@'):], "."),
		field, labelID, "ErrInvalidEmail")
}

// Valid reports whether no errors were added.
func (f *Form) Valid() bool { return len(f.Errors) == 0 }

// Has reports whether field has an error.
func (f *Form) Has(field string) bool { _, ok := f.Errors[field]; return ok }

// ErrorList returns the errors in the order they were added, for the summary.
func (f *Form) ErrorList() []FieldError {
	out := make([]FieldError, 0, len(f.order))
	for _, name := range f.order {
		out = append(out, f.Errors[name])
	}
	return out
}

// Field is one labelled input of a form, for the formField view. A view
// names the field and its options; Form.field adds the form's value and
// error:
//
//	@formField(f, p.Form.field(Field{Name: "email", LabelID: "MemberFieldEmail", Type: "email", Autocomplete: "off"}))
//
// Type is text (the default), email, tel, date, number, password, url or
// search; "textarea" gives a textarea (with Rows). HintID is a message id
// shown under the label.
type Field struct {
	Name, ID, LabelID, HintID string
	Type, Value               string
	Autocomplete, InputMode   string
	MaxLength, Rows           int
	Required, ReadOnly        bool
	Error                     *FieldError
}

// fieldID is the element id of a field's input; the error summary links to it.
func fieldID(name string) string { return "field-" + name }

// field completes fd with its element id and the form's value and error
// for it. A nil form gives an empty field.
func (f *Form) field(fd Field) Field {
	fd.ID = fieldID(fd.Name)
	if fd.Type == "" {
		fd.Type = "text"
	}
	if f != nil {
		fd.Value = f.Values.Get(fd.Name)
		if e, ok := f.Errors[fd.Name]; ok {
			fd.Error = &e
		}
	}
	return fd
}

// DescribedBy is the aria-describedby value: the hint and the error, if any.
func (fd Field) DescribedBy() string { return describedBy(fd.ID, fd.HintID != "", fd.Error != nil) }

// describedBy is an aria-describedby value naming the hint and the error
// element of the input id, those of them that are shown.
func describedBy(id string, hint, err bool) string {
	switch {
	case hint && err:
		return id + "-hint " + id + "-error"
	case hint:
		return id + "-hint"
	case err:
		return id + "-error"
	}
	return ""
}

// addDomainErrors is the bridge from a domain action's validation error
// (internal/validate, with the domain's own message ids) to the form: each
// field error shows next to its field, labelled labels[field] in the
// summary. It reports whether err was such an error; any other error is
// for the caller (errorResponse). A field that already has an error keeps
// the first one, as with Add.
func addDomainErrors(f *Form, err error, labels map[string]string) bool {
	fe, ok := validate.As(err)
	if !ok {
		return false
	}
	for _, field := range fe.Fields() {
		if _, dup := f.Errors[field]; dup {
			continue
		}
		m := fe[field]
		f.Errors[field] = FieldError{Field: field, LabelID: labels[field], MsgID: m.ID, Data: m.Data}
		f.order = append(f.order, field)
	}
	return true
}
