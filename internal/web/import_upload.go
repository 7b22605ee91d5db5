package web

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"strconv"

	"mila/internal/importer"
)

// importHomePage is what importHomeView shows: the upload form (with a
// problem of the last upload) and the history of imports.
type importHomePage struct {
	Form    *Form
	FileErr *importer.Msg // the upload's problem, shown at the file field
	Batches []importer.Batch
	Total   int
	Page    int
	PerPage int
}

const importHistoryPerPage = 20

// importHome is /admin/import: what an import does, the templates, the
// upload form and the history.
func (a *App) importHome(w http.ResponseWriter, r *http.Request) {
	a.renderImportHome(w, r, http.StatusOK, nil)
}

func (a *App) renderImportHome(w http.ResponseWriter, r *http.Request, status int, fileErr *importer.Msg) {
	p := importHomePage{Form: newForm(nil), FileErr: fileErr, Page: importQueryInt(r, "page"), PerPage: importHistoryPerPage}
	if fileErr != nil {
		p.Form.Errors["file"] = FieldError{Field: "file", LabelID: "ImportFileLabel", MsgID: fileErr.ID, Data: fileErr.Data}
		p.Form.order = append(p.Form.order, "file")
	}
	var err error
	p.Batches, p.Total, err = a.importer().Batches(r.Context(), actorFrom(r), p.PerPage, (p.Page-1)*p.PerPage)
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	a.render(w, r, status, pageView(importHomeView, p))
}

// importUploadSlack is what a request may carry besides the file: the
// multipart framing and the other fields.
const importUploadSlack = 1 << 20

// The upload carries a file: its body limit replaces maxBodyBytes
// (limitBody, largeBodies).
func init() { largeBodies["POST /admin/import"] = importer.MaxFileBytes + importUploadSlack }

// importUpload takes the file (CSV or XLSX, up to importer.MaxFileBytes),
// checks that it can be read and keeps it (import_uploads), then goes on
// to its mapping. A file that is too large is refused before more of it
// is read; one that cannot be read gets its reason at the field.
func (a *App) importUpload(w http.ResponseWriter, r *http.Request) {
	tooLarge := &importer.Msg{ID: importer.MsgTooLarge, Data: map[string]any{"Max": importer.MaxFileBytes >> 20}}
	if r.ContentLength > importer.MaxFileBytes+importUploadSlack {
		w.Header().Set("Connection", "close")
		a.renderImportHome(w, r, http.StatusRequestEntityTooLarge, tooLarge)
		return
	}
	name, data, err := readUploadFile(r)
	var maxBytes *http.MaxBytesError
	switch {
	case errors.As(err, &maxBytes), errors.Is(err, errUploadTooLarge):
		w.Header().Set("Connection", "close")
		a.renderImportHome(w, r, http.StatusRequestEntityTooLarge, tooLarge)
		return
	case err != nil || name == "":
		a.renderImportHome(w, r, http.StatusBadRequest, &importer.Msg{ID: "ImportErrNoFile"})
		return
	case len(data) == 0:
		a.renderImportHome(w, r, http.StatusUnprocessableEntity, &importer.Msg{ID: importer.MsgEmptyFile})
		return
	}
	u, _, err := a.importer().SaveUpload(r.Context(), actorFrom(r), name, data)
	if e, ok := importer.AsError(err); ok {
		a.renderImportHome(w, r, importStatus(e), &e.Msg)
		return
	}
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/import/uploads/"+u.ID, http.StatusSeeOther)
}

var errUploadTooLarge = errors.New("upload too large")

// readUploadFile reads the multipart part "file" (its name and content),
// at most importer.MaxFileBytes; other parts are skipped.
func readUploadFile(r *http.Request) (string, []byte, error) {
	mr, err := r.MultipartReader()
	if err != nil {
		return "", nil, err
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return "", nil, nil
		}
		if err != nil {
			return "", nil, err
		}
		if part.FormName() != "file" || part.FileName() == "" {
			if _, err := io.Copy(io.Discard, part); err != nil {
				return "", nil, err
			}
			continue
		}
		return readPart(part)
	}
}

func readPart(part *multipart.Part) (string, []byte, error) {
	var buf bytes.Buffer
	n, err := io.Copy(&buf, io.LimitReader(part, importer.MaxFileBytes+1))
	if err != nil {
		return "", nil, err
	}
	if n > importer.MaxFileBytes {
		return "", nil, errUploadTooLarge
	}
	return part.FileName(), buf.Bytes(), nil
}

// importTemplateHeaders are the headings of the template files: words
// the suggester knows (importer.Suggest), in English and in German.
var importTemplateHeaders = map[string][]string{
	"en": {"First name", "Last name", "Email", "Phone", "Street", "House number", "Postal code", "City", "Country", "Join date", "Exit date", "Notes", "Groups"},
	"de": {"Vorname", "Nachname", "E-Mail", "Telefon", "Straße", "Hausnummer", "PLZ", "Ort", "Land", "Eintritt", "Austritt", "Notizen", "Gruppen"},
}

// importTemplate is a CSV with the headings an import maps without
// help: the member's fields and the club's custom fields. English with
// commas, German with semicolons (what Excel expects there); UTF-8 with
// a BOM so that Excel reads the umlauts.
func (a *App) importTemplate(w http.ResponseWriter, r *http.Request) {
	lang := r.URL.Query().Get("lang")
	header, ok := importTemplateHeaders[lang]
	if !ok {
		a.clientError(w, r, http.StatusBadRequest)
		return
	}
	fields, err := a.fields.Definitions(r.Context(), actorFrom(r))
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	header = append([]string(nil), header...)
	for _, f := range fields {
		header = append(header, f.Name)
	}
	var buf bytes.Buffer
	buf.WriteString("\uFEFF")
	cw := csv.NewWriter(&buf)
	if lang == "de" {
		cw.Comma = ';'
	}
	_ = cw.Write(header) // into a buffer: cannot fail
	cw.Flush()
	name := "mila-import-template.csv"
	if lang == "de" {
		name = "mila-import-vorlage.csv"
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(buf.Bytes())
}
