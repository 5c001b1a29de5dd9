package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/hubmessage/hubmessage-go/gen"
)

// call is what one operation adds to the generic call path, do: its input rules, its retry
// rule, its input, and gen's request builder and response parser. R is gen's response type.
type call[R any] struct {
	op     string // the Client method, e.g. "ConnectChannel", for OperationError
	rules  *gen.OperationRules
	retry  retryRule
	params map[string]string // each path and query parameter as sent (URL text), by its spec name
	body   any               // gen's request body value, sent as JSON; nil for none
	// build is gen's New…Request for the server URL and the JSON body (nil for none); it runs
	// once per attempt.
	build func(server string, body io.Reader) (*http.Request, error)
	// parse is gen's Parse…Response, for a 2xx; check says whether its result is the success
	// the spec documents (see documented).
	parse func(*http.Response) (R, error)
	check func(R) error
}

// errUndocumented is check's answer to a 2xx the spec does not document for the operation.
var errUndocumented = errors.New("not a response this operation documents")

// documented says whether v, gen's decoded success body, is the documented success:
// errUndocumented when gen found none (another status or content type), an error saying
// whyNot when ok(v) is false.
func documented[T any](v *T, ok func(*T) bool, whyNot string) error {
	switch {
	case v == nil:
		return errUndocumented
	case !ok(v):
		return errors.New(whyNot)
	}
	return nil
}

// channelParam names the parameter OperationError.ChannelID repeats.
var channelParam = gen.ChannelIdRule.Name

// jsonContentType is the media type of every request body the API takes.
const jsonContentType = "application/json"

// do makes the call: it checks the input against k.rules, then sends it, retrying as k.retry
// and the Client's RetryPolicy allow. It returns the result and the number of attempts; every
// error is an *OperationError.
func do[R any](ctx context.Context, c *Client, k call[R]) (R, int, error) {
	var zero R
	fail := func(attempts int, err error) (R, int, error) {
		opErr := &OperationError{Op: k.op, Attempts: attempts, Err: err}
		if id, ok := k.params[channelParam]; ok && (attempts > 0 || validParam(k.rules, channelParam, id)) {
			opErr.ChannelID = id // valid, so not a key passed by mistake
		}
		return zero, attempts, opErr
	}

	if err := validate(k.rules, k.params, k.body); err != nil {
		return fail(0, err)
	}
	var body []byte // sent as is by every attempt
	if k.body != nil {
		var err error
		if body, err = json.Marshal(k.body); err != nil {
			return fail(0, err)
		}
	}
	for attempt := 1; ; attempt++ {
		v, wait, retry, err := attemptOnce(ctx, c, k, body, attempt+1)
		if err == nil {
			return v, attempt, nil
		}
		if !retry || attempt >= c.retry.MaxAttempts || !sleep(ctx, wait) {
			return fail(attempt, err)
		}
	}
}

// attemptOnce sends one request. When it fails in a way k.retry allows to repeat, retry is
// true and wait is how long to wait before attempt number next.
func attemptOnce[R any](ctx context.Context, c *Client, k call[R], body []byte, next int) (v R, wait time.Duration, retry bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout) // a ctx ending sooner still does
	defer cancel()
	var wrote *atomic.Bool // needed only to decide whether attempt next may follow
	if next <= c.retry.MaxAttempts {
		ctx, wrote = traceWrites(ctx)
	}

	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body) // a fresh reader per attempt
	}
	req, err := k.build(c.server, r)
	if err != nil {
		return v, 0, false, err
	}
	req = req.WithContext(ctx)
	if body == nil {
		// gen's …WithBody builders always set one; a request without a body announces none.
		req.Header.Del("Content-Type")
	}
	req.Header.Set("Authorization", *c.authorization)
	req.Header.Set("User-Agent", c.userAgent)
	req.Header.Set("Accept", jsonContentType)

	resp, err := c.hc.Do(req)
	if err != nil {
		return v, c.retry.backoff(next), wrote != nil && unsent(err, wrote.Load()), err
	}
	v, err = result(resp, k)
	if err != nil && k.retry == retryUnprocessed {
		// Wait at least what the server asked, and back off as after any failure.
		asked, hasRetryAfter := retryAfter(resp, time.Now())
		return v, max(asked, c.retry.backoff(next)), hasRetryAfter && asked <= c.retry.MaxDelay, err
	}
	return v, 0, false, err
}

// result reads at most MaxBodySize bytes of the body, closes it, and returns a 2xx as k.parse
// and k.check find it, any other status as an *APIError.
func result[R any](resp *http.Response, k call[R]) (v R, err error) {
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxBodySize+1))
	resp.Body.Close()
	e := &APIError{StatusCode: resp.StatusCode, Body: body}
	switch {
	case err != nil:
		e.cause = fmt.Errorf("reading response body: %w", err)
	case len(body) > MaxBodySize:
		e.Body, e.cause = body[:MaxBodySize], fmt.Errorf("response body is larger than %d bytes", MaxBodySize)
	case resp.StatusCode/100 != 2:
		return v, apiError(resp, body)
	default:
		resp.Body = io.NopCloser(bytes.NewReader(body)) // parse reads it again
		if v, err = k.parse(resp); err == nil {
			err = k.check(v)
		}
		switch {
		case err == nil:
			return v, nil
		case errors.Is(err, errUndocumented):
			e.cause = fmt.Errorf("%w (content type %q, %d bytes)", err, resp.Header.Get("Content-Type"), len(body))
		default:
			e.cause = fmt.Errorf("response body: %w", err)
		}
	}
	return v, e
}

// sleep waits d unless ctx ends first or would end before d is over (then it returns false
// at once: a retry that cannot finish in time only hides the real error).
func sleep(ctx context.Context, d time.Duration) bool {
	if deadline, ok := ctx.Deadline(); ctx.Err() != nil || ok && time.Until(deadline) <= d {
		return false
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
