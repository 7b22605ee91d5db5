package security

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"mila/internal/membership"
	"mila/internal/webtest"
)

// Hostile names as they must appear escaped in HTML (html/template writes
// < > " ' & as entities, in text and attributes alike).
const (
	xssEscaped  = `&lt;script&gt;alert(1)&lt;/script&gt;`
	attrEscaped = `&#34; onmouseover=&#34;alert(1)`
)

// inert fails the test when body carries a hostile name unescaped: a raw
// script tag or an attribute break.
func inert(t *testing.T, where, body string) {
	t.Helper()
	for _, raw := range []string{`<script>alert(1)`, `" onmouseover="alert(1)`, `onmouseover="alert`, `'onmouseover=`, `\u003cscript\u003ealert(1)`} {
		if strings.Contains(body, raw) {
			i := strings.Index(body, raw)
			t.Errorf("%s: raw %q in the HTML: …%s…", where, raw, body[max(0, i-120):min(len(body), i+120)])
		}
	}
}

// hostileClub makes a member, a group and a custom field value with
// hostile names, over HTTP, as the admin. It returns the member's id.
type hostileClub struct {
	memberID      string
	scriptGroup   membership.Group
	attrGroup     membership.Group
	flashes       []string // pages that showed a flash with a hostile name
	partialBodies map[string]string
}

func makeHostileClub(t *testing.T, srv *webtest.Server, fx *fixture, c *http.Client) hostileClub {
	t.Helper()
	h := hostileClub{partialBodies: map[string]string{}}
	follow := func(res *http.Response, what string) {
		t.Helper()
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s: %d", what, res.StatusCode)
		}
		// The next page shows the flash naming the record.
		body := webtest.Body(t, srv.Get(t, c, res.Header.Get("Location")))
		inert(t, what+" (flash page)", body)
		h.flashes = append(h.flashes, body)
	}
	// A custom field whose name is hostile too.
	res := srv.PostForm(t, c, "/admin/fields", url.Values{"name": {`<script>alert(1)</script> field`}, "value_type": {"string"}, "show_in_overview": {"on"}, "description": {attr}})
	follow(res, "field create")
	fields, err := membership.NewCustomFields(srv.DB).List(ctxb(), fx.admin)
	if err != nil {
		t.Fatal(err)
	}
	var hostileField membership.CustomField
	for _, f := range fields {
		if strings.HasPrefix(f.Name, "<script>") {
			hostileField = f
		}
	}
	res = srv.PostForm(t, c, "/members", url.Values{
		"first_name": {xss}, "last_name": {attr}, "email": {"xss@example.org"}, "city": {xss}, "notes": {xss + "\n" + attr},
		fx.cf("string"): {xss}, hostileField.FormName(): {attr}, fx.cf("email"): {"x@example.org"},
	})
	follow(res, "member create")
	h.memberID = strings.TrimPrefix(res.Header.Get("Location"), "/members/")
	follow(srv.PostForm(t, c, "/groups", url.Values{"name": {xss}, "description": {attr}}), "group create <script>")
	follow(srv.PostForm(t, c, "/groups", url.Values{"name": {attr}, "description": {xss}}), "group create onmouseover")
	store := membership.NewGroups(srv.DB)
	groups, err := store.ListGroups(ctxb(), fx.admin, membership.GroupListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range groups.Groups {
		switch g.Name {
		case xss:
			h.scriptGroup = g
		case attr:
			h.attrGroup = g
		}
	}
	if h.scriptGroup.ID == "" || h.attrGroup.ID == "" {
		t.Fatalf("hostile groups not created: %+v", groups)
	}
	// Memberships in both groups, by the three ways the interface offers;
	// each flash names member and group.
	follow(srv.PostForm(t, c, "/groups/"+h.scriptGroup.Slug+"/members", url.Values{"member_id": {h.memberID}}), "group add member")
	follow(srv.PostForm(t, c, "/members/groups/add", url.Values{"member_id": {h.memberID, fx.anna.ID}, "group": {h.attrGroup.Slug}, "return_to": {"/members"}}), "bulk add")
	follow(srv.PostForm(t, c, "/members/"+h.memberID+"/groups/"+fx.band.Slug+"/remove", url.Values{}), "member groups remove (not in)")
	// htmx: the member's groups section comes back as a fragment with a status text.
	res = srv.PostForm(t, c, "/members/"+h.memberID+"/groups", url.Values{"group": {fx.chor.Slug}}, "HX-Request", "true")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("htmx member groups add: %d", res.StatusCode)
	}
	h.partialBodies["htmx member groups add"] = webtest.Body(t, res)
	return h
}

// TestHostileNamesInert: a member, groups and custom field values named
// <script>alert(1)</script> and " onmouseover="alert(1) are shown
// escaped everywhere they appear — overview rows and badges, filter
// chip, search, member page and form, delete dialog and page, group
// list and page, picker, titles, data attributes, htmx fragments and
// flash messages — never as markup.
func TestHostileNamesInert(t *testing.T) {
	srv := webtest.NewServer(t)
	fx := newFixture(t, srv)
	c := signIn(t, srv, fx.email["admin"])
	h := makeHostileClub(t, srv, fx, c)
	for where, body := range h.partialBodies {
		inert(t, where, body)
		if !strings.Contains(body, xssEscaped) {
			t.Errorf("%s: the hostile name is not shown (escaped) at all", where)
		}
	}
	for i, body := range h.flashes {
		if !strings.Contains(body, xssEscaped) && !strings.Contains(body, attrEscaped) {
			t.Errorf("flash page %d does not show the hostile name", i)
		}
	}
	m, g1, g2 := h.memberID, h.scriptGroup.Slug, h.attrGroup.Slug
	pages := []struct {
		path   string
		htmx   bool
		shows  bool // the page must show a hostile name (escaped)
		status int
	}{
		{"/members", false, true, 200},
		{"/members?status=all&sort=groups", false, true, 200},
		{"/members?group=" + g1, false, true, 200},
		{"/members?group=" + g2, true, true, 200},
		{"/members?q=" + url.QueryEscape(xss), false, true, 200},
		{"/members?q=" + url.QueryEscape(attr), true, true, 200},
		{"/members?q=script", true, true, 200},
		{"/members/" + m, false, true, 200},
		{"/members/" + m + "/edit", false, true, 200},
		{"/members/" + m + "/delete", false, true, 200},
		{"/groups", false, true, 200},
		{"/groups?q=" + url.QueryEscape(xss), false, true, 200},
		{"/groups/" + g1, false, true, 200},
		{"/groups/" + g2, false, true, 200},
		{"/groups/" + g1 + "?q=script", false, true, 200},
		{"/groups/" + g2 + "/candidates?q=script", true, true, 200},
		{"/groups/" + g1 + "/edit", false, true, 200},
		{"/groups/" + g1 + "/delete", false, true, 200},
		{"/groups/" + g2 + "/delete", true, true, 200},
		{"/admin/fields", false, true, 200},
		{"/groups/" + fx.chor.Slug + "?q=" + url.QueryEscape(xss), false, false, 200},
	}
	for _, p := range pages {
		var header []string
		if p.htmx {
			header = []string{"HX-Request", "true"}
		}
		res := srv.Get(t, c, p.path, header...)
		body := webtest.Body(t, res)
		where := p.path
		if p.htmx {
			where += " (htmx)"
		}
		if res.StatusCode != p.status {
			t.Errorf("%s: %d", where, res.StatusCode)
		}
		inert(t, where, body)
		if p.shows && !strings.Contains(body, xssEscaped) && !strings.Contains(body, attrEscaped) {
			t.Errorf("%s: does not show the hostile name (escaped); is the test looking at the right page?", where)
		}
	}
	// The group delete with the hostile name typed exactly works (the
	// name travels back through the form unharmed), and its flash is inert.
	res := srv.PostForm(t, c, "/groups/"+g2+"/delete", url.Values{"confirm_name": {attr}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("delete group %q: %d", attr, res.StatusCode)
	}
	body := webtest.Body(t, srv.Get(t, c, res.Header.Get("Location")))
	inert(t, "group deleted flash", body)
	if !strings.Contains(body, attrEscaped) {
		t.Error("group deleted flash does not name the group")
	}
	// So is the member's.
	res = srv.PostForm(t, c, "/members/"+m+"/delete", url.Values{})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("delete member: %d", res.StatusCode)
	}
	inert(t, "member deleted flash", webtest.Body(t, srv.Get(t, c, res.Header.Get("Location"))))
	noServerErrors(t, srv)
}
