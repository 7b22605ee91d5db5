package security

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"mila/internal/webtest"
)

// TestOwnDataCannotReachOthers: a user who may see only their own record
// guesses the ids of other members (and a well-formed id of nobody) on
// every member address — page, edit form and save, delete, user link,
// groups, custom values: each answer is a 404 or 403 that names nobody,
// and the database is unchanged. Their own record stays reachable.
func TestOwnDataCannotReachOthers(t *testing.T) {
	srv := webtest.NewServer(t)
	fx := newFixture(t, srv)
	c := signIn(t, srv, fx.email["own_data"])

	if res := srv.Get(t, c, "/members/"+fx.own.ID); res.StatusCode != http.StatusOK {
		t.Fatalf("own record: %d", res.StatusCode)
	}
	// The overview (whatever it is asked) leads to the own record only.
	for _, q := range []string{"", "?q=anna", "?status=all&per_page=100", "?group=" + fx.chor.Slug} {
		res := srv.Get(t, c, "/members"+q)
		if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || loc != "/members/"+fx.own.ID {
			t.Errorf("/members%s: %d %q, want 303 to the own record", q, res.StatusCode, loc)
		}
	}

	tried := 0
	for _, other := range []struct{ id, name string }{{fx.anna.ID, "Anna"}, {fx.bert.ID, "Bert"}, {unknownID, ""}} {
		form := url.Values{"first_name": {"Hacked"}, "last_name": {"Hacked"}, "version": {"1"},
			fx.cf("string"): {"hacked"}, "user_id": {fx.targetUserID}, "group": {fx.chor.Slug}}
		if other.id != unknownID {
			form.Set("version", fmt.Sprint(fx.version(other.id)))
		}
		reqs := []struct{ method, path string }{
			{"GET", "/members/" + other.id},
			{"GET", "/members/" + other.id + "/edit"},
			{"GET", "/members/" + other.id + "/delete"},
			{"POST", "/members/" + other.id},
			{"POST", "/members/" + other.id + "/delete"},
			{"POST", "/members/" + other.id + "/user"},
			{"POST", "/members/" + other.id + "/user/unlink"},
			{"POST", "/members/" + other.id + "/groups"},
			{"POST", "/members/" + other.id + "/groups/" + fx.chor.Slug + "/remove"},
			{"POST", "/groups/" + fx.chor.Slug + "/members/" + other.id + "/remove"},
			{"POST", "/groups/" + fx.chor.Slug + "/members"},
			{"POST", "/members/groups/add"},
			{"POST", "/members/groups/remove"},
			{"GET", "/members/" + strings.ToUpper(other.id)},
		}
		for _, rq := range reqs {
			f := form
			if rq.method == "GET" {
				f = nil
			} else if strings.Contains(rq.path, "groups") && !strings.HasPrefix(rq.path, "/members/"+other.id) {
				f = url.Values{"member_id": {other.id}, "group": {fx.chor.Slug}}
			}
			for _, htmx := range []bool{false, true} {
				var header []string
				if htmx {
					header = []string{"HX-Request", "true"}
				}
				before := webtest.Checksum(t, srv.DB)
				res := srv.Do(t, c, webtest.NewRequest(t, rq.method, rq.path, f, header...))
				body := webtest.Body(t, res)
				where := fmt.Sprintf("%s %s (htmx %v)", rq.method, rq.path, htmx)
				if res.StatusCode != http.StatusNotFound && res.StatusCode != http.StatusForbidden {
					t.Errorf("%s: %d, want 404 or 403", where, res.StatusCode)
				}
				if other.name != "" && strings.Contains(body, other.name) {
					t.Errorf("%s: the answer names %s", where, other.name)
				}
				if after := webtest.Checksum(t, srv.DB); after != before {
					t.Errorf("%s: the database changed (%s)", where, webtest.ChangedTables(before, after))
				}
				tried++
			}
		}
	}
	// A group's page shows its name and size, not who is in it.
	body := webtest.Body(t, srv.Get(t, c, "/groups/"+fx.chor.Slug))
	if strings.Contains(body, "Bert") || strings.Contains(body, fx.bert.ID) {
		t.Error("own_data sees who is in a group")
	}
	t.Logf("%d guessed requests refused", tried)
	noServerErrors(t, srv)
}
