package main

import (
	"fmt"
	"runtime"
)

func init() {
	register(command{name: "version", summary: "print the version", run: runVersion})
}

func runVersion(args []string) error {
	fs := newFlagSet("version", "version", "Prints Mila's version.")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	fmt.Printf("mila %s (%s)\n", version, runtime.Version())
	return nil
}
