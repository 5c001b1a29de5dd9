package contracttest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hubmessage/hubmessage-go/internal/secretkey"
)

// VerifyOptions configures [Verify].
type VerifyOptions struct {
	// SecretKey is sent as the bearer token of every case that needs a valid one. It never
	// appears in a Report: any echo of it in a response is replaced by "[REDACTED]", and a
	// [Result.Curl] names it "$HUBMESSAGE_SECRET_KEY". Verify refuses to run without it
	// ([ErrNoSecretKey]) unless NoAuth is set or the spec declares no security.
	SecretKey string
	// NoAuth runs only the cases that send no Secret Key (ignored_auth) and skips the others;
	// SecretKey, if set, is not sent. Such a run checks no data validation.
	NoAuth bool
	// Positive also runs the positive_data_acceptance cases, which may change state on the
	// server (create or delete a resource, use up a single-use value).
	Positive bool
	// Cases supplies the spec and the values requests are built from (parameters, body
	// properties).
	Cases CaseOptions
	// HTTPClient sends the requests (a copy that never follows a redirect); nil means a client
	// with a 30-second timeout.
	HTTPClient *http.Client
	// Coverage, if set, records the (operationId, status) of every documented exchange.
	Coverage *Coverage
	// Stateful also follows the spec's links after the cases: it runs each operation whose 2xx
	// response links to others with `$response.body#/…` parameters, calls the linked ones with
	// the values from its response (DELETE last), checks [CheckEnsureResourceAvailability],
	// [CheckDeleteWhileLinked], [CheckSingleUseValueReuse] and [CheckUseAfterFree], and deletes
	// what it created ([CheckCleanup] names what it could not). It CHANGES STATE and needs
	// SecretKey.
	Stateful bool
	// CodeSource supplies each single-use value a stateful request needs; nil means the
	// spec's example.
	CodeSource CodeSource
	// CodeName is the name of the single-use value (such as an OAuth authorization code): the
	// path or query parameter or top-level body property CodeSource fills. "" means "code".
	// A Cases.Values entry of that name is as secret as the Secret Key: it never appears in a
	// Report or in the formatted options.
	CodeName string
}

// codeName is the name of the single-use value.
func (o VerifyOptions) codeName() string { return cmp.Or(o.CodeName, "code") }

// ErrNoSecretKey is returned by [Verify] given no Secret Key and not NoAuth, for a spec that
// declares security: almost every case needs the key, and a run that skips them would pass
// while checking nothing. A spec without security needs no key.
var ErrNoSecretKey = errors.New("contracttest: no Secret Key: every case but ignored_auth sends one (set VerifyOptions.NoAuth to run those alone)")

// Verify runs the spec's [Cases] against the server at baseURL (which may include a base path)
// and checks every response: the case's expectation, then status_code_conformance,
// content_type_conformance, response_schema_conformance and not_a_server_error. Only cases that
// cannot change state run unless opts.Positive is set. A positive case on a path that an earlier
// positive DELETE removed (the same path, or one below it) may also get 404: two documented
// delete examples cannot both delete one resource. The error is for unusable options (a bad
// base URL, a [*ValueError] in opts.Cases); a server that fails shows up in the Report. The run
// stops when ctx ends or after 3 requests in a row got no HTTP answer (a timeout, a refused
// connection); every case not yet run is then in the Report as not run, and
// [Report.SetupError] says why.
func Verify(ctx context.Context, baseURL string, opts VerifyOptions) (*Report, error) {
	base, err := ParseBaseURL(baseURL)
	if err != nil {
		return nil, err
	}
	v, err := validatorFor(opts.Cases.Spec)
	if err != nil {
		return nil, err
	}
	cases, err := generate(v, opts.Cases.Values)
	if err != nil {
		return nil, err
	}
	if opts.SecretKey == "" && !opts.NoAuth && slices.ContainsFunc(cases, func(c Case) bool { return c.UseSecretKey }) {
		return nil, ErrNoSecretKey
	}
	if opts.NoAuth {
		opts.SecretKey = ""
	}
	// A given single-use value is as secret as the key in a report.
	r := &runner{v: v, client: noRedirects(opts.HTTPClient), base: base, key: opts.SecretKey, coverage: opts.Coverage,
		secrets: []string{opts.SecretKey, opts.Cases.Values[opts.codeName()]}}
	report := &Report{BaseURL: base.String()}
	var deleted []string // paths a positive DELETE removed
	for _, c := range cases {
		res := r.resultOf(c)
		switch {
		case c.ChangesState && !opts.Positive:
			res.Skipped = "changes state; run with --positive to include it"
		case c.UseSecretKey && opts.SecretKey == "":
			res.Skipped = "sends the Secret Key; --no-auth runs only the cases that send none"
		default:
			if c.ChangesState && under(c.Path, deleted) {
				c.Want = append(slices.Clip(c.Want), "404")
			}
			res, _ = r.runCase(ctx, c)
			if c.ChangesState && c.Method == http.MethodDelete && ok2xx(res.Status) {
				deleted = append(deleted, pathOnly(c.Path))
			}
		}
		report.Results = append(report.Results, res)
	}
	if opts.Stateful {
		report.Results = append(report.Results, runStateful(ctx, r, opts)...)
	}
	for i, res := range report.Results { // the one place a failure's curl line is written
		if res.failed() && res.Request != nil {
			report.Results[i].Curl = res.Request.Curl(report.BaseURL)
		}
	}
	return report, nil
}

// under reports whether target's path is one of paths or below one of them.
func under(target string, paths []string) bool {
	p := pathOnly(target)
	return slices.ContainsFunc(paths, func(d string) bool { return p == d || strings.HasPrefix(p, d+"/") })
}

// pathOnly is target (path and query) without its query.
func pathOnly(target string) string {
	p, _, _ := strings.Cut(target, "?")
	return p
}

// noRedirects is a copy of c (nil: a client with a 30-second timeout) that never follows a
// redirect. A contract check judges the answer it got: a redirect is one (a failure unless
// documented), never followed, so the Secret Key and single-use values go to no other server.
func noRedirects(c *http.Client) *http.Client {
	cp := *cmp.Or(c, &http.Client{Timeout: 30 * time.Second})
	cp.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &cp
}

// ParseBaseURL checks that s is an absolute http or https URL and returns it without a
// trailing slash.
func ParseBaseURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil {
		// url.Error repeats the whole URL, user info and password included: keep its cause only.
		return nil, fmt.Errorf("base URL: not a URL: %w", errors.Unwrap(err))
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("base URL %q: must be an absolute http:// or https:// URL", u.Redacted())
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("base URL %q: must not carry user info, a query or a fragment", u.Redacted())
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawPath = ""
	return u, nil
}

type runner struct {
	v        *Validator
	client   *http.Client
	base     *url.URL
	key      string
	coverage *Coverage
	secrets  []string // the Secret Key and the single-use codes sent: never in a Result
	silent   int      // requests in a row that got no HTTP answer (a timeout, a refused connection)
}

// maxSilent is how many requests in a row may get no HTTP answer before the run stops sending:
// against a silent server every case would wait the client's whole timeout.
const maxSilent = 3

// notRunPrefix starts the Skipped reason of a case the run ended before; [Report.SetupError]
// counts them.
const notRunPrefix = "not run: "

// stopped is why no more requests are sent, as a Skipped reason, or "".
func (r *runner) stopped(ctx context.Context) string {
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return notRunPrefix + "the run reached its deadline"
	case ctx.Err() != nil:
		return notRunPrefix + "the run was cancelled"
	case r.silent >= maxSilent:
		return fmt.Sprintf("%sthe server at %s did not answer %d requests in a row", notRunPrefix, r.base, maxSilent)
	}
	return ""
}

// resultOf is the Result of c before it runs.
func (r *runner) resultOf(c Case) Result {
	return Result{Case: c.Name, Check: c.Check, Operation: c.Operation, Method: c.Method, Path: r.redact(c.Path)}
}

// runCase runs c and returns its Result and the response body; once the run is
// [runner.stopped], c is not run.
func (r *runner) runCase(ctx context.Context, c Case) (Result, []byte) {
	res := r.resultOf(c)
	if res.Skipped = r.stopped(ctx); res.Skipped != "" {
		return res, nil
	}
	q := sentOf(c)
	start := time.Now()
	var body []byte
	res.Status, body, res.Failures = r.run(ctx, c, q)
	res.Duration = time.Since(start)
	res.Request = r.redacted(q)
	switch {
	case res.Status != 0: // any answer, even a 500
		r.silent = 0
	case ctx.Err() != nil: // cut short by the run's end, not by the server
		res = r.resultOf(c)
		res.Skipped = r.stopped(ctx)
	default:
		r.silent++
	}
	return res, body
}

// sentOf is what c sends, but the Secret Key.
func sentOf(c Case) SentRequest {
	q := SentRequest{Method: c.Method, Path: c.Path, Header: http.Header{}, Body: string(c.Body),
		UseSecretKey: c.UseSecretKey, Want: slices.Clone(c.Want)}
	maps.Copy(q.Header, c.Header.Clone())
	if !c.UseSecretKey && c.Authorization != "" {
		q.Header.Set("Authorization", c.Authorization)
	}
	if len(q.Header) == 0 {
		q.Header = nil // as JSON reads it back
	}
	return q
}

// redacted is q without the Secret Key or a single-use code, even in a --param value that
// happens to hold one.
func (r *runner) redacted(q SentRequest) *SentRequest {
	q.Path, q.Body, q.Header = r.redact(q.Path), r.redact(q.Body), q.Header.Clone()
	for _, vs := range q.Header {
		for i, v := range vs {
			vs[i] = r.redact(v)
		}
	}
	return &q
}

// maxReportedBody is how much of a response body a failure message quotes.
const maxReportedBody = 200

// run sends q, c's request, and checks the response: c's expectation, then its conformance.
func (r *runner) run(ctx context.Context, c Case, q SentRequest) (int, []byte, []Failure) {
	resp, err := r.send(ctx, q)
	if err != nil {
		return 0, nil, []Failure{{"request", r.redact(err.Error())}}
	}
	body, complete, err := bufferBody(resp.Body, DefaultMaxBody)
	resp.Body.Close()
	if err != nil {
		return resp.StatusCode, nil, []Failure{{"request", r.redact("read response body: " + err.Error())}}
	}
	shown := quote([]byte(r.redact(string(body)))) // redacted before it is cut short
	var fails []Failure
	fail := func(check, format string, args ...any) {
		fails = append(fails, Failure{check, r.redact(fmt.Sprintf(format, args...))})
	}
	if !statusMatches(resp.StatusCode, c.Want) {
		fail(c.Check, "status %d, want %s; body: %s", resp.StatusCode, strings.Join(c.Want, " or "), shown)
	}
	if c.Check == CheckUnsupportedMethod && resp.StatusCode == http.StatusMethodNotAllowed {
		allow := resp.Header.Values("Allow")
		got := strings.Split(strings.Join(allow, ","), ",")
		for i := range got {
			got[i] = strings.ToUpper(strings.TrimSpace(got[i]))
		}
		for _, m := range c.WantAllow {
			if !slices.Contains(got, m) {
				fail(c.Check, "405 without %s in its Allow header (Allow: %q)", m, strings.Join(allow, ", "))
			}
		}
	}
	if resp.StatusCode >= 500 {
		fail(CheckNotAServerError, "status %d; body: %s", resp.StatusCode, shown)
	}
	route, probe := r.routeFor(c)
	if route == nil {
		return resp.StatusCode, body, fails
	}
	if probe.Method == c.Method {
		r.coverage.Record(route.OperationID(), resp.StatusCode)
	}
	if !complete {
		fail(CheckResponseSchemaConformance, "not validated: body longer than %d bytes", DefaultMaxBody)
		return resp.StatusCode, body, fails
	}
	err = r.v.ValidateResponseFor(route, probe.WithContext(ctx), resp.StatusCode, resp.Header, body)
	for _, viol := range asViolations(err, Response, route.OperationID()) {
		fail(checkFor(viol), "%s: %s", viol.Location, viol.Reason)
	}
	return resp.StatusCode, body, fails
}

// send sends q to the server, with the Secret Key when q uses it.
func (r *runner) send(ctx context.Context, q SentRequest) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, q.Method, r.base.String()+q.Path, strings.NewReader(q.Body))
	if err != nil {
		return nil, err
	}
	maps.Copy(req.Header, q.Header)
	if q.UseSecretKey {
		req.Header.Set("Authorization", "Bearer "+r.key)
	}
	return r.client.Do(req)
}

// routeFor is the documented operation a case's response is checked against, and a request
// for it relative to the base URL: the case's own operation, or for unsupported_method one
// documented at the same path. unknown_path has none.
func (r *runner) routeFor(c Case) (*Route, *http.Request) {
	if c.Operation == "" {
		return nil, nil
	}
	for _, m := range append([]string{c.Method}, c.WantAllow...) {
		probe, ok := routeRequest(m, c.Path)
		if !ok {
			return nil, nil
		}
		if route, err := r.v.FindRoute(probe); err == nil {
			return route, probe
		}
	}
	return nil, nil
}

// redact removes the Secret Key and every single-use code sent from text that may hold them
// or echo what the server sent back.
func (r *runner) redact(s string) string {
	for _, secret := range r.secrets {
		s = secretkey.Redact(s, secret)
	}
	return s
}

// checkFor names the response check a response violation belongs to.
func checkFor(v Violation) string {
	switch {
	case v.Location == "status":
		return CheckStatusCodeConformance
	case strings.EqualFold(v.Location, "header Content-Type"):
		return CheckContentTypeConformance
	case strings.HasPrefix(v.Location, "header"):
		return CheckResponseHeaders
	}
	return CheckResponseSchemaConformance
}

// statusMatches reports whether status is one of want: "404", or a range such as "4XX".
func statusMatches(status int, want []string) bool {
	s := strconv.Itoa(status)
	return slices.ContainsFunc(want, func(w string) bool { return w == s || strings.EqualFold(w, s[:1]+"XX") })
}

func quote(body []byte) string {
	if len(body) > maxReportedBody {
		return strconv.Quote(string(body[:maxReportedBody])) + "…"
	}
	return strconv.Quote(string(body))
}

// Format prints the options with the Secret Key and the Cases.Values entry named CodeName
// redacted, whatever the verb.
func (o VerifyOptions) Format(f fmt.State, verb rune) {
	type plain VerifyOptions // no methods, so no recursion
	if o.SecretKey != "" {
		o.SecretKey = secretkey.Redacted
	}
	if _, ok := o.Cases.Values[o.codeName()]; ok {
		o.Cases.Values = maps.Clone(o.Cases.Values) // the caller's map stays as it is
		o.Cases.Values[o.codeName()] = secretkey.Redacted
	}
	fmt.Fprintf(f, fmt.FormatString(f, verb), plain(o))
}
