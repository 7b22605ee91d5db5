package web

import (
	"bytes"
	"net/url"
	"strings"
	"testing"
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

// TestFieldPartial renders the shared form partials and checks their
// accessibility wiring.
func TestFieldPartial(t *testing.T) {
	a := &App{}
	var err error
	if a.i18n, err = newTranslator(); err != nil {
		t.Fatal(err)
	}
	if a.assets, err = newAssetServer(staticFS); err != nil {
		t.Fatal(err)
	}
	if a.templates, err = a.parseTemplates(); err != nil {
		t.Fatal(err)
	}
	ts := a.templates["de"]["home"].t

	form := newForm(url.Values{"email": {"anna<at>example"}})
	form.Email("email", "Email")
	fd, err := newField(form, "email", "Email", "type", "email", "required", true, "hint", "RequiredNote", "autocomplete", "email")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := ts.ExecuteTemplate(&buf, "field", fd); err != nil {
		t.Fatal(err)
	}
	html := buf.String()
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

	buf.Reset()
	if err := ts.ExecuteTemplate(&buf, "error-summary", form); err != nil {
		t.Fatal(err)
	}
	if s := buf.String(); !strings.Contains(s, `href="#field-email"`) || !strings.Contains(s, "Bitte korrigieren Sie Folgendes:") {
		t.Errorf("summary:\n%s", s)
	}
	buf.Reset()
	if err := ts.ExecuteTemplate(&buf, "error-summary", newForm(nil)); err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(buf.String()) != "" {
		t.Errorf("summary of a valid form: %q", buf.String())
	}

	if _, err := newField(form, "x", "Email", "required", "yes"); err == nil {
		t.Error("bad option accepted")
	}
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
