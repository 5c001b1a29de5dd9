package contracttest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"
)

// Middleware returns a function that wraps handlers with [Validator.Middleware]; handy in a
// middleware chain. A nil v means the embedded spec, accepting any well-formed bearer token.
func Middleware(v *Validator, opts ...CheckOption) (func(http.Handler) http.Handler, error) {
	if v == nil {
		var err error
		if v, err = embedded(); err != nil {
			return nil, err
		}
	}
	return func(next http.Handler) http.Handler { return v.Middleware(next, opts...) }, nil
}

// Middleware wraps next with contract checks: requests in, responses out. Violations go to
// [WithTB] and [OnViolation].
//
// In [Enforce] mode (the default) an invalid request never reaches next: it gets the error
// body the spec documents for the status ([WithRejectFunc]): 404 for an unknown path, 405 with
// Allow for an undocumented method, 401 for a missing or wrong bearer token (checked before
// the body, so nothing about the body leaks to unauthenticated callers), 413 for a body over
// the limit, 408 for a body too slow ([WithBodyTimeout]), 400 for anything else, naming every
// problem. A response that breaks the contract is replaced by a 500, so a client under test
// sees the server failed rather than a subtly wrong answer. A request passed on carries its
// route ([RouteOf]) and the body value validated. [EnforceRequests] rejects requests so, but
// passes every response on unchanged, reported. In [ReportOnly] mode everything passes.
//
// The response is buffered up to the limit to be validated before it is sent (Flush calls are
// absorbed); a longer one is streamed on unvalidated, and reported.
func (v *Validator) Middleware(next http.Handler, opts ...CheckOption) http.Handler {
	c, _ := newCheckConfig(append([]CheckOption{WithValidator(v)}, opts...))
	return &middleware{next: next, cfg: c}
}

type middleware struct {
	next http.Handler
	cfg  *checkConfig
}

func (m *middleware) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var x *Exchange // what the hooks get, if any; nil spares the rest the copies
	keep := m.cfg.recorder != nil || m.cfg.onExchange != nil
	if keep {
		// As it arrived: the handler may change r.
		x = &Exchange{Time: time.Now(), Method: r.Method, Path: r.URL.RequestURI(), RequestHeader: r.Header.Clone()}
	}
	route, err := m.checkRequest(w, r, x)
	if route != nil {
		r = route.withRoute(r.Context(), r.Body) // the handler (and a RejectFunc) need not route again
	}
	var vs Violations
	if err != nil {
		vs = asViolations(err, Request, r.Method+" "+r.URL.Path)
		m.cfg.report(vs)
		if m.cfg.mode.rejectsRequests() {
			status := rejectStatus(vs)
			if status == http.StatusMethodNotAllowed {
				w.Header().Set("Allow", strings.Join(m.cfg.validator.AllowedMethods(r), ", "))
			}
			m.cfg.finish(x, route, status, nil, vs)
			m.cfg.reject(w, r, status, vs)
			return
		}
	}
	if route == nil && !keep {
		m.next.ServeHTTP(w, r)
		return
	}
	rec := &recorder{real: w, header: http.Header{}, limit: m.cfg.maxBody}
	m.next.ServeHTTP(rec, r)
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	if rec.upstreamFailed { // the proxy's own 502: no answer of the upstream to check or keep
		rec.commit()
		return
	}
	var respVs Violations
	if route != nil {
		respVs = m.checkResponse(r, route, rec)
		vs = append(vs, respVs...)
	}
	// Before the answer goes on: a recording is never behind what its clients have seen.
	m.cfg.finish(x, route, rec.status, rec, vs)
	switch {
	case rec.passthrough: // already on its way
	case len(respVs) > 0 && m.cfg.mode == Enforce:
		m.cfg.reject(w, r, http.StatusInternalServerError, respVs)
	default:
		rec.commit()
	}
}

// checkResponse validates and reports the handler's answer, held in rec.
func (m *middleware) checkResponse(r *http.Request, route *Route, rec *recorder) Violations {
	// Coverage counts what the handler answered, not what the middleware answers for it.
	m.cfg.coverage.Record(route.OperationID(), rec.status)
	if rec.passthrough {
		vs := tooLong(route.OperationID(), m.cfg.maxBody)
		m.cfg.report(vs)
		return vs
	}
	if rec.header.Get("Content-Type") == "" && rec.body.Len() > 0 {
		rec.header.Set("Content-Type", http.DetectContentType(rec.body.Bytes()))
	}
	err := m.cfg.validator.ValidateResponseFor(route, r, rec.status, rec.header, rec.body.Bytes())
	vs := asViolations(err, Response, route.OperationID())
	m.cfg.report(vs)
	return vs
}

var (
	// errTooLarge marks a request body over the middleware's limit: 413.
	errTooLarge = errors.New("request body too large")
	// errBodyTimeout marks a request body not received within the body timeout: 408.
	errBodyTimeout = errors.New("request body not received in time")
)

// checkRequest validates r, reading its body once (within the limit and the timeout), and
// leaves r.Body the body validated (with its value) or, if invalid, an unread copy; x, if
// any, gets the bytes read.
func (m *middleware) checkRequest(w http.ResponseWriter, r *http.Request, x *Exchange) (*Route, error) {
	route, err := m.cfg.validator.FindRoute(r)
	if err != nil {
		return nil, err
	}
	op := route.OperationID()
	if r.ContentLength > m.cfg.maxBody {
		return route, m.tooLarge(op)
	}
	var body []byte
	if r.Body != nil && r.Body != http.NoBody {
		// A body that never ends would hold the connection until the server's own timeouts,
		// if any. The deadline stays for a body that failed, whose connection net/http closes;
		// it is lifted once the body is read, so the handler runs unhurried.
		rc := http.NewResponseController(w)
		deadline := rc.SetReadDeadline(time.Now().Add(m.cfg.bodyTimeout)) == nil // else http.ErrNotSupported: none
		data, complete, err := bufferBody(r.Body, m.cfg.maxBody)
		if x != nil {
			x.RequestBody, x.RequestCut = data, !complete || err != nil
		}
		if !complete {
			// Put back what was read, so a ReportOnly handler still sees the whole body.
			r.Body = readCloser{io.MultiReader(bytes.NewReader(data), r.Body), r.Body}
			return route, m.tooLarge(op)
		}
		r.Body.Close()
		if err != nil {
			r.Body = readCloser{io.MultiReader(bytes.NewReader(data), errReader{err}), http.NoBody}
			if errors.Is(err, os.ErrDeadlineExceeded) {
				return route, Violations{{Side: Request, Operation: op, Location: "body",
					Reason: fmt.Sprintf("not received within %v", m.cfg.bodyTimeout), Err: errBodyTimeout}}
			}
			return route, Violations{{Side: Request, Operation: op, Location: "body", Reason: "read body: " + err.Error(), Err: err}}
		}
		if deadline {
			_ = rc.SetReadDeadline(time.Time{})
		}
		body = data
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	validated, err := m.cfg.validator.checkRequest(route, r, body)
	if err == nil {
		r.Body = validated
	}
	return route, err
}

func (m *middleware) tooLarge(op string) Violations {
	return Violations{{Side: Request, Operation: op, Location: "body",
		Reason: fmt.Sprintf("longer than the %d-byte limit", m.cfg.maxBody), Err: errTooLarge}}
}

// recorder buffers a handler's response until it is validated, or until it grows past limit,
// when it switches to writing through.
type recorder struct {
	real        http.ResponseWriter
	header      http.Header
	status      int
	body        bytes.Buffer
	limit       int64
	passthrough bool
	// upstreamFailed: the answer is a proxy's 502 for an upstream that gave none.
	upstreamFailed bool
}

func (r *recorder) Header() http.Header {
	if r.passthrough {
		return r.real.Header()
	}
	return r.header
}

func (r *recorder) WriteHeader(status int) {
	if r.status != 0 || status < 200 && status >= 100 {
		return // duplicate, or an informational status the server sends on its own terms
	}
	r.status = status
}

func (r *recorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	if r.passthrough {
		return r.real.Write(p)
	}
	if int64(r.body.Len()+len(p)) <= r.limit {
		return r.body.Write(p)
	}
	r.passthrough = true
	if err := r.commit(); err != nil {
		return 0, err
	}
	return r.real.Write(p)
}

// Flush is absorbed while buffering, so a handler that flushes still gets validated.
func (r *recorder) Flush() {
	if f, ok := r.real.(http.Flusher); ok && r.passthrough {
		f.Flush()
	}
}

// commit sends what was buffered to the real writer.
func (r *recorder) commit() error {
	h := r.real.Header()
	for k, v := range r.header {
		h[k] = v
	}
	status := r.status
	if status == 0 {
		status = http.StatusOK
	}
	r.real.WriteHeader(status)
	_, err := r.real.Write(r.body.Bytes())
	return err
}
