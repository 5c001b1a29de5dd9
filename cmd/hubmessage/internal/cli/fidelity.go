package cli

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/hubmessage/hubmessage-go/contracttest"
	"github.com/hubmessage/hubmessage-go/internal/secretkey"
	"github.com/hubmessage/hubmessage-go/mockserver"
)

const fidelityUsage = `Usage: hubmessage fidelity --recording FILE [--base-url URL] [flags]

Replays a recording (JSON Lines, a recorded exchange a line, secrets already placeholders)
in order against the reference server and compares each answer with the recorded one: the
status, an error's message, and the body's shape (member names and JSON types). Ids the real
service chose are mapped to those the server chooses; each <code-N> becomes a fresh code (the
same placeholder, the same code); a key the real service refused is sent as an invalid one.
An exchange whose answer cannot be compared (a code that had expired, a value redacted by
name, a withheld body) is not sent. Prints a table by operation, the fidelity (identical
exchanges of those compared) and each difference with both answers and a curl command.

Without --base-url the reference server runs in this process, on a loopback port, with a
generated Secret Key and strict codes; it stops with the run, so to reproduce a difference
with its curl line, run 'hubmessage mock' and replay with --base-url. $` + envBaseURL + `
is not read: a replay changes state, so its server is named on the command line.

Flags:
  --recording FILE         the recording to replay (required)
  --min-fidelity F         the least fidelity that passes, from 0 to 1 (default 1: every
                           comparable exchange identical)
  --format FORMAT          report format: text (default), json or junit
  --output FILE            write the report to FILE instead of stdout
  --base-url URL           replay against the server at URL (a running 'hubmessage mock', say)
                           instead; CHANGES STATE there. Codes come from its POST /_mock/codes;
                           without it, exchanges that send a code are not comparable
  --secret-key-file PATH   with --base-url: read the Secret Key from PATH (default
                           $` + secretkey.EnvVar + `)
  --insecure-http          with --base-url: allow plain http to a host that is not loopback

Examples:
  hubmessage fidelity --recording session.jsonl
  hubmessage fidelity --recording session.jsonl --min-fidelity 0.95 --format junit --output fidelity.xml
  hubmessage fidelity --recording session.jsonl --base-url http://localhost:8080

Exit status: 0 the fidelity is at least --min-fidelity; 1 it is below, or the replay could
not measure it (the server did not answer or refused the Secret Key, or no exchange could be
compared); 2 usage error, including a recording that cannot be read.
`

// fidelityConfig is a parsed `hubmessage fidelity` command line.
type fidelityConfig struct {
	connFlags
	reportFlags
	recording   string
	minFidelity float64

	exchanges []contracttest.RecordedExchange // read by prepare
	api       conn                            // with --base-url: the key and the base URL, set by prepare
}

func parseFidelityFlags(args []string) (fidelityConfig, error) {
	var c fidelityConfig
	fs := newFlagSet("hubmessage fidelity")
	c.connFlags.register(fs)
	fs.StringVar(&c.recording, "recording", "", "")
	c.reportFlags.register(fs)
	fs.Float64Var(&c.minFidelity, "min-fidelity", 1, "")
	if err := parseFlags(fs, args); err != nil {
		return c, err
	}
	switch formatErr := c.reportFlags.check(); {
	case c.recording == "":
		return c, errors.New("--recording is required")
	case formatErr != nil:
		return c, formatErr
	case !(c.minFidelity >= 0 && c.minFidelity <= 1):
		return c, fmt.Errorf("--min-fidelity %v: must be from 0 to 1", c.minFidelity)
	case c.baseURL == "" && (c.keyFile != "" || c.insecure):
		return c, errors.New("--secret-key-file and --insecure-http need --base-url: the in-process server has its own key")
	}
	return c, nil
}

func runFidelity(ctx context.Context, args []string, env Env) int {
	c, err := parseFidelityFlags(args)
	if err == nil {
		err = c.prepare(env)
	}
	defer c.reportFlags.close()
	if err != nil {
		return flagsFailed(env, "hubmessage fidelity", fidelityUsage, err)
	}
	var report *contracttest.FidelityReport
	if c.baseURL == "" {
		report, err = c.inProcess(ctx)
	} else {
		report, err = c.remote(ctx, env)
	}
	if err != nil {
		fmt.Fprintln(env.Stderr, "hubmessage fidelity:", strings.TrimPrefix(err.Error(), "contracttest: "))
		return exitFail
	}
	if !c.reportFlags.write(env, "hubmessage fidelity", report) {
		return exitFail
	}
	if e := report.SetupError(); e != "" {
		fmt.Fprintln(env.Stderr, "hubmessage fidelity:", e)
	}
	if c.file != nil {
		fmt.Fprintf(env.Stderr, "hubmessage fidelity: %s; report in %s\n", report.Summary(), c.output)
	}
	if _, different, _ := report.Counts(); different > 0 && c.baseURL == "" {
		fmt.Fprintln(env.Stderr, "hubmessage fidelity: the curl lines name the in-process server, gone with the run: start 'hubmessage mock', replay with --base-url, then use them")
	}
	if !report.Passed(c.minFidelity) {
		return exitFail
	}
	return exitOK
}

// prepare reads the whole recording, so that a bad line stops the run before anything is
// sent, the Secret Key with --base-url, and creates the --output file.
func (c *fidelityConfig) prepare(env Env) error {
	var err error
	if c.baseURL != "" {
		if c.api, err = c.connect(env, ""); err != nil {
			return err
		}
	}
	f, err := os.Open(c.recording)
	if err != nil {
		return fmt.Errorf("--recording: %w", err)
	}
	defer f.Close()
	for x, err := range contracttest.ReadRecording(f) {
		if err != nil {
			return fmt.Errorf("--recording %s: %s", c.recording, strings.TrimPrefix(err.Error(), "contracttest: recording "))
		}
		c.exchanges = append(c.exchanges, x)
	}
	return c.reportFlags.open()
}

// recorded is the recording read by prepare, as Replay takes it.
func (c *fidelityConfig) recorded() iter.Seq2[contracttest.RecordedExchange, error] {
	return func(yield func(contracttest.RecordedExchange, error) bool) {
		for _, x := range c.exchanges {
			if !yield(x, nil) {
				return
			}
		}
	}
}

// inProcess replays against the reference server run in this process, on a loopback port
// (as demo runs it), with a generated key, strict codes and its own code source.
func (c *fidelityConfig) inProcess(ctx context.Context) (*contracttest.FidelityReport, error) {
	s, err := mockserver.New(mockserver.WithStrictCodes())
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	serveCtx, stop := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- s.Serve(serveCtx, ln) }() // ln already accepts: no wait for readiness
	transport := http.DefaultTransport.(*http.Transport).Clone()
	defer transport.CloseIdleConnections()
	opts := mockserver.ReplayOptions()
	opts.SecretKey, opts.CodeSource = s.SecretKey(), s.CodeSource()
	opts.HTTPClient = &http.Client{Transport: transport, Timeout: 30 * time.Second}
	report, err := contracttest.Replay(ctx, "http://"+ln.Addr().String(), c.recorded(), opts)
	stop()
	if serveErr := <-served; err == nil && serveErr != nil {
		err = fmt.Errorf("reference server: %w", serveErr)
	}
	return report, err
}

// remote replays against --base-url, with the Secret Key and codes from its POST /_mock/codes.
func (c *fidelityConfig) remote(ctx context.Context, env Env) (*contracttest.FidelityReport, error) {
	api := c.api
	opts := mockserver.ReplayOptions()
	opts.SecretKey, opts.HTTPClient = api.key, &http.Client{Timeout: 30 * time.Second}
	opts.CodeSource = probeCodes(ctx, opts.HTTPClient, api.baseURL, api.key, env.Stderr,
		"hubmessage fidelity:", "exchanges that send a code are not comparable")
	report, err := contracttest.Replay(ctx, api.baseURL, c.recorded(), opts)
	if err != nil {
		err = errors.New(secretkey.Redact(err.Error(), api.key))
	}
	return report, err
}
