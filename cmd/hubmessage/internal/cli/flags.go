package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/hubmessage/hubmessage-go/internal/secretkey"
)

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
// message; a command that reads a key says where from. Positional arguments are left in
// fs.Args().
func parseArgs(fs *flag.FlagSet, args []string) error {
	for _, arg := range args {
		if arg == "--" {
			break
		}
		if name, _, _ := strings.Cut(strings.TrimLeft(arg, "-"), "="); strings.HasPrefix(arg, "-") && name == "secret-key" {
			if fs.Lookup("secret-key-file") == nil {
				return errors.New("unknown flag --secret-key")
			}
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

// maxKeyFileSize bounds --secret-key-file: a small file that holds a key.
const maxKeyFileSize = 4 << 10

// readSecretKey returns the Secret Key, checked for form, from the file path when given,
// else from $HUBMESSAGE_SECRET_KEY ("" when unset), and where it came from, for messages.
// Surrounding whitespace (a file's trailing newline) is dropped. An error names where the
// key came from, never the key.
func readSecretKey(path string, env Env) (key, source string, err error) {
	key, source = env.Getenv(secretkey.EnvVar), "$"+secretkey.EnvVar
	if path != "" {
		source = "--secret-key-file " + path
		var f *os.File
		var b []byte
		if f, err = os.Open(path); err == nil {
			defer f.Close()
			b, err = io.ReadAll(io.LimitReader(f, maxKeyFileSize+1))
		}
		switch key = strings.TrimSpace(string(b)); {
		case err != nil:
			return "", source, fmt.Errorf("--secret-key-file: %w", err)
		case len(b) > maxKeyFileSize:
			return "", source, fmt.Errorf("%s: larger than %d bytes; it should hold the key alone", source, maxKeyFileSize)
		case key == "":
			return "", source, fmt.Errorf("%s: empty", source)
		}
	}
	if key = strings.TrimSpace(key); key != "" {
		if err = secretkey.Check(key); err != nil {
			err = fmt.Errorf("%s: %w", source, err)
		}
	}
	return key, source, err
}
