package web_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"mila/internal/authz"
	"mila/internal/webtest"
)

// addMailingRecords creates a mailing for the route walk (IDs["mailing"]).
func addMailingRecords(t *testing.T, f *walkFixture) {
	t.Helper()
	var id string
	if err := f.Srv.DB.QueryRow(context.Background(), `INSERT INTO mailings (subject, body, reply_to)
		VALUES ('Walk', 'Hello', 'admin@example.org') RETURNING id`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	f.IDs["mailing"] = id
}

// seededScope is what the walk's seeded user of set may do: the
// permission table, plus "may send mailings", which the seeded roles of
// the board (read_only) and the treasurer (normal_user) have by default
// (migration 00015).
func seededScope(set authz.PermissionSet, res authz.Resource, act authz.Action) authz.Scope {
	s := authz.ScopeFor(set, res, act)
	if set == authz.ReadOnly || set == authz.NormalUser {
		s = max(s, authz.FlagScope(authz.SendMailings, res, act))
	}
	return s
}

// TestSeededRolesMaySendMailings: the defaults seededScope assumes.
func TestSeededRolesMaySendMailings(t *testing.T) {
	srv := webtest.NewServer(t)
	users := seedUsers(t, srv)
	for set, want := range map[authz.PermissionSet]bool{authz.OwnData: false, authz.ReadOnly: true, authz.NormalUser: true, authz.Admin: true} {
		if got := users[set].Actor.Can(authz.Mailing, authz.Create); got != want {
			t.Errorf("%s may write mailings: %v, want %v", set, got, want)
		}
	}
}

func TestAdminTakesMailingsFromTheBoard(t *testing.T) {
	srv := webtest.NewServer(t)
	seedUsers(t, srv)
	admin := signIn(t, srv, "admin@example.org", testPassword)
	board := signIn(t, srv, "read_only@example.org", testPassword)
	if res := srv.Get(t, board, "/mailings"); res.StatusCode != http.StatusOK {
		t.Fatalf("board /mailings: %d", res.StatusCode)
	}
	var boardRole string
	if err := srv.DB.QueryRow(context.Background(), `SELECT id FROM roles WHERE system_key = 'board'`).Scan(&boardRole); err != nil {
		t.Fatal(err)
	}
	mustContain(t, webtest.Body(t, srv.Get(t, admin, "/admin/roles")), `action="/admin/roles/`+boardRole+`/mailings"`)
	if res := srv.PostForm(t, admin, "/admin/roles/"+boardRole+"/mailings", url.Values{"may_send_mailings": {"false"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("take away: %d", res.StatusCode)
	}
	if res := srv.Get(t, board, "/mailings"); res.StatusCode != http.StatusForbidden {
		t.Errorf("board /mailings after the flag was taken: %d, want 403", res.StatusCode)
	}
	if res := srv.PostForm(t, board, "/admin/roles/"+boardRole+"/mailings", url.Values{"may_send_mailings": {"true"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("board gives itself the flag: %d", res.StatusCode)
	}
}
