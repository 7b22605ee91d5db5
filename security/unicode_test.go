package security

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"mila/internal/webtest"
)

// TestInvisibleCharactersMakeNoLookAlikes (finding 8): an email or a
// group name with an invisible character (U+200B zero width space …)
// passed validation and made a look-alike of an existing one. Now text
// is NFC-normalised; format and other default-ignorable characters are
// refused in emails and slugs and stripped from the ends of names; and
// uniqueness compares the normalised forms. Emoji sequences that need
// U+200D inside a name or description still work.
func TestInvisibleCharactersMakeNoLookAlikes(t *testing.T) {
	srv := webtest.NewServer(t)
	fx := newFixture(t, srv)
	admin := signIn(t, srv, fx.email["admin"])
	invisible := []string{"\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u180e", "\U000E0020"}

	refused := func(where, path string, form url.Values, field string) {
		t.Helper()
		before := webtest.Checksum(t, srv.DB)
		res := srv.PostForm(t, admin, path, form)
		body := webtest.Body(t, res)
		if res.StatusCode != http.StatusUnprocessableEntity || !fieldMarked(body, field) {
			t.Errorf("%s: %d, %s marked %v — want refused", where, res.StatusCode, field, fieldMarked(body, field))
		}
		if after := webtest.Checksum(t, srv.DB); after != before {
			t.Errorf("%s: the database changed (%s)", where, webtest.ChangedTables(before, after))
		}
	}
	member := func(email string) url.Values {
		return url.Values{"first_name": {"Eve"}, "last_name": {"Lookalike"}, "email": {email}, "join_date": {"2024-01-01"}}
	}
	for _, c := range invisible {
		// Inside an address: refused.
		refused(fmt.Sprintf("member email with %U inside", []rune(c)[0]), "/members", member("an"+c+"na@example.org"), "email")
		// At its ends: stripped, so it is Anna's address — members may
		// share one (migration 00026), so that is checked below: what is
		// stored is the plain address, never a look-alike.
		refused(fmt.Sprintf("user email with %U inside", []rune(c)[0]), "/users",
			url.Values{"name": {"Eve"}, "email": {"ad" + c + "min@example.org"}, "role_id": {fx.adminRoleID}, "password_mode": {"password"}, "password": {"long enough password"}}, "email")
		// A group name that only differs by invisible characters is taken.
		refused(fmt.Sprintf("group name with %U inside", []rune(c)[0]), "/groups", url.Values{"name": {"Ch" + c + "or"}}, "name")
		refused(fmt.Sprintf("group name with %U around", []rune(c)[0]), "/groups", url.Values{"name": {c + "Chor" + c}}, "name")
		refused(fmt.Sprintf("field name with %U inside", []rune(c)[0]), "/admin/fields", url.Values{"name": {"Spitz" + c + "name"}, "value_type": {"string"}}, "name")
		refused(fmt.Sprintf("role name with %U inside", []rune(c)[0]), "/admin/roles", url.Values{"name": {"Hel" + c + "pers"}, "permission_set": {"own_data"}}, "name")
	}
	// At its ends an invisible character is stripped: the member gets
	// Anna's plain address (shared), never a look-alike of it.
	if res := srv.PostForm(t, admin, "/members", url.Values{"first_name": {"Eve"}, "last_name": {"Ends"}, "email": {"\u200b" + fx.anna.Email + "\ufeff"}, "join_date": {"2024-01-01"}}); res.StatusCode != http.StatusSeeOther {
		t.Errorf("member email with invisible ends: %d", res.StatusCode)
	}
	var stored string
	if err := srv.DB.QueryRow(ctxb(), `SELECT email::text FROM members WHERE last_name = 'Ends'`).Scan(&stored); err != nil || stored != fx.anna.Email {
		t.Errorf("stored %q (%v), want %q", stored, err, fx.anna.Email)
	}
	// NFC: a decomposed ü is the same letter: stored composed.
	if res := srv.PostForm(t, admin, "/members", url.Values{"first_name": {"Jürgen"}, "last_name": {"Jung"}, "email": {"ju\u0308rgen@example.org"}, "join_date": {"2024-01-01"}}); res.StatusCode != http.StatusSeeOther {
		t.Errorf("decomposed email: %d", res.StatusCode)
	}
	if err := srv.DB.QueryRow(ctxb(), `SELECT email::text FROM members WHERE last_name = 'Jung'`).Scan(&stored); err != nil || stored != "jürgen@example.org" {
		t.Errorf("decomposed email stored as %q (%v)", stored, err)
	}
	if res := srv.PostForm(t, admin, "/groups", url.Values{"name": {"Müller-Fans"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("group Müller-Fans: %d", res.StatusCode)
	}
	refused("decomposed group name", "/groups", url.Values{"name": {"Mu\u0308ller-Fans"}}, "name")
	res := srv.PostForm(t, admin, "/members", url.Values{"first_name": {"Jo\u0308rg"}, "last_name": {"\u200bOhne\u00ad"}, "join_date": {"2024-01-01"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("member with a decomposed name: %d", res.StatusCode)
	}
	var first, last string
	if err := srv.DB.QueryRow(ctxb(), `SELECT first_name, last_name FROM members WHERE last_name LIKE '%Ohne%'`).Scan(&first, &last); err != nil {
		t.Fatal(err)
	}
	if first != "Jörg" || last != "Ohne" {
		t.Errorf("stored %q %q, want NFC and no invisible ends", first, last)
	}

	// Emoji sequences with U+200D inside a name and a description still work.
	family := "Familie 👨\u200d👩\u200d👧"
	res = srv.PostForm(t, admin, "/groups", url.Values{"name": {family}, "description": {"Eltern 👩\u200d👧 und Kinder"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("group with an emoji sequence: %d", res.StatusCode)
	}
	var name, desc, slug string
	if err := srv.DB.QueryRow(ctxb(), `SELECT name, description, slug FROM groups WHERE name LIKE 'Familie%'`).Scan(&name, &desc, &slug); err != nil {
		t.Fatal(err)
	}
	if name != family || desc != "Eltern 👩\u200d👧 und Kinder" || slug != "familie" {
		t.Errorf("stored %q %q slug %q", name, desc, slug)
	}
	// Slugs never carry them: a soft hyphen inside a name is no separator.
	if res := srv.PostForm(t, admin, "/groups", url.Values{"name": {"Ju\u00adgend"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("group Ju-gend: %d", res.StatusCode)
	}
	if err := srv.DB.QueryRow(ctxb(), `SELECT slug FROM groups WHERE slug LIKE 'ju%'`).Scan(&slug); err != nil || slug != "jugend" {
		t.Errorf("slug of a name with a soft hyphen: %q %v", slug, err)
	}
	noServerErrors(t, srv)
}
