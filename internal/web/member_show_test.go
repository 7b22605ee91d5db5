package web_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"mila/internal/webtest"
)

// TestMemberShowLinksAndLeaving: the email is a mailto: and the phone a
// tel: link; a member whose exit date is still to come is marked "leaves
// on …" (in both languages), not "former".
func TestMemberShowLinksAndLeaving(t *testing.T) {
	w := newMemberGroupsWorld(t)
	ctx := context.Background()
	leaves := time.Now().AddDate(0, 2, 0)
	if _, err := w.srv.DB.Exec(ctx, `UPDATE members SET email = 'anna@example.org', phone = '+49 (0) 351 / 123 45-6', exit_date = $2 WHERE id = $1`,
		w.anna, leaves); err != nil {
		t.Fatal(err)
	}
	body := memberTestGet(t, w.srv, w.admin, "/members/"+w.anna, http.StatusOK)
	mustContain(t, body, `href="mailto:anna@example.org"`, `href="tel:+49351123456"`, "leaves on "+leaves.Format("Jan 2, 2006"))
	mustNotContain(t, body, ">former<")
	de := memberTestGet(t, w.srv, w.admin, "/members/"+w.anna, http.StatusOK, "Accept-Language", "de")
	mustContain(t, de, "tritt am "+leaves.Format("02.01.2006")+" aus")
	// Once the date has passed: former, no "leaves on".
	if _, err := w.srv.DB.Exec(ctx, `UPDATE members SET join_date = current_date - 10, exit_date = current_date - 1 WHERE id = $1`, w.anna); err != nil {
		t.Fatal(err)
	}
	body = memberTestGet(t, w.srv, w.admin, "/members/"+w.anna, http.StatusOK)
	mustContain(t, body, ">former<")
	mustNotContain(t, body, "leaves on")
}

// TestNotFoundShowsSignedInHeader: an unknown address, signed in, answers
// 404 with the header and navigation of every page; anonymous, without.
func TestNotFoundShowsSignedInHeader(t *testing.T) {
	w := newMemberGroupsWorld(t)
	body := memberTestGet(t, w.srv, w.admin, "/no-such-page", http.StatusNotFound)
	mustContain(t, body, `action="/sign-out"`, `href="/members"`)
	res := w.srv.Get(t, w.srv.Client(), "/no-such-page")
	if res.StatusCode != http.StatusNotFound {
		t.Fatalf("anonymous: %d", res.StatusCode)
	}
	mustNotContain(t, webtest.Body(t, res), `action="/sign-out"`)
}
