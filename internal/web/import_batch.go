package web

import (
	"bytes"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"mila/internal/importer"
	"mila/internal/membership"
	"mila/internal/validate"
)

// importBatchPage is what importBatchView shows: a batch's counts and
// state, and while it is a dry run its rows (paged, filtered, searched)
// and the commit form; while it runs, the progress; after, the result
// and undo.
type importBatchPage struct {
	Batch    importer.Batch
	Rows     importer.RowPage
	Status   string // row filter
	Q        string // row search
	Upload   string // the upload it came from, for "change the mapping" ("" if gone)
	Targets  importTargets
	Error    *importer.Msg // a refused commit or undo
	Form     *Form
	NameCols [2]int // indexes of the first and last name columns (-1 if not mapped)
}

// importBatchFromPath loads the batch named by {id}; on failure it has
// answered (404 for one that does not exist).
func (a *App) importBatchFromPath(w http.ResponseWriter, r *http.Request) (importer.Batch, bool) {
	b, err := a.importer().Batch(r.Context(), actorFrom(r), r.PathValue("id"))
	if err != nil {
		a.errorResponse(w, r, err)
		return importer.Batch{}, false
	}
	return b, true
}

func (a *App) importBatch(w http.ResponseWriter, r *http.Request) {
	b, ok := a.importBatchFromPath(w, r)
	if !ok {
		return
	}
	a.renderImportBatch(w, r, http.StatusOK, b, nil)
}

// renderImportBatch shows batch b with the rows the URL asks for.
func (a *App) renderImportBatch(w http.ResponseWriter, r *http.Request, status int, b importer.Batch, msg *importer.Msg) {
	ctx, actor := r.Context(), actorFrom(r)
	q := r.URL.Query()
	p := importBatchPage{Batch: b, Status: q.Get("status"), Q: strings.TrimSpace(q.Get("q")), Error: msg, Form: newForm(nil)}
	switch p.Status {
	case "", importer.StatusNew, importer.StatusUpdate, importer.StatusUnchanged, importer.StatusError:
	default:
		p.Status = ""
	}
	if len(p.Q) > 200 {
		p.Q = p.Q[:200]
		p.Q = strings.ToValidUTF8(p.Q, "")
	}
	if up := q.Get("upload"); validate.UUID(up) && b.State == importer.StateDryRun {
		if _, err := a.importer().UploadByID(ctx, actor, up); err == nil {
			p.Upload = up
		}
	}
	fields, err := a.fields.Definitions(ctx, actor)
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	p.Targets = newImportTargets(fields)
	p.NameCols = [2]int{-1, -1}
	for i, h := range b.Spec.Header {
		switch b.Spec.Mapping.Target(h).Target {
		case "first_name":
			p.NameCols[0] = i
		case "last_name":
			p.NameCols[1] = i
		}
	}
	p.Rows, err = a.importer().Rows(ctx, actor, b.ID, importer.RowQuery{Status: p.Status, Search: p.Q, Page: importQueryInt(r, "page"), PerPage: 50})
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	a.render(w, r, status, pageView(importBatchView, p))
}

// importProgress is the progress box alone, for the page's htmx polling
// (anyone else is sent to the batch's page).
// Once the batch is finished it asks htmx to reload the whole page,
// which then shows the result.
func (a *App) importProgress(w http.ResponseWriter, r *http.Request) {
	b, ok := a.importBatchFromPath(w, r)
	if !ok {
		return
	}
	if !isHTMX(r) {
		// Not the page's polling: the whole page.
		http.Redirect(w, r, importBatchPath(b.ID), http.StatusSeeOther)
		return
	}
	if b.Finished() {
		w.Header().Set("HX-Refresh", "true")
	}
	a.render(w, r, http.StatusOK, pageView(importProgressBox, b))
}

// importErrorCSV downloads the rows with errors, with their reasons in
// the viewer's language in a last column, to fix and upload again.
func (a *App) importErrorCSV(w http.ResponseWriter, r *http.Request) {
	var buf bytes.Buffer
	text := func(m importer.Msg) string { return a.importMsgText(r, m) }
	if err := a.importer().WriteErrorCSV(r.Context(), actorFrom(r), r.PathValue("id"), &buf, text); err != nil {
		a.errorResponse(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="import-errors.csv"`)
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(buf.Bytes())
}

// importCommit queues the import of a dry run (the job runs in `mila
// serve`, not in this request) and shows its progress.
func (a *App) importCommit(w http.ResponseWriter, r *http.Request) {
	b, ok := a.importBatchFromPath(w, r)
	if !ok {
		return
	}
	if !a.parseForm(w, r) {
		return
	}
	validOnly := r.PostForm.Get("valid_only") != ""
	err := a.importer().Commit(r.Context(), actorFrom(r), b.ID, validOnly)
	if e, ok := importer.AsError(err); ok {
		a.renderImportBatch(w, r, importStatus(e), b, &e.Msg)
		return
	}
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	a.flashSuccess(r, "ImportQueued", "File", b.FileName)
	http.Redirect(w, r, importBatchPath(b.ID), http.StatusSeeOther)
}

// importUndoPage is the undo confirmation (the page without JavaScript,
// and after a refusal).
type importUndoPage struct {
	Batch importer.Batch
	Error *importer.Msg
}

func (a *App) importUndoConfirm(w http.ResponseWriter, r *http.Request) {
	b, ok := a.importBatchFromPath(w, r)
	if !ok {
		return
	}
	status := http.StatusOK
	var msg *importer.Msg
	if b.State != importer.StateDone {
		msg, status = &importer.Msg{ID: importer.MsgNotUndoable}, http.StatusConflict
	}
	a.render(w, r, status, pageView(importUndoView, importUndoPage{Batch: b, Error: msg}))
}

// importUndo undoes a finished import, or says why it cannot.
func (a *App) importUndo(w http.ResponseWriter, r *http.Request) {
	b, ok := a.importBatchFromPath(w, r)
	if !ok {
		return
	}
	err := a.importer().Undo(r.Context(), actorFrom(r), b.ID)
	if e, ok := importer.AsError(err); ok {
		a.render(w, r, importStatus(e), pageView(importUndoView, importUndoPage{Batch: b, Error: &e.Msg}))
		return
	}
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	a.flashSuccess(r, "ImportUndoneFlash", "File", b.FileName)
	http.Redirect(w, r, "/admin/import", http.StatusSeeOther)
}

// rowsURL is this page's address with the row filter, search and page.
func (p importBatchPage) rowsURL(status, q string, page int) string {
	v := url.Values{}
	if status != "" {
		v.Set("status", status)
	}
	if q != "" {
		v.Set("q", q)
	}
	if p.Upload != "" {
		v.Set("upload", p.Upload)
	}
	if page > 1 {
		v.Set("page", strconv.Itoa(page))
	}
	s := importBatchPath(p.Batch.ID)
	if len(v) > 0 {
		s += "?" + v.Encode()
	}
	return s
}

// rowName is the member's name as the row has it.
func (p importBatchPage) rowName(r importer.Row) string {
	var parts []string
	for _, i := range p.NameCols {
		if i >= 0 && i < len(r.Cells) && strings.TrimSpace(r.Cells[i]) != "" {
			parts = append(parts, strings.TrimSpace(r.Cells[i]))
		}
	}
	return strings.Join(parts, " ")
}

// importShowValue shows a stored value: booleans as yes/no words.
func (f *frame) importShowValue(t importTargets, target, v string) string {
	if cf, ok := t[target]; ok && cf.ValueType == membership.CustomFieldBoolean {
		switch v {
		case "true":
			return f.T("ImportYes")
		case "", "false":
			return f.T("ImportNo")
		}
	}
	return v
}

// importStatusID is the message id of a row filter ("" is all rows).
func importStatusID(s string) string {
	if s == "" {
		return "ImportStatus_all"
	}
	return "ImportStatus_" + s
}

// importRowStatusID is the message id of a row's status.
func importRowStatusID(s string) string { return "ImportRowStatus_" + s }

// importModeID is the message id of a mode.
func importModeID(m string) string { return "ImportMode_" + m }

// importMatchID is the message id of a match.
func importMatchID(m string) string {
	switch m {
	case importer.MatchNameBirth:
		return "ImportMatch_namebirth"
	case importer.MatchNumber:
		return "ImportMatch_number"
	}
	return "ImportMatch_email"
}

func importRowClass(s string) string {
	switch s {
	case importer.StatusNew:
		return "badge-success"
	case importer.StatusUpdate:
		return "badge-info"
	case importer.StatusError:
		return "badge-error"
	}
	return "badge-ghost"
}
