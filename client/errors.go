package client

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strings"

	"github.com/hubmessage/hubmessage-go/internal/printable"
)

// sentinelError is the type of the Err* values: match says which *APIError statuses match it
// (nil: none); it also matches parent, so errors.Is(ErrCodeExpired, ErrRejected) holds.
type sentinelError struct {
	msg    string
	parent error
	match  func(status int) bool
}

func (e *sentinelError) Error() string { return e.msg }
func (e *sentinelError) Unwrap() error { return e.parent }

func status(code int) func(int) bool { return func(s int) bool { return s == code } }

// Sentinels for errors.Is. An [*APIError] matches the one for its status (and, for a 422, the
// one for its message); a [*ValidationError] matches ErrInvalidInput.
var (
	// ErrInvalidInput: the call's arguments broke the spec's rules; nothing was sent.
	ErrInvalidInput error = &sentinelError{msg: "hubmessage: invalid input"}

	// ErrInvalidRequest: 400, the API found the request invalid.
	ErrInvalidRequest error = &sentinelError{msg: "hubmessage: invalid request (400)", match: status(400)}
	// ErrUnauthorized: 401, the Secret Key is missing, malformed or wrong (the browser SDK's
	// Public Key is not accepted).
	ErrUnauthorized error = &sentinelError{msg: "hubmessage: unauthorized (401)", match: status(401)}
	// ErrChannelNotFound: 404, no channel with this ID exists for this account, or it was
	// deleted.
	ErrChannelNotFound error = &sentinelError{msg: "hubmessage: channel not found (404)", match: status(404)}
	// ErrRejected: 422, a business rule rejected a well-formed request.
	ErrRejected error = &sentinelError{msg: "hubmessage: rejected (422)", match: status(422)}
	// ErrRateLimited: 429, too many requests.
	ErrRateLimited error = &sentinelError{msg: "hubmessage: rate limited (429)", match: status(429)}
	// ErrUpstream: 502, Meta's Graph API or another upstream integration failed.
	ErrUpstream error = &sentinelError{msg: "hubmessage: upstream integration failed (502)", match: status(502)}
	// ErrServer: a 5xx other than 502.
	ErrServer error = &sentinelError{msg: "hubmessage: server error (5xx)", match: func(s int) bool { return s/100 == 5 && s != 502 }}
	// ErrServiceUnavailable: 503, the server cannot take the request now (a shared sandbox
	// answers it when full); try again after the response's Retry-After. It also matches
	// ErrServer.
	ErrServiceUnavailable error = &sentinelError{msg: "hubmessage: service unavailable (503)", parent: ErrServer, match: status(503)}
	// ErrUnexpectedResponse: a 2xx the operation does not document, or a documented success
	// body saying the call failed (connect's "success": false, disconnect's false). The call
	// may or may not have taken effect.
	ErrUnexpectedResponse error = &sentinelError{msg: "hubmessage: unexpected success response", match: func(s int) bool { return s/100 == 2 }}
)

// rejections maps each documented 422 message to its sentinel; rejection fills it.
var rejections = map[string]error{}

// rejection returns the sentinel for a 422 whose message is one of messages (several
// operations may word one rule differently); it also matches ErrRejected.
func rejection(what string, messages ...string) error {
	err := &sentinelError{msg: "hubmessage: " + what + " (422)", parent: ErrRejected, match: status(422)}
	for _, m := range messages {
		rejections[m] = err
	}
	return err
}

// The 422 messages the spec documents, one sentinel per rule. Each matches ErrRejected.
var (
	// ErrCodeAlreadyUsed: connect's code was already exchanged. Restart Embedded Signup.
	ErrCodeAlreadyUsed = rejection("code already used", "CODE_ALREADY_USED")
	// ErrCodeExpired: connect's code is older than about 30 seconds. Restart Embedded Signup.
	ErrCodeExpired = rejection("code expired", "CODE_EXPIRED")
	// ErrChannelConnected: the channel is connected, so connect and delete refuse it.
	// Disconnect it first.
	ErrChannelConnected = rejection("channel still connected", "INSTANCE_STILL_CONNECTED")
	// ErrChannelType: connect was called on a channel that is not a META_WHATSAPP one.
	ErrChannelType = rejection("channel type not supported", "CHANNEL_TYPE_NOT_SUPPORTED")
	// ErrActiveSubscription: delete refused a channel whose subscription is active (PAID or
	// CANCELLATION_PROCESS).
	ErrActiveSubscription = rejection("channel has an active subscription", "INSTANCE_HAS_ACTIVE_SUBSCRIPTION")
	// ErrEnterpriseRequired: create or delete needs the account's ENTERPRISE role.
	ErrEnterpriseRequired = rejection("ENTERPRISE role required", "This action requires ENTERPRISE role", "Channel deletion requires ENTERPRISE role")
)

// MaxBodySize is how much of a response body a Client reads; the rest is dropped.
const MaxBodySize = 1 << 20

// APIError is a response the Client cannot treat as success: every non-2xx status, and a 2xx
// that is not the operation's documented success, even when the body is not the API's error
// shape (an HTML page from a proxy, truncated JSON, none). It matches its status's sentinel.
type APIError struct {
	// StatusCode is the HTTP status, e.g. 422.
	StatusCode int
	// Code is the body's "error" field (the API repeats the status there), 0 when absent.
	Code int
	// Message is the body's "message" field, e.g. "CODE_EXPIRED"; empty when absent.
	Message string
	// Body is the raw response body, at most MaxBodySize bytes.
	Body []byte

	// cause says why the body is not the expected shape, or why reading it failed.
	cause error
}

// Error gives the status, then the API's code and message, or why the body had none.
func (e *APIError) Error() string {
	head := fmt.Sprintf("%d %s: ", e.StatusCode, http.StatusText(e.StatusCode))
	if e.cause != nil {
		return head + e.cause.Error()
	}
	return head + fmt.Sprintf("error %d: %s", e.Code, printable.String(e.Message))
}

// Unwrap returns why the body was unusable (a read or decoding error), or nil.
func (e *APIError) Unwrap() error { return e.cause }

// Is matches the sentinel for e's status and, for a 422, for its message.
func (e *APIError) Is(target error) bool {
	s, ok := target.(*sentinelError)
	if !ok || s.match == nil || !s.match(e.StatusCode) {
		return false
	}
	return s.parent != ErrRejected || rejections[strings.TrimSpace(e.Message)] == target
}

// OperationError is what every failed call returns: the operation, the channel it was for,
// and the cause (an *APIError, a *ValidationError, a transport error, ...), which it wraps.
type OperationError struct {
	// Op is the Client method, e.g. "ConnectChannel".
	Op string
	// ChannelID is the channel the call was for; empty when the given ID was not valid (it is
	// then not repeated, in case it was something else, such as a key, passed by mistake).
	ChannelID string
	// Attempts is how many requests were started (0 when the input was rejected up front).
	Attempts int
	Err      error // the cause
}

func (e *OperationError) Error() string {
	s := "hubmessage: " + e.Op
	if e.ChannelID != "" {
		s += ": channel " + e.ChannelID
	}
	if e.Attempts > 1 {
		s += fmt.Sprintf(" (%d attempts)", e.Attempts)
	}
	return s + ": " + e.Err.Error()
}

func (e *OperationError) Unwrap() error { return e.Err }

// ValidationError says which input broke which of the spec's rules. It is found before any
// request is sent, and matches ErrInvalidInput.
type ValidationError struct {
	// Field is the parameter or JSON property, e.g. "phoneId".
	Field string
	// Problem is the rule it broke, e.g. "must match ^[0-9]+$", or "must be a UUID or 32
	// hexadecimal digits" when the spec describes the pattern in words.
	Problem string
}

func (e *ValidationError) Error() string { return e.Field + ": " + e.Problem }

// Is makes every ValidationError match ErrInvalidInput.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalidInput }

// validationErrors reports every problem at once, on one line.
type validationErrors []error

func (es validationErrors) Error() string {
	msgs := make([]string, len(es))
	for i, e := range es {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "; ")
}

func (es validationErrors) Unwrap() []error { return es }

// apiError turns a non-2xx response, whose body (at most MaxBodySize bytes) was read in full,
// into an *APIError with the API's error code and message, or with why the body has none.
func apiError(resp *http.Response, body []byte) *APIError {
	e := &APIError{StatusCode: resp.StatusCode, Body: body}
	if e.cause = e.decode(resp.Header.Get("Content-Type")); e.cause != nil && e.StatusCode/100 == 3 {
		e.cause = fmt.Errorf("redirect to %q not followed: %w", resp.Header.Get("Location"), e.cause)
	}
	return e
}

// decode sets e.Code and e.Message from a JSON body, as the content type must announce, with
// the members named exactly so: not a "MESSAGE" that encoding/json would also take.
func (e *APIError) decode(contentType string) error {
	mediaType, _, err := mime.ParseMediaType(contentType)
	if err != nil || (mediaType != "application/json" && !strings.HasSuffix(mediaType, "+json")) {
		return fmt.Errorf("response body is %q (%d bytes), not JSON", contentType, len(e.Body))
	}
	if len(bytes.TrimSpace(e.Body)) == 0 {
		return errors.New("response body is empty")
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(e.Body, &fields); err != nil {
		return fmt.Errorf("response body is not a JSON object: %w", err)
	}
	if fields["error"] == nil || fields["message"] == nil {
		return errors.New(`response body is not an API error: no "error" or no "message"`)
	}
	var code int
	var message string
	if err := cmp.Or(json.Unmarshal(fields["error"], &code), json.Unmarshal(fields["message"], &message)); err != nil {
		return fmt.Errorf("response body is not an API error: %w", err)
	}
	e.Code, e.Message = code, message
	return nil
}
