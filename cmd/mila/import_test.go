package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mila/internal/testpg"
)

// TestImportCommand runs `mila import` as an operator would: the dry run
// prints the suggested mapping and summary and changes nothing; errors
// fail the command unless --commit-valid-rows; a commit imports; the same
// file again changes nothing.
func TestImportCommand(t *testing.T) {
	pool := testpg.New(t)
	ctx := context.Background()
	env := []string{"DATABASE_URL=" + testpg.ConnString(t, pool)}
	dir := t.TempDir()
	good := filepath.Join(dir, "mitglieder.csv")
	if err := os.WriteFile(good, []byte("Vorname;Nachname;E-Mail;Eintritt\nAnna;Becker;anna@example.org;01.02.2020\nBernd;Schulz;bernd@example.org;2019-05-03\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "fehler.csv")
	if err := os.WriteFile(bad, []byte("Vorname;Nachname;E-Mail\nClara;Ömer;clara@example.org\nDora;;kaputt\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	members := func() int {
		var n int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM members`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	out, err := milaCmd(t, env, "import", good, "--dry-run").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "Vorname") || !strings.Contains(string(out), "→ first_name") ||
		!strings.Contains(string(out), "2 rows: 2 new, 0 updated, 0 unchanged, 0 with errors") || members() != 0 {
		t.Fatalf("dry run: %v\n%s", err, out)
	}

	out, err = milaCmd(t, env, "import", bad, "--lang", "de").CombinedOutput()
	if procExit(err) != exitFailure || !strings.Contains(string(out), "line 3 (error): ") || !strings.Contains(string(out), "Nachname: Bitte füllen Sie dieses Feld aus.") ||
		!strings.Contains(string(out), "1 of 2 rows have errors") || members() != 0 {
		t.Fatalf("errors: exit %d\n%s", procExit(err), out)
	}

	out, err = milaCmd(t, env, "import", good, "--match", "email", "--mode", "create", "--save-mapping", "Liste").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "imported: 2 new, 0 updated") || members() != 2 {
		t.Fatalf("commit: %v\n%s", err, out)
	}
	out, err = milaCmd(t, env, "import", "--mapping", "liste", good, "--mode", "upsert").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "2 unchanged") || !strings.Contains(string(out), "nothing to import") {
		t.Fatalf("again: %v\n%s", err, out)
	}
	out, err = milaCmd(t, env, "import", bad, "--commit-valid-rows").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "imported: 1 new") || members() != 3 {
		t.Fatalf("valid rows only: %v\n%s", err, out)
	}
	var who string
	if err := pool.QueryRow(ctx, `SELECT string_agg(DISTINCT actor_name, ',') FROM import_batches WHERE state = 'done'`).Scan(&who); err != nil || who != "command line" {
		t.Fatalf("history names %q, %v", who, err)
	}

	out, err = milaCmd(t, env, "import", filepath.Join(dir, "missing.csv")).CombinedOutput()
	if procExit(err) != exitUsage {
		t.Fatalf("missing file: exit %d\n%s", procExit(err), out)
	}
	out, err = milaCmd(t, env, "import", good, "--mode", "sometimes").CombinedOutput()
	if procExit(err) != exitFailure || !strings.Contains(string(out), "is not a valid choice for mode") {
		t.Fatalf("bad mode: exit %d\n%s", procExit(err), out)
	}
}

// TestImportUndoCommand: `mila import --history` lists the batches,
// `--undo BATCH` undoes one (the members it created are gone), and is
// refused with the reason for a batch undone already, one that does not
// exist, or one whose members were changed since.
func TestImportUndoCommand(t *testing.T) {
	pool := testpg.New(t)
	ctx := context.Background()
	env := []string{"DATABASE_URL=" + testpg.ConnString(t, pool)}
	dir := t.TempDir()
	first := filepath.Join(dir, "erste.csv")
	if err := os.WriteFile(first, []byte("Vorname;Nachname;E-Mail\nAnna;Becker;anna@example.org\nBernd;Schulz;bernd@example.org\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	second := filepath.Join(dir, "zweite.csv")
	if err := os.WriteFile(second, []byte("Vorname;Nachname;E-Mail\nClara;Ohm;clara@example.org\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	batchOf := func(out []byte) string {
		i := strings.Index(string(out), "(import batch ")
		if i < 0 {
			t.Fatalf("no batch id in:\n%s", out)
		}
		return string(out[i+len("(import batch ") : i+len("(import batch ")+36])
	}
	members := func() int {
		var n int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM members`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	out, err := milaCmd(t, env, "import", "--history").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "no imports yet") {
		t.Fatalf("empty history: %v\n%s", err, out)
	}
	out, err = milaCmd(t, env, "import", first).CombinedOutput()
	if err != nil {
		t.Fatalf("import: %v\n%s", err, out)
	}
	one := batchOf(out)
	out, err = milaCmd(t, env, "import", second).CombinedOutput()
	if err != nil {
		t.Fatalf("import: %v\n%s", err, out)
	}
	two := batchOf(out)
	out, err = milaCmd(t, env, "import", "--history").CombinedOutput()
	if err != nil || !strings.Contains(string(out), one) || !strings.Contains(string(out), "erste.csv: 2 new") || strings.Index(string(out), two) > strings.Index(string(out), one) {
		t.Fatalf("history: %v\n%s", err, out)
	}

	out, err = milaCmd(t, env, "import", "--undo", two).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "undone: import batch "+two+" (zweite.csv): 1 created members removed") || members() != 2 {
		t.Fatalf("undo: %v\n%s", err, out)
	}
	out, err = milaCmd(t, env, "import", "--undo", two, "--lang", "de").CombinedOutput()
	if procExit(err) != exitFailure || !strings.Contains(string(out), "Nur ein abgeschlossener Import") {
		t.Fatalf("undo twice: exit %d\n%s", procExit(err), out)
	}
	if _, err := pool.Exec(ctx, `UPDATE members SET city = 'Ulm', version = version + 1 WHERE email = 'anna@example.org'`); err != nil {
		t.Fatal(err)
	}
	out, err = milaCmd(t, env, "import", "--undo", one).CombinedOutput()
	if procExit(err) != exitFailure || !strings.Contains(string(out), "1 members of this import were changed since") || members() != 2 {
		t.Fatalf("undo after a change: exit %d\n%s", procExit(err), out)
	}
	out, err = milaCmd(t, env, "import", "--undo", "0190f5e4-7c1a-7b3e-9f00-0123456789ab").CombinedOutput()
	if procExit(err) != exitFailure || !strings.Contains(string(out), "does not exist") {
		t.Fatalf("undo of nothing: exit %d\n%s", procExit(err), out)
	}
	for _, args := range [][]string{{"import", first, "--undo", one}, {"import", "--undo", one, first}, {"import", "--undo", one, "--history"}} {
		out, err = milaCmd(t, env, args...).CombinedOutput()
		if procExit(err) != exitUsage || members() != 2 {
			t.Fatalf("%v: exit %d\n%s", args, procExit(err), out)
		}
	}
}
