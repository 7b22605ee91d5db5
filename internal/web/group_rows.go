package web

import (
	"bytes"
	"strconv"
)

// writeGroupRows writes the rows of the groups page (the content of its
// tbody) in lang. Like the member overview's rows (member_rows.go) they
// are written in Go: with 300 groups, html/template spent about 30,000
// reflective calls on them, twenty times the page's SQL. The output is
// byte for byte what templates/group_list.html rendered before
// (group_rows_test.go keeps the old template and compares).
func (a *App) writeGroupRows(b *bytes.Buffer, lang string, p *groupListPage) {
	if len(p.Groups) == 0 {
		return
	}
	actions := p.CanEdit || p.CanDelete
	editNamed := a.escapedMessage(lang, "GroupEditNamed", "Name")
	deleteNamed := a.escapedMessage(lang, "GroupDeleteNamed", "Name")
	edit := htmlTextReplacer.Replace(a.i18n.t(lang, "Edit"))
	del := htmlTextReplacer.Replace(a.i18n.t(lang, "Delete"))

	for i := range p.Groups {
		g := &p.Groups[i]
		b.WriteString("\n    <tr>\n      <th scope=\"row\" class=\"font-medium\"><a class=\"link link-primary\" href=\"/groups/")
		writeURLAttr(b, g.Slug, false)
		b.WriteString("\">")
		writeEscaped(b, g.Name)
		b.WriteString("</a></th>\n      <td class=\"max-w-md whitespace-pre-line\">")
		writeEscaped(b, g.Description)
		b.WriteString("</td>\n      <td class=\"text-end tabular-nums\">")
		b.WriteString(formatInt(lang, g.MemberCount))
		b.WriteString("</td>\n      ")
		if actions {
			b.WriteString("\n      <td class=\"whitespace-nowrap text-end\">\n        ")
			if p.CanEdit {
				b.WriteString("<a class=\"btn btn-sm btn-ghost\" href=\"/groups/")
				writeURLAttr(b, g.Slug, false)
				b.WriteString("/edit\" aria-label=\"")
				editNamed.write(b, g.Name)
				b.WriteString("\">")
				b.WriteString(edit)
				b.WriteString("</a>")
			}
			b.WriteString("\n        ")
			if p.CanDelete {
				b.WriteString("<a class=\"btn btn-sm btn-ghost\" href=\"/groups/")
				writeURLAttr(b, g.Slug, false)
				b.WriteString("/delete\" data-group-delete aria-label=\"")
				deleteNamed.write(b, g.Name)
				b.WriteString("\">")
				b.WriteString(del)
				b.WriteString("</a>")
			}
			b.WriteString("\n      </td>\n      ")
		}
		b.WriteString("\n    </tr>\n    ")
	}
}

// writeGroupMemberRows writes the rows of a group page's member table
// (the content of its tbody) in lang: 50 rows with a remove form each
// were two thirds of that page's time in html/template. Byte for byte
// what templates/group_show.html rendered before (group_rows_test.go).
func (a *App) writeGroupMemberRows(b *bytes.Buffer, lang string, p *groupShowPage) {
	members := p.Members.Members
	if len(members) == 0 {
		return
	}
	g := &p.Group
	var slug, page bytes.Buffer
	writeURLAttr(&slug, g.Slug, false)
	writeEscaped(&page, strconv.Itoa(p.Members.Page))
	remove := htmlTextReplacer.Replace(a.i18n.t(lang, "GroupRemoveButton"))
	for i := range members {
		m := &members[i]
		b.WriteString("\n      <tr>\n        <th scope=\"row\" class=\"font-medium\"><a class=\"link link-primary\" href=\"/members/")
		writeURLAttr(b, m.ID, false)
		b.WriteString("\">")
		writeEscaped(b, m.FirstName)
		b.WriteByte(' ')
		writeEscaped(b, m.LastName)
		b.WriteString("</a></th>\n        <td>")
		writeEscaped(b, m.Email)
		b.WriteString("</td>\n        ")
		if p.CanRemove {
			b.WriteString("\n        <td class=\"text-end\">\n          <form method=\"post\" action=\"/groups/")
			b.Write(slug.Bytes())
			b.WriteString("/members/")
			writeURLAttr(b, m.ID, false)
			b.WriteString("/remove\">\n            <input type=\"hidden\" name=\"page\" value=\"")
			b.Write(page.Bytes())
			b.WriteString("\">\n            <button type=\"submit\" class=\"btn btn-sm btn-outline\" aria-label=\"")
			writeEscaped(b, a.i18n.t(lang, "GroupRemoveMember", "Member", m.FirstName+" "+m.LastName, "Group", g.Name))
			b.WriteString("\">")
			b.WriteString(remove)
			b.WriteString("</button>\n          </form>\n        </td>\n        ")
		}
		b.WriteString("\n      </tr>\n      ")
	}
}
