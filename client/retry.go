package client

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptrace"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// RetryPolicy bounds how often and how long a call repeats a failed attempt. Whatever the
// policy, an attempt is repeated only when the API certainly did not process it:
//
//  1. the connection could not be made (refused, DNS failure) and no byte of the request was
//     written, as net/http/httptrace reports; or
//  2. for every operation but CreateChannel (not idempotent: a 503 may come from a proxy after
//     the API acted), the API answered 429 or 503 with a Retry-After of at most MaxDelay; the
//     wait is then at least what it asks.
//
// Never after a timeout, a reset once the request was sent, or any other status: Meta's code
// is spent by a request the API processed. A wait that would outlive the context's deadline
// is not started; the last error is returned at once.
type RetryPolicy struct {
	// MaxAttempts is the number of attempts, the first included; at least 1.
	MaxAttempts int
	// BaseDelay is the backoff before the second attempt after a failed connection; it doubles
	// with each further attempt, with jitter, up to MaxDelay.
	BaseDelay time.Duration
	// MaxDelay caps every wait. A 429 or 503 whose Retry-After asks for longer is not retried.
	MaxDelay time.Duration
}

// DefaultRetryPolicy is what a Client uses unless [WithRetryPolicy] says otherwise: up to 3
// attempts, waits from 200ms up to 5s. The code lives about 30 seconds; longer waits only
// trade a fast, clear failure for a likely CODE_EXPIRED.
var DefaultRetryPolicy = RetryPolicy{MaxAttempts: 3, BaseDelay: 200 * time.Millisecond, MaxDelay: 5 * time.Second}

// NoRetry makes every call a single attempt.
var NoRetry = RetryPolicy{MaxAttempts: 1}

func (p RetryPolicy) validate() error {
	switch {
	case p.MaxAttempts < 1:
		return fmt.Errorf("MaxAttempts must be at least 1, have %d (use NoRetry for a single attempt)", p.MaxAttempts)
	case p.BaseDelay < 0:
		return fmt.Errorf("BaseDelay must not be negative, have %v", p.BaseDelay)
	case p.MaxDelay < p.BaseDelay:
		return fmt.Errorf("MaxDelay (%v) must not be less than BaseDelay (%v)", p.MaxDelay, p.BaseDelay)
	}
	return nil
}

// backoff is the jittered wait before attempt number next (2, 3, ...): half of
// min(MaxDelay, BaseDelay·2^(next-2)) plus a random part of the other half, so clients that
// failed together do not retry together.
func (p RetryPolicy) backoff(next int) time.Duration {
	d := p.MaxDelay
	if shift := next - 2; shift < 32 && p.BaseDelay<<shift > 0 && p.BaseDelay<<shift < p.MaxDelay {
		d = p.BaseDelay << shift
	}
	half := d / 2 // d ≥ 0: validate holds MaxDelay ≥ BaseDelay ≥ 0
	return half + rand.N(d-half+1)
}

// retryRule is which of RetryPolicy's two cases an operation may repeat.
type retryRule int

const (
	retryUnprocessed retryRule = iota // both: unsent, or refused with 429/503 and Retry-After
	retryUnsent                       // unsent only: for create, which is not idempotent
)

// traceWrites returns ctx with hooks that set wrote once a connection was obtained or any part
// of the request written: the server may then act on it. A hook may run after Do has returned,
// so each attempt needs its own.
func traceWrites(ctx context.Context) (_ context.Context, wrote *atomic.Bool) {
	wrote = new(atomic.Bool)
	return httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		GotConn:      func(httptrace.GotConnInfo) { wrote.Store(true) },
		WroteHeaders: func() { wrote.Store(true) },
		WroteRequest: func(httptrace.WroteRequestInfo) { wrote.Store(true) },
	}), wrote
}

// unsent reports whether a transport error proves the request never left: the dial failed
// (refused, DNS) and nothing was written. Not a timeout: it spent the code's short life.
func unsent(err error, wrote bool) bool {
	var op *net.OpError
	return !wrote && errors.As(err, &op) && op.Op == "dial" && !op.Timeout() &&
		!errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled)
}

// retryAfter returns how long a 429 or 503 response asks the client to wait, and whether it
// asks at all (a Retry-After header in seconds or as an HTTP date). Other statuses never ask.
func retryAfter(resp *http.Response, now time.Time) (time.Duration, bool) {
	if resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode != http.StatusServiceUnavailable {
		return 0, false
	}
	v := strings.TrimSpace(resp.Header.Get("Retry-After"))
	if secs, err := strconv.ParseUint(v, 10, 32); err == nil {
		return time.Duration(secs) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}
