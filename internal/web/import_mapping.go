package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"unicode/utf8"

	"mila/internal/importer"
	"mila/internal/membership"
)

// importMappingPage is what importMappingView shows: the kept file, its
// sheets and first rows, and the form that maps each column and sets
// the options.
type importMappingPage struct {
	Upload  importer.Upload
	Preview importer.Preview
	Sheet   string
	Form    *Form
	Fields  []membership.CustomField
	Targets importTargets
	Saved   []importer.SavedMapping
	Loaded  string // the saved mapping shown, if one was loaded
	Columns []importMapColumn
}

// importMapColumn is one column of the file in the mapping form.
type importMapColumn struct {
	Index   int
	Header  string
	Samples []string
	Target  string // as the form has it now
	IsDate  bool   // the target is a date: offer the date formats
	IsBool  bool   // the target is yes/no: offer the words
	// Options: the target is a choice field; its options' texts, which
	// the column's cells must name.
	Options []string
}

// Field names of the mapping form (per column: name + "_" + index).
const (
	importColField  = "col_"
	importDateField = "date_"
	importYesField  = "yes_"
	importNoField   = "no_"
)

func importColName(prefix string, i int) string { return prefix + strconv.Itoa(i) }

// importMappingLabels name the option fields for the error summary.
var importMappingLabels = map[string]string{
	"match":        "ImportMatchLabel",
	"number_field": "ImportNumberFieldLabel",
	"birth_field":  "ImportBirthFieldLabel",
	"mode":         "ImportModeLabel",
	"clear_marker": "ImportClearMarkerLabel",
	"save_as":      "ImportSaveAsLabel",
	"columns":      "ImportColumnsTitle",
	"file":         "ImportFileLabel",
	"mapping":      "ImportLoadLabel",
}

// importUploadFromPath loads the upload named by {id}; on failure it
// has answered.
func (a *App) importUploadFromPath(w http.ResponseWriter, r *http.Request) (importer.Upload, bool) {
	u, err := a.importer().UploadByID(r.Context(), actorFrom(r), r.PathValue("id"))
	if err != nil {
		a.errorResponse(w, r, err)
		return importer.Upload{}, false
	}
	return u, true
}

// importMapping shows the mapping form of an upload: for its sheet
// (?sheet=), suggested from the headings or loaded from a saved mapping
// (?mapping=).
func (a *App) importMapping(w http.ResponseWriter, r *http.Request) {
	u, ok := a.importUploadFromPath(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	p, status, ok := a.importMappingBase(w, r, u, q.Get("sheet"))
	if !ok {
		return
	}
	m, o := p.Preview.Mapping, p.Preview.Options
	if name := q.Get("mapping"); name != "" {
		saved, err := a.importer().MappingNamed(r.Context(), actorFrom(r), name)
		if e, isImp := importer.AsError(err); isImp {
			p.Form.Add("mapping", importMappingLabels["mapping"], e.Msg.ID)
			status = importStatus(e)
		} else if err != nil {
			a.errorResponse(w, r, err)
			return
		} else {
			m, o, p.Loaded = saved.Mapping, saved.Options, saved.Name
		}
	}
	p.Form.Values = importMappingValues(p.Preview.Spec.Header, p.Sheet, m, o)
	a.renderImportMapping(w, r, status, p)
}

// importMappingBase reads the upload's sheet and what the form offers.
// A sheet that does not exist shows the first one, with the error.
func (a *App) importMappingBase(w http.ResponseWriter, r *http.Request, u importer.Upload, sheet string) (importMappingPage, int, bool) {
	ctx, actor := r.Context(), actorFrom(r)
	p := importMappingPage{Upload: u, Sheet: sheet, Form: newForm(nil)}
	status := http.StatusOK
	if utf8.RuneCountInString(sheet) > 100 {
		sheet = ""
	}
	pv, err := a.importer().Inspect(ctx, actor, u.File(sheet))
	if e, ok := importer.AsError(err); ok && sheet != "" && e.Msg.ID == importer.MsgNoSheet {
		p.Form.Add("sheet", "ImportSheetLabel", e.Msg.ID, "Sheet", sheet)
		status = http.StatusUnprocessableEntity
		pv, err = a.importer().Inspect(ctx, actor, u.File(""))
	}
	if e, ok := importer.AsError(err); ok {
		// The file was readable when it was uploaded; a sheet of it may not be.
		a.renderImportHomeMsg(w, r, importStatus(e), e.Msg)
		return p, 0, false
	}
	if err != nil {
		a.errorResponse(w, r, err)
		return p, 0, false
	}
	p.Preview, p.Sheet = pv, pv.Spec.Sheet
	if p.Fields, err = a.fields.Definitions(ctx, actor); err != nil {
		a.errorResponse(w, r, err)
		return p, 0, false
	}
	p.Targets = newImportTargets(p.Fields)
	if p.Saved, err = a.importer().Mappings(ctx, actor); err != nil {
		a.errorResponse(w, r, err)
		return p, 0, false
	}
	return p, status, true
}

// renderImportHomeMsg is the upload page with a problem of the file.
func (a *App) renderImportHomeMsg(w http.ResponseWriter, r *http.Request, status int, m importer.Msg) {
	a.renderImportHome(w, r, status, &m)
}

// importMappingValues are the form's values for mapping m and options o.
func importMappingValues(header []string, sheet string, m importer.Mapping, o importer.Options) url.Values {
	v := url.Values{}
	v.Set("sheet", sheet)
	for i, h := range header {
		cm := m.Target(h)
		v.Set(importColName(importColField, i), cm.Target)
		df := cm.DateFormat
		if df == "" {
			df = importer.DateAuto
		}
		v.Set(importColName(importDateField, i), df)
		v.Set(importColName(importYesField, i), cm.Yes)
		v.Set(importColName(importNoField, i), cm.No)
	}
	if o.Match == "" {
		o.Match = importer.MatchEmail
	}
	if o.Mode == "" {
		o.Mode = importer.ModeUpsert
	}
	v.Set("match", o.Match)
	v.Set("mode", o.Mode)
	v.Set("number_field", o.NumberField)
	v.Set("birth_field", o.BirthField)
	if o.CreateGroups {
		v.Set("create_groups", "on")
	}
	v.Set("clear_marker", o.ClearMarker)
	return v
}

// importMappingFrom reads the mapping and options from the form, adding
// an error next to each field with a value the form does not offer.
func importMappingFrom(form *Form, header []string, fields []membership.CustomField) (importer.Mapping, importer.Options) {
	targets := map[string]bool{importer.TargetIgnore: true, importer.TargetGroups: true}
	for _, c := range importer.CoreFields {
		targets[c] = true
	}
	unique, dates := map[string]bool{"": true}, map[string]bool{"": true}
	for _, f := range fields {
		targets[importer.CustomTarget(f.Slug)] = true
		if f.Unique {
			unique[f.Slug] = true
		}
		if f.ValueType == membership.CustomFieldDate {
			dates[f.Slug] = true
		}
	}
	var m importer.Mapping
	for i, h := range header {
		col, df := importColName(importColField, i), importColName(importDateField, i)
		yes, no := importColName(importYesField, i), importColName(importNoField, i)
		cm := importer.ColumnMap{Header: h, Target: form.Get(col), DateFormat: form.Get(df), Yes: form.Get(yes), No: form.Get(no)}
		form.Check(targets[cm.Target], col, "", "ImportErrBadTarget", "Header", h)
		form.Check(cm.DateFormat == "" || slices.Contains(importer.DateFormats, cm.DateFormat), df, "", "ImportErrBadDateFormat", "Header", h)
		form.Check(utf8.RuneCountInString(cm.Yes) <= importer.MaxYesNoChars, yes, "", "ImportErrWordsTooLong", "Header", h, "Max", importer.MaxYesNoChars)
		form.Check(utf8.RuneCountInString(cm.No) <= importer.MaxYesNoChars, no, "", "ImportErrWordsTooLong", "Header", h, "Max", importer.MaxYesNoChars)
		m.Columns = append(m.Columns, cm)
	}
	o := importer.Options{
		Match: form.Get("match"), Mode: form.Get("mode"), NumberField: form.Get("number_field"), BirthField: form.Get("birth_field"),
		CreateGroups: form.Get("create_groups") != "", ClearMarker: form.Get("clear_marker"),
	}
	form.Check(slices.Contains([]string{importer.MatchEmail, importer.MatchNumber, importer.MatchNameBirth}, o.Match), "match", importMappingLabels["match"], "ImportErrChoose")
	form.Check(slices.Contains([]string{importer.ModeCreate, importer.ModeUpdate, importer.ModeUpsert}, o.Mode), "mode", importMappingLabels["mode"], "ImportErrChoose")
	form.Check(unique[o.NumberField], "number_field", importMappingLabels["number_field"], "ImportErrChoose")
	form.Check(dates[o.BirthField], "birth_field", importMappingLabels["birth_field"], "ImportErrChoose")
	form.MaxChars("clear_marker", importMappingLabels["clear_marker"], 50)
	return m, o
}

// importMappingSubmit is the mapping form's POST: action "refresh"
// shows the form again for the targets chosen (their transforms),
// "save" keeps the mapping under a name, anything else runs the dry run
// and goes to its page.
func (a *App) importMappingSubmit(w http.ResponseWriter, r *http.Request) {
	u, ok := a.importUploadFromPath(w, r)
	if !ok {
		return
	}
	if !a.parseForm(w, r) {
		return
	}
	ctx, actor := r.Context(), actorFrom(r)
	p, status, ok := a.importMappingBase(w, r, u, r.PostForm.Get("sheet"))
	if !ok {
		return
	}
	form := newForm(r.PostForm)
	form.Set("sheet", p.Sheet)
	for k, e := range p.Form.Errors { // a sheet that does not exist
		form.Add(k, e.LabelID, e.MsgID, "Sheet", r.PostForm.Get("sheet"))
	}
	p.Form = form
	m, o := importMappingFrom(form, p.Preview.Spec.Header, p.Fields)
	if !form.Valid() {
		a.renderImportMapping(w, r, http.StatusUnprocessableEntity, p)
		return
	}
	switch r.PostForm.Get("action") {
	case "refresh":
		a.renderImportMapping(w, r, status, p)
		return
	case "save":
		name := form.Get("save_as")
		err := a.importer().SaveMapping(ctx, actor, name, m, o)
		if e, ok := importer.AsError(err); ok {
			form.Add("save_as", importMappingLabels["save_as"], e.Msg.ID)
			a.renderImportMapping(w, r, importStatus(e), p)
			return
		}
		if err != nil {
			a.errorResponse(w, r, err)
			return
		}
		a.flashSuccess(r, "ImportMappingSaved", "Name", name)
		http.Redirect(w, r, "/admin/import/uploads/"+u.ID+"?"+url.Values{"sheet": {p.Sheet}, "mapping": {name}}.Encode(), http.StatusSeeOther)
		return
	}
	b, err := a.importer().DryRun(ctx, actor, u.File(p.Sheet), m, o)
	if e, ok := importer.AsError(err); ok {
		form.Add(importMappingErrField(e.Msg.ID), importMappingLabels[importMappingErrField(e.Msg.ID)], e.Msg.ID, importMsgPairs(e.Msg)...)
		a.renderImportMapping(w, r, importStatus(e), p)
		return
	}
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	http.Redirect(w, r, importBatchPath(b.ID)+"?upload="+u.ID, http.StatusSeeOther)
}

// importMappingErrField is the form field a dry run's refusal belongs to.
func importMappingErrField(id string) string {
	switch id {
	case importer.MsgMatchUnmapped, importer.MsgNoNumberField, importer.MsgNoBirthField:
		return "match"
	case importer.MsgTargetTwice, importer.MsgNameUnmapped, importer.MsgUnknownTarget, importer.MsgBadOption:
		return "columns"
	}
	return "file"
}

// importMsgPairs turns a message's data into key/value pairs for Form.Add.
func importMsgPairs(m importer.Msg) []any {
	kv := make([]any, 0, 2*len(m.Data))
	for k, v := range m.Data {
		kv = append(kv, k, v)
	}
	return kv
}

// importMappingDelete removes a saved mapping and goes back.
func (a *App) importMappingDelete(w http.ResponseWriter, r *http.Request) {
	if !a.parseForm(w, r) {
		return
	}
	name := r.PostForm.Get("name")
	if err := a.importer().DeleteMapping(r.Context(), actorFrom(r), name); err != nil {
		a.errorResponse(w, r, err)
		return
	}
	a.flashSuccess(r, "ImportMappingDeleted", "Name", name)
	back := safeReturnTo(r.PostForm.Get("return_to"))
	if back == "/" {
		back = "/admin/import"
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

// renderImportMapping fills in the columns as the form has them now.
func (a *App) renderImportMapping(w http.ResponseWriter, r *http.Request, status int, p importMappingPage) {
	pv := p.Preview
	for i, h := range pv.Spec.Header {
		c := importMapColumn{Index: i, Header: h, Target: p.Form.Get(importColName(importColField, i))}
		for _, row := range pv.Sample {
			if i < len(row) && row[i] != "" && len(c.Samples) < 3 {
				c.Samples = append(c.Samples, row[i])
			}
		}
		switch {
		case c.Target == "join_date" || c.Target == "exit_date":
			c.IsDate = true
		default:
			if cf, ok := p.Targets[c.Target]; ok {
				c.IsDate = cf.ValueType == membership.CustomFieldDate
				c.IsBool = cf.ValueType == membership.CustomFieldBoolean
				for _, o := range cf.Options {
					c.Options = append(c.Options, o.Label)
				}
			}
		}
		p.Columns = append(p.Columns, c)
	}
	a.render(w, r, status, pageView(importMappingView, p))
}

// importDateID is the message id of a date format.
func importDateID(d string) string {
	switch d {
	case importer.DateDMY:
		return "ImportDateFormat_dmy"
	case importer.DateISO:
		return "ImportDateFormat_iso"
	case importer.DateMDY:
		return "ImportDateFormat_mdy"
	case importer.DateSerial:
		return "ImportDateFormat_excel"
	}
	return "ImportDateFormat_auto"
}

// importFieldOptions are the custom fields to match by: the unique ones
// (number) or the date ones (birth date), after "chosen by itself".
func importFieldOptions(f *frame, p importMappingPage, unique bool) []option {
	opts := []option{{Value: "", Label: f.T("ImportFieldAuto")}}
	for _, cf := range p.Fields {
		if (unique && cf.Unique) || (!unique && cf.ValueType == membership.CustomFieldDate) {
			opts = append(opts, option{Value: cf.Slug, Label: cf.Name})
		}
	}
	return opts
}

// importSpec describes how the file was read: format, encoding, separator.
func (f *frame) importSpec(s importer.Spec) string {
	if s.Format == importer.FormatXLSX {
		return f.T("ImportSpecXLSX", "Sheet", s.Sheet, "Columns", f.Num(len(s.Header)))
	}
	sep := s.Separator
	switch sep {
	case "\t":
		sep = f.T("ImportSepTab")
	case ";":
		sep = f.T("ImportSepSemicolon")
	case ",":
		sep = f.T("ImportSepComma")
	}
	enc := "UTF-8"
	if s.Encoding == importer.EncodingWindows1252 {
		enc = "Windows-1252"
	}
	return f.T("ImportSpecCSV", "Encoding", enc, "Separator", sep, "Columns", f.Num(len(s.Header)))
}
