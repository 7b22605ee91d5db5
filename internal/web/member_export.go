package web

import (
	"encoding/json"
	"net/http"

	"mila/internal/privacy"
)

// memberExportJSON is the access export (GDPR Art. 15) as JSON, in the
// schema of docs/PRIVACY.md: a download for admins and the member
// themself; anyone else gets a 404, as for a member they cannot see.
func (a *App) memberExportJSON(w http.ResponseWriter, r *http.Request) {
	ex, err := a.privacy.Export(r.Context(), actorFrom(r), r.PathValue("id"))
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	b, err := json.MarshalIndent(ex, "", "  ")
	if err != nil {
		a.serverError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="mila-data-`+ex.MemberID+`.json"`)
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(b)
}

// memberExportPDF is the same export as a readable PDF.
func (a *App) memberExportPDF(w http.ResponseWriter, r *http.Request) {
	ex, err := a.privacy.Export(r.Context(), actorFrom(r), r.PathValue("id"))
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	var name struct {
		First string `json:"first_name"`
		Last  string `json:"last_name"`
	}
	_ = json.Unmarshal(ex.Member, &name)
	l := privacy.PDFLabels{
		Title:     a.T(r, "ExportPDFTitle", "Name", name.First+" "+name.Last),
		Generated: a.T(r, "ExportPDFGenerated", "Date", formatDate(a.langOf(r), ex.GeneratedAt)+" "+ex.GeneratedAt.Format("15:04")+" UTC"),
		Empty:     a.T(r, "ExportPDFEmpty"),
		Sections:  map[string]string{},
	}
	for _, s := range []string{"member", "custom_values", "memberships", "user", "import_rows", "import_batches", "import_memberships", "audit"} {
		l.Sections[s] = a.T(r, "ExportSection_"+s)
	}
	b, err := privacy.PDF(ex, l)
	if err != nil {
		a.serverError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `attachment; filename="mila-data-`+ex.MemberID+`.pdf"`)
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(b)
}
