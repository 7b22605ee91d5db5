package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"time"
)

// newFlagSet makes a flag set that reports errors to us instead of printing
// a usage dump, so a mistake costs the operator one line.
func newFlagSet(name, synopsis, description string) *flag.FlagSet {
	fs := flag.NewFlagSet("mila "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	// The flag package calls Usage on every parse error; we only want the
	// help text on --help, so it is kept aside for parseFlags.
	fs.Usage = func() {}
	helpers[fs] = func() {
		w := os.Stdout
		fmt.Fprintf(w, "Usage: mila %s\n\n%s\n", synopsis, description)
		hasFlags := false
		fs.VisitAll(func(*flag.Flag) { hasFlags = true })
		if hasFlags {
			fmt.Fprintln(w, "\nFlags (each can also be set by the environment variable shown):")
			fs.SetOutput(w)
			fs.PrintDefaults()
			fs.SetOutput(io.Discard)
		}
	}
	return fs
}

var helpers = map[*flag.FlagSet]func(){}

// parseFlags parses args; --help prints the usage to stdout and returns
// flag.ErrHelp (exit 0), anything else wrong is a usageError.
func parseFlags(fs *flag.FlagSet, args []string) error {
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		helpers[fs]()
		return flag.ErrHelp
	}
	if err != nil {
		return usagef("%v (run `%s --help` for the flags)", err, fs.Name())
	}
	return nil
}

// option is a string setting that comes from a flag, else an environment
// variable, else a default, and remembers where it came from so an error can
// name the thing the operator has to change.
type option struct {
	flag, env string
	value     string
	fs        *flag.FlagSet
}

func stringOption(fs *flag.FlagSet, name, env, def, usage string) *option {
	o := &option{flag: name, env: env, value: def, fs: fs}
	if v, ok := os.LookupEnv(env); ok && v != "" {
		o.value = v
	}
	if env != "" {
		usage += " (env " + env + ")"
	}
	fs.StringVar(&o.value, name, o.value, usage)
	return o
}

// origin names where the value came from: "--listen" or "MILA_LISTEN".
func (o *option) origin() string {
	set := false
	o.fs.Visit(func(f *flag.Flag) { set = set || f.Name == o.flag })
	if !set && o.env != "" && os.Getenv(o.env) != "" {
		return o.env
	}
	return "--" + o.flag
}

func (o *option) invalid(why string) error {
	return o.invalidValue(o.value, why)
}

// invalidValue is invalid for a value as it was read (trimmed, or typed
// at a prompt).
func (o *option) invalidValue(v, why string) error {
	return usagef("%s=%q is not valid: %s", o.origin(), v, why)
}

// logOptions are the logging flags every long-running command shares.
type logOptions struct {
	format, level *option
}

func addLogFlags(fs *flag.FlagSet) *logOptions {
	return &logOptions{
		format: stringOption(fs, "log-format", "MILA_LOG_FORMAT", "text", "log format: text or json"),
		level:  stringOption(fs, "log-level", "MILA_LOG_LEVEL", "info", "log level: debug, info, warn or error"),
	}
}

func (l *logOptions) logger() (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(l.level.value)); err != nil {
		return nil, l.level.invalid("use debug, info, warn or error")
	}
	opts := &slog.HandlerOptions{Level: level}
	switch strings.ToLower(l.format.value) {
	case "text":
		return slog.New(slog.NewTextHandler(os.Stderr, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(os.Stderr, opts)), nil
	}
	return nil, l.format.invalid("use text or json")
}

// dbOptions choose the database: a managed cluster in the data directory,
// or an existing server named by DATABASE_URL.
type dbOptions struct {
	dataDir, url, wait *option
	// shareRunning lets the command use the managed PostgreSQL of a
	// `mila serve` already running on the data dir (admin, demo) instead
	// of refusing; commands that must have the cluster alone leave it off.
	shareRunning bool
}

func addDBFlags(fs *flag.FlagSet) *dbOptions {
	return &dbOptions{
		dataDir: stringOption(fs, "data-dir", "MILA_DATA_DIR", "./mila-data", "directory for the managed PostgreSQL (unused with DATABASE_URL)"),
		url:     stringOption(fs, "database-url", "DATABASE_URL", "", "use this PostgreSQL server instead of a managed one, e.g. postgres://mila:secret@db.example.org/mila"),
		wait:    stringOption(fs, "db-wait", "MILA_DB_WAIT", "30s", "how long to keep retrying the first connection to DATABASE_URL"),
	}
}

func (d *dbOptions) waitDuration() (time.Duration, error) {
	w, err := time.ParseDuration(d.wait.value)
	if err != nil || w < 0 {
		return 0, d.wait.invalid("use a duration such as 30s or 2m")
	}
	return w, nil
}

// parseBaseURL checks MILA_BASE_URL: an absolute http(s) URL without query.
func parseBaseURL(o *option) (string, error) {
	if o.value == "" {
		return "", nil
	}
	u, err := url.Parse(o.value)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", o.invalid("use the absolute address people open, such as https://mila.example.org")
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// noArgs rejects stray positional arguments.
func noArgs(fs *flag.FlagSet) error {
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q (run `%s --help`)", fs.Arg(0), fs.Name())
	}
	return nil
}
