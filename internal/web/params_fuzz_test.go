package web

import (
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"mila/internal/membership"
)

// FuzzURLParams feeds arbitrary query strings to the parsers that turn a
// URL into a list query — the member overview (memberQueryFromURL and
// MemberQuery.Normalize), the group list (GroupListOptions.Normalize) and a group's
// member pages (groupQueryPage): none may panic, and what comes out is
// always within bounds, so a hand-edited or hostile link shows a list,
// never an error. The overview's own links (memberListURL) read back to
// the same query.
func FuzzURLParams(f *testing.F) {
	for _, s := range []string{
		"", "q=anna", "q=%00", "q=%FF%FE", "q=%E2%80%AE", "q=" + strings.Repeat("a", 2000),
		"status=all&sort=email&dir=desc&page=3&per_page=25&group=chor",
		"status=x&sort=y&dir=z&page=-1&per_page=0&group=../x",
		"page=99999999999999999999&per_page=9223372036854775807",
		"page=1e9&per_page=1.5&sort=cf_&group=NONE",
		"sort=cf_spitzname&dir=asc", "sort=relevance", "sort=relevance&q=a", "sort=group_count",
		"q=a&q=b&page=1&page=2", "q=%zz", "a;b=c", "&&&==", "group=none", "group=" + strings.Repeat("a", 101),
		"sort=member_count&dir=desc&q=%C3%28", "q=" + url.QueryEscape(strings.Repeat("ä", 150)),
	} {
		f.Add(s)
	}
	fields := []membership.CustomField{
		{Slug: "spitzname", Name: "Spitzname", ShowInOverview: true},
		{Slug: "hidden", Name: "Hidden"},
	}
	sorts := []string{membership.MemberSortName, membership.MemberSortEmail, membership.MemberSortCity,
		membership.MemberSortJoinDate, membership.MemberSortRelevance, membership.MemberSortGroups,
		membership.MemberSortGroupCount, "cf_spitzname"}
	statuses := []membership.MemberStatus{membership.MemberStatusActive, membership.MemberStatusFormer, membership.MemberStatusAll}

	f.Fuzz(func(t *testing.T, raw string) {
		v, _ := url.ParseQuery(raw) // what ParseQuery could read; net/http does the same

		q := memberQueryFromURL(v).Normalize(fields)
		if !slices.Contains(statuses, q.Status) || !slices.Contains(sorts, q.Sort) ||
			(q.Dir != membership.MemberDirAsc && q.Dir != membership.MemberDirDesc) ||
			q.Page < 1 || q.Page > 1_000_000 || !slices.Contains(membership.MemberPerPageChoices, q.PerPage) ||
			len(q.Q) > 1000 || q.Q != strings.TrimSpace(q.Q) {
			t.Fatalf("%q: not normalised: %+v", raw, q)
		}
		// The group is not checked here: List finds it among the groups
		// or drops it (TestMemberListResolvesGroup); it never reaches SQL.
		link, err := url.Parse(memberListURL(q))
		if err != nil || link.Path != "/members" {
			t.Fatalf("%q: memberListURL gave %q (%v)", raw, memberListURL(q), err)
		}
		if back := memberQueryFromURL(link.Query()).Normalize(fields); !reflect.DeepEqual(back, q) {
			t.Fatalf("%q: the overview's link reads back as %+v, not %+v", raw, back, q)
		}

		// What groupList asks ListGroups, normalised as ListGroups does.
		g := membership.GroupListOptions{Q: v.Get("q"), Sort: membership.GroupSort(v.Get("sort")), Desc: v.Get("dir") == "desc"}.Normalize()
		if (g.Sort != membership.GroupSortName && g.Sort != membership.GroupSortMemberCount) ||
			!utf8.ValidString(g.Q) || strings.ContainsRune(g.Q, 0) || utf8.RuneCountInString(g.Q) > membership.GroupNameMax {
			t.Fatalf("%q: group list options %+v", raw, g)
		}

		if n := groupQueryPage(&http.Request{URL: &url.URL{RawQuery: raw}}); n < 1 {
			t.Fatalf("%q: group page %d", raw, n)
		}
	})
}
