package web

import "bytes"

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
