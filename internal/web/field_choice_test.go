package web_test

import (
	"bytes"
	"context"
	"html"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"mila/internal/export/pdftext"
	"mila/internal/membership"
	"mila/internal/webtest"
)

// fieldByName reads a custom field (with options) by name.
func fieldByName(t *testing.T, w *importWorld, name string) membership.CustomField {
	t.Helper()
	fs, err := membership.NewCustomFields(w.srv.DB).Definitions(context.Background(), w.admin)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fs {
		if f.Name == name {
			return f
		}
	}
	t.Fatalf("no field %q", name)
	return membership.CustomField{}
}

// hasRow reports whether rows has exactly the row want.
func hasRow(rows [][]string, want ...string) bool {
	return slices.ContainsFunc(rows, func(r []string) bool { return slices.Equal(r, want) })
}

func memberIDFrom(t *testing.T, loc string) string {
	t.Helper()
	id, ok := strings.CutPrefix(loc, "/members/")
	if !ok {
		t.Fatalf("not a member page: %q", loc)
	}
	return id
}

// TestFieldChoiceFlow: a choice and a multiple-choice field are made on
// the field pages, get options, are filled in on the member form (a
// select, a checkbox group with a legend), shown on the member page and
// in the exports as the option text; renaming an option follows into the
// values, removing a used one asks what to do with them.
func TestFieldChoiceFlow(t *testing.T) {
	w := newImportWorld(t)
	ctx := context.Background()

	_, loc := w.post(t, "/admin/fields", url.Values{"name": {"Trikotgröße"}, "value_type": {"choice"}, "show_in_overview": {"on"}}, http.StatusSeeOther)
	size := fieldByName(t, w, "Trikotgröße")
	if loc != "/admin/fields/"+size.ID+"/edit#options" {
		t.Fatalf("after creating a choice field: %q", loc)
	}
	w.post(t, "/admin/fields", url.Values{"name": {"Kurse"}, "value_type": {"multichoice"}}, http.StatusSeeOther)
	courses := fieldByName(t, w, "Kurse")
	edit := groupGet(t, w.srv, w.c, "/admin/fields/"+size.ID+"/edit", http.StatusOK)
	mustContain(t, edit, `<h2 id="options-title"`, "This field has no options yet.", `<label class="label font-medium text-base-content" for="option-new">New option</label>`)
	for _, o := range []string{"S", "M", "L"} {
		w.post(t, "/admin/fields/"+size.ID+"/options", url.Values{"label": {o}}, http.StatusSeeOther)
	}
	for _, o := range []string{"Yoga", "Tennis", "Rückenfit"} {
		w.post(t, "/admin/fields/"+courses.ID+"/options", url.Values{"label": {o}}, http.StatusSeeOther)
	}
	// A taken text or a separator: the error next to the input, in the
	// viewer's language.
	for lang, want := range map[string]string{"en": "This field already has an option with this text.", "de": "Dieses Feld hat bereits eine Möglichkeit mit diesem Text."} {
		res := w.srv.PostForm(t, w.c, "/admin/fields/"+size.ID+"/options", url.Values{"label": {"m"}}, "Accept-Language", lang)
		body := html.UnescapeString(webtest.Body(t, res))
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("taken option %s: %d", lang, res.StatusCode)
		}
		mustContain(t, body, `<p id="option-new-error" class="text-error text-sm">`+want, `aria-describedby="option-new-hint option-new-error"`, `value="m"`)
	}
	w.post(t, "/admin/fields/"+size.ID+"/options", url.Values{"label": {"XL; XXL"}}, http.StatusUnprocessableEntity)
	size, courses = fieldByName(t, w, "Trikotgröße"), fieldByName(t, w, "Kurse")
	if len(size.Options) != 3 || len(courses.Options) != 3 {
		t.Fatalf("options %+v %+v", size.Options, courses.Options)
	}

	// The member form: a labelled select and a checkbox group.
	form := groupGet(t, w.srv, w.c, "/members/new", http.StatusOK)
	mustContain(t, form,
		`<label class="label font-medium text-base-content" for="field-cf_trikotgrosse">Trikotgröße`,
		`<select id="field-cf_trikotgrosse" name="cf_trikotgrosse"`, `<option value="">(none)</option>`,
		`<option value="`+size.Options[1].ID+`">M</option>`,
		`<fieldset id="field-cf_kurse"`, `<legend class="fieldset-legend text-base font-medium text-base-content">Kurse`,
		`for="field-cf_kurse-`+courses.Options[2].ID+`"`, `type="checkbox" value="`+courses.Options[2].ID+`"`)

	member := url.Values{"first_name": {"Anna"}, "last_name": {"Acker"}, "join_date": {"2024-01-01"},
		"cf_trikotgrosse": {size.Options[1].ID}, "cf_kurse": {courses.Options[2].ID, courses.Options[0].ID}}
	_, loc = w.post(t, "/members", member, http.StatusSeeOther)
	anna := memberIDFrom(t, loc)
	page := html.UnescapeString(groupGet(t, w.srv, w.c, "/members/"+anna, http.StatusOK))
	mustContain(t, page, "M", "Yoga, Rückenfit")
	// The edit form shows what is stored.
	editForm := groupGet(t, w.srv, w.c, "/members/"+anna+"/edit", http.StatusOK)
	mustContain(t, editForm, `<option value="`+size.Options[1].ID+`" selected>M</option>`)
	if !regexp.MustCompile(`value="` + courses.Options[2].ID + `"[^>]*checked`).MatchString(editForm) {
		t.Errorf("edit form does not tick Rückenfit")
	}
	// A value that is no option: the field's error, both languages.
	bad := url.Values{"first_name": {"Bert"}, "last_name": {"Bauer"}, "join_date": {"2024-01-01"}, "cf_trikotgrosse": {"XXL"}}
	for lang, want := range map[string]string{"en": "Choose one of the field's options.", "de": "Wählen Sie eine der Möglichkeiten dieses Feldes."} {
		res := w.srv.PostForm(t, w.c, "/members", bad, "Accept-Language", lang)
		body := html.UnescapeString(webtest.Body(t, res))
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("bad choice %s: %d", lang, res.StatusCode)
		}
		mustContain(t, body, `<p id="field-cf_trikotgrosse-error" class="text-error text-sm">`+want, `href="#field-cf_trikotgrosse"`)
	}
	_, loc = w.post(t, "/members", url.Values{"first_name": {"Cara"}, "last_name": {"Conrad"}, "join_date": {"2024-01-01"},
		"cf_trikotgrosse": {size.Options[2].ID}, "cf_kurse": {courses.Options[1].ID}}, http.StatusSeeOther)
	cara := memberIDFrom(t, loc)

	// Rename: the values follow.
	w.post(t, "/admin/fields/"+courses.ID+"/options/"+courses.Options[0].ID, url.Values{"label": {"Hatha-Yoga"}}, http.StatusSeeOther)
	res := w.srv.PostForm(t, w.c, "/admin/fields/"+courses.ID+"/options/"+courses.Options[1].ID, url.Values{"label": {"hatha-yoga"}}, "Accept-Language", "de")
	body := html.UnescapeString(webtest.Body(t, res))
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("rename to a taken text: %d", res.StatusCode)
	}
	mustContain(t, body, `id="option-`+courses.Options[1].ID+`-error"`, "Dieses Feld hat bereits eine Möglichkeit mit diesem Text.", `value="hatha-yoga"`)
	page = html.UnescapeString(groupGet(t, w.srv, w.c, "/members/"+anna, http.StatusOK))
	mustContain(t, page, "Hatha-Yoga, Rückenfit")
	// The overview's column and the search have the new text at once.
	overview := html.UnescapeString(groupGet(t, w.srv, w.c, "/members?"+url.Values{"q": {"Hatha"}, "cols": {"cf_kurse"}}.Encode(), http.StatusOK))
	mustContain(t, overview, "Acker", "Hatha-Yoga, Rückenfit")
	if strings.Contains(overview, "Conrad") {
		t.Errorf("the search for the new text finds Cara, who has no Yoga")
	}

	// Reorder options: keyboard focus stays on the moved button.
	_, loc = w.post(t, "/admin/fields/"+courses.ID+"/options/"+courses.Options[2].ID+"/move", url.Values{"direction": {"up"}}, http.StatusSeeOther)
	moved := groupGet(t, w.srv, w.c, loc, http.StatusOK)
	if !regexp.MustCompile(`autofocus aria-label="Move Rückenfit up"`).MatchString(html.UnescapeString(moved)) {
		t.Errorf("focus does not stay on the moved option's button")
	}
	w.post(t, "/admin/fields/"+courses.ID+"/options/"+courses.Options[2].ID+"/move", url.Values{"direction": {"sideways"}}, http.StatusBadRequest)
	page = html.UnescapeString(groupGet(t, w.srv, w.c, "/members/"+anna, http.StatusOK))
	mustContain(t, page, "Hatha-Yoga, Rückenfit") // Yoga, Rückenfit, Tennis → order of options now

	// Exports: the option text; several as "a, b".
	_, csvBody := exportGet(t, w.srv, w.c, "/members/export?format=csv&status=all&cols=last_name,cf_trikotgrosse,cf_kurse", http.StatusOK)
	recs := readCSV(t, csvBody, ',')
	if !hasRow(recs, "Acker", "M", "Hatha-Yoga, Rückenfit") || !hasRow(recs, "Conrad", "L", "Tennis") {
		t.Errorf("CSV %q", recs)
	}
	_, xb := exportGet(t, w.srv, w.c, "/members/export?format=xlsx&status=all&cols=last_name,cf_trikotgrosse,cf_kurse", http.StatusOK)
	x, err := excelize.OpenReader(bytes.NewReader(xb))
	if err != nil {
		t.Fatal(err)
	}
	xrows, _ := x.GetRows("Members")
	if !hasRow(xrows, "Acker", "M", "Hatha-Yoga, Rückenfit") {
		t.Errorf("XLSX %q", xrows)
	}
	_ = x.Close()
	if _, err := exec.LookPath("pdftotext"); err == nil || os.Getenv("MILA_REQUIRE_BROWSER") != "" {
		_, pb := exportGet(t, w.srv, w.c, "/members/export?format=pdf&status=all&cols=last_name,cf_trikotgrosse,cf_kurse", http.StatusOK)
		mustContain(t, strings.Join(pdftext.PDFPages(t, pb), "\n"), "Trikotgröße", "Hatha-Yoga, Rückenfit")
	}

	// The access export (privacy) has the option text; the audit trail
	// records the rename of the option and of Anna's value, by the admin.
	ej := groupGet(t, w.srv, w.c, "/members/"+anna+"/export.json", http.StatusOK)
	mustContain(t, ej, `"Hatha-Yoga, Rückenfit"`, `"Kurse"`)
	var optionEntries, valueEntries int
	if err := w.srv.DB.QueryRow(ctx, `SELECT
		count(*) FILTER (WHERE entity = 'custom_field_options' AND action = 'update' AND changes::text LIKE '%Hatha-Yoga%'),
		count(*) FILTER (WHERE entity = 'custom_field_values' AND action = 'update' AND changes::text LIKE '%Hatha-Yoga%' AND $1::uuid = ANY (member_ids))
		FROM audit_log WHERE actor_user_id IS NOT NULL`, anna).Scan(&optionEntries, &valueEntries); err != nil {
		t.Fatal(err)
	}
	if optionEntries == 0 || valueEntries == 0 {
		t.Errorf("audit trail of the rename: %d option entries, %d value entries", optionEntries, valueEntries)
	}
	hist := html.UnescapeString(groupGet(t, w.srv, w.c, "/members/"+anna+"/history", http.StatusOK))
	mustContain(t, hist, "Hatha-Yoga")

	// Removing a used option asks what happens to the values.
	del := "/admin/fields/" + size.ID + "/options/" + size.Options[1].ID + "/delete"
	confirm := html.UnescapeString(groupGet(t, w.srv, w.c, del, http.StatusOK))
	mustContain(t, confirm, "1 member has M. What should happen to their value?", `name="values" value="clear"`, `name="values" value="move"`,
		`<option value="`+size.Options[2].ID+`">L</option>`)
	w.post(t, del, url.Values{}, http.StatusUnprocessableEntity)
	w.post(t, del, url.Values{"values": {"sideways"}}, http.StatusUnprocessableEntity)
	w.post(t, del, url.Values{"values": {"move"}, "target": {size.Options[1].ID}}, http.StatusUnprocessableEntity)
	if f := fieldByName(t, w, "Trikotgröße"); len(f.Options) != 3 {
		t.Fatal("a refused removal removed the option")
	}
	w.post(t, del, url.Values{"values": {"move"}, "target": {size.Options[2].ID}}, http.StatusSeeOther)
	page = html.UnescapeString(groupGet(t, w.srv, w.c, "/members/"+anna, http.StatusOK))
	if !regexp.MustCompile(`>\s*L\s*<`).MatchString(page) {
		t.Errorf("Anna's size not moved to L")
	}
	// An unused option goes at once.
	unused := "/admin/fields/" + size.ID + "/options/" + size.Options[0].ID + "/delete"
	mustContain(t, groupGet(t, w.srv, w.c, unused, http.StatusOK), "No member has this option.")
	w.post(t, unused, url.Values{}, http.StatusSeeOther)
	// Clear Tennis: Cara keeps no course.
	w.post(t, "/admin/fields/"+courses.ID+"/options/"+courses.Options[1].ID+"/delete", url.Values{"values": {"clear"}}, http.StatusSeeOther)
	m, err := membership.NewMembers(w.srv.DB).Get(ctx, w.admin, cara)
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := m.Custom[courses.Slug]; ok {
		t.Errorf("Cara's cleared course still %q", v)
	}
	// Option pages of a field that is no choice field, or of an unknown
	// option: 404.
	w.post(t, "/admin/fields/"+size.ID+"/options/0190a000-0000-7000-8000-00000000dead/delete", url.Values{"values": {"clear"}}, http.StatusNotFound)
}

// TestFieldOrderAndRequired: fields move up and down on the list (the
// order holds on the member form and in the overview's exports); marking
// a field required says how many members have no value, and editing such
// a member asks for it beside the field before and after Save.
func TestFieldOrderAndRequired(t *testing.T) {
	w := newImportWorld(t)
	ctx := context.Background()
	fields := membership.NewCustomFields(w.srv.DB)
	var ids []string
	for _, n := range []string{"Alpha", "Beta", "Gamma"} {
		f, err := fields.Create(ctx, w.admin, membership.CustomFieldInput{Name: n, ValueType: membership.CustomFieldString, ShowInOverview: true})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, f.ID)
	}
	order := func(body string, names ...string) {
		t.Helper()
		last := -1
		for _, n := range names {
			i := strings.Index(body, n)
			if i < last {
				t.Fatalf("%s out of order (want %v)", n, names)
			}
			last = i
		}
	}
	list := groupGet(t, w.srv, w.c, "/admin/fields", http.StatusOK)
	mustContain(t, list, `<th scope="col">Order</th>`, `aria-label="Move Alpha up"`)
	if !regexp.MustCompile(`disabled aria-label="Move Alpha up"`).MatchString(list) || !regexp.MustCompile(`disabled aria-label="Move Gamma down"`).MatchString(list) {
		t.Error("the first field's up and the last field's down are not disabled")
	}
	_, loc := w.post(t, "/admin/fields/"+ids[2]+"/move", url.Values{"direction": {"up"}}, http.StatusSeeOther)
	list = groupGet(t, w.srv, w.c, loc, http.StatusOK)
	order(list, ">Alpha", ">Gamma", ">Beta")
	mustContain(t, list, `autofocus aria-label="Move Gamma up"`)
	w.post(t, "/admin/fields/"+ids[2]+"/move", url.Values{"direction": {"up"}}, http.StatusSeeOther)
	w.post(t, "/admin/fields/"+ids[0]+"/move", url.Values{}, http.StatusBadRequest)
	w.post(t, "/admin/fields/0190a000-0000-7000-8000-00000000dead/move", url.Values{"direction": {"up"}}, http.StatusNotFound)
	order(groupGet(t, w.srv, w.c, "/admin/fields", http.StatusOK), ">Gamma", ">Alpha", ">Beta")
	order(groupGet(t, w.srv, w.c, "/members/new", http.StatusOK), "cf_gamma", "cf_alpha", "cf_beta")
	_, csvBody := exportGet(t, w.srv, w.c, "/members/export?format=csv&status=all", http.StatusOK)
	header := readCSV(t, csvBody, ',')[0]
	if g, a, b := slices.Index(header, "Gamma"), slices.Index(header, "Alpha"), slices.Index(header, "Beta"); !(g >= 0 && g < a && a < b) {
		t.Errorf("export columns %q", header)
	}

	// An older member without a value for Beta.
	_, loc = w.post(t, "/members", url.Values{"first_name": {"Olga"}, "last_name": {"Older"}, "join_date": {"2020-01-01"}}, http.StatusSeeOther)
	olga := memberIDFrom(t, loc)
	beta := "/admin/fields/" + ids[1]
	for lang, want := range map[string]string{
		"en": "1 member has no value yet. Their record stays as it is; whoever edits it next is asked for the value.",
		"de": "1 Mitglied hat noch keinen Wert. Sein Datensatz bleibt, wie er ist; wer ihn als Nächstes bearbeitet, wird nach dem Wert gefragt.",
	} {
		body := html.UnescapeString(groupGet(t, w.srv, w.c, beta+"/edit", http.StatusOK, "Accept-Language", lang))
		mustContain(t, body, `<p id="field-required-hint" class="text-sm text-base-content/80 mb-2">`+want, `aria-describedby="field-required-hint"`)
	}
	mustContain(t, groupGet(t, w.srv, w.c, beta+"/edit", http.StatusOK), "Required for new and edited members")
	w.post(t, beta, url.Values{"name": {"Beta"}, "value_type": {"string"}, "required": {"on"}, "show_in_overview": {"on"}}, http.StatusSeeOther)
	if f, _ := fields.Get(ctx, w.admin, ids[1]); !f.Required || f.Missing != 1 {
		t.Fatalf("Beta after marking required: %+v", f)
	}
	// Olga's record is untouched; her edit form asks for Beta up front.
	for lang, want := range map[string]string{
		"en": "This field became required after this member was last saved. Please fill it in before saving.",
		"de": "Dieses Feld ist seit der letzten Bearbeitung dieses Mitglieds ein Pflichtfeld. Bitte füllen Sie es vor dem Speichern aus.",
	} {
		body := html.UnescapeString(groupGet(t, w.srv, w.c, "/members/"+olga+"/edit", http.StatusOK, "Accept-Language", lang))
		mustContain(t, body, `<p id="field-cf_beta-now" class="text-sm font-medium border-s-4 border-warning ps-2">`+want,
			`aria-describedby="field-cf_beta-now"`)
		if strings.Contains(body, `id="field-cf_alpha-now"`) {
			t.Error("a field that is not required asks for a value")
		}
	}
	m, err := membership.NewMembers(w.srv.DB).Get(ctx, w.admin, olga)
	if err != nil {
		t.Fatal(err)
	}
	save := url.Values{"first_name": {"Olga"}, "last_name": {"Older"}, "join_date": {"2020-01-01"}, "version": {strconv.Itoa(m.Version)}, "city": {"Köln"}}
	res := w.srv.PostForm(t, w.c, "/members/"+olga, save, "Accept-Language", "de")
	body := html.UnescapeString(webtest.Body(t, res))
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("saving without Beta: %d", res.StatusCode)
	}
	mustContain(t, body, `id="field-cf_beta-now"`, `<p id="field-cf_beta-error" class="text-error text-sm">Bitte füllen Sie dieses Feld aus.`,
		`aria-describedby="field-cf_beta-now field-cf_beta-error"`, `href="#field-cf_beta"`, `value="Köln"`)
	save.Set("cf_beta", "b")
	w.post(t, "/members/"+olga, save, http.StatusSeeOther)
	if f, _ := fields.Get(ctx, w.admin, ids[1]); f.Missing != 0 {
		t.Fatalf("missing after the save: %d", f.Missing)
	}
	if strings.Contains(groupGet(t, w.srv, w.c, "/members/"+olga+"/edit", http.StatusOK), `field-cf_beta-now`) {
		t.Error("the note stays after the value was given")
	}
}

// TestFieldDeleteConfirm: deleting a field is confirmed by typing its
// name (dialog for htmx, page without JS); the text says the values go
// and the members stay; a wrong name deletes nothing.
func TestFieldDeleteConfirm(t *testing.T) {
	w := newImportWorld(t)
	ctx := context.Background()
	f, err := membership.NewCustomFields(w.srv.DB).Create(ctx, w.admin, membership.CustomFieldInput{Name: "Spitzname", ValueType: membership.CustomFieldString})
	if err != nil {
		t.Fatal(err)
	}
	m, err := membership.NewMembers(w.srv.DB).Create(ctx, w.admin, membership.MemberInput{FirstName: "Ida", LastName: "Igel", Custom: map[string]string{f.Slug: "Igelchen"}})
	if err != nil {
		t.Fatal(err)
	}
	path := "/admin/fields/" + f.ID + "/delete"
	mustContain(t, groupGet(t, w.srv, w.c, "/admin/fields", http.StatusOK), `href="`+path+`" data-group-delete`)
	for lang, want := range map[string][]string{
		"en": {"The values are deleted, the members stay.", "1 member has a value in this field. Deleting the field deletes that value; the member stays in the register."},
		"de": {"Die Werte werden gelöscht, die Mitglieder bleiben.", "1 Mitglied hat einen Wert in diesem Feld. Mit dem Feld wird dieser Wert gelöscht; das Mitglied selbst bleibt erhalten."},
	} {
		page := html.UnescapeString(groupGet(t, w.srv, w.c, path, http.StatusOK, "Accept-Language", lang))
		mustContain(t, page, append(want, `data-confirm-expected="Spitzname"`, `<h1 id="field-delete-title"`)...)
		if strings.Contains(page, "data-confirm-submit disabled") {
			t.Error("the no-JS page's button is disabled")
		}
	}
	dialog := groupGet(t, w.srv, w.c, path, http.StatusOK, "HX-Request", "true")
	mustContain(t, dialog, `<dialog id="field-delete-dialog"`, `data-group-delete-dialog`, `aria-labelledby="field-delete-title"`, `data-confirm-submit disabled`, `data-group-dialog-close`)
	if strings.Contains(dialog, "<html") {
		t.Error("the htmx answer is a whole page")
	}
	res := w.srv.PostForm(t, w.c, path, url.Values{"confirm_name": {"spitzname"}}, "Accept-Language", "de")
	body := html.UnescapeString(webtest.Body(t, res))
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("wrong name: %d", res.StatusCode)
	}
	mustContain(t, body, "Der Name stimmt nicht überein.", `aria-invalid="true"`, `value="spitzname"`)
	if _, err := membership.NewCustomFields(w.srv.DB).Get(ctx, w.admin, f.ID); err != nil {
		t.Fatalf("the field went on a wrong name: %v", err)
	}
	w.post(t, path, url.Values{"confirm_name": {"Spitzname"}}, http.StatusSeeOther)
	if _, err := membership.NewCustomFields(w.srv.DB).Get(ctx, w.admin, f.ID); err != membership.ErrNotFound {
		t.Fatalf("field after delete: %v", err)
	}
	if got, err := membership.NewMembers(w.srv.DB).Get(ctx, w.admin, m.ID); err != nil || len(got.Custom) != 0 {
		t.Fatalf("the member after deleting the field: %+v %v", got, err)
	}
}

// TestImportMappingListsOptions: a column mapped to a choice field shows
// the field's options beside it (both languages), and a dry run accepts
// them in any case and with umlauts spelled out.
func TestImportMappingListsOptions(t *testing.T) {
	w := newImportWorld(t)
	ctx := context.Background()
	fields := membership.NewCustomFields(w.srv.DB)
	courses, err := fields.Create(ctx, w.admin, membership.CustomFieldInput{Name: "Kurse", ValueType: membership.CustomFieldMultiChoice})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range []string{"Yoga", "Rückenfit"} {
		if _, err := fields.AddOption(ctx, w.admin, courses.ID, o); err != nil {
			t.Fatal(err)
		}
	}
	mapPath := w.uploadOK(t, "kurse.csv", []byte("Vorname,Nachname,E-Mail,Kurse\nAnna,Acker,anna@example.org,\"RUECKENFIT; yoga\"\n"))
	page := html.UnescapeString(groupGet(t, w.srv, w.c, mapPath, http.StatusOK))
	mustContain(t, page, `<option value="cf:kurse" selected`, "Allowed in “Kurse”: Yoga · Rückenfit", "umlauts written as ae, oe, ue do not matter")
	de := html.UnescapeString(groupGet(t, w.srv, w.c, mapPath, http.StatusOK, "Accept-Language", "de"))
	mustContain(t, de, "Erlaubt in „Kurse“: Yoga · Rückenfit", "Umlaute als ae, oe, ue geschrieben")
	form := mappingForm(t, page)
	form.Set("action", "dryrun")
	_, loc := w.post(t, mapPath, form, http.StatusSeeOther)
	batch := html.UnescapeString(groupGet(t, w.srv, w.c, loc, http.StatusOK))
	mustContain(t, batch, "Yoga, Rückenfit")
	mustNotContain(t, batch, "row has errors")
}
