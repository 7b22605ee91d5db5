package web

import (
	"fmt"
	"net/mail"
	"net/url"
	"strings"
	"unicode/utf8"
)

// Form carries a form's values and field errors between a handler and the
// form partials. After a failed submit the handler re-renders the page with
// the same Form, so the typed values survive and each error shows next to
// its field and in the summary at the top.
//
//	form := newForm(r.PostForm)
//	form.Required("name", "FieldName")
//	form.MaxChars("name", "FieldName", 100)
//	form.Check(isSlugFree, "name", "FieldName", "ErrNameTaken")
//	if !form.Valid() {
//		a.render(w, r, http.StatusUnprocessableEntity, "group_form", groupFormPage{Form: form})
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

// Field is the input to the "field" partial. Build it in a template with
// the field func:
//
//	{{template "field" (field .Page.Form "email" "FieldEmail" "type" "email" "required" true "autocomplete" "email")}}
//
// Options (all optional): "type" (text, email, tel, date, number, password,
// url, search; "textarea" gives a textarea), "required" (bool), "hint" (a
// message id shown under the label), "autocomplete", "inputmode",
// "maxlength" (int), "rows" (textarea), "readonly" (bool).
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

func newField(form *Form, name, labelID string, opts ...any) (Field, error) {
	fd := Field{Name: name, ID: fieldID(name), LabelID: labelID, Type: "text"}
	if form != nil {
		fd.Value = form.Values.Get(name)
		if e, ok := form.Errors[name]; ok {
			fd.Error = &e
		}
	}
	if len(opts)%2 != 0 {
		return fd, fmt.Errorf("field %s: odd number of options", name)
	}
	for i := 0; i < len(opts); i += 2 {
		k, _ := opts[i].(string)
		v := opts[i+1]
		var ok bool
		switch k {
		case "type":
			fd.Type, ok = v.(string)
		case "hint":
			fd.HintID, ok = v.(string)
		case "autocomplete":
			fd.Autocomplete, ok = v.(string)
		case "inputmode":
			fd.InputMode, ok = v.(string)
		case "required":
			fd.Required, ok = v.(bool)
		case "readonly":
			fd.ReadOnly, ok = v.(bool)
		case "maxlength":
			fd.MaxLength, ok = v.(int)
		case "rows":
			fd.Rows, ok = v.(int)
		}
		if !ok {
			return fd, fmt.Errorf("field %s: bad option %v=%v", name, opts[i], v)
		}
	}
	return fd, nil
}

// DescribedBy is the aria-describedby value: the hint and the error, if any.
func (fd Field) DescribedBy() string {
	var ids []string
	if fd.HintID != "" {
		ids = append(ids, fd.ID+"-hint")
	}
	if fd.Error != nil {
		ids = append(ids, fd.ID+"-error")
	}
	return strings.Join(ids, " ")
}
