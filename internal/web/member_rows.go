package web

import (
	"bytes"
	"strings"
)

// The member overview's result rows are rendered here in Go rather than
// by html/template: with 50 rows of links, badges and escaped attributes,
// template execution was most of the page's CPU (docs/PERFORMANCE.md).
// The output is byte for byte what templates/member_list.html rendered
// before (member_rows_test.go keeps the old template and compares): every
// value goes through the same escaping html/template applies in its
// context.

// htmlTextReplacer escapes a value exactly as html/template does in HTML
// text and in quoted attribute values (htmlEscaper and attrEscaper for
// plain strings: its htmlReplacementTable).
var htmlTextReplacer = strings.NewReplacer(
	"\x00", "\uFFFD",
	`"`, "&#34;",
	"&", "&amp;",
	"'", "&#39;",
	"+", "&#43;",
	"<", "&lt;",
	">", "&gt;",
)

// htmlSpecial marks the bytes htmlTextReplacer replaces.
var htmlSpecial = [256]bool{0: true, '"': true, '&': true, '\'': true, '+': true, '<': true, '>': true}

// writeEscaped writes s escaped for HTML text or a quoted attribute value.
// Most values (names, slugs, cities) contain nothing to escape: those are
// copied as they are, without the replacer's bookkeeping.
func writeEscaped(b *bytes.Buffer, s string) {
	for i := 0; i < len(s); i++ {
		if htmlSpecial[s[i]] {
			b.WriteString(s[:i])
			_, _ = htmlTextReplacer.WriteString(b, s[i:])
			return
		}
	}
	b.WriteString(s)
}

// writeURLAttr writes s as html/template writes it into a URL attribute
// (href) or after a literal path prefix in one: normalised (bytes outside
// the URL's reserved and unreserved sets percent-encoded, as its
// urlNormalizer does), then escaped for the attribute. A value with a
// scheme is not expected here (the overview's URLs are paths built by
// memberListURL); like html/template's urlFilter, anything other than
// http, https or mailto becomes "#ZgotmplZ".
func writeURLAttr(b *bytes.Buffer, s string, atStart bool) {
	if atStart && !urlSchemeSafe(s) {
		b.WriteString("#ZgotmplZ")
		return
	}
	var n strings.Builder
	written := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case urlKeep[c]:
			continue
		case c == '%' && i+2 < len(s) && isHexByte(s[i+1]) && isHexByte(s[i+2]):
			continue
		}
		n.WriteString(s[written:i])
		const hex = "0123456789abcdef"
		n.WriteByte('%')
		n.WriteByte(hex[c>>4])
		n.WriteByte(hex[c&15])
		written = i + 1
	}
	if written == 0 {
		writeEscaped(b, s)
		return
	}
	n.WriteString(s[written:])
	writeEscaped(b, n.String())
}

// urlKeep marks the bytes html/template's URL normaliser leaves as they
// are: the URL's reserved and unreserved characters ('%' is decided
// separately: kept only when it starts an escape).
var urlKeep = func() (t [256]bool) {
	for _, c := range []byte("!#$&*+,/:;=?@[]-._~") {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c], t[c-'a'+'A'] = true, true
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	return t
}()

func isHexByte(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// urlSchemeSafe mirrors html/template's urlFilter: a URL with a scheme
// must be http, https or mailto.
func urlSchemeSafe(s string) bool {
	protocol, _, ok := strings.Cut(s, ":")
	if !ok || strings.Contains(protocol, "/") {
		return true
	}
	switch strings.ToLower(protocol) {
	case "http", "https", "mailto":
		return true
	}
	return false
}

// escapedMessage is a translated message with one placeholder, its
// literal parts escaped once per page: rendering it for a row only
// escapes the row's value. A message that is not a simple one (or has a
// different shape) falls back to the translator per call.
type escapedMessage struct {
	parts []string // escaped literals around the placeholder; nil: use fallback
	tr    *translator
	lang  string
	id    string
	key   string
}

func (a *App) escapedMessage(lang, id, key string) escapedMessage {
	m := escapedMessage{tr: a.i18n, lang: lang, id: id, key: key}
	sm, ok := a.i18n.simple[lang][id]
	if !ok {
		return m
	}
	var parts []string
	for i, p := range sm.parts {
		if i%2 == 1 {
			if p != key {
				return m // another placeholder: keep the translator's rules
			}
			continue
		}
		parts = append(parts, htmlTextReplacer.Replace(p))
	}
	m.parts = parts
	return m
}

// write writes the message for value, escaped.
func (m escapedMessage) write(b *bytes.Buffer, value string) {
	if m.parts == nil {
		writeEscaped(b, m.tr.t(m.lang, m.id, m.key, value))
		return
	}
	for i, p := range m.parts {
		if i > 0 {
			writeEscaped(b, value)
		}
		b.WriteString(p)
	}
}

// writeMemberRows writes the overview's rows (the content of its tbody)
// in lang.
func (a *App) writeMemberRows(b *bytes.Buffer, lang string, p *memberListPage) {
	if len(p.Rows) == 0 {
		return
	}
	canBulk := p.CanBulk()
	formerBadge := htmlTextReplacer.Replace(a.i18n.t(lang, "MemberFormerBadge"))
	selectMember := a.escapedMessage(lang, "MembersSelectMember", "Name")
	memberOf := a.escapedMessage(lang, "GroupMemberOf", "Group")
	badgeHint := a.escapedMessage(lang, "MembersGroupBadgeHint", "Group")
	// Badge URLs repeat across rows (a few dozen groups on a page).
	badgeURLs := map[string]string{}

	for i := range p.Rows {
		row := &p.Rows[i]
		b.WriteString("\n        <tr>")
		if canBulk {
			b.WriteString("\n          <td><input type=\"checkbox\" class=\"checkbox checkbox-sm\" name=\"member_id\" value=\"")
			writeEscaped(b, row.ID)
			b.WriteString("\" form=\"member-bulk\"\n            aria-label=\"")
			selectMember.write(b, row.Name())
			b.WriteString("\"></td>")
		}
		b.WriteString("\n          <th scope=\"row\" class=\"font-normal whitespace-nowrap\"><a class=\"link\" href=\"/members/")
		writeURLAttr(b, row.ID, false)
		b.WriteString("\">")
		writeEscaped(b, row.LastName)
		b.WriteString(", ")
		writeEscaped(b, row.FirstName)
		b.WriteString("</a>")
		if row.Former {
			b.WriteString(" <span class=\"badge badge-ghost badge-sm\">")
			b.WriteString(formerBadge)
			b.WriteString("</span>")
		}
		b.WriteString("</th>\n          <td>")
		writeEscaped(b, row.Email)
		b.WriteString("</td>\n          <td>")
		writeEscaped(b, row.City)
		b.WriteString("</td>\n          <td class=\"whitespace-nowrap\">")
		writeEscaped(b, formatDate(lang, row.JoinDate))
		b.WriteString("</td>")
		if p.ShowGroups {
			b.WriteString("\n          <td>")
			if len(row.Badges) > 0 {
				b.WriteString("\n            <ul class=\"flex flex-wrap gap-1 min-w-56 max-w-md\">")
				for _, g := range row.Badges {
					u, ok := badgeURLs[g.URL]
					if !ok {
						var ub bytes.Buffer
						writeURLAttr(&ub, g.URL, true)
						u = ub.String()
						badgeURLs[g.URL] = u
					}
					b.WriteString("\n              <li><a class=\"badge badge-sm ")
					if g.Active {
						b.WriteString("badge-primary")
					} else {
						b.WriteString("badge-outline")
					}
					b.WriteString(" h-auto py-0.5 whitespace-nowrap no-underline hover:underline\" href=\"")
					b.WriteString(u)
					b.WriteString("\"\n                hx-get=\"")
					// hx-get is a plain attribute to html/template.
					writeEscaped(b, g.URL)
					b.WriteString("\" hx-target=\"#member-results\" hx-swap=\"outerHTML\" hx-push-url=\"true\"\n                aria-label=\"")
					memberOf.write(b, g.Name)
					b.WriteString("\" title=\"")
					badgeHint.write(b, g.Name)
					b.WriteString("\">")
					writeEscaped(b, g.Name)
					b.WriteString("</a></li>")
				}
				b.WriteString("\n            </ul>")
			}
			b.WriteString("\n          </td>\n          <td class=\"text-end\">")
			writeEscaped(b, formatInt(lang, row.GroupCount))
			b.WriteString("</td>")
		}
		for _, c := range row.Cells {
			b.WriteString("\n          <td>")
			writeEscaped(b, c)
			b.WriteString("</td>")
		}
		b.WriteString("\n        </tr>")
	}
}
