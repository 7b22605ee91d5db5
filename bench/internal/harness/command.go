package harness

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
)

// Command runs a program (env nil: this process's environment), passing
// its output through on failure.
func Command(ctx context.Context, env []string, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return fmt.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
		}
		return err
	}
	return nil
}

// Build builds the mila binary at bin (go build ./cmd/mila, from the
// module root, where make and go run start the programs).
func Build(ctx context.Context, bin string) error {
	Logf("building %s", bin)
	if err := Command(ctx, nil, "go", "build", "-o", bin, "./cmd/mila"); err != nil {
		return fmt.Errorf("build: %w", err)
	}
	return nil
}

// Env is the environment of the mila commands the programs run: this
// process's, without DATABASE_URL and MILA_* (a developer's shell must
// not change what is measured), plus extra ("KEY=value").
func Env(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "DATABASE_URL=") && !strings.HasPrefix(kv, "MILA_") {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}

// CreateAdmin makes (or resets) an administrator with `mila admin create`,
// the password passed in pwFile (written here).
func CreateAdmin(ctx context.Context, bin string, env []string, pwFile, email, password string) error {
	if err := os.WriteFile(pwFile, []byte(password+"\n"), 0o600); err != nil {
		return err
	}
	if err := Command(ctx, env, bin, "admin", "create", "--name", "Bench Admin", "--email", email, "--password-file", pwFile, "--log-level", "warn"); err != nil {
		return fmt.Errorf("mila admin create: %w", err)
	}
	return nil
}

// FreePort is a TCP port on 127.0.0.1 that nothing listens on just now.
func FreePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
