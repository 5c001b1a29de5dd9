package client

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/hubmessage/hubmessage-go/gen"
)

// sentinelError is the type of the Err* values. A sentinel for a 422 message unwraps to
// ErrRejected, so errors.Is(ErrCodeExpired, ErrRejected) holds.
type sentinelError struct {
	msg    string
	parent error
}

func (e *sentinelError) Error() string { return e.msg }
func (e *sentinelError) Unwrap() error { return e.parent }

// Sentinels for errors.Is. An [*APIError] matches the one for its status (and, for a 422, the
// one for its message); a [*ValidationError] matches ErrInvalidInput.
var (
	// ErrInvalidInput: the call's arguments broke the spec's rules; nothing was sent.
	ErrInvalidInput error = &sentinelError{msg: "hubmessage: invalid input"}

	// ErrInvalidRequest: 400, the API found the request invalid.
	ErrInvalidRequest error = &sentinelError{msg: "hubmessage: invalid request (400)"}
	// ErrUnauthorized: 401, the Secret Key is missing, malformed or wrong.
	ErrUnauthorized error = &sentinelError{msg: "hubmessage: unauthorized (401)"}
	// ErrChannelNotFound: 404, no channel with this ID exists for this account.
	ErrChannelNotFound error = &sentinelError{msg: "hubmessage: channel not found (404)"}
	// ErrRejected: 422, a business rule rejected a well-formed request.
	ErrRejected error = &sentinelError{msg: "hubmessage: rejected (422)"}
	// ErrRateLimited: 429, too many requests.
	ErrRateLimited error = &sentinelError{msg: "hubmessage: rate limited (429)"}
	// ErrUpstream: 502, Meta's Graph API or another upstream integration failed.
	ErrUpstream error = &sentinelError{msg: "hubmessage: upstream integration failed (502)"}
	// ErrServer: a 5xx other than 502.
	ErrServer error = &sentinelError{msg: "hubmessage: server error (5xx)"}
	// ErrUnexpectedResponse: a 2xx whose body does not say "success": true. The channel may
	// or may not be connected.
	ErrUnexpectedResponse error = &sentinelError{msg: "hubmessage: unexpected success response"}

	// ErrCodeAlreadyUsed: 422 CODE_ALREADY_USED, the code was already exchanged. Restart signup.
	ErrCodeAlreadyUsed error = &sentinelError{msg: "hubmessage: code already used (CODE_ALREADY_USED)", parent: ErrRejected}
	// ErrCodeExpired: 422 CODE_EXPIRED, the code is older than about 30 seconds. Restart signup.
	ErrCodeExpired error = &sentinelError{msg: "hubmessage: code expired (CODE_EXPIRED)", parent: ErrRejected}
	// ErrChannelConnected: 422 INSTANCE_STILL_CONNECTED, the channel is already connected.
	ErrChannelConnected error = &sentinelError{msg: "hubmessage: channel still connected (INSTANCE_STILL_CONNECTED)", parent: ErrRejected}
	// ErrChannelType: 422 CHANNEL_TYPE_NOT_SUPPORTED, the channel is not a META_WHATSAPP one.
	ErrChannelType error = &sentinelError{msg: "hubmessage: channel type not supported (CHANNEL_TYPE_NOT_SUPPORTED)", parent: ErrRejected}
)

// rejections maps the documented 422 messages to their sentinels.
var rejections = map[string]error{
	"CODE_ALREADY_USED":          ErrCodeAlreadyUsed,
	"CODE_EXPIRED":               ErrCodeExpired,
	"INSTANCE_STILL_CONNECTED":   ErrChannelConnected,
	"CHANNEL_TYPE_NOT_SUPPORTED": ErrChannelType,
}

// MaxBodySize is how much of a response body a Client reads; the rest is dropped.
const MaxBodySize = 1 << 20

// APIError is a response the Client cannot treat as success: every non-2xx status, and a 2xx
// whose body does not say "success": true. It is returned even when the body is not the
// API's error shape (an HTML page from a proxy, truncated JSON, no body): StatusCode is
// always set. Match it with errors.Is against the Err* sentinels, or errors.As for details.
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
	var b strings.Builder
	fmt.Fprintf(&b, "%d %s", e.StatusCode, http.StatusText(e.StatusCode))
	if e.cause == nil {
		fmt.Fprintf(&b, ": error %d: %s", e.Code, printable(e.Message))
	} else {
		fmt.Fprintf(&b, ": %v", e.cause)
	}
	return b.String()
}

// printable keeps server-chosen text from breaking a log line or a terminal: control
// characters become U+FFFD and the text is cut at 512 characters.
func printable(s string) string {
	const maxLen = 512
	var b strings.Builder
	for i, r := range s {
		if i >= maxLen {
			b.WriteString("…")
			break
		}
		if unicode.IsControl(r) {
			r = utf8.RuneError
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Unwrap returns why the body was unusable (a read error such as context.DeadlineExceeded, or
// a decoding problem), or nil for a well-formed API error.
func (e *APIError) Unwrap() error { return e.cause }

// Is matches the sentinel for e's status and, for a 422, for its message.
func (e *APIError) Is(target error) bool {
	switch s := e.StatusCode; target {
	case ErrInvalidRequest:
		return s == http.StatusBadRequest
	case ErrUnauthorized:
		return s == http.StatusUnauthorized
	case ErrChannelNotFound:
		return s == http.StatusNotFound
	case ErrRejected:
		return s == http.StatusUnprocessableEntity
	case ErrRateLimited:
		return s == http.StatusTooManyRequests
	case ErrUpstream:
		return s == http.StatusBadGateway
	case ErrServer:
		return s >= 500 && s <= 599 && s != http.StatusBadGateway
	case ErrUnexpectedResponse:
		return s >= 200 && s <= 299
	}
	return e.StatusCode == http.StatusUnprocessableEntity && target != nil && rejections[strings.TrimSpace(e.Message)] == target
}

// OperationError is what every failed call returns: the operation, the channel it was for,
// and the cause (an *APIError, a *ValidationError, a transport error, ...), which Unwrap
// returns so errors.Is and errors.As see through it.
type OperationError struct {
	// Op is the Client method, e.g. "ConnectChannel".
	Op string
	// ChannelID is the channel the call was for; empty when the given ID was not valid (it is
	// then not repeated, in case it was something else, such as a key, passed by mistake).
	ChannelID string
	// Attempts is how many requests were started (0 when the input was rejected up front).
	Attempts int
	// Err is the cause.
	Err error
}

func (e *OperationError) Error() string {
	var b strings.Builder
	b.WriteString("hubmessage: " + e.Op)
	if e.ChannelID != "" {
		b.WriteString(": channel " + e.ChannelID)
	}
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " (%d attempts)", e.Attempts)
	}
	b.WriteString(": ")
	b.WriteString(e.Err.Error())
	return b.String()
}

func (e *OperationError) Unwrap() error { return e.Err }

// ValidationError says which input broke which of the spec's rules. It is found before any
// request is sent, and matches ErrInvalidInput.
type ValidationError struct {
	// Field is the parameter or JSON property, e.g. "phoneId".
	Field string
	// Problem is the rule it broke, e.g. "must match ^[0-9]+$".
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

// checkResponse turns a response into nil (the API said "success": true) or an *APIError.
// It is the one place that decides; it reads at most MaxBodySize bytes and closes the body.
func checkResponse(resp *http.Response) error {
	defer resp.Body.Close()
	buf := bodyBuffers.Get().(*[]byte)
	defer bodyBuffers.Put(buf)
	body, readErr := readBody(resp.Body, (*buf)[:0])
	if cap(body) <= maxPooledBody {
		*buf = body[:0] // keep the grown buffer for the next response
	}
	if readErr == nil && isSuccess(resp, body) {
		return nil
	}
	return responseError(resp, bytes.Clone(body), readErr) // body's buffer goes back to the pool
}

// successBody is what the API answers to a successful call (without JSON whitespace around
// it): a response with exactly this body needs no parsing.
const successBody = `{"success":true}`

// isSuccess reports whether resp is a 2xx whose body responseError would accept, checking
// the API's own answer byte for byte and leaving every other body to responseError.
func isSuccess(resp *http.Response, body []byte) bool {
	if resp.StatusCode < 200 || resp.StatusCode > 299 || string(bytes.Trim(body, " \t\r\n")) != successBody {
		return false
	}
	switch ct := resp.Header["Content-Type"]; {
	case len(ct) == 0:
		return false
	case ct[0] == "application/json", ct[0] == "application/json; charset=utf-8":
		return true
	}
	return false
}

// responseError is checkResponse's decision for a body read in full (or failing with
// readErr): nil, or an *APIError that owns body.
func responseError(resp *http.Response, body []byte, readErr error) error {
	e := &APIError{StatusCode: resp.StatusCode, Body: body}
	switch {
	case readErr != nil:
		e.cause = fmt.Errorf("reading response body: %w", readErr)
		return e
	case len(body) > MaxBodySize:
		e.Body = body[:MaxBodySize]
		e.cause = fmt.Errorf("response body is larger than %d bytes", MaxBodySize)
		return e
	}
	fields, err := jsonObject(resp.Header.Get("Content-Type"), body)
	success := resp.StatusCode >= 200 && resp.StatusCode <= 299
	switch {
	case err != nil:
		e.cause = err
	case success:
		var ok gen.ConnectChannelResponse
		if fields["success"] == nil {
			e.cause = errors.New(`response body has no "success"`)
		} else if err := json.Unmarshal(body, &ok); err != nil {
			e.cause = fmt.Errorf("response body: %w", err)
		} else if !ok.Success {
			e.cause = errors.New(`response body says "success": false`)
		} else {
			return nil
		}
	default:
		var apiErr gen.Error
		if fields["error"] == nil || fields["message"] == nil {
			e.cause = errors.New(`response body is not an API error: no "error" or no "message"`)
		} else if err := json.Unmarshal(body, &apiErr); err != nil {
			e.cause = fmt.Errorf("response body is not an API error: %w", err)
		} else {
			e.Code, e.Message = apiErr.Error, apiErr.Message
		}
	}
	if resp.StatusCode >= 300 && resp.StatusCode <= 399 && e.cause != nil {
		e.cause = fmt.Errorf("redirect to %q not followed: %w", resp.Header.Get("Location"), e.cause)
	}
	return e
}

// maxPooledBody is the largest buffer bodyBuffers keeps; a larger one (a big error page) is
// left to the garbage collector rather than held forever.
const maxPooledBody = 16 << 10

// bodyBuffers holds the buffers responses are read into, so a call allocates none.
var bodyBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// readBody appends r to buf, as io.ReadAll does, stopping after MaxBodySize+1 bytes so a
// larger body is seen to be too large without being read to its end.
func readBody(r io.Reader, buf []byte) ([]byte, error) {
	const limit = MaxBodySize + 1
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):min(cap(buf), limit)])
		buf = buf[:len(buf)+n]
		switch {
		case err == io.EOF:
			return buf, nil
		case err != nil:
			return buf, err
		case len(buf) >= limit:
			return buf, nil
		}
	}
}

// jsonObject decodes body as one JSON object, as the content type must announce.
func jsonObject(contentType string, body []byte) (map[string]json.RawMessage, error) {
	mediaType, _, err := mime.ParseMediaType(contentType)
	if err != nil || (mediaType != "application/json" && !strings.HasSuffix(mediaType, "+json")) {
		return nil, fmt.Errorf("response body is %q (%d bytes), not JSON", contentType, len(body))
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, errors.New("response body is empty")
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil {
		return nil, fmt.Errorf("response body is not a JSON object: %w", err)
	}
	return fields, nil
}
