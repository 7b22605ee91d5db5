package security

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"mila/internal/webtest"
)

// tag returns the HTML start tag of the element with id ("" if none),
// whatever the order of its attributes.
func tag(body, id string) string {
	return regexp.MustCompile(`<[a-z]+\s[^>]*\bid="` + regexp.QuoteMeta(id) + `"[^>]*>`).FindString(body)
}

// hasAttr reports whether a start tag carries the boolean attribute name.
func hasAttr(tag, name string) bool {
	return regexp.MustCompile(`\s` + name + `(\s|=|/?>|$)`).MatchString(tag)
}

// emailError is the text of the error next to the email field ("" if none).
func emailError(body string) string {
	m := regexp.MustCompile(`id="field-email-error"[^>]*>([^<]*)<`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return strings.TrimSpace(m[1])
}

// TestOwnDataCannotProbeAddresses (finding 4): a user who may read only
// their own record posts their own form to learn whether an address
// belongs to a member or a user. Before the fix the "already taken"
// error came back even for a form refused for other reasons (an empty
// first name), as fast as requests go. Now the address is looked at
// only for a form that would be saved (valid, current version); an
// address another user signs in with gets one wording (another member's
// is no refusal since members may share one); after 10 such
// refusals in an hour every new address is refused without looking,
// with a word to ask the board.
func TestOwnDataCannotProbeAddresses(t *testing.T) {
	srv := webtest.NewServer(t)
	fx := newFixture(t, srv)
	own := signIn(t, srv, fx.email["own_data"])
	path := "/members/" + fx.own.ID
	base := func() url.Values {
		return url.Values{"first_name": {"Olga"}, "last_name": {"Ohm"}, "email": {fx.email["own_data"]}, "version": {itoa(fx.version(fx.own.ID))}}
	}
	refusals := func() int {
		var n int
		if err := srv.DB.QueryRow(ctxb(), `SELECT count(*) FROM member_email_refusals`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	// An invalid form says nothing about the address.
	f := base()
	f.Set("first_name", "")
	f.Set("email", fx.email["read_only"])
	res := srv.PostForm(t, own, path, f)
	body := webtest.Body(t, res)
	if res.StatusCode != http.StatusUnprocessableEntity || !fieldMarked(body, "first_name") {
		t.Fatalf("empty first name: %d", res.StatusCode)
	}
	if fieldMarked(body, "email") {
		t.Fatalf("an invalid form tells whether %s is taken: %q", fx.email["read_only"], emailError(body))
	}
	// Nor does a form from an old version.
	f = base()
	f.Set("email", fx.email["read_only"])
	f.Set("version", itoa(fx.version(fx.own.ID)-1))
	res = srv.PostForm(t, own, path, f)
	if body := webtest.Body(t, res); res.StatusCode != http.StatusConflict || fieldMarked(body, "email") {
		t.Fatalf("old version: %d, email marked %v", res.StatusCode, fieldMarked(body, "email"))
	}
	if n := refusals(); n != 0 {
		t.Fatalf("%d refusals recorded for forms that were not looked at", n)
	}

	// A valid form: two users' sign-in addresses, in any case, get the
	// same answer. (Another member's address is no refusal: members may
	// share one, migration 00026 — see the end.)
	var wordings []string
	for _, taken := range []string{fx.email["read_only"], fx.email["normal_user"], strings.ToUpper(fx.email["read_only"])} {
		f = base()
		f.Set("email", taken)
		res = srv.PostForm(t, own, path, f)
		body = webtest.Body(t, res)
		if res.StatusCode != http.StatusUnprocessableEntity || !fieldMarked(body, "email") {
			t.Fatalf("taken %s: %d", taken, res.StatusCode)
		}
		wordings = append(wordings, emailError(body))
	}
	for _, w := range wordings {
		if w != "This address cannot be used." {
			t.Errorf("refusal wording %q, want the one generic wording", w)
		}
	}
	// Up to 10 refusals an hour; then every new address is refused
	// without looking — a free one too — and the form says to ask.
	for refusals() < 10 {
		f = base()
		f.Set("email", fx.email["read_only"])
		if res := srv.PostForm(t, own, path, f); res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("refusal %d: %d", refusals(), res.StatusCode)
		}
	}
	for _, try := range []string{fx.email["read_only"], "free-address@example.org"} {
		f = base()
		f.Set("email", try)
		res = srv.PostForm(t, own, path, f)
		body = webtest.Body(t, res)
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(emailError(body), "ask the board") {
			t.Errorf("after 10 refusals, %s: %d %q", try, res.StatusCode, emailError(body))
		}
	}
	if n := refusals(); n != 10 {
		t.Errorf("%d refusals recorded, want 10", n)
	}
	// Everything else still saves (the address unchanged).
	f = base()
	f.Set("phone", "+49 170 000")
	if res := srv.PostForm(t, own, path, f); res.StatusCode != http.StatusSeeOther {
		t.Errorf("save without an address change: %d", res.StatusCode)
	}
	// An hour later a free address saves.
	if _, err := srv.DB.Exec(ctxb(), `UPDATE member_email_refusals SET refused_at = refused_at - interval '61 minutes'`); err != nil {
		t.Fatal(err)
	}
	f = base()
	f.Set("email", "free-address@example.org")
	if res := srv.PostForm(t, own, path, f); res.StatusCode != http.StatusSeeOther {
		t.Errorf("free address after the hour: %d", res.StatusCode)
	}

	// A member's address (a household) saves, and the own_data member
	// is not told who else has it.
	f = base()
	f.Set("email", fx.anna.Email)
	if res := srv.PostForm(t, own, path, f); res.StatusCode != http.StatusSeeOther {
		t.Errorf("another member's address: %d", res.StatusCode)
	}
	for _, p := range []string{path, path + "/edit"} {
		if body := webtest.Body(t, srv.Get(t, own, p)); strings.Contains(body, "Anna") {
			t.Errorf("%s names the other member with the address", p)
		}
	}

	// Who may read every member is told who shares an address, unlimited.
	treasurer := signIn(t, srv, fx.email["normal_user"])
	f = fx.memberForm(fx.bert)
	f.Set("email", fx.anna.Email)
	if res := srv.PostForm(t, treasurer, "/members/"+fx.bert.ID, f); res.StatusCode != http.StatusSeeOther {
		t.Errorf("treasurer saving a shared address: %d", res.StatusCode)
	}
	if body := webtest.Body(t, srv.Get(t, treasurer, "/members/"+fx.bert.ID)); !strings.Contains(body, `href="/members/`+fx.anna.ID+`">Anna Ahrens</a>`) {
		t.Error("the treasurer is not told who shares the address")
	}
	noServerErrors(t, srv)
}

// TestOwnDataEditsOnlyContactData (finding 10): a member editing their
// own record (own_data) could change every field of it — join and exit
// date, notes, every custom field. Now their contact data and the custom
// fields marked "members may edit this field themselves" (a flag on the
// field's form, off by default) are theirs; the rest is shown read-only
// and refused even in a hand-made POST, with the database unchanged.
func TestOwnDataEditsOnlyContactData(t *testing.T) {
	srv := webtest.NewServer(t)
	fx := newFixture(t, srv)
	admin := signIn(t, srv, fx.email["admin"])

	// The flag is on the field's form and off by default.
	body := webtest.Body(t, srv.Get(t, admin, "/admin/fields/new"))
	if box := tag(body, "field-member_editable"); !strings.Contains(box, `name="member_editable"`) || !strings.Contains(box, `type="checkbox"`) || hasAttr(box, "checked") {
		t.Fatalf("the new field form has no unticked member_editable checkbox: %q", box)
	}
	res := srv.PostForm(t, admin, "/admin/fields", url.Values{"name": {"Lieblingsfarbe"}, "value_type": {"string"}, "member_editable": {"on"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("create a member-editable field: %d", res.StatusCode)
	}
	var colourID string
	if err := srv.DB.QueryRow(ctxb(), `SELECT id FROM custom_fields WHERE slug = 'lieblingsfarbe' AND member_editable`).Scan(&colourID); err != nil {
		t.Fatalf("the flag was not stored: %v", err)
	}
	if body := webtest.Body(t, srv.Get(t, admin, "/admin/fields/"+colourID+"/edit")); !hasAttr(tag(body, "field-member_editable"), "checked") {
		t.Error("the edit form does not show the flag ticked")
	}
	// The club gives Olga a join date, notes and custom values.
	form := fx.memberForm(fx.own)
	form.Set("join_date", "2015-03-01")
	form.Set("notes", "Zahlt bar.\nImmer pünktlich.")
	form.Set(fx.cf("string"), "Olli")
	form.Set(fx.cf("integer"), "12")
	form.Set(fx.cf("boolean"), "true")
	form.Set(fx.cf("date"), "1980-02-03")
	form.Set("cf_lieblingsfarbe", "grün")
	if res := srv.PostForm(t, admin, "/members/"+fx.own.ID, form); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("admin fills in Olga: %d", res.StatusCode)
	}

	own := signIn(t, srv, fx.email["own_data"])
	path := "/members/" + fx.own.ID
	body = webtest.Body(t, srv.Get(t, own, path+"/edit"))
	readonly := func(id string) bool {
		el := tag(body, id)
		if el == "" {
			t.Fatalf("own form: no element %s", id)
		}
		return hasAttr(el, "readonly") || hasAttr(el, "disabled")
	}
	for _, id := range []string{"field-join_date", "field-exit_date", "field-notes", "field-" + fx.cf("string"), "field-" + fx.cf("boolean")} {
		if !readonly(id) {
			t.Errorf("own form: %s is not read-only", id)
		}
	}
	for _, id := range []string{"field-first_name", "field-email", "field-phone", "field-city", "field-cf_lieblingsfarbe"} {
		if readonly(id) {
			t.Errorf("own form: %s is read-only", id)
		}
	}

	// What the browser sends (read-only values as they are, the disabled
	// box not at all), with the contact data and the member's own field changed.
	browser := func() url.Values {
		f := url.Values{"version": {itoa(fx.version(fx.own.ID))}, "first_name": {"Olga"}, "last_name": {"Ohm-Berg"},
			"email": {fx.email["own_data"]}, "phone": {"+49 30 55"}, "street": {"Am Ring"}, "house_number": {"3"},
			"postal_code": {"10115"}, "city": {"Berlin"}, "country": {"DE"},
			"join_date": {"2015-03-01"}, "exit_date": {""}, "notes": {"Zahlt bar.\r\nImmer pünktlich."},
			fx.cf("string"): {"Olli"}, fx.cf("integer"): {"12"}, fx.cf("date"): {"1980-02-03"}, fx.cf("email"): {""},
			"cf_lieblingsfarbe": {"blau"}}
		return f
	}
	if res := srv.PostForm(t, own, path, browser()); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("own save as the browser sends it: %d", res.StatusCode)
	}
	var last, city, colour, notes, nick, flag, joined string
	if err := srv.DB.QueryRow(ctxb(), `SELECT last_name, city, notes, join_date::text,
		(SELECT value FROM custom_field_values v JOIN custom_fields f ON f.id = v.custom_field_id WHERE v.member_id = m.id AND f.slug = 'lieblingsfarbe'),
		(SELECT value FROM custom_field_values v JOIN custom_fields f ON f.id = v.custom_field_id WHERE v.member_id = m.id AND f.slug = $2),
		(SELECT value FROM custom_field_values v JOIN custom_fields f ON f.id = v.custom_field_id WHERE v.member_id = m.id AND f.slug = $3)
		FROM members m WHERE id = $1`, fx.own.ID, fx.slug("string"), fx.slug("boolean")).Scan(&last, &city, &notes, &joined, &colour, &nick, &flag); err != nil {
		t.Fatal(err)
	}
	if last != "Ohm-Berg" || city != "Berlin" || colour != "blau" {
		t.Errorf("contact data or the own field not saved: %s %s %s", last, city, colour)
	}
	if joined != "2015-03-01" || notes != "Zahlt bar.\nImmer pünktlich." || nick != "Olli" || flag != "true" {
		t.Errorf("the club's fields changed: join %s notes %q nick %s flag %s", joined, notes, nick, flag)
	}

	// Hand-made POSTs that change a club field: refused next to the field.
	for _, tc := range []struct{ field, value string }{
		{"join_date", "2001-01-01"}, {"exit_date", "2030-12-31"}, {"notes", "Ehrenmitglied"},
		{fx.cf("string"), "Boss"}, {fx.cf("integer"), "1"}, {fx.cf("date"), "1999-09-09"},
		{fx.cf("email"), "olga@example.net"}, {fx.cf("boolean"), "false"},
	} {
		f := browser()
		f.Set(tc.field, tc.value)
		before := webtest.Checksum(t, srv.DB)
		res := srv.PostForm(t, own, path, f)
		body := webtest.Body(t, res)
		if res.StatusCode != http.StatusUnprocessableEntity || !fieldMarked(body, tc.field) {
			t.Errorf("own_data sets %s=%q: %d, marked %v", tc.field, tc.value, res.StatusCode, fieldMarked(body, tc.field))
		}
		if after := webtest.Checksum(t, srv.DB); after != before {
			t.Errorf("own_data sets %s: the database changed (%s)", tc.field, webtest.ChangedTables(before, after))
		}
	}
	// A ticked box that is already ticked changes nothing: accepted.
	f := browser()
	f.Set(fx.cf("boolean"), "on")
	if res := srv.PostForm(t, own, path, f); res.StatusCode != http.StatusSeeOther {
		t.Errorf("the unchanged box sent ticked: %d", res.StatusCode)
	}
	// The administrator still edits them all.
	form = fx.memberForm(fx.own)
	form.Set("join_date", "2016-04-01")
	form.Set("notes", "")
	form.Set(fx.cf("string"), "")
	if res := srv.PostForm(t, admin, path, form); res.StatusCode != http.StatusSeeOther {
		t.Errorf("admin edits the club's fields: %d", res.StatusCode)
	}
	noServerErrors(t, srv)
}
