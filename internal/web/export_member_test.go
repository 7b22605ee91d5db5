package web_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"mila/internal/authz"
	"mila/internal/export/pdftext"
	"mila/internal/membership"
	"mila/internal/webtest"
)

// exportWorld is a group world with 75 members: a group "Jugend U14"
// of every third one, some former members, cities and a membership
// number with leading zeros.
type exportWorld struct {
	*groupWorld
	jugend  membership.Group
	ids     []string
	linked  string // the member linked to the own_data user
	numbers membership.CustomField
}

func newExportWorld(t *testing.T) *exportWorld {
	t.Helper()
	w := &exportWorld{groupWorld: newGroupWorld(t)}
	ctx := context.Background()
	admin := w.adminActor()
	f, err := membership.NewCustomFields(w.srv.DB).Create(ctx, admin, membership.CustomFieldInput{
		Name: "Mitgliedsnummer", ValueType: membership.CustomFieldString, ShowInOverview: true, Unique: new(true)})
	if err != nil {
		t.Fatal(err)
	}
	w.numbers = f
	w.jugend = w.group(t, "Jugend U14", "")
	members := membership.NewMembers(w.srv.DB)
	cities := []string{"Köln", "Aachen", "Zülpich", "Bonn", ""}
	firsts := []string{"Jürgen", "Łukasz", "Ayşe", "José", "Anna"}
	var inGroup []string
	for i := range 75 {
		in := membership.MemberInput{
			FirstName: firsts[i%len(firsts)], LastName: fmt.Sprintf("Müller%02d", (i*37)%75),
			Email: fmt.Sprintf("m%02d@example.org", i), City: cities[i%len(cities)], PostalCode: fmt.Sprintf("0%04d", i*7),
			Phone: "+49 221 " + fmt.Sprint(1000+i), JoinDate: fmt.Sprintf("20%02d-0%d-1%d", 10+i%15, 1+i%9, i%9),
			Custom: map[string]string{f.Slug: fmt.Sprintf("%05d", i)},
		}
		if i%7 == 0 {
			in.ExitDate = "2025-12-31"
		}
		if i%4 != 1 && in.City != "" {
			in.Street, in.HouseNumber = "Hauptstraße", fmt.Sprint(i+1)
		}
		if i == 5 {
			in.Notes = "=HYPERLINK(\"http://evil\")\nzweite Zeile; mit Semikolon"
		}
		m, err := members.Create(ctx, admin, in)
		if err != nil {
			t.Fatal(err)
		}
		w.ids = append(w.ids, m.ID)
		if i%3 == 0 {
			inGroup = append(inGroup, m.ID)
		}
	}
	if _, err := membership.NewGroups(w.srv.DB).AddMembersToGroup(ctx, admin, w.jugend.ID, inGroup); err != nil {
		t.Fatal(err)
	}
	w.linked = w.ids[3]
	if err := members.LinkUser(ctx, admin, w.linked, w.users[authz.OwnData].Actor.UserID); err != nil {
		t.Fatal(err)
	}
	return w
}

// overviewRows walks every page of the overview view and returns its
// rows as "Last, First".
func (w *exportWorld) overviewRows(t *testing.T, c *http.Client, query url.Values) []string {
	t.Helper()
	var out []string
	for page := 1; ; page++ {
		query.Set("page", fmt.Sprint(page))
		body := memberTestGet(t, w.srv, c, "/members?"+query.Encode(), http.StatusOK)
		rows := memberTestOrder(body)
		out = append(out, rows...)
		if !strings.Contains(body, `rel="next"`) {
			return out
		}
	}
}

// exportGet fetches an export and checks its status.
func exportGet(t *testing.T, srv *webtest.Server, c *http.Client, path string, want int, header ...string) (*http.Response, []byte) {
	t.Helper()
	res := srv.Get(t, c, path, header...)
	body := []byte(webtest.Body(t, res))
	if res.StatusCode != want {
		t.Fatalf("GET %s: %d, want %d\n%.500s", path, res.StatusCode, want, body)
	}
	return res, body
}

// readCSV parses an export as a spreadsheet would: BOM, separator.
func readCSV(t *testing.T, body []byte, sep rune) [][]string {
	t.Helper()
	if !bytes.HasPrefix(body, []byte("\xEF\xBB\xBF")) {
		t.Fatalf("CSV without BOM: %.40q", body)
	}
	r := csv.NewReader(bytes.NewReader(body[3:]))
	r.Comma = sep
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatalf("CSV: %v\n%s", err, body)
	}
	return recs
}

// TestMemberExportMatchesOverview: the export of a filtered, sorted,
// searched view holds exactly the overview's rows (all pages), in its order.
func TestMemberExportMatchesOverview(t *testing.T) {
	w := newExportWorld(t)
	views := []url.Values{
		{"status": {"all"}, "group": {"jugend-u14"}, "sort": {"city"}, "dir": {"desc"}, "per_page": {"25"}},
		{"sort": {"join_date"}, "per_page": {"25"}},
		{"q": {"Jürgen"}, "status": {"all"}, "per_page": {"25"}},
		{"q": {"koln"}, "sort": {"cf_mitgliedsnummer"}, "dir": {"desc"}},
		{"group": {"none"}, "status": {"former"}},
	}
	for _, v := range views {
		want := w.overviewRows(t, w.admin, url.Values(cloneValues(v)))
		if len(want) == 0 {
			t.Fatalf("view %v shows no rows: the test needs some", v)
		}
		e := cloneValues(v)
		e.Set("format", "csv")
		e.Set("cols", "last_name,first_name")
		_, body := exportGet(t, w.srv, w.admin, "/members/export?"+e.Encode(), http.StatusOK)
		recs := readCSV(t, body, ',')
		var got []string
		for _, r := range recs[1:] {
			got = append(got, r[0]+", "+r[1])
		}
		if !slices.Equal(got, want) {
			t.Errorf("view %v: export rows\n%q\noverview rows\n%q", v, got, want)
		}
	}
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	return out
}

// TestMemberExportFormats: each format from the overview and the
// group page, in German, with the file name saying what and when.
func TestMemberExportFormats(t *testing.T) {
	w := newExportWorld(t)
	today := time.Now().Format("2006-01-02")
	res, body := exportGet(t, w.srv, w.admin, "/members/export?group=jugend-u14&format=csv", http.StatusOK, "Accept-Language", "de")
	if cd := res.Header.Get("Content-Disposition"); cd != `attachment; filename=mitglieder-jugend-u14-`+today+`.csv` {
		t.Errorf("Content-Disposition %q", cd)
	}
	if ct := res.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	recs := readCSV(t, body, ';')
	head := recs[0]
	for _, want := range []string{"Vorname", "Nachname", "Postleitzahl", "Eintrittsdatum", "Mitglied seit", "Gruppen", "Mitgliedsnummer", "Anmelde-E-Mail"} {
		if !slices.Contains(head, want) {
			t.Errorf("German CSV header lacks %q: %q", want, head)
		}
	}
	col := func(name string) int { return slices.Index(head, name) }
	// Active members of the group: i%3 == 0 and i%7 != 0.
	if n := len(recs) - 1; n != 21 {
		t.Errorf("%d rows, want 21 active members of the group", n)
	}
	for _, r := range recs[1:] {
		if !strings.HasPrefix(r[col("Postleitzahl")], "0") || len(r[col("Postleitzahl")]) != 5 {
			t.Errorf("postal code %q lost its leading zero", r[col("Postleitzahl")])
		}
		if _, err := time.Parse("02.01.2006", r[col("Eintrittsdatum")]); err != nil {
			t.Errorf("German date %q: %v", r[col("Eintrittsdatum")], err)
		}
		if r[col("Gruppen")] != "Jugend U14" {
			t.Errorf("groups %q", r[col("Gruppen")])
		}
		if !strings.HasPrefix(r[col("Telefon")], "'+49") {
			t.Errorf("phone %q not made inert", r[col("Telefon")])
		}
	}

	// The whole club, all statuses: the note with a formula, a line
	// break and a semicolon.
	_, body = exportGet(t, w.srv, w.admin, "/members/export?status=all&format=csv", http.StatusOK, "Accept-Language", "de")
	recs = readCSV(t, body, ';')
	if len(recs) != 76 {
		t.Fatalf("%d records, want 75 members and the header", len(recs))
	}
	found := false
	for _, r := range recs {
		found = found || slices.Contains(r, "'=HYPERLINK(\"http://evil\")\nzweite Zeile; mit Semikolon")
	}
	if !found {
		t.Error("the note with a formula, line break and semicolon is not in the CSV as an inert, quoted value")
	}

	// XLSX: typed and read back.
	res, body = exportGet(t, w.srv, w.admin, "/groups/jugend-u14/export?format=xlsx", http.StatusOK, "Accept-Language", "en")
	if cd := res.Header.Get("Content-Disposition"); cd != `attachment; filename=members-all-jugend-u14-`+today+`.xlsx` {
		t.Errorf("group XLSX Content-Disposition %q", cd)
	}
	f, err := excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := f.GetRows("Members")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 26 { // 25 members of the group (current and former), as the group page lists them
		t.Errorf("%d XLSX rows, want 26", len(rows))
	}
	pc := slices.Index(rows[0], "Postal code") + 1
	num := slices.Index(rows[0], "Mitgliedsnummer") + 1
	jd := slices.Index(rows[0], "Join date") + 1
	for r := 2; r <= len(rows); r++ {
		for _, c := range []int{pc, num} {
			cell, _ := excelize.CoordinatesToCellName(c, r)
			v, _ := f.GetCellValue("Members", cell)
			ty, _ := f.GetCellType("Members", cell)
			if !strings.HasPrefix(v, "0") || ty != excelize.CellTypeInlineString {
				t.Errorf("%s = %q (type %v): want text with its leading zero", cell, v, ty)
			}
		}
		cell, _ := excelize.CoordinatesToCellName(jd, r)
		v, _ := f.GetCellValue("Members", cell)
		if _, err := time.Parse("2006-01-02", v); err != nil {
			t.Errorf("%s = %q: not a date in ISO format", cell, v)
		}
	}
	_ = f.Close()

	// PDF of the group in German.
	if _, err := exec.LookPath("pdftotext"); err != nil {
		if os.Getenv("MILA_REQUIRE_BROWSER") != "" {
			t.Fatal("pdftotext missing (Debian poppler-utils)")
		}
		t.Skip("pdftotext missing")
	}
	res, body = exportGet(t, w.srv, w.admin, "/groups/jugend-u14/export?format=pdf", http.StatusOK, "Accept-Language", "de")
	if ct := res.Header.Get("Content-Type"); ct != "application/pdf" {
		t.Errorf("PDF Content-Type %q", ct)
	}
	pages := pdftext.PDFPages(t, body)
	all := strings.Join(pages, "\n")
	mustContain(t, all, "Mitglieder der Gruppe Jugend U14", "Alle Mitglieder · Gruppe: Jugend U14", "Stand: "+time.Now().Format("02.01.2006"),
		"Nachname", "Postleitzahl", "Mitgliedsnummer", "Jürgen", "Łukasz", "Ayşe", "José", "Seite 1 von 1")
}

// TestMemberExportPermissions: what an export holds follows what its
// reader may read.
func TestMemberExportPermissions(t *testing.T) {
	w := newExportWorld(t)
	get := func(c *http.Client) [][]string {
		_, body := exportGet(t, w.srv, c, "/members/export?status=all&format=csv", http.StatusOK)
		return readCSV(t, body, ',')
	}
	admin := get(w.admin)
	if !slices.Contains(admin[0], "Sign-in email") {
		t.Fatalf("admin's export lacks the sign-in email column: %q", admin[0])
	}
	board := get(w.board)
	signIn := slices.Index(admin[0], "Sign-in email")
	linked := 0
	for _, r := range admin[1:] {
		if r[signIn] == w.users[authz.OwnData].Email {
			linked++
		}
	}
	if linked != 1 {
		t.Errorf("admin's export shows the sign-in email on %d rows, want 1", linked)
	}
	if slices.Contains(board[0], "Sign-in email") {
		t.Errorf("read-only user's export shows the users' sign-in addresses: %q", board[0])
	}
	if len(board) != len(admin) || !slices.Contains(board[0], "Groups") || !slices.Contains(board[0], "Mitgliedsnummer") {
		t.Errorf("read-only user's export lacks rows or columns they may read: %d rows, %q", len(board), board[0])
	}
	// own_data: their own record only, no memberships.
	own := get(w.ownData)
	if len(own) != 2 || slices.Contains(own[0], "Groups") || slices.Contains(own[0], "Sign-in email") {
		t.Errorf("own_data export: %q", own)
	}
	if len(own) == 2 && own[1][slices.Index(own[0], "Email")] != w.users[authz.OwnData].Email {
		t.Errorf("own_data export is not their own record: %q", own[1])
	}
	// A group's list needs the memberships.
	exportGet(t, w.srv, w.ownData, "/groups/jugend-u14/export?format=csv", http.StatusForbidden)
	exportGet(t, w.srv, w.admin, "/groups/no-such-group/export?format=csv", http.StatusNotFound)
	// Asked for a column they may not read, they do not get it.
	_, body := exportGet(t, w.srv, w.board, "/members/export?format=csv&cols=last_name,user_email,notes", http.StatusOK)
	if recs := readCSV(t, body, ','); !slices.Equal(recs[0], []string{"Last name", "Notes"}) {
		t.Errorf("board's chosen columns: %q", recs[0])
	}
}

// exportDefaultCols is the cols parameter of an export of a view with
// the default columns, in the export world (which shows its member
// number in the overview).
const exportDefaultCols = "last_name%2Cfirst_name%2Cemail%2Ccity%2Cjoin_date%2Cgroups%2Cgroup_count%2Ccf_mitgliedsnummer"

// TestMemberExportBadFormat: no or an unknown format is a 400 page
// offering the formats, in the viewer's language.
func TestMemberExportBadFormat(t *testing.T) {
	w := newExportWorld(t)
	for _, path := range []string{"/members/export?format=ods&group=jugend-u14", "/members/export", "/groups/jugend-u14/export?format=%00"} {
		_, body := exportGet(t, w.srv, w.admin, path, http.StatusBadRequest, "Accept-Language", "de")
		mustContain(t, string(body), "Dateiformat wählen", "format=csv", "format=xlsx", "format=pdf")
	}
	body := memberTestGet(t, w.srv, w.admin, "/members?group=jugend-u14&sort=city", http.StatusOK)
	// The view's columns in effect (the default ones) after the name.
	mustContain(t, body, `href="/members/export?cols=`+exportDefaultCols+`&amp;group=jugend-u14&amp;sort=city&amp;format=xlsx"`)
	body = memberTestGet(t, w.srv, w.admin, "/groups/jugend-u14", http.StatusOK)
	mustContain(t, body, `href="/groups/jugend-u14/export?format=pdf"`)
}

// TestMemberLabels: labels of the group's view, the incomplete
// addresses by name on the last page; an unknown sheet is a 400.
func TestMemberLabels(t *testing.T) {
	w := newExportWorld(t)
	_, body := exportGet(t, w.srv, w.admin, "/members/labels?sheet=x", http.StatusBadRequest, "Accept-Language", "de")
	mustContain(t, string(body), "Etikettenbogen wählen", "sheet=3x8", "sheet=2x8")
	page := memberTestGet(t, w.srv, w.admin, "/groups/jugend-u14", http.StatusOK)
	mustContain(t, page, `href="/members/labels?group=jugend-u14&amp;status=all&amp;sheet=2x8"`)

	if _, err := exec.LookPath("pdftotext"); err != nil {
		if os.Getenv("MILA_REQUIRE_BROWSER") != "" {
			t.Fatal("pdftotext missing (Debian poppler-utils)")
		}
		t.Skip("pdftotext missing")
	}
	res, body := exportGet(t, w.srv, w.admin, "/members/labels?group=jugend-u14&status=all&sheet=2x8", http.StatusOK, "Accept-Language", "de")
	today := time.Now().Format("2006-01-02")
	if cd := res.Header.Get("Content-Disposition"); cd != "attachment; filename=etiketten-alle-jugend-u14-"+today+"-2x8.pdf" {
		t.Errorf("Content-Disposition %q", cd)
	}
	// The group: i%3 == 0 (25 members); complete: a city (i%5 != 4) and a
	// street (i%4 != 1).
	var complete, incomplete int
	for i := 0; i < 75; i += 3 {
		if i%5 != 4 && i%4 != 1 {
			complete++
		} else {
			incomplete++
		}
	}
	pages := pdftext.PDFPages(t, body)
	if want := (complete+15)/16 + 1; len(pages) != want {
		t.Fatalf("%d pages, want %d (%d labels, then the incomplete)", len(pages), want, complete)
	}
	labels := strings.Count(strings.Join(pages[:len(pages)-1], "\n"), "Hauptstraße")
	if labels != complete {
		t.Errorf("%d labels, want %d", labels, complete)
	}
	last := pages[len(pages)-1]
	mustContain(t, last, fmt.Sprintf("Ohne vollständige Anschrift (%d Mitglieder)", incomplete))
	if strings.Count(last, "Müller") != incomplete {
		t.Errorf("last page lists %d names, want %d:\n%s", strings.Count(last, "Müller"), incomplete, last)
	}
}

// TestSavedListExport: a saved list exports in one click (its view,
// live) and a duplicate name is refused next to the field, in German.
func TestSavedListExport(t *testing.T) {
	w := newExportWorld(t)
	body, loc := memberTestPost(t, w.srv, w.board, "/lists", url.Values{"name": {"Jugend"}, "shared": {"on"}, "group": {"jugend-u14"}, "sort": {"city"}}, http.StatusSeeOther)
	if loc != "/lists" {
		t.Fatalf("save: %s\n%s", loc, body)
	}
	page := memberTestGet(t, w.srv, w.admin, "/lists", http.StatusOK)
	m := regexp.MustCompile(`href="(/lists/[0-9a-f-]+/export\?format=xlsx)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no export link on the lists page:\n%s", page)
	}
	res := w.srv.Get(t, w.admin, m[1])
	// A list saved without columns exports with the opener's (here the
	// admin's default ones).
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/members/export?cols="+exportDefaultCols+"&group=jugend-u14&sort=city&format=xlsx" {
		t.Errorf("one-click export: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	res.Body.Close()
	// The same as the overview's own export link of that view.
	overview := memberTestGet(t, w.srv, w.admin, "/members?group=jugend-u14&sort=city", http.StatusOK)
	mustContain(t, overview, `href="/members/export?cols=`+exportDefaultCols+`&amp;group=jugend-u14&amp;sort=city&amp;format=xlsx"`)

	res = w.srv.PostForm(t, w.board, "/lists", url.Values{"name": {"JUGEND"}}, "Accept-Language", "de")
	page = webtest.Body(t, res)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "Sie haben schon eine Liste mit diesem Namen.") {
		t.Errorf("duplicate name: %d\n%s", res.StatusCode, page)
	}
}
