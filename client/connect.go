package client

import (
	"context"
	"fmt"
	"net/http/httptrace"
	"reflect"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hubmessage/hubmessage-go/gen"
)

// ConnectRequest is what the @hubmessage/connect browser SDK hands your frontend after
// Embedded Signup. Its JSON form is the SDK's, so a payload your frontend forwards unchanged
// decodes into it with json.Unmarshal.
type ConnectRequest struct {
	// WabaID is the WhatsApp Business Account the user picked: decimal digits.
	WabaID string `json:"wabaId"`
	// PhoneID is the phone number the user picked: decimal digits.
	PhoneID string `json:"phoneId"`
	// Code is Meta's single-use code, valid for about 30 seconds.
	Code string `json:"code"`
	// Coexistence says the number stays in use in the WhatsApp Business app as well.
	Coexistence bool `json:"coexistence"`
}

// ConnectResult is a successful ConnectChannel call.
type ConnectResult struct {
	// ChannelID is the channel that is now connected.
	ChannelID string
	// Attempts is how many requests were started; more than 1 only after a retry the
	// RetryPolicy allowed because the earlier attempt certainly was not processed.
	Attempts int
}

// ConnectChannel connects an existing META_WHATSAPP channel to the WhatsApp Business Account
// and phone number the user picked in the browser SDK, exchanging the single-use code with
// Meta. channelID is a UUID or 32 hexadecimal digits. Input that breaks the spec's rules
// fails with a *ValidationError before anything is sent. Every failure is an *OperationError;
// an API refusal inside it is an *APIError (see the package documentation's Errors section).
// Call it at most once per code: a code that reached the server is spent.
//
// API: POST /v1/channels/{channelId}/connect
func (c *Client) ConnectChannel(ctx context.Context, channelID string, req ConnectRequest) (*ConnectResult, error) {
	const op = "ConnectChannel"
	if err := validateConnect(channelID, req); err != nil {
		opErr := &OperationError{Op: op, Err: err}
		if gen.ChannelIdPattern.MatchString(channelID) {
			opErr.ChannelID = channelID
		}
		return nil, opErr
	}
	body := gen.ConnectChannelRequest{WabaId: req.WabaID, PhoneId: req.PhoneID, Code: req.Code, Coexistence: req.Coexistence}
	for attempt := 1; ; attempt++ {
		wait, retry, err := c.connectOnce(ctx, channelID, body, attempt+1)
		if err == nil {
			return &ConnectResult{ChannelID: channelID, Attempts: attempt}, nil
		}
		if !retry || attempt >= c.retry.MaxAttempts || !sleep(ctx, wait) {
			return nil, &OperationError{Op: op, ChannelID: channelID, Attempts: attempt, Err: err}
		}
	}
}

// connectOnce makes one attempt. When it fails in a way that proves the request was not
// processed, retry is true and wait is how long to wait before attempt number next.
func (c *Client) connectOnce(ctx context.Context, channelID string, body gen.ConnectChannelRequest, next int) (wait time.Duration, retry bool, err error) {
	if deadline, ok := ctx.Deadline(); !ok || time.Until(deadline) > c.timeout {
		var cancel context.CancelFunc // a ctx ending sooner bounds the attempt already
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	var trace *attemptTrace // needed only to decide whether attempt next may follow
	if next <= c.retry.MaxAttempts {
		trace = newAttemptTrace()
		ctx = httptrace.WithClientTrace(ctx, &trace.hooks)
	}
	resp, err := c.api.ConnectMetaChannel(ctx, channelID, body) // a fresh request, body included, per attempt
	if err != nil {
		return c.retry.backoff(next), trace != nil && unsent(err, trace.wrote.Load()), err
	}
	if err := checkResponse(resp); err != nil {
		// Wait at least what the server asked, and back off as after any failure.
		asked, hasRetryAfter := retryAfter(resp, time.Now())
		return max(asked, c.retry.backoff(next)), hasRetryAfter && asked <= c.retry.MaxDelay, err
	}
	return 0, false, nil
}

// sleep waits d unless ctx ends first or would end before d is over (then it returns false
// at once: a retry that cannot finish in time only hides the real error).
func sleep(ctx context.Context, d time.Duration) bool {
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) <= d {
		return false
	}
	if ctx.Err() != nil {
		return false
	}
	if d <= 0 {
		return true
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

// connectFields pairs each string property of ConnectChannelRequest in the spec with the
// ConnectRequest field that carries it (by json tag).
var connectFields = func() map[string]int {
	fields := map[string]int{}
	t := reflect.TypeFor[ConnectRequest]()
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		fields[name] = i
	}
	return fields
}()

// validateConnect checks the input against the spec's rules (gen/constraints.gen.go) and
// reports every problem.
func validateConnect(channelID string, req ConnectRequest) error {
	var errs validationErrors
	if channelID == "" {
		errs = append(errs, &ValidationError{Field: gen.ChannelIdConstraint.Name, Problem: "must not be empty"})
	} else if err := checkString(gen.ChannelIdConstraint, channelID); err != nil {
		errs = append(errs, err)
	}
	v := reflect.ValueOf(req)
	for _, c := range gen.ConnectChannelRequestConstraints {
		i, ok := connectFields[c.Name]
		if !ok || c.Type != "string" {
			continue // a test holds every spec property to a ConnectRequest field
		}
		if err := checkString(c, v.Field(i).String()); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) == 0 {
		return nil
	}
	if len(errs) == 1 {
		return errs[0]
	}
	return errs
}

// checkString checks s against c. It never repeats s: the value may be a secret (a code, or a
// key passed in the wrong place).
func checkString(c gen.Constraint, s string) *ValidationError {
	problem := func(format string, args ...any) *ValidationError {
		return &ValidationError{Field: c.Name, Problem: fmt.Sprintf(format, args...)}
	}
	if !utf8.ValidString(s) {
		return problem("must be valid UTF-8")
	}
	n := utf8.RuneCountInString(s)
	switch {
	case n < c.MinLength && c.MinLength == 1:
		return problem("must not be empty")
	case n < c.MinLength:
		return problem("must be at least %d characters, have %d", c.MinLength, n)
	case c.MaxLength >= 0 && n > c.MaxLength:
		return problem("must be at most %d characters, have %d", c.MaxLength, n)
	case c.Pattern != nil && !matchPattern(c.Pattern, s):
		return problem("must match %s", c.Pattern)
	}
	return nil
}
