package reliability

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"mila/internal/authz"
	"mila/internal/importer"
	"mila/internal/membership"
	"mila/internal/testpg"
	"mila/internal/webtest"
)

// TestKillDuringImport kills `mila serve` with SIGKILL while its import
// worker is in the middle of a commit — the first chunk of members
// written, progress reported, the second chunk under way — and checks
// that nothing of the import is in the database and that the restarted
// Mila shows the batch as rolled back.
//
// To kill during the commit rather than near it, the test holds an
// uncommitted member with the membership number of a row in the second
// chunk: the import's INSERT of the custom values waits for that
// transaction (the unique index must know whether it commits), provably
// in flight when Mila dies. (Not the email: members may share one.)
func TestKillDuringImport(t *testing.T) {
	ctx := context.Background()
	db := testpg.New(t)
	const n = 12_000
	var csv bytes.Buffer
	csv.WriteString("Vorname;Nachname;E-Mail;Mitgliedsnummer\n")
	for i := range n {
		fmt.Fprintf(&csv, "Vor%d;Nach%d;m%d@example.org;%d\n", i, i, i, 10_000+i)
	}
	admin := authz.Actor{UserID: "reliability", Email: "reliability test", Set: authz.Admin}
	yes := true
	number, err := membership.NewCustomFields(db).Create(ctx, admin, membership.CustomFieldInput{Name: "Mitgliedsnummer", ValueType: membership.CustomFieldInteger, Unique: &yes})
	if err != nil {
		t.Fatal(err)
	}
	im := importer.Importer{DB: db}
	f := importer.File{Name: "register.csv", Size: int64(csv.Len()), Data: bytes.NewReader(csv.Bytes())}
	pv, err := im.Inspect(ctx, admin, f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := im.DryRun(ctx, admin, f, pv.Mapping, pv.Options)
	if err != nil || b.New != n {
		t.Fatalf("dry run %+v, %v", b, err)
	}
	before := webtest.Checksum(t, db)

	blocker, err := db.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer blocker.Rollback(ctx) //nolint:errcheck // released below; this is for early failures
	// The blocker's row is audited like any other; since migration 00028
	// its audit entry holds no shared lock, so the import's own queueing
	// (audited too) does not wait for it — only the conflicting insert does.
	if _, err := blocker.Exec(ctx, `WITH m AS (INSERT INTO members (first_name, last_name) VALUES ('Block', 'Er') RETURNING id)
		INSERT INTO custom_field_values (member_id, custom_field_id, value) SELECT id, $1, '18000' FROM m`, number.ID); err != nil {
		t.Fatal(err)
	}

	env := []string{"DATABASE_URL=" + testpg.ConnString(t, db)}
	p := startMila(t, env)
	if err := im.Commit(ctx, admin, b.ID, false); err != nil {
		t.Fatal(err)
	}

	// Wait until the worker's INSERT waits for the blocker, with the
	// first chunk's progress visible.
	var pid int
	deadline := time.Now().Add(90 * time.Second)
	for pid == 0 {
		err := db.QueryRow(ctx, `SELECT pid FROM pg_stat_activity
			WHERE datname = current_database() AND pid <> pg_backend_pid()
			  AND state = 'active' AND wait_event_type = 'Lock' AND query LIKE 'INSERT INTO custom_field_values%'`).Scan(&pid)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("the import's INSERT never waited for the blocker:\n%s", p.logs.String())
		}
		if pid == 0 {
			time.Sleep(10 * time.Millisecond)
		}
	}
	running, err := im.Batch(ctx, admin, b.ID)
	if err != nil || running.State != importer.StateRunning || running.RowsDone != 5000 {
		t.Fatalf("while running: %+v, %v", running, err)
	}

	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if err := p.wait(t, time.Minute); err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("mila serve did not die of SIGKILL: %v", err)
	}
	if err := blocker.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	// The backend carries on until it notices its client is gone.
	deadline = time.Now().Add(60 * time.Second)
	for {
		var alive bool
		if err := db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid = $1)`, pid).Scan(&alive); err != nil {
			t.Fatal(err)
		}
		if !alive {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the killed Mila's backend (pid %d) is still there", pid)
		}
		time.Sleep(10 * time.Millisecond)
	}

	// Nothing imported: the register is as before the commit. Only the
	// import's own bookkeeping (the batch queued, its progress row) and
	// the setup token the start of Mila logs may differ, and the audit
	// trail, which records the batch being queued (and nothing of the
	// rolled-back commit: checked below).
	for _, tbl := range strings.Split(webtest.ChangedTables(before, webtest.Checksum(t, db)), ", ") {
		if tbl != "" && !strings.HasPrefix(tbl, "import_") && tbl != "user_tokens" && !strings.HasPrefix(tbl, "audit_") {
			t.Errorf("after SIGKILL %s changed", tbl)
		}
	}
	var memberEntries int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE entity IN ('members', 'member_groups', 'custom_field_values')`).Scan(&memberEntries); err != nil {
		t.Fatal(err)
	}
	if memberEntries != 0 {
		t.Errorf("after SIGKILL the audit trail holds %d entries of the rolled-back commit", memberEntries)
	}

	// Restarted, Mila marks the batch rolled back.
	p2 := startMila(t, env)
	waitReady(t, p2.URL)
	deadline = time.Now().Add(60 * time.Second)
	for {
		got, err := im.Batch(ctx, admin, b.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.State == importer.StateRolledBack && got.Failure.ID == importer.MsgInterrupted {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the restart the batch is %s:\n%s", got.State, p2.logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	var count int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM members`).Scan(&count); err != nil || count != 0 {
		t.Fatalf("%d members after the rolled-back import, %v", count, err)
	}
	p2.stop(t)
}
