package main

import (
	"errors"
	"fmt"
	"os"
	"text/tabwriter"

	"github.com/pressly/goose/v3"

	"mila/internal/pg"
)

func init() {
	register(command{name: "migrate", summary: "apply (up), roll back one (down) or list (status) database migrations", run: runMigrate})
}

func runMigrate(args []string) error {
	fs := newFlagSet("migrate", "migrate [flags] up|down|status",
		"Manages the database schema. up applies all pending migrations (serve does this\n"+
			"at start), down rolls back the most recent one, status lists them all.\n"+
			"With the managed PostgreSQL, Mila must not be running on the same data directory.")
	logOpts := addLogFlags(fs)
	dbOpts := addDBFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usagef("say what to do: `mila migrate up`, `mila migrate down` or `mila migrate status`")
	}
	action := fs.Arg(0)
	// Flags may also follow the action: mila migrate status --data-dir x.
	if err := parseFlags(fs, fs.Args()[1:]); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	if action != "up" && action != "down" && action != "status" {
		return usagef("unknown migrate action %q: use up, down or status", action)
	}
	log, err := logOpts.logger()
	if err != nil {
		return err
	}

	ctx, db, done, err := openForCommand(dbOpts, log, false)
	if err != nil {
		return err
	}
	defer done()
	m, err := pg.NewMigrator(db.pool)
	if err != nil {
		return err
	}
	defer m.Close()

	switch action {
	case "up":
		res, err := m.Up(ctx)
		for _, r := range res {
			if r.Error == nil {
				fmt.Printf("applied %s\n", r.Source.Path)
			}
		}
		if err == nil && len(res) == 0 {
			fmt.Println("database is up to date")
		}
		return err
	case "down":
		res, err := m.Down(ctx)
		if errors.Is(err, goose.ErrNoNextVersion) {
			fmt.Println("no migration to roll back")
			return nil
		}
		if err != nil {
			return err
		}
		fmt.Printf("rolled back %s\n", res.Source.Path)
		return nil
	default:
		st, err := m.Status(ctx)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "STATE\tAPPLIED AT\tMIGRATION")
		for _, s := range st {
			at := "-"
			if !s.AppliedAt.IsZero() {
				at = s.AppliedAt.Local().Format("2006-01-02 15:04:05")
			}
			fmt.Fprintf(w, "%s\t%s\t%s\n", s.State, at, s.Source.Path)
		}
		return w.Flush()
	}
}
