package security

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"mila/internal/webtest"
)

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
// only for a form that would be saved (valid, current version); a taken
// address — member's or user's — gets one wording; after 10 such
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
	f.Set("email", fx.anna.Email)
	res := srv.PostForm(t, own, path, f)
	body := webtest.Body(t, res)
	if res.StatusCode != http.StatusUnprocessableEntity || !fieldMarked(body, "first_name") {
		t.Fatalf("empty first name: %d", res.StatusCode)
	}
	if fieldMarked(body, "email") {
		t.Fatalf("an invalid form tells whether %s is taken: %q", fx.anna.Email, emailError(body))
	}
	// Nor does a form from an old version.
	f = base()
	f.Set("email", fx.anna.Email)
	f.Set("version", itoa(fx.version(fx.own.ID)-1))
	res = srv.PostForm(t, own, path, f)
	if body := webtest.Body(t, res); res.StatusCode != http.StatusConflict || fieldMarked(body, "email") {
		t.Fatalf("old version: %d, email marked %v", res.StatusCode, fieldMarked(body, "email"))
	}
	if n := refusals(); n != 0 {
		t.Fatalf("%d refusals recorded for forms that were not looked at", n)
	}

	// A valid form: a member's address and a user's get the same answer.
	var wordings []string
	for _, taken := range []string{fx.anna.Email, fx.email["read_only"], strings.ToUpper(fx.anna.Email)} {
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
		f.Set("email", fx.anna.Email)
		if res := srv.PostForm(t, own, path, f); res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("refusal %d: %d", refusals(), res.StatusCode)
		}
	}
	for _, try := range []string{fx.anna.Email, "free-address@example.org"} {
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

	// Who may read every member keeps the precise answers, unlimited.
	treasurer := signIn(t, srv, fx.email["normal_user"])
	f = fx.memberForm(fx.bert)
	f.Set("email", fx.anna.Email)
	body = webtest.Body(t, srv.PostForm(t, treasurer, "/members/"+fx.bert.ID, f))
	if got := emailError(body); !strings.Contains(got, "Another member already has") {
		t.Errorf("treasurer's answer for a taken address: %q", got)
	}
	noServerErrors(t, srv)
}
