// Package cli implements the hubmessage command. Each subcommand lives in its own file and is
// listed in commands; main.go only wires the process (args, stdio, environment, signals).
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/hubmessage/hubmessage-go/internal/secretkey"
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
	return commandSet{prog: "hubmessage", cmds: commands}.run(ctx, args, env)
}

// commandSet is a table of subcommands under one program name: hubmessage's, and
// hubmessage channel's.
type commandSet struct {
	prog  string // e.g. "hubmessage channel"
	about string // a sentence under the usage line; "" for none
	cmds  []command
}

// run runs the subcommand args[0] names, or prints the usage (help: on stdout, exit 0).
func (s commandSet) run(ctx context.Context, args []string, env Env) int {
	if len(args) == 0 {
		s.usage(env.Stderr)
		return exitUsage
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		s.usage(env.Stdout)
		return exitOK
	}
	for _, c := range s.cmds {
		if c.name == args[0] {
			return c.run(ctx, args[1:], env)
		}
	}
	fmt.Fprintf(env.Stderr, "%s: unknown command %q\nRun '%s --help' for the commands.\n", s.prog, args[0], s.prog)
	return exitUsage
}

func (s commandSet) usage(w io.Writer) {
	fmt.Fprintf(w, "Usage: %s <command> [flags]\n\n", s.prog)
	if s.about != "" {
		fmt.Fprintf(w, "%s\n\n", s.about)
	}
	width := 0
	for _, c := range s.cmds {
		width = max(width, len(c.name))
	}
	fmt.Fprintln(w, "Commands:")
	for _, c := range s.cmds {
		fmt.Fprintf(w, "  %-*s %s\n", width+1, c.name, c.summary)
	}
	fmt.Fprintf(w, "\nRun '%s <command> --help' for a command's flags.\n", s.prog)
}

// newFlagSet returns an empty flag set for the command prog, e.g. "hubmessage mock". It
// prints nothing itself: parseArgs words its errors, and each command prints its own help.
func newFlagSet(prog string) *flag.FlagSet {
	fs := flag.NewFlagSet(prog, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// errSecretKeyFlag is the answer to the --secret-key flag, which no command has: a key on
// the command line is visible to every user of the machine (ps, /proc).
var errSecretKeyFlag = errors.New("--secret-key is not accepted: a key on the command line shows in ps; set " +
	secretkey.EnvVar + " or pass --secret-key-file PATH")

// parseArgs parses args with fs and words a flag error in the command line's terms
// ("unknown flag --port", "--channel needs a value"). --secret-key is refused before
// parsing, wherever it stands, so that its value cannot become another flag's and show in a
// message. Positional arguments are left in fs.Args().
func parseArgs(fs *flag.FlagSet, args []string) error {
	for _, arg := range args {
		if arg == "--" {
			break
		}
		if name, _, _ := strings.Cut(strings.TrimLeft(arg, "-"), "="); strings.HasPrefix(arg, "-") && name == "secret-key" {
			return errSecretKeyFlag
		}
	}
	err := fs.Parse(args)
	if err == nil {
		return nil
	}
	if name, ok := strings.CutPrefix(err.Error(), "flag provided but not defined: -"); ok {
		return errors.New("unknown flag --" + name)
	}
	if name, ok := strings.CutPrefix(err.Error(), "flag needs an argument: -"); ok {
		return errors.New("--" + name + " needs a value")
	}
	return err
}

// parseFlags is parseArgs for a command that takes flags only.
func parseFlags(fs *flag.FlagSet, args []string) error {
	err := parseArgs(fs, args)
	if err == nil && fs.NArg() > 0 {
		err = fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return err
}

// flagsFailed ends the command prog whose flags failed with err: help on stdout (exit 0) for
// --help, else the usage error, one line and where to find help (exit 2).
func flagsFailed(env Env, prog, help string, err error) int {
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(env.Stdout, help)
		return exitOK
	}
	fmt.Fprintf(env.Stderr, "%s: %v\nRun '%s --help' for usage.\n", prog, err, prog)
	return exitUsage
}

// maxKeyFileSize bounds --secret-key-file.
const maxKeyFileSize = 4 << 10

// readSecretKey returns the Secret Key, checked for form, from the file path when given,
// else from $HUBMESSAGE_SECRET_KEY ("" when unset), and where it came from, for messages.
// Surrounding whitespace (a file's trailing newline) is dropped. An error names where the
// key came from, never the key.
func readSecretKey(path string, env Env) (key, source string, err error) {
	if path == "" {
		key, source = strings.TrimSpace(env.Getenv(secretkey.EnvVar)), "$"+secretkey.EnvVar
	} else {
		key, err = readKeyFile(path)
		source = "--secret-key-file " + path
	}
	if err == nil && key != "" {
		if err = secretkey.Check(key); err != nil {
			err = fmt.Errorf("%s: %w", source, err)
		}
	}
	return key, source, err
}

// readKeyFile reads --secret-key-file: a small file that holds a key.
func readKeyFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("--secret-key-file: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxKeyFileSize+1))
	switch {
	case err != nil:
		return "", fmt.Errorf("--secret-key-file: %w", err)
	case len(b) > maxKeyFileSize:
		return "", fmt.Errorf("--secret-key-file %s: larger than %d bytes; it should hold the key alone", path, maxKeyFileSize)
	}
	key := strings.TrimSpace(string(b))
	if key == "" {
		return "", fmt.Errorf("--secret-key-file %s: empty", path)
	}
	return key, nil
}
