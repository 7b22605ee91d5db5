package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"mila/internal/browsertest"
	"mila/internal/membership"
	"mila/internal/webtest"
)

// TestBrowserHistory opens, with axe, in English and in German: a
// member's history (periods, memberships, the re-join form and its error),
// the group page's switches (current, former, all; a day; search; sort),
// and the statistics page.
func TestBrowserHistory(t *testing.T) {
	srv := webtest.NewServer(t)
	admin := memberE2EAdmin(t, srv)
	ctx := context.Background()
	h := membership.NewHistory(srv.DB)
	anna := groupSeedMember(t, srv, admin, "Anna", "Alt", "anna@example.org")
	bert := groupSeedMember(t, srv, admin, "Bert", "Bald", "")
	g := groupSeedGroup(t, srv, admin, "Jugend U14")
	if _, err := srv.DB.Exec(ctx, `UPDATE members SET join_date = '2015-01-01'`); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.DB.Exec(ctx, `UPDATE members SET exit_date = '2022-01-01' WHERE id = $1`, anna); err != nil {
		t.Fatal(err)
	}
	coach, err := h.CreateRole(ctx, admin, "", "Trainer", true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.AddMembership(ctx, admin, anna, g.ID, membership.MembershipInput{From: "2018-01-01", Until: "2022-01-01"}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.AddMembership(ctx, admin, bert, g.ID, membership.MembershipInput{From: "2019-09-01", RoleID: coach.ID}); err != nil {
		t.Fatal(err)
	}
	b := browsertest.New(t)
	memberE2ESignIn(b, srv, "admin@example.org")

	for _, lang := range []string{"en", "de"} {
		b.Do(chromedp.Navigate(srv.URL+"/members/"+anna), chromedp.WaitVisible(chromedp.CSS(`#history`)))
		if lang == "de" {
			b.Do(chromedp.Click(chromedp.CSS(`button[name="l"][value="de"]`)), chromedp.WaitVisible(chromedp.CSS(`html[lang="de"] #history`)))
		}
		got := b.Text("#history")
		for _, want := range map[string][]string{
			"en": {"Periods in the club", "Jugend U14", "former", "Add a period (re-join)"},
			"de": {"Zeiträume der Mitgliedschaft", "Jugend U14", "ehemalig", "Wiedereintritt"},
		}[lang] {
			if !strings.Contains(got, want) {
				t.Errorf("%s: history lacks %q: %q", lang, want, got)
			}
		}
		b.Axe()
		// A period overlapping the first: the error next to the field.
		b.Do(
			chromedp.SetValue(chromedp.CSS(`#field-starts_on`), "2016-01-01"),
			chromedp.SetValue(chromedp.CSS(`#field-ends_on`), "2017-01-01"),
			chromedp.Click(chromedp.CSS(`#history-form button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.CSS(`#error-summary`)),
		)
		b.Axe()

		// The group page: current by default, then former and all, a day, a search.
		for _, path := range []string{"/groups/jugend-u14", "/groups/jugend-u14?show=former", "/groups/jugend-u14?show=all&hsort=role",
			"/groups/jugend-u14?as_of=2020-01-01", "/groups/jugend-u14?show=all&hq=alt"} {
			b.Do(chromedp.Navigate(srv.URL+path), chromedp.WaitVisible(chromedp.CSS(`#group-history`)))
			b.Axe()
		}
		// The switch by keyboard-free selection: former members shows Anna, marked.
		b.Do(chromedp.Navigate(srv.URL+"/groups/jugend-u14"), chromedp.WaitVisible(chromedp.CSS(`#group-history-show`)))
		b.Do(chromedp.SetValue(chromedp.CSS(`#group-history-show`), "former"),
			chromedp.Submit(chromedp.CSS(`#group-history-show`)),
			chromedp.WaitVisible(chromedp.CSS(`#group-history .badge-warning`)))
		if got := b.Text("#group-history"); !strings.Contains(got, "Anna Alt") || strings.Contains(got, "Bert Bald") {
			t.Errorf("%s: former members: %q", lang, got)
		}

		b.Do(chromedp.Navigate(srv.URL+"/statistics?as_of=2020-06-30"), chromedp.WaitVisible(chromedp.CSS(`#stats-years-chart`)))
		b.Axe()
		// A number leads to the overview with exactly those members.
		b.Do(chromedp.Click(chromedp.CSS(`#stats-groups-table a`)), chromedp.WaitVisible(chromedp.CSS(`#member-results`)))
		if got := b.Text("#member-results"); !strings.Contains(got, "Alt") || !strings.Contains(got, "Bald") {
			t.Errorf("%s: the group's number lists %q", lang, got)
		}
		b.Axe()
	}
	b.Do(chromedp.Click(chromedp.CSS(`button[name="l"][value="en"]`)), chromedp.WaitVisible(chromedp.CSS(`html[lang="en"] h1`)))
}
