package web

import (
	"context"
	"errors"
	"mime"
	"net/http"

	"strings"
	"time"

	"mila/internal/export"
	"mila/internal/membership"
)

// labelColumns are what a label prints.
var labelColumns = []string{membership.ColFirstName, membership.ColLastName, membership.ColStreet,
	membership.ColHouseNumber, membership.ColPostalCode, membership.ColCity, membership.ColCountry}

// labelSheetLabels are the short text and accessible name of each sheet's link.
var labelSheetLabels = map[string][2]string{
	"3x8": {"Labels3x8", "Labels3x8Name"},
	"2x8": {"Labels2x8", "Labels2x8Name"},
}

// memberLabelsURL is the labels of the overview view q on sheet.
func memberLabelsURL(q membership.MemberQuery, sheet string) string {
	q.Page, q.PerPage = 0, 0
	u := memberListURL(q)
	sep := "?"
	if strings.Contains(u, "?") {
		sep = "&"
	}
	return strings.Replace(u, "/members", "/members/labels", 1) + sep + "sheet=" + sheet
}

// labelLinks are the links to print a view's labels on each sheet.
func labelLinks(q membership.MemberQuery) []exportLink {
	var links []exportLink
	for _, s := range export.LabelSheetNames {
		links = append(links, exportLink{URL: memberLabelsURL(q, s), TextID: labelSheetLabels[s][0], NameID: labelSheetLabels[s][1]})
	}
	return links
}

// memberLabels sends address labels of the overview's view (all its
// pages) as a PDF for an A4 label sheet; members without a complete
// address are listed on a last page.
func (a *App) memberLabels(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	q := memberQueryFromURL(v)
	sheet, ok := export.LabelSheets[v.Get("sheet")]
	if !ok {
		a.render(w, r, http.StatusBadRequest, pageView(exportFormatView,
			exportChoice{TitleID: "LabelsSheetTitle", TextID: "LabelsSheetText", Links: labelLinks(q)}))
		return
	}
	e, err := a.members.Export(r.Context(), actorFrom(r), q, labelColumns)
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	lang := a.langOf(r)
	table, base := memberExportTable(a.i18n, lang, e, time.Now())
	texts := export.LabelTexts{
		Title:      a.T(r, "LabelsTitle", "List", table.Title),
		Incomplete: func(n int) string { return a.TN(r, "LabelsIncomplete", n) },
	}
	h := w.Header()
	h.Set("Content-Type", "application/pdf")
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{
		"filename": a.T(r, "LabelsFile") + "-" + strings.TrimPrefix(base, a.T(r, "ExportFileMembers")+"-") + "-" + sheet.Name + ".pdf"}))
	h.Set("Cache-Control", "no-store")
	cw := &countingWriter{w: w}
	err = export.Labels(cw, sheet, texts, lang, func(fn func(export.Address) error) error {
		return e.Each(r.Context(), func(values []any) error {
			s := func(i int) string { x, _ := values[i].(string); return x }
			return fn(export.Address{Name: strings.TrimSpace(s(0) + " " + s(1)), Street: s(2), HouseNumber: s(3),
				PostalCode: s(4), City: s(5), Country: s(6)})
		})
	})
	if err == nil {
		return
	}
	if cw.n == 0 && r.Context().Err() == nil {
		h.Del("Content-Type")
		h.Del("Content-Disposition")
		a.errorResponse(w, r, err)
		return
	}
	if !errors.Is(err, context.Canceled) { // the client gave up: nothing failed
		a.log.Error("labels failed", "err", err, "path", r.URL.Path, "request_id", requestID(r))
	}
	panic(http.ErrAbortHandler)
}

// groupLabelsQuery is the overview view of of a group's members (its page's list:
// current and former members).
func groupLabelsQuery(slug string) membership.MemberQuery {
	return membership.MemberQuery{Group: slug, Status: membership.MemberStatusAll}
}
