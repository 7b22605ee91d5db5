package web_test

import (
	"context"
	"encoding/json"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"mila/internal/authz"
	"mila/internal/membership"
	"mila/internal/privacy"
	"mila/internal/webtest"
)

// The access export downloads for the admin and the member themself,
// and is a 404 for anyone else; the PDF reads back with the same data.
func TestMemberExport(t *testing.T) {
	srv, users, admin := memberTestSetup(t)
	m := memberTestAdd(t, srv, users[authz.Admin].Actor, membership.MemberInput{FirstName: "Jördis", LastName: "Export", Email: "own_data@example.org", City: "Flensburg", JoinDate: "2020-01-01"})
	other := memberTestAdd(t, srv, users[authz.Admin].Actor, membership.MemberInput{FirstName: "Olaf", LastName: "Other", JoinDate: "2020-01-01"})
	if err := membership.NewMembers(srv.DB).LinkUser(context.Background(), users[authz.Admin].Actor, m.ID, users[authz.OwnData].Actor.UserID); err != nil {
		t.Fatal(err)
	}
	body := memberTestGet(t, srv, admin, "/members/"+m.ID, 200)
	if !strings.Contains(body, "/members/"+m.ID+"/export.pdf") || !strings.Contains(body, "member-erase-dialog") {
		t.Error("member page lacks the export links or the erasure dialog")
	}
	res := srv.Get(t, admin, "/members/"+m.ID+"/export.json")
	raw := []byte(webtest.Body(t, res))
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") || !strings.Contains(res.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("json: %d %v", res.StatusCode, res.Header)
	}
	var ex privacy.Export
	if err := json.Unmarshal(raw, &ex); err != nil || ex.Schema != privacy.SchemaVersion || !strings.Contains(string(ex.Member), "Flensburg") {
		t.Fatalf("json export: %v %s", err, raw)
	}
	own := signIn(t, srv, "own_data@example.org", testPassword)
	memberTestGet(t, srv, own, "/members/"+m.ID+"/export.json", 200)
	memberTestGet(t, srv, own, "/members/"+other.ID+"/export.json", 404)
	board := signIn(t, srv, users[authz.NormalUser].Email, testPassword)
	memberTestGet(t, srv, board, "/members/"+m.ID+"/export.json", 404)
	if body := memberTestGet(t, srv, board, "/members/"+m.ID, 200); strings.Contains(body, "export.json") || strings.Contains(body, "member-erase-dialog") {
		t.Error("the board sees export or erasure controls")
	}

	res = srv.Get(t, own, "/members/"+m.ID+"/export.pdf", "Accept-Language", "de")
	pdf := webtest.Body(t, res)
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("pdf: %d", res.StatusCode)
	}
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext (poppler-utils) not installed")
	}
	file := filepath.Join(t.TempDir(), "x.pdf")
	if err := os.WriteFile(file, []byte(pdf), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", file, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Jördis Export", "Flensburg", "own_data@example.org", "Benutzerkonto", "Einträge im Änderungsprotokoll"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("PDF lacks %q:\n%s", want, out)
		}
	}
}

// Erasure needs the typed name; a wrong one is an error next to the
// field, in the viewer's language, and changes nothing.
func TestMemberErase(t *testing.T) {
	srv, users, admin := memberTestSetup(t)
	m := memberTestAdd(t, srv, users[authz.Admin].Actor, membership.MemberInput{FirstName: "Edda", LastName: "Erase", City: "Husum", JoinDate: "2020-01-01"})
	memberTestGet(t, srv, admin, "/members/"+m.ID+"/erase", 200)
	body, _ := memberTestPost(t, srv, admin, "/members/"+m.ID+"/erase", url.Values{"mode": {"delete"}, "confirm_name": {"Edda"}}, 422)
	if !strings.Contains(body, "The name does not match. Type “Edda Erase”.") || !strings.Contains(body, `aria-invalid="true"`) {
		t.Error("wrong name: no error next to the field")
	}
	memberTestPost(t, srv, admin, "/members/"+m.ID+"/erase", url.Values{"mode": {"shred"}, "confirm_name": {"Edda Erase"}}, 422)
	memberTestGet(t, srv, admin, "/members/"+m.ID, 200)
	reader := signIn(t, srv, users[authz.ReadOnly].Email, testPassword)
	memberTestPost(t, srv, reader, "/members/"+m.ID+"/erase", url.Values{"mode": {"delete"}, "confirm_name": {"Edda Erase"}}, 403)
	_, loc := memberTestPost(t, srv, admin, "/members/"+m.ID+"/erase", url.Values{"mode": {"anonymise"}, "confirm_name": {"edda erase"}}, 303)
	if loc != "/members/"+m.ID {
		t.Errorf("anonymise went to %q", loc)
	}
	if body := memberTestGet(t, srv, admin, "/members/"+m.ID, 200); strings.Contains(body, "Husum") || !strings.Contains(body, "Anonym") || !strings.Contains(body, "anonymised") {
		t.Error("anonymised member page")
	}
	var last string
	if err := srv.DB.QueryRow(context.Background(), `SELECT last_name FROM members WHERE id = $1`, m.ID).Scan(&last); err != nil {
		t.Fatal(err)
	}
	_, loc = memberTestPost(t, srv, admin, "/members/"+m.ID+"/erase", url.Values{"mode": {"delete"}, "confirm_name": {"Anonym " + last}}, 303)
	if loc != "/members" {
		t.Errorf("delete went to %q", loc)
	}
	memberTestGet(t, srv, admin, "/members/"+m.ID, 404)
}

// The retention page: the rule is validated and saved, the due list
// shows former members past it, and the batch needs the confirmation.
func TestRetentionPage(t *testing.T) {
	srv, users, admin := memberTestSetup(t)
	old := memberTestAdd(t, srv, users[authz.Admin].Actor, membership.MemberInput{FirstName: "Rita", LastName: "Retired", JoinDate: "1990-01-01", ExitDate: "2001-01-01"})
	memberTestAdd(t, srv, users[authz.Admin].Actor, membership.MemberInput{FirstName: "Fritz", LastName: "Future", JoinDate: "1990-01-01", ExitDate: "2099-01-01"})
	body := memberTestGet(t, srv, admin, "/admin/retention", 200)
	if !strings.Contains(body, "The rule is off") {
		t.Error("default rule is not off")
	}
	body, _ = memberTestPost(t, srv, admin, "/admin/retention/settings", url.Values{"years": {"abc"}, "mode": {"anonymise"}}, 422)
	if !strings.Contains(body, "Enter a whole number of years from 0 to 100.") {
		t.Error("bad years: no error")
	}
	memberTestPost(t, srv, admin, "/admin/retention/settings", url.Values{"years": {"10"}, "mode": {"anonymise"}}, 303)
	body = memberTestGet(t, srv, admin, "/admin/retention", 200, "Accept-Language", "de")
	if !strings.Contains(body, "Rita Retired") || strings.Contains(body, "Fritz Future") || !strings.Contains(body, "1 ehemaliges Mitglied") {
		t.Error("due list wrong")
	}
	body, _ = memberTestPost(t, srv, admin, "/admin/retention/apply", url.Values{"member_id": {old.ID}}, 422)
	if !strings.Contains(body, "Tick the box to confirm.") {
		t.Error("apply without confirmation: no error")
	}
	reader := signIn(t, srv, users[authz.NormalUser].Email, testPassword)
	memberTestGet(t, srv, reader, "/admin/retention", 403)
	memberTestPost(t, srv, reader, "/admin/retention/apply", url.Values{"member_id": {old.ID}, "confirm": {"yes"}}, 403)
	memberTestPost(t, srv, admin, "/admin/retention/apply", url.Values{"member_id": {old.ID}, "confirm": {"yes"}}, 303)
	if body := memberTestGet(t, srv, admin, "/admin/retention", 200); strings.Contains(body, "Rita") || !strings.Contains(body, "Nobody left more than 10 years ago.") {
		t.Error("after the batch")
	}
}
