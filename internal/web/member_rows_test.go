package web

import (
	"bytes"
	"fmt"
	"html/template"
	"strings"
	"testing"
	"time"

	"mila/internal/membership"
)

// oldMemberRowsTemplate is the rows' template as templates/member_list.html
// had it before member_rows.go: the Go rendering must give the same bytes.
const oldMemberRowsTemplate = `{{define "rows"}}{{- $p := .}}
      <tbody>
        {{- range $p.Rows}}
        <tr>
          {{- if $p.CanBulk}}
          <td><input type="checkbox" class="checkbox checkbox-sm" name="member_id" value="{{.ID}}" form="member-bulk"
            aria-label="{{t "MembersSelectMember" "Name" .Name}}"></td>
          {{- end}}
          <th scope="row" class="font-normal whitespace-nowrap"><a class="link" href="/members/{{.ID}}">{{.LastName}}, {{.FirstName}}</a>
            {{- if .Former}} <span class="badge badge-ghost badge-sm">{{t "MemberFormerBadge"}}</span>{{end}}</th>
          <td>{{.Email}}</td>
          <td>{{.City}}</td>
          <td class="whitespace-nowrap">{{date .JoinDate}}</td>
          {{- if $p.ShowGroups}}
          <td>
            {{- if .Badges}}
            <ul class="flex flex-wrap gap-1 min-w-56 max-w-md">
              {{- range .Badges}}
              <li><a class="badge badge-sm {{if .Active}}badge-primary{{else}}badge-outline{{end}} h-auto py-0.5 whitespace-nowrap no-underline hover:underline" href="{{.URL}}"
                hx-get="{{.URL}}" hx-target="#member-results" hx-swap="outerHTML" hx-push-url="true"
                aria-label="{{t "GroupMemberOf" "Group" .Name}}" title="{{t "MembersGroupBadgeHint" "Group" .Name}}">{{.Name}}</a></li>
              {{- end}}
            </ul>
            {{- end}}
          </td>
          <td class="text-end">{{num .GroupCount}}</td>
          {{- end}}
          {{- range .Cells}}
          <td>{{.}}</td>
          {{- end}}
        </tr>
        {{- end}}
      </tbody>{{end}}`

const newMemberRowsTemplate = `{{define "rows"}}{{- $p := .}}
      <tbody>
        {{- $p.RowsHTML}}
      </tbody>{{end}}`

// TestMemberRowsHTMLMatchesTemplate: the rows rendered in Go are byte for
// byte what the old template gave, for hostile values in every field.
func TestMemberRowsHTMLMatchesTemplate(t *testing.T) {
	tr, err := newTranslator()
	if err != nil {
		t.Fatal(err)
	}
	a := &App{i18n: tr}
	hostile := hostileValues
	urls := []string{
		"/members?group=a-b", "/members?q=%3Cscript%3E&group=x+y&sort=city&dir=desc",
		"javascript:alert(1)", "/members?q=" + hostile[2], "/members/ü ö?x=\"y\"&z='1'", "HTTPS://example.org/a b", "%zz%4",
	}
	join := time.Date(2024, 3, 7, 0, 0, 0, 0, time.UTC)
	var rows []memberListRow
	for i, h := range hostile {
		g := hostile[(i+3)%len(hostile)]
		row := memberListRow{
			MemberRow: membership.MemberRow{
				ID: h, FirstName: h, LastName: hostile[(i+1)%len(hostile)], Email: h + "@x.org",
				City: hostile[(i+2)%len(hostile)], GroupCount: i * 1234,
			},
			Former: i%2 == 0,
			Cells:  []string{h, "", g},
		}
		if i%3 != 0 {
			row.JoinDate = join.AddDate(0, i, i)
		}
		for j := 0; j < i%4; j++ {
			row.Badges = append(row.Badges, memberGroupBadge{Name: hostile[(i+j)%len(hostile)], URL: urls[(i+j)%len(urls)], Active: j == 1})
		}
		rows = append(rows, row)
	}
	for _, lang := range []string{"en", "de"} {
		for _, groups := range []bool{false, true} {
			for _, bulk := range []bool{false, true} {
				for _, rs := range [][]memberListRow{nil, rows} {
					p := memberListPage{Rows: rs, ShowGroups: groups, CanBulkAdd: bulk}
					sameAsOldTemplate(t, a, lang, oldMemberRowsTemplate, newMemberRowsTemplate, &p,
						func() { p.RowsHTML = written(func(b *bytes.Buffer) { a.writeMemberRows(b, lang, &p) }) },
						fmt.Sprintf("%s groups=%v bulk=%v rows=%d", lang, groups, bulk, len(rs)))
				}
			}
		}
	}
}

// TestMemberRowsHTMLEscapes: hostile values never leave their text or
// attribute.
func TestMemberRowsHTMLEscapes(t *testing.T) {
	tr, err := newTranslator()
	if err != nil {
		t.Fatal(err)
	}
	a := &App{i18n: tr}
	evil := `<script>alert(1)</script>" onmouseover="x' onfocus='y`
	p := memberListPage{ShowGroups: true, CanBulkAdd: true, Rows: []memberListRow{{
		MemberRow: membership.MemberRow{ID: evil, FirstName: evil, LastName: evil, Email: evil, City: evil},
		Cells:     []string{evil},
		Badges:    []memberGroupBadge{{Name: evil, URL: "javascript:alert(1)"}},
	}}}
	out := string(written(func(b *bytes.Buffer) { a.writeMemberRows(b, "en", &p) }))
	for _, bad := range []string{"<script", `" onmouseover`, `' onfocus`, `href="javascript:`} {
		if strings.Contains(out, bad) {
			t.Errorf("output contains %q:\n%s", bad, out)
		}
	}
}

// hostileValues are the field values the Go renderings are checked with
// against the templates they replaced: markup, attribute breakouts, NUL,
// invalid UTF-8, template syntax, URL schemes and escapes, white space.
var hostileValues = []string{
	"", "plain", `<script>alert(1)</script>`, `" onmouseover="alert(1)`, `' onfocus='x`,
	"a&b+c", "Ä ö ß é 漢字 🙂", "nul\x00byte", "bad\xffutf8\xc3", "{{.Name}}", "javascript:alert(1)",
	"%41%zz%", "line\nbreak\ttab", "`backtick` (paren) [x]", "ü ö?x=\"y\"&z='1'", "a/b/../c#frag",
}

// sameAsOldTemplate executes the "rows" template of oldSrc on data, then
// runs fill (which sets data's Go-rendered HTML) and executes newSrc's,
// and fails when the two outputs differ. data is a pointer, so fill's
// change reaches the second rendering.
func sameAsOldTemplate(t *testing.T, a *App, lang, oldSrc, newSrc string, data any, fill func(), what string) {
	t.Helper()
	render := func(src string) string {
		var b strings.Builder
		if err := template.Must(template.New("").Funcs(a.funcs(lang)).Parse(src)).ExecuteTemplate(&b, "rows", data); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	want := render(oldSrc)
	fill()
	if got := render(newSrc); got != want {
		t.Errorf("%s: Go rendering differs\n got: %s\nwant: %s", what, got, want)
	}
}

// written is what write writes, as HTML.
func written(write func(*bytes.Buffer)) template.HTML {
	var b bytes.Buffer
	write(&b)
	return template.HTML(b.String()) //nolint:gosec // test helper
}
