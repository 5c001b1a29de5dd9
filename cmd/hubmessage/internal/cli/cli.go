// Package cli implements the hubmessage command. Each subcommand lives in its own file and is
// listed in commands; main.go only wires the process (args, stdio, environment, signals).
package cli

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"
	"text/tabwriter"
)

// Env is what a subcommand may touch of the process, so tests can run it in-process.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Getenv         func(string) string
}

type command struct {
	name, summary string
	run           func(ctx context.Context, args []string, env Env) int // exit code
}

// commands is the subcommand table, in the order `hubmessage help` lists them.
var commands = []command{
	{name: "demo", summary: "Walk an API integration end to end against the reference server, in-process", run: runDemo},
	{name: "demo-web", summary: "Serve the web demo: a page, its backend (connecthandler) and the reference server", run: runDemoWeb},
	{name: "mock", summary: "Run the reference server, a stateful stand-in for the API", run: runMock},
	{name: "channel", summary: "Create, connect, disconnect or delete a channel: the API's operations", run: runChannel},
	{name: "connect", summary: "Deprecated: use 'hubmessage channel connect' (same flags)", run: runConnect},
	{name: "verify", summary: "Check a running server against the spec's contract cases", run: runVerify},
	{name: "proxy", summary: "Forward to a server, checking and optionally recording every exchange against the spec", run: runProxy},
	{name: "fidelity", summary: "Replay a recording against the reference server and measure how faithful it is", run: runFidelity},
	{name: "version", summary: "Print the module, API and Go versions (also --version)", run: runVersion},
}

// Exit codes shared by every subcommand.
const (
	exitOK    = 0
	exitFail  = 1 // the operation ran and failed (API error, failed checks)
	exitUsage = 2 // bad flags or arguments
)

// Main runs the command line args (without the program name) and returns the exit code.
func Main(ctx context.Context, args []string, env Env) int {
	return commandSet{prog: "hubmessage", cmds: commands}.run(ctx, args, env)
}

// commandSet is hubmessage's table of subcommands, or hubmessage channel's.
type commandSet struct {
	prog, about string // e.g. "hubmessage channel", and a sentence under the usage line
	cmds        []command
}

// run runs the subcommand args[0] names, or prints the usage (help: on stdout, exit 0).
func (s commandSet) run(ctx context.Context, args []string, env Env) int {
	if len(args) == 0 {
		s.usage(env.Stderr)
		return exitUsage
	}
	for _, c := range s.cmds {
		if c.name == args[0] {
			return c.run(ctx, args[1:], env)
		}
	}
	if s.prog == "hubmessage" && slices.Contains([]string{"-version", "--version"}, args[0]) {
		return runVersion(ctx, args[1:], env)
	}
	if slices.Contains([]string{"help", "-h", "-help", "--help"}, args[0]) {
		s.usage(env.Stdout)
		return exitOK
	}
	names := make([]string, len(s.cmds))
	for i, c := range s.cmds {
		names[i] = strconv.Quote(c.name)
	}
	fmt.Fprintf(env.Stderr, "%s: unknown command %q%s\nRun '%s --help' for the commands.\n", s.prog, args[0], didYouMean(strconv.Quote(args[0]), names), s.prog)
	return exitUsage
}

func (s commandSet) usage(w io.Writer) {
	fmt.Fprintf(w, "Usage: %s <command> [flags]\n\n", s.prog)
	if s.about != "" {
		fmt.Fprintf(w, "%s\n\n", s.about)
	}
	fmt.Fprintln(w, "Commands:")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, c := range s.cmds {
		fmt.Fprintf(tw, "  %s\t%s\n", c.name, c.summary)
	}
	tw.Flush()
	fmt.Fprintf(w, "\nRun '%s <command> --help' for a command's flags.\n", s.prog)
}
