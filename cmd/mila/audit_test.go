package main

import (
	"context"
	"strings"
	"testing"

	"mila/internal/testpg"
)

// The CLI's changes are recorded as "CLI", and `mila audit verify`
// passes on an intact chain and fails, naming the row, on a changed one.
func TestAuditVerifyCommand(t *testing.T) {
	ctx := context.Background()
	pool := testpg.New(t)
	t.Setenv("DATABASE_URL", testpg.ConnString(t, pool))
	t.Setenv("MILA_ADMIN_PASSWORD", "a long password")
	if err := runAdmin([]string{"create", "--name", "Chief Admin", "--email", "chief@example.org", "--log-level", "error"}); err != nil {
		t.Fatal(err)
	}
	var actor string
	if err := pool.QueryRow(ctx, `SELECT actor FROM audit_log WHERE entity = 'users' ORDER BY id LIMIT 1`).Scan(&actor); err != nil {
		t.Fatal(err)
	}
	if actor != "CLI" {
		t.Errorf("admin create recorded as %q, want CLI", actor)
	}
	if err := runAudit([]string{"verify", "--log-level", "error"}); err != nil {
		t.Fatalf("intact chain: %v", err)
	}
	c, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Exec(ctx, `SET session_replication_role = replica; UPDATE audit_log SET actor = 'someone' WHERE id = (SELECT min(id) FROM audit_log); SET session_replication_role = origin`); err != nil {
		t.Fatal(err)
	}
	c.Release()
	err = runAudit([]string{"verify", "--log-level", "error"})
	if err == nil || exitCode(err) != exitFailure || !strings.Contains(err.Error(), "broken at row 1") {
		t.Errorf("changed row: %v (exit %d)", err, exitCode(err))
	}
	if err := runAudit(nil); exitCode(err) != exitUsage {
		t.Errorf("no subcommand: %v", err)
	}
}
