package audit_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"mila/internal/audit"
	"mila/internal/membership"
	"mila/internal/pg"
	"mila/internal/testpg"
)

func TestMain(m *testing.M) { testpg.Main(m) }

var ctxb = context.Background()

func as(label string) context.Context {
	return pg.WithActor(ctxb, pg.Actor{Label: label})
}

func exec(t *testing.T, db *pgxpool.Pool, ctx context.Context, sql string, args ...any) {
	t.Helper()
	if _, err := pg.Exec(ctx, db, sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

type row struct {
	ID       int64
	Actor    string
	Entity   string
	Action   string
	Count    int
	Members  []string
	Changes  []map[string]any
	Redacted bool
}

func entries(t *testing.T, db *pgxpool.Pool) []row {
	t.Helper()
	rs, err := db.Query(ctxb, `SELECT id, actor, entity, action, row_count, member_ids::text[], changes, redacted FROM audit_log ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	out, err := pgx.CollectRows(rs, func(r pgx.CollectableRow) (row, error) {
		var e row
		var raw []byte
		err := r.Scan(&e.ID, &e.Actor, &e.Entity, &e.Action, &e.Count, &e.Members, &raw, &e.Redacted)
		if err == nil {
			err = json.Unmarshal(raw, &e.Changes)
		}
		return e, err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func intact(t *testing.T, db *pgxpool.Pool) audit.Report {
	t.Helper()
	rep, err := audit.Verify(ctxb, db)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Broken != nil {
		t.Fatalf("chain broken at %d: %s", rep.Broken.ID, rep.Broken.Reason)
	}
	return rep
}

// Every table is either audited or on the documented exclusion list, and
// the list of audited tables is what the database has triggers on.
func TestEveryTableClassified(t *testing.T) {
	db := testpg.New(t)
	var tables, attached []string
	rs, _ := db.Query(ctxb, `SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1`)
	tables, err := pgx.CollectRows(rs, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	rs, _ = db.Query(ctxb, `SELECT table_name FROM audit_tables ORDER BY 1`)
	attached, err = pgx.CollectRows(rs, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	for _, tb := range tables {
		audited := slices.Contains(audit.Audited, tb)
		_, excluded := audit.Excluded[tb]
		switch {
		case audited && excluded:
			t.Errorf("table %s is both audited and excluded", tb)
		case !audited && !excluded:
			t.Errorf("table %s is neither audited nor excluded: attach the audit trigger in its migration (SELECT audit_attach('%s')) and add it to audit.Audited, or add it to audit.Excluded with a reason", tb, tb)
		}
	}
	want := slices.Clone(audit.Audited)
	slices.Sort(want)
	if !slices.Equal(want, attached) {
		t.Errorf("tables with the audit triggers %v, audit.Audited %v", attached, want)
	}
}

func TestRecordsChangesWithActor(t *testing.T) {
	db := testpg.New(t)
	ctx := as("anna@example.org")
	var mid string
	if err := pg.InTx(ctx, db, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `INSERT INTO members (first_name, last_name, email, notes) VALUES ('Anna', 'Berg', 'anna@example.org', 'IBAN DE89 3704 0044 0532 0130 00') RETURNING id`).Scan(&mid)
	}); err != nil {
		t.Fatal(err)
	}
	exec(t, db, ctx, `UPDATE members SET city = 'Kiel' WHERE id = $1`, mid)
	exec(t, db, ctx, `UPDATE members SET city = 'Kiel' WHERE id = $1`, mid) // no change: no entry
	// Without an actor the change is kept, as "unknown".
	if _, err := db.Exec(ctxb, `UPDATE members SET phone = '040 1234' WHERE id = $1`, mid); err != nil {
		t.Fatal(err)
	}
	var role string
	if err := db.QueryRow(ctxb, `SELECT id FROM roles WHERE system_key = 'member'`).Scan(&role); err != nil {
		t.Fatal(err)
	}
	exec(t, db, as("CLI"), `INSERT INTO users (email, password_hash, role_id, member_id) VALUES ('anna@example.org', 'argon2id$secret-hash', $1, $2)`, role, mid)
	exec(t, db, as("CLI"), `UPDATE users SET password_hash = 'argon2id$other-hash' WHERE member_id = $1`, mid)

	es := entries(t, db)
	// A new member gets its first period in the club (migration 00017's
	// trigger), which is an entry of its own.
	if len(es) != 6 {
		t.Fatalf("got %d entries, want 6: %+v", len(es), es)
	}
	ins, period, upd, unk, uins, uupd := es[0], es[1], es[2], es[3], es[4], es[5]
	if period.Entity != "member_periods" || period.Action != "insert" || !slices.Equal(period.Members, []string{mid}) {
		t.Errorf("first period entry %+v", period)
	}
	if ins.Actor != "anna@example.org" || ins.Entity != "members" || ins.Action != "insert" || ins.Count != 1 || !slices.Equal(ins.Members, []string{mid}) {
		t.Errorf("insert entry %+v", ins)
	}
	notes := fmt.Sprint(ins.Changes[0]["new"].(map[string]any)["notes"])
	if strings.Contains(notes, "3704") || !strings.Contains(notes, "DE** **** 00") {
		t.Errorf("IBAN not masked: %q", notes)
	}
	if _, ok := ins.Changes[0]["new"].(map[string]any)["search_vector"]; ok {
		t.Error("derived column search_vector recorded")
	}
	old := upd.Changes[0]["old"].(map[string]any)
	nw := upd.Changes[0]["new"].(map[string]any)
	if upd.Action != "update" || len(nw) != 1 || nw["city"] != "Kiel" || old["city"] != "" {
		t.Errorf("update entry: old %v new %v", old, nw)
	}
	if unk.Actor != "unknown" {
		t.Errorf("change without actor recorded as %q", unk.Actor)
	}
	all := fmt.Sprint(uins.Changes, uupd.Changes)
	if strings.Contains(all, "secret-hash") || strings.Contains(all, "other-hash") {
		t.Errorf("password hash in the audit trail: %s", all)
	}
	if uupd.Changes[0]["new"].(map[string]any)["password_hash"] != "***" || !slices.Equal(uins.Members, []string{mid}) {
		t.Errorf("password change entry %+v", uupd)
	}
	intact(t, db)
}

// A bulk statement is one entry with the count and every member.
func TestBulkIsOneEntry(t *testing.T) {
	db := testpg.New(t)
	ctx := as("bulk")
	exec(t, db, ctx, `INSERT INTO members (first_name, last_name) SELECT 'M' || i, 'Bulk' FROM generate_series(1, 250) i`)
	exec(t, db, ctx, `INSERT INTO groups (name, slug) VALUES ('Jugend', 'jugend')`)
	exec(t, db, ctx, `INSERT INTO member_groups (member_id, group_id) SELECT m.id, g.id FROM members m, groups g`)
	mirrored := count(t, db, `SELECT count(*) FROM group_memberships WHERE valid_from = current_date AND valid_until IS NULL`)
	exec(t, db, ctx, `DELETE FROM member_groups`)
	// groups.member_count is derived: its updates leave no entry. The
	// members' first periods are one entry too. The dated memberships that
	// mirror member_groups (migration 00017) are written by its triggers
	// and leave no entry of their own (migration 00029): the member_groups
	// entry says the same.
	want := []string{"members insert 250/250", "member_periods insert 250/250", "groups insert 1/0",
		"member_groups insert 250/250", "member_groups delete 250/250"}
	if got := kinds(entries(t, db)); !slices.Equal(got, want) {
		t.Errorf("entries %v, want %v", got, want)
	}
	// The mirror is complete all the same: opened for every member, and
	// deleted again (a membership undone the day it began).
	if mirrored != 250 {
		t.Errorf("%d dated memberships opened by the bulk add, want 250", mirrored)
	}
	if n := count(t, db, `SELECT count(*) FROM group_memberships`); n != 0 {
		t.Errorf("%d dated memberships left after the removal, want 0", n)
	}
	intact(t, db)
}

// Ending memberships (the group page's bulk end) is one group_memberships
// entry; the current memberships it removes are its mirror. A re-add and
// a bulk removal are one member_groups entry each, and their mirror rows
// are right. A cascade is still recorded, also later in the transaction
// of a bulk add (the mirror flag does not outlive the sync trigger).
func TestBulkEndIsOneEntry(t *testing.T) {
	db := testpg.New(t)
	ctx := as("bulk")
	admin := benchAdmin
	exec(t, db, ctx, `INSERT INTO members (first_name, last_name) SELECT 'M' || i, 'End' FROM generate_series(1, 300) i`)
	exec(t, db, ctx, `INSERT INTO groups (name, slug) VALUES ('Jugend', 'jugend'), ('Chor', 'chor')`)
	var group, chor string
	if err := db.QueryRow(ctxb, `SELECT (SELECT id::text FROM groups WHERE slug = 'jugend'), (SELECT id::text FROM groups WHERE slug = 'chor')`).Scan(&group, &chor); err != nil {
		t.Fatal(err)
	}
	rs, _ := db.Query(ctxb, `SELECT id::text FROM members ORDER BY id LIMIT 250`)
	ids, err := pgx.CollectRows(rs, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	gs := membership.NewGroups(db)
	if _, err := gs.AddMembersToGroup(ctx, admin, group, ids); err != nil {
		t.Fatal(err)
	}
	// dated back, so that ending keeps them as history (one entry)
	exec(t, db, ctx, `UPDATE group_memberships SET valid_from = current_date - 30`)
	from := lastID(t, db)
	n, err := membership.NewHistory(db).EndMemberships(ctx, admin, group, ids, membership.Today())
	if err != nil || n != 250 {
		t.Fatalf("ended %d, %v", n, err)
	}
	if got, want := kinds(entriesAfter(t, db, from)), []string{"group_memberships update 250/250"}; !slices.Equal(got, want) {
		t.Errorf("bulk end: entries %v, want %v", got, want)
	}
	if n := count(t, db, `SELECT count(*) FROM member_groups`); n != 0 {
		t.Errorf("%d current memberships after the end, want 0", n)
	}
	if n := count(t, db, `SELECT count(*) FROM group_memberships WHERE valid_until = current_date`); n != 250 {
		t.Errorf("%d memberships end today, want 250", n)
	}
	if err := membership.CheckGroupConsistency(ctxb, db); err != nil {
		t.Error(err)
	}

	// Added again the day they were ended: the memberships go on.
	from = lastID(t, db)
	if _, err := gs.AddMembersToGroup(ctx, admin, group, ids); err != nil {
		t.Fatal(err)
	}
	if n := count(t, db, `SELECT count(*) FROM group_memberships WHERE valid_until IS NULL AND valid_from = current_date - 30`); n != 250 {
		t.Errorf("%d memberships go on after the re-add, want 250", n)
	}
	if _, err := gs.RemoveMembersFromGroup(ctx, admin, group, ids); err != nil {
		t.Fatal(err)
	}
	if got, want := kinds(entriesAfter(t, db, from)), []string{"member_groups insert 250/250", "member_groups delete 250/250"}; !slices.Equal(got, want) {
		t.Errorf("re-add and removal: entries %v, want %v", got, want)
	}
	if n := count(t, db, `SELECT count(*) FROM group_memberships WHERE valid_until = current_date`); n != 250 {
		t.Errorf("%d memberships end today after the removal, want 250", n)
	}
	if err := membership.CheckGroupConsistency(ctxb, db); err != nil {
		t.Error(err)
	}

	// In one transaction: a bulk add, then a member deleted — its
	// memberships go by cascade, and the cascade is in the trail.
	from = lastID(t, db)
	err = pg.InTx(ctx, db, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO member_groups (member_id, group_id) SELECT id, $1 FROM members`, chor); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM members WHERE id = $1`, ids[0])
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	got := kinds(entriesAfter(t, db, from))
	for _, want := range []string{"member_groups insert 300/300", "members delete 1/1", "member_groups delete 1/1", "group_memberships delete 2/1"} {
		if !slices.Contains(got, want) {
			t.Errorf("entries %v lack %q", got, want)
		}
	}
	if slices.Contains(got, "group_memberships insert 300/300") {
		t.Errorf("entries %v: the bulk add's mirror recorded", got)
	}
	intact(t, db)
}

func kinds(es []row) []string {
	var out []string
	for _, e := range es {
		out = append(out, fmt.Sprintf("%s %s %d/%d", e.Entity, e.Action, e.Count, len(e.Members)))
	}
	return out
}

func entriesAfter(t *testing.T, db *pgxpool.Pool, id int64) []row {
	t.Helper()
	var out []row
	for _, e := range entries(t, db) {
		if e.ID > id {
			out = append(out, e)
		}
	}
	return out
}

func lastID(t *testing.T, db *pgxpool.Pool) int64 {
	t.Helper()
	return int64(count(t, db, `SELECT coalesce(max(id), 0) FROM audit_log`))
}

func count(t *testing.T, db *pgxpool.Pool, sql string) int {
	t.Helper()
	var n int
	if err := db.QueryRow(ctxb, sql).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

func TestAppendOnly(t *testing.T) {
	db := testpg.New(t)
	exec(t, db, as("x"), `INSERT INTO groups (name, slug) VALUES ('A', 'a')`)
	intact(t, db) // the row is linked: audit_chain and audit_head hold it
	for _, sql := range []string{
		`UPDATE audit_log SET actor = 'someone else'`,
		`DELETE FROM audit_log`,
		`TRUNCATE audit_log`,
		`INSERT INTO audit_log (at, actor, entity, action, row_count, changes) VALUES (now(), 'x', 'x', 'insert', 1, '[]')`,
		`UPDATE audit_head SET last_id = 0`,
		`DELETE FROM audit_head`,
		`UPDATE audit_chain SET hash = prev_hash`,
		`DELETE FROM audit_chain`,
		`TRUNCATE audit_chain`,
		`INSERT INTO audit_chain (seq, id, content_hash, prev_hash, hash) SELECT seq + 1, id, content_hash, prev_hash, hash FROM audit_chain`,
	} {
		_, err := db.Exec(ctxb, sql)
		if !pg.Is(err, pg.CodeInsufficientPrivilege, "") {
			t.Errorf("%s: got %v, want refused", sql, err)
		}
	}
	// Not even with the redaction flag, unless the row is marked redacted
	// and nothing but its changes differ.
	_, err := db.Exec(ctxb, `SELECT set_config('mila.audit_redact', 'on', false); UPDATE audit_log SET actor = 'someone else', redacted = true`)
	if !pg.Is(err, pg.CodeInsufficientPrivilege, "") {
		t.Errorf("redaction flag let a changed actor through: %v", err)
	}
	if n := len(entries(t, db)); n != 1 {
		t.Errorf("%d entries, want 1", n)
	}
	intact(t, db)
}

// tamper runs sql as the superuser with the triggers off — what someone
// with direct access to the database could do.
func tamper(t *testing.T, db *pgxpool.Pool, sql string) {
	t.Helper()
	c, err := db.Acquire(ctxb)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Release()
	if _, err := c.Exec(ctxb, `SET session_replication_role = replica`); err != nil {
		t.Fatal(err)
	}
	_, err = c.Exec(ctxb, sql)
	if _, rerr := c.Exec(ctxb, `SET session_replication_role = origin`); rerr != nil {
		t.Fatal(rerr)
	}
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func TestVerifyDetectsTampering(t *testing.T) {
	cases := []struct {
		name, sql string
		at        int64 // the row Verify must name (0: the head)
	}{
		{"update", `UPDATE audit_log SET actor = 'nobody' WHERE id = 3`, 3},
		{"update changes", `UPDATE audit_log SET changes = '[]' WHERE id = 2`, 2},
		{"update link", `UPDATE audit_chain SET content_hash = sha256('x') WHERE id = 3`, 3},
		{"delete", `DELETE FROM audit_log WHERE id = 3`, 3},
		{"delete with link", `DELETE FROM audit_chain WHERE id = 3; DELETE FROM audit_log WHERE id = 3`, 4},
		{"delete last", `DELETE FROM audit_chain WHERE id = 5; DELETE FROM audit_log WHERE id = 5`, 5},
		// A row put in with the transaction id of a row already linked
		// (the chainer links a transaction's rows at once).
		{"insert", `INSERT INTO audit_log (id, xid, at, actor, actor_user_id, entity, action, row_count, entity_id, member_ids, changes, redacted)
			SELECT 100, xid, at, actor, actor_user_id, entity, action, row_count, entity_id, member_ids, changes, redacted FROM audit_log WHERE id = 5`, 100},
		{"insert between", `INSERT INTO audit_log (id, xid, at, actor, actor_user_id, entity, action, row_count, entity_id, member_ids, changes, redacted)
			SELECT 0, xid, at, actor, actor_user_id, entity, action, row_count, entity_id, member_ids, changes, redacted FROM audit_log WHERE id = 1`, 0},
		{"insert link", `INSERT INTO audit_log (id, xid, at, actor, actor_user_id, entity, action, row_count, entity_id, member_ids, changes, redacted)
			SELECT 100, xid, at, 'forger', actor_user_id, entity, action, row_count, entity_id, member_ids, changes, redacted FROM audit_log WHERE id = 2;
			INSERT INTO audit_chain SELECT 100, 100, content_hash, prev_hash, hash FROM audit_chain WHERE id = 2`, 100},
		{"redact flag", `UPDATE audit_log SET redacted = true, actor = 'x' WHERE id = 2`, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			db := testpg.New(t)
			for i := range 5 {
				exec(t, db, as("writer"), `INSERT INTO groups (name, slug) VALUES ($1, $1)`, fmt.Sprintf("g%d", i))
			}
			before := intact(t, db)
			if before.Rows != 5 || before.LastID != 5 || before.Pending != 0 {
				t.Fatalf("report %+v", before)
			}
			tamper(t, db, c.sql)
			rep, err := audit.Verify(ctxb, db)
			if err != nil {
				t.Fatal(err)
			}
			if c.name == "redact flag" {
				// Marking a row redacted hides a content change from the
				// content check, but the row is then visibly redacted.
				if rep.Broken != nil || rep.Redacted != 1 {
					t.Fatalf("report %+v", rep)
				}
				return
			}
			if rep.Broken == nil {
				t.Fatalf("tampering (%s) not detected: %+v", c.sql, rep)
			}
			if rep.Broken.ID != c.at {
				t.Errorf("broken at %d (%s), want %d", rep.Broken.ID, rep.Broken.Reason, c.at)
			}
		})
	}
}

// Concurrent writers, with chainers linking while they write, never
// break the chain.
func TestConcurrentWritersKeepChain(t *testing.T) {
	db := testpg.New(t)
	const writers, each = 8, 15
	var wg sync.WaitGroup
	errs := make(chan error, writers+2)
	done := make(chan struct{})
	var chainers sync.WaitGroup
	for range 2 {
		chainers.Add(1)
		go func() {
			defer chainers.Done()
			for {
				if _, err := audit.Chain(ctxb, db); err != nil {
					errs <- err
					return
				}
				select {
				case <-done:
					return
				case <-time.After(5 * time.Millisecond):
				}
			}
		}()
	}
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := as(fmt.Sprintf("writer %d", w))
			for i := range each {
				err := pg.InTx(ctx, db, func(tx pgx.Tx) error {
					var id string
					if err := tx.QueryRow(ctx, `INSERT INTO members (first_name, last_name) VALUES ($1, 'W') RETURNING id`, fmt.Sprintf("w%d-%d", w, i)).Scan(&id); err != nil {
						return err
					}
					_, err := tx.Exec(ctx, `UPDATE members SET city = 'X' WHERE id = $1`, id)
					return err
				})
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(done)
	chainers.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	rep := intact(t, db)
	// Per transaction: the member, its first period, the update.
	if rep.Rows != writers*each*3 {
		t.Errorf("%d rows, want %d", rep.Rows, writers*each*3)
	}
}

// Repeatable-read writers keep the chain too (they share nothing now; a
// serialization failure would be retried).
func TestRepeatableReadWritersKeepChain(t *testing.T) {
	db := testpg.New(t)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 10 {
				for {
					tx, err := pg.BeginTx(as("rr"), db, pgx.TxOptions{IsoLevel: pgx.RepeatableRead})
					if err != nil {
						t.Error(err)
						return
					}
					_, err = tx.Exec(ctxb, `INSERT INTO groups (name, slug) VALUES ($1, $1)`, fmt.Sprintf("g%d-%d", w, i))
					if err == nil {
						err = tx.Commit(ctxb)
					}
					_ = tx.Rollback(ctxb)
					if err == nil {
						break
					}
					if !pg.IsRetryable(err) {
						t.Error(err)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	if rep := intact(t, db); rep.Rows != 40 {
		t.Errorf("%d rows, want 40", rep.Rows)
	}
}

// A transaction holding audited writes open does not block another
// audited write (the old design locked the chain's head until commit; a
// lock wait now fails at once on lock_timeout). The row of the later
// transaction waits for the chain until the earlier one has ended, and
// then follows it in the chain.
func TestOpenTransactionDoesNotBlock(t *testing.T) {
	db := testpg.New(t)
	exec(t, db, as("before"), `INSERT INTO groups (name, slug) VALUES ('first', 'first')`)
	long, err := pg.Begin(as("import"), db)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = long.Rollback(ctxb) }()
	if _, err := long.Exec(ctxb, `INSERT INTO members (first_name, last_name) SELECT 'L' || i, 'Long' FROM generate_series(1, 50) i`); err != nil {
		t.Fatal(err)
	}
	ctx := as("other")
	err = pg.InTx(ctx, db, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SET LOCAL lock_timeout = '2s'`); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO groups (name, slug) VALUES ('second', 'second')`)
		return err
	})
	if err != nil {
		t.Fatalf("audited write while another transaction holds audited writes open: %v", err)
	}
	// The second transaction committed, but the first is still open: the
	// chain stops before it.
	rep := intact(t, db)
	if rep.Rows != 1 || rep.Pending != 1 {
		t.Errorf("while open: %d chained, %d pending, want 1 and 1", rep.Rows, rep.Pending)
	}
	if err := long.Commit(ctxb); err != nil {
		t.Fatal(err)
	}
	rep = intact(t, db)
	if rep.Rows != 4 || rep.Pending != 0 {
		t.Errorf("after commit: %d chained, %d pending, want 4 and 0", rep.Rows, rep.Pending)
	}
	// Chain order: the long transaction (older) before the second one.
	rs, err := db.Query(ctxb, `SELECT a.actor FROM audit_chain c JOIN audit_log a ON a.id = c.id ORDER BY c.seq`)
	if err != nil {
		t.Fatal(err)
	}
	order, err := pgx.CollectRows(rs, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"before", "import", "import", "other"}; !slices.Equal(order, want) {
		t.Errorf("chain order %v, want %v", order, want)
	}
}

// A rolled-back transaction leaves no row and no gap in the chain.
func TestRollbackLeavesChainIntact(t *testing.T) {
	db := testpg.New(t)
	exec(t, db, as("a"), `INSERT INTO groups (name, slug) VALUES ('a', 'a')`)
	tx, err := pg.Begin(as("b"), db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctxb, `INSERT INTO groups (name, slug) VALUES ('b', 'b')`); err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(ctxb); err != nil {
		t.Fatal(err)
	}
	exec(t, db, as("c"), `INSERT INTO groups (name, slug) VALUES ('c', 'c')`)
	if rep := intact(t, db); rep.Rows != 2 || rep.Pending != 0 {
		t.Errorf("report %+v", rep)
	}
}

// Redaction (erasure) reduces a member's entries and keeps the chain.
func TestRedactKeepsChain(t *testing.T) {
	db := testpg.New(t)
	ctx := as("admin")
	exec(t, db, ctx, `INSERT INTO members (first_name, last_name, email) VALUES ('Erika', 'Muster', 'erika@example.org'), ('Max', 'Other', NULL)`)
	var mid string
	if err := db.QueryRow(ctxb, `SELECT id FROM members WHERE first_name = 'Erika'`).Scan(&mid); err != nil {
		t.Fatal(err)
	}
	exec(t, db, ctx, `UPDATE members SET city = 'Musterstadt' WHERE id = $1`, mid)
	exec(t, db, ctx, `SELECT audit_redact_member($1)`, mid)
	es := entries(t, db)
	all := fmt.Sprint(es)
	if strings.Contains(all, "Erika") || strings.Contains(all, "Musterstadt") || strings.Contains(all, "erika@") {
		t.Errorf("erased member's data left in the audit trail: %s", all)
	}
	if !strings.Contains(all, "Max") {
		t.Errorf("the other member's data was removed too: %s", all)
	}
	rep := intact(t, db)
	// Erika's insert, her first period's insert, her update.
	if rep.Redacted != 3 {
		t.Errorf("%d redacted, want 3", rep.Redacted)
	}
}
