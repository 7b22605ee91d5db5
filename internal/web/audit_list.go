package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"time"

	"mila/internal/audit"
)

// auditListPage is what auditListView shows.
type auditListPage struct {
	Form    *Form
	Entries []auditEntryView
	NextURL string // "" on the last page
	First   bool   // the first page (no "newer" link)
	Filters bool   // a filter is set
	// ExportLinks export the view (all pages) as CSV, XLSX or PDF.
	ExportLinks []exportLink
}

// auditEntryView is one entry ready for display.
type auditEntryView struct {
	ID       int64
	At       string // date and time in the viewer's language
	ISO      string
	Actor    string
	Entity   string // translated
	Action   string // translated
	Count    int
	Members  int
	Lines    []auditLine
	Redacted bool
	Bulk     bool
}

// auditLine is one changed field: label, old → new.
type auditLine struct {
	Label, Old, New string
	Erased          bool
}

// auditFilterLabels name the filter fields in errors.
var auditFilterLabels = map[string]string{
	"actor": "AuditFilterActor", "entity": "AuditFilterEntity", "action": "AuditFilterAction",
	"from": "AuditFilterFrom", "to": "AuditFilterTo", "before": "AuditFilterFrom",
}

// auditList is /admin/audit: the whole trail, newest first, filtered by
// actor, kind of record, action and date, paged by keyset (?before=id).
func (a *App) auditList(w http.ResponseWriter, r *http.Request) {
	actor := actorFrom(r)
	q := r.URL.Query()
	form := newForm(url.Values{})
	for _, k := range []string{"actor", "entity", "action", "from", "to"} {
		form.Set(k, q.Get(k))
	}
	flt := audit.Filter{Actor: form.Get("actor"), Entity: form.Get("entity"), Action: form.Get("action"),
		From: form.Get("from"), To: form.Get("to")}
	if b := q.Get("before"); b != "" {
		n, err := strconv.ParseInt(b, 10, 64)
		if err != nil || n <= 0 {
			a.clientError(w, r, http.StatusBadRequest)
			return
		}
		flt.Before = n
	}
	if format := q.Get("format"); exportFormats[format].write != nil && flt.Validate() == nil {
		a.sendAudit(w, r, flt, format, time.Now())
		return
	}
	p := auditListPage{Form: form, First: flt.Before == 0, ExportLinks: auditExportLinks(form),
		Filters: flt.Actor != "" || flt.Entity != "" || flt.Action != "" || flt.From != "" || flt.To != ""}
	pg, err := a.audit.List(r.Context(), actor, flt)
	if addDomainErrors(form, err, auditFilterLabels) {
		a.render(w, r, http.StatusBadRequest, pageView(auditListView, p))
		return
	}
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	names, err := a.auditFieldNames(r)
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	for _, e := range pg.Entries {
		p.Entries = append(p.Entries, a.auditEntry(r, e, names, 1))
	}
	if pg.Next > 0 {
		v := url.Values{}
		for _, k := range []string{"actor", "entity", "action", "from", "to"} {
			if form.Get(k) != "" {
				v.Set(k, form.Get(k))
			}
		}
		v.Set("before", strconv.FormatInt(pg.Next, 10))
		p.NextURL = "/admin/audit?" + v.Encode()
	}
	a.render(w, r, http.StatusOK, pageView(auditListView, p))
}

// auditShowPage is one entry with all its rows and affected members.
type auditShowPage struct {
	Entry    auditEntryView
	Affected []audit.AffectedMember
	Total    int
}

// auditAffectedMax bounds the member names listed for one bulk entry.
const auditAffectedMax = 1000

func (a *App) auditShow(w http.ResponseWriter, r *http.Request) {
	actor := actorFrom(r)
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		a.notFound(w, r)
		return
	}
	e, err := a.audit.Get(r.Context(), actor, id)
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	names, err := a.auditFieldNames(r)
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	p := auditShowPage{Entry: a.auditEntry(r, e, names, audit.GetChanges)}
	if p.Affected, p.Total, err = a.audit.Affected(r.Context(), actor, id, auditAffectedMax); err != nil {
		a.errorResponse(w, r, err)
		return
	}
	a.render(w, r, http.StatusOK, pageView(auditShowView, p))
}

// auditFieldNames maps custom field ids to names, for custom values.
func (a *App) auditFieldNames(r *http.Request) (map[string]string, error) {
	defs, err := a.fields.Definitions(r.Context(), actorFrom(r))
	if err != nil {
		return nil, err
	}
	m := make(map[string]string, len(defs))
	for _, d := range defs {
		m[d.ID] = d.Name
	}
	return m, nil
}

// auditEntry prepares an entry for display, with the changed fields of
// at most maxRows of its rows (a bulk entry shows its count instead).
func (a *App) auditEntry(r *http.Request, e audit.Entry, fieldNames map[string]string, maxRows int) auditEntryView {
	lang := a.langOf(r)
	v := auditEntryView{
		ID: e.ID, At: formatDate(lang, e.At) + " " + e.At.In(time.Local).Format("15:04:05"),
		ISO: e.At.UTC().Format(time.RFC3339), Actor: e.Actor,
		Entity: a.T(r, "AuditEntity_"+e.Entity), Action: a.T(r, "AuditAction_"+e.Action),
		Count: e.RowCount, Members: e.MemberCount, Redacted: e.Redacted, Bulk: e.RowCount > 1,
	}
	for i, c := range e.Changes {
		if i >= maxRows {
			break
		}
		if c.Erased {
			v.Lines = append(v.Lines, auditLine{Label: a.T(r, "AuditErased"), Erased: true})
			continue
		}
		if c.Summary {
			continue
		}
		keys := map[string]bool{}
		for k := range c.Old {
			keys[k] = true
		}
		for k := range c.New {
			keys[k] = true
		}
		var ks []string
		for k := range keys {
			if k == "id" || k == "member_id" || (e.Entity == "custom_field_values" && k == "custom_field_id") {
				continue
			}
			ks = append(ks, k)
		}
		sort.Strings(ks)
		for _, k := range ks {
			label := a.auditFieldLabel(r, e.Entity, k, c, fieldNames)
			v.Lines = append(v.Lines, auditLine{Label: label, Old: auditValue(r, a, c.Old, k), New: auditValue(r, a, c.New, k)})
		}
	}
	return v
}

func (a *App) auditFieldLabel(r *http.Request, entity, key string, c audit.Change, fieldNames map[string]string) string {
	if entity == "members" {
		if id, ok := memberFieldLabels[key]; ok {
			return a.T(r, id)
		}
	}
	if entity == "custom_field_values" && key == "value" {
		fid, _ := c.New["custom_field_id"].(string)
		if fid == "" {
			fid, _ = c.Old["custom_field_id"].(string)
		}
		if n, ok := fieldNames[fid]; ok {
			return n
		}
	}
	return key
}

// auditValue formats a recorded value: empty as a dash, booleans as
// yes/no, objects as JSON.
func auditValue(r *http.Request, a *App, m map[string]any, key string) string {
	if m == nil {
		return ""
	}
	v, ok := m[key]
	if !ok {
		return ""
	}
	switch x := v.(type) {
	case nil:
		return "—"
	case string:
		if x == "" {
			return "—"
		}
		return x
	case bool:
		if x {
			return a.T(r, "MemberYes")
		}
		return a.T(r, "MemberNo")
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

func auditEntityOptions(f *frame) []option {
	out := make([]option, 0, len(audit.Audited))
	for _, e := range audit.Audited {
		out = append(out, option{Value: e, Label: f.T("AuditEntity_" + e)})
	}
	return out
}

func auditActionOptions(f *frame) []option {
	out := make([]option, 0, len(audit.Actions))
	for _, e := range audit.Actions {
		out = append(out, option{Value: e, Label: f.T("AuditAction_" + e)})
	}
	return out
}
