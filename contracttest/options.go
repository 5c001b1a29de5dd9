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
// (1 MiB). A longer response is passed on whole but not validated, and that is reported; a
// longer request is rejected by an enforcing middleware with 413.
const DefaultMaxBody = 1 << 20

// DefaultBodyTimeout is how long a [Middleware] waits for a request's whole body (10 s)
// before answering 408; see [WithBodyTimeout].
const DefaultBodyTimeout = 10 * time.Second

// Mode says what a [Middleware] does with an invalid request or response.
type Mode int

const (
	// Enforce rejects invalid requests with the spec's error body (400, 401, 404, 405 with
	// Allow, 408, 413) before the handler sees them, and replaces an invalid response with a 500
	// error body. Violations are reported too. It is the default.
	Enforce Mode = iota
	// ReportOnly passes every request and response through unchanged and only reports.
	ReportOnly
)

// RejectFunc writes the response to a request the middleware rejects. status is the one the
// middleware chose (400, 401, 404, 405, 408, 413 or, for an invalid response, 500); for 405
// the Allow header is already set.
type RejectFunc func(w http.ResponseWriter, r *http.Request, status int, vs Violations)

// CheckOption configures [Transport] and [Middleware].
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
	shapes      sync.Map // shapeKey -> *errorTemplate, for the default reject
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

// WithBodyTimeout sets how long a [Middleware] waits for a request's whole body
// ([DefaultBodyTimeout] if d <= 0). An enforcing middleware answers a body not received in
// time with 408 in the spec's error shape. It works where the server lets a handler set read
// deadlines (net/http's does, see http.ResponseController); Transport ignores it.
func WithBodyTimeout(d time.Duration) CheckOption { return func(c *checkConfig) { c.bodyTimeout = d } }

// WithMode sets what a [Middleware] does on a violation: [Enforce] (default) or [ReportOnly].
// Transport ignores it: it always sends the request and returns the response.
func WithMode(m Mode) CheckOption { return func(c *checkConfig) { c.mode = m } }

// WithRejectFunc replaces how an enforcing [Middleware] writes a rejection. The default writes
// the error body the spec documents for the status, with its JSON media type (for example an
// RFC 7807 application/problem+json with type, title, status and detail), filling the
// properties it recognises by name: the status into an integer error, status or code, the
// message into a string message, detail or error. When the spec documents no JSON error body
// for the status, or one the default cannot fill validly, it writes
// {"error":<status>,"message":"..."} as application/json; use this hook for any other shape.
func WithRejectFunc(f RejectFunc) CheckOption { return func(c *checkConfig) { c.reject = f } }

func newCheckConfig(opts []CheckOption) (*checkConfig, error) {
	c := &checkConfig{}
	for _, opt := range opts {
		opt(c)
	}
	if c.validator == nil {
		v, err := defaultValidator()
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
