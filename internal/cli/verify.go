package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/hubmessage/hubmessage-go/contracttest"
	"github.com/hubmessage/hubmessage-go/internal/secretkey"
)

const verifyUsage = `Usage: hubmessage verify --base-url URL [flags]

Runs contract cases generated from openapi/hubmessage.yaml against a running server, for
every operation, and reports each case as PASS, FAIL or SKIP. Only cases that cannot
change state run unless --positive is given. The Secret Key is read from
$HUBMESSAGE_SECRET_KEY (never from a flag); the cases that need it are skipped without it.

Flags:
  --base-url URL        base URL of the server to check, e.g. http://localhost:8080 (required)
  --format FORMAT       report format: text (default), json or junit
  --output FILE         write the report to FILE instead of stdout
  --positive            also send valid requests to every operation (its documented examples,
                        else values built from the schema); they CHANGE STATE on the server
                        as the operations do (e.g. connect a channel, use up a single-use code)
  --param NAME=VALUE    use VALUE for every path or query parameter and top-level request
                        body property named NAME, in every operation that has one
                        (repeatable; default: the spec's examples). VALUE is read as the
                        schema's type (true, 42, JSON) and must be valid there.
  --timeout DURATION    timeout of each request (default 30s)
  --stateful            also follow the spec's links: create a resource, call each linked
                        operation with its id, check ensure_resource_availability,
                        use_after_free and the lifecycle rules, then delete it; CHANGES STATE
  --code CODE           the single-use code a stateful connect sends; a code connects once, so
                        get a fresh one for each run. Without it, a server that issues codes
                        at POST /_mock/codes (hubmessage mock) gives one per connect; else the
                        spec's example is sent

Examples:
  hubmessage verify --base-url http://localhost:8080
  hubmessage verify --base-url URL --format junit --output verify.xml
  hubmessage verify --base-url URL --positive --param channelId=019E4C54B1B375A28970B605CA9B03C3 --param code=AQB...

Exit status: 0 all cases passed, 1 a case failed, 2 usage error.
`

// verifyConfig is a parsed `hubmessage verify` command line.
type verifyConfig struct {
	baseURL  string
	format   string // text, json or junit
	output   string // file, or "" / "-" for stdout
	positive bool
	timeout  time.Duration
	values   map[string]string // from --param
	stateful bool
	code     string // from --code; never printed
}

var verifyFormats = []string{"text", "json", "junit"}

// paramFlags collects --param arguments as given; they are checked after parsing, because
// package flag would repeat a rejected value (possibly a code) in its error.
type paramFlags []string

func (p *paramFlags) String() string     { return "" }
func (p *paramFlags) Set(s string) error { *p = append(*p, s); return nil }

// parseVerifyFlags parses verify's flags; its errors are usage errors that name the flag and
// never repeat a --param value.
func parseVerifyFlags(args []string) (verifyConfig, error) {
	var c verifyConfig
	var params paramFlags
	fs := flag.NewFlagSet("hubmessage verify", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are printed once by runVerify; --help prints verifyUsage
	fs.StringVar(&c.baseURL, "base-url", "", "")
	fs.StringVar(&c.format, "format", "text", "")
	fs.StringVar(&c.output, "output", "", "")
	fs.BoolVar(&c.positive, "positive", false, "")
	fs.Var(&params, "param", "")
	fs.DurationVar(&c.timeout, "timeout", 30*time.Second, "")
	fs.BoolVar(&c.stateful, "stateful", false, "")
	fs.StringVar(&c.code, "code", "", "")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if c.baseURL == "" {
		return c, errors.New("--base-url is required")
	}
	if _, err := contracttest.ParseBaseURL(c.baseURL); err != nil {
		return c, fmt.Errorf("--base-url: %w", err)
	}
	if !slices.Contains(verifyFormats, c.format) {
		return c, fmt.Errorf("--format %q: must be one of %s", c.format, strings.Join(verifyFormats, ", "))
	}
	if c.code != "" && !c.stateful {
		return c, errors.New("--code: only a --stateful run sends it")
	}
	if c.timeout <= 0 {
		return c, fmt.Errorf("--timeout %v: must be positive", c.timeout)
	}
	for _, p := range params {
		name, value, ok := strings.Cut(p, "=")
		if !ok || name == "" {
			return c, errors.New("--param: want NAME=VALUE, e.g. --param channelId=019E4C54B1B375A28970B605CA9B03C3")
		}
		if _, dup := c.values[name]; dup {
			return c, fmt.Errorf("--param %s: given twice", name)
		}
		if c.values == nil {
			c.values = map[string]string{}
		}
		c.values[name] = value
	}
	return c, nil
}

// runVerify is `hubmessage verify`.
func runVerify(ctx context.Context, args []string, env Env) int {
	usageErr := func(format string, args ...any) int {
		fmt.Fprintf(env.Stderr, "hubmessage verify: "+format+"\nRun 'hubmessage verify --help' for usage.\n", args...)
		return exitUsage
	}
	c, err := parseVerifyFlags(args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(env.Stdout, verifyUsage)
		return exitOK
	}
	if err != nil {
		return usageErr("%v", err)
	}
	key := env.Getenv(secretkey.EnvVar)
	if key != "" {
		if err := secretkey.Check(key); err != nil {
			return usageErr("$%s: %v", secretkey.EnvVar, err)
		}
	}
	inputs := contracttest.CaseOptions{Values: c.values}
	if _, err := contracttest.Cases(inputs); err != nil { // before --output is created
		var bad *contracttest.ValueError
		if errors.As(err, &bad) {
			return usageErr("--param %s: %s", bad.Name, bad.Reason)
		}
		fmt.Fprintln(env.Stderr, "hubmessage verify:", strings.TrimPrefix(err.Error(), "contracttest: "))
		return exitFail
	}
	out, file := env.Stdout, (*os.File)(nil)
	if c.output != "" && c.output != "-" {
		f, err := os.Create(c.output) // before the run, so a bad path fails fast
		if err != nil {
			return usageErr("--output: %v", err)
		}
		defer f.Close()
		out, file = f, f
	}
	opts := contracttest.VerifyOptions{
		SecretKey: key, Positive: c.positive, Cases: inputs, HTTPClient: &http.Client{Timeout: c.timeout},
		Stateful: c.stateful,
	}
	if note := statefulCodes(ctx, c, &opts); note != "" {
		fmt.Fprintln(env.Stderr, "hubmessage verify:", secretkey.Redact(note, key))
	}
	report, err := contracttest.Verify(ctx, c.baseURL, opts)
	if err != nil {
		fmt.Fprintln(env.Stderr, "hubmessage verify:", secretkey.Redact(strings.TrimPrefix(err.Error(), "contracttest: "), key))
		return exitFail
	}
	switch c.format {
	case "json":
		err = report.WriteJSON(out)
	case "junit":
		err = report.WriteJUnit(out)
	default:
		err = report.WriteText(out)
	}
	if file != nil && err == nil {
		err = file.Close()
	}
	if err != nil {
		fmt.Fprintln(env.Stderr, "hubmessage verify: write report:", err)
		return exitFail
	}
	if file != nil {
		passed, failed, skipped := report.Counts()
		fmt.Fprintf(env.Stderr, "hubmessage verify: %d passed, %d failed, %d skipped; report in %s\n", passed, failed, skipped, c.output)
	}
	if !report.Passed() {
		return exitFail
	}
	return exitOK
}

// statefulCodes sets where a stateful run's codes come from: --code, else the server's
// POST /_mock/codes when it answers 201, else the spec's example (the note says so).
func statefulCodes(ctx context.Context, c verifyConfig, opts *contracttest.VerifyOptions) (note string) {
	switch {
	case !c.stateful || opts.SecretKey == "":
	case c.code != "":
		opts.CodeSource = contracttest.FixedCode(c.code)
	default:
		codes, err := contracttest.ProbeMockCodes(ctx, opts.HTTPClient, c.baseURL, opts.SecretKey)
		if codes != nil {
			opts.CodeSource = codes
			return ""
		}
		why := "it has no POST /_mock/codes"
		if err != nil {
			why = err.Error()
		}
		return "--stateful without --code, and the server issues no codes (" + why + "): connect sends the spec's example code"
	}
	return ""
}
