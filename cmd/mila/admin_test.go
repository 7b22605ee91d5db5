package main

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"mila/internal/accounts"
	"mila/internal/testpg"
)

func TestAdminPasswordSources(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "pw")
	if err := os.WriteFile(file, []byte("from the file 1\r\nsecond line\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// The file wins over the environment, and only its first line counts.
	pw, err := adminPassword(file, "from the env 12", false)
	if err != nil || pw != "from the file 1" {
		t.Fatalf("file: %q %v", pw, err)
	}
	pw, err = adminPassword("", "from the env 12", false)
	if err != nil || pw != "from the env 12" {
		t.Fatalf("env: %q %v", pw, err)
	}
	if _, err := adminPassword("", "", false); err == nil || exitCode(err) != exitUsage {
		t.Fatalf("no source: %v", err)
	}
	if _, err := adminPassword(filepath.Join(dir, "missing"), "", false); err == nil || exitCode(err) != exitUsage {
		t.Fatalf("missing file: %v", err)
	}
	_, err = adminPassword("", "short", false)
	if err == nil || !strings.Contains(err.Error(), "10 to 256") {
		t.Fatalf("short: %v", err)
	}
}

func TestBootstrapAccounts(t *testing.T) {
	ctx := context.Background()
	pool := testpg.New(t)
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	for _, k := range []string{"MILA_ADMIN_EMAIL", "MILA_ADMIN_PASSWORD", "MILA_ADMIN_PASSWORD_FILE", "MILA_ADMIN_NAME"} {
		t.Setenv(k, "")
	}

	// No users: a one-time setup link is logged, and it works.
	link, err := bootstrapAccounts(ctx, pool, log, "https://mila.example.org")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`^https://mila\.example\.org/setup\?token=([A-Za-z0-9_-]+)$`).FindStringSubmatch(link)
	if m == nil {
		t.Fatalf("no setup link: %q", link)
	}
	// Announced, the link is the last line printed, and the hint names
	// the program as it was run.
	var out strings.Builder
	announceSetup(&out, log, link)
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if last := strings.TrimSpace(lines[len(lines)-1]); last != link {
		t.Errorf("last line printed is %q, want the link", last)
	}
	if !strings.Contains(out.String(), progName()+` admin create --name "Your Name" --email`) || !strings.Contains(logs.String(), link) {
		t.Errorf("announcement:\n%s\nlog:\n%s", out.String(), logs.String())
	}
	if err := accounts.New(pool).CheckSetupToken(ctx, m[1]); err != nil {
		t.Fatalf("logged link: %v", err)
	}

	// MILA_ADMIN_*: the admin is created, the setup link dies, and a
	// repeat changes nothing.
	t.Setenv("MILA_ADMIN_EMAIL", "boss@example.org")
	t.Setenv("MILA_ADMIN_PASSWORD", "boss password 1")
	for i, want := range []string{"created", "unchanged"} {
		logs.Reset()
		link, err := bootstrapAccounts(ctx, pool, log, "http://x")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(logs.String(), "MILA_ADMIN_EMAIL: "+want) || link != "" {
			t.Errorf("run %d: log\n%s", i+1, logs.String())
		}
	}
	if err := accounts.New(pool).CheckSetupToken(ctx, m[1]); !errors.Is(err, accounts.ErrSetupDone) {
		t.Errorf("setup link after admin creation: %v", err)
	}
	if _, err := accounts.New(pool).SignIn(ctx, "boss@example.org", "boss password 1", "test"); err != nil {
		t.Errorf("sign in as the env admin: %v", err)
	}

	// Half a configuration is a usage error.
	t.Setenv("MILA_ADMIN_PASSWORD", "")
	if _, err := bootstrapAccounts(ctx, pool, log, "http://x"); exitCode(err) != exitUsage {
		t.Errorf("email without password: %v", err)
	}
}

// TestAdminCreateCommand runs `mila admin create` twice against a
// database: created with its name, then unchanged; then a new password
// and name reset it. Without a name (and no terminal to ask in) it is a
// usage error that says how to give one.
func TestAdminCreateCommand(t *testing.T) {
	pool := testpg.New(t)
	t.Setenv("DATABASE_URL", testpg.ConnString(t, pool))
	t.Setenv("MILA_ADMIN_PASSWORD", "")
	t.Setenv("MILA_ADMIN_NAME", "")
	file := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(file, []byte("first password\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	noName := []string{"create", "--email", "chief@example.org", "--password-file", file, "--log-level", "error"}
	if err := runAdmin(noName); exitCode(err) != exitUsage || !strings.Contains(err.Error(), `--name "Anna Admin"`) {
		t.Fatalf("no name: %v", err)
	}
	if err := runAdmin(append(noName, "--name", strings.Repeat("n", 101))); exitCode(err) != exitUsage || !strings.Contains(err.Error(), "--name") {
		t.Fatalf("name too long: %v", err)
	}
	args := append(noName, "--name", " Clara Chefin ")
	for range 2 {
		if err := runAdmin(args); err != nil {
			t.Fatal(err)
		}
	}
	name := func() string {
		var s string
		if err := pool.QueryRow(context.Background(), `SELECT user_display_name(member_id, display_name) FROM users WHERE email = 'chief@example.org'`).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	if got := name(); got != "Clara Chefin" {
		t.Errorf("name %q, want Clara Chefin", got)
	}
	t.Setenv("MILA_ADMIN_PASSWORD", "second password")
	t.Setenv("MILA_ADMIN_NAME", "Clara Vorsitzende")
	if err := runAdmin([]string{"create", "--email", "chief@example.org", "--log-level", "error"}); err != nil {
		t.Fatal(err)
	}
	if got := name(); got != "Clara Vorsitzende" {
		t.Errorf("name after reset %q, want Clara Vorsitzende", got)
	}
	var n int
	_ = pool.QueryRow(context.Background(), `SELECT count(*) FROM users`).Scan(&n)
	if n != 1 {
		t.Errorf("%d users, want 1", n)
	}
	if _, err := accounts.New(pool).SignIn(context.Background(), "chief@example.org", "second password", "test"); err != nil {
		t.Errorf("reset password: %v", err)
	}
	if err := runAdmin([]string{"create"}); exitCode(err) != exitUsage {
		t.Errorf("no email: %v", err)
	}
}
