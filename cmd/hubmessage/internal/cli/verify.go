package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"go/build"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/hubmessage/hubmessage-go/contracttest"
	"github.com/hubmessage/hubmessage-go/internal/secretkey"
	"github.com/hubmessage/hubmessage-go/mockserver"
	"github.com/hubmessage/hubmessage-go/openapi"
)

var verifyUsage = `Usage: hubmessage verify [--base-url URL] [flags]

Runs the contract cases generated from a spec (the embedded openapi/hubmessage.yaml, or any
OpenAPI 3.0 document with --spec) against a running server and reports each as PASS, FAIL
(with a curl command that reproduces it) or SKIP, and how many data cases reached the
server's validation. Only cases that cannot change state run, unless --positive or
--stateful is given. The run stops early, and the cases it did not run fail it,
at --max-time or after 3 requests in a row got no answer (a timeout, a refused connection).

Flags:
  --spec FILE              the OpenAPI 3.0 document (YAML or JSON) to check against instead of
                           the embedded one; where it declares no security, no key is needed
  --no-auth                run only the cases that send no Secret Key (ignored_auth)
  --format FORMAT          report format: text (default), json or junit
  --output FILE            write the report to FILE instead of stdout
  --timeout DURATION       timeout of each request (default 30s)
  --max-time DURATION      deadline of the whole run (default 5m)
  --positive               also send valid requests to every operation (its examples, else
                           values from the schema): they CHANGE STATE on the server
  --param NAME=VALUE       use VALUE, read as the schema's type (true, 42, JSON), for every
                           parameter and top-level body property named NAME (repeatable;
                           default: the spec's examples)
  --stateful               also follow the spec's links: create a resource, call each linked
                           operation with its id, then delete it; CHANGES STATE
  --code CODE              the single-use code a stateful connect sends (fresh for each run);
                           default: one per connect from the server's POST /_mock/codes
                           (hubmessage mock), else the spec's example
  --emit-go-test FILE      when a case failed, write FILE (ending in _test.go; package: its
                           directory's, plus _test): a Go test that resends each request that
                           got a wrong status to $HUBMESSAGE_BASE_URL, with the key from
                           $` + secretkey.EnvVar + `; it fails until the server is fixed
` + fmt.Sprintf(connFlagsHelp, "none: required, as a run may change state") + `
Examples:
  export HUBMESSAGE_SECRET_KEY=...   # the Secret Key, not the Public Key
  export HUBMESSAGE_BASE_URL=http://localhost:8080
  hubmessage verify
  hubmessage verify --base-url URL --no-auth --format junit --output verify.xml
  hubmessage verify --base-url URL --emit-go-test regress/verify_regress_test.go
  hubmessage verify --base-url https://staging.example --spec openapi.yaml
  hubmessage verify --base-url URL --positive --param channelId=019E4C54B1B375A28970B605CA9B03C3 --param code=AQB...

Exit status: 0 all cases passed; 1 a case failed, the Secret Key was rejected (401 or 403),
the run stopped early or no case ran; 2 usage error (including no Secret Key without --no-auth).
`

// verifyConfig is a parsed `hubmessage verify` command line.
type verifyConfig struct {
	opts contracttest.VerifyOptions
	connFlags
	reportFlags
	emitTest         string
	specFile         string // --spec; "" is the embedded spec
	code             string // from --code; never printed
	timeout, maxTime time.Duration

	url, keySource, testPkg string // set by prepare: the base URL, from the flag or environment
}

// parseVerifyFlags parses verify's flags; --param values are checked after parsing, as
// package flag would quote a value it refused (a code is a secret).
func parseVerifyFlags(args []string) (verifyConfig, error) {
	c := verifyConfig{opts: contracttest.VerifyOptions{Cases: contracttest.CaseOptions{Values: map[string]string{}}}}
	var params []string
	fs := newFlagSet("hubmessage verify")
	c.connFlags.register(fs)
	c.reportFlags.register(fs)
	fs.BoolVar(&c.opts.Positive, "positive", false, "")
	fs.Func("param", "", func(s string) error { params = append(params, s); return nil })
	fs.DurationVar(&c.timeout, "timeout", 30*time.Second, "")
	fs.DurationVar(&c.maxTime, "max-time", 5*time.Minute, "")
	fs.BoolVar(&c.opts.Stateful, "stateful", false, "")
	fs.StringVar(&c.code, "code", "", "")
	fs.BoolVar(&c.opts.NoAuth, "no-auth", false, "")
	fs.StringVar(&c.emitTest, "emit-go-test", "", "")
	fs.StringVar(&c.specFile, "spec", "", "")
	if err := parseFlags(fs, args); err != nil {
		return c, err
	}
	_, urlErr := contracttest.ParseBaseURL(c.baseURL)
	switch formatErr := c.reportFlags.check(); {
	case c.baseURL != "" && urlErr != nil:
		return c, fmt.Errorf("--base-url: %w", urlErr)
	case formatErr != nil:
		return c, formatErr
	case c.code != "" && !c.opts.Stateful:
		return c, errors.New("--code: only a --stateful run sends it")
	case c.timeout <= 0:
		return c, fmt.Errorf("--timeout %v: must be positive", c.timeout)
	case c.maxTime <= 0:
		return c, fmt.Errorf("--max-time %v: must be positive", c.maxTime)
	}
	for _, p := range params {
		name, value, ok := strings.Cut(p, "=")
		if !ok || name == "" {
			return c, errors.New("--param: want NAME=VALUE, e.g. --param channelId=019E4C54B1B375A28970B605CA9B03C3")
		}
		if _, dup := c.opts.Cases.Values[name]; dup {
			return c, fmt.Errorf("--param %s: given twice", name)
		}
		c.opts.Cases.Values[name] = value
	}
	return c, nil
}

func runVerify(ctx context.Context, args []string, env Env) int {
	c, err := parseVerifyFlags(args)
	if err == nil {
		err = c.prepare(env)
	}
	defer c.reportFlags.close()
	if err != nil {
		return flagsFailed(env, "hubmessage verify", verifyUsage, err)
	}
	report, err := c.verify(ctx, env)
	if err != nil {
		fmt.Fprintln(env.Stderr, "hubmessage verify:", secretkey.Redact(strings.TrimPrefix(err.Error(), "contracttest: "), c.opts.SecretKey))
		return exitFail
	}
	if !c.reportFlags.write(env, "hubmessage verify", report) {
		return exitFail
	}
	return c.verdict(report, env)
}

// prepare checks what parsing could not, and creates the --output file before the run.
func (c *verifyConfig) prepare(env Env) (err error) {
	if c.specFile != "" {
		if c.opts.Cases.Spec, err = readSpec(c.specFile); err != nil {
			return fmt.Errorf("--spec %s: %w", c.specFile, err)
		}
	}
	cases, err := contracttest.Cases(c.opts.Cases)
	var bad *contracttest.ValueError
	switch {
	case errors.As(err, &bad):
		return fmt.Errorf("--param %s: %s", bad.Name, bad.Reason)
	case err != nil && c.specFile != "": // a document OpenAPI accepts that the kit cannot check
		return fmt.Errorf("--spec %s: %w", c.specFile, err)
	case err != nil:
		return err
	}
	var source string
	if c.url, source, err = c.base(env, ""); err != nil { // verify has no default server: it may change state
		return err
	}
	if _, err := contracttest.ParseBaseURL(c.url); err != nil {
		return fmt.Errorf("%s: %w", source, err)
	}
	keyed := slices.ContainsFunc(cases, func(k contracttest.Case) bool { return k.UseSecretKey })
	if !c.opts.NoAuth && keyed { // no key is read unless a case sends it
		api, err := c.connect(env, "")
		if errors.Is(err, errNoSecretKey) {
			return fmt.Errorf("%w, or give --no-auth to run only the cases that send none", err)
		} else if err != nil {
			return err
		}
		c.opts.SecretKey, c.keySource = api.key, api.keySource
	}
	if c.emitTest != "" {
		if c.testPkg, err = testPackageFor(c.emitTest); err != nil {
			return fmt.Errorf("--emit-go-test: %w", err)
		}
	}
	return c.reportFlags.open()
}

// verify runs the cases against the server within --max-time. A stateful run's codes come
// from --code, else the server's POST /_mock/codes, else the spec's example, which stderr then
// notes.
func (c *verifyConfig) verify(ctx context.Context, env Env) (*contracttest.Report, error) {
	ctx, cancel := context.WithTimeout(ctx, c.maxTime)
	defer cancel()
	opts := c.opts
	opts.HTTPClient = &http.Client{Timeout: c.timeout}
	switch {
	case !opts.Stateful || opts.SecretKey == "":
	case c.code != "":
		opts.CodeSource = contracttest.FixedCode(c.code)
	default:
		opts.CodeSource = probeCodes(ctx, opts.HTTPClient, c.url, opts.SecretKey, env.Stderr,
			"hubmessage verify: --stateful without --code, and", "connect sends the spec's example code")
	}
	return contracttest.Verify(ctx, c.url, opts)
}

// verdict says why the report cannot be trusted, then the summary when the report went to
// --output, writes --emit-go-test's file if a case failed, and returns the exit code.
func (c *verifyConfig) verdict(report *contracttest.Report, env Env) int {
	if e := report.SetupError(); e != "" {
		switch {
		case strings.Contains(e, "Secret Key"):
			e += "; check " + c.keySource + " (the Secret Key, not the Public Key, for this server)"
		case strings.HasPrefix(e, "the run reached its deadline"):
			e += "; --max-time was " + c.maxTime.String()
		}
		fmt.Fprintln(env.Stderr, "hubmessage verify:", e)
	}
	if c.file != nil {
		fmt.Fprintf(env.Stderr, "hubmessage verify: %s; report in %s\n", report.Summary(), c.output)
	}
	if c.emitTest != "" && !c.emitGoTest(report, env) {
		return exitFail
	}
	if !report.Passed() {
		return exitFail
	}
	return exitOK
}

// emitGoTest writes --emit-go-test's file when a failed case can be replayed, says what it
// did, and reports whether it could write the file.
func (c *verifyConfig) emitGoTest(report *contracttest.Report, env Env) bool {
	_, failed, _ := report.Counts()
	replayed, vars := 0, envBaseURL
	for _, res := range report.Results {
		if res.Replayable() {
			replayed++
			if res.Request.UseSecretKey {
				vars = envBaseURL + " and " + secretkey.EnvVar
			}
		}
	}
	switch {
	case failed == 0:
		fmt.Fprintf(env.Stderr, "hubmessage verify: no case failed; %s not written\n", c.emitTest)
		return true
	case replayed == 0:
		fmt.Fprintf(env.Stderr, "hubmessage verify: every failed case got a status it wanted (only verify checks headers and bodies); %s not written\n", c.emitTest)
		return true
	}
	var b bytes.Buffer
	err := report.WriteRegressionTest(&b, c.testPkg)
	if err == nil {
		err = os.WriteFile(c.emitTest, b.Bytes(), 0o644)
	}
	if err != nil {
		fmt.Fprintln(env.Stderr, "hubmessage verify: --emit-go-test:", err)
		return false
	}
	count := fmt.Sprintf("%d failed cases", failed)
	if replayed < failed {
		count = fmt.Sprintf("%d of %d failed cases (those with a wrong status)", replayed, failed)
	}
	fmt.Fprintf(env.Stderr, "hubmessage verify: %s replayed in %s: go test it with %s set\n", count, c.emitTest, vars)
	return true
}

// testPackageFor is the package of a test file at path: the _test package of its directory's
// Go package, else of one named after the directory.
func testPackageFor(path string) (string, error) {
	if !strings.HasSuffix(path, "_test.go") {
		return "", fmt.Errorf("%s: must end in _test.go", path)
	}
	dir := filepath.Dir(path)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return "", fmt.Errorf("%s: directory %s does not exist", path, dir)
	}
	if p, err := build.ImportDir(dir, 0); err == nil {
		return p.Name + "_test", nil
	}
	abs, _ := filepath.Abs(dir) // "" only if the working directory is gone: then "regression"
	name := strings.Map(func(r rune) rune {
		if r == '_' || 'a' <= r && r <= 'z' || '0' <= r && r <= '9' {
			return r
		}
		return -1
	}, strings.ToLower(filepath.Base(abs)))
	if name == "" || name[0] <= '9' {
		name = "regression"
	}
	return name + "_test", nil
}

// maxSpecSize bounds --spec: a large API's spec is a few MB.
const maxSpecSize = 32 << 20

// readSpec reads and checks the OpenAPI 3.0 document at path, examples included.
func readSpec(path string) (*openapi3.T, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := readAtMost(f, maxSpecSize)
	if err != nil {
		return nil, err
	}
	return openapi.Parse(filepath.Base(path), data)
}

// probeCodes asks the server at url for codes (mockserver.ProbeCodes); if it issues none it
// says so on stderr, as "<lead> the server issues no codes (why): <then>", and returns nil.
func probeCodes(ctx context.Context, client *http.Client, url, key string, stderr io.Writer, lead, then string) contracttest.CodeSource {
	codes, err := mockserver.ProbeCodes(ctx, client, url, key)
	why := "it has no POST /_mock/codes"
	if err != nil {
		why = secretkey.Redact(err.Error(), key)
	}
	if codes == nil {
		fmt.Fprintf(stderr, "%s the server issues no codes (%s): %s\n", lead, why, then)
	}
	return codes
}
