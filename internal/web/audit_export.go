package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"mila/internal/audit"
	"mila/internal/export"
	"mila/internal/membership"
)

// auditExportRows is how many of an entry's records the export spells
// out in its changes cell (a bulk entry names the rest by their count;
// its page lists them all).
const auditExportRows = 20

// auditExportLinks are the export links of the audit page's view: the
// same filters, all pages.
func auditExportLinks(form *Form) []exportLink {
	return exportLinks(func(format string) string {
		v := url.Values{}
		for _, k := range []string{"actor", "entity", "action", "from", "to"} {
			if form.Get(k) != "" {
				v.Set(k, form.Get(k))
			}
		}
		v.Set("format", format)
		return "/admin/audit?" + v.Encode()
	})
}

// sendAudit writes the entries flt matches, newest first, as a file in
// format — streamed from the database (audit.Reader.Each) through the
// list writers (CSV as the viewer's spreadsheet reads it, XLSX, PDF).
func (a *App) sendAudit(w http.ResponseWriter, r *http.Request, flt audit.Filter, format string, now time.Time) {
	actor := actorFrom(r)
	names, err := a.auditFieldNames(r)
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	lang := a.langOf(r)
	var filter []string
	if flt.Actor != "" {
		filter = append(filter, a.T(r, "AuditColWho")+": "+flt.Actor)
	}
	if flt.Entity != "" {
		filter = append(filter, a.T(r, "AuditFilterEntity")+": "+a.T(r, "AuditEntity_"+flt.Entity))
	}
	if flt.Action != "" {
		filter = append(filter, a.T(r, "AuditFilterAction")+": "+a.T(r, "AuditAction_"+flt.Action))
	}
	for _, d := range []struct{ v, id string }{{flt.From, "AuditExportFilterFrom"}, {flt.To, "AuditExportFilterTo"}} {
		if t, err := time.Parse(time.DateOnly, d.v); err == nil {
			filter = append(filter, a.T(r, d.id, "Date", formatDate(lang, t)))
		}
	}
	if len(filter) == 0 {
		filter = append(filter, a.T(r, "AuditExportAll"))
	}
	t := a.listTable(r, now, a.T(r, "AuditTitle"), strings.Join(filter, " · "), []export.Column{
		{Label: a.T(r, "AuditExportColEntry"), Kind: membership.KindInt},
		{Label: a.T(r, "AuditExportColDate"), Kind: membership.KindDate},
		{Label: a.T(r, "AuditExportColTime"), Kind: membership.KindCode},
		{Label: a.T(r, "AuditColWho")},
		{Label: a.T(r, "AuditExportColRecord")},
		{Label: a.T(r, "AuditExportColAction")},
		{Label: a.T(r, "AuditExportColCount"), Kind: membership.KindInt},
		{Label: a.T(r, "AuditExportColMembers"), Kind: membership.KindInt},
		{Label: a.T(r, "AuditColChanges")},
		{Label: a.T(r, "AuditExportColRedacted"), Kind: membership.KindBool},
	})
	// Validate before the first byte: a bad filter is the page with its
	// errors (the caller checked), not a cut-off download.
	if err := flt.Validate(); err != nil {
		a.errorResponse(w, r, err)
		return
	}
	values := make([]any, len(t.Columns))
	a.sendRows(w, r, t, format, a.T(r, "AuditExportFile")+"-"+export.FileDate(now), func(fn func([]any) error) error {
		return a.audit.Each(r.Context(), actor, flt, auditExportRows, func(e audit.Entry) error {
			v := a.auditEntry(r, e, names, auditExportRows)
			at := e.At.In(time.Local)
			values[0] = e.ID
			values[1] = time.Date(at.Year(), at.Month(), at.Day(), 0, 0, 0, 0, time.UTC)
			values[2] = at.Format("15:04:05")
			values[3] = e.Actor
			values[4] = v.Entity
			values[5] = v.Action
			values[6] = int64(e.RowCount)
			values[7] = int64(e.MemberCount)
			values[8] = auditChangesText(r, a, v, e.ChangeCount)
			values[9] = e.Redacted
			return fn(values)
		})
	})
}

// auditChangesText is an entry's changed fields in one cell: "label: old
// → new" (an insert only the new value, a delete only the old), "; "
// between fields, and the count of the records not spelled out.
func auditChangesText(r *http.Request, a *App, v auditEntryView, records int) string {
	var b strings.Builder
	for i, l := range v.Lines {
		if i > 0 {
			b.WriteString("; ")
		}
		switch {
		case l.Erased:
			b.WriteString(l.Label)
			continue
		case l.Old != "" && l.New != "":
			b.WriteString(l.Label + ": " + l.Old + " → " + l.New)
		default:
			b.WriteString(l.Label + ": " + l.Old + l.New)
		}
	}
	if records > auditExportRows {
		if b.Len() > 0 {
			b.WriteString("; ")
		}
		b.WriteString(a.T(r, "AuditExportMore", "Count", records-auditExportRows))
	}
	return b.String()
}
