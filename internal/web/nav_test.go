package web_test

import (
	"net/http"
	"strings"
	"testing"

	"mila/internal/authz"
)

// TestNavigationSplitsAdministration: the header's main row holds the
// everyday pages; the pages that set Mila up sit in one Administration
// menu, shown only to those who may open one of them.
func TestNavigationSplitsAdministration(t *testing.T) {
	w := newGroupWorld(t)
	body := groupGet(t, w.srv, w.admin, "/admin/import", http.StatusOK)
	header := body[strings.Index(body, "<header"):strings.Index(body, "</header>")]
	mustContain(t, header, "Administration", `href="/admin/fields"`, `href="/users"`, `href="/admin/roles"`,
		`href="/members"`, `<summary class="menu-active">`, `class="icon size-4 shrink-0" aria-hidden="true"`)
	main := header[strings.Index(header, "menu-horizontal"):]
	if i, j := strings.Index(main, `href="/members"`), strings.Index(main, "Administration"); i < 0 || j < i {
		t.Errorf("members should come before the Administration menu in the main row")
	}
	if i, j := strings.Index(main, "Administration"), strings.Index(main, `href="/admin/fields"`); j < i {
		t.Errorf("fields should be inside the Administration menu")
	}
	de := groupGet(t, w.srv, w.admin, "/members", http.StatusOK, "Accept-Language", "de")
	mustContain(t, de, "Verwaltung")
	mustNotContain(t, de, `<summary class="menu-active">`)

	for _, set := range []authz.PermissionSet{authz.OwnData, authz.ReadOnly, authz.NormalUser} {
		c := signIn(t, w.srv, w.users[set].Email, testPassword)
		page := groupGet(t, w.srv, c, "/", http.StatusOK)
		mustNotContain(t, page, ">Administration", `href="/admin/`)
	}
}
