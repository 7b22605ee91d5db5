package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"mila/internal/authz"
	"mila/internal/importer"
	"mila/internal/web"
)

func init() {
	register(command{name: "import", summary: "bring members in from a CSV or XLSX file (dry run, then commit)", run: runImport})
}

// cliActor is who imports from the command line: an admin that is no
// user. Whoever can run `mila` on the server holds the database anyway;
// the history shows the import as made by "command line".
var cliActor = authz.Actor{UserID: "command-line", Email: "command line", Set: authz.Admin}

const importHelp = "Reads FILE (CSV in UTF-8 or Windows-1252, separator , ; or tab; or XLSX) and\n" +
	"checks every row as the member form would: a dry run, printed as a summary of new,\n" +
	"updated, unchanged and error rows. Without --dry-run the new and changed rows are\n" +
	"then imported in one transaction, recorded as an import batch.\n" +
	"Without --mapping, the columns are mapped by their headings (English or German)\n" +
	"and the mapping used is printed. Rows with errors make the command fail and import\n" +
	"nothing, unless --commit-valid-rows. An empty cell never changes a stored value.\n" +
	"With --undo BATCH it undoes an import instead (the batch id is printed after a\n" +
	"commit and listed by --history): the members it created are removed and the\n" +
	"values it changed restored, refused once any of its members changed since.\n" +
	"With the managed PostgreSQL it uses the server of a running `mila serve`."

func runImport(args []string) error {
	fs := newFlagSet("import", "import FILE [--mapping NAME] [--match email|number|name-birth] [--mode create|update|upsert] [--dry-run] [flags]\n"+
		"       mila import --undo BATCH | --history", importHelp)
	logOpts := addLogFlags(fs)
	dbOpts := addDBFlags(fs)
	dbOpts.shareRunning = true
	mappingName := fs.String("mapping", "", "use the saved mapping with this name (else the suggested one)")
	saveAs := fs.String("save-mapping", "", "save the mapping and options used under this name")
	match := fs.String("match", "", "how rows find existing members: email, number or name-birth (default: the saved mapping's, else email)")
	mode := fs.String("mode", "", "create, update or upsert (default: the saved mapping's, else upsert)")
	numberField := fs.String("number-field", "", "slug of the unique custom field for --match number (default: the only unique one)")
	birthField := fs.String("birth-field", "", "slug of the birth date custom field for --match name-birth")
	sheet := fs.String("sheet", "", "XLSX: the sheet to read (default: the first)")
	createGroups := fs.Bool("create-groups", false, "create groups the file names that do not exist (else those rows are errors)")
	clearMarker := fs.String("clear-marker", "", "a cell with exactly this text clears the stored value (off by default)")
	dryRun := fs.Bool("dry-run", false, "only check and print the summary; change nothing")
	validOnly := fs.Bool("commit-valid-rows", false, "import the valid rows even if some rows have errors")
	lang := fs.String("lang", "en", "language of the messages: en or de")
	noMigrate := fs.Bool("no-migrate", false, "do not apply database migrations first")
	undo := fs.String("undo", "", "undo the import batch with this id (see --history) instead of importing")
	history := fs.Bool("history", false, "list the past imports (batch id, when, who, file, counts, state) instead of importing")
	// The file may stand before or after the flags.
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *undo != "" || *history {
		if err := noArgs(fs); err != nil {
			return usagef("--undo and --history take no file")
		}
		if *undo != "" && *history {
			return usagef("use --undo or --history, not both")
		}
		return runImportBatches(dbOpts, logOpts, *noMigrate, *undo, *lang)
	}
	if fs.NArg() == 0 {
		return usagef("say which file to import: `mila import members.csv --dry-run`")
	}
	path := fs.Arg(0)
	if err := parseFlags(fs, fs.Args()[1:]); err != nil {
		return err
	}
	if *undo != "" || *history {
		return usagef("--undo and --history take no file")
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	if *lang != "en" && *lang != "de" {
		return usagef("--lang must be en or de")
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })

	f, err := os.Open(path)
	if err != nil {
		return usagef("cannot open %s: %v", path, errors.Unwrap(err))
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	file := importer.File{Name: filepath.Base(path), Size: st.Size(), Data: f, Sheet: *sheet}

	log, err := logOpts.logger()
	if err != nil {
		return err
	}
	ctx, db, done, err := openForCommand(dbOpts, log, !*noMigrate)
	if err != nil {
		return err
	}
	defer done()
	im := importer.Importer{DB: db.pool}
	texts, err := importer.NewTexts(web.Locales())
	if err != nil {
		return err
	}
	text := func(m importer.Msg) string { return texts.Text(m, *lang) }
	explain := func(err error) error {
		if e, ok := importer.AsError(err); ok {
			return errors.New(text(e.Msg))
		}
		return err
	}

	var mapping importer.Mapping
	var opts importer.Options
	if *mappingName != "" {
		saved, err := im.MappingNamed(ctx, cliActor, *mappingName)
		if err != nil {
			return explain(err)
		}
		mapping, opts = saved.Mapping, saved.Options
	} else {
		pv, err := im.Inspect(ctx, cliActor, file)
		if err != nil {
			return explain(err)
		}
		mapping, opts = pv.Mapping, pv.Options
		printMapping(os.Stdout, mapping)
	}
	override := func(name string, dst *string, v string) {
		if set[name] {
			*dst = v
		}
	}
	override("match", &opts.Match, *match)
	override("mode", &opts.Mode, *mode)
	override("number-field", &opts.NumberField, *numberField)
	override("birth-field", &opts.BirthField, *birthField)
	override("clear-marker", &opts.ClearMarker, *clearMarker)
	if set["create-groups"] {
		opts.CreateGroups = *createGroups
	}

	start := time.Now()
	b, err := im.DryRun(ctx, cliActor, file, mapping, opts)
	if err != nil {
		return explain(err)
	}
	if err := printDryRun(ctx, os.Stdout, im, b, text, time.Since(start)); err != nil {
		return err
	}
	if *saveAs != "" {
		if err := im.SaveMapping(ctx, cliActor, *saveAs, mapping, b.Spec.Options); err != nil {
			return explain(err)
		}
		fmt.Printf("mapping saved as %q\n", *saveAs)
	}
	if b.Errors > 0 && !*validOnly {
		return fmt.Errorf("%d of %d rows have errors: fix them and run again, or add --commit-valid-rows", b.Errors, b.Total)
	}
	if *dryRun {
		fmt.Println("dry run: nothing was changed")
		return nil
	}
	if b.New+b.Updated == 0 {
		fmt.Println("nothing to import: no row is new or changed")
		return nil
	}
	if err := im.Commit(ctx, cliActor, b.ID, *validOnly); err != nil {
		return explain(err)
	}
	// Run it here; should a `mila serve` on the same database have
	// taken it first, wait for that one.
	w := importer.Worker{DB: db.pool, Log: log}
	if _, err := w.RunNext(ctx, b.ID); err != nil {
		return err
	}
	for {
		if b, err = im.Batch(ctx, cliActor, b.ID); err != nil {
			return err
		}
		if b.Finished() {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
	if b.State != importer.StateDone {
		return fmt.Errorf("import %s: %s", b.State, text(b.Failure))
	}
	fmt.Printf("imported: %d new, %d updated members (import batch %s)\n", b.New, b.Updated, b.ID)
	return nil
}

func printMapping(w io.Writer, m importer.Mapping) {
	fmt.Fprintln(w, "mapping (suggested from the headings; save your own with --save-mapping):")
	for _, c := range m.Columns {
		target := c.Target
		if target == importer.TargetIgnore {
			target = "(ignored)"
		}
		fmt.Fprintf(w, "  %-30s → %s\n", c.Header, target)
	}
}

// printDryRun prints the summary, every error row (up to 100) and the
// changes of updated rows (up to 20).
func printDryRun(ctx context.Context, w io.Writer, im importer.Importer, b importer.Batch, text func(importer.Msg) string, took time.Duration) error {
	read := b.Spec.Format
	if b.Spec.Encoding != "" {
		sep := b.Spec.Separator
		if sep == "\t" {
			sep = "tab"
		}
		read += fmt.Sprintf(", %s, separator %q", b.Spec.Encoding, sep)
	}
	fmt.Fprintf(w, "dry run of %s (%s; match by %s, mode %s) in %s:\n", b.FileName, read, b.Spec.Options.Match, b.Spec.Options.Mode, took.Round(time.Millisecond))
	fmt.Fprintf(w, "  %d rows: %d new, %d updated, %d unchanged, %d with errors\n", b.Total, b.New, b.Updated, b.Unchanged, b.Errors)
	for _, sec := range []struct {
		status string
		limit  int
	}{{importer.StatusError, 100}, {importer.StatusUpdate, 20}} {
		page, err := im.Rows(ctx, cliActor, b.ID, importer.RowQuery{Status: sec.status, PerPage: sec.limit})
		if err != nil {
			return err
		}
		for _, r := range page.Rows {
			var parts []string
			for _, e := range r.Errors {
				parts = append(parts, strings.TrimPrefix(e.Column+": ", ": ")+text(e.Msg))
			}
			for _, c := range r.Changes {
				parts = append(parts, fmt.Sprintf("%s %q → %q", c.Field, c.Old, c.New))
			}
			fmt.Fprintf(w, "  line %d (%s): %s\n", r.Line, r.Status, strings.Join(parts, "; "))
		}
		if page.Total > len(page.Rows) {
			fmt.Fprintf(w, "  … and %d more %s rows\n", page.Total-len(page.Rows), sec.status)
		}
	}
	return nil
}

// runImportBatches is `mila import --undo BATCH` and `--history`.
func runImportBatches(dbOpts *dbOptions, logOpts *logOptions, noMigrate bool, undo, lang string) error {
	if lang != "en" && lang != "de" {
		return usagef("--lang must be en or de")
	}
	log, err := logOpts.logger()
	if err != nil {
		return err
	}
	ctx, db, done, err := openForCommand(dbOpts, log, !noMigrate)
	if err != nil {
		return err
	}
	defer done()
	im := importer.Importer{DB: db.pool}
	texts, err := importer.NewTexts(web.Locales())
	if err != nil {
		return err
	}
	explain := func(err error) error {
		if e, ok := importer.AsError(err); ok {
			return errors.New(texts.Text(e.Msg, lang))
		}
		return err
	}
	if undo == "" {
		return printHistory(ctx, os.Stdout, im)
	}
	b, err := im.Batch(ctx, cliActor, undo)
	if err != nil {
		return explain(err)
	}
	if err := im.Undo(ctx, cliActor, b.ID); err != nil {
		return explain(err)
	}
	fmt.Printf("undone: import batch %s (%s): %d created members removed, %d updated members restored\n", b.ID, b.FileName, b.New, b.Updated)
	return nil
}

// printHistory lists the past imports, newest first.
func printHistory(ctx context.Context, w io.Writer, im importer.Importer) error {
	for offset := 0; ; offset += 500 {
		list, total, err := im.Batches(ctx, cliActor, 500, offset)
		if err != nil {
			return err
		}
		if total == 0 {
			fmt.Fprintln(w, "no imports yet")
			return nil
		}
		for _, b := range list {
			fmt.Fprintf(w, "%s  %s  %-12s  %s  %s: %d new, %d updated, %d unchanged, %d with errors\n", b.ID,
				b.CreatedAt.Local().Format("2006-01-02 15:04"), b.State, b.ActorName, b.FileName, b.New, b.Updated, b.Unchanged, b.Errors)
		}
		if offset+len(list) >= total || len(list) == 0 {
			return nil
		}
	}
}
