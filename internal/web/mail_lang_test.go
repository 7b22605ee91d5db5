package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"testing"

	"mila/internal/webtest"
)

// TestAccountMailInTheRecipientsLanguage: account mail follows the
// recipient — the language they last signed in with, else the club's
// default — not the language of the admin or stranger who caused it.
func TestAccountMailInTheRecipientsLanguage(t *testing.T) {
	srv := webtest.NewServer(t, withMail)
	seedUsers(t, srv)
	ctx := context.Background()
	if _, err := srv.DB.Exec(ctx, `UPDATE club_settings SET default_lang = 'de'`); err != nil {
		t.Fatal(err)
	}
	last := func() outboxRow {
		t.Helper()
		rows := outboxRows(t, srv)
		if len(rows) == 0 {
			t.Fatal("no mail queued")
		}
		return rows[len(rows)-1]
	}
	// A stranger in English asks for a reset: the user never chose a
	// language, so the club's German.
	srv.PostForm(t, srv.Client(), "/forgot-password", url.Values{"email": {"normal_user@example.org"}}, "Accept-Language", "en")
	if m := last(); m.Subject != "Neues Passwort setzen" || !strings.Contains(m.Body, "Mitgliederverwaltung Ihres Vereins") {
		t.Errorf("reset without a stored language: %q / %q", m.Subject, m.Body)
	}
	// The user signs in having chosen English: from now on English, even
	// when a German browser asks.
	c := srv.Client()
	if res := srv.Get(t, c, "/lang?l=en&return_to=%2Fsign-in"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("language switch: %d", res.StatusCode)
	}
	if res := srv.PostForm(t, c, "/sign-in", url.Values{"email": {"read_only@example.org"}, "password": {testPassword}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in: %d", res.StatusCode)
	}
	srv.PostForm(t, srv.Client(), "/forgot-password", url.Values{"email": {"read_only@example.org"}}, "Accept-Language", "de")
	if m := last(); m.Subject != "Set a new password" || !strings.Contains(m.Body, "member management of your club") {
		t.Errorf("reset with English stored: %q / %q", m.Subject, m.Body)
	}
	// An English-speaking admin invites a colleague: the club's German.
	admin := signIn(t, srv, "admin@example.org", testPassword)
	var boardRole string
	if err := srv.DB.QueryRow(ctx, `SELECT id FROM roles WHERE system_key = 'board'`).Scan(&boardRole); err != nil {
		t.Fatal(err)
	}
	srv.PostForm(t, admin, "/users", url.Values{"name": {"Karla Kollegin"}, "email": {"kollegin@example.org"}, "role_id": {boardRole}, "password_mode": {"link"}}, "Accept-Language", "en")
	if m := last(); m.To != "kollegin@example.org" || m.Subject != "Ihr Zugang zur Mitgliederverwaltung des Vereins" {
		t.Errorf("invitation: %+v", m)
	}
	// The English user's sign-in email changes: the notice to the old
	// address is in English (their stored language), though the admin's
	// browser is German.
	var uid string
	if err := srv.DB.QueryRow(ctx, `SELECT id FROM users WHERE email = 'read_only@example.org'`).Scan(&uid); err != nil {
		t.Fatal(err)
	}
	if res := srv.PostForm(t, admin, "/users/"+uid+"/email", url.Values{"email": {"board.new@example.org"}}, "Accept-Language", "de"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("change email: %d", res.StatusCode)
	}
	if m := last(); m.To != "read_only@example.org" || m.Subject != "Your sign-in email was changed" {
		t.Errorf("email-changed notice: %q to %s", m.Subject, m.To)
	}
}

// TestMailTextsInBothLanguages: every text of mail (account mail,
// mailings, the outbox) exists in English and German with the same
// placeholders.
func TestMailTextsInBothLanguages(t *testing.T) {
	for _, file := range []string{"mail", "mailings", "mailing_drafts"} {
		read := func(lang string) map[string]any {
			b, err := os.ReadFile("locales/" + file + "." + lang + ".json")
			if err != nil {
				t.Fatal(err)
			}
			m := map[string]any{}
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatalf("%s.%s.json: %v", file, lang, err)
			}
			return m
		}
		en, de := read("en"), read("de")
		for k, v := range en {
			w, ok := de[k]
			if !ok {
				t.Errorf("%s: %s has no German text", file, k)
				continue
			}
			if a, b := placeholders(v), placeholders(w); a != b {
				t.Errorf("%s: %s: placeholders %q in English, %q in German", file, k, a, b)
			}
		}
		for k := range de {
			if _, ok := en[k]; !ok {
				t.Errorf("%s: %s has no English text", file, k)
			}
		}
	}
}

// placeholders lists the {{.X}} of a message (all plural forms), sorted.
func placeholders(v any) string {
	var texts []string
	switch x := v.(type) {
	case string:
		texts = []string{x}
	case map[string]any:
		for _, f := range x {
			if s, ok := f.(string); ok {
				texts = append(texts, s)
			}
		}
	}
	seen := map[string]bool{}
	for _, s := range texts {
		for _, part := range strings.Split(s, "{{")[1:] {
			if i := strings.Index(part, "}}"); i > 0 {
				seen[strings.TrimSpace(part[:i])] = true
			}
		}
	}
	var out []string
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}
