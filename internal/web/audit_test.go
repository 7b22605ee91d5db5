package web_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"mila/internal/authz"
	"mila/internal/membership"
	"mila/internal/pg"
)

// A change made on the member form shows in the member's History tab
// and in /admin/audit, with who made it; readers see the member's
// history without the kinds of change they may not read.
func TestAuditPages(t *testing.T) {
	srv, users, admin := memberTestSetup(t)
	ctx := pg.WithActor(context.Background(), pg.Actor{UserID: users[authz.Admin].Actor.UserID, Label: "admin@example.org"})
	m := memberTestAdd(t, srv, users[authz.Admin].Actor, membership.MemberInput{FirstName: "Hanna", LastName: "Hist", JoinDate: "2020-01-01", City: "Kiel"})
	g, err := membership.NewGroups(srv.DB).CreateGroup(ctx, users[authz.Admin].Actor, membership.GroupInput{Name: "Chor"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pg.Exec(ctx, srv.DB, `INSERT INTO member_groups (member_id, group_id) VALUES ($1, $2)`, m.ID, g.ID); err != nil {
		t.Fatal(err)
	}
	form := url.Values{"first_name": {"Hanna"}, "last_name": {"Hist"}, "join_date": {"2020-01-01"}, "city": {"Lübeck"}, "version": {"1"}}
	memberTestPost(t, srv, admin, "/members/"+m.ID, form, 303)

	body := memberTestGet(t, srv, admin, "/members/"+m.ID+"/history", 200)
	for _, want := range []string{"Kiel", "Lübeck", "admin@example.org", "Group membership: created", `aria-current="page"`} {
		if !strings.Contains(body, want) {
			t.Errorf("history lacks %q", want)
		}
	}
	de := memberTestGet(t, srv, admin, "/members/"+m.ID+"/history", 200, "Accept-Language", "de")
	if !strings.Contains(de, "Gruppenmitgliedschaft: angelegt") || !strings.Contains(de, "Verlauf") {
		t.Error("German history lacks its words")
	}
	// read_only may read members and memberships, not user accounts.
	reader := signIn(t, srv, users[authz.ReadOnly].Email, testPassword)
	body = memberTestGet(t, srv, reader, "/members/"+m.ID+"/history", 200)
	if !strings.Contains(body, "Lübeck") || strings.Contains(body, "/admin/audit/") {
		t.Error("reader's history: wrong content or links to the admin trail")
	}
	// own_data reaches only their own member, and never the audit page.
	own := signIn(t, srv, users[authz.OwnData].Email, testPassword)
	memberTestGet(t, srv, own, "/members/"+m.ID+"/history", 404)
	memberTestGet(t, srv, own, "/admin/audit", 403)
	memberTestGet(t, srv, reader, "/admin/audit", 403)

	body = memberTestGet(t, srv, admin, "/admin/audit", 200)
	if !strings.Contains(body, "Lübeck") || !strings.Contains(body, "Group: created") {
		t.Error("audit page lacks the changes")
	}
	body = memberTestGet(t, srv, admin, "/admin/audit?entity=groups", 200)
	if strings.Contains(body, "Lübeck") || !strings.Contains(body, "Group: created") {
		t.Error("entity filter does not filter")
	}
	body = memberTestGet(t, srv, admin, "/admin/audit?actor=nobody", 200)
	if strings.Contains(body, "Lübeck") || !strings.Contains(body, "No entry matches") {
		t.Error("actor filter does not filter")
	}
	for _, q := range []string{"entity=sessions", "action=drop", "from=yesterday", "from=2026-02-01&to=2026-01-01"} {
		body := memberTestGet(t, srv, admin, "/admin/audit?"+q, 400)
		if !strings.Contains(body, "This value is not valid.") || !strings.Contains(body, `aria-invalid="true"`) {
			t.Errorf("%s: no error next to the field", q)
		}
	}
	memberTestGet(t, srv, admin, "/admin/audit?before=x", 400)
	memberTestGet(t, srv, admin, "/admin/audit/999999", 404)
	memberTestGet(t, srv, admin, "/admin/audit/abc", 404)
}

// A bulk statement is one entry whose page lists the affected members.
func TestAuditBulkEntryExpands(t *testing.T) {
	srv, users, admin := memberTestSetup(t)
	ctx := pg.WithActor(context.Background(), pg.Actor{Label: "bulk test"})
	a := memberTestAdd(t, srv, users[authz.Admin].Actor, membership.MemberInput{FirstName: "Anna", LastName: "Eins", JoinDate: "2020-01-01"})
	b := memberTestAdd(t, srv, users[authz.Admin].Actor, membership.MemberInput{FirstName: "Bert", LastName: "Zwei", JoinDate: "2020-01-01"})
	g, err := membership.NewGroups(srv.DB).CreateGroup(ctx, users[authz.Admin].Actor, membership.GroupInput{Name: "Bulk"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pg.Exec(ctx, srv.DB, `INSERT INTO member_groups (member_id, group_id) VALUES ($1, $3), ($2, $3)`, a.ID, b.ID, g.ID); err != nil {
		t.Fatal(err)
	}
	body := memberTestGet(t, srv, admin, "/admin/audit?entity=member_groups", 200)
	if strings.Count(body, "2 records at once") != 1 {
		t.Fatalf("bulk entry not shown once with its count")
	}
	var id string
	if err := srv.DB.QueryRow(context.Background(), `SELECT id::text FROM audit_log WHERE entity = 'member_groups'`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	body = memberTestGet(t, srv, admin, "/admin/audit/"+id, 200)
	if !strings.Contains(body, "2 members affected") || !strings.Contains(body, "Anna Eins") || !strings.Contains(body, "Bert Zwei") {
		t.Error("bulk entry does not expand to its members")
	}
}
