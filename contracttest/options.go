package contracttest

import (
	"errors"
	"net/http"
	"sync"
	"time"
)

// TB is the part of testing.TB the kit uses, so a test's *testing.T plugs in directly and
// this package does not import testing.
type TB interface {
	Helper()
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
}

// DefaultMaxBody is how many bytes of a body [Transport] and [Middleware] buffer to validate
// (1 MiB): a longer response passes unvalidated, reported; a longer request gets 413.
const DefaultMaxBody = 1 << 20

// DefaultBodyTimeout is how long a [Middleware] waits for a request's whole body (10 s)
// before answering 408; see [WithBodyTimeout].
const DefaultBodyTimeout = 10 * time.Second

// Mode says what a [Middleware] does with an invalid request or response.
type Mode int

const (
	Enforce    Mode = iota // reject invalid requests, replace an invalid response by a 500; the default
	ReportOnly             // pass everything through unchanged; only report; [Validator.Proxy]'s default
	// EnforceRequests rejects invalid requests as Enforce does, but passes every response on
	// unchanged and only reports it: a proxy never hides what its upstream answered.
	EnforceRequests
)

// rejectsRequests reports whether m keeps an invalid request from the handler.
func (m Mode) rejectsRequests() bool { return m == Enforce || m == EnforceRequests }

// RejectFunc writes the response to a request the middleware rejects. status is the one the
// middleware chose (400, 401, 404, 405, 408, 413, for an invalid response 500, or 502 when a
// [Validator.Proxy]'s upstream gave no answer); for 405 the Allow header is already set.
type RejectFunc func(w http.ResponseWriter, r *http.Request, status int, vs Violations)

// CheckOption configures [Transport], [Middleware] and [Validator.Proxy].
type CheckOption func(*checkConfig)

type checkConfig struct {
	validator   *Validator
	tb          TB
	onViolation func(Violations)
	coverage    *Coverage
	maxBody     int64
	bodyTimeout time.Duration
	mode        Mode
	reject      RejectFunc
	recorder    *Recorder
	onExchange  func(Exchange, Violations)
	onRecord    func(error)
	onUpstream  func(*http.Request, error)

	mu        sync.Mutex
	recordErr error // the last record error reported, so that a lasting one is reported once
}

// WithValidator checks against v instead of a validator for the embedded spec that accepts any
// well-formed bearer token.
func WithValidator(v *Validator) CheckOption { return func(c *checkConfig) { c.validator = v } }

// WithTB fails tb (tb.Errorf) on every violation.
func WithTB(tb TB) CheckOption { return func(c *checkConfig) { c.tb = tb } }

// OnViolation hands every exchange's violations to f, together. f may be called from several
// goroutines at once.
func OnViolation(f func(Violations)) CheckOption { return func(c *checkConfig) { c.onViolation = f } }

// WithCoverage records each validated exchange's (operationId, status) in cov.
func WithCoverage(cov *Coverage) CheckOption { return func(c *checkConfig) { c.coverage = cov } }

// WithMaxBody sets how many body bytes are buffered for validation ([DefaultMaxBody] if n <= 0).
func WithMaxBody(n int64) CheckOption { return func(c *checkConfig) { c.maxBody = n } }

// WithBodyTimeout sets how long a [Middleware] waits for a request's whole body before it
// answers 408 ([DefaultBodyTimeout] if d <= 0), where the server lets a handler set read
// deadlines (net/http's does, see http.ResponseController).
func WithBodyTimeout(d time.Duration) CheckOption { return func(c *checkConfig) { c.bodyTimeout = d } }

// WithMode sets what a [Middleware] does on a violation: [Enforce] (default), [ReportOnly] or
// [EnforceRequests]. Transport ignores it: it always sends the request and returns the response.
func WithMode(m Mode) CheckOption { return func(c *checkConfig) { c.mode = m } }

// WithRejectFunc replaces how an enforcing [Middleware] writes a rejection. The default fills
// the JSON error body the spec documents for the status by its properties' names (this API's
// {"error","message"}, RFC 7807's type, title, status and detail, and the like), else writes
// {"error":<status>,"message":"..."}; use this hook for any other shape.
func WithRejectFunc(f RejectFunc) CheckOption { return func(c *checkConfig) { c.reject = f } }

// WithRecorder has a [Middleware] record to rec each exchange its handler answered (not the
// middleware's own rejections, as for [Coverage]): the request as it arrived, its body as
// buffered, and the handler's response as it wrote it, even one an enforcing middleware
// replaced by a 500. It is recorded before the answer goes on, so a recording is never behind
// what its clients have seen; a body past the buffer limit ([WithMaxBody]) is recorded cut,
// once the handler has streamed it. A request no route matched is recorded too, with no
// Operation. Recording never changes the response; its errors go to [OnRecordError].
// Transport ignores it.
func WithRecorder(rec *Recorder) CheckOption { return func(c *checkConfig) { c.recorder = rec } }

// OnRecordError hands f each error of [WithRecorder]'s Recorder, the same error once: after a
// failed write the Recorder refuses every exchange with that error, which f gets only the
// first time. Without f the error goes to [WithTB], if any.
func OnRecordError(f func(error)) CheckOption { return func(c *checkConfig) { c.onRecord = f } }

// OnExchange hands f each exchange before its answer is sent on, with its violations (none if
// it kept the contract), request's and response's together: an exchange [WithRecorder] would
// record, and a request the middleware rejected, whose Status is the rejection's and which
// has no response header or body. The request's headers hold Authorization as it came: redact
// the exchange before printing it ([Recorder.Redact]). f may be called from several goroutines
// at once. A [Middleware] option; Transport ignores it.
func OnExchange(f func(Exchange, Violations)) CheckOption {
	return func(c *checkConfig) { c.onExchange = f }
}

// OnUpstreamError hands f each request a [Validator.Proxy] got no answer to from its upstream
// (refused, reset, timed out, past a deadline set on the request's context), and why; the
// proxy answered it 502 in the spec's error shape ([WithRejectFunc]). Such an exchange is no
// violation, and neither recorded nor counted in [Coverage]. A request its client abandoned
// (its context canceled) is not reported.
func OnUpstreamError(f func(r *http.Request, err error)) CheckOption {
	return func(c *checkConfig) { c.onUpstream = f }
}

func newCheckConfig(opts []CheckOption) (*checkConfig, error) {
	c := &checkConfig{}
	for _, opt := range opts {
		opt(c)
	}
	if c.validator == nil {
		v, err := embedded()
		if err != nil {
			return nil, err
		}
		c.validator = v
	}
	if c.maxBody <= 0 {
		c.maxBody = DefaultMaxBody
	}
	if c.bodyTimeout <= 0 {
		c.bodyTimeout = DefaultBodyTimeout
	}
	if c.reject == nil {
		c.reject = c.writeSpecError
	}
	return c, nil
}

func (c *checkConfig) report(vs Violations) {
	if len(vs) == 0 {
		return
	}
	if c.tb != nil {
		c.tb.Helper()
		c.tb.Errorf("%v", vs)
	}
	if c.onViolation != nil {
		c.onViolation(vs)
	}
}

// finish completes x, if any, with its route, status and the handler's answer in rec (nil
// for the middleware's own rejection, which is not recorded), and hands it to the hooks
// before the answer goes on.
func (c *checkConfig) finish(x *Exchange, route *Route, status int, rec *recorder, vs Violations) {
	if x == nil {
		return
	}
	x.Duration, x.Status = time.Since(x.Time), status
	if route != nil {
		x.Operation = route.OperationID()
	}
	if rec != nil {
		x.ResponseHeader, x.ResponseBody, x.ResponseCut = rec.header, rec.body.Bytes(), rec.passthrough
		if c.recorder != nil {
			c.record(*x)
		}
	}
	if c.onExchange != nil {
		c.onExchange(*x, vs)
	}
}

// record records x, reporting an error unless it was the last one.
func (c *checkConfig) record(x Exchange) {
	err := c.recorder.Record(x)
	if err == nil {
		return
	}
	c.mu.Lock()
	repeated := c.recordErr != nil && errors.Is(err, c.recordErr) // the Recorder's lasting write error
	c.recordErr = err
	c.mu.Unlock()
	switch {
	case repeated:
	case c.onRecord != nil:
		c.onRecord(err)
	case c.tb != nil:
		c.tb.Errorf("%v", err)
	}
}

// asViolations returns err's violations, wrapping any other error as one.
func asViolations(err error, side Side, op string) Violations {
	if err == nil {
		return nil
	}
	var vs Violations
	if errors.As(err, &vs) {
		return vs
	}
	return Violations{{Side: side, Operation: op, Location: "body", Reason: err.Error(), Err: err}}
}
