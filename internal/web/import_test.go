package web_test

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"encoding/csv"
	"fmt"
	"hash/crc32"
	"html"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"mila/internal/authz"
	"mila/internal/importer"
	"mila/internal/membership"
	"mila/internal/webtest"
)

// importWorld is a server with an admin signed in, ready to import.
type importWorld struct {
	srv   *webtest.Server
	c     *http.Client
	users map[authz.PermissionSet]seededUser
	admin authz.Actor
}

func newImportWorld(t *testing.T) *importWorld {
	t.Helper()
	srv := webtest.NewServer(t)
	users := seedUsers(t, srv)
	return &importWorld{srv: srv, c: signIn(t, srv, "admin@example.org", testPassword), users: users, admin: users[authz.Admin].Actor}
}

// upload posts a file as the upload form does.
func (w *importWorld) upload(t *testing.T, name string, content []byte, header ...string) *http.Response {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if name != "" {
		fw, err := mw.CreateFormFile("file", name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fw.Write(content); err != nil {
			t.Fatal(err)
		}
	} else if err := mw.WriteField("other", "x"); err != nil {
		t.Fatal(err)
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	req := webtest.NewRequest(t, http.MethodPost, "/admin/import", nil, header...)
	req.Body = io.NopCloser(&body)
	req.ContentLength = int64(body.Len())
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return w.srv.Do(t, w.c, req)
}

// uploadOK uploads and returns the mapping page's path.
func (w *importWorld) uploadOK(t *testing.T, name string, content []byte) string {
	t.Helper()
	res := w.upload(t, name, content)
	body := webtest.Body(t, res)
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/admin/import/uploads/") {
		t.Fatalf("upload %s: %d %q\n%s", name, res.StatusCode, loc, groupMain(body))
	}
	return loc
}

// mappingForm is the form the mapping page shows, as the browser would
// send it back.
func mappingForm(t *testing.T, body string) url.Values {
	t.Helper()
	v := url.Values{}
	// Inputs (hidden, text, checked boxes and radios) and selected options.
	for _, m := range reAttrs(body, `<input [^>]*>`) {
		name, val := attr(m, "name"), attr(m, "value")
		typ := attr(m, "type")
		if name == "" || typ == "file" || ((typ == "checkbox" || typ == "radio") && !strings.Contains(m, " checked")) {
			continue
		}
		if name == "q" {
			continue
		}
		v.Set(name, val)
	}
	for _, sel := range reAttrs(body, `(?s)<select [^>]*>.*?</select>`) {
		name := attr(sel, "name")
		if name == "mapping" || name == "" {
			continue
		}
		opts := reAttrs(sel, `<option [^>]*>`)
		chosen := ""
		for i, o := range opts {
			if i == 0 || strings.Contains(o, " selected") {
				chosen = attr(o, "value")
			}
			if strings.Contains(o, " selected") {
				break
			}
		}
		v.Set(name, chosen)
	}
	return v
}

func (w *importWorld) post(t *testing.T, path string, form url.Values, want int) (string, string) {
	t.Helper()
	res := w.srv.PostForm(t, w.c, path, form)
	body := webtest.Body(t, res)
	if res.StatusCode != want {
		t.Fatalf("POST %s: %d, want %d\n%s", path, res.StatusCode, want, groupMain(body))
	}
	return body, res.Header.Get("Location")
}

func (w *importWorld) runWorker(t *testing.T, batchID string) {
	t.Helper()
	wk := importer.Worker{DB: w.srv.DB, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if ran, err := wk.RunNext(context.Background(), batchID); err != nil || !ran {
		t.Fatalf("worker: ran %v, %v", ran, err)
	}
}

const importCSV = "Vorname;Nachname;E-Mail;Eintritt;Gruppen\n" +
	"Anna;Arndt;anna@example.org;01.02.2020;Chor\n" +
	"Bert;Bauer;bert@example.org;2021-03-04;Chor, Jugend\n" +
	"Carla;Christ;carla@example.org;kein Datum;\n"

// TestImportFlow walks the pages: upload, mapping (suggested, saved,
// loaded), dry run (counts, filter, search, diff, error CSV), commit as a
// job, progress, history, refused and accepted undo.
func TestImportFlow(t *testing.T) {
	w := newImportWorld(t)
	ctx := context.Background()
	ms := membership.NewMembers(w.srv.DB)
	anna, err := ms.Create(ctx, w.admin, membership.MemberInput{FirstName: "Anna", LastName: "Alt", Email: "anna@example.org", JoinDate: "2020-02-01"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := membership.NewGroups(w.srv.DB).CreateGroup(ctx, w.admin, membership.GroupInput{Name: "Chor"}); err != nil {
		t.Fatal(err)
	}

	home := groupGet(t, w.srv, w.c, "/admin/import", http.StatusOK)
	mustContain(t, home, "<h1", "Import members", `href="/admin/import/template?lang=de"`, `enctype="multipart/form-data"`, "No file has been imported yet", `href="/admin/import"`)

	mapPath := w.uploadOK(t, "mitglieder.csv", []byte(importCSV))
	page := groupGet(t, w.srv, w.c, mapPath, http.StatusOK)
	mustContain(t, page, "Map the columns of mitglieder.csv", "separated by semicolons", `<option value="first_name" selected`, `<option value="groups" selected`, `<option value="join_date" selected`, "Anna")
	form := mappingForm(t, page)
	if form.Get("col_0") != "first_name" || form.Get("col_2") != "email" || form.Get("match") != "email" || form.Get("mode") != "upsert" {
		t.Fatalf("suggested form: %v", form)
	}

	// Refresh shows the transforms of the chosen targets; save and load.
	form.Set("col_4", "")
	form.Set("action", "refresh")
	body, _ := w.post(t, mapPath, form, http.StatusOK)
	mustContain(t, body, `name="date_3"`, "Date format of Eintritt")
	form.Set("col_4", "groups")
	form.Set("action", "save")
	form.Set("save_as", "Vereinsliste")
	_, loc := w.post(t, mapPath, form, http.StatusSeeOther)
	page = groupGet(t, w.srv, w.c, loc, http.StatusOK)
	mustContain(t, page, "Mapping “Vereinsliste” saved.", "The saved mapping “Vereinsliste” is filled in.")

	// Dry run; the error is Carla's date; create unknown groups (Jugend).
	form = mappingForm(t, page)
	form.Set("create_groups", "on")
	form.Set("action", "dryrun")
	_, loc = w.post(t, mapPath, form, http.StatusSeeOther)
	if !strings.HasPrefix(loc, "/admin/import/batches/") {
		t.Fatalf("dry run went to %q", loc)
	}
	batchPath := loc[:strings.Index(loc, "?")]
	batchID := strings.TrimPrefix(batchPath, "/admin/import/batches/")
	page = groupGet(t, w.srv, w.c, loc, http.StatusOK)
	mustContain(t, page, "Import of mitglieder.csv", "Dry run", "1 row has errors.", "Eintritt:", "Not a date in the format Recognise (yyyy-mm-dd, dd.mm.yyyy, Excel).",
		"Last name:", "Alt</del>", "Arndt</ins>", "Import 2 rows", "Change the mapping", `/errors.csv"`)
	mustContain(t, groupGet(t, w.srv, w.c, batchPath+"?status=error", http.StatusOK), "Carla Christ", "1 row")
	mustNotContain(t, groupGet(t, w.srv, w.c, batchPath+"?q=bauer", http.StatusOK), "Carla Christ", "Anna Arndt")
	// In German: the reasons in German.
	de := groupGet(t, w.srv, w.c, batchPath+"?status=error", http.StatusOK, "Accept-Language", "de")
	_ = de
	res := w.srv.Get(t, w.c, batchPath+"/errors.csv")
	csvBody := webtest.Body(t, res)
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("errors.csv: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	recs, err := csvReader(strings.TrimPrefix(csvBody, "\uFEFF"), ';').ReadAll()
	if err != nil || len(recs) != 2 || recs[0][5] != "error" || recs[1][0] != "Carla" || !strings.Contains(recs[1][5], "Eintritt: Not a date in the format Recognise") {
		t.Fatalf("errors.csv: %v %q", err, recs)
	}

	// Commit refused with errors; accepted for the valid rows; runs as a job.
	body, _ = w.post(t, batchPath+"/commit", url.Values{}, http.StatusConflict)
	mustContain(t, body, "1 rows have errors. Fix them")
	_, loc = w.post(t, batchPath+"/commit", url.Values{"valid_only": {"on"}}, http.StatusSeeOther)
	page = groupGet(t, w.srv, w.c, loc, http.StatusOK)
	mustContain(t, page, "has started", `hx-get="/admin/import/batches/`+batchID+`/progress"`, `hx-trigger="every 1s"`, "<progress", "0 of 3 rows imported")
	w.runWorker(t, batchID)
	res = w.srv.Get(t, w.c, batchPath+"/progress", "HX-Request", "true")
	body = webtest.Body(t, res)
	if res.StatusCode != http.StatusOK || res.Header.Get("HX-Refresh") != "true" {
		t.Fatalf("progress after the job: %d %q", res.StatusCode, res.Header.Get("HX-Refresh"))
	}
	mustContain(t, body, `value="3"`, "3 of 3 rows imported")
	mustNotContain(t, body, "hx-trigger")
	if res := w.srv.Get(t, w.c, batchPath+"/progress"); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != batchPath {
		t.Fatalf("progress without htmx: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	page = groupGet(t, w.srv, w.c, batchPath, http.StatusOK)
	mustContain(t, page, "Imported: 1 new and 1 updated members.", `data-dialog-open="import-undo-dialog"`, `<dialog id="import-undo-dialog"`)
	home = groupGet(t, w.srv, w.c, "/admin/import", http.StatusOK)
	mustContain(t, home, "1 import", "mitglieder.csv", "Imported", "admin@example.org", batchPath+"/undo")

	// A member changed since: undo refused with the reason.
	anna, err = ms.Get(ctx, w.admin, anna.ID)
	if err != nil {
		t.Fatal(err)
	}
	in := membership.MemberInput{FirstName: anna.FirstName, LastName: "Arndt-Neu", Email: "anna@example.org", JoinDate: "2020-02-01", Version: anna.Version}
	if _, err := ms.Update(ctx, w.admin, anna.ID, in); err != nil {
		t.Fatal(err)
	}
	groupGet(t, w.srv, w.c, batchPath+"/undo", http.StatusOK)
	before := webtest.Checksum(t, w.srv.DB)
	body, _ = w.post(t, batchPath+"/undo", url.Values{}, http.StatusConflict)
	mustContain(t, body, "1 members of this import were changed since. It can no longer be undone.")
	if webtest.Checksum(t, w.srv.DB) != before {
		t.Fatal("a refused undo changed the database")
	}
	// Put her back as the import left her: the undo goes through.
	anna, _ = ms.Get(ctx, w.admin, anna.ID)
	var version int
	if err := w.srv.DB.QueryRow(ctx, `SELECT version FROM import_batch_members WHERE batch_id = $1 AND member_id = $2`, batchID, anna.ID).Scan(&version); err != nil {
		t.Fatal(err)
	}
	if _, err := w.srv.DB.Exec(ctx, `UPDATE members SET last_name = 'Arndt', version = $2 WHERE id = $1`, anna.ID, version); err != nil {
		t.Fatal(err)
	}
	_, loc = w.post(t, batchPath+"/undo", url.Values{}, http.StatusSeeOther)
	home = groupGet(t, w.srv, w.c, loc, http.StatusOK)
	mustContain(t, home, "The import of mitglieder.csv was undone.", "Undone")
	var n int
	if err := w.srv.DB.QueryRow(ctx, `SELECT count(*) FROM members WHERE email = 'bert@example.org'`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("Bert after undo: %d %v", n, err)
	}
	// Undo twice: refused.
	body, _ = w.post(t, batchPath+"/undo", url.Values{}, http.StatusConflict)
	mustContain(t, body, "Only a finished import can be undone")

	// The saved mapping can be deleted; a second time it is not there.
	_, loc = w.post(t, "/admin/import/mappings/delete", url.Values{"name": {"Vereinsliste"}, "return_to": {mapPath}}, http.StatusSeeOther)
	if loc != mapPath {
		t.Fatalf("delete mapping went to %q", loc)
	}
	w.post(t, "/admin/import/mappings/delete", url.Values{"name": {"Vereinsliste"}}, http.StatusNotFound)
}

// TestImportGerman: the pages and the row errors in German.
func TestImportGerman(t *testing.T) {
	w := newImportWorld(t)
	mustContain(t, groupGet(t, w.srv, w.c, "/admin/import", http.StatusOK, "Accept-Language", "de"), "Mitglieder importieren", "Vorlage auf Deutsch")
	res := w.upload(t, "x.csv", []byte("Vorname\x00\x01\x02\n"), "Accept-Language", "de")
	body := webtest.Body(t, res)
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("binary: %d", res.StatusCode)
	}
	mustContain(t, html.UnescapeString(body), "keine Textdatei")
	mapPath := w.uploadOK(t, "m.csv", []byte(importCSV))
	form := mappingForm(t, groupGet(t, w.srv, w.c, mapPath, http.StatusOK))
	form.Set("action", "dryrun")
	res = w.srv.PostForm(t, w.c, mapPath, form)
	loc := res.Header.Get("Location")
	page := groupGet(t, w.srv, w.c, loc+"&status=error", http.StatusOK, "Accept-Language", "de")
	mustContain(t, html.UnescapeString(page), "Eintritt:", "Kein Datum im Format Erkennen (jjjj-mm-tt", "Es gibt keine Gruppe „Jugend“")
	res = w.srv.Get(t, w.c, loc[:strings.Index(loc, "?")]+"/errors.csv", "Accept-Language", "de")
	mustContain(t, webtest.Body(t, res), "Kein Datum im Format")
}

func csvReader(s string, sep rune) *csv.Reader {
	r := csv.NewReader(strings.NewReader(s))
	r.Comma = sep
	return r
}

// reAttrs returns every match of pattern in s.
func reAttrs(s, pattern string) []string {
	return regexp.MustCompile(pattern).FindAllString(s, -1)
}

// attr is the unescaped value of attribute name in the tag.
func attr(tag, name string) string {
	m := regexp.MustCompile(`\s` + name + `="([^"]*)"`).FindStringSubmatch(tag)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

// TestImportBadInputs: every bad file, parameter and id gets a 4xx page
// with its reason, never a 500, and writes nothing it should not.
func TestImportBadInputs(t *testing.T) {
	w := newImportWorld(t)
	files := []struct {
		name    string
		content []byte
		status  int
		want    string
	}{
		{"old.xls", append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 512)...), http.StatusUnprocessableEntity, "old Excel format (.xls)"},
		{"garbage.csv", bytes.Repeat([]byte{0x00, 0xFF, 0x13, 0x37, 0x89, 0x01}, 2000), http.StatusUnprocessableEntity, "This is not a text (CSV) file"},
		{"bomb.xlsx", importZipBomb(t, 1<<30), http.StatusRequestEntityTooLarge, "larger than 50 MB"},
		{"fake.xlsx", []byte("PK\x03\x04 not really a zip"), http.StatusUnprocessableEntity, "The Excel file cannot be read"},
		{"empty.csv", nil, http.StatusUnprocessableEntity, "The file is empty"},
		{"header-only.csv", []byte("Vorname,Vorname\n"), http.StatusUnprocessableEntity, "Two columns are both called"},
		{"big.csv", append([]byte("Vorname,Nachname\n"), bytes.Repeat([]byte("a,b\n"), (importer.MaxFileBytes/4)+10)...), http.StatusRequestEntityTooLarge, "larger than 50 MB"},
		{"", nil, http.StatusBadRequest, "Choose a file to upload."},
	}
	for _, f := range files {
		res := w.upload(t, f.name, f.content)
		body := html.UnescapeString(webtest.Body(t, res))
		if res.StatusCode != f.status {
			t.Errorf("%s: %d, want %d", f.name, res.StatusCode, f.status)
		}
		if !strings.Contains(body, f.want) || !strings.Contains(body, `aria-invalid="true"`) {
			t.Errorf("%s: page without %q at the field\n%s", f.name, f.want, groupMain(body))
		}
	}
	var uploads int
	if err := w.srv.DB.QueryRow(context.Background(), `SELECT count(*) FROM import_uploads`).Scan(&uploads); err != nil || uploads != 0 {
		t.Fatalf("refused files kept: %d %v", uploads, err)
	}

	// A large file (above the 1 MB of an ordinary form) is taken.
	var large bytes.Buffer
	large.WriteString("Vorname;Nachname;E-Mail\n")
	for i := 0; large.Len() < 8<<20; i++ {
		fmt.Fprintf(&large, "Vorname%d;Nachname%d;m%d@example.org\n", i, i, i)
	}
	mustContain(t, groupGet(t, w.srv, w.c, w.uploadOK(t, "large.csv", large.Bytes()), http.StatusOK), "large.csv")
	if _, err := w.srv.DB.Exec(context.Background(), `DELETE FROM import_uploads`); err != nil {
		t.Fatal(err)
	}

	// A workbook of two sheets: the picker, and a sheet that does not exist.
	book := importWorkbook(t, map[string][][]any{
		"Mitglieder": {{"Vorname", "Nachname", "E-Mail"}, {"Ida", "Igel", "ida@example.org"}},
		"Notizen":    {{"Text"}, {"nichts"}},
	}, "Mitglieder", "Notizen")
	mapPath := w.uploadOK(t, "verein.xlsx", book)
	page := groupGet(t, w.srv, w.c, mapPath, http.StatusOK)
	mustContain(t, page, `<select id="field-sheet" name="sheet"`, `<option value="Notizen">`, "Excel workbook, sheet “Mitglieder”")
	mustContain(t, groupGet(t, w.srv, w.c, mapPath+"?sheet=Notizen", http.StatusOK), "sheet “Notizen”")
	page = groupGet(t, w.srv, w.c, mapPath+"?sheet=Nope", http.StatusUnprocessableEntity)
	mustContain(t, page, "The workbook has no sheet called “Nope”.")
	mustContain(t, groupGet(t, w.srv, w.c, mapPath+"?mapping=Nope", http.StatusNotFound), "This import does not exist")

	// Bad mapping parameters: each a 422 with its reason, nothing stored.
	good := mappingForm(t, groupGet(t, w.srv, w.c, mapPath, http.StatusOK))
	good.Set("action", "dryrun")
	bad := []struct {
		key, value, want string
	}{
		{"col_0", "password_hash", "The column “Vorname”: choose a field from the list."},
		{"col_1", "cf:nope", "The column “Nachname”: choose a field from the list."},
		{"date_0", "yyyy", "choose a date format from the list"},
		{"yes_0", strings.Repeat("j,", 101), "at most 200 characters of yes or no words"},
		{"match", "phone", "Choose one of the offered values."},
		{"mode", "delete-all", "Choose one of the offered values."},
		{"number_field", "nope", "Choose one of the offered values."},
		{"birth_field", "nope", "Choose one of the offered values."},
		{"clear_marker", strings.Repeat("x", 51), "at most 50"},
		{"col_1", "first_name", "Two columns are mapped to the same field"},
		{"col_2", "", "To find existing members by email, map the columns it needs."},
		{"match", "number", "mark a data field as unique first"},
		{"match", "name-birth", "a date data field for the birth date"},
	}
	for _, b := range bad {
		form := url.Values{}
		for k, v := range good {
			form[k] = append([]string(nil), v...)
		}
		form.Set(b.key, b.value)
		before := webtest.Checksum(t, w.srv.DB)
		res := w.srv.PostForm(t, w.c, mapPath, form)
		body := html.UnescapeString(webtest.Body(t, res))
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, b.want) {
			t.Errorf("%s=%.20q: %d, want 422 with %q\n%s", b.key, b.value, res.StatusCode, b.want, groupMain(body))
		}
		if webtest.Checksum(t, w.srv.DB) != before {
			t.Errorf("%s=%.20q changed the database", b.key, b.value)
		}
	}
	form := url.Values{}
	for k, v := range good {
		form[k] = v
	}
	form.Set("action", "save")
	form.Set("save_as", " ")
	res := w.srv.PostForm(t, w.c, mapPath, form)
	if body := webtest.Body(t, res); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Give the mapping a name") {
		t.Errorf("empty mapping name: %d", res.StatusCode)
	}

	// Ids of nothing, or of no form: 404.
	none := "0190f5e4-7c1a-7b3e-9f00-0123456789ab"
	for _, p := range []string{"/admin/import/uploads/" + none, "/admin/import/uploads/not-a-uuid", "/admin/import/batches/" + none,
		"/admin/import/batches/not-a-uuid", "/admin/import/batches/" + none + "/progress", "/admin/import/batches/" + none + "/errors.csv",
		"/admin/import/batches/" + none + "/undo"} {
		groupGet(t, w.srv, w.c, p, http.StatusNotFound)
	}
	for _, p := range []string{"/admin/import/uploads/" + none, "/admin/import/batches/" + none + "/commit", "/admin/import/batches/" + none + "/undo", "/admin/import/batches/x/undo"} {
		w.post(t, p, url.Values{}, http.StatusNotFound)
	}
	groupGet(t, w.srv, w.c, "/admin/import/template?lang=fr", http.StatusBadRequest)
	groupGet(t, w.srv, w.c, "/admin/import?page=-3", http.StatusOK)

	// A dry run: undo is refused (409), the commit of a batch twice too.
	_, loc := w.post(t, mapPath, good, http.StatusSeeOther)
	batchPath := loc[:strings.Index(loc, "?")]
	groupGet(t, w.srv, w.c, batchPath+"?status=nope&page=99999&q="+url.QueryEscape(strings.Repeat("ü%_", 300)), http.StatusOK)
	mustContain(t, groupGet(t, w.srv, w.c, batchPath+"/undo", http.StatusConflict), "Only a finished import can be undone")
	body, _ := w.post(t, batchPath+"/undo", url.Values{}, http.StatusConflict)
	mustContain(t, body, "Only a finished import can be undone")
	w.post(t, batchPath+"/commit", url.Values{}, http.StatusSeeOther)
	body, _ = w.post(t, batchPath+"/commit", url.Values{}, http.StatusConflict)
	mustContain(t, body, "Only a checked import that has not been started can be imported.")
	if logs := w.srv.Logs(); strings.Contains(logs, "server error") {
		t.Errorf("server errors logged:\n%s", logs)
	}
}

// TestImportTemplates: both templates' headings map to fields by
// themselves (no "ignore"), custom fields included.
func TestImportTemplates(t *testing.T) {
	w := newImportWorld(t)
	fields := membership.NewCustomFields(w.srv.DB)
	if _, err := fields.Create(context.Background(), w.admin, membership.CustomFieldInput{Name: "Mitgliedsnummer", ValueType: "string"}); err != nil {
		t.Fatal(err)
	}
	defs, err := fields.Definitions(context.Background(), w.admin)
	if err != nil {
		t.Fatal(err)
	}
	for lang, sep := range map[string]rune{"en": ',', "de": ';'} {
		res := w.srv.Get(t, w.c, "/admin/import/template?lang="+lang)
		body := webtest.Body(t, res)
		if res.StatusCode != http.StatusOK || !strings.HasPrefix(body, "\uFEFF") || !strings.Contains(res.Header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("%s template: %d %q", lang, res.StatusCode, res.Header.Get("Content-Disposition"))
		}
		recs, err := csvReader(strings.TrimPrefix(body, "\uFEFF"), sep).ReadAll()
		if err != nil || len(recs) != 1 {
			t.Fatalf("%s template: %v %q", lang, err, recs)
		}
		m := importer.Suggest(recs[0], defs)
		for _, c := range m.Columns {
			if c.Target == importer.TargetIgnore {
				t.Errorf("%s template: heading %q maps to nothing", lang, c.Header)
			}
		}
		if len(m.Columns) != len(importer.CoreFields)+2 {
			t.Errorf("%s template: %d columns", lang, len(m.Columns))
		}
	}
}

// TestImportRoutesAdminOnly: every import route refuses every other
// permission set (403) and sends anonymous visitors to sign in, and a
// refused POST changes nothing.
func TestImportRoutesAdminOnly(t *testing.T) {
	w := newImportWorld(t)
	mapPath := w.uploadOK(t, "m.csv", []byte(importCSV))
	uploadID := strings.TrimPrefix(mapPath, "/admin/import/uploads/")
	form := mappingForm(t, groupGet(t, w.srv, w.c, mapPath, http.StatusOK))
	form.Set("action", "dryrun")
	_, loc := w.post(t, mapPath, form, http.StatusSeeOther)
	batchID := strings.TrimPrefix(loc[:strings.Index(loc, "?")], "/admin/import/batches/")
	n := 0
	for _, rt := range w.srv.App.Routes() {
		if !strings.HasPrefix(rt.Path, "/admin/import") {
			continue
		}
		if rt.Resource != authz.Import {
			t.Errorf("%s declares %s, want Import", rt.Pattern, rt.Resource)
		}
		p := strings.NewReplacer("uploads/{id}", "uploads/"+uploadID, "{id}", batchID).Replace(rt.Path)
		for _, set := range []authz.PermissionSet{"", authz.OwnData, authz.ReadOnly, authz.NormalUser} {
			c := w.srv.Client()
			if set != "" {
				c = signIn(t, w.srv, w.users[set].Email, testPassword)
			}
			var f url.Values
			if rt.Method == http.MethodPost {
				f = url.Values{"name": {"x"}, "valid_only": {"on"}}
			}
			before := webtest.Checksum(t, w.srv.DB)
			res := w.srv.Do(t, c, webtest.NewRequest(t, rt.Method, p, f))
			want := http.StatusForbidden
			if set == "" {
				want = http.StatusSeeOther
			}
			if res.StatusCode != want {
				t.Errorf("%s %s as %q: %d, want %d", rt.Method, p, set, res.StatusCode, want)
			}
			if webtest.Checksum(t, w.srv.DB) != before {
				t.Errorf("%s %s as %q changed the database", rt.Method, p, set)
			}
			n++
		}
	}
	if n < 12*4 {
		t.Errorf("only %d requests: are the import routes registered?", n)
	}
}

// importZipBomb is a workbook-looking zip whose worksheet unpacks to 16
// MB of zeros from 16 KB, and says it unpacks to declared bytes.
func importZipBomb(t *testing.T, declared uint64) []byte {
	t.Helper()
	var raw bytes.Buffer
	fw, err := flate.NewWriter(&raw, flate.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	zero := make([]byte, 1<<20)
	for range 16 {
		if _, err := fw.Write(zero); err != nil {
			t.Fatal(err)
		}
	}
	if err := fw.Close(); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	zf, err := zw.CreateRaw(&zip.FileHeader{Name: "xl/worksheets/sheet1.xml", Method: zip.Deflate,
		CompressedSize64: uint64(raw.Len()), UncompressedSize64: declared, CRC32: crc32.ChecksumIEEE(make([]byte, 16<<20))})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := zf.Write(raw.Bytes()); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// importWorkbook builds an XLSX with sheets of rows, in order.
func importWorkbook(t *testing.T, sheets map[string][][]any, order ...string) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, name := range order {
		if i == 0 {
			if err := f.SetSheetName("Sheet1", name); err != nil {
				t.Fatal(err)
			}
		} else if _, err := f.NewSheet(name); err != nil {
			t.Fatal(err)
		}
		for r, row := range sheets[name] {
			cell, _ := excelize.CoordinatesToCellName(1, r+1)
			if err := f.SetSheetRow(name, cell, &row); err != nil {
				t.Fatal(err)
			}
		}
	}
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// The route walk (guard_test.go) gets real import records: an upload, a
// dry run of it and a saved mapping, made once per walk by the admin.
func init() {
	upload := func(f *walkFixture) string {
		importWalkRecords(f)
		return "/admin/import/uploads/" + f.IDs["import_upload"]
	}
	batch := func(suffix string) func(f *walkFixture) string {
		return func(f *walkFixture) string {
			importWalkRecords(f)
			return "/admin/import/batches/" + f.IDs["import_batch"] + suffix
		}
	}
	pathFixtures["/admin/import/uploads/{id}"] = upload
	pathFixtures["/admin/import/batches/{id}"] = batch("")
	pathFixtures["/admin/import/batches/{id}/progress"] = batch("/progress")
	pathFixtures["/admin/import/batches/{id}/errors.csv"] = batch("/errors.csv")
	pathFixtures["/admin/import/batches/{id}/commit"] = batch("/commit")
	pathFixtures["/admin/import/batches/{id}/undo"] = batch("/undo")
	postForms["POST /admin/import/uploads/{id}"] = func(*walkFixture) url.Values {
		return url.Values{"col_0": {"first_name"}, "col_1": {"last_name"}, "col_2": {"email"}, "match": {"email"}, "mode": {"upsert"}, "action": {"dryrun"}}
	}
	postForms["POST /admin/import/mappings/delete"] = func(*walkFixture) url.Values { return url.Values{"name": {"Walk"}} }
	postForms["POST /admin/import/batches/{id}/commit"] = func(*walkFixture) url.Values { return url.Values{"valid_only": {"on"}} }
}

func importWalkRecords(f *walkFixture) {
	if f.IDs["import_upload"] != "" {
		return
	}
	t, ctx := f.T, context.Background()
	im := importer.Importer{DB: f.Srv.DB}
	u, pv, err := im.SaveUpload(ctx, f.Admin, "walk.csv", []byte("Vorname;Nachname;E-Mail\nNeu;Walk;neu.walk@example.org\n"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := im.DryRun(ctx, f.Admin, u.File(""), pv.Mapping, pv.Options)
	if err != nil {
		t.Fatal(err)
	}
	if err := im.SaveMapping(ctx, f.Admin, "Walk", pv.Mapping, pv.Options); err != nil {
		t.Fatal(err)
	}
	f.IDs["import_upload"], f.IDs["import_batch"] = u.ID, b.ID
}
