package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/nicksnyder/go-i18n/v2/i18n"

	"mila/internal/authz"
	"mila/internal/importer"
	"mila/internal/membership"
)

// importRoutes registers the import pages (admin only: authz.Import).
// The flow: upload (/admin/import) → mapping of the kept file
// (/admin/import/uploads/{id}) → dry run (/admin/import/batches/{id}) →
// commit, a job run by `mila serve`, whose progress the batch page polls
// → history and undo, back on /admin/import.
func (a *App) importRoutes(mux *http.ServeMux) {
	a.route(mux, "GET /admin/import", authz.Import, authz.Read, a.importHome)
	a.route(mux, "POST /admin/import", authz.Import, authz.Create, a.importUpload)
	a.route(mux, "GET /admin/import/template", authz.Import, authz.Read, a.importTemplate)
	a.route(mux, "GET /admin/import/uploads/{id}", authz.Import, authz.Create, a.importMapping)
	a.route(mux, "POST /admin/import/uploads/{id}", authz.Import, authz.Create, a.importMappingSubmit)
	a.route(mux, "POST /admin/import/mappings/delete", authz.Import, authz.Destroy, a.importMappingDelete)
	a.route(mux, "GET /admin/import/batches/{id}", authz.Import, authz.Read, a.importBatch)
	a.route(mux, "GET /admin/import/batches/{id}/progress", authz.Import, authz.Read, a.importProgress)
	a.route(mux, "GET /admin/import/batches/{id}/errors.csv", authz.Import, authz.Read, a.importErrorCSV)
	a.route(mux, "POST /admin/import/batches/{id}/commit", authz.Import, authz.Create, a.importCommit)
	a.route(mux, "GET /admin/import/batches/{id}/undo", authz.Import, authz.Destroy, a.importUndoConfirm)
	a.route(mux, "POST /admin/import/batches/{id}/undo", authz.Import, authz.Destroy, a.importUndo)
}

// importer is the import's store: a value around the pool, as cheap as
// the pointer the other stores are.
func (a *App) importer() importer.Importer { return importer.Importer{DB: a.db} }

// importStatus is the HTTP status of an import error: what the person
// can fix is 4xx, with the message shown on the page.
func importStatus(e *importer.Error) int {
	switch e.Msg.ID {
	case importer.MsgNotFound:
		return http.StatusNotFound
	case importer.MsgTooLarge:
		return http.StatusRequestEntityTooLarge
	case importer.MsgNotDryRun, importer.MsgHasErrors, importer.MsgNothingToDo, importer.MsgNotUndoable,
		importer.MsgChangedSince, importer.MsgStale, importer.MsgConflict:
		return http.StatusConflict
	}
	return http.StatusUnprocessableEntity
}

// importMsg is an import message (a file, row or action problem) in the
// viewer's language. Its data may come back from JSON (numbers as
// float64): the templates print them as they are.
func (f *frame) importMsg(m importer.Msg) string { return f.tr.importMsg(f.Lang, m) }

// importMsgText is importMsg for text built in Go (the error CSV).
func (a *App) importMsgText(r *http.Request, m importer.Msg) string {
	return a.i18n.importMsg(a.langOf(r), m)
}

// importMsg is m in lang. A date format in it is named in the viewer's
// words ("dd.mm.yyyy" is "tt.mm.jjjj" in German; "auto" says what it
// recognises).
func (tr *translator) importMsg(lang string, m importer.Msg) string {
	data := m.Data
	if format, ok := data["Format"].(string); ok && m.ID == importer.MsgRowBadDate {
		data = make(map[string]any, len(m.Data))
		for k, v := range m.Data {
			data[k] = v
		}
		data["Format"] = tr.t(lang, importDateID(format))
	}
	return tr.localize(lang, &i18n.LocalizeConfig{MessageID: m.ID, TemplateData: data})
}

// importCoreLabels names the member form's label of each core target.
var importCoreLabels = map[string]string{
	"first_name": "MemberFieldFirstName", "last_name": "MemberFieldLastName", "email": "MemberFieldEmail",
	"phone": "MemberFieldPhone", "street": "MemberFieldStreet", "house_number": "MemberFieldHouseNumber",
	"postal_code": "MemberFieldPostalCode", "city": "MemberFieldCity", "country": "MemberFieldCountry",
	"join_date": "MemberFieldJoinDate", "exit_date": "MemberFieldExitDate", "notes": "MemberFieldNotes",
	importer.TargetGroups: "ImportTargetGroups",
}

// importTargets names the targets for labels: the custom fields by
// target ("cf:slug").
type importTargets map[string]membership.CustomField

func newImportTargets(fields []membership.CustomField) importTargets {
	t := importTargets{}
	for _, cf := range fields {
		t[importer.CustomTarget(cf.Slug)] = cf
	}
	return t
}

// label is a target's name for people: the form label of a core field,
// a custom field's name, or the target itself for one that is gone.
func (t importTargets) label(f *frame, target string) string {
	if id, ok := importCoreLabels[target]; ok {
		return f.T(id)
	}
	if cf, ok := t[target]; ok {
		return cf.Name
	}
	return target
}

// importQueryInt reads a positive number from the URL (1 when missing or bad).
func importQueryInt(r *http.Request, name string) int {
	n, err := strconv.Atoi(r.URL.Query().Get(name))
	if err != nil || n < 1 || n > 1_000_000 {
		return 1
	}
	return n
}

// importBatchPath is the address of a batch's page.
func importBatchPath(id string) string { return "/admin/import/batches/" + id }

// importStateLabel is the message id of a batch state.
func importStateLabel(state string) string {
	switch state {
	case importer.StateDryRun:
		return "ImportStateDryRun"
	case importer.StateQueued:
		return "ImportStateQueued"
	case importer.StateRunning:
		return "ImportStateRunning"
	case importer.StateDone:
		return "ImportStateDone"
	case importer.StateFailed:
		return "ImportStateFailed"
	case importer.StateRolledBack:
		return "ImportStateRolledBack"
	case importer.StateUndone:
		return "ImportStateUndone"
	}
	return "ImportStateFailed"
}

func importStateClass(state string) string {
	switch state {
	case importer.StateDone:
		return "badge-success"
	case importer.StateFailed, importer.StateRolledBack:
		return "badge-error"
	case importer.StateQueued, importer.StateRunning:
		return "badge-info"
	}
	return "badge-ghost"
}

// importTime is a moment in the viewer's way: date and time of day (UTC
// as stored; the server's zone).
func (f *frame) importTime(t time.Time) string {
	return f.Date(t.Local()) + " " + t.Local().Format("15:04")
}
