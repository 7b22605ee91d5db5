package main

import (
	"errors"
	"fmt"
	"time"

	"mila/internal/demo"
)

func init() {
	register(command{name: "demo", summary: "fill the database with realistic demo members (and groups)", run: runDemo})
}

const demoHelp = "Fills the database with deterministic, realistic demo data for development and\n" +
	"benchmarks: members with German and international names, addresses, join and\n" +
	"exit dates (about 10% former members), five custom data fields with values and,\n" +
	"with --groups, groups of very different sizes (about 2.5 memberships per member).\n" +
	"The same --seed always gives the same data. A database that already has members\n" +
	"is refused unless --force, which DELETES all members (and with --groups all\n" +
	"groups) first. Users stay; links from users to members are removed.\n" +
	"It also works while `mila serve` runs on the same data directory (it uses that\n" +
	"server's PostgreSQL)."

func runDemo(args []string) error {
	fs := newFlagSet("demo", "demo --members N [--groups G] [--seed S] [--force] [flags]", demoHelp)
	logOpts := addLogFlags(fs)
	dbOpts := addDBFlags(fs)
	dbOpts.shareRunning = true
	members := fs.Int("members", 0, "how many members to create (required)")
	groups := fs.Int("groups", 0, "how many groups to create (0: none)")
	seed := fs.Uint64("seed", 1, "random seed: the same seed gives the same data")
	force := fs.Bool("force", false, "delete existing members (and groups, with --groups) first")
	noMigrate := fs.Bool("no-migrate", false, "do not apply database migrations first")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	if *members <= 0 || *members > 10_000_000 {
		return usagef("say how many members to create, between 1 and 10000000: `mila demo --members 1000`")
	}
	if *groups < 0 || *groups > 100_000 {
		return usagef("--groups must be between 0 and 100000")
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
	res, err := demo.Load(ctx, db.pool, demo.Options{
		Members: *members, Groups: *groups, Seed: *seed, Force: *force,
	})
	if errors.Is(err, demo.ErrNotEmpty) {
		return usagef("%v", demo.ErrNotEmpty)
	}
	if err != nil {
		return err
	}
	fmt.Printf("loaded %d members (%d former), %d custom values, %d groups, %d memberships in %s\n",
		res.Members, res.Former, res.CustomValues, res.Groups, res.Memberships, res.Duration.Round(time.Millisecond))
	fmt.Printf("history: %d re-joins, %d ended memberships, %d memberships with a role\n",
		res.Rejoins, res.EndedMemberships, res.Roles)
	return nil
}
