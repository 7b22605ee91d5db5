package web_test

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"mila/internal/export/pdftext"
	"mila/internal/webtest"
)

// postMailing sends the mailing form as the browser does (multipart),
// with files name → content.
func postMailing(t *testing.T, srv *webtest.Server, c *http.Client, fields [][2]string, files map[string][]byte, header ...string) (*http.Response, string) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, kv := range fields {
		_ = mw.WriteField(kv[0], kv[1])
	}
	for name, data := range files {
		fw, err := mw.CreateFormFile("attachments", name)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = fw.Write(data)
	}
	_ = mw.Close()
	req := webtest.NewRequest(t, http.MethodPost, "/mailings", nil, header...)
	req.Body = io.NopCloser(&body)
	req.ContentLength = int64(body.Len())
	req.Header.Set("Content-Type", mw.FormDataContentType())
	res := srv.Do(t, c, req)
	return res, webtest.Body(t, res)
}

var (
	draftRe  = regexp.MustCompile(`name="draft" value="([0-9a-f-]{36})"`)
	removeRe = regexp.MustCompile(`name="remove_attachment" value="([0-9a-f-]{36})"`)
)

func firstMatch(t *testing.T, re *regexp.Regexp, body string) string {
	t.Helper()
	m := re.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no %s in the page", re)
	}
	return m[1]
}

// TestMailingAttachmentsKeptAcrossPreview: a file uploaded once stays
// with the form through previews and failed submits (English and German),
// can be removed, counts towards the 10 MB with the later ones, is not
// another user's, and goes with the mailing when it is sent.
func TestMailingAttachmentsKeptAcrossPreview(t *testing.T) {
	srv := webtest.NewServer(t, withMail)
	seedUsers(t, srv)
	mailingClub(t, srv)
	board := signIn(t, srv, "read_only@example.org", testPassword)
	admin := signIn(t, srv, "admin@example.org", testPassword)

	base := [][2]string{{"group", "jugend-u14"}, {"kind", "normal"}, {"subject", "Versammlung"}, {"body", "Hallo {{first_name}}"}}
	with := func(extra ...[2]string) [][2]string { return append(append([][2]string{}, base...), extra...) }

	res, body := postMailing(t, srv, board, with([2]string{"do", "preview"}), map[string][]byte{"Einladung.pdf": []byte("%PDF-1.4 Einladung")})
	if res.StatusCode != http.StatusOK {
		t.Fatalf("preview with a file: %d", res.StatusCode)
	}
	draft := firstMatch(t, draftRe, body)
	mustContain(t, body, "1 attached file", "Einladung.pdf", "Remove attachment Einladung.pdf", "Preview for Anna Muster")

	// A failed submit (no subject), in German: the file is still there.
	failed := [][2]string{{"group", "jugend-u14"}, {"kind", "normal"}, {"subject", ""}, {"body", "Hallo"}, {"draft", draft}, {"do", "preview"}}
	res, body = postMailing(t, srv, board, failed, nil, "Accept-Language", "de")
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("failed submit: %d", res.StatusCode)
	}
	mustContain(t, body, "1 angehängte Datei", "Einladung.pdf", "Anhang Einladung.pdf entfernen", `value="`+draft+`"`)

	// Another user naming the draft sees none of its files.
	_, body = postMailing(t, srv, admin, with([2]string{"draft", draft}, [2]string{"do", "preview"}), nil)
	if strings.Contains(body, "Einladung.pdf") {
		t.Fatal("another user sees the draft's file")
	}
	// A malformed draft id is refused.
	if res, _ := postMailing(t, srv, board, with([2]string{"draft", "../../etc"}, [2]string{"do", "preview"}), nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("malformed draft: %d", res.StatusCode)
	}

	// 6 MB more fits; another 5 MB would pass 10 MB together: refused, kept files unchanged.
	_, body = postMailing(t, srv, board, with([2]string{"draft", draft}, [2]string{"do", "preview"}), map[string][]byte{"Plan.png": bytes.Repeat([]byte("x"), 6<<20)})
	mustContain(t, body, "2 attached files", "Plan.png")
	res, body = postMailing(t, srv, board, with([2]string{"draft", draft}, [2]string{"do", "preview"}), map[string][]byte{"Film.mp4": bytes.Repeat([]byte("y"), 5<<20)},
		"Accept-Language", "de")
	if res.StatusCode != http.StatusUnprocessableEntity || strings.Contains(body, "Film.mp4") {
		t.Fatalf("over 10 MB together: %d", res.StatusCode)
	}
	mustContain(t, body, "10 MB", "2 angehängte Dateien")

	// Remove the big one: no validation errors, the text stays.
	plan := removeRe.FindAllStringSubmatch(body, -1)
	if len(plan) != 2 {
		t.Fatalf("%d remove buttons", len(plan))
	}
	res, body = postMailing(t, srv, board, with([2]string{"draft", draft}, [2]string{"remove_attachment", plan[1][1]}), nil)
	if res.StatusCode != http.StatusOK || strings.Contains(body, "Plan.png") || !strings.Contains(body, "Einladung.pdf") ||
		!strings.Contains(body, ">Versammlung<") && !strings.Contains(body, `value="Versammlung"`) {
		t.Fatalf("remove: %d", res.StatusCode)
	}

	// Send: the kept file goes with the mailing, the draft is empty.
	res, _ = postMailing(t, srv, board, with([2]string{"draft", draft}, [2]string{"do", "send"}), nil)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("send: %d", res.StatusCode)
	}
	page := res.Header.Get("Location")
	mustContain(t, webtest.Body(t, srv.Get(t, board, page)), "Einladung.pdf")
	var left, attached int
	srv.DB.QueryRow(context.Background(), `SELECT (SELECT count(*) FROM mailing_draft_attachments), (SELECT count(*) FROM mailing_attachments)`).Scan(&left, &attached) //nolint:errcheck
	if left != 0 || attached != 1 {
		t.Errorf("after sending: %d draft files, %d mailing attachments", left, attached)
	}
}

// TestMailingToSavedLists: a saved list the author sees is a recipient
// choice, resolved when the mailing is written; another user's private
// list is not.
func TestMailingToSavedLists(t *testing.T) {
	srv := webtest.NewServer(t, withMail)
	users := seedUsers(t, srv)
	ids := mailingClub(t, srv)
	admin := signIn(t, srv, "admin@example.org", testPassword)
	ctx := context.Background()
	var mine, private string
	if err := srv.DB.QueryRow(ctx, `INSERT INTO saved_lists (owner_id, name, q, status) VALUES ($1, 'Nur Fritz', 'fritz', 'active') RETURNING id`,
		users["admin"].Actor.UserID).Scan(&mine); err != nil {
		t.Fatal(err)
	}
	if err := srv.DB.QueryRow(ctx, `INSERT INTO saved_lists (owner_id, name, status) VALUES ($1, 'Geheim', 'all') RETURNING id`,
		users["normal_user"].Actor.UserID).Scan(&private); err != nil {
		t.Fatal(err)
	}
	body := webtest.Body(t, srv.Get(t, admin, "/mailings/new"))
	mustContain(t, body, "List “Nur Fritz”", `name="list" value="`+mine+`"`)
	if strings.Contains(body, "Geheim") {
		t.Error("another user's private list is offered")
	}
	body = webtest.Body(t, srv.Get(t, admin, "/mailings/new", "Accept-Language", "de"))
	mustContain(t, body, "Liste „Nur Fritz“", "Gespeicherte Listen")

	form := [][2]string{{"list", mine}, {"kind", "normal"}, {"subject", "Hallo"}, {"body", "Hallo {{first_name}}"}, {"do", "preview"}}
	res, body := postMailing(t, srv, admin, form, nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("preview to a list: %d", res.StatusCode)
	}
	mustContain(t, body, "1 recipient", "Preview for Fritz Muster")
	// Live: Anna now matches the list's search too.
	if _, err := srv.DB.Exec(ctx, `UPDATE members SET notes = 'fritz' WHERE id = $1`, ids["Anna"]); err != nil {
		t.Fatal(err)
	}
	_, body = postMailing(t, srv, admin, form, nil)
	mustContain(t, body, "2 recipients")

	res, body = postMailing(t, srv, admin, [][2]string{{"list", private}, {"kind", "normal"}, {"subject", "S"}, {"body", "B"}, {"do", "preview"}}, nil,
		"Accept-Language", "de")
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("another's private list: %d", res.StatusCode)
	}
	mustContain(t, body, "gespeicherte Liste gibt es nicht mehr")

	form[len(form)-1] = [2]string{"do", "send"}
	if res, _ := postMailing(t, srv, admin, form, nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("send to a list: %d", res.StatusCode)
	}
	var n int
	var lists string
	srv.DB.QueryRow(ctx, `SELECT (SELECT count(*) FROM mail_outbox WHERE kind = 'mailing'), (SELECT source->>'lists' FROM mailings)`).Scan(&n, &lists) //nolint:errcheck
	if n != 2 || !strings.Contains(lists, "Nur Fritz") {
		t.Errorf("queued %d, source lists %q", n, lists)
	}
}

// TestMailingNoEmailLabels: the members a mailing cannot reach by email
// — exactly those — as address labels, from the form and from the sent
// mailing, in both languages.
func TestMailingNoEmailLabels(t *testing.T) {
	if _, err := exec.LookPath("pdftotext"); err != nil {
		if os.Getenv("MILA_REQUIRE_BROWSER") != "" {
			t.Fatal("pdftotext missing (Debian poppler-utils)")
		}
		t.Skip("pdftotext missing")
	}
	srv := webtest.NewServer(t, withMail)
	seedUsers(t, srv)
	ids := mailingClub(t, srv)
	if _, err := srv.DB.Exec(context.Background(), `UPDATE members SET street = 'Lindenweg', house_number = '3', postal_code = '12345', city = 'Neustadt'
		WHERE id = $1`, ids["Cleo"]); err != nil {
		t.Fatal(err)
	}
	board := signIn(t, srv, "read_only@example.org", testPassword)
	body := webtest.Body(t, srv.Get(t, board, "/mailings/new?group=jugend-u14"))
	mustContain(t, body, `href="/mailings/labels?group=jugend-u14&amp;sheet=3x8"`, "Print an address label")

	res := srv.Get(t, board, "/mailings/labels?group=jugend-u14&sheet=3x8", "Accept-Language", "de")
	pdf := webtest.Body(t, res)
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("draft labels: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	text := strings.Join(pdftext.PDFPages(t, []byte(pdf)), "\n")
	mustContain(t, text, "Cleo Muster", "Lindenweg 3", "12345 Neustadt")
	for _, other := range []string{"Anna", "Ben", "Dora", "Fritz"} {
		if strings.Contains(text, other) {
			t.Errorf("labels include %s, who has an email address", other)
		}
	}
	// Without a sheet: the choice, in German, 400.
	res = srv.Get(t, board, "/mailings/labels?group=jugend-u14", "Accept-Language", "de")
	if b := webtest.Body(t, res); res.StatusCode != http.StatusBadRequest || !strings.Contains(b, "Etikettenbogen") && !strings.Contains(b, "Bogen") {
		t.Errorf("no sheet: %d", res.StatusCode)
	}

	res, _ = postMailing(t, srv, board, [][2]string{{"group", "jugend-u14"}, {"kind", "normal"}, {"subject", "S"}, {"body", "B"}, {"do", "send"}}, nil)
	page := res.Header.Get("Location")
	body = webtest.Body(t, srv.Get(t, board, page, "Accept-Language", "de"))
	mustContain(t, body, `href="`+page+`/labels?sheet=2x8"`, "Ein Adressetikett für einen Brief drucken")
	res = srv.Get(t, board, page+"/labels?sheet=2x8")
	pdf = webtest.Body(t, res)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("mailing labels: %d", res.StatusCode)
	}
	text = strings.Join(pdftext.PDFPages(t, []byte(pdf)), "\n")
	mustContain(t, text, "Cleo Muster", "Neustadt")
	if strings.Contains(text, "Anna") {
		t.Error("mailing labels include a recipient with email")
	}
	if res := srv.Get(t, board, "/mailings/00000000-0000-7000-8000-000000000000/labels?sheet=3x8"); res.StatusCode != http.StatusNotFound {
		t.Errorf("unknown mailing's labels: %d", res.StatusCode)
	}
}
