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

// TestBrowserHistoryEditing opens, with axe, in English and in German:
// the member page's membership editing (adding a dated membership with a
// role, an overlap refused next to the field, a row edited in place and
// its error) and the group-roles screens (a group's own roles, the
// club-wide list with a used role refused).
func TestBrowserHistoryEditing(t *testing.T) {
	srv := webtest.NewServer(t)
	admin := memberE2EAdmin(t, srv)
	ctx := context.Background()
	h := membership.NewHistory(srv.DB)
	anna := groupSeedMember(t, srv, admin, "Anna", "Alt", "anna@example.org")
	u14 := groupSeedGroup(t, srv, admin, "Jugend U14")
	chor := groupSeedGroup(t, srv, admin, "Chor")
	if _, err := srv.DB.Exec(ctx, `UPDATE members SET join_date = '2015-01-01'`); err != nil {
		t.Fatal(err)
	}
	trainer, err := h.CreateRole(ctx, admin, "", "Trainer", true)
	if err != nil {
		t.Fatal(err)
	}
	first, err := h.AddMembership(ctx, admin, anna, u14.ID, membership.MembershipInput{From: "2018-01-01", Until: "2022-01-01"})
	if err != nil {
		t.Fatal(err)
	}
	b := browsertest.New(t)
	memberE2ESignIn(b, srv, "admin@example.org")

	texts := map[string]map[string]string{
		"en": {"overlap": "overlaps another membership in this group", "added": "Membership in Chor added",
			"order": "must be after the start", "roles": "Roles in Jugend U14", "inuse": "cannot be deleted: 1 membership"},
		"de": {"overlap": "überschneidet sich mit einer anderen Mitgliedschaft", "added": "Mitgliedschaft in Chor hinzugefügt",
			"order": "muss nach dem Beginn liegen", "roles": "Rollen in Jugend U14", "inuse": "kann nicht gelöscht werden: 2 Mitgliedschaften"}, // the English run added one
	}
	years := map[string][2]string{"en": {"2023-01-01", "2023-06-01"}, "de": {"2024-01-01", "2024-06-01"}}
	for _, lang := range []string{"en", "de"} {
		tx := texts[lang]
		b.Do(chromedp.Navigate(srv.URL+"/members/"+anna), chromedp.WaitVisible(chromedp.CSS(`#membership-add`)))
		if lang == "de" {
			b.Do(chromedp.Click(chromedp.CSS(`button[name="l"][value="de"]`)), chromedp.WaitVisible(chromedp.CSS(`html[lang="de"] #membership-add`)))
		}
		b.Axe()
		// An overlapping membership: the error next to the field, nothing added.
		b.Do(
			chromedp.SetValue(chromedp.CSS(`#field-group_id`), u14.ID),
			chromedp.SetValue(chromedp.CSS(`#field-from`), "2019-01-01"),
			chromedp.SetValue(chromedp.CSS(`#field-until`), "2019-06-01"),
			chromedp.Click(chromedp.CSS(`#membership-add button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.CSS(`#membership-add #error-summary`)),
		)
		if got := b.Text("#membership-add"); !strings.Contains(got, tx["overlap"]) {
			t.Errorf("%s: overlap: %q", lang, got)
		}
		b.Axe()
		// A dated membership in Chor with the club-wide role.
		y := years[lang]
		b.Do(
			chromedp.SetValue(chromedp.CSS(`#field-group_id`), chor.ID),
			chromedp.SetValue(chromedp.CSS(`#field-from`), y[0]),
			chromedp.SetValue(chromedp.CSS(`#field-until`), y[1]),
			chromedp.SetValue(chromedp.CSS(`#field-role_id`), trainer.ID),
			chromedp.Click(chromedp.CSS(`#membership-add button[type="submit"]`)),
			chromedp.WaitNotPresent(chromedp.CSS(`#membership-add #error-summary`)),
			chromedp.WaitVisible(chromedp.CSS(`a[href*="edit_membership=`+first.ID+`"]`)),
		)
		if got := b.Flash(); !strings.Contains(got, tx["added"]) {
			t.Errorf("%s: flash %q", lang, got)
		}
		var n int
		if err := srv.DB.QueryRow(ctx, `SELECT count(*) FROM group_memberships WHERE member_id = $1 AND group_id = $2 AND valid_from = $3 AND role_id = $4`,
			anna, chor.ID, y[0], trainer.ID).Scan(&n); err != nil || n != 1 {
			t.Fatalf("%s: dated membership not added (%d, %v)", lang, n, err)
		}
		// Editing the first row in place: until before since is refused there.
		b.Do(
			chromedp.Click(chromedp.CSS(`a[href*="edit_membership=`+first.ID+`"]`)),
			chromedp.WaitVisible(chromedp.CSS(`#membership-edit #field-until`)),
		)
		b.Axe()
		b.Do(
			chromedp.SetValue(chromedp.CSS(`#membership-edit #field-until`), "2017-01-01"),
			chromedp.Click(chromedp.CSS(`#membership-edit button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.CSS(`#membership-edit #error-summary`)),
		)
		if got := b.Text("#membership-edit"); !strings.Contains(got, tx["order"]) {
			t.Errorf("%s: edit error: %q", lang, got)
		}
		b.Axe()

		// The group's roles screen: add a role of its own.
		b.Do(chromedp.Navigate(srv.URL+"/groups/jugend-u14/roles"), chromedp.WaitVisible(chromedp.CSS(`#list-add-title`)))
		if got := b.Text("h1"); got != tx["roles"] {
			t.Errorf("%s: roles title %q", lang, got)
		}
		b.Axe()
		b.Do(
			chromedp.SetValue(chromedp.CSS(`#field-name`), "Kapitän "+lang),
			chromedp.Click(chromedp.CSS(`#list-add-title ~ form button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.CSS(`input[value="Kapitän `+lang+`"]`)),
		)
		b.Axe()
		// The club-wide list: Trainer is held, so deleting it is refused.
		b.Do(chromedp.Navigate(srv.URL+"/admin/group-roles"), chromedp.WaitVisible(chromedp.CSS(`#entry-`+trainer.ID)))
		b.Do(
			chromedp.Click(chromedp.CSS(`#entry-`+trainer.ID+` form[action$="/delete"] button`)),
			chromedp.WaitVisible(chromedp.CSS(`#entry-`+trainer.ID+` [role="alert"]`)),
		)
		if got := b.Text(`#entry-` + trainer.ID); !strings.Contains(got, tx["inuse"]) {
			t.Errorf("%s: in use: %q", lang, got)
		}
		b.Axe()
	}
	b.Do(chromedp.Click(chromedp.CSS(`button[name="l"][value="en"]`)), chromedp.WaitVisible(chromedp.CSS(`html[lang="en"] h1`)))
}
