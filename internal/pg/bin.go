package pg

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// ErrNoPostgres is returned (wrapped) when no PostgreSQL server programs can
// be found. Callers map it to a configuration error: the fix is to install
// PostgreSQL or to point Mila at an existing server.
var ErrNoPostgres = errors.New("PostgreSQL programs (initdb, postgres) not found: install them with `apt-get install postgresql postgresql-contrib`, or set DATABASE_URL to use an existing server")

// debianPGRoot is where Debian and Ubuntu install one directory per major
// version, none of which is on PATH by default.
var debianPGRoot = "/usr/lib/postgresql"

// Binaries is a set of PostgreSQL programs of one installation.
type Binaries struct {
	Dir   string // directory holding initdb, postgres, pg_dump
	Major int    // major version, e.g. 15
}

// Path returns the full path of one program of the installation.
func (b Binaries) Path(name string) string { return filepath.Join(b.Dir, name) }

// FindBinaries locates initdb and postgres. want > 0 asks for that major
// version (an existing cluster can only be run by its own major version), in
// which case the Debian per-version directory is preferred over PATH.
func FindBinaries(ctx context.Context, want int) (Binaries, error) {
	var candidates []string
	if want > 0 {
		candidates = append(candidates, filepath.Join(debianPGRoot, strconv.Itoa(want), "bin"))
	}
	// PATH entries are often symlinks into /usr/lib/postgresql/N/bin; resolve
	// so that pg_dump is taken from the same installation, not from a
	// version-switching wrapper.
	if p, err := exec.LookPath("postgres"); err == nil {
		if r, err := filepath.EvalSymlinks(p); err == nil {
			p = r
		}
		candidates = append(candidates, filepath.Dir(p))
	}
	candidates = append(candidates, debianVersionDirs()...)

	var found []Binaries
	for _, dir := range candidates {
		if !isExecutable(filepath.Join(dir, "postgres")) || !isExecutable(filepath.Join(dir, "initdb")) {
			continue
		}
		major, err := serverMajor(ctx, filepath.Join(dir, "postgres"))
		if err != nil {
			continue
		}
		b := Binaries{Dir: dir, Major: major}
		if want <= 0 || major == want {
			return b, nil
		}
		found = append(found, b)
	}
	if len(found) > 0 {
		return found[0], &VersionMismatchError{ClusterMajor: want, Found: found[0]}
	}
	return Binaries{}, ErrNoPostgres
}

// VersionMismatchError reports a cluster made by another major version than
// the installed one. Mila never upgrades a cluster on its own: pg_upgrade is a
// deliberate operator step.
type VersionMismatchError struct {
	DataDir      string
	ClusterMajor int
	Found        Binaries
}

func (e *VersionMismatchError) Error() string {
	where := "the data directory"
	if e.DataDir != "" {
		where = e.DataDir
	}
	return fmt.Sprintf("the database in %s was created by PostgreSQL %d, but only PostgreSQL %d is installed (%s): install PostgreSQL %d (apt-get install postgresql-%d) or upgrade the cluster with pg_upgrade; Mila does not upgrade it by itself",
		where, e.ClusterMajor, e.Found.Major, e.Found.Dir, e.ClusterMajor, e.ClusterMajor)
}

// debianVersionDirs lists /usr/lib/postgresql/*/bin, newest major first.
func debianVersionDirs() []string {
	entries, err := os.ReadDir(debianPGRoot)
	if err != nil {
		return nil
	}
	var majors []int
	for _, e := range entries {
		if n, err := strconv.Atoi(e.Name()); err == nil {
			majors = append(majors, n)
		}
	}
	sort.Sort(sort.Reverse(sort.IntSlice(majors)))
	dirs := make([]string, 0, len(majors))
	for _, n := range majors {
		dirs = append(dirs, filepath.Join(debianPGRoot, strconv.Itoa(n), "bin"))
	}
	return dirs
}

func isExecutable(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode().IsRegular() && st.Mode().Perm()&0o111 != 0
}

var versionRE = regexp.MustCompile(`\(PostgreSQL\)\s+(\d+)`)

// serverMajor runs `postgres --version` ("postgres (PostgreSQL) 15.14 ...").
func serverMajor(ctx context.Context, postgres string) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, postgres, "--version").Output()
	if err != nil {
		return 0, fmt.Errorf("run %s --version: %w", postgres, err)
	}
	m := versionRE.FindSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("unexpected output of %s --version: %q", postgres, out)
	}
	return strconv.Atoi(string(m[1]))
}

// clusterMajor reads PG_VERSION of an initialised cluster (0 if there is none).
func clusterMajor(pgDir string) (int, error) {
	f, err := os.Open(filepath.Join(pgDir, "PG_VERSION"))
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	if !sc.Scan() {
		return 0, fmt.Errorf("%s/PG_VERSION is empty", pgDir)
	}
	n, err := strconv.Atoi(strings.TrimSpace(sc.Text()))
	if err != nil {
		return 0, fmt.Errorf("%s/PG_VERSION: %w", pgDir, err)
	}
	return n, nil
}
