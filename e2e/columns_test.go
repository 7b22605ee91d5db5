package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"mila/internal/browsertest"
	"mila/internal/webtest"
)

// twelveColumns are twelve overview columns (with the name, thirteen).
const twelveColumns = "email,phone,street,house_number,postal_code,city,country,join_date,exit_date,notes,member_since,groups"

// TestColumnsInTheBrowser: the board chooses the overview's columns with
// the keyboard alone (a column moved down twice with Enter, focus staying
// on its button, the live region saying where it went; another ticked
// with Space), saves them and sees them on the overview; at 1280 px
// twelve columns fit without sideways scrolling and the header row stays
// in view while the rows scroll; at 600 px each row is a card with the
// name and the first three columns. Axe on every page, in English and
// German.
func TestColumnsInTheBrowser(t *testing.T) {
	srv := webtest.NewServer(t)
	exportSeed(t, srv)
	b := browsertest.New(t)
	groupSignIn(b, srv, "board@example.org")
	headers := `[...document.querySelectorAll("#member-results thead th[scope=col]:not(.member-check)")].map(th => th.textContent.replace(/[▲▼]/g, "").trim()).filter(s => s).join("|")`

	for _, lang := range []string{"en", "de"} {
		words := map[string]map[string]string{
			"en": {"choose": "Columns", "saved": "Columns saved.", "moved": "Email is now in position 3 of 13.",
				"headers": "Name|City|Join date|Email|Groups|Number of groups|Phone"},
			"de": {"choose": "Spalten", "saved": "Spalten gespeichert.", "moved": "E-Mail steht jetzt an Position 3 von 13.",
				"headers": "Name|Ort|Eintrittsdatum|E-Mail|Gruppen|Anzahl Gruppen|Telefon"},
		}[lang]
		b.Do(chromedp.EmulateViewport(1280, 900), chromedp.Navigate(srv.URL+"/members"), chromedp.WaitVisible(chromedp.CSS("#member-columns")))
		if lang == "de" && browsertest.Eval[string](b, `document.documentElement.lang`) != "de" {
			b.Do(chromedp.Click(chromedp.CSS(`button[name="l"][value="de"]`)), chromedp.WaitVisible(chromedp.CSS(`html[lang="de"] #member-columns`)))
		}
		if got := b.Text("#member-columns"); got != words["choose"] {
			t.Errorf("%s: chooser link %q", lang, got)
		}
		b.Do(chromedp.Click(chromedp.CSS("#member-columns")), chromedp.WaitVisible(chromedp.CSS("#columns-form")))
		groupWait(t, b, `document.readyState === "complete" && !!window.htmx`)
		b.Axe()

		// Email down twice, by keyboard: Enter on its focused button.
		first := `document.querySelector("#columns-list li[data-column]").dataset.column`
		b.Do(chromedp.Focus(chromedp.CSS("#col-down-email")), chromedp.KeyEvent("\r"))
		settled := ` && !document.querySelector(".htmx-request, .htmx-swapping, .htmx-settling")`
		groupWait(t, b, first+` === "city"`+settled)
		if id := browsertest.Eval[string](b, `document.activeElement.id`); id != "col-down-email" {
			t.Errorf("%s: after moving, focus is on %q", lang, id)
		}
		b.Do(chromedp.KeyEvent("\r"))
		groupWait(t, b, `[...document.querySelectorAll("#columns-list li[data-column]")].map(li => li.dataset.column).indexOf("email") === 2`+settled)
		if id := browsertest.Eval[string](b, `document.activeElement.id`); id != "col-down-email" {
			t.Errorf("%s: after the second move, focus is on %q", lang, id)
		}
		if got := b.Text("#columns-status"); got != words["moved"] {
			t.Errorf("%s: live region says %q", lang, got)
		}
		// Phone ticked with Space.
		b.Do(chromedp.Focus(chromedp.CSS("#col-show-phone")), chromedp.KeyEvent(" "))
		if !browsertest.Eval[bool](b, `document.querySelector("#col-show-phone").checked`) {
			t.Errorf("%s: Space did not tick the phone", lang)
		}
		b.Axe()
		b.Do(chromedp.Focus(chromedp.CSS("#columns-save")), chromedp.KeyEvent("\r"), chromedp.WaitVisible(chromedp.CSS("#member-results")))
		if got := browsertest.Eval[string](b, headers); got != words["headers"] {
			t.Errorf("%s: overview headers %q, want %q", lang, got, words["headers"])
		}
		if !strings.Contains(b.Flash(), words["saved"]) {
			t.Errorf("%s: flash %q", lang, b.Flash())
		}
		b.Axe()

		// Twelve columns at 1280 px: no sideways scrolling, the header
		// row stays at the top of the table's region while it scrolls.
		b.Do(chromedp.Navigate(srv.URL+"/members?per_page=100&cols="+twelveColumns), chromedp.WaitVisible(chromedp.CSS("#member-results table")))
		if n := browsertest.Eval[int](b, `document.querySelectorAll("#member-results thead th[scope=col]:not(.member-check)").length`); n != 13 {
			t.Errorf("%s: %d header cells, want 13", lang, n)
		}
		if d := browsertest.Eval[int](b, `(s => s.scrollWidth - s.clientWidth)(document.querySelector(".member-scroll"))`); d > 0 {
			t.Errorf("%s: twelve columns overflow their container at 1280 px by %d px", lang, d)
		}
		if d := browsertest.Eval[int](b, `document.documentElement.scrollWidth - document.documentElement.clientWidth`); d > 0 {
			t.Errorf("%s: the page scrolls sideways by %d px", lang, d)
		}
		pinned := browsertest.Eval[float64](b, `(() => { const s = document.querySelector(".member-scroll"); s.scrollTop = 600;
			return document.querySelector(".member-scroll thead th").getBoundingClientRect().top - s.getBoundingClientRect().top; })()`)
		if browsertest.Eval[float64](b, `document.querySelector(".member-scroll").scrollTop`) < 100 || pinned < -1 || pinned > 1 {
			t.Errorf("%s: header row %v px from the top of its scrolled region", lang, pinned)
		}
		b.Axe()

		// A phone: cards, the name and the first three columns.
		b.Do(chromedp.EmulateViewport(600, 900, chromedp.EmulateMobile), chromedp.Navigate(srv.URL+"/members?cols="+twelveColumns),
			chromedp.WaitVisible(chromedp.CSS("#member-results tbody tr")))
		if d := browsertest.Eval[int](b, `document.documentElement.scrollWidth - document.documentElement.clientWidth`); d > 0 {
			t.Errorf("%s: the page scrolls sideways by %d px at 600 px", lang, d)
		}
		card := browsertest.Eval[[]string](b, `(() => { const tr = document.querySelector("#member-results tbody tr");
			return [getComputedStyle(tr).display, ...[...tr.querySelectorAll("th, td:not(.member-check)")].filter(c => c.getClientRects().length > 0).map(c => c.dataset.label || "name")]; })()`)
		want := map[string]string{"en": "block|name|Email|Phone|Street", "de": "block|name|E-Mail|Telefon|Straße"}[lang]
		if got := strings.Join(card, "|"); got != want {
			t.Errorf("%s: a row's card shows %q, want %q", lang, got, want)
		}
		if h := browsertest.Eval[float64](b, `document.querySelector("#member-results thead").getBoundingClientRect().height`); h > 1 {
			t.Errorf("%s: the header row shows on the cards (%v px)", lang, h)
		}
		label := browsertest.Eval[string](b, `getComputedStyle(document.querySelector("#member-results tbody td[data-label]"), "::before").content`)
		if !strings.Contains(label, map[string]string{"en": "Email", "de": "E-Mail"}[lang]) {
			t.Errorf("%s: a card's value is labelled %q", lang, label)
		}
		b.Axe()

		// Back to the default columns for the next language.
		b.Do(chromedp.EmulateViewport(1280, 900), chromedp.Navigate(srv.URL+"/members/columns"), chromedp.WaitVisible(chromedp.CSS("#columns-reset")),
			chromedp.Click(chromedp.CSS("#columns-reset")), chromedp.WaitVisible(chromedp.CSS("#member-results")))
	}
	b.NoConsoleErrors()
}
