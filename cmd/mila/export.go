package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"mila/internal/membership"
	"mila/internal/web"
)

func init() {
	register(command{name: "export", summary: "write a member list to a CSV, XLSX or PDF file", run: runExport})
}

const exportHelp = "Writes a member list as the web's export does: every member the list holds,\n" +
	"with every column (CSV and XLSX) or the printed columns (PDF). --list exports a\n" +
	"shared saved list (its view, live); --group a group's page (its current and\n" +
	"former members); without either the member overview with --status, --q and\n" +
	"--sort. --lang sets the headings, CSV separator and\n" +
	"date format (de: ';' and dd.mm.yyyy for German Excel; en: ',' and ISO dates).\n" +
	"Without --out the file is written to the current directory under the name the\n" +
	"web gives it (e.g. mitglieder-jugend-u14-2026-12-03.xlsx); --out - writes to\n" +
	"standard output. A failed export leaves no file behind.\n" +
	"With the managed PostgreSQL it uses the server of a running `mila serve`."

func runExport(args []string) error {
	fs := newFlagSet("export", "export --format csv|xlsx|pdf [--list NAME | --group SLUG] [--out FILE] [flags]", exportHelp)
	logOpts := addLogFlags(fs)
	dbOpts := addDBFlags(fs)
	dbOpts.shareRunning = true
	format := fs.String("format", "", "csv, xlsx or pdf (required)")
	group := fs.String("group", "", "export this group's members (its slug, as in /groups/SLUG)")
	list := fs.String("list", "", "export the shared saved list with this name (any case)")
	status := fs.String("status", "active", "overview: active, former or all members")
	search := fs.String("q", "", "overview: only members matching this search")
	sortBy := fs.String("sort", "", "overview: name, email, city, join_date, groups, group_count or cf_<field>")
	cols := fs.String("cols", "", "the columns, comma-separated keys (e.g. last_name,first_name,phone); default as the web")
	out := fs.String("out", "", "the file to write (- for standard output; default: the web's file name, here)")
	lang := fs.String("lang", "en", "language of headings, dates and separators: en or de")
	noMigrate := fs.Bool("no-migrate", false, "do not apply database migrations first")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	write, ok := web.ExportWriter(*format)
	if !ok {
		return usagef("--format must be csv, xlsx or pdf")
	}
	if *lang != "en" && *lang != "de" {
		return usagef("--lang must be en or de")
	}
	switch membership.MemberStatus(*status) {
	case membership.MemberStatusActive, membership.MemberStatusFormer, membership.MemberStatusAll:
	default:
		return usagef("--status must be active, former or all")
	}
	if *group != "" && (*search != "" || *sortBy != "" || *status != "active") {
		return usagef("--group exports the group's page: --q, --sort and --status do not apply")
	}
	if *list != "" && (*group != "" || *search != "" || *sortBy != "" || *status != "active") {
		return usagef("--list exports the saved list's view: --group, --q, --sort and --status do not apply")
	}
	var want []string
	for _, c := range strings.Split(*cols, ",") {
		if c = strings.TrimSpace(c); c != "" {
			want = append(want, c)
		}
	}
	if len(want) == 0 && *format == "pdf" {
		want = web.PDFDefaultColumns()
	}

	log, err := logOpts.logger()
	if err != nil {
		return err
	}
	ctx, db, done, err := openForCommand(dbOpts, log, !*noMigrate)
	if err != nil {
		return err
	}
	defer done()
	members := membership.NewMembers(db.pool)
	var e *membership.MemberExport
	if *list != "" {
		l, err := membership.NewSavedLists(db.pool).Named(ctx, cliActor, *list)
		if errors.Is(err, membership.ErrNotFound) {
			return usagef("there is no shared list %q (see the Lists page)", *list)
		}
		if errors.Is(err, membership.ErrAmbiguous) {
			return usagef("%v: rename one of them", err)
		}
		if err != nil {
			return err
		}
		e, err = members.Export(ctx, cliActor, l.Query, want)
		if err != nil {
			return err
		}
	} else if *group != "" {
		e, err = members.ExportGroup(ctx, cliActor, *group, want)
		if errors.Is(err, membership.ErrNotFound) {
			return usagef("there is no group %q (see the slugs in the web's group addresses)", *group)
		}
	} else {
		e, err = members.Export(ctx, cliActor, membership.MemberQuery{Q: *search, Status: membership.MemberStatus(*status), Sort: *sortBy}, want)
	}
	if err != nil {
		return err
	}
	if *list == "" && *sortBy != "" && e.Query.Sort != *sortBy {
		return usagef("--sort %q is not a column the list can be sorted by", *sortBy)
	}
	table, base, err := web.MemberExportTable(*lang, e, time.Now())
	if err != nil {
		return err
	}
	rows := func(fn func([]any) error) error { return e.Each(ctx, fn) }
	if *out == "-" {
		return write(os.Stdout, table, rows)
	}
	path := *out
	if path == "" {
		path = base + "." + *format
	}
	if err := writeFileAtomic(path, func(w io.Writer) error { return write(w, table, rows) }); err != nil {
		return err
	}
	fmt.Fprintln(os.Stderr, "written:", path)
	return nil
}

// writeFileAtomic writes path through a temporary file beside it, renamed
// into place only when fill succeeded.
func writeFileAtomic(path string, fill func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := fill(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
