package web_test

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"mila/internal/webtest"
)

// postSettings sends the club settings form as the browser does
// (multipart, with an optional logo).
func postSettings(t *testing.T, srv *webtest.Server, c *http.Client, fields map[string]string, logo []byte) *http.Response {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	if logo != nil {
		fw, err := mw.CreateFormFile("logo", "logo.png")
		if err != nil {
			t.Fatal(err)
		}
		_, _ = fw.Write(logo)
	}
	_ = mw.Close()
	req := webtest.NewRequest(t, http.MethodPost, "/admin/settings", nil)
	req.Body = io.NopCloser(&body)
	req.ContentLength = int64(body.Len())
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return srv.Do(t, c, req)
}

func tinyPNG(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, 8, 4))); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestClubSettings: the admin names the club, gives it a logo, an accent
// colour and German as the default language; every page then shows them,
// and a visitor whose browser asks for no language gets German. Bad input
// is answered next to the field with 422, and nothing is saved.
func TestClubSettings(t *testing.T) {
	w := newGroupWorld(t)
	srv := w.srv
	body := memberTestGet(t, srv, w.admin, "/admin/settings", http.StatusOK)
	mustContain(t, body, `enctype="multipart/form-data"`, `id="field-name"`, `id="field-accent"`, `id="field-default_lang"`, `href="/admin/settings"`)

	res := postSettings(t, srv, w.admin, map[string]string{"name": strings.Repeat("x", 101), "accent": "#ffd700", "default_lang": "en"}, []byte("not an image"))
	body = webtest.Body(t, res)
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("bad settings: %d", res.StatusCode)
	}
	mustContain(t, body, `id="field-name-error"`, "White text on this colour is hard to read (contrast 1.4:1", "The logo must be a PNG, JPEG or GIF image.")
	var name string
	_ = srv.DB.QueryRow(context.Background(), `SELECT name FROM club_settings`).Scan(&name)
	if name != "" {
		t.Fatalf("refused settings saved the name %q", name)
	}

	res = postSettings(t, srv, w.admin, map[string]string{"name": "TSV Musterstadt", "accent": "#1a5fb4", "default_lang": "de"}, tinyPNG(t))
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save settings: %d %s", res.StatusCode, webtest.Body(t, res))
	}
	mustContain(t, memberTestGet(t, srv, w.admin, "/admin/settings", http.StatusOK), "Settings saved.", `src="/club/logo"`)

	visitor := srv.Client()
	res = srv.Get(t, visitor, "/sign-in")
	body = webtest.Body(t, res)
	mustContain(t, body, `<html lang="de"`, "– TSV Musterstadt</title>", `href="/club/theme.css?v=`, `<img src="/club/logo?v=`)
	css := webtest.Body(t, srv.Get(t, visitor, "/club/theme.css"))
	mustContain(t, css, "--color-primary:#1a5fb4")
	res = srv.Get(t, visitor, "/club/logo")
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "image/png" || !bytes.Equal([]byte(webtest.Body(t, res)), tinyPNG(t)) {
		t.Errorf("logo: %d %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
	// The browser's language still wins over the default.
	mustContain(t, webtest.Body(t, srv.Get(t, visitor, "/sign-in", "Accept-Language", "en-GB")), `<html lang="en"`)

	// Removing the logo.
	if res := postSettings(t, srv, w.admin, map[string]string{"name": "TSV Musterstadt", "accent": "", "default_lang": "en", "remove_logo": "1"}, nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("remove logo: %d", res.StatusCode)
	}
	if res := srv.Get(t, visitor, "/club/logo"); res.StatusCode != http.StatusNotFound {
		t.Errorf("logo after removal: %d", res.StatusCode)
	}
	mustNotContain(t, webtest.Body(t, srv.Get(t, visitor, "/sign-in")), "/club/theme.css")
}

// TestHomeChecklistAndDashboard: an admin of a new installation sees the
// first steps, ticked off as they are done; whoever reads all members
// sees the numbers; an own-data user sees neither.
func TestHomeChecklistAndDashboard(t *testing.T) {
	w := newGroupWorld(t)
	srv := w.srv
	body := memberTestGet(t, srv, w.admin, "/", http.StatusOK)
	mustContain(t, body, "First steps", `href="/admin/settings"`, `href="/users/new"`, "The register at a glance")
	// Four users exist (one per permission set): only "invite colleagues" is done.
	if n := strings.Count(body, "(still to do)"); n != 4 {
		t.Errorf("%d steps open, want 4", n)
	}
	w.group(t, "Chor", "")
	w.member(t, "Anna", "Ahrens", "")
	if n := strings.Count(memberTestGet(t, srv, w.admin, "/", http.StatusOK), "(still to do)"); n != 2 {
		t.Errorf("after a group and a member: %d steps open, want 2", n)
	}
	board := memberTestGet(t, srv, w.board, "/", http.StatusOK, "Accept-Language", "de")
	mustContain(t, board, "Das Mitgliederverzeichnis auf einen Blick", "Aktive Mitglieder", "1 aktives Mitglied hat keine E-Mail-Adresse.")
	mustNotContain(t, board, "Erste Schritte")
	own := memberTestGet(t, srv, w.ownData, "/", http.StatusOK)
	mustNotContain(t, own, "The register at a glance", "First steps")
}
