package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/hubmessage/hubmessage-go/contracttest"
)

// verifyKeyEnv names the variable verify reads the Secret Key from; it is never a flag, so it
// does not end up in shell history or a process list.
const verifyKeyEnv = "HUBMESSAGE_SECRET_KEY"

// verifyConfig is a parsed `hubmessage verify` command line.
type verifyConfig struct {
	baseURL  string
	format   string // text, json or junit
	output   string // file, or "" / "-" for stdout
	positive bool
	timeout  time.Duration
	inputs   contracttest.CaseOptions
}

var verifyFormats = []string{"text", "json", "junit"}

// parseVerifyFlags parses verify's flags; its errors are usage errors.
func parseVerifyFlags(args []string, stderr io.Writer) (verifyConfig, error) {
	var c verifyConfig
	var channel, code, waba, phone string
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.baseURL, "base-url", "", "base URL of the server to check, e.g. http://localhost:8080 (required)")
	fs.StringVar(&c.format, "format", "text", "report format: "+strings.Join(verifyFormats, ", "))
	fs.StringVar(&c.output, "output", "", "write the report to this file instead of stdout")
	fs.BoolVar(&c.positive, "positive", false, "also send the spec's valid request examples; they CHANGE STATE (connect a channel, use up a code)")
	fs.StringVar(&channel, "channel", "", "channel id for the requests (default: the spec's example)")
	fs.StringVar(&code, "code", "", "Embedded Signup code for positive requests (default: the spec's examples; single-use, ~30 s)")
	fs.StringVar(&waba, "waba", "", "wabaId for the requests (default: the spec's examples)")
	fs.StringVar(&phone, "phone", "", "phoneId for the requests (default: the spec's examples)")
	fs.DurationVar(&c.timeout, "timeout", 30*time.Second, "timeout of each request")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: hubmessage verify --base-url URL [flags]")
		fmt.Fprintln(fs.Output())
		fmt.Fprintln(fs.Output(), "Runs contract cases generated from the spec against a server and reports each as")
		fmt.Fprintln(fs.Output(), "pass or fail. Only cases that cannot change state run unless --positive is given.")
		fmt.Fprintf(fs.Output(), "The Secret Key is read from $%s; cases that need it are skipped without it.\n", verifyKeyEnv)
		fmt.Fprintln(fs.Output(), "Exit status: 0 all passed, 1 a case failed, 2 usage error.")
		fmt.Fprintln(fs.Output())
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("verify: unexpected argument %q", fs.Arg(0))
	}
	if c.baseURL == "" {
		return c, errors.New("verify: --base-url is required")
	}
	if _, err := contracttest.ParseBaseURL(c.baseURL); err != nil {
		return c, fmt.Errorf("verify: --base-url: %w", err)
	}
	if !slices.Contains(verifyFormats, c.format) {
		return c, fmt.Errorf("verify: --format %q: must be one of %s", c.format, strings.Join(verifyFormats, ", "))
	}
	if c.timeout <= 0 {
		return c, fmt.Errorf("verify: --timeout %v: must be positive", c.timeout)
	}
	values := map[string]string{"channelId": channel, "code": code, "wabaId": waba, "phoneId": phone}
	maps.DeleteFunc(values, func(_, v string) bool { return v == "" })
	if len(values) > 0 {
		c.inputs.Values = values
	}
	return c, nil
}

// runVerify is `hubmessage verify`.
func runVerify(ctx context.Context, args []string, env Env) int {
	c, err := parseVerifyFlags(args, env.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		fmt.Fprintln(env.Stderr, "hubmessage", err)
		return exitUsage
	}
	out, file := env.Stdout, (*os.File)(nil)
	if c.output != "" && c.output != "-" {
		f, err := os.Create(c.output) // before the run, so a bad path fails fast
		if err != nil {
			fmt.Fprintln(env.Stderr, "hubmessage verify: --output:", err)
			return exitUsage
		}
		defer f.Close()
		out, file = f, f
	}
	key := env.Getenv(verifyKeyEnv)
	report, err := contracttest.Verify(ctx, c.baseURL, contracttest.VerifyOptions{
		SecretKey: key, Positive: c.positive, Cases: c.inputs, HTTPClient: &http.Client{Timeout: c.timeout},
	})
	if err != nil {
		fmt.Fprintln(env.Stderr, "hubmessage verify:", verifyRedact(err.Error(), key))
		return exitUsage
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

// verifyRedact removes the Secret Key from s.
func verifyRedact(s, key string) string {
	if key == "" {
		return s
	}
	return strings.ReplaceAll(s, key, "[REDACTED]")
}
