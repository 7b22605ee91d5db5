package web

import (
	"context"
	"errors"
	"mime"
	"net/http"

	"mila/internal/authz"
	"mila/internal/export"
	"mila/internal/mail"
)

// mailingLabelLinks are the links to the no-email members' labels on
// each sheet; base is the URL without the sheet ("/mailings/labels?..."
// or "/mailings/{id}/labels?").
func mailingLabelLinks(base string) []exportLink {
	var links []exportLink
	sep := "&"
	if base[len(base)-1] == '?' {
		sep = ""
	}
	for _, s := range export.LabelSheetNames {
		links = append(links, exportLink{URL: base + sep + "sheet=" + s, TextID: labelSheetLabels[s][0], NameID: "MailingLabels" + s + "Name"})
	}
	return links
}

// mailingDraftLabels prints address labels of the members a mailing
// being written cannot reach by email (its recipients as the form has
// them, in the query).
func (a *App) mailingDraftLabels(w http.ResponseWriter, r *http.Request) {
	d, p, err := a.mailingDraft(r, r.URL.Query())
	if err != nil {
		a.mailingError(w, r, err)
		return
	}
	sheet, ok := export.LabelSheets[r.URL.Query().Get("sheet")]
	if !ok {
		a.mailingLabelSheets(w, r, "/mailings/labels?"+p.LabelsQuery)
		return
	}
	rs, err := a.mail.mailings.Resolve(r.Context(), actorFrom(r), d)
	if err != nil {
		a.mailingError(w, r, err)
		return
	}
	ids := make([]string, len(rs.NoEmail))
	for i, rc := range rs.NoEmail {
		ids[i] = rc.MemberID
	}
	addrs, err := a.mail.mailings.Addresses(r.Context(), actorFrom(r), ids)
	if err != nil {
		a.mailingError(w, r, err)
		return
	}
	a.mailingLabelsPDF(w, r, sheet, a.T(r, "MailingLabelsDraftTitle"), addrs)
}

// mailingLabels prints address labels of the members a sent mailing
// skipped for want of an email address.
func (a *App) mailingLabels(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	sheet, ok := export.LabelSheets[r.URL.Query().Get("sheet")]
	if !ok {
		a.mailingLabelSheets(w, r, "/mailings/"+id+"/labels?")
		return
	}
	m, err := a.mail.mailings.Get(r.Context(), actorFrom(r), id)
	if err != nil {
		a.mailingError(w, r, err)
		return
	}
	addrs, err := a.mail.mailings.NoEmailAddresses(r.Context(), actorFrom(r), id)
	if err != nil {
		a.mailingError(w, r, err)
		return
	}
	a.mailingLabelsPDF(w, r, sheet, a.T(r, "MailingLabelsTitle", "Subject", m.Subject), addrs)
}

// mailingLabelSheets asks for the label sheet (400: the sheet is missing or unknown).
func (a *App) mailingLabelSheets(w http.ResponseWriter, r *http.Request, base string) {
	if _, err := a.mail.mailings.Addresses(r.Context(), actorFrom(r), nil); err != nil {
		a.errorResponse(w, r, err) // not allowed to print addresses at all
		return
	}
	a.render(w, r, http.StatusBadRequest, pageView(exportFormatView,
		exportChoice{TitleID: "LabelsSheetTitle", TextID: "LabelsSheetText", Links: mailingLabelLinks(base)}))
}

func (a *App) mailingLabelsPDF(w http.ResponseWriter, r *http.Request, sheet export.LabelSheet, title string, addrs []mail.PostalAddress) {
	lang := a.langOf(r)
	texts := export.LabelTexts{
		Title:      title,
		Incomplete: func(n int) string { return a.TN(r, "LabelsIncomplete", n) },
	}
	h := w.Header()
	h.Set("Content-Type", "application/pdf")
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{
		"filename": a.T(r, "MailingLabelsFile") + "-" + sheet.Name + ".pdf"}))
	h.Set("Cache-Control", "no-store")
	cw := &countingWriter{w: w}
	err := export.Labels(cw, sheet, texts, lang, func(fn func(export.Address) error) error {
		for _, ad := range addrs {
			if err := fn(export.Address(ad)); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		return
	}
	if cw.n == 0 && r.Context().Err() == nil {
		h.Del("Content-Type")
		h.Del("Content-Disposition")
		a.mailingError(w, r, err)
		return
	}
	if !errors.Is(err, context.Canceled) { // the client gave up: nothing failed
		a.log.Error("mailing labels failed", "err", err, "path", r.URL.Path, "request_id", requestID(r))
	}
	panic(http.ErrAbortHandler)
}

// canPrintLabels: the actor may print the addresses of any member.
func canPrintLabels(actor authz.Actor) bool {
	return actor.Scope(authz.Member, authz.Read) == authz.All
}

// skippedNoEmail counts the members a mailing skipped for want of an address.
func skippedNoEmail(sk []mail.Skipped) int {
	n := 0
	for _, s := range sk {
		if s.Reason == "no_email" {
			n++
		}
	}
	return n
}

func draftFilesTotal(files []mail.DraftFile) int {
	n := 0
	for _, f := range files {
		n += f.Size
	}
	return n
}
