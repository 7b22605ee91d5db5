package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"mila/internal/browsertest"
	"mila/internal/mail"
	"mila/internal/web"
	"mila/internal/webtest"
)

// TestBrowserMailingAttachmentsKept: a file chosen once on the mailing
// form stays attached through a preview and a failed submit, and can be
// removed — in English and German, with axe on every page.
func TestBrowserMailingAttachmentsKept(t *testing.T) {
	cfg, err := mail.ParseConfig("smtp://127.0.0.1:1", "Verein <verein@example.org>", "0", "")
	if err != nil {
		t.Fatal(err)
	}
	srv := webtest.NewServer(t, func(c *web.Config) { c.Mail = cfg })
	seedAccounts(t, srv)
	mailE2EClub(t, srv)
	file := filepath.Join(t.TempDir(), "Einladung.pdf")
	if err := os.WriteFile(file, []byte("%PDF-1.4 Einladung zur Versammlung"), 0o644); err != nil {
		t.Fatal(err)
	}

	b := browsertest.New(t)
	groupSignIn(b, srv, "board@example.org")
	b.Do(chromedp.Navigate(srv.URL+"/mailings/new?group=jugend-u14"), chromedp.WaitVisible(chromedp.CSS(`#field-subject`)))
	b.Axe()
	b.Do(
		chromedp.SetUploadFiles(chromedp.CSS(`#field-attachments`), []string{file}),
		chromedp.SendKeys(chromedp.CSS(`#field-subject`), "Versammlung"),
		chromedp.Click(chromedp.CSS(`button[name="do"][value="preview"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#mailing-preview`)),
	)
	b.Axe()
	if got := b.Text(`#mailing-files`); !strings.Contains(got, "Einladung.pdf") {
		t.Fatalf("kept files after preview: %q", got)
	}
	// A second preview without choosing the file again: still attached.
	b.Do(chromedp.Click(chromedp.CSS(`button[name="do"][value="preview"]`)), chromedp.WaitVisible(chromedp.CSS(`#mailing-preview`)))
	if got := b.Text(`#mailing-files-title`); got != "1 attached file" {
		t.Errorf("after the second preview: %q", got)
	}

	// In German: a failed submit (no subject) keeps the file too.
	b.Do(chromedp.Navigate(srv.URL+"/lang?l=de&return_to=%2Fmailings%2Fnew%3Fgroup%3Djugend-u14"),
		chromedp.WaitVisible(chromedp.CSS(`html[lang="de"] #field-subject`)),
		chromedp.SetUploadFiles(chromedp.CSS(`#field-attachments`), []string{file}),
		chromedp.Click(chromedp.CSS(`button[name="do"][value="preview"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#field-subject[aria-invalid="true"]`)))
	b.Axe()
	if got := b.Text(`#mailing-files-title`); got != "1 angehängte Datei" {
		t.Errorf("after the failed submit: %q", got)
	}
	// Removing re-shows the form without checking it: the subject is no
	// longer marked, which only the new page has.
	b.Do(chromedp.Click(chromedp.CSS(`#mailing-files button[name="remove_attachment"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#field-subject:not([aria-invalid])`)))
	if n := browsertest.Eval[int](b, `document.querySelectorAll('#mailing-files').length`); n != 0 {
		t.Errorf("files listed after removing the only one")
	}
	b.Axe()
	b.NoConsoleErrors()
}
