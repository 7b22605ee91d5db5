// Command mila runs the Mila membership manager.
//
// Each subcommand lives in a file of its own and adds itself to the table in
// an init function:
//
//	func init() { register(command{name: "demo", summary: "...", run: runDemo}) }
//
// A command returns an error; main prints it as one line and maps it to the
// exit code (see exitCode). Commands never call os.Exit themselves.

// A form may name up to 10,000 members (web.groupAddMax: bulk group
// changes) plus a few other fields; Go's default limit of 10,000 form
// values would refuse the largest of them. The 1 MiB body limit bounds
// the parsing either way.
//
//go:debug urlmaxqueryparams=10100
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"mila/internal/pg"
)

// version is set at build time: go build -ldflags "-X main.version=1.2.3".
var version = "dev"

// Exit codes.
const (
	exitOK      = 0
	exitFailure = 1 // something went wrong while running
	exitUsage   = 2 // the invocation or configuration is wrong; the message says how to fix it
)

type command struct {
	name    string
	summary string // one line for `mila help`
	run     func(args []string) error
}

var commands = map[string]command{}

func register(c command) {
	if _, dup := commands[c.name]; dup {
		panic("mila: command registered twice: " + c.name)
	}
	commands[c.name] = c
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		printUsage(stderr)
		return exitUsage
	}
	name := args[0]
	switch name {
	case "help", "-h", "-help", "--help":
		if len(args) > 1 {
			if c, ok := commands[args[1]]; ok {
				return finish(c.name, c.run([]string{"--help"}), stderr)
			}
		}
		printUsage(stdout)
		return exitOK
	case "-version", "--version":
		name = "version"
	}
	c, ok := commands[name]
	if !ok {
		fmt.Fprintf(stderr, "mila: unknown command %q: run `mila help` for the list of commands\n", name)
		return exitUsage
	}
	return finish(c.name, c.run(args[1:]), stderr)
}

// finish prints err as a single line and picks the exit code.
func finish(name string, err error, stderr io.Writer) int {
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	msg := strings.Join(strings.Fields(strings.ReplaceAll(err.Error(), "\n", " ")), " ")
	fmt.Fprintf(stderr, "mila %s: %s\n", name, msg)
	return exitCode(err)
}

// exitCode maps configuration problems, which the operator fixes by
// changing how Mila is started, to exitUsage.
func exitCode(err error) int {
	var (
		ue *usageError
		dd *pg.DataDirError
		le *pg.LockedError
		vm *pg.VersionMismatchError
	)
	switch {
	case errors.As(err, &ue), errors.As(err, &dd), errors.As(err, &le), errors.As(err, &vm),
		errors.Is(err, pg.ErrNoPostgres), errors.Is(err, pg.ErrNoPostgresUser),
		errors.Is(err, pg.ErrInvalidConnString):
		return exitUsage
	}
	return exitFailure
}

// usageError is a mistake in the command line or the environment.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

func printUsage(w io.Writer) {
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintln(w, "Mila — membership management.")
	fmt.Fprintln(w, "\nUsage: mila <command> [flags]")
	fmt.Fprintln(w, "\nCommands:")
	for _, n := range names {
		fmt.Fprintf(w, "  %-12s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun `mila <command> --help` for the flags of a command.")
}
