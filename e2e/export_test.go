package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"mila/internal/browsertest"
	"mila/internal/export/pdftext"
	"mila/internal/membership"
	"mila/internal/webtest"
)

// exportSeed makes 60 members, every second one in "Jugend U14".
func exportSeed(t *testing.T, srv *webtest.Server) {
	t.Helper()
	seedAccounts(t, srv)
	admin := groupAdmin(t, srv)
	var ids []string
	for i := range 60 {
		m, err := membership.NewMembers(srv.DB).Create(context.Background(), admin, membership.MemberInput{
			FirstName: "Jörg", LastName: fmt.Sprintf("Ölmüller%02d", i), Email: fmt.Sprintf("p%02d@example.org", i),
			City: "Köln", Street: "Ringstraße", HouseNumber: fmt.Sprint(i + 1), PostalCode: "50667"})
		if err != nil {
			t.Fatal(err)
		}
		if i%2 == 0 {
			ids = append(ids, m.ID)
		}
	}
	groupSeedGroup(t, srv, admin, "Jugend U14", ids...)
}

// printMedia switches the page to print media (as the print preview
// renders it) or back to the screen.
func printMedia(b *browsertest.Browser, on bool) {
	media := ""
	if on {
		media = "print"
	}
	b.Do(func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: media})
		return chromedp.Void{}, err
	})
}

// visible reports how many elements match css and how many of them are
// displayed.
func visible(b *browsertest.Browser, css string) (n, shown int) {
	r := browsertest.Eval[[]int](b, fmt.Sprintf(`(() => { const els = [...document.querySelectorAll(%q)];
		return [els.length, els.filter(e => e.getClientRects().length > 0).length]; })()`, css))
	return r[0], r[1]
}

// TestPrintStylesheet: printed, the overview, a group page and a member
// page show no navigation, forms, buttons or checkboxes; the view's
// description and the date are on top; printed to PDF, the list's
// header row is on every page.
func TestPrintStylesheet(t *testing.T) {
	srv := webtest.NewServer(t)
	exportSeed(t, srv)
	b := browsertest.New(t)
	groupSignIn(b, srv, "admin@example.org")

	for _, lang := range []string{"en", "de"} {
		b.Do(chromedp.Navigate(srv.URL+"/members?group=jugend-u14&sort=city&per_page=100"), chromedp.WaitVisible(chromedp.CSS("#member-count")))
		if lang == "de" {
			b.Do(chromedp.Click(chromedp.CSS(`button[name="l"][value="de"]`)), chromedp.WaitVisible(chromedp.CSS(`html[lang="de"] #member-count`)))
		}
		// On screen: the export links, no print header; axe.
		if n, shown := visible(b, ".export-links a"); n != 5 || shown != 5 {
			t.Errorf("%s: %d export links, %d shown; want 5", lang, n, shown)
		}
		if _, shown := visible(b, ".print-only"); shown != 0 {
			t.Errorf("%s: %d print-only elements shown on screen", lang, shown)
		}
		b.Axe()

		for _, path := range []string{"", "/groups/jugend-u14", "/members/" + firstMemberID(t, srv)} {
			if path != "" {
				printMedia(b, false)
				b.Do(chromedp.Navigate(srv.URL+path), chromedp.WaitVisible(chromedp.CSS("h1")))
				b.Axe()
			}
			printMedia(b, true)
			for _, css := range []string{"header.navbar", "nav", "form", "button", ".btn", "input", "select", "input[type=checkbox]", ".export-links"} {
				if n, shown := visible(b, css); shown != 0 {
					t.Errorf("%s %s printed: %d of %d %q shown", lang, path, shown, n, css)
				}
			}
			if n, shown := visible(b, ".print-header"); n != 1 || shown != 1 {
				t.Errorf("%s %s printed: no date on top", lang, path)
			}
			head := b.Text(".print-header")
			if !strings.Contains(head, time.Now().Format("2006")) {
				t.Errorf("%s %s: print header %q lacks the date", lang, path, head)
			}
			if path == "" {
				want := map[string]string{"en": "Active members · Group: Jugend U14 · Sorted by City", "de": "Aktive Mitglieder · Gruppe: Jugend U14 · Sortiert nach Ort"}[lang]
				if got := b.Text("#member-view-description"); got != want {
					t.Errorf("%s: printed description %q, want %q", lang, got, want)
				}
				if d := browsertest.Eval[string](b, `getComputedStyle(document.querySelector("thead")).display`); d != "table-header-group" {
					t.Errorf("%s: thead display %q", lang, d)
				}
			}
		}
		printMedia(b, false)
	}

	// Printed to PDF by Chromium: the overview's 60 rows take more than
	// one page, and each page starts with the header row.
	if _, err := exec.LookPath("pdftotext"); err != nil {
		if os.Getenv("MILA_REQUIRE_BROWSER") != "" {
			t.Fatal("pdftotext missing (Debian poppler-utils)")
		}
		t.Skip("pdftotext missing")
	}
	b.Do(chromedp.Navigate(srv.URL+"/members?per_page=100"), chromedp.WaitVisible(chromedp.CSS("#member-count")))
	pdf, err := chromedp.Run(b.Ctx, chromedp.PrintToPDF(chromedp.PDFPreferCSSPageSize()))
	if err != nil {
		t.Fatal(err)
	}
	pages := pdftext.PDFPages(t, pdf)
	if len(pages) < 2 {
		t.Fatalf("60 members printed on %d page(s), want more", len(pages))
	}
	for i, p := range pages {
		if !strings.Contains(p, "Ölmüller") {
			t.Errorf("printed page %d has no rows:\n%s", i+1, p)
		}
		if !strings.Contains(p, "Nachname") && !strings.Contains(p, "Name") || !strings.Contains(p, "Ort") && !strings.Contains(p, "City") {
			t.Errorf("printed page %d lacks the header row:\n%s", i+1, p)
		}
		if strings.Contains(p, "Export") || strings.Contains(p, "Abmelden") || strings.Contains(p, "Sign out") {
			t.Errorf("printed page %d shows controls:\n%s", i+1, p)
		}
	}
	b.NoConsoleErrors()
}

func firstMemberID(t *testing.T, srv *webtest.Server) string {
	t.Helper()
	var id string
	if err := srv.DB.QueryRow(context.Background(), `SELECT id FROM members ORDER BY sort_name LIMIT 1`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}
