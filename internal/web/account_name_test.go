package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"mila/internal/authz"
	"mila/internal/membership"
	"mila/internal/webtest"
)

// TestAccountName: /account shows the user's name; a user not linked to
// a member changes it there (validated next to the field, audited, shown
// in the header at once); a linked user's name is the member's — the page
// says so and links to the member record, and a post is refused. Both
// languages.
func TestAccountName(t *testing.T) {
	srv, users, _ := memberTestSetup(t)
	ctx := context.Background()
	board := signIn(t, srv, users[authz.ReadOnly].Email, testPassword)
	id := users[authz.ReadOnly].Actor.UserID

	body := memberTestGet(t, srv, board, "/account", http.StatusOK)
	mustContain(t, body, `<dd id="account-name">Test User</dd>`, `action="/account/name"`, `value="Test User"`)
	body = memberTestGet(t, srv, board, "/account", http.StatusOK, "Accept-Language", "de")
	mustContain(t, body, "Ihr Name", "So werden Sie in Mila angezeigt")

	for _, bad := range []string{"", "   ", strings.Repeat("x", 101), "Bad\u202eName"} {
		body, _ := memberTestPost(t, srv, board, "/account/name", url.Values{"name": {bad}}, http.StatusUnprocessableEntity)
		mustContain(t, body, `id="field-name-error"`, `id="error-summary"`)
	}
	res := srv.PostForm(t, board, "/account/name", url.Values{"name": {strings.Repeat("x", 101)}}, "Accept-Language", "de")
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("German refusal: %d", res.StatusCode)
	}
	mustContain(t, webtest.Body(t, res), "Verwenden Sie höchstens 100 Zeichen.")

	_, loc := memberTestPost(t, srv, board, "/account/name", url.Values{"name": {"  Berta Beirat "}}, http.StatusSeeOther)
	if loc != "/account" {
		t.Fatalf("after saving: %s", loc)
	}
	body = memberTestGet(t, srv, board, "/account", http.StatusOK)
	mustContain(t, body, `<dd id="account-name">Berta Beirat</dd>`, `<span data-testid="signed-in-name">Berta Beirat</span>`, "Your name is now Berta Beirat.")
	var actorID, changes string
	if err := srv.DB.QueryRow(ctx, `SELECT coalesce(actor_user_id::text, ''), changes::text FROM audit_log
		WHERE entity = 'users' AND entity_id = $1 AND action = 'update' ORDER BY id DESC LIMIT 1`, id).Scan(&actorID, &changes); err != nil {
		t.Fatal(err)
	}
	if actorID != id || !strings.Contains(changes, "Berta Beirat") {
		t.Errorf("audit entry: actor %s, changes %s", actorID, changes)
	}

	// Linked to a member: the member's name, changed there.
	m := memberTestAdd(t, srv, users[authz.Admin].Actor, membership.MemberInput{FirstName: "Bettina", LastName: "Brandt"})
	if err := membership.NewMembers(srv.DB).LinkUser(ctx, users[authz.Admin].Actor, m.ID, id); err != nil {
		t.Fatal(err)
	}
	body = memberTestGet(t, srv, board, "/account", http.StatusOK)
	mustContain(t, body, `<dd id="account-name">Bettina Brandt</dd>`, `id="account-name-from-member"`, `href="/members/`+m.ID+`"`)
	if strings.Contains(body, `action="/account/name"`) {
		t.Error("the name form is shown for a linked user")
	}
	body = memberTestGet(t, srv, board, "/account", http.StatusOK, "Accept-Language", "de")
	mustContain(t, body, "Ihr Konto ist mit Ihrem Mitgliedsdatensatz verknüpft")
	body, _ = memberTestPost(t, srv, board, "/account/name", url.Values{"name": {"Anders"}}, http.StatusUnprocessableEntity)
	mustContain(t, body, `id="field-name-error"`)
	body = memberTestGet(t, srv, board, "/account", http.StatusOK)
	mustContain(t, body, `<dd id="account-name">Bettina Brandt</dd>`)
}
