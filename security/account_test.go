package security

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"mila/internal/accounts"
	"mila/internal/authz"
	"mila/internal/webtest"
)

// signedIn reports whether the client's session is signed in (the own
// account page opens instead of the sign-in redirect).
func signedIn(t *testing.T, srv *webtest.Server, c *http.Client) bool {
	t.Helper()
	res := srv.Get(t, c, "/account")
	return res.StatusCode == http.StatusOK
}

// userID is the id of the user with email.
func (fx *fixture) userID(email string) string {
	fx.t.Helper()
	var id string
	if err := fx.srv.DB.QueryRow(ctxb(), `SELECT id FROM users WHERE email = $1`, email).Scan(&id); err != nil {
		fx.t.Fatal(err)
	}
	return id
}

// TestDeactivationEndsSessions (finding 6): a session that was not used
// while its user was deactivated worked again after the reactivation.
// Now deactivating a user ends every session they have at once, and so
// does a role change; after reactivation they sign in anew. A deleted
// user's sessions are anonymous. An admin changing their own role keeps
// their current session (renewed).
func TestDeactivationEndsSessions(t *testing.T) {
	srv := webtest.NewServer(t)
	fx := newFixture(t, srv)
	admin := signIn(t, srv, fx.email["admin"])

	own := signIn(t, srv, fx.email["own_data"])
	ownTwo := signIn(t, srv, fx.email["own_data"]) // a second device
	ownID := fx.userID(fx.email["own_data"])
	if res := srv.PostForm(t, admin, "/users/"+ownID+"/deactivate", url.Values{}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("deactivate: %d", res.StatusCode)
	}
	if res := srv.PostForm(t, admin, "/users/"+ownID+"/reactivate", url.Values{}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("reactivate: %d", res.StatusCode)
	}
	// Neither session was used meanwhile; both are over.
	for i, c := range []*http.Client{own, ownTwo} {
		if signedIn(t, srv, c) {
			t.Errorf("session %d of the deactivated user works again after reactivation", i+1)
		}
	}
	signIn(t, srv, fx.email["own_data"]) // a new sign-in works

	// A role change ends the user's sessions too.
	board := signIn(t, srv, fx.email["read_only"])
	var treasurerRole string
	if err := srv.DB.QueryRow(ctxb(), `SELECT id FROM roles WHERE system_key = 'treasurer'`).Scan(&treasurerRole); err != nil {
		t.Fatal(err)
	}
	boardID := fx.userID(fx.email["read_only"])
	if res := srv.PostForm(t, admin, "/users/"+boardID+"/role", url.Values{"role_id": {treasurerRole}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("role change: %d", res.StatusCode)
	}
	if signedIn(t, srv, board) {
		t.Error("a session survives its user's role change")
	}
	// Deleting a user: their session is anonymous.
	target := signIn(t, srv, "target@example.org")
	if res := srv.PostForm(t, admin, "/users/"+fx.targetUserID+"/delete", url.Values{}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("delete: %d", res.StatusCode)
	}
	if signedIn(t, srv, target) {
		t.Error("a deleted user's session works")
	}

	// An admin who changes their own role (another admin exists) goes on
	// with the new role in this session; their other sessions end.
	svc := accounts.New(srv.DB)
	if _, err := svc.CreateOrResetAdmin(ctxb(), "second.admin@example.org", password); err != nil {
		t.Fatal(err)
	}
	adminElsewhere := signIn(t, srv, fx.email["admin"])
	admin = signIn(t, srv, fx.email["admin"])
	if res := srv.PostForm(t, admin, "/users/"+fx.admin.UserID+"/role", url.Values{"role_id": {treasurerRole}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("own role change: %d", res.StatusCode)
	}
	if !signedIn(t, srv, admin) {
		t.Error("the admin's own session ended with their own role change")
	}
	if res := srv.Get(t, admin, "/users/new"); res.StatusCode != http.StatusForbidden {
		t.Errorf("the former admin opens /users/new: %d", res.StatusCode)
	}
	if signedIn(t, srv, adminElsewhere) {
		t.Error("the admin's other session survives their role change")
	}
	noServerErrors(t, srv)
}

// TestLastAdminGuardCountsOnlyAdminsWhoCanSignIn (finding 7): the guard
// against removing the last administrator counted admins who cannot sign
// in — one whose set-password link is unused, one deactivated — so every
// real admin could demote or deactivate themselves. Now only active
// admins with a password count.
func TestLastAdminGuardCountsOnlyAdminsWhoCanSignIn(t *testing.T) {
	srv := webtest.NewServer(t)
	fx := newFixture(t, srv)
	svc := accounts.New(srv.DB)
	// An admin who has not yet followed their set-password link …
	if _, _, err := svc.CreateUser(ctxb(), fx.admin, accounts.NewUser{Name: "Test User", Email: "new.admin@example.org", RoleID: fx.adminRoleID, WithLink: true}); err != nil {
		t.Fatal(err)
	}
	// … and a deactivated one.
	gone, _, err := svc.CreateUser(ctxb(), fx.admin, accounts.NewUser{Name: "Test User", Email: "old.admin@example.org", RoleID: fx.adminRoleID, Password: password})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.SetActive(ctxb(), fx.admin, gone.ID, false); err != nil {
		t.Fatal(err)
	}
	var memberRole string
	if err := srv.DB.QueryRow(ctxb(), `SELECT id FROM roles WHERE system_key = 'member'`).Scan(&memberRole); err != nil {
		t.Fatal(err)
	}
	admin := signIn(t, srv, fx.email["admin"])
	for _, try := range []struct {
		path string
		form url.Values
	}{
		{"/users/" + fx.admin.UserID + "/role", url.Values{"role_id": {memberRole}}},
		{"/users/" + fx.admin.UserID + "/deactivate", url.Values{}},
		{"/users/" + fx.admin.UserID + "/delete", url.Values{}},
	} {
		before := webtest.Checksum(t, srv.DB)
		res := srv.PostForm(t, admin, try.path, try.form)
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s: %d", try.path, res.StatusCode)
		}
		if after := webtest.Checksum(t, srv.DB); after != before {
			t.Errorf("%s: the last admin who can sign in was removed (%s changed)", try.path, webtest.ChangedTables(before, after))
		}
		body := webtest.Body(t, srv.Get(t, admin, res.Header.Get("Location")))
		if !strings.Contains(body, "last active administrator who can sign in") {
			t.Errorf("%s: no last-admin message", try.path)
		}
	}
	a, err := svc.ActorForUser(ctxb(), fx.admin.UserID)
	if err != nil || a.Set != authz.Admin {
		t.Fatalf("the admin is no admin any more: %v %v", a.Set, err)
	}
	noServerErrors(t, srv)
}
