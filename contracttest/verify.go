package contracttest

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
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
	// ([ErrNoSecretKey]) unless NoAuth is set.
	SecretKey string
	// NoAuth runs only the cases that send no Secret Key (ignored_auth) and skips the others;
	// SecretKey, if set, is not sent. Such a run checks no data validation.
	NoAuth bool
	// Positive also runs the positive_data_acceptance cases, which may change state on the
	// server (create, connect or delete a channel, use up a single-use code).
	Positive bool
	// Cases supplies the spec and the values requests are built from (parameters, body
	// properties).
	Cases CaseOptions
	// HTTPClient sends the requests; nil means a client with a 30-second timeout.
	HTTPClient *http.Client
	// Coverage, if set, records the (operationId, status) of every documented exchange.
	Coverage *Coverage
	// Stateful also follows the spec's links after the cases: for every operation whose 2xx
	// response links to others with `$response.body#/…` parameters, and each of its valid
	// bodies, it runs it, calls each linked operation with the values from its response
	// (non-DELETE first, an operation after those whose responses link to it, DELETE last)
	// and checks [CheckEnsureResourceAvailability], [CheckDeleteWhileLinked],
	// [CheckSingleUseValueReuse] and [CheckUseAfterFree]. It deletes what it created, even
	// when a check failed; a [CheckCleanup] failure names what it could not. It CHANGES
	// STATE and needs SecretKey (its cases are skipped without it).
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

// ErrNoSecretKey is returned by [Verify] given no Secret Key and not NoAuth: almost every
// case needs the key, and a run that skips them would pass while checking nothing.
var ErrNoSecretKey = errors.New("contracttest: no Secret Key: every case but ignored_auth sends one (set VerifyOptions.NoAuth to run those alone)")

// Report is the outcome of [Verify], one Result per case in the order they ran.
type Report struct {
	BaseURL string   `json:"baseUrl"`
	Results []Result `json:"results"`
}

// Result is one case's outcome. It passed when it has no Failures and was not skipped.
type Result struct {
	Case      string        `json:"case"`
	Check     string        `json:"check"`               // the check the case states, e.g. "ignored_auth"
	Operation string        `json:"operation,omitempty"` // the operationId the case targets; "" for unknown_path
	Method    string        `json:"method"`
	Path      string        `json:"path"`
	Status    int           `json:"status,omitempty"`
	Failures  []Failure     `json:"failures,omitempty"`
	Skipped   string        `json:"skipped,omitempty"` // why the case did not run
	Duration  time.Duration `json:"durationNs"`
	// Request is what the case sent (nil if it did not run), enough to replay it.
	Request *SentRequest `json:"request,omitempty"`
	// Curl is a shell command that sends Request again, for a failed case; see [SentRequest.Curl].
	Curl string `json:"curl,omitempty"`
}

// SentRequest is what a case sent, without the Secret Key: enough to replay it ([SentRequest.Curl],
// [Report.WriteGoTest]).
type SentRequest struct {
	Method string      `json:"method"`
	Path   string      `json:"path"`             // path and query, escaped, relative to the base URL
	Header http.Header `json:"header,omitempty"` // every header sent but the Secret Key's Authorization
	Body   string      `json:"body,omitempty"`
	// UseSecretKey: the request carried "Authorization: Bearer <Secret Key>".
	UseSecretKey bool `json:"useSecretKey,omitempty"`
	// Want lists the statuses the case accepts: "401", "4XX".
	Want []string `json:"want,omitempty"`
}

// Failure is one check a case's response failed.
type Failure struct {
	Check   string `json:"check"`
	Message string `json:"message"`
}

// Counts returns how many cases passed, failed and were skipped.
func (r *Report) Counts() (passed, failed, skipped int) {
	for _, res := range r.Results {
		switch {
		case res.Skipped != "":
			skipped++
		case len(res.Failures) > 0:
			failed++
		default:
			passed++
		}
	}
	return passed, failed, skipped
}

// Passed reports whether no case failed and the run had no [Report.SetupError].
func (r *Report) Passed() bool {
	_, failed, _ := r.Counts()
	return failed == 0 && r.SetupError() == ""
}

// SetupError says why the run's verdict cannot be trusted whatever its counts, or "" when it
// can: a case that sent the Secret Key got 401 or 403 (not a status it wanted), so the key is
// wrong and such cases were stopped before any validation; or no case ran at all.
func (r *Report) SetupError() string {
	var ran, keyed, rejected, keyedData, rejectedData int
	example := ""
	for _, res := range r.Results {
		if res.Skipped != "" {
			continue
		}
		ran++
		if res.Request == nil || !res.Request.UseSecretKey {
			continue
		}
		data := res.Check == CheckNegativeDataRejection || res.Check == CheckPositiveDataAcceptance
		keyed++
		if data {
			keyedData++
		}
		if (res.Status == http.StatusUnauthorized || res.Status == http.StatusForbidden) &&
			!slices.Contains(res.Request.Want, strconv.Itoa(res.Status)) {
			rejected++
			if data {
				rejectedData++
			}
			if example == "" {
				example = res.Case
			}
		}
	}
	switch {
	case ran == 0:
		return "no case ran: every case was skipped, so nothing was checked"
	case rejected > 0 && rejectedData == keyedData:
		return fmt.Sprintf("the Secret Key was rejected: %d cases that send it got 401 or 403 (e.g. %s); no data case reached validation", rejected, example)
	case rejected > 0:
		return fmt.Sprintf("the Secret Key was rejected on %d of %d cases that send it (401 or 403, e.g. %s); those cases reached no validation", rejected, keyed, example)
	}
	return ""
}

// ReachedValidation reports whether the case's answer shows that the server's own data
// validation ran: a negative_data_rejection case answered 4XX other than 401, 403, 404 and 405
// (which authentication, routing or a missing resource give before any validation), or a
// positive_data_acceptance case answered 2XX or 422 (a business rule).
func (res Result) ReachedValidation() bool {
	if res.Skipped != "" {
		return false
	}
	switch res.Check {
	case CheckNegativeDataRejection:
		switch res.Status {
		case 401, 403, 404, 405:
			return false
		}
		return res.Status/100 == 4
	case CheckPositiveDataAcceptance:
		return res.Status/100 == 2 || res.Status == http.StatusUnprocessableEntity
	}
	return false
}

// Validated returns how many cases reached the server's validation
// ([Result.ReachedValidation]) of the data cases (negative_data_rejection and
// positive_data_acceptance) that ran.
func (r *Report) Validated() (reached, dataCases int) {
	for _, res := range r.Results {
		if res.Skipped != "" || res.Check != CheckNegativeDataRejection && res.Check != CheckPositiveDataAcceptance {
			continue
		}
		dataCases++
		if res.ReachedValidation() {
			reached++
		}
	}
	return reached, dataCases
}

// Verify runs the spec's [Cases] against the server at baseURL (which may include a base path)
// and checks every response: the case's expectation, then status_code_conformance,
// content_type_conformance, response_schema_conformance and not_a_server_error. Only cases that
// cannot change state run unless opts.Positive is set. A positive case on a path that an earlier
// positive DELETE removed (the same path, or one below it) may also get 404: two documented
// delete examples cannot both delete one resource. The error is for unusable options (a bad
// base URL, a [*ValueError] in opts.Cases); a server that fails shows up in the Report.
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
	if opts.SecretKey == "" && !opts.NoAuth {
		return nil, ErrNoSecretKey
	}
	if opts.NoAuth {
		opts.SecretKey = ""
	}
	client := opts.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	// A given single-use value is as secret as the key in a report.
	r := &runner{v: v, client: client, base: base, key: opts.SecretKey, coverage: opts.Coverage,
		secrets: []string{opts.SecretKey, opts.Cases.Values[opts.codeName()]}}
	report := &Report{BaseURL: base.String()}
	var deleted []string // paths a positive DELETE removed
	for _, c := range cases {
		res := Result{Case: c.Name, Check: c.Check, Operation: c.Operation, Method: c.Method, Path: r.redact(c.Path)}
		switch {
		case c.ChangesState && !opts.Positive:
			res.Skipped = "changes state; run with --positive to include it"
		case c.UseSecretKey && opts.SecretKey == "":
			res.Skipped = "sends the Secret Key; --no-auth runs only the cases that send none"
		default:
			if c.ChangesState && under(c.Path, deleted) {
				c.Want = append(slices.Clip(c.Want), "404")
			}
			start := time.Now()
			res.Status, res.Failures = r.run(ctx, c)
			res.Duration = time.Since(start)
			res.Request = r.sent(c)
			if len(res.Failures) > 0 {
				res.Curl = r.redact(res.Request.Curl(report.BaseURL))
			}
			if c.ChangesState && c.Method == http.MethodDelete && res.Status/100 == 2 {
				deleted = append(deleted, pathOnly(c.Path))
			}
		}
		report.Results = append(report.Results, res)
		if ctx.Err() != nil {
			break
		}
	}
	if opts.Stateful && ctx.Err() == nil {
		report.Results = append(report.Results, runStateful(ctx, r, opts)...)
	}
	return report, nil
}

// sent is the request c sends, without the Secret Key or a single-use code (redacted even
// from a --param value that happens to hold one).
func (r *runner) sent(c Case) *SentRequest {
	q := &SentRequest{Method: c.Method, Path: r.redact(c.Path), Body: r.redact(string(c.Body)),
		UseSecretKey: c.UseSecretKey, Want: slices.Clone(c.Want)}
	for k, vs := range c.Header {
		for _, v := range vs {
			if q.Header == nil {
				q.Header = http.Header{}
			}
			q.Header[k] = append(q.Header[k], r.redact(v))
		}
	}
	if !c.UseSecretKey && c.Authorization != "" {
		if q.Header == nil {
			q.Header = http.Header{}
		}
		q.Header.Set("Authorization", r.redact(c.Authorization))
	}
	return q
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
}

// maxReportedBody is how much of a response body a failure message quotes.
const maxReportedBody = 200

func (r *runner) run(ctx context.Context, c Case) (int, []Failure) {
	req, err := r.request(ctx, c)
	if err != nil {
		return 0, []Failure{{"request", r.redact(err.Error())}}
	}
	resp, err := r.client.Do(req)
	if err != nil {
		return 0, []Failure{{"request", r.redact(err.Error())}}
	}
	body, complete, err := bufferBody(resp.Body, DefaultMaxBody)
	resp.Body.Close()
	if err != nil {
		return resp.StatusCode, []Failure{{"request", r.redact("read response body: " + err.Error())}}
	}
	shown := []byte(r.redact(string(body)))
	var fails []Failure
	fail := func(check, format string, args ...any) {
		fails = append(fails, Failure{check, r.redact(fmt.Sprintf(format, args...))})
	}
	if !statusMatches(resp.StatusCode, c.Want) {
		fail(c.Check, "status %d, want %s; body: %s", resp.StatusCode, strings.Join(c.Want, " or "), quote(shown))
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
		fail(CheckNotAServerError, "status %d; body: %s", resp.StatusCode, quote(shown))
	}
	route, probe := r.routeFor(c)
	if route == nil {
		return resp.StatusCode, fails
	}
	if probe.Method == c.Method {
		r.coverage.record(route.OperationID(), resp.StatusCode)
	}
	if !complete {
		fail(CheckResponseSchemaConformance, "not validated: body longer than %d bytes", DefaultMaxBody)
		return resp.StatusCode, fails
	}
	err = r.v.ValidateResponseFor(route, probe.WithContext(ctx), resp.StatusCode, resp.Header, body)
	for _, viol := range asViolations(err, Response, route.OperationID()) {
		fail(checkFor(viol), "%s: %s", viol.Location, viol.Reason)
	}
	return resp.StatusCode, fails
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

func (r *runner) request(ctx context.Context, c Case) (*http.Request, error) {
	target := r.base.String() + c.Path
	var body io.Reader = http.NoBody
	if c.Body != nil {
		body = bytes.NewReader(c.Body)
	}
	req, err := http.NewRequestWithContext(ctx, c.Method, target, body)
	if err != nil {
		return nil, err
	}
	for k, vs := range c.Header {
		req.Header[k] = slices.Clone(vs)
	}
	switch {
	case c.UseSecretKey:
		req.Header.Set("Authorization", "Bearer "+r.key)
	case c.Authorization != "":
		req.Header.Set("Authorization", c.Authorization)
	}
	return req, nil
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
	for _, w := range want {
		if w == s || len(w) == 3 && strings.EqualFold(w[1:], "XX") && w[0] == s[0] {
			return true
		}
	}
	return false
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
