package web_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"mila/internal/authz"
)

// overviewHeaders are the column headings of an overview page.
func overviewHeaders(body string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`<th scope="col"[^>]*>\s*(?:<a [^>]*>)?([^<]+)`).FindAllStringSubmatch(body, -1) {
		out = append(out, strings.TrimSpace(html.UnescapeString(m[1])))
	}
	return out
}

// chooserOrder is the order of the columns in the chooser.
func chooserOrder(body string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`<input type="hidden" name="order" value="([^"]+)"`).FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

// exportLink is the overview's export link of format, unescaped.
func exportLink(t *testing.T, body, format string) string {
	t.Helper()
	m := regexp.MustCompile(`href="(/members/export\?[^"]*format=` + format + `)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no %s export link", format)
	}
	return html.UnescapeString(m[1])
}

// TestMemberColumnsChooser: the chooser for each permission set (own_data
// has none; the others see every column they may read — the linked
// user's address, an admin's export column, is not offered), moving a
// column (the form comes back reordered, nothing saved), saving (the
// viewer's own, shown on the overview and used by its exports) and
// resetting.
func TestMemberColumnsChooser(t *testing.T) {
	w := newExportWorld(t)
	clerk := signIn(t, w.srv, w.users[authz.NormalUser].Email, testPassword)

	memberTestGet(t, w.srv, w.ownData, "/members/columns", http.StatusForbidden)
	memberTestPost(t, w.srv, w.ownData, "/members/columns", url.Values{"op": {"save"}, "show": {"email"}}, http.StatusForbidden)
	all := []string{"email", "phone", "street", "house_number", "postal_code", "city", "country", "join_date", "exit_date", "notes",
		"member_since", "groups", "group_count", "cf_" + w.numbers.Slug}
	for set, c := range map[authz.PermissionSet]*http.Client{authz.ReadOnly: w.board, authz.NormalUser: clerk, authz.Admin: w.admin} {
		body := memberTestGet(t, w.srv, c, "/members/columns", http.StatusOK)
		got := chooserOrder(body)
		// The default columns first, ticked, then the others.
		want := []string{"email", "city", "join_date", "groups", "group_count", "cf_" + w.numbers.Slug, "phone", "street", "house_number",
			"postal_code", "country", "exit_date", "notes", "member_since"}
		if !slices.Equal(got, want) {
			t.Errorf("%s's chooser: %q, want %q", set, got, want)
		}
		if sorted := slices.Sorted(slices.Values(got)); !slices.Equal(sorted, slices.Sorted(slices.Values(all))) {
			t.Errorf("%s's chooser offers %q", set, got)
		}
		mustContain(t, body, `name="show" value="email" id="col-show-email" checked`, `name="show" value="phone" id="col-show-phone">`,
			`aria-label="Move Member since up"`, "Mitgliedsnummer")
		if strings.Contains(body, "user_email") {
			t.Errorf("%s is offered the linked user's address", set)
		}
	}

	// Moving: the form comes back reordered; nothing is saved yet.
	form := url.Values{"view": {"/members?group=jugend-u14"}, "order": {"email", "city", "phone", "postal_code"},
		"show": {"email", "phone", "postal_code"}, "op": {"down:email"}}
	body, _ := memberTestPost(t, w.srv, w.board, "/members/columns", form, http.StatusOK)
	if got := chooserOrder(body); !slices.Equal(got[:4], []string{"city", "email", "phone", "postal_code"}) {
		t.Errorf("after moving email down: %q", got)
	}
	mustContain(t, body, "Email is now in position 2 of 14.", `name="show" value="phone" id="col-show-phone" checked`,
		`name="show" value="city" id="col-show-city">`)
	if got := overviewHeaders(memberTestGet(t, w.srv, w.board, "/members", http.StatusOK)); got[1] != "Email" {
		t.Errorf("a move saved the columns: %q", got)
	}
	form.Set("op", "up:postal_code")
	body, _ = memberTestPost(t, w.srv, w.board, "/members/columns", form, http.StatusOK)
	if got := chooserOrder(body); !slices.Equal(got[:4], []string{"email", "city", "postal_code", "phone"}) {
		t.Errorf("after moving the postal code up: %q", got)
	}
	form.Set("op", "up:email") // the first stays first
	body, _ = memberTestPost(t, w.srv, w.board, "/members/columns", form, http.StatusOK)
	if got := chooserOrder(body); got[0] != "email" {
		t.Errorf("moving the first up: %q", got)
	}

	// Saving: the ticked columns in the posted order, for this user only.
	form.Set("op", "save")
	form["order"] = []string{"postal_code", "email", "city", "phone"}
	_, loc := memberTestPost(t, w.srv, w.board, "/members/columns", form, http.StatusSeeOther)
	if loc != "/members?group=jugend-u14" {
		t.Errorf("saved: back to %q", loc)
	}
	page := memberTestGet(t, w.srv, w.board, "/members?group=jugend-u14", http.StatusOK)
	if got := overviewHeaders(page); !slices.Equal(got, []string{"Name", "Postal code", "Email", "Phone"}) {
		t.Errorf("board's overview: %q", got)
	}
	mustContain(t, page, "Columns saved.")
	if !regexp.MustCompile(`<td data-label="Postal code">0\d{4}</td>`).MatchString(page) {
		t.Error("no postal code cell (with its leading zero)")
	}
	if strings.Contains(page, `name="cols"`) {
		t.Error("the saved choice is carried in the URL")
	}
	// Its exports have the name and the chosen columns.
	_, csv := exportGet(t, w.srv, w.board, exportLink(t, page, "csv"), http.StatusOK)
	if recs := readCSV(t, csv, ','); !slices.Equal(recs[0], []string{"Last name", "First name", "Postal code", "Email", "Phone"}) || len(recs) != 1+21 {
		t.Errorf("export of the board's view: %q, %d rows", recs[0], len(recs)-1)
	}
	if got := overviewHeaders(memberTestGet(t, w.srv, w.admin, "/members", http.StatusOK)); !slices.Equal(got,
		[]string{"Name", "Email", "City", "Join date", "Groups", "Number of groups", "Mitgliedsnummer"}) {
		t.Errorf("the admin's overview follows the board's choice: %q", got)
	}
	// Nothing ticked: only the name.
	memberTestPost(t, w.srv, w.admin, "/members/columns", url.Values{"order": {"email"}, "op": {"save"}}, http.StatusSeeOther)
	if got := overviewHeaders(memberTestGet(t, w.srv, w.admin, "/members", http.StatusOK)); !slices.Equal(got, []string{"Name"}) {
		t.Errorf("only the name: %q", got)
	}
	// Reset.
	memberTestPost(t, w.srv, w.board, "/members/columns", url.Values{"op": {"reset"}, "view": {"https://evil.example/"}}, http.StatusSeeOther)
	if got := overviewHeaders(memberTestGet(t, w.srv, w.board, "/members", http.StatusOK)); len(got) != 7 || got[1] != "Email" {
		t.Errorf("after reset: %q", got)
	}

	// German.
	body = memberTestGet(t, w.srv, w.board, "/members/columns", http.StatusOK, "Accept-Language", "de")
	mustContain(t, body, "Spalten auswählen", "Mitglied seit nach oben verschieben", "Postleitzahl")
}

// TestMemberColumnsURL: the cols parameter shows those columns (unknown
// keys and those the viewer may not read left out, the page naming them,
// the filter form carrying the others on), and its exports and saved
// list take them. A malformed one is a 400 saying so, never a 500.
func TestMemberColumnsURL(t *testing.T) {
	w := newExportWorld(t)
	cols := "member_since,cf_" + w.numbers.Slug + ",bogus,cf_no-such-field,user_email,postal_code"
	page := memberTestGet(t, w.srv, w.board, "/members?group=jugend-u14&cols="+url.QueryEscape(cols), http.StatusOK)
	if got := overviewHeaders(page); !slices.Equal(got, []string{"Name", "Member since", "Mitgliedsnummer", "Postal code"}) {
		t.Errorf("headers %q", got)
	}
	kept := "member_since,cf_" + w.numbers.Slug + ",postal_code"
	mustContain(t, page, `<input type="hidden" form="member-filter" name="cols" value="`+kept+`">`,
		"The address asks for 3 columns that do not exist or that you may not see, so they are not shown: bogus, cf_no-such-field, user_email.")
	// The export of the view: exactly these columns, the member number text.
	_, csv := exportGet(t, w.srv, w.board, exportLink(t, page, "csv"), http.StatusOK)
	recs := readCSV(t, csv, ',')
	if !slices.Equal(recs[0], []string{"Last name", "First name", "Member since", "Mitgliedsnummer", "Postal code"}) {
		t.Errorf("export columns %q", recs[0])
	}
	if len(recs) != 1+21 || !strings.HasPrefix(recs[1][3], "0") {
		t.Errorf("export rows: %d, first %q", len(recs)-1, recs[1])
	}
	// An admin asking for the user's address in the overview does not
	// get it there (an export column only).
	page = memberTestGet(t, w.srv, w.admin, "/members?cols=user_email,phone", http.StatusOK)
	if got := overviewHeaders(page); !slices.Equal(got, []string{"Name", "Phone"}) {
		t.Errorf("admin's headers %q", got)
	}

	// Saved with the view: the list keeps the columns and opens with them.
	save := memberTestGet(t, w.srv, w.board, "/members?group=jugend-u14&cols="+url.QueryEscape(cols), http.StatusOK)
	m := regexp.MustCompile(`id="member-save-list" class="btn btn-sm" href="([^"]+)"`).FindStringSubmatch(save)
	if m == nil {
		t.Fatal("no save link")
	}
	form := memberTestGet(t, w.srv, w.board, html.UnescapeString(m[1]), http.StatusOK)
	mustContain(t, form, `<input type="hidden" name="cols" value="`+kept+`">`, "Columns: Name, Member since, Mitgliedsnummer, Postal code")
	_, loc := memberTestPost(t, w.srv, w.board, "/lists", url.Values{"name": {"Nummern"}, "group": {"jugend-u14"}, "cols": {kept}}, http.StatusSeeOther)
	if loc != "/lists" {
		t.Fatalf("save: %s", loc)
	}
	lists := memberTestGet(t, w.srv, w.board, "/lists", http.StatusOK)
	id := regexp.MustCompile(`href="/lists/([0-9a-f-]{36})"`).FindStringSubmatch(lists)
	if id == nil {
		t.Fatal("no list")
	}
	res := w.srv.Get(t, w.board, "/lists/"+id[1])
	res.Body.Close()
	open := res.Header.Get("Location")
	if got := overviewHeaders(memberTestGet(t, w.srv, w.board, open, http.StatusOK)); !slices.Equal(got, []string{"Name", "Member since", "Mitgliedsnummer", "Postal code"}) {
		t.Errorf("opened list %s: %q", open, got)
	}
	res = w.srv.Get(t, w.board, "/lists/"+id[1]+"/export?format=csv")
	res.Body.Close()
	_, csv = exportGet(t, w.srv, w.board, res.Header.Get("Location"), http.StatusOK)
	if recs := readCSV(t, csv, ','); !slices.Equal(recs[0], []string{"Last name", "First name", "Member since", "Mitgliedsnummer", "Postal code"}) || len(recs) != 1+21 {
		t.Errorf("the list's export: %q, %d rows", recs[0], len(recs)-1)
	}

	// Malformed: a 400 that says what is wrong, in the viewer's language.
	for _, path := range []string{"/members?cols=EMAIL", "/members?cols=%3Cscript%3E",
		"/members?cols=a&cols=b", "/members/export?format=csv&cols=x%20y", "/groups/jugend-u14/export?format=xlsx&cols=cf_-",
		"/lists/new?cols=Name", "/members/columns?cols=%00"} {
		body := memberTestGet(t, w.srv, w.board, path, http.StatusBadRequest)
		mustContain(t, body, "The list of columns in the address is not valid.")
	}
	body := memberTestGet(t, w.srv, w.board, "/members?cols=EMAIL", http.StatusBadRequest, "Accept-Language", "de")
	mustContain(t, body, "Die Spaltenliste in der Adresse ist ungültig.")
	for _, f := range []url.Values{
		{"op": {"save"}, "order": {"email", "DROP"}},
		{"op": {"save"}, "show": {"x y"}},
		{"op": {"sideways"}},
		{"op": {"up:no_such_column"}},
		{"name": {"Kaputt"}, "cols": {"a,B"}},
	} {
		path := "/members/columns"
		if f.Has("name") {
			path = "/lists"
		}
		body, _ := memberTestPost(t, w.srv, w.board, path, f, http.StatusBadRequest)
		mustContain(t, body, "The list of columns in the address is not valid.")
	}
}

// TestMemberColumnsSeparators: Go's URL parser drops a query pair with a
// ";", so "cols=a;b" used to show the default columns without a word.
// The overview and its exports take the columns however they are
// separated — commas as Mila writes them (plain or %2C) or semicolons —
// and name the keys they cannot show, in the viewer's language; without
// any known column the name alone is shown, never the defaults.
func TestMemberColumnsSeparators(t *testing.T) {
	w := newExportWorld(t)
	want := []string{"Name", "Member since", "Postal code"}
	for _, q := range []string{"cols=member_since;postal_code", "cols=member_since%3Bpostal_code", "cols=member_since,postal_code",
		"cols=member_since%2Cpostal_code", "group=jugend-u14&cols=member_since;+postal_code;&status=active"} {
		page := memberTestGet(t, w.srv, w.board, "/members?"+q, http.StatusOK)
		if got := overviewHeaders(page); !slices.Equal(got, want) {
			t.Errorf("%s: headers %q, want %q", q, got, want)
		}
		if strings.Contains(page, `id="columns-unknown"`) {
			t.Errorf("%s: a notice about unknown columns", q)
		}
	}
	// The filter form carries the columns on as Mila writes them.
	page := memberTestGet(t, w.srv, w.board, "/members?cols=member_since;postal_code", http.StatusOK)
	mustContain(t, page, `<input type="hidden" form="member-filter" name="cols" value="member_since,postal_code">`)
	// Exports of a view written with semicolons.
	_, csv := exportGet(t, w.srv, w.board, "/members/export?format=csv&cols=last_name;postal_code", http.StatusOK)
	if recs := readCSV(t, csv, ','); !slices.Equal(recs[0], []string{"Last name", "Postal code"}) {
		t.Errorf("export columns %q", recs[0])
	}
	// Unknown keys: named on the page, in English and German.
	page = memberTestGet(t, w.srv, w.board, "/members?cols=postal_code;telefon", http.StatusOK)
	if got := overviewHeaders(page); !slices.Equal(got, []string{"Name", "Postal code"}) {
		t.Errorf("headers %q", got)
	}
	mustContain(t, page, `id="columns-unknown"`, "The address asks for a column that does not exist or that you may not see, so it is not shown: telefon.")
	page = memberTestGet(t, w.srv, w.board, "/members?cols=telefon;adresse", http.StatusOK, "Accept-Language", "de")
	if got := overviewHeaders(page); !slices.Equal(got, []string{"Name"}) {
		t.Errorf("only unknown columns: headers %q, want the name alone", got)
	}
	mustContain(t, page, "Die Adresse nennt 2 Spalten, die es nicht gibt oder die Sie nicht sehen dürfen; sie werden nicht angezeigt: telefon, adresse.")
	// A search with a semicolon is searched for, not dropped.
	page = memberTestGet(t, w.srv, w.board, "/members?q=Kiel;&cols=city", http.StatusOK)
	mustContain(t, page, `value="Kiel;"`)
}
