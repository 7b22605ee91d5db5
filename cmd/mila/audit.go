package main

import (
	"encoding/hex"
	"fmt"

	"mila/internal/audit"
)

func init() {
	register(command{name: "audit", summary: "check the audit trail's hash chain (audit verify)", run: runAudit})
}

const auditHelp = "Links the rows of finished transactions into the hash chain (as `mila serve`\n" +
	"does every few seconds), then walks the chain in order and checks every row's\n" +
	"hash and its link to the row before it. Rows of transactions still open are\n" +
	"counted as not chained yet. Prints the number of rows and the last hash (note\n" +
	"it down: a later run that shows a different hash for the same row means the\n" +
	"chain was rewritten), or the first broken link and exits with 1. Rows reduced by an\n" +
	"erasure are counted as redacted; their links are still checked."

func runAudit(args []string) error {
	if len(args) == 0 || args[0] != "verify" {
		fs := newFlagSet("audit", "audit verify [flags]", auditHelp)
		if len(args) > 0 && len(args[0]) > 0 && args[0][0] == '-' {
			return parseFlags(fs, args)
		}
		return usagef("say what to do: `mila audit verify`")
	}
	fs := newFlagSet("audit verify", "audit verify [flags]", auditHelp)
	logOpts := addLogFlags(fs)
	dbOpts := addDBFlags(fs)
	dbOpts.shareRunning = true
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
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
	rep, err := audit.Verify(ctx, db.pool)
	if err != nil {
		return err
	}
	if rep.Broken != nil {
		return fmt.Errorf("audit trail broken at row %d: %s (%d rows read)", rep.Broken.ID, rep.Broken.Reason, rep.Rows)
	}
	fmt.Printf("audit trail intact: %d rows (%d redacted by erasures), last row %d, last hash %s; %d rows not chained yet (their transactions are still open)\n",
		rep.Rows, rep.Redacted, rep.LastID, hex.EncodeToString(rep.LastHash), rep.Pending)
	return nil
}
