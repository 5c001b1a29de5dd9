package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"go/parser"
	"go/token"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/hubmessage/hubmessage-go/contracttest"
	"github.com/hubmessage/hubmessage-go/internal/secretkey"
	"github.com/hubmessage/hubmessage-go/mockserver"
)

const verifyUsage = `Usage: hubmessage verify --base-url URL [flags]

Runs contract cases generated from openapi/hubmessage.yaml against a running server, for
every operation, and reports each case as PASS, FAIL or SKIP; each failure comes with a
curl command that reproduces it. Only cases that cannot change state run unless
--positive is given. The Secret Key is read from $HUBMESSAGE_SECRET_KEY (never from a
flag); verify refuses to run without it unless --no-auth is given.

The run fails, whatever its counts, when a case that sends the Secret Key gets 401 or 403
(the key is wrong: no data case reached the server's validation) or when no case ran.
The summary says how many data cases reached the server's validation: a
negative_data_rejection case answered 4XX other than 401, 403, 404 and 405, or a
positive_data_acceptance case answered 2XX or 422.

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
  --no-auth             run only the cases that send no Secret Key (ignored_auth); the key,
                        if set, is not sent
  --emit-go-test FILE   write FILE, a Go test that replays each failed case against the
                        reference server (mockserver/mocktest) and wants the status the spec
                        documents, to pin a server's bug as a regression test; its package
                        is the directory's own package name plus _test. Not written when no
                        case failed.

Examples:
  export HUBMESSAGE_SECRET_KEY=...   # the Secret Key, not the Public Key
  hubmessage verify --base-url http://localhost:8080
  hubmessage verify --base-url URL --no-auth
  hubmessage verify --base-url URL --emit-go-test regress/verify_regress_test.go
  hubmessage verify --base-url URL --format junit --output verify.xml
  hubmessage verify --base-url URL --positive --param channelId=019E4C54B1B375A28970B605CA9B03C3 --param code=AQB...

Exit status: 0 all cases passed, 1 a case failed or the Secret Key was rejected,
2 usage error (including no Secret Key without --no-auth).
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
	noAuth   bool
	emitTest string // --emit-go-test file, or ""
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
	fs.BoolVar(&c.noAuth, "no-auth", false, "")
	fs.StringVar(&c.emitTest, "emit-go-test", "", "")
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
	c, err := parseVerifyFlags(args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(env.Stdout, verifyUsage)
		return exitOK
	}
	if err != nil {
		return verifyUsageErr(env, "%v", err)
	}
	key, testPkg, code := prepareVerify(c, env)
	if code != exitOK {
		return code
	}
	out, file := env.Stdout, (*os.File)(nil)
	if c.output != "" && c.output != "-" {
		f, err := os.Create(c.output) // before the run, so a bad path fails fast
		if err != nil {
			return verifyUsageErr(env, "--output: %v", err)
		}
		defer f.Close()
		out, file = f, f
	}
	report, err := verifyServer(ctx, c, key, env)
	if err != nil {
		fmt.Fprintln(env.Stderr, "hubmessage verify:", secretkey.Redact(strings.TrimPrefix(err.Error(), "contracttest: "), key))
		return exitFail
	}
	if err := writeReport(report, c.format, out, file); err != nil {
		fmt.Fprintln(env.Stderr, "hubmessage verify: write report:", err)
		return exitFail
	}
	if file != nil {
		fmt.Fprintf(env.Stderr, "hubmessage verify: %s; report in %s\n", report.Summary(), c.output)
	}
	return verifyVerdict(report, c.emitTest, testPkg, env)
}

// verifyUsageErr prints a usage error: one line, then where to read more.
func verifyUsageErr(env Env, format string, args ...any) int {
	fmt.Fprintf(env.Stderr, "hubmessage verify: "+format+"\nRun 'hubmessage verify --help' for usage.\n", args...)
	return exitUsage
}

// prepareVerify checks, before any file is created, the --param values and the Secret Key
// (returned; "" with --no-auth), and finds the package of the --emit-go-test file. A code
// other than exitOK says it printed why the run cannot start.
func prepareVerify(c verifyConfig, env Env) (key, testPkg string, code int) {
	if _, err := contracttest.Cases(contracttest.CaseOptions{Values: c.values}); err != nil {
		var bad *contracttest.ValueError
		if errors.As(err, &bad) {
			return "", "", verifyUsageErr(env, "--param %s: %s", bad.Name, bad.Reason)
		}
		fmt.Fprintln(env.Stderr, "hubmessage verify:", strings.TrimPrefix(err.Error(), "contracttest: "))
		return "", "", exitFail
	}
	key = env.Getenv(secretkey.EnvVar)
	switch {
	case c.noAuth:
		key = "" // not sent
	case key == "":
		return "", "", verifyUsageErr(env, "no Secret Key: set $%s to it (export %s=...), or give --no-auth to run only the cases that send none", secretkey.EnvVar, secretkey.EnvVar)
	default:
		if err := secretkey.Check(key); err != nil {
			return "", "", verifyUsageErr(env, "$%s: %v", secretkey.EnvVar, err)
		}
	}
	if c.emitTest != "" {
		var err error
		if testPkg, err = testPackageFor(c.emitTest); err != nil {
			return "", "", verifyUsageErr(env, "--emit-go-test: %v", err)
		}
	}
	return key, testPkg, exitOK
}

// verifyServer runs the cases against the server, saying on stderr where a stateful run's
// codes do not come from.
func verifyServer(ctx context.Context, c verifyConfig, key string, env Env) (*contracttest.Report, error) {
	opts := contracttest.VerifyOptions{
		SecretKey: key, NoAuth: c.noAuth, Positive: c.positive, Cases: contracttest.CaseOptions{Values: c.values},
		HTTPClient: &http.Client{Timeout: c.timeout}, Stateful: c.stateful,
	}
	if note := statefulCodes(ctx, c, &opts); note != "" {
		fmt.Fprintln(env.Stderr, "hubmessage verify:", secretkey.Redact(note, key))
	}
	return contracttest.Verify(ctx, c.baseURL, opts)
}

// writeReport writes the report in format to out, then closes file when it is out.
func writeReport(report *contracttest.Report, format string, out io.Writer, file *os.File) error {
	var err error
	switch format {
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
	return err
}

// verifyVerdict says why the report cannot be trusted, if so, writes the --emit-go-test
// file and returns the exit code.
func verifyVerdict(report *contracttest.Report, emitTest, testPkg string, env Env) int {
	if e := report.SetupError(); e != "" {
		hint := ""
		if strings.Contains(e, "Secret Key") {
			hint = fmt.Sprintf("; check $%s (the Secret Key, not the Public Key, for this server)", secretkey.EnvVar)
		}
		fmt.Fprintf(env.Stderr, "hubmessage verify: %s%s\n", e, hint)
	}
	if emitTest != "" {
		if code := emitGoTest(report, emitTest, testPkg, env); code != exitOK {
			return code
		}
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
		codes, err := mockserver.ProbeCodes(ctx, opts.HTTPClient, c.baseURL, opts.SecretKey)
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

// emitGoTest writes --emit-go-test's file when a case failed.
func emitGoTest(report *contracttest.Report, path, pkg string, env Env) int {
	_, failed, _ := report.Counts()
	if failed == 0 {
		fmt.Fprintf(env.Stderr, "hubmessage verify: no case failed; %s not written\n", path)
		return exitOK
	}
	var b bytes.Buffer
	if err := mockserver.WriteRegressionTest(&b, report, pkg); err != nil {
		fmt.Fprintln(env.Stderr, "hubmessage verify: --emit-go-test:", err)
		return exitFail
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		fmt.Fprintln(env.Stderr, "hubmessage verify: --emit-go-test:", err)
		return exitFail
	}
	fmt.Fprintf(env.Stderr, "hubmessage verify: %d failed cases replayed in %s (go test it beside the module's mockserver)\n", failed, path)
	return exitOK
}

// testPackageFor is the package of a test file written at path: the _test package of the Go
// package already in its directory, else of one named after the directory. The file must end
// in _test.go and its directory exist.
func testPackageFor(path string) (string, error) {
	if !strings.HasSuffix(path, "_test.go") {
		return "", fmt.Errorf("%s: must end in _test.go", path)
	}
	dir := filepath.Dir(path)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return "", fmt.Errorf("%s: directory %s does not exist", path, dir)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		if parsed, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.PackageClauseOnly); err == nil {
			return parsed.Name.Name + "_test", nil
		}
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("%s: %v", path, err)
	}
	name := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '_':
			return r
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		}
		return -1
	}, filepath.Base(abs))
	if name == "" || name[0] >= '0' && name[0] <= '9' {
		name = "regression"
	}
	return name + "_test", nil
}
