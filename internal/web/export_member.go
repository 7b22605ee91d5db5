package web

import (
	"context"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"mila/internal/authz"
	"mila/internal/export"
	"mila/internal/membership"
)

// exportFormat is one file format an export can have.
type exportFormat struct {
	ctype string
	write func(io.Writer, export.Table, export.Rows) error
}

// exportFormats are the formats, by the format parameter (and file
// extension).
var exportFormats = map[string]exportFormat{
	"csv":  {"text/csv; charset=utf-8", export.CSV},
	"xlsx": {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", export.XLSX},
	"pdf":  {"application/pdf", export.PDF},
}

// exportFormatNames are the formats in the order the links offer them.
var exportFormatNames = []string{"csv", "xlsx", "pdf"}

// pdfDefaultColumns are a PDF's columns when the view names none: what
// fits a landscape page — name, how to reach the member, the address,
// the join date, groups, and the custom fields shown in the overview.
var pdfDefaultColumns = []string{membership.ColLastName, membership.ColFirstName, membership.ColEmail, membership.ColPhone,
	membership.ColStreet, membership.ColHouseNumber, membership.ColPostalCode, membership.ColCity,
	membership.ColJoinDate, membership.ColGroups, membership.ColOverviewFields}

// exportColumnsFromURL reads the cols parameter (column keys separated by
// commas or semicolons, as the overview's; unknown ones are dropped by Export, a
// malformed parameter is an error). Without it a PDF gets
// pdfDefaultColumns and a spreadsheet every column the viewer may read.
func exportColumnsFromURL(v url.Values, format string) ([]string, error) {
	cols, _, err := overviewColumnsFromURL(v)
	if err != nil {
		return nil, err
	}
	if len(cols) == 0 && format == "pdf" {
		return pdfDefaultColumns, nil
	}
	return cols, nil
}

// memberExportURL is the export of the overview view q in format:
// the overview's own parameters (without the page), plus format.
func memberExportURL(q membership.MemberQuery, format string) string {
	q.Page, q.PerPage = 0, 0
	u := memberListURL(q)
	sep := "?"
	if strings.Contains(u, "?") {
		sep = "&"
	}
	return strings.Replace(u, "/members", "/members/export", 1) + sep + "format=" + format
}

// memberExport sends the overview's view — the same parameters, all its
// pages — as a CSV, XLSX or PDF file.
func (a *App) memberExport(w http.ResponseWriter, r *http.Request) {
	v := overviewURLQuery(r)
	format := v.Get("format")
	if _, ok := exportFormats[format]; !ok {
		a.exportFormatChoice(w, r, func(f string) string { return memberExportURL(memberQueryFromURL(v), f) })
		return
	}
	actor := actorFrom(r)
	cols, err := exportColumnsFromURL(v, format)
	if err != nil {
		a.badColumns(w, r)
		return
	}
	e, err := a.members.Export(r.Context(), actor, memberQueryFromURL(v), cols)
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	a.sendExport(w, r, e, format, time.Now())
}

// groupExport sends a group's member list (as its page shows it) as a
// file.
func (a *App) groupExport(w http.ResponseWriter, r *http.Request) {
	v := overviewURLQuery(r)
	format := v.Get("format")
	slug := r.PathValue("slug")
	if _, ok := exportFormats[format]; !ok {
		a.exportFormatChoice(w, r, func(f string) string { return groupExportURL(slug, f) })
		return
	}
	cols, err := exportColumnsFromURL(v, format)
	if err != nil {
		a.badColumns(w, r)
		return
	}
	e, err := a.members.ExportGroup(r.Context(), actorFrom(r), slug, cols)
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	a.sendExport(w, r, e, format, time.Now())
}

// groupExportURL is the export of the group page of slug.
func groupExportURL(slug, format string) string {
	return "/groups/" + url.PathEscape(slug) + "/export?format=" + format
}

// exportFormatChoice answers an export without a known format: 400,
// with a link to each format of the same view.
func (a *App) exportFormatChoice(w http.ResponseWriter, r *http.Request, urlFor func(format string) string) {
	a.render(w, r, http.StatusBadRequest, pageView(exportFormatView,
		exportChoice{TitleID: "ExportFormatTitle", TextID: "ExportFormatText", Links: exportLinks(urlFor)}))
}

// exportChoice is the page asking for a format (or label sheet).
type exportChoice struct {
	TitleID, TextID string
	Links           []exportLink
}

// exportLink is one link of the export bar: its URL, its short text and
// its accessible name (message ids).
type exportLink struct{ URL, TextID, NameID string }

// exportFormatLabels are the short text and accessible name of each format's link.
var exportFormatLabels = map[string][2]string{
	"csv":  {"ExportCSV", "ExportCSVName"},
	"xlsx": {"ExportXLSX", "ExportXLSXName"},
	"pdf":  {"ExportPDF", "ExportPDFName"},
}

// exportLinks are the links to export a view in each format.
func exportLinks(urlFor func(format string) string) []exportLink {
	links := make([]exportLink, 0, len(exportFormatNames))
	for _, f := range exportFormatNames {
		links = append(links, exportLink{URL: urlFor(f), TextID: exportFormatLabels[f][0], NameID: exportFormatLabels[f][1]})
	}
	return links
}

// sendExport writes e as a file in format. The rows stream from the
// database into the response; a failure before anything was sent is an
// error page, one after that cuts the download off (so that a partial
// file is never taken for the whole list).
func (a *App) sendExport(w http.ResponseWriter, r *http.Request, e *membership.MemberExport, format string, now time.Time) {
	lang := a.langOf(r)
	table, base := memberExportTable(a.i18n, lang, e, now)
	f := exportFormats[format]
	h := w.Header()
	h.Set("Content-Type", f.ctype)
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": base + "." + format}))
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	cw := &countingWriter{w: w}
	err := f.write(cw, table, func(fn func([]any) error) error { return e.Each(r.Context(), fn) })
	if err == nil {
		return
	}
	if cw.n == 0 && r.Context().Err() == nil {
		for _, k := range []string{"Content-Type", "Content-Disposition"} {
			h.Del(k)
		}
		a.errorResponse(w, r, err)
		return
	}
	if !errors.Is(err, context.Canceled) {
		a.log.Error("export failed", "err", err, "format", format, "path", r.URL.Path, "request_id", requestID(r))
	}
	panic(http.ErrAbortHandler)
}

// countingWriter counts the bytes written through it.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// memberExportTable is the table of e for a reader of lang: the column
// labels, title, filter description and date, and the file's name
// (without extension), e.g. mitglieder-jugend-u14-2026-12-03.
func memberExportTable(tr *translator, lang string, e *membership.MemberExport, now time.Time) (export.Table, string) {
	T := func(id string, kv ...any) string { return tr.t(lang, id, kv...) }
	q := e.Query
	t := export.Table{
		Lang: lang, AsOf: now, Sheet: T("ExportSheet"), Yes: T("MemberYes"), No: T("MemberNo"),
		AsOfText: T("ExportAsOf", "Date", formatDate(lang, now)),
		PageText: func(x, y string) string { return T("ExportPageOf", "Page", x, "Pages", y) },
		DateText: func(d time.Time) string { return formatDate(lang, d) },
	}
	for _, c := range e.Columns {
		t.Columns = append(t.Columns, export.Column{Label: memberColumnLabel(T, c), Kind: c.Kind})
	}
	t.Title = T("ExportTitleMembers")
	file := []string{T("ExportFileMembers")}
	switch q.Status {
	case membership.MemberStatusFormer:
		file = append(file, T("ExportFileFormer"))
	case membership.MemberStatusAll:
		file = append(file, T("ExportFileAll"))
	}
	var group string
	if e.Group != nil {
		t.Title = T("ExportTitleGroup", "Group", e.Group.Name)
		group = e.Group.Name
		file = append(file, e.Group.Slug)
	} else if q.Group == membership.MemberGroupNone {
		file = append(file, T("ExportFileNoGroup"))
	}
	filter := memberViewDescription(T, q, e.Searching, group, memberSortLabel(T, e.SortFieldName(), q.Sort))
	t.Filter = strings.Join(filter, " · ")
	file = append(file, export.FileDate(now))
	return t, strings.Join(file, "-")
}

// memberViewDescription says in words what a view of the overview
// shows: status, group filter, search and (when not the default) sort.
// group is the filtered group's name ("" for none); sortLabel names the
// sorted column.
func memberViewDescription(T func(string, ...any) string, q membership.MemberQuery, searching bool, group, sortLabel string) []string {
	var filter []string
	switch q.Status {
	case membership.MemberStatusFormer:
		filter = append(filter, T("MembersStatusFormer"))
	case membership.MemberStatusAll:
		filter = append(filter, T("MembersStatusAll"))
	default:
		filter = append(filter, T("MembersStatusActive"))
	}
	switch {
	case group != "":
		filter = append(filter, T("ExportFilterGroup", "Group", group))
	case q.Group == membership.MemberGroupNone:
		filter = append(filter, T("ExportFilterNoGroup"))
	}
	if searching {
		filter = append(filter, T("ExportFilterSearch", "Q", q.Q))
	}
	defaultSort := membership.MemberSortName
	if searching {
		defaultSort = membership.MemberSortRelevance
	}
	if q.Sort != defaultSort || q.Dir != membership.MemberDefaultDir(q.Sort) {
		id := "ExportFilterSort"
		if q.Dir == membership.MemberDirDesc {
			id = "ExportFilterSortDesc"
		}
		filter = append(filter, T(id, "Column", sortLabel))
	}
	return filter
}

// memberColumnLabels are the message ids of the core columns' headings.
var memberColumnLabels = map[string]string{
	membership.ColMemberSince: "ExportColMemberSince",
	membership.ColGroups:      "MembersColGroups",
	membership.ColGroupCount:  "MembersColGroupCount",
	membership.ColUserEmail:   "ExportColUserEmail",
}

// memberColumnLabel is a column's heading: a custom field's own name, or
// the member form's label of a core field.
func memberColumnLabel(T func(string, ...any) string, c membership.MemberColumn) string {
	if c.Field != nil {
		return c.Field.Name
	}
	if id, ok := memberColumnLabels[c.Key]; ok {
		return T(id)
	}
	if id, ok := memberFieldLabels[c.Key]; ok {
		return T(id)
	}
	return c.Key
}

// memberSortLabel names the column a list is sorted by.
func memberSortLabel(T func(string, ...any) string, fieldName, sort string) string {
	switch sort {
	case membership.MemberSortName:
		return T("MembersColName")
	case membership.MemberSortEmail:
		return T("MembersColEmail")
	case membership.MemberSortCity:
		return T("MembersColCity")
	case membership.MemberSortJoinDate:
		return T("MembersColJoinDate")
	case membership.MemberSortGroups:
		return T("MembersColGroups")
	case membership.MemberSortGroupCount:
		return T("MembersColGroupCount")
	case membership.MemberSortRelevance:
		return T("ExportSortRelevance")
	}
	if fieldName != "" {
		return fieldName
	}
	return sort
}

// exportTranslator is the message bundle for exports made outside a
// request (the command line).
var exportTranslator = sync.OnceValues(newTranslator)

// MemberExportTable is the table of e for a reader of lang ("en" or
// "de") and its file name without extension, for the command line.
func MemberExportTable(lang string, e *membership.MemberExport, now time.Time) (export.Table, string, error) {
	tr, err := exportTranslator()
	if err != nil {
		return export.Table{}, "", err
	}
	if !isLang(lang) {
		lang = langs[0].String()
	}
	t, base := memberExportTable(tr, lang, e, now)
	return t, base, nil
}

// ExportWriter is the writer of an export format ("csv", "xlsx",
// "pdf"), for the command line.
func ExportWriter(format string) (func(io.Writer, export.Table, export.Rows) error, bool) {
	f, ok := exportFormats[format]
	return f.write, ok
}

// exportAllowed: the export links are shown to whoever may read the
// overview (own_data users have none).
func exportAllowed(actor authz.Actor) bool {
	return actor.Scope(authz.Member, authz.Read) == authz.All
}

// PDFDefaultColumns are a PDF export's columns when none are chosen, for
// the command line.
func PDFDefaultColumns() []string { return append([]string(nil), pdfDefaultColumns...) }
