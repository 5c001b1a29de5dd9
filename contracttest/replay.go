package contracttest

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/hubmessage/hubmessage-go/internal/secretkey"
)

// ReplayOptions configures [Replay].
type ReplayOptions struct {
	// SecretKey is sent as "Bearer <SecretKey>" wherever the recording sent a key the real
	// service accepted. It never appears in a [FidelityReport] or an error.
	SecretKey string
	// HTTPClient sends the requests (a copy that never follows a redirect); nil means a client
	// with a 30-second timeout.
	HTTPClient *http.Client
	// Spec gives the routes and links; nil means the embedded spec.
	Spec *openapi3.T
	// CodeSource gives a fresh single-use value for each distinct "<code-N>" placeholder of
	// the recording; the same placeholder again gets the same value, so that a reused code is
	// reused. Without it an exchange that holds a code placeholder is not comparable.
	CodeSource CodeSource
	// CodeName is the name of the single-use value, as the Recorder redacted it: "" means "code".
	CodeName string
	// SeedValues sets, by name, top-level body properties and parameters of the requests a
	// replay sends to create an id the recording uses without having created it (as
	// [CaseOptions.Values]); nil means the spec's first example.
	SeedValues map[string]string
	// NotComparable, if set, says why a recorded exchange's answer cannot be compared ("" when
	// it can): such an exchange is not sent.
	NotComparable func(RecordedExchange) string
}

// Format prints the options with the Secret Key redacted, whatever the verb.
func (o ReplayOptions) Format(f fmt.State, verb rune) {
	type plain ReplayOptions // no methods, so no recursion
	if o.SecretKey != "" {
		o.SecretKey = secretkey.Redacted
	}
	fmt.Fprintf(f, fmt.FormatString(f, verb), plain(o))
}

// codeName is the name of the single-use value.
func (o ReplayOptions) codeName() string { return cmp.Or(o.CodeName, "code") }

// invalidToken replaces a recorded credential the real service refused (its first exchange
// was answered 401): obviously fake, so no server takes it for a key.
const invalidToken = "Bearer hm_replay_invalid_token"

// placeholderRE matches a Recorder's placeholder, "<NAME-N>".
var placeholderRE = regexp.MustCompile(`<([^<>\s]+)-[0-9]+>`)

// Replay sends the exchanges of a recording ([ReadRecording]), in order, to the server at
// baseURL and compares each answer with the recorded one (see [FidelityReport]). A recording
// is one [Recorder]'s: another's "<code-1>" is another code, so two are replayed apart.
//
// What the real service chose is mapped to what the server chooses: an id a 2xx answer gave
// (through the spec's `$response.body#/…` links of the operation, else a 201's top-level
// "id") is replaced in later path segments, query values and JSON string values; each
// "<code-N>" becomes a value of opts.CodeSource; an "<authorization-N>" whose first exchange
// was answered 401 becomes an invalid bearer token, any other "Bearer <SecretKey>". An id the
// recording uses as a path parameter without having created it, whose first replayed use was
// answered 2xx (not 404), is created first by the operation whose links give that parameter, with a
// valid request built from the spec (opts.SeedValues).
//
// An exchange whose request holds another placeholder, a withheld or truncated body, or that
// opts.NotComparable names, is not sent and counts as not comparable. A recorded response
// body that was withheld or truncated is compared on the status alone, as the exchange's
// Why says.
//
// Replay changes state on the server as the recording did: what it creates is deleted only
// where the recording deleted it.
//
// The error is for unusable options or a recording that cannot be read (the replay stops
// there); a server that never answers or refuses the Secret Key is the report's
// [FidelityReport.SetupError], after which nothing more is sent.
func Replay(ctx context.Context, baseURL string, recording iter.Seq2[RecordedExchange, error], opts ReplayOptions) (*FidelityReport, error) {
	base, err := ParseBaseURL(baseURL)
	if err != nil {
		return nil, err
	}
	v, err := validatorFor(opts.Spec)
	if err != nil {
		return nil, err
	}
	rp := &replay{opts: opts, v: v, client: noRedirects(opts.HTTPClient), base: base, sources: linkSources(v.Spec()),
		ids: map[string]string{}, codes: map[string]string{}, refused: map[string]bool{}, used: map[string]bool{}}
	report := &FidelityReport{BaseURL: base.String()}
	line := 0
	for x, err := range recording {
		if err != nil {
			return nil, err
		}
		line++
		report.Exchanges = append(report.Exchanges, rp.exchange(ctx, line, x))
	}
	report.setup = rp.setup
	return report, nil
}

// replay is one run's state. It is used by one goroutine.
type replay struct {
	opts    ReplayOptions
	v       *Validator
	client  *http.Client
	base    *url.URL
	sources []source
	ids     map[string]string // a recorded id → the one the server gave
	codes   map[string]string // a code placeholder → the value sent for it
	refused map[string]bool   // an authorization placeholder → its first exchange was answered 401
	used    map[string]bool   // recorded path parameter values already replayed once
	keyed   bool              // an exchange has sent the Secret Key
	setup   string            // why the run stopped
}

// exchange replays x, the recording's line.
func (rp *replay) exchange(ctx context.Context, line int, x RecordedExchange) ReplayedExchange {
	out := ReplayedExchange{Line: line, Operation: x.Operation, Method: x.Method, Path: x.Path,
		Recorded: Answer{Status: x.Status, Body: x.Response.Body, Text: x.Response.Text}}
	auth := rp.authorization(x)
	why := rp.unsendable(x)
	if rp.setup != "" {
		why = "not run: " + rp.setup
	}
	if why == "" {
		out.Seeds, why = rp.seed(ctx, x)
	}
	if why != "" {
		out.Verdict, out.Why = VerdictNotComparable, why
		return out
	}
	q := rp.request(x, auth)
	status, body, err := rp.send(ctx, q)
	out.Request = &q
	if err != nil {
		rp.setup = fmt.Sprintf("the server at %s did not answer line %d: %s", rp.base, line, rp.redact(err.Error()))
		out.Verdict, out.Why = VerdictNotComparable, "not run: "+rp.setup
		return out
	}
	shown := rp.redact(string(body))
	out.Replayed = &Answer{Status: status}
	if json.Valid([]byte(shown)) { // a code replaced inside a number would break it: then it is text
		out.Replayed.Body = json.RawMessage(shown)
	} else {
		out.Replayed.Text = shown
	}
	if q.UseSecretKey && !rp.keyed && status == http.StatusUnauthorized && x.Status != http.StatusUnauthorized {
		rp.setup = fmt.Sprintf("the server refused the Secret Key: 401 on line %d, the first exchange that sends it", line)
	}
	rp.keyed = rp.keyed || q.UseSecretKey
	if ok2xx(x.Status) && ok2xx(status) {
		rp.learn(x, body)
	}
	out.Differences, out.Why = rp.compare(x, *out.Replayed)
	out.Verdict = VerdictIdentical
	if len(out.Differences) > 0 {
		out.Verdict, out.Curl = VerdictDifferent, q.Curl(rp.base.String())
	}
	return out
}

// authorization is the Authorization header to send for x's recorded one, and records, for a
// placeholder seen first, whether the real service refused it.
func (rp *replay) authorization(x RecordedExchange) string {
	v := x.Request.Header.Get("Authorization")
	if !placeholderRE.MatchString(v) {
		return v
	}
	if _, seen := rp.refused[v]; !seen {
		rp.refused[v] = x.Status == http.StatusUnauthorized
	}
	if rp.refused[v] {
		return invalidToken
	}
	return "Bearer " + rp.opts.SecretKey
}

// unsendable says why x cannot be sent, or "".
func (rp *replay) unsendable(x RecordedExchange) string {
	if rp.opts.NotComparable != nil {
		if why := rp.opts.NotComparable(x); why != "" {
			return why
		}
	}
	switch {
	case x.Request.Withheld:
		return "the recorded request body was withheld (not JSON, it might hide a redacted value)"
	case x.Request.Truncated:
		return "the recorded request body was truncated"
	}
	for _, m := range placeholderRE.FindAllStringSubmatch(x.Path+" "+string(x.Request.Body)+" "+x.Request.Text, -1) {
		switch {
		case m[1] != rp.opts.codeName():
			return "the request holds " + m[0] + ", a value redacted at recording time"
		case rp.opts.CodeSource == nil:
			return "no code source: the request holds " + m[0]
		}
	}
	return ""
}

// request is x's request with the ids mapped and code placeholders kept.
func (rp *replay) request(x RecordedExchange, auth string) SentRequest {
	q := *x.SentRequest()
	q.Path = rp.mapPath(q.Path)
	if len(x.Request.Body) > 0 {
		q.Body = string(mapJSON(x.Request.Body, rp.mapID))
	}
	if q.UseSecretKey = auth == "Bearer "+rp.opts.SecretKey; !q.UseSecretKey && auth != "" {
		q.Header = maps.Clone(q.Header)
		if q.Header == nil {
			q.Header = http.Header{}
		}
		q.Header.Set("Authorization", auth) // a refused credential, sent as an invalid one
	}
	return q
}

func (rp *replay) mapID(s string) string { return cmp.Or(rp.ids[s], s) }

// mapPath maps each path segment and query value that is a recorded id.
func (rp *replay) mapPath(target string) string {
	path, query, hasQuery := strings.Cut(target, "?")
	segs := strings.Split(path, "/")
	for i, s := range segs {
		if id, ok := rp.ids[unescapePath(s)]; ok {
			segs[i] = url.PathEscape(id)
		}
	}
	path = strings.Join(segs, "/")
	if !hasQuery {
		return path
	}
	return path + "?" + mapQuery(query, func(_, value string) (string, bool) {
		id, ok := rp.ids[value]
		return url.QueryEscape(id), ok
	})
}

func unescapePath(s string) string {
	if u, err := url.PathUnescape(s); err == nil {
		return u
	}
	return s
}

// mapJSON is body, one JSON value, with every string value (not a name) mapped by f; body
// as it is if it is not one JSON value.
func mapJSON(body []byte, f func(string) string) []byte {
	var out bytes.Buffer
	dec := jsontext.NewDecoder(bytes.NewReader(body), jsontext.AllowDuplicateNames(true))
	enc := jsontext.NewEncoder(&out, jsontext.AllowDuplicateNames(true))
	for {
		tok, err := dec.ReadToken()
		if err == io.EOF {
			return bytes.TrimRight(out.Bytes(), "\n")
		}
		if err != nil {
			return body
		}
		kind, n := dec.StackIndex(dec.StackDepth())
		if tok.Kind() == '"' && !(kind == '{' && n%2 == 1) {
			tok = jsontext.String(f(tok.String()))
		}
		if enc.WriteToken(tok) != nil {
			return body
		}
	}
}

// withCodes is q as sent: every code placeholder replaced by its value, fetched from the code
// source the first time it is seen.
func (rp *replay) withCodes(ctx context.Context, q SentRequest) (SentRequest, error) {
	path, query, hasQuery := strings.Cut(q.Path, "?")
	var err error
	sub := func(escape func(string) string) func(string) string {
		return func(p string) string {
			if m := placeholderRE.FindStringSubmatch(p); m[1] != rp.opts.codeName() || err != nil {
				return p
			}
			if _, ok := rp.codes[p]; !ok {
				var code string
				if code, err = rp.opts.CodeSource(ctx); err != nil {
					return p
				}
				rp.codes[p] = code
			}
			return escape(rp.codes[p])
		}
	}
	q.Path = placeholderRE.ReplaceAllStringFunc(path, sub(url.PathEscape))
	if hasQuery {
		q.Path += "?" + placeholderRE.ReplaceAllStringFunc(query, sub(url.QueryEscape))
	}
	q.Body = placeholderRE.ReplaceAllStringFunc(q.Body, sub(func(s string) string {
		b, _ := json.Marshal(s) // a string always marshals
		return string(b[1 : len(b)-1])
	}))
	if err != nil {
		return q, fmt.Errorf("code source: %s", rp.redact(err.Error()))
	}
	return q, nil
}

// send sends q, its code placeholders replaced, and returns the answer.
func (rp *replay) send(ctx context.Context, q SentRequest) (int, []byte, error) {
	wire, err := rp.withCodes(ctx, q)
	if err != nil {
		return 0, nil, err
	}
	req, err := http.NewRequestWithContext(ctx, wire.Method, rp.base.String()+wire.Path, strings.NewReader(wire.Body))
	if err != nil {
		return 0, nil, err
	}
	maps.Copy(req.Header, wire.Header)
	if wire.UseSecretKey {
		req.Header.Set("Authorization", "Bearer "+rp.opts.SecretKey)
	}
	resp, err := rp.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, _, err := bufferBody(resp.Body, DefaultMaxBody)
	if err != nil {
		return 0, nil, fmt.Errorf("read response body: %w", err)
	}
	return resp.StatusCode, body, nil
}

// redact replaces the Secret Key and every code sent in s, a code by its placeholder.
func (rp *replay) redact(s string) string {
	s = secretkey.Redact(s, rp.opts.SecretKey)
	for _, p := range slices.Sorted(maps.Keys(rp.codes)) {
		if code := rp.codes[p]; code != "" {
			s = strings.ReplaceAll(s, code, p)
		}
	}
	return s
}

// learn maps the ids x's 2xx answer gave to those of the server's 2xx answer, body: the
// values the operation's links take from the body, else a 201's top-level "id".
func (rp *replay) learn(x RecordedExchange, body []byte) {
	var exprs []string
	for _, src := range rp.sources {
		if src.op.OperationID != x.Operation || src.op.OperationID == "" {
			continue
		}
		for _, t := range src.targets {
			for _, e := range t.exprs {
				if strings.HasPrefix(e, "$response.body#") {
					exprs = append(exprs, e)
				}
			}
		}
	}
	if len(exprs) == 0 && x.Status == http.StatusCreated {
		exprs = []string{"$response.body#/id"}
	}
	for _, e := range exprs {
		recorded, err1 := resolve(e, x.Response.Body)
		replayed, err2 := resolve(e, body)
		if err1 == nil && err2 == nil && recorded != "" {
			rp.ids[recorded] = replayed
		}
	}
}

// seed creates what x uses as a path parameter without the recording having created it: a
// value no answer gave, first replayed here with a recorded answer of 2xx. A first use
// answered 404 leaves the value as it is (the real service did not know it either); one
// answered otherwise (400, 401, 422) tells nothing and waits for the next. It returns what it
// created, or why it could not.
func (rp *replay) seed(ctx context.Context, x RecordedExchange) ([]string, string) {
	probe, ok := routeRequest(x.Method, x.Path)
	if !ok {
		return nil, ""
	}
	route, err := rp.v.FindRoute(probe)
	if err != nil {
		return nil, ""
	}
	params := route.PathParams()
	var out []string
	for _, name := range slices.Sorted(maps.Keys(params)) {
		val := params[name]
		_, mapped := rp.ids[val]
		if mapped || rp.used[val] || placeholderRE.MatchString(val) || !ok2xx(x.Status) && x.Status != http.StatusNotFound {
			continue // a 400 or 401, say, tells nothing of the id
		}
		rp.used[val] = true
		if x.Status == http.StatusNotFound {
			continue // unknown to the real service too
		}
		note, err := rp.create(ctx, x.Operation, name, val)
		if err != nil {
			return out, fmt.Sprintf("the recording uses %s %s without creating it, and creating one failed: %s", name, val, rp.redact(err.Error()))
		}
		out = append(out, note)
	}
	return out, ""
}

// create calls the operation whose 2xx answer links op's parameter name to its body (any
// operation's such link if none names op), maps recorded to the value it gives, and says what
// it did.
func (rp *replay) create(ctx context.Context, op, name, recorded string) (string, error) {
	var src *source
	var expr string
	for _, s := range rp.sources {
		for _, t := range s.targets {
			if e := t.exprs[name]; strings.HasPrefix(e, "$response.body#") && (src == nil || t.op.OperationID == op) {
				src, expr = &s, e
			}
		}
	}
	if src == nil {
		return "", errors.New("no operation's links give " + name)
	}
	g, err := newOpGen(rp.v.Spec(), src.opRef, rp.opts.SeedValues, map[string]bool{})
	if err != nil {
		return "", err
	}
	cases := g.positive()
	if len(cases) == 0 {
		return "", errors.New("no valid request can be built for " + src.id)
	}
	q := sentOf(cases[0])
	status, body, err := rp.send(ctx, q)
	switch {
	case err != nil:
		rp.setup = fmt.Sprintf("the server at %s did not answer %s %s: %s", rp.base, q.Method, q.Path, rp.redact(err.Error()))
		return "", errors.New("no answer")
	case status == http.StatusUnauthorized && q.UseSecretKey:
		rp.setup = fmt.Sprintf("the server refused the Secret Key: 401 to %s %s", q.Method, q.Path)
	}
	if !statusMatches(status, []string{src.status}) {
		return "", fmt.Errorf("%s %s answered %d, want %s", q.Method, q.Path, status, src.status)
	}
	id, err := resolve(expr, body)
	if err != nil {
		return "", fmt.Errorf("%s %s: %w", q.Method, q.Path, err)
	}
	rp.ids[recorded] = id
	rp.keyed = rp.keyed || q.UseSecretKey
	return fmt.Sprintf("%s %s created by %s (%s %s -> %d)", name, recorded, src.id, q.Method, q.Path, status), nil
}
