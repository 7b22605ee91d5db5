package web

import (
	"bytes"
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/a-h/templ"

	"mila/internal/authz"
	"mila/internal/membership"
)

// BenchmarkViews renders the views with the most rows from data built in
// memory, without a database or HTTP: what the views themselves cost
// (BenchmarkMemberOverview measures whole requests).
//
//	go test ./internal/web -run '^$' -bench Views -benchmem
func BenchmarkViews(b *testing.B) {
	tr, err := newTranslator()
	if err != nil {
		b.Fatal(err)
	}
	assets, err := newAssetServer(staticFS)
	if err != nil {
		b.Fatal(err)
	}
	f := &frame{
		Lang: "de", Actor: authz.Actor{UserID: "u", Email: "admin@example.org", Set: authz.Admin},
		CurrentPath: "/members", ReturnTo: "/members", Version: "dev", tr: tr, assets: assets,
	}
	f.Nav = navFor(f.Actor, f.CurrentPath)

	groups := make([]membership.GroupChoice, 300)
	for i := range groups {
		n := "Gruppe " + strconv.Itoa(i)
		groups[i] = membership.GroupChoice{ID: strconv.Itoa(i), Name: n, Slug: "gruppe-" + strconv.Itoa(i)}
	}
	list := memberListPage{
		Result:     membership.MemberPage{Total: 89000, TotalIsEstimate: true, Pages: 1780},
		Query:      membership.MemberQuery{Page: 1, PerPage: 50, Status: membership.MemberStatusActive},
		CanCreate:  true,
		PerPages:   membership.MemberPerPageChoices,
		ShowGroups: true, Groups: groups, CanBulkAdd: true, CanBulkRemove: true,
		From: 1, To: 50, NextURL: "/members?page=2", ResultsURL: "/members",
	}
	for _, h := range []string{"MembersColName", "MembersColEmail", "MembersColCity", "MembersColJoinDate", "MembersColGroups", "MembersColGroupCount"} {
		list.Headers = append(list.Headers, memberListHeader{LabelID: h, URL: "/members?sort=x", Key: "x"})
	}
	list.Headers = append(list.Headers, memberListHeader{Label: "Mitgliedsnummer", URL: "/members?sort=cf_nr", Key: "cf_nr"})
	join := time.Date(2019, 4, 1, 0, 0, 0, 0, time.UTC)
	for i := range 50 {
		row := memberListRow{
			MemberRow: membership.MemberRow{
				ID: "01a23afa-4c10-7000-8000-0000000" + strconv.Itoa(10000+i), FirstName: "Anna", LastName: "Müller",
				Email: "anna.mueller" + strconv.Itoa(i) + "@example.org", City: "Köln", JoinDate: join, GroupCount: 1 + i%5,
			},
			Cells: []memberCell{{Label: "E-Mail", Text: "anna.mueller" + strconv.Itoa(i) + "@example.org"}, {Label: "Ort", Text: "Köln"},
				{Label: "Eintrittsdatum", Text: "01.04.2019", Nowrap: true}, {Label: "Gruppen", Groups: true},
				{Label: "Anzahl der Gruppen", Text: strconv.Itoa(1 + i%5), Num: true},
				{Label: "Mitgliedsnummer", Text: strconv.Itoa(1000 + i), Num: true}},
		}
		for j := range 1 + i%5 {
			g := groups[(i*7+j*13)%len(groups)]
			row.Badges = append(row.Badges, memberGroupBadge{Name: g.Name, Slug: g.Slug, URL: "/members?group=" + g.Slug})
		}
		list.Rows = append(list.Rows, row)
	}

	var glist groupListPage
	glist.Sort, glist.Dir, glist.CanCreate, glist.CanEdit, glist.CanDelete = "name", "asc", true, true, true
	for i, g := range groups {
		glist.Groups = append(glist.Groups, membership.Group{ID: g.ID, Name: g.Name, Slug: g.Slug, Description: "Trainingsgruppe", MemberCount: i * 37})
	}

	show := groupShowPage{
		Group:          membership.Group{Name: "Badminton Herren", Slug: "badminton-herren", MemberCount: 61439},
		CanReadMembers: true, CanEdit: true, CanDelete: true, CanAdd: true, CanRemove: true,
		History: &groupHistorySection{Slug: "badminton-herren", CanEnd: true, Page: membership.GroupHistoryPage{
			Total: 61439, Query: membership.GroupHistoryQuery{Page: 1, PerPage: 50}.Normalize()}},
	}
	for _, r := range list.Rows {
		show.History.Page.Rows = append(show.History.Page.Rows, membership.Membership{MemberID: r.ID, FirstName: r.FirstName, LastName: r.LastName,
			Email: r.Email, RoleName: "Trainer", From: r.JoinDate})
	}

	for _, bc := range []struct {
		name string
		c    templ.Component
	}{
		{"/members", memberListView(f, list)},
		{"/groups", groupListView(f, glist)},
		{"/groups/{slug}", groupShowView(f, show)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			buf := new(bytes.Buffer)
			for b.Loop() {
				buf.Reset()
				if err := bc.c.Render(context.Background(), buf); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(buf.Len()), "bytes/page")
		})
	}
}
