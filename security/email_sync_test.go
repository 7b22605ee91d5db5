package security

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"mila/internal/membership"
	"mila/internal/webtest"
)

// memberForm is a valid edit form of the member as it is now (read
// afresh: its current email and version).
func (fx *fixture) memberForm(m membership.Member) url.Values {
	fx.t.Helper()
	m, err := membership.NewMembers(fx.srv.DB).Get(ctxb(), fx.admin, m.ID)
	if err != nil {
		fx.t.Fatal(err)
	}
	return url.Values{"first_name": {m.FirstName}, "last_name": {m.LastName}, "email": {m.Email},
		"join_date": {m.JoinDate.Format("2006-01-02")}, "version": {fmt.Sprint(m.Version)}}
}

// linkedToAdmin creates a member linked to the admin user (same email).
func (fx *fixture) linkedToAdmin() membership.Member {
	fx.t.Helper()
	m := fx.member(membership.MemberInput{FirstName: "Ada", LastName: "Admin", Email: fx.email["admin"], JoinDate: "2020-01-01"})
	if err := membership.NewMembers(fx.srv.DB).LinkUser(ctxb(), fx.admin, m.ID, fx.admin.UserID); err != nil {
		fx.t.Fatal(err)
	}
	return m
}

// TestMemberEmailCannotTakeOverSignIn (finding 1, high): a treasurer
// (normal_user: may update members, not users) edits the member linked to
// the administrator and gives it an address of their choosing. Before the
// fix the administrator's sign-in email changed with it: locked out, and
// the treasurer could take the account over. Now the form comes back
// with the error next to the email field, nothing changes, and the
// administrator still signs in with the old address.
func TestMemberEmailCannotTakeOverSignIn(t *testing.T) {
	srv := webtest.NewServer(t)
	fx := newFixture(t, srv)
	ada := fx.linkedToAdmin()
	treasurer := signIn(t, srv, fx.email["normal_user"])

	for _, newEmail := range []string{"treasurer-owns-this@example.org", strings.ToUpper(fx.email["admin"])} {
		form := fx.memberForm(ada)
		form.Set("email", newEmail)
		before := webtest.Checksum(t, srv.DB)
		res := srv.PostForm(t, treasurer, "/members/"+ada.ID, form)
		body := webtest.Body(t, res)
		if res.StatusCode != http.StatusUnprocessableEntity || !fieldMarked(body, "email") ||
			!strings.Contains(body, "only an administrator or the member can change it") {
			t.Fatalf("treasurer sets the admin's member email to %s: %d, email marked %v", newEmail, res.StatusCode, fieldMarked(body, "email"))
		}
		if after := webtest.Checksum(t, srv.DB); after != before {
			t.Errorf("refused change wrote (%s)", webtest.ChangedTables(before, after))
		}
	}
	var signInEmail string
	if err := srv.DB.QueryRow(ctxb(), `SELECT email::text FROM users WHERE id = $1`, fx.admin.UserID).Scan(&signInEmail); err != nil {
		t.Fatal(err)
	}
	if signInEmail != fx.email["admin"] {
		t.Fatalf("the admin's sign-in email is now %s", signInEmail)
	}
	signIn(t, srv, fx.email["admin"]) // not locked out
	res := srv.PostForm(t, srv.Client(), "/sign-in", url.Values{"email": {"treasurer-owns-this@example.org"}, "password": {password}})
	if res.StatusCode == http.StatusSeeOther {
		t.Fatal("the treasurer's address signs in")
	}

	// The treasurer still edits the rest of that member.
	form := fx.memberForm(ada)
	form.Set("phone", "+49 30 1234")
	if res := srv.PostForm(t, treasurer, "/members/"+ada.ID, form); res.StatusCode != http.StatusSeeOther {
		t.Errorf("treasurer edits the phone: %d", res.StatusCode)
	}
	// The administrator changes it, and so does the member themself (own
	// data, linked to their own user): the sign-in email follows.
	admin := signIn(t, srv, fx.email["admin"])
	form = fx.memberForm(ada)
	form.Set("email", "ada.neu@example.org")
	if res := srv.PostForm(t, admin, "/members/"+ada.ID, form); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("admin changes the linked email: %d", res.StatusCode)
	}
	signIn(t, srv, "ada.neu@example.org")
	own := signIn(t, srv, fx.email["own_data"])
	form = fx.memberForm(fx.own)
	form.Del("join_date")
	form.Set("email", "olga.neu@example.org")
	if res := srv.PostForm(t, own, "/members/"+fx.own.ID, form); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("own_data changes their own email: %d", res.StatusCode)
	}
	signIn(t, srv, "olga.neu@example.org")
	noServerErrors(t, srv)
}
