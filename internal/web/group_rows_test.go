package web

import (
	"bytes"
	"fmt"
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
	hostile := hostileValues
	var groups []membership.Group
	for i, h := range hostile {
		groups = append(groups, membership.Group{
			ID: h, Name: h, Slug: hostile[(i+1)%len(hostile)], Description: hostile[(i+2)%len(hostile)],
			MemberCount: i * 1234567,
		})
	}
	for _, lang := range []string{"en", "de"} {
		for _, edit := range []bool{false, true} {
			for _, del := range []bool{false, true} {
				for _, gs := range [][]membership.Group{nil, groups} {
					p := groupListPage{Groups: gs, CanEdit: edit, CanDelete: del}
					sameAsOldTemplate(t, a, lang, oldGroupRowsTemplate, newGroupRowsTemplate, &p,
						func() { p.RowsHTML = written(func(b *bytes.Buffer) { a.writeGroupRows(b, lang, &p) }) },
						fmt.Sprintf("%s edit=%v delete=%v groups=%d", lang, edit, del, len(gs)))
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
	hostile := hostileValues
	var members []membership.GroupMember
	for i, h := range hostile {
		members = append(members, membership.GroupMember{
			ID: h, FirstName: hostile[(i+1)%len(hostile)], LastName: hostile[(i+2)%len(hostile)], Email: hostile[(i+3)%len(hostile)],
		})
	}
	for _, lang := range []string{"en", "de"} {
		for gi, g := range hostile[:6] {
			for _, remove := range []bool{false, true} {
				for _, ms := range [][]membership.GroupMember{nil, members} {
					p := groupShowPage{
						Group:     membership.Group{Name: g, Slug: hostile[(gi+4)%len(hostile)]},
						Members:   membership.GroupMemberPage{Members: ms, Page: gi + 1, PerPage: 50, Total: 1234},
						CanRemove: remove,
					}
					sameAsOldTemplate(t, a, lang, oldGroupMemberRowsTemplate, newGroupMemberRowsTemplate, &p,
						func() { p.MemberRowsHTML = written(func(b *bytes.Buffer) { a.writeGroupMemberRows(b, lang, &p) }) },
						fmt.Sprintf("%s group %q remove=%v members=%d", lang, g, remove, len(ms)))
				}
			}
		}
	}
}
