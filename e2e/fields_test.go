package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"mila/internal/browsertest"
	"mila/internal/membership"
	"mila/internal/webtest"
)

// TestBrowserDataFields: the data fields admin and the member form with
// the keyboard, axe on every page, in English and German: fields are
// reordered with the up/down buttons (focus stays on the button), a
// choice field gets an option, marking a field required says how many
// members have no value, an older member's form asks for it beside the
// field, the member form offers a select and a checkbox group, and a
// field is deleted through the dialog that waits for its name.
func TestBrowserDataFields(t *testing.T) {
	srv := webtest.NewServer(t)
	seedAccounts(t, srv)
	admin := groupAdmin(t, srv)
	ctx := context.Background()
	cfs := membership.NewCustomFields(srv.DB)
	job, err := cfs.Create(ctx, admin, membership.CustomFieldInput{Name: "Beruf", ValueType: membership.CustomFieldString})
	if err != nil {
		t.Fatal(err)
	}
	size, err := cfs.Create(ctx, admin, membership.CustomFieldInput{Name: "Größe", ValueType: membership.CustomFieldChoice})
	if err != nil {
		t.Fatal(err)
	}
	courses, err := cfs.Create(ctx, admin, membership.CustomFieldInput{Name: "Kurse", ValueType: membership.CustomFieldMultiChoice})
	if err != nil {
		t.Fatal(err)
	}
	for f, opts := range map[string][]string{size.ID: {"S", "M"}, courses.ID: {"Yoga", "Tennis"}} {
		for _, o := range opts {
			if _, err := cfs.AddOption(ctx, admin, f, o); err != nil {
				t.Fatal(err)
			}
		}
	}
	olga := groupSeedMember(t, srv, admin, "Olga", "Older", "olga@example.org")
	nina := groupSeedMember(t, srv, admin, "Nina", "Neu", "nina@example.org")

	b := browsertest.New(t)
	groupSignIn(b, srv, "admin@example.org")

	// The list: Kurse moves up with the keyboard; focus stays on it.
	b.Do(chromedp.Navigate(srv.URL+"/admin/fields"), chromedp.WaitVisible(chromedp.CSS(`#field-row-`+courses.ID)))
	checkPage(t, b, "en", "Custom data fields")
	up := `button[aria-label="Move Kurse up"]`
	groupTabTo(t, b, up)
	// Only the page after the move has an autofocus button.
	b.Do(chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(chromedp.CSS(`button[autofocus]`)))
	groupWait(t, b, `!!document.activeElement && document.activeElement.matches('`+up+`')`)
	if got := browsertest.Eval[string](b, `[...document.querySelectorAll("tbody th")].map(e => e.firstChild.textContent.trim()).join(",")`); got != "Beruf,Kurse,Größe" {
		t.Errorf("order after the move: %q", got)
	}
	b.Axe()

	// Beruf becomes required: the form says how many members lack it.
	b.Do(chromedp.Navigate(srv.URL+"/admin/fields/"+job.ID+"/edit"), chromedp.WaitVisible(chromedp.CSS(`#field-required-hint`)))
	if got := b.Text("#field-required-hint"); !strings.Contains(got, "2 members have no value yet.") {
		t.Errorf("required hint %q", got)
	}
	b.Axe()
	b.Do(chromedp.Click(chromedp.CSS(`#field-required`)), chromedp.Submit(chromedp.CSS(`#field-name`)),
		chromedp.WaitVisible(chromedp.CSS(`#field-row-`+job.ID)))
	if f := b.Flash(); !strings.Contains(f, "2 members have no value yet") {
		t.Errorf("flash after marking required: %q", f)
	}

	// The choice field's page: add an option with the keyboard.
	b.Do(chromedp.Navigate(srv.URL+"/admin/fields/"+size.ID+"/edit"), chromedp.WaitVisible(chromedp.CSS(`#options-title`)))
	b.Axe()
	groupTabTo(t, b, `#option-new`)
	groupType(b, "L")
	b.Do(chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(chromedp.CSS(`#options li:nth-child(3)`)))
	if f := b.Flash(); !strings.Contains(f, "Option L was added.") {
		t.Errorf("flash after adding: %q", f)
	}
	b.Axe()

	// Olga's form asks for Beruf up front, then beside the field.
	b.Do(chromedp.Navigate(srv.URL+"/members/"+olga+"/edit"), chromedp.WaitVisible(chromedp.CSS(`#field-cf_beruf-now`)))
	if !browsertest.Eval[bool](b, `document.getElementById("field-cf_beruf").getAttribute("aria-describedby").includes("field-cf_beruf-now")`) {
		t.Error("the note is not tied to the input")
	}
	if !browsertest.Eval[bool](b, `document.querySelector("#field-cf_kurse legend") !== null && document.querySelectorAll("#field-cf_kurse input[type=checkbox]").length === 2`) {
		t.Error("no checkbox group with a legend for Kurse")
	}
	b.Axe()
	b.Do(chromedp.Submit(chromedp.CSS(`#field-first_name`)), chromedp.WaitVisible(chromedp.CSS(`#field-cf_beruf-error`)))
	if got := b.Text("#field-cf_beruf-error"); got != "Please fill in this field." {
		t.Errorf("error = %q", got)
	}
	b.Axe()
	b.Do(chromedp.SendKeys(chromedp.CSS(`#field-cf_beruf`), "Bäckerin"),
		chromedp.SetValue(chromedp.CSS(`#field-cf_grosse`), browsertest.Eval[string](b, `document.querySelector("#field-cf_grosse option:nth-child(3)").value`)),
		chromedp.Click(chromedp.CSS(`#field-cf_kurse input[type=checkbox]`)),
		chromedp.Submit(chromedp.CSS(`#field-first_name`)),
		chromedp.WaitNotPresent(chromedp.CSS(`form[action="/members/`+olga+`"]`)))
	if got := b.Text("main"); !strings.Contains(got, "Bäckerin") || !strings.Contains(got, "Yoga") {
		t.Errorf("member page: %q", got)
	}
	b.Axe()

	// Delete Kurse through the dialog.
	b.Do(chromedp.Navigate(srv.URL+"/admin/fields"), chromedp.WaitVisible(chromedp.CSS(`#field-row-`+courses.ID)))
	b.Do(chromedp.Click(chromedp.CSS(`#field-row-`+courses.ID+` a[data-group-delete]`)),
		chromedp.WaitVisible(chromedp.CSS(`dialog#field-delete-dialog[open] #field-confirm_name`)))
	groupWait(t, b, `document.activeElement && document.activeElement.id === "field-confirm_name"`)
	if got := b.Text("#field-delete-desc"); !strings.Contains(got, "The values are deleted, the members stay.") {
		t.Errorf("dialog text %q", got)
	}
	disabled := `document.querySelector("#field-delete-dialog [data-confirm-submit]").disabled`
	if !browsertest.Eval[bool](b, disabled) {
		t.Error("delete enabled before the name is typed")
	}
	groupWait(t, b, `document.getAnimations().every(a => a.playState !== "running" || a.timeline !== document.timeline)`)
	b.Axe()
	groupType(b, "Kurse")
	if browsertest.Eval[bool](b, disabled) {
		t.Fatal("delete still disabled with the exact name")
	}
	b.Do(chromedp.KeyEvent(kb.Enter), chromedp.WaitNotPresent(chromedp.CSS(`#field-row-`+courses.ID)))
	if f := b.Flash(); !strings.Contains(f, "Data field Kurse was deleted.") {
		t.Errorf("flash after delete %q", f)
	}
	b.Axe()

	// German: the same pages.
	b.Do(chromedp.Click(chromedp.CSS(`button[name="l"][value="de"]`)), chromedp.WaitVisible(chromedp.CSS(`html[lang="de"] h1`)))
	checkPage(t, b, "de", "Datenfelder")
	b.Do(chromedp.Navigate(srv.URL+"/admin/fields/"+size.ID+"/edit"), chromedp.WaitVisible(chromedp.CSS(`html[lang="de"] #options-title`)))
	if got := b.Text("#options-title"); got != "Auswahlmöglichkeiten" {
		t.Errorf("German options title %q", got)
	}
	b.Axe()
	b.Do(chromedp.Navigate(srv.URL+"/admin/fields/"+size.ID+"/options/"+browsertest.Eval[string](b, `document.querySelector("#options li").id.slice(7)`)+"/delete"),
		chromedp.WaitVisible(chromedp.CSS(`html[lang="de"] form[action$="/delete"]`)))
	b.Axe()
	b.Do(chromedp.Navigate(srv.URL+"/admin/fields/"+job.ID+"/delete"), chromedp.WaitVisible(chromedp.CSS(`html[lang="de"] #field-confirm_name`)))
	if got := b.Text("#field-delete-desc"); !strings.Contains(got, "Die Werte werden gelöscht, die Mitglieder bleiben.") {
		t.Errorf("German delete text %q", got)
	}
	b.Axe()
	b.Do(chromedp.SendKeys(chromedp.CSS(`#field-confirm_name`), "beruf"), chromedp.Submit(chromedp.CSS(`#field-confirm_name`)),
		chromedp.WaitVisible(chromedp.CSS(`#field-confirm_name-error`)))
	if got := b.Text("#field-confirm_name-error"); !strings.Contains(got, "Der Name stimmt nicht überein.") {
		t.Errorf("German mismatch %q", got)
	}
	b.Axe()
	b.Do(chromedp.Navigate(srv.URL+"/members/"+nina+"/edit"), chromedp.WaitVisible(chromedp.CSS(`html[lang="de"] #field-cf_beruf-now`)))
	if got := b.Text("#field-cf_beruf-now"); !strings.Contains(got, "Bitte füllen Sie es vor dem Speichern aus.") {
		t.Errorf("German note %q", got)
	}
	b.Do(chromedp.Submit(chromedp.CSS(`#field-first_name`)), chromedp.WaitVisible(chromedp.CSS(`#field-cf_beruf-error`)))
	b.Axe()
	b.NoConsoleErrors()
}
