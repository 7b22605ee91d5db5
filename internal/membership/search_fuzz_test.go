package membership

import (
	"context"
	"slices"
	"strings"
	"testing"

	"mila/internal/testpg"
)

// FuzzMemberSearch runs the overview query and the member search with
// fuzzed search text, sort, status, group and paging against a real
// database: whatever is typed, the query never fails (no SQL or
// full-text syntax error reaches PostgreSQL), and the query it ran was
// normalised into bounds. The seeds run in every `go test`; `make fuzz`
// searches further.
func FuzzMemberSearch(f *testing.F) {
	for _, s := range []string{
		"", " ", "anna", "Müller", "mueller", "ß", "O'Brien", `a & b | !c`, "(a:*) <-> b", `\`, `'`, `"`, "a:B*",
		"!!!", "&|!():*'\\", "' OR 1=1 --", "<script>alert(1)</script>", "\x00", "\xff\xfe", "\u202e", "😀",
		"%_", "$1", "a\tb\nc", strings.Repeat("ä", 300), strings.Repeat("a b ", 50), "İ", "ǅ", "ﬁ", "\u0301a",
	} {
		f.Add(s, "name", "active", 1, 50, "")
	}
	f.Add("anna", "relevance", "all", -1, 0, "none")
	f.Add("x", "cf_spitzname", "former", 1<<62, 1<<62, "chor")
	f.Add("x", "cf_", "", 0, -5, "../etc")
	f.Add("", "group_count", "ALL", 2, 25, "NONE")

	db := testpg.New(f)
	ctx := context.Background()
	members, fields, groups := NewMembers(db), NewCustomFields(db), NewGroups(db)
	cf, err := fields.Create(ctx, memberTestAdmin, CustomFieldInput{Name: "Spitzname", ValueType: CustomFieldString, ShowInOverview: true})
	if err != nil {
		f.Fatal(err)
	}
	g, err := groups.CreateGroup(ctx, memberTestAdmin, GroupInput{Name: "Chor"})
	if err != nil {
		f.Fatal(err)
	}
	for _, in := range []MemberInput{
		{FirstName: "Anna", LastName: "Müller", Email: "anna@example.org", City: "Köln", Custom: map[string]string{cf.Slug: "Annie"}},
		{FirstName: "Bert", LastName: "O'Brien", Notes: "a & b | c"},
		{FirstName: "Ça", LastName: "Straße", ExitDate: "2001-01-01", JoinDate: "2000-01-01"},
	} {
		m, err := members.Create(ctx, memberTestAdmin, in)
		if err != nil {
			f.Fatal(err)
		}
		if _, err := groups.AddMember(ctx, memberTestAdmin, g.ID, m.ID); err != nil {
			f.Fatal(err)
		}
	}
	statuses := []MemberStatus{MemberStatusActive, MemberStatusFormer, MemberStatusAll}

	f.Fuzz(func(t *testing.T, q, sort, status string, page, perPage int, group string) {
		res, err := members.List(ctx, memberTestAdmin, MemberQuery{Q: q, Sort: sort, Status: MemberStatus(status), Dir: sort, Page: page, PerPage: perPage, Group: group})
		if err != nil {
			t.Fatalf("List(q=%q sort=%q status=%q page=%d per_page=%d group=%q): %v", q, sort, status, page, perPage, group, err)
		}
		n := res.Query
		if !slices.Contains(statuses, n.Status) || n.Page < 1 || n.Page > res.Pages ||
			!slices.Contains(MemberPerPageChoices, n.PerPage) || len(res.Rows) > n.PerPage ||
			(n.Dir != MemberDirAsc && n.Dir != MemberDirDesc) || res.Total < 0 {
			t.Fatalf("not normalised: %+v (pages %d, rows %d, total %d)", n, res.Pages, len(res.Rows), res.Total)
		}
		if _, err := members.Search(ctx, memberTestAdmin, q, 20); err != nil {
			t.Fatalf("Search(%q): %v", q, err)
		}
	})
}
