package web

import (
	"bytes"
	"html/template"
	"strings"
	"testing"

	"mila/internal/membership"
)

// oldGroupRowsTemplate is the rows' template as templates/group_list.html
// had it before group_rows.go: the Go rendering must give the same bytes.
const oldGroupRowsTemplate = `{{define "rows"}}{{$p := .}}<tbody>
    {{range $p.Groups}}
    <tr>
      <th scope="row" class="font-medium"><a class="link link-primary" href="/groups/{{.Slug}}">{{.Name}}</a></th>
      <td class="max-w-md whitespace-pre-line">{{.Description}}</td>
      <td class="text-end tabular-nums">{{num .MemberCount}}</td>
      {{if or $p.CanEdit $p.CanDelete}}
      <td class="whitespace-nowrap text-end">
        {{if $p.CanEdit}}<a class="btn btn-sm btn-ghost" href="/groups/{{.Slug}}/edit" aria-label="{{t "GroupEditNamed" "Name" .Name}}">{{t "Edit"}}</a>{{end}}
        {{if $p.CanDelete}}<a class="btn btn-sm btn-ghost" href="/groups/{{.Slug}}/delete" data-group-delete aria-label="{{t "GroupDeleteNamed" "Name" .Name}}">{{t "Delete"}}</a>{{end}}
      </td>
      {{end}}
    </tr>
    {{end}}
  </tbody>{{end}}`

const newGroupRowsTemplate = `{{define "rows"}}{{$p := .}}<tbody>
    {{$p.RowsHTML}}
  </tbody>{{end}}`

// TestGroupRowsHTMLMatchesTemplate: the rows rendered in Go are byte for
// byte what the old template gave, for hostile values in every field and
// every combination of permissions.
func TestGroupRowsHTMLMatchesTemplate(t *testing.T) {
	tr, err := newTranslator()
	if err != nil {
		t.Fatal(err)
	}
	a := &App{i18n: tr}
	hostile := []string{
		"", "plain", `<script>alert(1)</script>`, `" onmouseover="alert(1)`, `' onfocus='x`,
		"a&b+c", "Ä ö ß é 漢字 🙂", "nul\x00byte", "bad\xffutf8\xc3", "{{.Name}}", "javascript:alert(1)",
		"%41%zz%", "line\nbreak\ttab", "`backtick` (paren) [x]", "ü ö?x=\"y\"&z='1'", "a/b/../c#frag",
	}
	var groups []membership.Group
	for i, h := range hostile {
		groups = append(groups, membership.Group{
			ID: h, Name: h, Slug: hostile[(i+1)%len(hostile)], Description: hostile[(i+2)%len(hostile)],
			MemberCount: i * 1234567,
		})
	}
	for _, lang := range []string{"en", "de"} {
		oldT := template.Must(template.New("").Funcs(a.funcs(lang)).Parse(oldGroupRowsTemplate))
		newT := template.Must(template.New("").Funcs(a.funcs(lang)).Parse(newGroupRowsTemplate))
		for _, edit := range []bool{false, true} {
			for _, del := range []bool{false, true} {
				for _, gs := range [][]membership.Group{nil, groups} {
					p := groupListPage{Groups: gs, CanEdit: edit, CanDelete: del}
					var want, got strings.Builder
					if err := oldT.ExecuteTemplate(&want, "rows", p); err != nil {
						t.Fatal(err)
					}
					p.RowsHTML = written(func(b *bytes.Buffer) { a.writeGroupRows(b, lang, &p) })
					if err := newT.ExecuteTemplate(&got, "rows", p); err != nil {
						t.Fatal(err)
					}
					if got.String() != want.String() {
						t.Errorf("%s edit=%v delete=%v groups=%d: Go rendering differs\n got: %s\nwant: %s", lang, edit, del, len(gs), got.String(), want.String())
					}
				}
			}
		}
	}
}

// oldGroupMemberRowsTemplate is the member table's rows as
// templates/group_show.html had them before writeGroupMemberRows.
const oldGroupMemberRowsTemplate = `{{define "rows"}}{{$p := .}}{{$g := $p.Group}}<tbody>
      {{range $p.Members.Members}}
      <tr>
        <th scope="row" class="font-medium"><a class="link link-primary" href="/members/{{.ID}}">{{.FirstName}} {{.LastName}}</a></th>
        <td>{{.Email}}</td>
        {{if $p.CanRemove}}
        <td class="text-end">
          <form method="post" action="/groups/{{$g.Slug}}/members/{{.ID}}/remove">
            <input type="hidden" name="page" value="{{$p.Members.Page}}">
            <button type="submit" class="btn btn-sm btn-outline" aria-label="{{t "GroupRemoveMember" "Member" (printf "%s %s" .FirstName .LastName) "Group" $g.Name}}">{{t "GroupRemoveButton"}}</button>
          </form>
        </td>
        {{end}}
      </tr>
      {{end}}
    </tbody>{{end}}`

const newGroupMemberRowsTemplate = `{{define "rows"}}{{$p := .}}<tbody>
      {{$p.MemberRowsHTML}}
    </tbody>{{end}}`

func TestGroupMemberRowsHTMLMatchesTemplate(t *testing.T) {
	tr, err := newTranslator()
	if err != nil {
		t.Fatal(err)
	}
	a := &App{i18n: tr}
	hostile := []string{
		"", "plain", `<script>alert(1)</script>`, `" onmouseover="alert(1)`, `' onfocus='x`,
		"a&b+c", "Ä ö ß é 漢字 🙂", "nul\x00byte", "bad\xffutf8\xc3", "{{.Name}}", "javascript:alert(1)",
		"%41%zz%", "line\nbreak\ttab", "`backtick` (paren) [x]", "ü ö?x=\"y\"&z='1'", "a/b/../c#frag",
	}
	var members []membership.GroupMember
	for i, h := range hostile {
		members = append(members, membership.GroupMember{
			ID: h, FirstName: hostile[(i+1)%len(hostile)], LastName: hostile[(i+2)%len(hostile)], Email: hostile[(i+3)%len(hostile)],
		})
	}
	for _, lang := range []string{"en", "de"} {
		oldT := template.Must(template.New("").Funcs(a.funcs(lang)).Parse(oldGroupMemberRowsTemplate))
		newT := template.Must(template.New("").Funcs(a.funcs(lang)).Parse(newGroupMemberRowsTemplate))
		for gi, g := range hostile[:6] {
			for _, remove := range []bool{false, true} {
				for _, ms := range [][]membership.GroupMember{nil, members} {
					p := groupShowPage{
						Group:     membership.Group{Name: g, Slug: hostile[(gi+4)%len(hostile)]},
						Members:   membership.GroupMemberPage{Members: ms, Page: gi + 1, PerPage: 50, Total: 1234},
						CanRemove: remove,
					}
					var want, got strings.Builder
					if err := oldT.ExecuteTemplate(&want, "rows", p); err != nil {
						t.Fatal(err)
					}
					p.MemberRowsHTML = written(func(b *bytes.Buffer) { a.writeGroupMemberRows(b, lang, &p) })
					if err := newT.ExecuteTemplate(&got, "rows", p); err != nil {
						t.Fatal(err)
					}
					if got.String() != want.String() {
						t.Errorf("%s group %q remove=%v members=%d: Go rendering differs\n got: %s\nwant: %s", lang, g, remove, len(ms), got.String(), want.String())
					}
				}
			}
		}
	}
}
