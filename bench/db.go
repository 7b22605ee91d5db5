package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"mila/bench/internal/harness"
	"mila/internal/pg"
)

// benchDB is the database under test: the bench's own managed cluster, or
// the server named by DATABASE_URL.
type benchDB struct {
	url     string
	pool    *pgxpool.Pool // the bench's own connections (parameters, checks)
	cluster *pg.Cluster   // nil with DATABASE_URL
	version string        // server_version
}

func openDB(ctx context.Context, c config) (*benchDB, error) {
	db := &benchDB{url: os.Getenv("DATABASE_URL")}
	if db.url == "" {
		dir := filepath.Join(c.out, "data")
		harness.Logf("starting the managed PostgreSQL in %s", dir)
		cl, err := pg.StartManaged(ctx, dir, harness.QuietLogger())
		if err != nil {
			return nil, fmt.Errorf("start PostgreSQL: %w", err)
		}
		db.cluster = cl
		db.url = cl.ConnString(pg.DatabaseName)
	} else {
		harness.Logf("using DATABASE_URL (its members and groups will be replaced)")
	}
	pool, err := pg.Connect(ctx, db.url, 30*time.Second)
	if err != nil {
		db.close()
		return nil, err
	}
	db.pool = pool
	if err := pool.QueryRow(ctx, `SHOW server_version`).Scan(&db.version); err != nil {
		db.close()
		return nil, err
	}
	return db, nil
}

func (db *benchDB) close() {
	if db.pool != nil {
		db.pool.Close()
	}
	if db.cluster != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := db.cluster.Stop(ctx); err != nil {
			harness.Logf("stopping PostgreSQL: %v", err)
		}
	}
}

// ensureDataSet loads `mila demo` unless the same data set is there, and
// leaves PostgreSQL as a club's server would be when someone opens the
// overview: vacuumed and checkpointed.
func (db *benchDB) ensureDataSet(ctx context.Context, c config) (harness.DataSet, error) {
	env := harness.Env("DATABASE_URL=" + db.url)
	if !c.reload {
		// A data set kept from an older version gets the current schema
		// first, as `mila serve` would give it at start.
		if err := harness.Command(ctx, env, c.bin, "migrate", "up", "--log-level", "warn"); err != nil {
			return harness.DataSet{}, fmt.Errorf("migrate the kept data set: %w", err)
		}
	}
	ds, err := harness.EnsureDataSet(ctx, harness.DataSetOptions{
		Bin: c.bin, Env: env, DB: db.pool, Marker: filepath.Join(c.out, "dataset.json"), Target: db.target(),
		Members: c.members, Groups: c.groups, Seed: c.seed, Reload: c.reload,
	})
	if err != nil {
		return ds, err
	}
	if ds.Reused {
		// An earlier run's bulk rounds rewrote 10,000 member rows
		// several times; in a live club autovacuum tidies that up
		// long before the next visit. Do its job now, so every run
		// measures the same state as a fresh load (which ends in
		// VACUUM ANALYZE too).
		if _, err := db.pool.Exec(ctx, `VACUUM (ANALYZE) members, member_groups, member_group_keys, groups, custom_field_values, search_words`); err != nil {
			return ds, fmt.Errorf("vacuum the reused data set: %w", err)
		}
	}
	db.checkpoint(ctx)
	return ds, nil
}

func (db *benchDB) target() string {
	if db.cluster != nil {
		return db.cluster.DataDir()
	}
	cfg := db.pool.Config().ConnConfig
	return fmt.Sprintf("%s:%d/%s", cfg.Host, cfg.Port, cfg.Database)
}

// checkpoint writes what the load (or the vacuum) left in PostgreSQL's
// buffers to disk now. Otherwise the checkpointer spreads those hundreds
// of megabytes over the first minutes of the measurement, which a club's
// server has long done before anyone opens the overview. (On a clean
// clone, /members right after the load measured 375 req/s, 450–570 in
// later runs; with the checkpoint 518 and 571 right after loading.)
// Needs superuser
// (the bench's own cluster); on an external database without it the
// measurement just runs.
func (db *benchDB) checkpoint(ctx context.Context) {
	if _, err := db.pool.Exec(ctx, `CHECKPOINT`); err != nil {
		harness.Logf("CHECKPOINT skipped: %v", err)
	}
}

// benchParams are the values the pages are asked with, taken from the data.
type benchParams struct {
	Largest, Small     groupRef // the largest group, and a small one
	Mid                groupRef // a mid-sized group, searched for by name
	MemberID           string
	CommonSurname      string
	Misspelled         string
	Transposed         string
	Prefix             string
	Members, Groups    int
	Memberships        int
	ActiveMembers      int
	GroupSizes         string // a summary of the group size distribution
	CustomValues       int
	MembersWithCustom  int
	FormerMembers      int
	DatabaseSize       string
	MembersWithNoGroup int
	// SavedList is the overview address of the bench's saved list with
	// twelve chosen columns (savedListView; "" before it is saved).
	SavedList string
}

type groupRef struct {
	Name, Slug string
	Count      int
}

func (db *benchDB) params(ctx context.Context) (benchParams, error) {
	var p benchParams
	q := func(sql string, dst ...any) error {
		if err := db.pool.QueryRow(ctx, sql).Scan(dst...); err != nil {
			return fmt.Errorf("%s: %w", sql, err)
		}
		return nil
	}
	// The bench's own bulk group (if a run was interrupted) is left out.
	const demoGroups = `groups WHERE slug NOT LIKE 'bench-bulk%'`
	steps := []func() error{
		func() error {
			return q(`SELECT name, slug, member_count FROM `+demoGroups+` ORDER BY member_count DESC, slug LIMIT 1`,
				&p.Largest.Name, &p.Largest.Slug, &p.Largest.Count)
		},
		func() error {
			return q(`SELECT name, slug, member_count FROM `+demoGroups+` ORDER BY member_count, slug LIMIT 1`,
				&p.Small.Name, &p.Small.Slug, &p.Small.Count)
		},
		func() error {
			return q(`SELECT name, slug, member_count FROM `+demoGroups+` ORDER BY member_count DESC, slug OFFSET 9 LIMIT 1`,
				&p.Mid.Name, &p.Mid.Slug, &p.Mid.Count)
		},
		// A member in the middle of the list, with groups and values (or
		// the last such member: in smaller data sets fewer than half the
		// members are in three groups or more).
		func() error {
			return q(`SELECT member_id FROM member_group_keys WHERE group_count >= 3 ORDER BY sort_name, member_id
				OFFSET least((SELECT count(*) / 2 FROM members), (SELECT count(*) - 1 FROM member_group_keys WHERE group_count >= 3)) LIMIT 1`, &p.MemberID)
		},
		func() error {
			// Müller, Germany's most common surname, if the data has it.
			return q(`SELECT last_name FROM members GROUP BY last_name
				ORDER BY last_name = 'Müller' DESC, count(*) DESC, last_name LIMIT 1`, &p.CommonSurname)
		},
		func() error {
			return q(`SELECT (SELECT count(*) FROM members), (SELECT count(*) FROM groups), (SELECT count(*) FROM member_groups),
				(SELECT count(*) FROM members WHERE exit_date IS NULL OR exit_date > current_date),
				(SELECT count(*) FROM members WHERE exit_date <= current_date),
				(SELECT count(*) FROM member_group_keys WHERE group_count = 0),
				(SELECT count(*) FROM custom_field_values),
				(SELECT count(DISTINCT member_id) FROM custom_field_values),
				pg_size_pretty(pg_database_size(current_database()))`,
				&p.Members, &p.Groups, &p.Memberships, &p.ActiveMembers, &p.FormerMembers, &p.MembersWithNoGroup,
				&p.CustomValues, &p.MembersWithCustom, &p.DatabaseSize)
		},
		func() error {
			return q(`SELECT string_agg(format('%s: %s', b, n), ', ' ORDER BY lo) FROM (
				SELECT CASE WHEN member_count >= 10000 THEN '≥10,000' WHEN member_count >= 1000 THEN '1,000–9,999'
				            WHEN member_count >= 100 THEN '100–999' ELSE '<100' END AS b,
				       count(*) AS n, min(member_count) AS lo
				  FROM `+demoGroups+` GROUP BY 1) s`, &p.GroupSizes)
		},
	}
	for _, s := range steps {
		if err := s(); err != nil {
			return p, err
		}
	}
	// A typo of the common surname: a letter left out in the middle
	// ("Müller" → "Müler"), which only the trigram similarity finds.
	r := []rune(p.CommonSurname)
	if len(r) >= 4 {
		r = append(r[:len(r)/2:len(r)/2], r[len(r)/2+1:]...)
	}
	p.Misspelled = string(r)
	// Two neighbouring letters swapped ("Müller" → "Mülelr"), which shares
	// too few trigrams with the name: the edit-distance lookup finds it.
	r = []rune(p.CommonSurname)
	if len(r) >= 4 {
		i := len(r) - 3
		r[i], r[i+1] = r[i+1], r[i]
	}
	p.Transposed = string(r)
	p.Prefix = "sch"
	if p.Largest.Slug == "" || p.MemberID == "" {
		return p, errors.New("the data set has no groups or members")
	}
	return p, nil
}
