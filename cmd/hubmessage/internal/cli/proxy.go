package cli

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hubmessage/hubmessage-go/contracttest"
	"github.com/hubmessage/hubmessage-go/internal/httpserve"
	"github.com/hubmessage/hubmessage-go/internal/secretkey"
	"github.com/hubmessage/hubmessage-go/mockserver"
)

const proxyUsage = `Usage: hubmessage proxy --upstream URL [flags]

Runs a reverse proxy to the server at --upstream until SIGINT (Ctrl-C) or SIGTERM: point a
client (your backend, its tests) at the printed URL. Requests and answers pass unchanged,
each checked against the spec (the embedded openapi/hubmessage.yaml, or --spec); every
violation is printed to stderr as it happens, with a curl command that reproduces it against
the upstream. On stop it prints a summary: the exchanges, the violations by operation, the
upstream errors (no answer: the client got 502), and the documented responses the traffic
covered and missed. It never follows a redirect and never retries.

It needs no Secret Key: each client's Authorization header goes to the upstream unchanged and
is never printed or recorded; a curl line says "$` + secretkey.EnvVar + `" in its place, and a
placeholder such as <code-1> for each value of a member or parameter named "code" (or
--redact NAME), which you replace by a fresh one.

Flags:
  --upstream URL           the server to forward to (required); plain http only to a loopback
                           host unless --insecure-http
  --addr HOST:PORT         address to listen on (default 127.0.0.1:8081; port 0: a free one)
  --spec FILE              the OpenAPI 3.0 document (YAML or JSON) to check against instead of
                           the embedded one
  --enforce                answer an invalid request with the spec's error (400, 401, 404, 405,
                           413) instead of forwarding it; answers always pass unchanged
  --record FILE            write each exchange the upstream answered to FILE, a new file
                           (0600), as JSON Lines, the Authorization header and every "code"
                           value replaced by placeholders, numbered within the file (the
                           table that numbers them stops growing at about 8.4 MB)
  --redact NAME            also replace the values of NAME in the recording and the curl
                           lines (repeatable)
  --format FORMAT          summary format: text (default), json or junit (a report: a failed
                           case per exchange with violations, and a case per documented
                           response, skipped when no exchange got it)
  --output FILE            write the summary to FILE instead of stdout
  --timeout DURATION       how long the upstream may take to answer a request; past it the
                           client gets 502 and it counts as an upstream error (default 30s)
  --max-conns N            most connections open at once (default %d); each buffers up to
                           64 KiB of request and 64 KiB of answer to check them (the
                           reference server's body limit), and 32 KiB to copy: at most
                           about 160 MB in all. A longer body passes on unchecked, reported
  --insecure-http          allow a plain http --upstream on a host that is not loopback (the
                           clients' keys then cross the network in clear)

Examples:
  hubmessage mock --addr 127.0.0.1:8080 &
  hubmessage proxy --upstream http://127.0.0.1:8080 --record session.jsonl
  hubmessage proxy --upstream https://staging.example --enforce --format junit --output proxy.xml

Exit status: 0 stopped, and no exchange broke the contract; 1 a violation, no exchange
checked, --record failed, --addr unusable or the server failed; 2 usage error.
`

// proxyConfig is a parsed `hubmessage proxy` command line.
type proxyConfig struct {
	upstream                     *url.URL
	upstreamFlag, addr, specFile string
	record                       string
	redact                       []string
	enforce, insecure            bool
	maxConns                     int
	timeout                      time.Duration
	validator                    *contracttest.Validator
	recordFile                   *os.File
	reportFlags
	recorder, redactor *contracttest.Recorder // redactor: for the curl lines, the recorder if any
}

func parseProxyFlags(args []string) (proxyConfig, error) {
	var c proxyConfig
	fs := newFlagSet("hubmessage proxy")
	fs.StringVar(&c.upstreamFlag, "upstream", "", "")
	fs.StringVar(&c.addr, "addr", "127.0.0.1:8081", "")
	fs.StringVar(&c.specFile, "spec", "", "")
	fs.BoolVar(&c.enforce, "enforce", false, "")
	fs.StringVar(&c.record, "record", "", "")
	fs.Func("redact", "", func(s string) error { c.redact = append(c.redact, s); return nil })
	c.reportFlags.register(fs)
	fs.IntVar(&c.maxConns, "max-conns", httpserve.DefaultMaxConns, "")
	fs.DurationVar(&c.timeout, "timeout", 30*time.Second, "")
	fs.BoolVar(&c.insecure, "insecure-http", false, "")
	if err := parseFlags(fs, args); err != nil {
		return c, err
	}
	var err error
	switch formatErr := c.reportFlags.check(); {
	case c.upstreamFlag == "":
		return c, errors.New("--upstream is required: the URL of the server to forward to")
	case formatErr != nil:
		return c, formatErr
	case c.maxConns <= 0:
		return c, fmt.Errorf("--max-conns: %d is not positive", c.maxConns)
	case c.timeout <= 0:
		return c, fmt.Errorf("--timeout %v: must be positive", c.timeout)
	}
	if c.upstream, err = contracttest.ParseBaseURL(c.upstreamFlag); err != nil {
		return c, fmt.Errorf("--upstream: %w", err)
	}
	if c.upstream.Scheme == "http" && !isLoopbackHost(c.upstream.Hostname()) && !c.insecure {
		return c, fmt.Errorf("--upstream %s: plain http to a host that is not loopback would send the clients' keys in clear; use https, or --insecure-http behind a trusted TLS-terminating proxy", c.upstream)
	}
	if c.redactor, err = contracttest.NewRecorder(io.Discard, contracttest.WithRedact(c.redact...)); err != nil {
		return c, fmt.Errorf("--redact: %s", strings.TrimPrefix(err.Error(), "contracttest: "))
	}
	return c, nil
}

// prepare loads the spec and opens the files, before anything listens.
func (c *proxyConfig) prepare() error {
	var err error
	if c.specFile == "" {
		c.validator, err = contracttest.New()
	} else if doc, specErr := readSpec(c.specFile); specErr != nil {
		err = specErr
	} else {
		c.validator, err = contracttest.NewForSpec(doc)
	}
	if err != nil {
		return fmt.Errorf("--spec %s: %w", cmp.Or(c.specFile, "(embedded)"), err)
	}
	if c.record != "" {
		// A new file: another session's <code-1> would be another code, and a replay would
		// take the two for one.
		if c.recordFile, err = os.OpenFile(c.record, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600); errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("--record %s: the file exists; a recording's placeholders are its own, so give a new file", c.record)
		} else if err != nil {
			return fmt.Errorf("--record: %w", err)
		}
		c.recorder, _ = contracttest.NewRecorder(c.recordFile, contracttest.WithRedact(c.redact...)) // names checked by parse
		// One Recorder numbers both, so that a curl line's <code-2> is the recording's.
		c.redactor = c.recorder
	}
	return c.reportFlags.open()
}

func (c *proxyConfig) close() {
	if c.recordFile != nil {
		c.recordFile.Close()
	}
	c.reportFlags.close()
}

func runProxy(ctx context.Context, args []string, env Env) int {
	c, err := parseProxyFlags(args)
	if err == nil {
		err = c.prepare()
	}
	defer c.close()
	if err != nil {
		return flagsFailed(env, "hubmessage proxy", fmt.Sprintf(proxyUsage, httpserve.DefaultMaxConns), err)
	}
	s, err := newProxySession(&c, env.Stderr)
	if err != nil {
		fmt.Fprintln(env.Stderr, "hubmessage proxy:", err)
		return exitFail
	}
	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		fmt.Fprintf(env.Stderr, "hubmessage proxy: --addr %s: %v\n", c.addr, err)
		return exitFail
	}
	fmt.Fprintf(env.Stdout, "proxying to %s; Ctrl-C stops and prints the summary\nlistening on http://%s\n", c.upstream, ln.Addr())
	bounded := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), c.timeout) // the upstream's answer, too
		defer cancel()
		s.handler.ServeHTTP(w, r.WithContext(ctx))
	})
	if err := httpserve.Serve(ctx, ln, bounded, httpserve.Config{MaxConns: c.maxConns}); err != nil {
		fmt.Fprintln(env.Stderr, "hubmessage proxy:", err)
		return exitFail
	}
	fmt.Fprintln(env.Stdout, "stopped")
	if !c.reportFlags.write(env, "hubmessage proxy", s.summary()) {
		return exitFail
	}
	return s.verdict(env.Stderr)
}

// proxySession is what a running proxy saw, for its stderr lines and its summary.
type proxySession struct {
	cfg      *proxyConfig
	handler  http.Handler
	coverage *contracttest.Coverage
	stderr   io.Writer

	mu           sync.Mutex // guards the fields below and stderr
	exchanges    int
	upstreamErrs int
	recordErr    error
	violating    map[string]int        // operation (or "(no route)") → exchanges with violations
	conforming   map[string]int        // operation → exchanges without
	violations   int                   // exchanges with violations
	failures     []contracttest.Result // the first maxKeptFailures of them, for the report
}

// maxKeptFailures bounds what a session keeps of its violating exchanges (about 1 KB each),
// so that memory stays flat however long it runs; stderr has them all.
const maxKeptFailures = 1000

func newProxySession(c *proxyConfig, stderr io.Writer) (*proxySession, error) {
	cov, err := contracttest.NewCoverage(c.validator)
	if err != nil {
		return nil, err
	}
	s := &proxySession{cfg: c, coverage: cov, stderr: stderr, violating: map[string]int{}, conforming: map[string]int{}}
	mode := contracttest.ReportOnly
	if c.enforce {
		mode = contracttest.EnforceRequests
	}
	opts := []contracttest.CheckOption{contracttest.WithMode(mode), contracttest.WithCoverage(cov),
		contracttest.WithMaxBody(mockserver.DefaultMaxBodyBytes),
		contracttest.OnExchange(s.exchange), contracttest.OnUpstreamError(s.upstreamError)}
	if c.recorder != nil {
		opts = append(opts, contracttest.WithRecorder(c.recorder), contracttest.OnRecordError(s.recordError))
	}
	s.handler = c.validator.Proxy(c.upstream, opts...)
	return s, nil
}

// exchange counts x and prints its violations, each with a curl line that resends the
// request (redacted) to the upstream.
func (s *proxySession) exchange(x contracttest.Exchange, vs contracttest.Violations) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.exchanges++
	if len(vs) == 0 {
		s.conforming[x.Operation]++
		return
	}
	op := cmp.Or(x.Operation, "(no route)")
	s.violating[op]++
	s.violations++
	rec := s.cfg.redactor.Redact(x)
	res := contracttest.Result{Case: "proxy/" + op + "/" + strconv.Itoa(s.violating[op]), Check: "proxy",
		Operation: x.Operation, Method: rec.Method, Path: rec.Path, Status: x.Status, Duration: x.Duration,
		Curl: rec.SentRequest().Curl(s.cfg.upstream.String())}
	key := bearerToken(x.RequestHeader) // a reason could quote it; too short a token would mangle words
	if len(key) < 8 {
		key = ""
	}
	fmt.Fprintf(s.stderr, "hubmessage proxy: violation: %s %s -> %d\n", res.Method, res.Path, res.Status)
	for _, v := range vs {
		msg := secretkey.Redact(v.Location+": "+v.Reason, key)
		res.Failures = append(res.Failures, contracttest.Failure{Check: string(v.Side), Message: msg})
		fmt.Fprintf(s.stderr, "  %s %s: %s\n", v.Operation, v.Side, msg)
	}
	fmt.Fprintf(s.stderr, "  reproduce: %s\n", res.Curl)
	if len(s.failures) < maxKeptFailures {
		s.failures = append(s.failures, res)
	}
}

// bearerToken is the credential of h's Authorization header, "" if none.
func bearerToken(h http.Header) string {
	_, token, _ := strings.Cut(h.Get("Authorization"), " ")
	return strings.TrimSpace(token)
}

func (s *proxySession) upstreamError(r *http.Request, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.upstreamErrs++
	fmt.Fprintf(s.stderr, "hubmessage proxy: upstream error: %s %s: %v (answered 502)\n", r.Method, r.URL.Path, err)
}

func (s *proxySession) recordError(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.recordErr = err
	fmt.Fprintf(s.stderr, "hubmessage proxy: --record %s: %s\n", s.cfg.record, strings.TrimPrefix(err.Error(), "contracttest: "))
}

// proxySummary is a session's summary: its own text, and for json and junit a
// contracttest.Report with a failed Result per exchange with violations, a passed one per
// operation for its conforming exchanges, and per documented response one that passed if
// the traffic covered it, else skipped.
type proxySummary struct {
	*contracttest.Report
	text string
}

func (p proxySummary) WriteText(w io.Writer) error {
	_, err := io.WriteString(w, p.text)
	return err
}

func (s *proxySession) summary() proxySummary {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := &contracttest.Report{BaseURL: s.cfg.upstream.String(), Results: slices.Clone(s.failures), Tool: "hubmessage proxy"}
	if more := s.violations - len(s.failures); more > 0 {
		r.Results = append(r.Results, contracttest.Result{Case: "proxy/not-kept", Check: "proxy", Failures: []contracttest.Failure{
			{Check: "proxy", Message: fmt.Sprintf("%d more exchanges with violations, printed on stderr as they happened", more)}}})
	}
	for _, op := range slices.Sorted(maps.Keys(s.conforming)) {
		r.Results = append(r.Results, contracttest.Result{Case: "proxy/" + op + "/conforming", Check: "proxy", Operation: op})
	}
	var b strings.Builder
	fmt.Fprintf(&b, "hubmessage proxy %s: %d exchanges checked, %d with violations; %d upstream errors\n",
		s.cfg.upstream, s.exchanges, s.violations, s.upstreamErrs)
	if s.violations > len(s.failures) {
		fmt.Fprintf(&b, "  (a json or junit summary details the first %d)\n", len(s.failures))
	}
	for _, op := range slices.Sorted(maps.Keys(s.violating)) {
		fmt.Fprintf(&b, "  %-40s %d exchanges with violations\n", op, s.violating[op])
	}
	covered, missing := s.coverage.Covered(), s.coverage.Missing()
	fmt.Fprintf(&b, "documented responses covered: %d of %d\n", len(covered), len(covered)+len(missing))
	for _, p := range covered {
		fmt.Fprintf(&b, "  covered  %s\n", p)
		r.Results = append(r.Results, contracttest.Result{Case: "coverage/" + strings.Replace(p, " ", "/", 1), Check: "coverage"})
	}
	for _, p := range missing {
		fmt.Fprintf(&b, "  missing  %s\n", p)
		r.Results = append(r.Results, contracttest.Result{Case: "coverage/" + strings.Replace(p, " ", "/", 1), Check: "coverage",
			Skipped: "no exchange got this documented response"})
	}
	return proxySummary{r, b.String()}
}

// verdict is the exit code: a violation, a failed recording, or a session in which nothing
// was checked (the clients never came, or the upstream never answered) is a failure.
func (s *proxySession) verdict(stderr io.Writer) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.violations > 0 || s.recordErr != nil:
		return exitFail
	case s.exchanges == 0:
		fmt.Fprintln(stderr, "hubmessage proxy: no exchange was checked, so nothing passed: did the clients use the proxy's URL, and did the upstream answer?")
		return exitFail
	}
	return exitOK
}
