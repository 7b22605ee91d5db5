package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/term"

	"mila/internal/accounts"
	"mila/internal/validate"
)

func init() {
	register(command{name: "admin", summary: "create the first admin, or reset an admin's password (admin create --name N --email E)", run: runAdmin})
}

func runAdmin(args []string) error {
	if len(args) == 0 || (args[0] != "create" && !strings.HasPrefix(args[0], "-")) {
		return usagef("say what to do: `%s admin create --name \"Anna Admin\" --email you@example.org`", progName())
	}
	if args[0] != "create" {
		// mila admin --help
		fs := newFlagSet("admin", "admin create --name N --email E [--password-file F]", adminHelp)
		return parseFlags(fs, args)
	}
	return runAdminCreate(args[1:])
}

const adminHelp = "Creates an admin user with this name and email, or — if the user exists — makes\n" +
	"them an active admin with this name and password (a user linked to a member keeps\n" +
	"the member's name). Safe to repeat. The name comes from --name, else\n" +
	"MILA_ADMIN_NAME, else a prompt. The password comes from --password-file, else\n" +
	"MILA_ADMIN_PASSWORD, else a prompt (typed twice, not shown).\n" +
	"It also works while `mila serve` runs on the same data directory (it uses that\n" +
	"server's PostgreSQL)."

func runAdminCreate(args []string) error {
	fs := newFlagSet("admin create", "admin create --name N --email E [--password-file F] [flags]", adminHelp)
	logOpts := addLogFlags(fs)
	dbOpts := addDBFlags(fs)
	dbOpts.shareRunning = true
	name := stringOption(fs, "name", "MILA_ADMIN_NAME", "", "the admin's name as Mila shows it (required; asked for when run in a terminal)")
	email := stringOption(fs, "email", "MILA_ADMIN_EMAIL", "", "the admin's email address (required)")
	pwFile := stringOption(fs, "password-file", "MILA_ADMIN_PASSWORD_FILE", "", "read the password from this file (first line)")
	noMigrate := fs.Bool("no-migrate", false, "do not apply database migrations first")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	if email.value == "" {
		return usagef("the admin's email is missing: `%s admin create --name \"Anna Admin\" --email you@example.org`", progName())
	}
	if !validate.ValidEmail(strings.TrimSpace(email.value)) {
		return email.invalid("use a plain address such as you@example.org")
	}
	adminName, err := adminNameFrom(name, true)
	if err != nil {
		return err
	}
	password, err := adminPassword(pwFile.value, os.Getenv("MILA_ADMIN_PASSWORD"), true)
	if err != nil {
		return err
	}
	log, err := logOpts.logger()
	if err != nil {
		return err
	}

	ctx, db, done, err := openForCommand(dbOpts, log, !*noMigrate)
	if err != nil {
		return err
	}
	defer done()
	res, err := accounts.New(db.pool).CreateOrResetNamedAdmin(ctx, adminName, email.value, password)
	if err != nil {
		return err
	}
	switch res {
	case accounts.AdminCreated:
		fmt.Printf("admin %s <%s> created: sign in with this email and password\n", adminName, strings.TrimSpace(email.value))
	case accounts.AdminUpdated:
		fmt.Printf("%s is now an active admin with the given name and password\n", strings.TrimSpace(email.value))
	default:
		fmt.Printf("%s already is an active admin with this password; nothing changed\n", strings.TrimSpace(email.value))
	}
	return nil
}

// adminNameFrom finds the admin's name: the flag or MILA_ADMIN_NAME,
// else (when prompt is allowed and stdin is a terminal) asks for it.
// It is checked as the user form checks a name.
func adminNameFrom(o *option, prompt bool) (string, error) {
	name := strings.TrimSpace(o.value)
	if name == "" && prompt && term.IsTerminal(int(os.Stdin.Fd())) {
		fmt.Fprint(os.Stderr, "Name (as Mila shows the admin): ")
		line, err := bufio.NewReader(os.Stdin).ReadString('\n')
		if err != nil && line == "" {
			return "", fmt.Errorf("read name: %w", err)
		}
		name = strings.TrimSpace(line)
	}
	if name == "" {
		return "", usagef("the admin's name is missing: `%s admin create --name \"Anna Admin\" --email you@example.org` (or MILA_ADMIN_NAME)", progName())
	}
	if err := accounts.CheckUserName(name); err != nil {
		return "", o.invalidValue(name, fmt.Sprintf("use 1 to %d characters, without control characters", accounts.UserNameMax))
	}
	return name, nil
}

// adminPassword finds the password: the file, else env, else (when
// prompt is allowed and stdin is a terminal) asks twice without echo.
func adminPassword(file, env string, prompt bool) (string, error) {
	var pw string
	switch {
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return "", usagef("cannot read the password file: %v", err)
		}
		// The first line: editors and `echo` add a newline that is not
		// part of the password.
		pw, _, _ = strings.Cut(string(b), "\n")
		pw = strings.TrimSuffix(pw, "\r")
	case env != "":
		pw = env
	case prompt && term.IsTerminal(int(os.Stdin.Fd())):
		var err error
		if pw, err = promptPassword(); err != nil {
			return "", err
		}
	default:
		return "", usagef("no password given: use --password-file FILE or MILA_ADMIN_PASSWORD, or run in a terminal to be asked")
	}
	if err := accounts.CheckPassword(pw); err != nil {
		return "", usagef("the password is not acceptable: it needs %d to %d characters", accounts.MinPasswordLen, accounts.MaxPasswordLen)
	}
	return pw, nil
}

func promptPassword() (string, error) {
	fd := int(os.Stdin.Fd())
	read := func(label string) (string, error) {
		fmt.Fprint(os.Stderr, label)
		b, err := term.ReadPassword(fd)
		fmt.Fprintln(os.Stderr)
		return string(b), err
	}
	for range 3 {
		a, err := read(fmt.Sprintf("Password (at least %d characters): ", accounts.MinPasswordLen))
		if err != nil {
			return "", fmt.Errorf("read password: %w", err)
		}
		if err := accounts.CheckPassword(a); err != nil {
			fmt.Fprintf(os.Stderr, "That password is too short or too long: use %d to %d characters.\n", accounts.MinPasswordLen, accounts.MaxPasswordLen)
			continue
		}
		b, err := read("Password again: ")
		if err != nil {
			return "", fmt.Errorf("read password: %w", err)
		}
		if a != b {
			fmt.Fprintln(os.Stderr, "The two passwords differ; please try again.")
			continue
		}
		return a, nil
	}
	return "", usagef("no password set after three tries")
}

// bootstrapAccounts runs at `mila serve` start, after migrations:
//
//   - with MILA_ADMIN_EMAIL and MILA_ADMIN_PASSWORD (or
//     MILA_ADMIN_PASSWORD_FILE) it creates or resets that admin, like
//     `mila admin create`;
//   - when there are no users at all it returns a one-time setup link
//     (baseURL + /setup?token=…) with which a person creates the first
//     admin; serve announces it once it listens (announceSetup), as the
//     last thing it prints, so that nobody has to scroll for it.
func bootstrapAccounts(ctx context.Context, pool *pgxpool.Pool, log *slog.Logger, baseURL string) (setupLink string, err error) {
	svc := accounts.New(pool)
	email := strings.TrimSpace(os.Getenv("MILA_ADMIN_EMAIL"))
	name := strings.TrimSpace(os.Getenv("MILA_ADMIN_NAME"))
	pwEnv, pwFile := os.Getenv("MILA_ADMIN_PASSWORD"), os.Getenv("MILA_ADMIN_PASSWORD_FILE")
	switch {
	case email != "" && pwEnv == "" && pwFile == "":
		return "", usagef("MILA_ADMIN_EMAIL is set but no password: set MILA_ADMIN_PASSWORD or MILA_ADMIN_PASSWORD_FILE too")
	case email == "" && (pwEnv != "" || pwFile != ""):
		return "", usagef("an admin password is set but MILA_ADMIN_EMAIL is not: set both, or neither")
	case email != "":
		if !validate.ValidEmail(email) {
			return "", usagef("MILA_ADMIN_EMAIL=%q is not valid: use a plain address such as you@example.org", email)
		}
		pw, err := adminPassword(pwFile, pwEnv, false)
		if err != nil {
			return "", err
		}
		// MILA_ADMIN_NAME is optional here: without it a new admin is
		// named after the address, an existing one keeps their name.
		if name != "" && accounts.CheckUserName(name) != nil {
			return "", usagef("MILA_ADMIN_NAME=%q is not valid: use 1 to %d characters, without control characters", name, accounts.UserNameMax)
		}
		res, err := svc.CreateOrResetNamedAdmin(ctx, name, email, pw)
		if err != nil {
			return "", fmt.Errorf("admin from MILA_ADMIN_EMAIL: %w", err)
		}
		log.Info("admin from MILA_ADMIN_EMAIL: "+res.String(), "email", email)
	}
	tok, err := svc.NewSetupToken(ctx)
	if errors.Is(err, accounts.ErrSetupDone) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return baseURL + "/setup?token=" + tok, nil
}

// announceSetup tells the person who started Mila how to create the first
// admin: in the log, and then as a block on stderr whose last line is the
// link — the last thing `make run` prints before requests are logged.
func announceSetup(w io.Writer, log *slog.Logger, link string) {
	log.Warn("No users yet: open the one-time setup link to create the first admin", "link", link)
	fmt.Fprintf(w, "\n"+
		"  No users yet. Create the first administrator with the link below\n"+
		"  (valid 24 hours; a restart of Mila makes a new one), or on the command line:\n"+
		"    %s admin create --name \"Your Name\" --email you@example.org\n"+
		"\n"+
		"  %s\n\n", progName(), link)
}

// progName is the program as the person ran it, for hints they can copy:
// "./bin/mila" under `make run`, "mila" from the PATH, an absolute path
// shortened to one relative to the working directory when it is below it.
func progName() string {
	p := os.Args[0]
	if !filepath.IsAbs(p) {
		if strings.ContainsRune(p, filepath.Separator) {
			return p
		}
		return filepath.Base(p)
	}
	if wd, err := os.Getwd(); err == nil {
		if rel, err := filepath.Rel(wd, p); err == nil && !strings.HasPrefix(rel, "..") {
			return "." + string(filepath.Separator) + rel
		}
	}
	return p
}
