package audit_test

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"mila/internal/audit"
	"mila/internal/authz"
	"mila/internal/membership"
	"mila/internal/pg"
	"mila/internal/testpg"
)

// benchAdmin may do everything (the stores check the permission table).
var benchAdmin = authz.Actor{UserID: "00000000-0000-7000-8000-0000000000be", Email: "bench@example.org", Set: authz.Admin}

// BenchmarkBulkMemberships: the bulk add, removal and end of 10,000
// memberships through the domain stores (the path of the bulk routes),
// with the audit triggers attached and detached (all of them: also those
// of the dated memberships that mirror member_groups), in the same
// database, alternating; and the chainer's run after each round with
// triggers (after commit, not part of the requests). The issue allows
// the triggers 25 % on the add and removal (overhead-%); the end's is
// reported beside it (end-overhead-%).
//
//	go test ./internal/audit -run '^$' -bench BulkMemberships -benchtime 5x
func BenchmarkBulkMemberships(b *testing.B) {
	db := testpg.New(b)
	ctx := pg.WithActor(context.Background(), pg.Actor{UserID: benchAdmin.UserID, Label: benchAdmin.Email})
	const n = 10_000
	if _, err := pg.Exec(ctx, db, `INSERT INTO members (first_name, last_name, city) SELECT 'Vorname' || i, 'Nachname' || i, 'Kiel' FROM generate_series(1, $1) i`, n); err != nil {
		b.Fatal(err)
	}
	var ids []string
	rows, _ := db.Query(ctx, `SELECT id::text FROM members`)
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		b.Fatal(err)
	}
	var group string
	if err := db.QueryRow(ctx, `INSERT INTO groups (name, slug) VALUES ('Bulk', 'bulk') RETURNING id`).Scan(&group); err != nil {
		b.Fatal(err)
	}
	// Every audit trigger (members, groups, member_groups, and the dated
	// group_memberships that mirror member_groups), saved to be created
	// again as they were.
	var defs []string
	rows, _ = db.Query(ctx, `SELECT pg_get_triggerdef(t.oid) FROM pg_trigger t
		WHERE t.tgname IN ('audit_ins', 'audit_upd', 'audit_del', 'audit_trunc') AND NOT t.tgisinternal`)
	defs, err = pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || len(defs) == 0 {
		b.Fatal(err, len(defs))
	}
	setAudit := func(on bool) {
		if on {
			for _, d := range defs {
				if _, err := db.Exec(ctx, d); err != nil {
					b.Fatal(err)
				}
			}
			return
		}
		for _, tb := range audit.Audited {
			if _, err := db.Exec(ctx, `SELECT audit_detach($1::text::regclass)`, tb); err != nil {
				b.Fatal(err)
			}
		}
	}
	gs := memberships(db)
	hs := membership.NewHistory(db)
	// One round: the bulk add and removal, then the bulk end of the same
	// memberships (added again and dated back untimed, so that ending
	// keeps them as history), and the history deleted again (untimed).
	round := func() (add, remove, end time.Duration) {
		t := time.Now()
		if _, err := gs.AddMembersToGroup(ctx, benchAdmin, group, ids); err != nil {
			b.Fatal(err)
		}
		add = time.Since(t)
		t = time.Now()
		if _, err := gs.RemoveMembersFromGroup(ctx, benchAdmin, group, ids); err != nil {
			b.Fatal(err)
		}
		remove = time.Since(t)
		if _, err := gs.AddMembersToGroup(ctx, benchAdmin, group, ids); err != nil {
			b.Fatal(err)
		}
		if _, err := pg.Exec(ctx, db, `UPDATE group_memberships SET valid_from = current_date - 30 WHERE group_id = $1`, group); err != nil {
			b.Fatal(err)
		}
		t = time.Now()
		if k, err := hs.EndMemberships(ctx, benchAdmin, group, ids, membership.Today()); err != nil || k != n {
			b.Fatal(k, err)
		}
		end = time.Since(t)
		if _, err := pg.Exec(ctx, db, `DELETE FROM group_memberships WHERE group_id = $1`, group); err != nil {
			b.Fatal(err)
		}
		return add, remove, end
	}
	round() // warm up
	if _, err := audit.Chain(ctx, db); err != nil {
		b.Fatal(err)
	}
	var on, off [3][]time.Duration
	var chain []time.Duration
	chained := 0
	b.ResetTimer()
	for range b.N {
		setAudit(false)
		a, r, e := round()
		off[0], off[1], off[2] = append(off[0], a), append(off[1], r), append(off[2], e)
		setAudit(true)
		a, r, e = round()
		on[0], on[1], on[2] = append(on[0], a), append(on[1], r), append(on[2], e)
		// The chain is linked after commit, outside the requests: timed
		// on its own (the round's entries: the add, the removal, the
		// re-add, the dating back, the end and the deletion, four of them
		// with 10,000 records).
		t := time.Now()
		k, err := audit.Chain(ctx, db)
		if err != nil {
			b.Fatal(err)
		}
		chain = append(chain, time.Since(t))
		chained += k
	}
	b.StopTimer()
	med := func(d []time.Duration) float64 {
		s := append([]time.Duration(nil), d...)
		sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
		return float64(s[len(s)/2].Microseconds()) / 1000
	}
	b.ReportMetric(med(off[0]), "add-ms-without")
	b.ReportMetric(med(on[0]), "add-ms-with")
	b.ReportMetric(med(off[1]), "remove-ms-without")
	b.ReportMetric(med(on[1]), "remove-ms-with")
	b.ReportMetric(med(off[2]), "end-ms-without")
	b.ReportMetric(med(on[2]), "end-ms-with")
	b.ReportMetric(med(chain), "chain-ms")
	b.ReportMetric(float64(chained)/float64(b.N), "chained-entries")
	b.ReportMetric(100*(med(on[0])+med(on[1])-med(off[0])-med(off[1]))/(med(off[0])+med(off[1])), "overhead-%")
	b.ReportMetric(100*(med(on[2])-med(off[2]))/med(off[2]), "end-overhead-%")
	// Each bulk statement is one entry (migration 00029): the add and the
	// removal one member_groups entry each, the end one group_memberships
	// entry, and the mirror writes none.
	var adds, ends, mirrors int
	err = db.QueryRow(ctx, `SELECT count(*) FILTER (WHERE entity = 'member_groups'),
			count(*) FILTER (WHERE entity = 'group_memberships' AND action = 'update' AND changes -> 0 -> 'new' ? 'valid_until'),
			count(*) FILTER (WHERE entity = 'group_memberships' AND action = 'insert')
		FROM audit_log WHERE row_count = $1`, n).Scan(&adds, &ends, &mirrors)
	if err != nil {
		b.Fatal(err)
	}
	if adds < 3*b.N || ends < b.N || mirrors != 0 {
		b.Fatalf("%d member_groups entries (want at least %d), %d ends (want at least %d), %d mirror entries (want 0)", adds, 3*b.N, ends, b.N, mirrors)
	}
}

// BenchmarkAuditReading: the audit page's default view and a member's
// history over 1,000,000 audit rows (written set-based with the triggers
// off: the chain is not what is measured), p50 and p95 of 200 reads.
//
//	go test ./internal/audit -run '^$' -bench AuditReading -benchtime 1x
func BenchmarkAuditReading(b *testing.B) {
	db := testpg.New(b)
	ctx := context.Background()
	rows, members := benchRows()
	c, err := db.Acquire(ctx)
	if err != nil {
		b.Fatal(err)
	}
	// 100,000 member ids; each row is about one of them, 30 % members, the
	// rest other records; and every 10,000th row is a bulk entry about
	// 1,000 members (its changes hold all 1,000 records). Written set-based
	// with the triggers off and the secondary indexes dropped, which are
	// built again afterwards (much faster than growing them row by row).
	t0 := time.Now()
	_, err = c.Exec(ctx, `SET session_replication_role = replica;
		DROP INDEX audit_log_member_ids, audit_log_entity, audit_log_actor, audit_log_action, audit_log_at, audit_log_xid;
		CREATE TEMP TABLE mids AS SELECT i, uuid_generate_v7() AS id FROM generate_series(1, `+fmt.Sprint(members)+`) i;
		ANALYZE mids;
		INSERT INTO audit_log (id, at, actor, actor_user_id, entity, action, row_count, entity_id, member_ids, changes)
		SELECT s, now() - (`+fmt.Sprint(rows)+` - s) * interval '1 second', 'user' || (s % 7) || '@example.org', NULL,
		       (ARRAY['members','custom_field_values','member_groups','groups','users'])[1 + s % 5],
		       (ARRAY['insert','update','update','delete'])[1 + s % 4], 1, m.id::text, ARRAY[m.id],
		       jsonb_build_array(jsonb_build_object('id', m.id, 'm', m.id, 'old', jsonb_build_object('city', 'Kiel'), 'new', jsonb_build_object('city', 'Lübeck ' || s)))
		  FROM generate_series(1, `+fmt.Sprint(rows)+`) s JOIN mids m ON m.i = 1 + (s::bigint * 7919) % `+fmt.Sprint(members)+`
		 WHERE s % 10000 <> 0;
		INSERT INTO audit_log (id, at, actor, actor_user_id, entity, action, row_count, entity_id, member_ids, changes)
		SELECT s, now() - (`+fmt.Sprint(rows)+` - s) * interval '1 second', 'bulk@example.org', NULL, 'member_groups', 'insert',
		       count(*), NULL, array_agg(m.id),
		       jsonb_agg(jsonb_build_object('id', gen_random_uuid(), 'm', m.id, 'new', jsonb_build_object('member_id', m.id, 'group_id', 'g')))
		  FROM generate_series(10000, `+fmt.Sprint(rows)+`, 10000) s
		  JOIN mids m ON m.i BETWEEN 1 + (s / 10000 * 1000) % `+fmt.Sprint(members)+` AND (s / 10000 * 1000) % `+fmt.Sprint(members)+` + 1000
		 GROUP BY s;
		SELECT setval('audit_log_id_seq', `+fmt.Sprint(rows)+`);
		CREATE INDEX audit_log_member_ids ON audit_log USING gin (member_ids);
		CREATE INDEX audit_log_entity ON audit_log (entity, id);
		CREATE INDEX audit_log_actor ON audit_log (actor, id);
		CREATE INDEX audit_log_action ON audit_log (action, id);
		CREATE INDEX audit_log_at ON audit_log (at);
		CREATE INDEX audit_log_xid ON audit_log (xid, id);
		SET session_replication_role = origin`)
	if err != nil {
		c.Release()
		b.Fatal(err)
	}
	if _, err := c.Exec(ctx, `VACUUM ANALYZE audit_log`); err != nil {
		c.Release()
		b.Fatal(err)
	}
	generate := time.Since(t0)
	var member string
	// A member in one bulk entry besides their own entries.
	if err := c.QueryRow(ctx, `SELECT id::text FROM mids WHERE i = $1`, 1500).Scan(&member); err != nil {
		c.Release()
		b.Fatal(err)
	}
	c.Release()
	rd := audit.Reader{DB: db}
	measure := func(name string, fn func() error) {
		var ds []time.Duration
		for range 200 {
			t := time.Now()
			if err := fn(); err != nil {
				b.Fatal(err)
			}
			ds = append(ds, time.Since(t))
		}
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		b.ReportMetric(float64(ds[100].Microseconds())/1000, name+"-p50-ms")
		b.ReportMetric(float64(ds[189].Microseconds())/1000, name+"-p95-ms")
	}
	b.ResetTimer()
	for range b.N {
		measure("page", func() error {
			p, err := rd.List(ctx, benchAdmin, audit.Filter{})
			if err == nil && len(p.Entries) != audit.PageSize {
				err = fmt.Errorf("%d entries", len(p.Entries))
			}
			return err
		})
		measure("page-entity", func() error { _, err := rd.List(ctx, benchAdmin, audit.Filter{Entity: "groups"}); return err })
		measure("page-actor", func() error { _, err := rd.List(ctx, benchAdmin, audit.Filter{Actor: "user3@example.org"}); return err })
		b.ReportMetric(generate.Seconds(), "generate-s")
		measure("history", func() error {
			p, err := rd.History(ctx, benchAdmin, member, 0)
			if err == nil && len(p.Entries) == 0 {
				err = fmt.Errorf("no history")
			}
			return err
		})
	}
}

func memberships(db *pgxpool.Pool) *membership.Groups { return membership.NewGroups(db) }

// benchRows is the size of BenchmarkAuditReading's trail: 1,000,000 rows
// about 100,000 members, or MILA_AUDIT_BENCH_ROWS rows (a quick check).
func benchRows() (int, int) {
	if n, err := strconv.Atoi(os.Getenv("MILA_AUDIT_BENCH_ROWS")); err == nil && n > 0 {
		return n, max(n/10, 1)
	}
	return 1_000_000, 100_000
}
