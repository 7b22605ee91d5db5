package web

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/a-h/templ"
	"golang.org/x/net/html"

	"mila/internal/authz"
	"mila/internal/membership"
)

// hostileValues are what the escaping test puts in every field a view
// shows: markup, attribute breakouts, NUL, invalid UTF-8, template
// syntax, URL schemes and escapes, white space.
var hostileValues = []string{
	"plain", `<script>alert(1)</script>`, `" onmouseover="alert(1)`, `' onfocus='x`,
	"a&b+c", "Ä ö ß é 漢字 🙂", "nul\x00byte", "bad\xffutf8\xc3", "{{.Name}}", "javascript:alert(1)",
	"%41%zz%", "line\nbreak\ttab", "`backtick` (paren) [x]", "ü ö?x=\"y\"&z='1'", "a/b/../c#frag",
}

// TestViewsEscapeHostileValues renders the views with hostile values in
// every field and parses the result as a browser would. The elements and
// attributes must be exactly those of the same views with harmless
// values (nothing broke out of its text or attribute), every value must
// come back as it was given, and no link or form may carry a javascript:
// URL.
func TestViewsEscapeHostileValues(t *testing.T) {
	tr, err := newTranslator()
	if err != nil {
		t.Fatal(err)
	}
	assets, err := newAssetServer(staticFS)
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"en", "de"} {
		for _, tc := range []struct {
			name string
			view func(f *frame, v func(int) string) templ.Component
		}{
			{"member overview", memberListForTest},
			{"groups page", groupListForTest},
			{"group page", groupShowForTest},
			{"member page", memberShowForTest},
			{"member form", memberFormForTest},
		} {
			render := func(v func(int) string) string {
				f := &frame{Lang: lang, Actor: authz.Actor{UserID: "u", Email: v(0), Set: authz.Admin},
					CurrentPath: "/members", ReturnTo: "/members?q=" + url.QueryEscape(v(1)), Version: v(2), tr: tr, assets: assets,
					Flashes: []Flash{{Kind: "success", Text: v(3)}, {Kind: "error", Text: v(4)}}}
				f.Nav = navFor(f.Actor, f.CurrentPath)
				return renderString(t, tc.view(f, v))
			}
			hostile := func(i int) string { return hostileValues[i%len(hostileValues)] }
			// Distinct where the hostile values are, so that the same
			// options come out selected.
			harmless := func(i int) string { return "x" + strconv.Itoa(i%len(hostileValues)) }
			got, want := render(hostile), render(harmless)
			where := lang + " " + tc.name
			if s, w := skeleton(t, got), skeleton(t, want); !slices.Equal(s, w) {
				i := 0
				for i < len(s) && i < len(w) && s[i] == w[i] {
					i++
				}
				t.Errorf("%s: elements or attributes differ from the harmless rendering at %d:\n got %q\nwant %q",
					where, i, s[max(0, i-3):min(len(s), i+3)], w[max(0, i-3):min(len(w), i+3)])
			}
			shown := parsedStrings(t, got)
			for _, h := range hostileValues {
				if !slices.ContainsFunc(shown, func(s string) bool { return strings.Contains(s, asParsed(h)) }) {
					t.Errorf("%s: %q is not shown as it is", where, h)
				}
			}
		}
	}
}

// asParsed is s as an HTML parser gives it back: browsers replace or drop
// NUL, so it is left out of the comparison.
func asParsed(s string) string {
	return strings.NewReplacer("\x00", "", "\uFFFD", "").Replace(s)
}

// skeleton is page's elements and attribute names in order, without
// text or values; it fails on a javascript: URL.
func skeleton(t *testing.T, page string) []string {
	t.Helper()
	var out []string
	z := html.NewTokenizer(strings.NewReader(page))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return out
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			names := []string{"<" + tok.Data}
			for _, a := range tok.Attr {
				names = append(names, a.Key)
				switch a.Key {
				case "href", "action", "formaction", "src": // what a browser navigates to
					if strings.HasPrefix(strings.ToLower(strings.TrimSpace(a.Val)), "javascript:") {
						t.Errorf("%s=%q", a.Key, a.Val)
					}
				}
			}
			out = append(out, strings.Join(names, " "))
		case html.EndTagToken:
			out = append(out, "</"+z.Token().Data)
		}
	}
}

// parsedStrings are page's text and attribute values as a parser reads
// them.
func parsedStrings(t *testing.T, page string) []string {
	t.Helper()
	var out []string
	z := html.NewTokenizer(strings.NewReader(page))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return out
		case html.TextToken:
			out = append(out, asParsed(string(z.Text())))
		case html.StartTagToken, html.SelfClosingTagToken:
			for _, a := range z.Token().Attr {
				out = append(out, asParsed(a.Val))
			}
		}
	}
}

func memberListForTest(f *frame, v func(int) string) templ.Component {
	groups := make([]membership.GroupChoice, len(hostileValues))
	for i := range groups {
		groups[i] = membership.GroupChoice{ID: v(i), Name: v(i + 1), Slug: v(i + 2)}
	}
	p := memberListPage{
		Result: membership.MemberPage{Total: 2, Pages: 3}, Query: membership.MemberQuery{Q: v(5), Group: v(4), Page: 2, PerPage: 25},
		Headers:   []memberListHeader{{LabelID: "MembersColName", URL: v(6), Key: v(7), AriaSort: "ascending"}, {Label: v(8), URL: v(9), Key: v(10)}},
		CanCreate: true, PerPages: membership.MemberPerPageChoices, From: 26, To: 27,
		Statuses: []memberListOption{{Value: v(11), LabelID: "MembersStatusAll"}},
		PrevURL:  v(12), NextURL: v(13), ResultsURL: v(14), SortHidden: v(0), DirHidden: v(1),
		ShowGroups: true, Groups: groups, GroupFilter: v(2), GroupChipURL: v(3), CanBulkAdd: true, CanBulkRemove: true, Partial: true,
	}
	for i := range hostileValues {
		row := memberListRow{
			MemberRow: membership.MemberRow{ID: v(i), FirstName: v(i + 1), LastName: v(i + 2), Email: v(i + 3), City: v(i + 4),
				JoinDate: time.Date(2024, 3, 7, 0, 0, 0, 0, time.UTC), GroupCount: i * 1234},
			Former: i%2 == 0, Cells: []memberCell{{Label: v(i + 7), Text: v(i + 5)}, {Label: v(i + 8), Groups: true}, {Label: v(i + 9), Text: strings.Repeat("y", memberClipChars) + v(i+6)}},
		}
		for j := range 3 {
			row.Badges = append(row.Badges, memberGroupBadge{Name: v(i + j), Slug: v(i + j + 1), URL: v(i + j + 2), Active: j == 1})
		}
		p.Rows = append(p.Rows, row)
	}
	return memberListView(f, p)
}

func groupListForTest(f *frame, v func(int) string) templ.Component {
	p := groupListPage{Q: v(1), Sort: "name", Dir: "asc", CanCreate: true, CanEdit: true, CanDelete: true}
	for i := range hostileValues {
		p.Groups = append(p.Groups, membership.Group{ID: v(i), Name: v(i + 1), Slug: v(i + 2), Description: v(i + 3), MemberCount: i * 999})
	}
	return groupListView(f, p)
}

func groupShowForTest(f *frame, v func(int) string) templ.Component {
	p := groupShowPage{
		Group:          membership.Group{Name: v(0), Slug: v(1), Description: v(2), MemberCount: 12345},
		CanReadMembers: true, CanEdit: true, CanDelete: true, CanAdd: true, CanRemove: true, Q: v(3), Searched: true,
		History: &groupHistorySection{Slug: v(1), CanEnd: true, AsOf: "2020-01-01", Page: membership.GroupHistoryPage{
			Total: 120, Query: membership.GroupHistoryQuery{Page: 2, PerPage: 50, Q: v(4)}.Normalize()}},
	}
	for i := range hostileValues {
		p.History.Page.Rows = append(p.History.Page.Rows, membership.Membership{MemberID: v(i), FirstName: v(i + 1), LastName: v(i + 2), Email: v(i + 3),
			RoleName: v(i + 4), RoleLeads: true, LeftClub: true})
		p.Candidates = append(p.Candidates, membership.GroupCandidate{ID: v(i + 4), Name: v(i + 5), Email: v(i + 6), InGroup: i%2 == 0})
	}
	return groupShowView(f, p)
}

func memberShowForTest(f *frame, v func(int) string) templ.Component {
	exit := time.Date(2025, 1, 31, 0, 0, 0, 0, time.UTC)
	m := membership.Member{ID: v(0), FirstName: v(1), LastName: v(2), Email: v(3), Phone: v(4), Street: v(5), HouseNumber: v(6),
		PostalCode: v(7), City: v(8), Country: v(9), Notes: v(10), ExitDate: &exit}
	p := memberShowPage{Member: m, Former: true, CanEdit: true, CanDelete: true, CanLink: true,
		Deletion: membership.MemberDeletion{Member: m, CustomValueCount: 3, GroupCount: 2, LinkedUserEmail: v(11)},
		LinkForm: newForm(url.Values{"user_id": {v(12)}}), LinkError: v(13),
		Groups: groupMemberSection{Visible: true, MemberID: v(0), MemberName: v(14), CanAdd: true, CanRemove: true},
	}
	for i := range hostileValues {
		p.Custom = append(p.Custom, memberCustomView{Name: v(i), Value: v(i + 1), Description: v(i + 2)})
		p.Linkable = append(p.Linkable, membership.MemberUserOption{ID: v(i + 3), Email: v(i + 4)})
		p.Groups.Groups = append(p.Groups.Groups, membership.GroupChoice{ID: v(i), Name: v(i + 5), Slug: v(i + 6)})
		p.Groups.Available = append(p.Groups.Available, membership.GroupChoice{ID: v(i), Name: v(i + 7), Slug: v(i + 8)})
	}
	return memberShowView(f, p)
}

func memberFormForTest(f *frame, v func(int) string) templ.Component {
	values := url.Values{}
	for i, name := range []string{"first_name", "last_name", "email", "phone", "street", "house_number", "postal_code", "city", "country", "join_date", "exit_date", "notes", "version"} {
		values.Set(name, v(i))
	}
	form := newForm(values)
	form.Add("first_name", "MemberFieldFirstName", "ErrRequired")
	form.Add("notes", "MemberFieldNotes", "ErrTooLong", "Max", 10)
	p := memberFormPage{Form: form, Member: membership.Member{ID: v(1), FirstName: v(2)}, Action: v(3), Cancel: v(4), Conflict: true,
		Max: membership.MemberFieldMax}
	for i := range hostileValues {
		e := FieldError{Field: "cf_" + v(i), MsgID: "ErrRequired"}
		c := memberFormCustom{Field: membership.CustomField{Name: v(i + 1), Description: v(i + 2), Required: true},
			Name: v(i + 3), ID: v(i + 4), Value: v(i + 5), InputType: "text", Error: &e}
		if i%2 == 0 {
			c.InputType, c.Checked = "checkbox", true
		}
		p.Custom = append(p.Custom, c)
		p.Summary = append(p.Summary, memberFormProblem{Field: v(i + 6), Label: v(i + 7), Error: e})
	}
	return memberFormView(f, p)
}
