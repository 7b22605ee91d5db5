package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"mila/internal/browsertest"
	"mila/internal/membership"
	"mila/internal/webtest"
)

// TestSavedListsInTheBrowser: the board saves a filtered view of the
// overview under a name (a mistake first), finds it under Lists in the
// navigation, opens it live, renames and deletes it — axe on every page,
// in English and in German.
func TestSavedListsInTheBrowser(t *testing.T) {
	srv := webtest.NewServer(t)
	exportSeed(t, srv)
	b := browsertest.New(t)
	groupSignIn(b, srv, "board@example.org")

	for _, lang := range []string{"en", "de"} {
		words := map[string]map[string]string{
			"en": {"save": "Save this view", "lists": "Lists", "saved": "saved", "delete": "Delete list", "rename": "Rename"},
			"de": {"save": "Diese Ansicht speichern", "lists": "Listen", "saved": "gespeichert", "delete": "Liste löschen", "rename": "Umbenennen"},
		}[lang]
		name := "Jugend nach Ort " + lang
		b.Do(chromedp.Navigate(srv.URL+"/members?group=jugend-u14&sort=city"), chromedp.WaitVisible(chromedp.CSS("#member-save-list")))
		if lang == "de" && browsertest.Eval[string](b, `document.documentElement.lang`) != "de" {
			b.Do(chromedp.Click(chromedp.CSS(`button[name="l"][value="de"]`)), chromedp.WaitVisible(chromedp.CSS(`html[lang="de"] #member-save-list`)))
		}
		if got := b.Text("#member-save-list"); got != words["save"] {
			t.Errorf("%s: save link %q", lang, got)
		}
		b.Do(chromedp.Click(chromedp.CSS("#member-save-list")), chromedp.WaitVisible(chromedp.CSS("#field-name")))
		b.Axe()
		// No name: the form comes back with the error next to the field.
		b.Do(chromedp.Click(chromedp.CSS(`form[action="/lists"] button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS("#field-name-error")))
		if inv := browsertest.Eval[string](b, `document.querySelector("#field-name").getAttribute("aria-invalid")`); inv != "true" {
			t.Errorf("%s: name not marked invalid", lang)
		}
		b.Axe()
		b.Do(chromedp.SendKeys(chromedp.CSS("#field-name"), name), chromedp.Click(chromedp.CSS("#field-shared")),
			chromedp.Click(chromedp.CSS(`form[action="/lists"] button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS("table")))
		if !strings.Contains(b.Flash(), words["saved"]) || !strings.Contains(b.Text("table"), name) {
			t.Errorf("%s: after saving: flash %q, table %q", lang, b.Flash(), b.Text("table"))
		}
		if cur := browsertest.Eval[string](b, `(document.querySelector("header nav a[aria-current=page]")||{}).textContent||""`); strings.TrimSpace(cur) != words["lists"] {
			t.Errorf("%s: navigation marks %q, want %q", lang, cur, words["lists"])
		}
		b.Axe()

		// Opened, the list is the overview with its view.
		b.Do(chromedp.Click(chromedp.CSS("tbody th a")), chromedp.WaitVisible(chromedp.CSS("#member-count")))
		if loc := browsertest.Eval[string](b, `location.pathname + location.search`); loc != "/members?cols=email%2Ccity%2Cjoin_date%2Cgroups%2Cgroup_count&group=jugend-u14&sort=city" { // the view's columns came along
			t.Errorf("%s: the list opens %s", lang, loc)
		}
		if got := b.Text("#member-count"); !strings.HasPrefix(got, "30") {
			t.Errorf("%s: the list shows %q, want the group's 30 members", lang, got)
		}

		// Renamed, then deleted.
		b.Do(chromedp.Navigate(srv.URL+"/lists"), chromedp.WaitVisible(chromedp.CSS("table")))
		if got := b.Text(`a[href$="/edit"]`); !strings.HasPrefix(got, words["rename"]) {
			t.Errorf("%s: rename link %q", lang, got)
		}
		b.Do(chromedp.Click(chromedp.CSS(`a[href$="/edit"]`)), chromedp.WaitVisible(chromedp.CSS("#field-name")))
		b.Axe()
		b.Do(chromedp.SetValue(chromedp.CSS("#field-name"), name+" (neu)"), chromedp.Submit(chromedp.CSS("#field-name")),
			chromedp.WaitVisible(chromedp.CSS("table")))
		if !strings.Contains(b.Text("table"), name+" (neu)") {
			t.Errorf("%s: renamed list missing: %q", lang, b.Text("table"))
		}
		b.Do(chromedp.Click(chromedp.CSS(`a[href$="/delete"]`)), chromedp.WaitVisible(chromedp.CSS(`form[action$="/delete"]`)))
		b.Axe()
		if got := b.Text(`form[action$="/delete"] button`); got != words["delete"] {
			t.Errorf("%s: delete button says %q", lang, got)
		}
		b.Do(chromedp.Click(chromedp.CSS(`form[action$="/delete"] button`)), chromedp.WaitVisible(chromedp.CSS("h1")))
		if strings.Contains(b.Text("main"), name) && !strings.Contains(b.Flash(), name) {
			t.Errorf("%s: the list is still there", lang)
		}
		b.Axe()
	}
	b.NoConsoleErrors()
}

// TestBirthdayPagesInTheBrowser: the birthday and jubilee lists and the
// home page's "this week", with axe, in English and German.
func TestBirthdayPagesInTheBrowser(t *testing.T) {
	srv := webtest.NewServer(t)
	exportSeed(t, srv)
	admin := groupAdmin(t, srv)
	f, err := membership.NewCustomFields(srv.DB).Create(context.Background(), admin, membership.CustomFieldInput{
		Name: "Geburtsdatum", ValueType: membership.CustomFieldDate, BirthDate: new(true)})
	if err != nil {
		t.Fatal(err)
	}
	soon := time.Now().AddDate(0, 0, 2)
	born := time.Date(soon.Year()-30, soon.Month(), soon.Day(), 0, 0, 0, 0, time.UTC)
	if _, err := membership.NewMembers(srv.DB).Create(context.Background(), admin, membership.MemberInput{
		FirstName: "Ölaf", LastName: "Dreißig", Custom: map[string]string{f.Slug: born.Format("2006-01-02")}}); err != nil {
		t.Fatal(err)
	}
	b := browsertest.New(t)
	groupSignIn(b, srv, "board@example.org")
	for _, lang := range []string{"en", "de"} {
		b.Do(chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(chromedp.CSS("#home-week-title")))
		if lang == "de" {
			b.Do(chromedp.Click(chromedp.CSS(`button[name="l"][value="de"]`)), chromedp.WaitVisible(chromedp.CSS(`html[lang="de"] #home-week-title`)))
		}
		if !strings.Contains(b.Text("main"), "Dreißig") {
			t.Errorf("%s: this week lacks the birthday: %q", lang, b.Text("main"))
		}
		b.Axe()
		b.Do(chromedp.Navigate(srv.URL+"/members/birthdays?days=7"), chromedp.WaitVisible(chromedp.CSS("table")))
		if !strings.Contains(b.Text("table"), "Dreißig") {
			t.Errorf("%s: birthday list: %q", lang, b.Text("table"))
		}
		b.Axe()
		b.Do(chromedp.Navigate(srv.URL+"/members/birthdays?days=999"), chromedp.WaitVisible(chromedp.CSS("#field-days-error")))
		b.Axe()
		b.Do(chromedp.Navigate(srv.URL+"/members/jubilees"), chromedp.WaitVisible(chromedp.CSS("h1")))
		b.Axe()
	}
	b.NoConsoleErrors()
}
