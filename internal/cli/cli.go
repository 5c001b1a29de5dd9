// Package cli implements the hubmessage command. Each subcommand lives in its own file and is
// listed in commands; main.go only wires the process (args, stdio, environment, signals).
package cli

import (
	"context"
	"fmt"
	"io"
)

// Env is what a subcommand may touch of the process, so tests can run it in-process.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Getenv         func(string) string
}

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, env Env) int // exit code
}

// commands is the subcommand table, in the order `hubmessage help` lists them.
var commands = []command{
	{name: "demo", summary: "Walk an API integration end to end against the reference server, in-process", run: runDemo},
	{name: "demo-web", summary: "Serve the web demo: a page, its backend (connecthandler) and the reference server", run: runDemoWeb},
	{name: "mock", summary: "Run the reference server, a stateful stand-in for the API", run: runMock},
	{name: "channel", summary: "Create, connect, disconnect or delete a channel: the API's operations", run: runChannel},
	{name: "connect", summary: "Deprecated: use 'hubmessage channel connect' (same flags)", run: runConnect},
	{name: "verify", summary: "Check a running server against the spec's contract cases", run: runVerify},
}

// Exit codes shared by every subcommand.
const (
	exitOK    = 0
	exitFail  = 1 // the operation ran and failed (API error, failed checks)
	exitUsage = 2 // bad flags or arguments
)

// Main runs the command line args (without the program name) and returns the exit code.
func Main(ctx context.Context, args []string, env Env) int {
	if len(args) == 0 {
		usage(env.Stderr)
		return exitUsage
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		usage(env.Stdout)
		return exitOK
	}
	for _, c := range commands {
		if c.name == args[0] {
			return c.run(ctx, args[1:], env)
		}
	}
	fmt.Fprintf(env.Stderr, "hubmessage: unknown command %q\nRun 'hubmessage help' for the commands.\n", args[0])
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: hubmessage <command> [flags]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run 'hubmessage <command> --help' for a command's flags.")
}
