package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"mila/internal/accounts"
	"mila/internal/authz"
	"mila/internal/membership"
	"mila/internal/webtest"
)

// TestFamilySharesEmail: two members may have one address (a household).
// The form saves it and names the other member — as a link, only to a
// viewer who may read every member; the own_data member's own form names
// nobody.
func TestFamilySharesEmail(t *testing.T) {
	srv, users, admin := memberTestSetup(t)
	anna := memberTestAdd(t, srv, users[authz.Admin].Actor, membership.MemberInput{FirstName: "Anna", LastName: "Müller", Email: "familie.mueller@example.org"})

	// A second member with the address (another case): saved, not refused.
	_, loc := memberTestPost(t, srv, admin, "/members", memberTestForm("first_name", "Ben", "last_name", "Müller", "email", "Familie.Mueller@example.org"), http.StatusSeeOther)
	benID := strings.TrimPrefix(loc, "/members/")
	body := memberTestGet(t, srv, admin, loc, http.StatusOK)
	mustContain(t, body, `id="member-shared-email"`, "Also used by:", `href="/members/`+anna.ID+`">Anna Müller</a>`)
	body = memberTestGet(t, srv, admin, "/members/"+anna.ID+"/edit", http.StatusOK)
	mustContain(t, body, `id="field-email-shared"`, `href="/members/`+benID+`">Ben Müller</a>`)
	de := memberTestGet(t, srv, admin, "/members/"+anna.ID+"/edit", http.StatusOK, "Accept-Language", "de")
	mustContain(t, de, "Auch verwendet von:", "Ben Müller")

	// Editing a third member to the address works too, and the form that
	// comes back after a mistake names both.
	carla := memberTestAdd(t, srv, users[authz.Admin].Actor, membership.MemberInput{FirstName: "Carla", LastName: "Kunz", Email: "carla@example.org"})
	form := memberTestForm("first_name", "", "last_name", "Kunz", "email", "familie.mueller@example.org", "join_date", carla.JoinDate.Format("2006-01-02"), "version", strconv.Itoa(carla.Version))
	body, _ = memberTestPost(t, srv, admin, "/members/"+carla.ID, form, http.StatusUnprocessableEntity)
	mustContain(t, body, "Anna Müller", "Ben Müller")
	form.Set("first_name", "Carla")
	memberTestPost(t, srv, admin, "/members/"+carla.ID, form, http.StatusSeeOther)
	var n int
	if err := srv.DB.QueryRow(context.Background(), `SELECT count(*) FROM members WHERE email = 'familie.mueller@example.org'`).Scan(&n); err != nil || n != 3 {
		t.Fatalf("%d members with the family address (%v), want 3", n, err)
	}

	// own_data: signs in with the family address, linked to Anna, sees
	// their own record without the others.
	if err := accounts.New(srv.DB).ChangeEmail(context.Background(), users[authz.Admin].Actor, users[authz.OwnData].Actor.UserID, "familie.mueller@example.org"); err != nil {
		t.Fatal(err)
	}
	if err := membership.NewMembers(srv.DB).LinkUser(context.Background(), users[authz.Admin].Actor, anna.ID, users[authz.OwnData].Actor.UserID); err != nil {
		t.Fatal(err)
	}
	own := signIn(t, srv, "familie.mueller@example.org", testPassword)
	body = memberTestGet(t, srv, own, "/members/"+anna.ID, http.StatusOK)
	if strings.Contains(body, "Ben Müller") || strings.Contains(body, "member-shared-email") {
		t.Error("an own_data member is told who else uses the address")
	}
	body = memberTestGet(t, srv, own, "/members/"+anna.ID+"/edit", http.StatusOK)
	if strings.Contains(body, "Ben Müller") || strings.Contains(body, "field-email-shared") {
		t.Error("an own_data member's form names who else uses the address")
	}
}

// TestLinkUserConfirmsEmailChange: the user select starts empty, and
// saving it empty is a field error; linking a user whose address differs
// from the member's asks first (old → new) and writes nothing; confirmed,
// the member takes the user's address and keeps the old one as a dated
// line in its notes, in the admin's language. A changed address since the
// question asks again.
func TestLinkUserConfirmsEmailChange(t *testing.T) {
	srv, users, admin := memberTestSetup(t)
	ctx := context.Background()
	m := memberTestAdd(t, srv, users[authz.Admin].Actor, membership.MemberInput{FirstName: "Jonas", LastName: "Weber", Email: "jonas.alt@example.org", Notes: "Trainer seit 2019"})
	roles, err := accounts.New(srv.DB).ListRoles(ctx, users[authz.Admin].Actor)
	if err != nil {
		t.Fatal(err)
	}
	u, _, err := accounts.New(srv.DB).CreateUser(ctx, users[authz.Admin].Actor, accounts.NewUser{Name: "Jonas W.", Email: "jonas@example.org", RoleID: systemRole(roles, authz.OwnData).ID, Password: testPassword})
	if err != nil {
		t.Fatal(err)
	}
	path := "/members/" + m.ID

	// The select starts on "Choose a user", not on the admin's account.
	body := memberTestGet(t, srv, admin, path, http.StatusOK)
	mustContain(t, body, `<option value="" selected>Choose a user</option>`, "Jonas W. (jonas@example.org)")
	if strings.Contains(body, `selected>admin`) {
		t.Error("the user select is preset to a user")
	}
	// Empty: a field error, nothing linked.
	body, _ = memberTestPost(t, srv, admin, path+"/user", url.Values{"user_id": {""}}, http.StatusUnprocessableEntity)
	mustContain(t, body, `id="field-user_id-error"`, "Please fill in this field")

	before := webtest.Checksum(t, srv.DB)
	res := srv.PostForm(t, admin, path+"/user", url.Values{"user_id": {u.ID}}, "Accept-Language", "de")
	body = webtest.Body(t, res)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("link asking first: %d\n%s", res.StatusCode, body)
	}
	mustContain(t, body, `id="member-link-confirm"`, "<del>jonas.alt@example.org</del>", "<ins>jonas@example.org</ins>",
		"Verknüpfen und E-Mail ändern", `name="confirm" value="yes"`)
	if after := webtest.Checksum(t, srv.DB); after != before {
		t.Fatalf("the question wrote %s", webtest.ChangedTables(before, after))
	}

	// Confirmed for another change than the current one: asked again.
	memberTestPost(t, srv, admin, path+"/user", url.Values{"user_id": {u.ID}, "confirm": {"yes"}, "old_email": {"else@example.org"}, "new_email": {"jonas@example.org"}}, http.StatusOK)
	if after := webtest.Checksum(t, srv.DB); after != before {
		t.Fatalf("a stale confirmation wrote %s", webtest.ChangedTables(before, after))
	}

	// Confirmed (in German): linked, the old address in the notes.
	res = srv.PostForm(t, admin, path+"/user", url.Values{"user_id": {u.ID}, "confirm": {"yes"}, "old_email": {"jonas.alt@example.org"}, "new_email": {"jonas@example.org"}}, "Accept-Language", "de")
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("confirmed link: %d\n%s", res.StatusCode, webtest.Body(t, res))
	}
	got, err := membership.NewMembers(srv.DB).Get(ctx, users[authz.Admin].Actor, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	wantNotes := "Trainer seit 2019\nBisherige E-Mail bis " + time.Now().Format("2006-01-02") + ": jonas.alt@example.org"
	if got.Email != "jonas@example.org" || got.UserID != u.ID || got.Notes != wantNotes {
		t.Fatalf("after the link: email %q user %q notes %q, want notes %q", got.Email, got.UserID, got.Notes, wantNotes)
	}
	// The user's name is the member's now.
	if lu, _ := accounts.New(srv.DB).GetUser(ctx, users[authz.Admin].Actor, u.ID); lu.Name != "Jonas Weber" || lu.OwnName != "" {
		t.Errorf("linked user's name = %q (own %q), want the member's", lu.Name, lu.OwnName)
	}

	// A member without an address is linked without a question.
	other := memberTestAdd(t, srv, users[authz.Admin].Actor, membership.MemberInput{FirstName: "Ohne", LastName: "Adresse"})
	memberTestPost(t, srv, admin, "/members/"+other.ID+"/user", url.Values{"user_id": {users[authz.ReadOnly].Actor.UserID}}, http.StatusSeeOther)
	if o, _ := membership.NewMembers(srv.DB).Get(ctx, users[authz.Admin].Actor, other.ID); o.Email != users[authz.ReadOnly].Email || o.Notes != "" {
		t.Errorf("member without address after link: %q %q", o.Email, o.Notes)
	}
}

// TestPossibleDuplicateWarning: creating a member with the name (any case
// or accents) and birth date — or the name and email — of one already in
// the register warns with a link and saves nothing; "save anyway" saves.
// A member who only shares the name, or only the address, is no warning.
func TestPossibleDuplicateWarning(t *testing.T) {
	srv, users, admin := memberTestSetup(t)
	ctx := context.Background()
	fields := membership.NewCustomFields(srv.DB)
	birth, err := fields.Create(ctx, users[authz.Admin].Actor, membership.CustomFieldInput{Name: "Geburtsdatum", ValueType: membership.CustomFieldDate})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.DB.Exec(ctx, `UPDATE custom_fields SET birth_date = true WHERE id = $1`, birth.ID); err != nil {
		t.Fatal(err)
	}
	jorg := memberTestAdd(t, srv, users[authz.Admin].Actor, membership.MemberInput{FirstName: "Jörg", LastName: "Müller", Email: "joerg@example.org",
		Custom: map[string]string{birth.Slug: "1970-03-04"}})
	count := func() int {
		var n int
		if err := srv.DB.QueryRow(ctx, `SELECT count(*) FROM members`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	// Normal creates: no warning.
	memberTestPost(t, srv, admin, "/members", memberTestForm("first_name", "Jörg", "last_name", "Müller", "cf_"+birth.Slug, "1999-01-01"), http.StatusSeeOther)
	memberTestPost(t, srv, admin, "/members", memberTestForm("first_name", "Petra", "last_name", "Müller", "email", "joerg@example.org"), http.StatusSeeOther)
	n := count()

	for _, tc := range []struct {
		name string
		form url.Values
	}{
		{"name and birth date", memberTestForm("first_name", "JORG", "last_name", "muller", "cf_"+birth.Slug, "1970-03-04")},
		{"name and email", memberTestForm("first_name", "jörg", "last_name", "Müller", "email", "Joerg@Example.org")},
	} {
		body, _ := memberTestPost(t, srv, admin, "/members", tc.form, http.StatusConflict)
		mustContain(t, body, `id="member-duplicates"`, `href="/members/`+jorg.ID+`">Jörg Müller</a>`, `name="save_anyway" value="yes"`)
		if strings.Contains(body, "1999-01-01") {
			t.Errorf("%s: the namesake with another birth date is named", tc.name)
		}
		if count() != n {
			t.Fatalf("%s: the warning saved a member", tc.name)
		}
	}
	res := srv.PostForm(t, admin, "/members", memberTestForm("first_name", "Jorg", "last_name", "Muller", "cf_"+birth.Slug, "1970-03-04"), "Accept-Language", "de")
	de := webtest.Body(t, res)
	mustContain(t, de, "Dieses Mitglied ist vielleicht schon erfasst", "Trotzdem als neues Mitglied speichern")

	form := memberTestForm("first_name", "Jörg", "last_name", "Müller", "cf_"+birth.Slug, "1970-03-04", "save_anyway", "yes")
	memberTestPost(t, srv, admin, "/members", form, http.StatusSeeOther)
	if count() != n+1 {
		t.Fatal("save anyway did not save")
	}
}

// TestUserDisplayNames: the name is asked for on the new-user form and
// validated; the user list, the header and the audit trail show it; a
// linked user's name is the member's and cannot be changed on the user.
func TestUserDisplayNames(t *testing.T) {
	srv, users, admin := memberTestSetup(t)
	ctx := context.Background()
	roles, err := accounts.New(srv.DB).ListRoles(ctx, users[authz.Admin].Actor)
	if err != nil {
		t.Fatal(err)
	}
	board := systemRole(roles, authz.ReadOnly).ID

	// The name is required.
	form := url.Values{"name": {""}, "email": {"helga@example.org"}, "role_id": {board}, "password_mode": {"password"}, "password": {testPassword}}
	body, _ := memberTestPost(t, srv, admin, "/users", form, http.StatusUnprocessableEntity)
	mustContain(t, body, `id="field-name-error"`)
	form.Set("name", "Helga Hörmann")
	memberTestPost(t, srv, admin, "/users", form, http.StatusSeeOther)

	body = memberTestGet(t, srv, admin, "/users", http.StatusOK)
	mustContain(t, body, "Helga Hörmann", "helga@example.org")

	// The header names the signed-in user.
	helga := signIn(t, srv, "helga@example.org", testPassword)
	body = memberTestGet(t, srv, helga, "/members", http.StatusOK)
	mustContain(t, body, `<span data-testid="signed-in-name">Helga Hörmann</span>`)

	// Renamed by the admin; a too long name is refused next to the field.
	hid := actorByEmail(t, srv, "helga@example.org").UserID
	body, _ = memberTestPost(t, srv, admin, "/users/"+hid+"/name", url.Values{"name": {strings.Repeat("x", 101)}}, http.StatusUnprocessableEntity)
	mustContain(t, body, `id="field-name-error"`)
	memberTestPost(t, srv, admin, "/users/"+hid+"/name", url.Values{"name": {"Helga Hörmann-Berg"}}, http.StatusSeeOther)
	body = memberTestGet(t, srv, admin, "/users", http.StatusOK)
	mustContain(t, body, "Helga Hörmann-Berg")

	// The audit trail names the admin by name and email.
	m := memberTestAdd(t, srv, users[authz.Admin].Actor, membership.MemberInput{FirstName: "Greta", LastName: "Audit"})
	memberTestPost(t, srv, admin, "/members/"+m.ID+"/delete", url.Values{}, http.StatusSeeOther)
	var actor string
	if err := srv.DB.QueryRow(ctx, `SELECT actor FROM audit_log WHERE entity = 'members' AND action = 'delete' ORDER BY id DESC LIMIT 1`).Scan(&actor); err != nil {
		t.Fatal(err)
	}
	if actor != "admin <admin@example.org>" {
		t.Errorf("audit actor = %q, want the admin's name and email", actor)
	}
	// The trail is still found by the email alone.
	body = memberTestGet(t, srv, admin, "/admin/audit?actor=ADMIN%40example.org", http.StatusOK)
	mustContain(t, body, "admin &lt;admin@example.org&gt;")
	// And the request log names the user.
	if !strings.Contains(srv.Logs(), "user=\"admin <admin@example.org>\"") && !strings.Contains(srv.Logs(), `"user":"admin <admin@example.org>"`) {
		t.Errorf("the request log does not name the user:\n%.2000s", srv.Logs())
	}

	// Linked to a member, the user is called by the member's name; the
	// user page says so and the name cannot be set there.
	g := memberTestAdd(t, srv, users[authz.Admin].Actor, membership.MemberInput{FirstName: "Helga", LastName: "Berg"})
	if err := membership.NewMembers(srv.DB).LinkUser(ctx, users[authz.Admin].Actor, g.ID, hid); err != nil {
		t.Fatal(err)
	}
	body = memberTestGet(t, srv, admin, "/users", http.StatusOK)
	mustContain(t, body, "Helga Berg")
	body = memberTestGet(t, srv, helga, "/members", http.StatusOK)
	mustContain(t, body, `<span data-testid="signed-in-name">Helga Berg</span>`)
	body, _ = memberTestPost(t, srv, admin, "/users/"+hid+"/name", url.Values{"name": {"Other"}}, http.StatusUnprocessableEntity)
	mustContain(t, body, `id="field-name-error"`)
	body = memberTestGet(t, srv, admin, "/users/"+hid, http.StatusOK)
	mustContain(t, body, `href="/members/`+g.ID+`"`)
	if strings.Contains(body, `action="/users/`+hid+`/name"`) {
		t.Error("the name form is shown for a linked user")
	}
	// Unlinked, the user keeps the member's name as their own.
	memberTestPost(t, srv, admin, "/members/"+g.ID+"/user/unlink", url.Values{}, http.StatusSeeOther)
	if u, _ := accounts.New(srv.DB).GetUser(ctx, users[authz.Admin].Actor, hid); u.Name != "Helga Berg" || u.OwnName != "Helga Berg" {
		t.Errorf("after unlinking: name %q own %q", u.Name, u.OwnName)
	}
}
