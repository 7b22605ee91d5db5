package web_test

import (
	"net/http"
	"net/url"
	"testing"

	"mila/internal/authz"
	"mila/internal/webtest"
)

// TestUserEmailChange: an admin changes a user's email on the user's page;
// a bad address is a 422 with the error next to the field in the viewer's
// language; a lower set is refused.
func TestUserEmailChange(t *testing.T) {
	srv := webtest.NewServer(t)
	users := seedUsers(t, srv)
	admin := signIn(t, srv, "admin@example.org", testPassword)
	target := users[authz.ReadOnly].Actor.UserID

	res := srv.PostForm(t, admin, "/users/"+target+"/email", url.Values{"email": {"vorstand@example.org"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: status %d", res.StatusCode)
	}
	var email string
	if err := srv.DB.QueryRow(t.Context(), `SELECT email::text FROM users WHERE id = $1`, target).Scan(&email); err != nil || email != "vorstand@example.org" {
		t.Fatalf("email = %q, %v", email, err)
	}

	res = srv.PostForm(t, admin, "/users/"+target+"/email", url.Values{"email": {"kein-email"}}, "Accept-Language", "de")
	body := webtest.Body(t, res)
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("bad email: status %d", res.StatusCode)
	}
	mustContain(t, body, `aria-invalid="true"`, "kein-email")

	treasurer := signIn(t, srv, users[authz.NormalUser].Email, testPassword)
	res = srv.PostForm(t, treasurer, "/users/"+target+"/email", url.Values{"email": {"x@example.org"}})
	if res.StatusCode != http.StatusForbidden {
		t.Fatalf("treasurer: status %d", res.StatusCode)
	}
}
