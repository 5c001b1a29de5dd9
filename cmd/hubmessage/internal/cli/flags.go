package cli

import (
	"bytes"
	"cmp"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/hubmessage/hubmessage-go/internal/secretkey"
)

// newFlagSet returns a silent flag set: parseArgs words its errors, commands print their help.
func newFlagSet(prog string) *flag.FlagSet {
	fs := flag.NewFlagSet(prog, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// errSecretKeyFlag answers --secret-key, which no command has: ps would show the key.
var errSecretKeyFlag = errors.New("--secret-key is not accepted: a key on the command line shows in ps; set " +
	secretkey.EnvVar + " or pass --secret-key-file PATH")

// parseArgs parses args with fs, wording errors in the command line's terms ("unknown flag
// --port"). --secret-key is refused first, wherever it stands, so that its value cannot
// become another flag's and show in a message.
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
		var names []string
		fs.VisitAll(func(f *flag.Flag) { names = append(names, "--"+f.Name) })
		return errors.New("unknown flag --" + name + didYouMean("--"+name, names))
	}
	if name, ok := strings.CutPrefix(err.Error(), "flag needs an argument: -"); ok {
		return errors.New("--" + name + " needs a value")
	}
	return err
}

// didYouMean is "; did you mean X?" for the one of candidates nearest to word, if it is a
// likely typo of it (at most two edits, and at most half its letters), else "".
func didYouMean(word string, candidates []string) string {
	best, bestDist := "", 3
	for _, c := range candidates {
		if d := editDistance(word, c); d < bestDist && 2*d <= len(strings.TrimLeft(word, "-")) {
			best, bestDist = c, d
		}
	}
	if best == "" {
		return ""
	}
	return "; did you mean " + best + "?"
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev, cur := make([]int, len(b)+1), make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := range len(a) {
		cur[0] = i + 1
		for j := range len(b) {
			sub := prev[j]
			if a[i] != b[j] {
				sub++
			}
			cur[j+1] = min(prev[j+1]+1, cur[j]+1, sub)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// parseFlags is parseArgs for a command that takes flags only.
func parseFlags(fs *flag.FlagSet, args []string) error {
	err := parseArgs(fs, args)
	if err == nil && fs.NArg() > 0 {
		err = fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return err
}

// flagsFailed ends prog after err: help on stdout for --help (exit 0), else the error and
// where to find help (exit 2).
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

// readSecretKey returns the Secret Key, trimmed and checked, from the file path when given,
// else $HUBMESSAGE_SECRET_KEY ("" when unset), and where it came from. An error names the
// source, never the key.
func readSecretKey(path string, env Env) (key, source string, err error) {
	key, source = env.Getenv(secretkey.EnvVar), "$"+secretkey.EnvVar
	if path != "" {
		source = "--secret-key-file " + path
		var f *os.File
		var b []byte
		if f, err = os.Open(path); err != nil {
			return "", source, fmt.Errorf("--secret-key-file: %w", err)
		}
		defer f.Close()
		if b, err = readAtMost(f, maxKeyFileSize); err != nil || len(bytes.TrimSpace(b)) == 0 {
			return "", source, fmt.Errorf("%s: %w", source, cmp.Or(err, errors.New("empty")))
		}
		key = string(b)
	}
	if key = strings.TrimSpace(key); key != "" {
		if err = secretkey.Check(key); err != nil {
			err = fmt.Errorf("%s: %w", source, err)
		}
	}
	return key, source, err
}

// readAtMost reads r to its end, which must come within max bytes.
func readAtMost(r io.Reader, max int) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, int64(max)+1))
	if err == nil && len(b) > max {
		err = fmt.Errorf("larger than %d bytes", max)
	}
	return b, err
}
