package web_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"mila/internal/membership"
	"mila/internal/webtest"
)

// TestFieldUniqueFlag: the custom field form sets and clears "unique
// values"; while two members share a value it is refused next to the
// checkbox, in the viewer's language, and nothing changes.
func TestFieldUniqueFlag(t *testing.T) {
	w := newImportWorld(t)
	ctx := context.Background()
	fields := membership.NewCustomFields(w.srv.DB)
	cf, err := fields.Create(ctx, w.admin, membership.CustomFieldInput{Name: "Mitgliedsnummer", ValueType: "string"})
	if err != nil {
		t.Fatal(err)
	}
	ms := membership.NewMembers(w.srv.DB)
	var ids []string
	for _, name := range []string{"Anna", "Bert"} {
		m, err := ms.Create(ctx, w.admin, membership.MemberInput{FirstName: name, LastName: "Nummer", Custom: map[string]string{cf.Slug: "42"}})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, m.ID)
	}
	path := "/admin/fields/" + cf.ID
	mustContain(t, groupGet(t, w.srv, w.c, path+"/edit", http.StatusOK), `id="field-unique"`, "Unique values")
	form := url.Values{"name": {"Mitgliedsnummer"}, "value_type": {"string"}, "unique": {"on"}}
	for _, lang := range []string{"en", "de"} {
		res := w.srv.PostForm(t, w.c, path, form, "Accept-Language", lang)
		body := html.UnescapeString(webtest.Body(t, res))
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("%s: %d, want 422", lang, res.StatusCode)
		}
		want := map[string]string{"en": "Some members share a value of this field.", "de": "Einige Mitglieder haben in diesem Feld denselben Wert."}[lang]
		mustContain(t, body, `<p id="field-unique-error" class="text-error text-sm">`+want, `aria-describedby="field-unique-hint field-unique-error"`, `href="#field-unique"`)
	}
	if got, _ := fields.Get(ctx, w.admin, cf.ID); got.Unique {
		t.Fatal("refused flag was set")
	}
	m, err := ms.Get(ctx, w.admin, ids[1])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ms.Update(ctx, w.admin, m.ID, membership.MemberInput{FirstName: m.FirstName, LastName: m.LastName, JoinDate: "2020-01-01", Version: m.Version, Custom: map[string]string{cf.Slug: "43"}}); err != nil {
		t.Fatal(err)
	}
	w.post(t, path, form, http.StatusSeeOther)
	if got, _ := fields.Get(ctx, w.admin, cf.ID); !got.Unique {
		t.Fatal("flag not set")
	}
	edit := groupGet(t, w.srv, w.c, path+"/edit", http.StatusOK)
	if !strings.Contains(edit, `name="unique" class="checkbox" checked`) {
		t.Fatalf("edit form does not show the flag set:\n%s", groupMain(edit))
	}
	form.Del("unique")
	w.post(t, path, form, http.StatusSeeOther)
	if got, _ := fields.Get(ctx, w.admin, cf.ID); got.Unique {
		t.Fatal("flag not cleared")
	}
	// A new field can be made unique at once.
	w.post(t, "/admin/fields", url.Values{"name": {"Ausweis"}, "value_type": {"string"}, "unique": {"on"}}, http.StatusSeeOther)
	var unique bool
	if err := w.srv.DB.QueryRow(ctx, `SELECT unique_values FROM custom_fields WHERE name = 'Ausweis'`).Scan(&unique); err != nil || !unique {
		t.Fatalf("new field unique: %v %v", unique, err)
	}
}
