package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"mila/internal/webtest"
)

func TestGroupRoutesNeedSignIn(t *testing.T) {
	srv := webtest.NewServer(t)
	c := srv.Client()
	for _, p := range []string{"/groups", "/groups/new", "/groups/x", "/groups/x/edit", "/groups/x/delete", "/groups/x/candidates?q=a"} {
		res := srv.Get(t, c, p)
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/sign-in?return_to=") {
			t.Errorf("GET %s anonymous: %d %q", p, res.StatusCode, res.Header.Get("Location"))
		}
	}
	for _, p := range []string{"/groups", "/groups/x", "/groups/x/delete", "/groups/x/members", "/groups/x/members/0190a2b4-0000-7000-8000-000000000000/remove"} {
		res := srv.PostForm(t, c, p, url.Values{})
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/sign-in") {
			t.Errorf("POST %s anonymous: %d %q", p, res.StatusCode, res.Header.Get("Location"))
		}
	}
}

func TestGroupRoutesDeclarePermissions(t *testing.T) {
	srv := webtest.NewServer(t)
	want := map[string][2]string{
		"GET /groups":                                    {"Group", "read"},
		"GET /groups/new":                                {"Group", "create"},
		"POST /groups":                                   {"Group", "create"},
		"GET /groups/{slug}":                             {"Group", "read"},
		"GET /groups/{slug}/edit":                        {"Group", "update"},
		"POST /groups/{slug}":                            {"Group", "update"},
		"GET /groups/{slug}/delete":                      {"Group", "destroy"},
		"POST /groups/{slug}/delete":                     {"Group", "destroy"},
		"GET /groups/{slug}/candidates":                  {"MemberGroup", "create"},
		"POST /groups/{slug}/members":                    {"MemberGroup", "create"},
		"POST /groups/{slug}/members/{member_id}/remove": {"MemberGroup", "destroy"},
	}
	got := map[string]bool{}
	for _, rt := range srv.App.Routes() {
		w, ok := want[rt.Pattern]
		if !ok {
			continue
		}
		got[rt.Pattern] = true
		if string(rt.Resource) != w[0] || string(rt.Action) != w[1] || rt.Public {
			t.Errorf("%s: %s %s public=%v, want %s %s", rt.Pattern, rt.Resource, rt.Action, rt.Public, w[0], w[1])
		}
	}
	for p := range want {
		if !got[p] {
			t.Errorf("route %s not registered", p)
		}
	}
}
