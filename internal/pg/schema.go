package pg

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
)

// DumpSchema returns the normalised schema of database db (see
// NormaliseDump), dumped with the cluster's own pg_dump so the output does not
// depend on which client version happens to be on PATH.
func (c *Cluster) DumpSchema(ctx context.Context, db string) (string, error) {
	return DumpSchema(ctx, c.bin.Path("pg_dump"), c.ConnString(db))
}

// DumpSchema runs pgDump --schema-only against connString and normalises it.
func DumpSchema(ctx context.Context, pgDump, connString string) (string, error) {
	cmd := exec.CommandContext(ctx, pgDump, "--schema-only", "--no-owner", "--no-privileges", "--dbname="+connString)
	cmd.Env = childEnv()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("pg_dump: %v: %s", err, strings.TrimSpace(stderr.String()))
	}
	return NormaliseDump(string(out)), nil
}

// NormaliseDump removes what varies between runs and versions of pg_dump
// but says nothing about the schema: comments, SET lines, the
// search_path reset, the random \restrict key of newer pg_dump versions, and
// runs of blank lines.
func NormaliseDump(dump string) string {
	var b strings.Builder
	blank := true // also drops leading blank lines
	for _, line := range strings.Split(dump, "\n") {
		line = strings.TrimRight(line, " \t\r")
		switch {
		case strings.HasPrefix(line, "--"),
			strings.HasPrefix(line, "SET "),
			strings.HasPrefix(line, "SELECT pg_catalog.set_config("),
			strings.HasPrefix(line, `\restrict`),
			strings.HasPrefix(line, `\unrestrict`):
			continue
		case line == "":
			if blank {
				continue
			}
			blank = true
		default:
			blank = false
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	return strings.TrimRight(b.String(), "\n") + "\n"
}
