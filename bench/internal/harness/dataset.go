package harness

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// DemoGenerator changes whenever `mila demo` generates different data, so
// that a kept data set is not mistaken for the current one.
const DemoGenerator = "3"

// DataSet is a loaded demo data set, remembered in a marker file (JSON)
// so that a later run with the same parameters reuses it.
type DataSet struct {
	Target    string    `json:"target"` // data directory, or DATABASE_URL's host:port/database
	Members   int       `json:"members"`
	Groups    int       `json:"groups"`
	Seed      uint64    `json:"seed"`
	Generator string    `json:"generator"`
	LoadedAt  time.Time `json:"loaded_at"`
	Seconds   float64   `json:"seconds"` // `mila demo` wall time, process start to exit
	Output    string    `json:"output"`  // its summary line
	Reused    bool      `json:"-"`
}

// DataSetOptions say which data set is wanted and where.
type DataSetOptions struct {
	Bin     string        // the mila binary
	Env     []string      // its environment: the database to load
	DB      *pgxpool.Pool // the same database, to count what is there
	Marker  string        // the marker file
	Target  string        // names the database (DataSet.Target)
	Members int
	Groups  int
	Seed    uint64
	Reload  bool // load even if the marker says the data set is there
	// AtLeast accepts more members and groups than asked for: a load run
	// adds some and they do no harm to the next one. Otherwise the counts
	// must be exact.
	AtLeast bool
}

// EnsureDataSet loads the data set with `mila demo --force` unless the
// marker and the database say it is already there.
func EnsureDataSet(ctx context.Context, opt DataSetOptions) (DataSet, error) {
	dir := filepath.Dir(opt.Marker)
	want := DataSet{Target: markerTarget(dir, opt.Target), Members: opt.Members, Groups: opt.Groups, Seed: opt.Seed, Generator: DemoGenerator}
	if !opt.Reload {
		var have DataSet
		if b, err := os.ReadFile(opt.Marker); err == nil && json.Unmarshal(b, &have) == nil &&
			markerTarget(dir, have.Target) == want.Target && have.Members == want.Members && have.Groups == want.Groups &&
			have.Seed == want.Seed && have.Generator == want.Generator {
			var members, groups int
			err := opt.DB.QueryRow(ctx, `SELECT (SELECT count(*) FROM members), (SELECT count(*) FROM groups)`).Scan(&members, &groups)
			enough := members == opt.Members && groups >= opt.Groups
			if opt.AtLeast {
				enough = members >= opt.Members && groups >= opt.Groups
			}
			if err == nil && enough {
				Logf("data set already loaded (%d members, %d groups, seed %d): reused", members, groups, opt.Seed)
				have.Reused = true
				return have, nil
			}
		}
	}
	_ = os.Remove(opt.Marker)
	Logf("loading: mila demo --members %d --groups %d --seed %d --force", opt.Members, opt.Groups, opt.Seed)
	began := time.Now()
	cmd := exec.CommandContext(ctx, opt.Bin, "demo", "--members", strconv.Itoa(opt.Members), "--groups", strconv.Itoa(opt.Groups),
		"--seed", strconv.FormatUint(opt.Seed, 10), "--force", "--log-level", "warn")
	cmd.Env = opt.Env
	out, err := cmd.CombinedOutput()
	if err != nil {
		return want, fmt.Errorf("mila demo: %v\n%s", err, out)
	}
	want.Seconds = time.Since(began).Seconds()
	want.LoadedAt = time.Now().UTC()
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	want.Output = strings.Join(lines[max(0, len(lines)-2):], "; ")
	Logf("%s (%.1f s wall)", want.Output, want.Seconds)
	b, _ := json.MarshalIndent(want, "", "  ")
	return want, os.WriteFile(opt.Marker, b, 0o644)
}

// markerTarget is a data directory inside the marker's directory dir as a
// path relative to dir, so that a copied output directory (data and
// marker together) is recognised; other targets stay as they are.
func markerTarget(dir, target string) string {
	if !filepath.IsAbs(target) {
		return target
	}
	absDir, err := filepath.Abs(dir)
	if err != nil {
		return target
	}
	rel, err := filepath.Rel(absDir, target)
	if err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
		return target
	}
	return rel
}
