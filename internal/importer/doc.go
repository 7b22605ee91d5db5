// Package importer brings a club's register in from a CSV or XLSX file:
// reading (encodings, separators, sheets, limits), column mapping with
// suggestions, a dry run that records every change, the commit as a job
// run inside `mila serve`, undo, and the history of imports.
//
// The flow, as the web pages and `mila import` use it:
//
//	im := importer.Importer{DB: pool}
//	u, pre, _ := im.SaveUpload(ctx, actor, name, data) // the web keeps the file between requests (import_uploads)
//	u, _ = im.UploadByID(ctx, actor, u.ID)             // …and reads it back: u.File(sheet)
//	pre, _ := im.Inspect(ctx, actor, file)             // sheets, header, suggested mapping
//	b, _ := im.DryRun(ctx, actor, file, mapping, opts)  // nothing written to members
//	page, _ := im.Rows(ctx, actor, b.ID, RowQuery{…})   // paged, searchable result
//	_ = im.WriteErrorCSV(ctx, actor, b.ID, w)           // the error rows, to fix and re-upload
//	_ = im.Commit(ctx, actor, b.ID, commitValidRows)    // queues the job
//	b, _ = im.Batch(ctx, actor, b.ID)                   // state and progress while it runs
//	_ = im.Undo(ctx, actor, b.ID)
//
// The dry run is stored (import_rows) rather than kept in memory, so it
// can be paged and searched, survives the browser closing, and is what
// the commit writes — set-based, from that table, in one transaction.
//
// Messages: every problem is a message id with data (Msg), never English
// text. The texts of the ids this package defines are in locales/
// (import.en.json, import.de.json, go-i18n format, exported as Locales so
// the web layer loads them into its bundle). Row errors also carry the
// ids of the member form (internal/validate, internal/membership), whose
// texts live in internal/web/locales only; the command line passes those
// files to NewTexts (web.Locales()), so every text has one copy.
package importer
