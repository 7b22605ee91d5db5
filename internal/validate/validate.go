// Package validate carries field errors from the domain packages to the
// web layer. The domain says *what* is wrong as a message id and its
// parameters; the web layer translates the id into the viewer's language
// and shows it next to the field.
package validate

import (
	"errors"
	"net/mail"
	"sort"
	"strings"
	"unicode/utf8"
)

// Message is a translatable problem: a go-i18n message id and its template data.
type Message struct {
	ID   string
	Data map[string]any
}

// Errors maps a form field name to its first problem.
type Errors map[string]Message

// Add records a problem for field unless one is already recorded (the
// first problem found is the one shown).
func (e Errors) Add(field, id string, data map[string]any) {
	if _, ok := e[field]; !ok {
		e[field] = Message{ID: id, Data: data}
	}
}

// Has reports whether field has a problem.
func (e Errors) Has(field string) bool { _, ok := e[field]; return ok }

// Fields returns the fields with problems, sorted, for a stable summary.
func (e Errors) Fields() []string {
	out := make([]string, 0, len(e))
	for f := range e {
		out = append(out, f)
	}
	sort.Strings(out)
	return out
}

// Err returns nil when there are no problems, else an *Error.
func (e Errors) Err() error {
	if len(e) == 0 {
		return nil
	}
	return &Error{Fields: e}
}

// Error is the error domain actions return for invalid input.
type Error struct{ Fields Errors }

func (e *Error) Error() string {
	parts := make([]string, 0, len(e.Fields))
	for _, f := range e.Fields.Fields() {
		parts = append(parts, f+": "+e.Fields[f].ID)
	}
	return "invalid input: " + strings.Join(parts, ", ")
}

// Field returns a validation error for one field.
func Field(field, id string, data map[string]any) error {
	e := Errors{}
	e.Add(field, id, data)
	return e.Err()
}

// As returns the field errors in err, if it is (or wraps) an *Error.
func As(err error) (Errors, bool) {
	var ve *Error
	if errors.As(err, &ve) {
		return ve.Fields, true
	}
	return nil, false
}

// Message ids shared by all forms; each exists in every locale file
// (internal/web/locales/validation.*.json).
const (
	Required    = "ErrRequired"    // this field is required
	TooLong     = "ErrTooLong"     // at most {{.Max}} characters
	TooShort    = "ErrTooShort"    // at least {{.Min}} characters
	Invalid     = "ErrInvalid"     // this value is not valid
	BadEmail    = "ErrBadEmail"    // not a valid email address
	BadDate     = "ErrBadDate"     // not a valid date (YYYY-MM-DD)
	BadNumber   = "ErrBadNumber"   // not a whole number
	BadChars    = "ErrBadChars"    // contains characters that are not allowed
	Taken       = "ErrTaken"       // already taken
	DateRange   = "ErrDateRange"   // between {{.Min}} and {{.Max}}
	NotFound    = "ErrNotFound"    // the selected record does not exist
	NoSlug      = "ErrNoSlug"      // name needs at least one letter or digit
	StaleRecord = "ErrStaleRecord" // changed by someone else meanwhile
)

// Text checks a trimmed text value: valid UTF-8, no control characters
// except (when multiline) newlines and tabs, no bidi overrides, and at most
// max characters (characters, not bytes). It records the first problem.
func Text(e Errors, field, value string, max int, required, multiline bool) {
	switch {
	case required && value == "":
		e.Add(field, Required, nil)
	case !utf8.ValidString(value) || hasForbidden(value, multiline):
		e.Add(field, BadChars, nil)
	case utf8.RuneCountInString(value) > max:
		e.Add(field, TooLong, map[string]any{"Max": max})
	}
}

func hasForbidden(s string, multiline bool) bool {
	for _, r := range s {
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			if !multiline && r != '\t' {
				return true
			}
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			return true // C0 and C1 controls, NUL included
		case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f:
			return true // bidi overrides and isolates can disguise text
		}
	}
	return false
}

// Email checks an email address (already trimmed). Empty is allowed unless
// required. Only a bare address is accepted, not "Name <addr>".
func Email(e Errors, field, value string, required bool) {
	if value == "" {
		if required {
			e.Add(field, Required, nil)
		}
		return
	}
	if !ValidEmail(value) {
		e.Add(field, BadEmail, nil)
	}
}

// ValidEmail reports whether s is a plausible bare email address of at
// most 254 characters. Invisible characters are refused anywhere in it:
// "adm\u200bin@example.org" is not a second admin@example.org.
func ValidEmail(s string) bool {
	if len(s) > 254 || !utf8.ValidString(s) || hasForbidden(s, false) || hasInvisible(s) || strings.ContainsAny(s, " <>\"") {
		return false
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	return at > 0 && strings.Contains(s[at+1:], ".") && !strings.HasSuffix(s, ".")
}
