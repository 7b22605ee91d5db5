package e2e

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"mila/internal/browsertest"
	"mila/internal/importer"
	"mila/internal/webtest"
)

// TestBrowserImport walks the import in each language: upload, mapping,
// dry run, commit (the job runs; the page's polling notices and shows
// the result), history, undo through the dialog (focus in, Escape gives
// it back to the opener) — with axe on every page.
func TestBrowserImport(t *testing.T) {
	for _, lang := range []string{"en", "de"} {
		t.Run(lang, func(t *testing.T) { importBrowserFlow(t, lang) })
	}
}

func importBrowserFlow(t *testing.T, lang string) {
	words := map[string]map[string]string{
		"en": {"title": "Import members", "mapping": "Map the columns of mitglieder.csv", "batch": "Import of mitglieder.csv",
			"rows": "3 rows", "progress": "of 3 rows imported", "done": "Imported: 2 new and 1 updated members.",
			"undone": "The import of mitglieder.csv was undone.", "state": "Undone", "error": "Not a date"},
		"de": {"title": "Mitglieder importieren", "mapping": "Spalten von mitglieder.csv zuordnen", "batch": "Import von mitglieder.csv",
			"rows": "3 Zeilen", "progress": "von 3 Zeilen importiert", "done": "Importiert: 2 neue und 1 geänderte Mitglieder.",
			"undone": "Der Import von mitglieder.csv wurde rückgängig gemacht.", "state": "Rückgängig gemacht", "error": "Kein Datum"},
	}[lang]
	srv := webtest.NewServer(t)
	seedAccounts(t, srv)
	admin := groupAdmin(t, srv)
	groupSeedMember(t, srv, admin, "Anna", "Alt", "anna@example.org")
	membersSum := func() string {
		var sum string
		if err := srv.DB.QueryRow(context.Background(), `SELECT coalesce(md5(string_agg(m::text, ',' ORDER BY id)), '') FROM members m`).Scan(&sum); err != nil {
			t.Fatal(err)
		}
		return sum
	}
	before := membersSum()
	file := filepath.Join(t.TempDir(), "mitglieder.csv")
	content := "Vorname;Nachname;E-Mail;Eintritt\nAnna;Arndt;anna@example.org;01.02.2020\nBert;Bauer;bert@example.org;2021-03-04\nCarla;Christ;carla@example.org;1.5.2022\n"
	if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}

	b := browsertest.New(t)
	groupSignIn(b, srv, "admin@example.org")
	b.Do(chromedp.Navigate(srv.URL+"/lang?l="+lang+"&return_to=%2Fadmin%2Fimport"), chromedp.WaitVisible(chromedp.CSS(`html[lang="`+lang+`"] #field-file`)))
	if got := b.Text("h1"); got != words["title"] {
		t.Fatalf("h1 = %q", got)
	}
	if n := browsertest.Eval[int](b, `document.querySelectorAll('header nav a[href="/admin/import"][aria-current="page"]').length`); n == 0 {
		t.Error("no current navigation link to /admin/import")
	}
	b.Axe()

	// Upload → mapping (suggested from the German headings).
	b.Do(chromedp.SetUploadFiles(chromedp.CSS(`#field-file`), []string{file}),
		chromedp.Click(chromedp.CSS(`form[action="/admin/import"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#field-col_0`)))
	if got := b.Text("h1"); got != words["mapping"] {
		t.Fatalf("mapping h1 = %q", got)
	}
	if v := browsertest.Eval[string](b, `document.getElementById("field-col_3").value`); v != "join_date" {
		t.Errorf("Eintritt suggested as %q", v)
	}
	b.Axe()

	// Dry run.
	b.Do(chromedp.Click(chromedp.CSS(`button[name="action"][value="dryrun"]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action$="/commit"]`)))
	if got := b.Text("h1"); got != words["batch"] {
		t.Fatalf("batch h1 = %q", got)
	}
	if !strings.Contains(b.Text("main"), words["rows"]) {
		t.Errorf("dry run page without %q", words["rows"])
	}
	if got := browsertest.Eval[int](b, `document.querySelectorAll("main del, main ins").length`); got < 2 {
		t.Errorf("no old → new diff for Anna (%d)", got)
	}
	b.Axe()
	batchURL := browsertest.Eval[string](b, `location.pathname`)
	batchID := strings.TrimPrefix(batchURL, "/admin/import/batches/")

	// Commit: the page shows the progress bar and polls it.
	b.Do(chromedp.Click(chromedp.CSS(`form[action$="/commit"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#import-progress progress`)))
	if !strings.Contains(b.Text("#import-progress"), words["progress"]) {
		t.Errorf("progress = %q", b.Text("#import-progress"))
	}
	b.Axe()
	w := importer.Worker{DB: srv.DB, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if ran, err := w.RunNext(context.Background(), batchID); err != nil || !ran {
		t.Fatalf("worker: %v %v", ran, err)
	}
	// The polling sees the batch finished and reloads the page.
	importWait(t, b, `!!document.getElementById("import-undo-dialog")`)
	if !strings.Contains(b.Text("main"), words["done"]) {
		t.Errorf("result page: %q", b.Text("main"))
	}
	b.Axe()

	// The history lists it.
	b.Do(chromedp.Navigate(srv.URL+"/admin/import"), chromedp.WaitVisible(chromedp.CSS(`#import-history-title`)))
	if !strings.Contains(b.Text("main table"), "mitglieder.csv") {
		t.Error("history without the import")
	}
	b.Axe()

	// Undo through the dialog, with the keyboard.
	b.Do(chromedp.Navigate(srv.URL+batchURL), chromedp.WaitVisible(chromedp.CSS(`a[data-dialog-open="import-undo-dialog"]`)))
	groupTabTo(t, b, `a[data-dialog-open="import-undo-dialog"]`)
	b.Do(chromedp.KeyEvent(kb.Enter))
	importWait(t, b, `document.getElementById("import-undo-dialog").open`)
	if !groupFocused(b, `#import-undo-dialog-title`) {
		t.Error("focus is not on the open dialog's heading")
	}
	b.Axe()
	b.Do(chromedp.KeyEvent(kb.Escape))
	importWait(t, b, `!document.getElementById("import-undo-dialog").open`)
	if !groupFocused(b, `a[data-dialog-open="import-undo-dialog"]`) {
		t.Error("focus did not return to the Undo button")
	}
	b.Do(chromedp.KeyEvent(kb.Enter))
	importWait(t, b, `document.getElementById("import-undo-dialog").open`)
	groupTabTo(t, b, `#import-undo-dialog button[type="submit"]`)
	b.Do(chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(chromedp.CSS(`#import-history-title`)))
	if f := groupFlash(b); !strings.Contains(f, words["undone"]) {
		t.Errorf("flash = %q", f)
	}
	if !strings.Contains(b.Text("main table"), words["state"]) {
		t.Error("history does not show the import undone")
	}
	b.Axe()
	b.NoConsoleErrors()
	var state string
	if err := srv.DB.QueryRow(context.Background(), `SELECT state FROM import_batches WHERE id = $1`, batchID).Scan(&state); err != nil || state != importer.StateUndone {
		t.Fatalf("batch state %q %v", state, err)
	}
	if after := membersSum(); after != before {
		t.Fatal("the members after undo are not as before the import")
	}
}

// importWait polls cond until it holds, across the page load that the
// progress polling asks for (the document is replaced meanwhile).
func importWait(t *testing.T, b *browsertest.Browser, cond string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	var last error
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(b.Ctx, 2*time.Second)
		var ok bool
		ok, last = chromedp.Run(ctx, chromedp.Evaluate[bool](cond))
		cancel()
		if last == nil && ok {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("waiting for %s: %v", cond, last)
}
