package web

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/a-h/templ"
)

func TestFormValidation(t *testing.T) {
	f := newForm(url.Values{
		"first_name": {"  " + strings.Repeat("ü", 100) + "  "}, // 100 characters, 200 bytes: fine
		"last_name":  {strings.Repeat("ß", 101)},
		"email":      {"not an email"},
		"city":       {"   "},
	})
	f.Required("first_name", "FirstName")
	f.MaxChars("first_name", "FirstName", 100)
	f.MaxChars("last_name", "LastName", 100)
	f.Email("email", "Email")
	f.Required("city", "City")
	f.Required("city", "City") // second error on a field is ignored
	if f.Valid() {
		t.Fatal("form valid")
	}
	if f.Has("first_name") {
		t.Errorf("first_name: %+v", f.Errors["first_name"])
	}
	if e := f.Errors["last_name"]; e.MsgID != "ErrTooLong" || e.Data["Max"] != 100 {
		t.Errorf("last_name: %+v", e)
	}
	if f.Errors["email"].MsgID != "ErrInvalidEmail" || f.Errors["city"].MsgID != "ErrRequired" {
		t.Errorf("errors: %+v", f.Errors)
	}
	var order []string
	for _, e := range f.ErrorList() {
		order = append(order, e.Field)
	}
	if strings.Join(order, ",") != "last_name,email,city" {
		t.Errorf("order = %v", order)
	}
	for _, ok := range []string{"", "anna@example.org", "a.b+c@verein.de"} {
		g := newForm(url.Values{"email": {ok}})
		g.Email("email", "Email")
		if !g.Valid() {
			t.Errorf("email %q refused", ok)
		}
	}
	for _, bad := range []string{"anna", "anna@localhost", "Anna <anna@example.org>", "@example.org"} {
		g := newForm(url.Values{"email": {bad}})
		g.Email("email", "Email")
		if g.Valid() {
			t.Errorf("email %q accepted", bad)
		}
	}
}

// TestFieldPartial renders the shared form views and checks their
// accessibility wiring.
func TestFieldPartial(t *testing.T) {
	tr, err := newTranslator()
	if err != nil {
		t.Fatal(err)
	}
	f := &frame{Lang: "de", tr: tr}

	form := newForm(url.Values{"email": {"anna<at>example"}})
	form.Email("email", "Email")
	fd := form.field(Field{Name: "email", LabelID: "Email", Type: "email", Required: true, HintID: "RequiredNote", Autocomplete: "email"})
	html := renderString(t, formField(f, fd))
	for _, want := range []string{
		`<label class="label font-medium text-base-content" for="field-email">`,
		`id="field-email" name="email" type="email" value="anna&lt;at&gt;example"`,
		`aria-required="true"`,
		`aria-describedby="field-email-hint field-email-error"`,
		`aria-invalid="true"`,
		`<p id="field-email-error" class="text-error text-sm">Geben Sie eine E-Mail-Adresse wie name@example.org ein.</p>`,
		`autocomplete="email"`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("field lacks %q:\n%s", want, html)
		}
	}

	if s := renderString(t, errorSummary(f, form)); !strings.Contains(s, `href="#field-email"`) || !strings.Contains(s, "Bitte korrigieren Sie Folgendes:") {
		t.Errorf("summary:\n%s", s)
	}
	if s := renderString(t, errorSummary(f, newForm(nil))); strings.TrimSpace(s) != "" {
		t.Errorf("summary of a valid form: %q", s)
	}
	if s := renderString(t, errorSummary(f, nil)); s != "" {
		t.Errorf("summary of no form: %q", s)
	}
}

// renderString renders c as a view renders it into a page.
func renderString(t testing.TB, c templ.Component) string {
	t.Helper()
	var b strings.Builder
	if err := c.Render(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestSafeReturnTo(t *testing.T) {
	tests := map[string]string{
		"/":                    "/",
		"/members?page=2":      "/members?page=2",
		"//evil.example":       "/",
		"/\\evil.example":      "/",
		"https://evil.example": "/",
		"javascript:alert(1)":  "/",
		"/a\nb":                "/",
		"":                     "/",
		"members":              "/",
	}
	for in, want := range tests {
		if got := safeReturnTo(in); got != want {
			t.Errorf("safeReturnTo(%q) = %q, want %q", in, got, want)
		}
	}
}
