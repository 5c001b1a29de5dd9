package connecthandler

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/hubmessage/hubmessage-go/client"
)

// members are the SDK payload's member names, in the SDK's order.
var members = [...]string{"wabaId", "phoneId", "code", "coexistence"}

// payloadError says what is wrong with a payload. Its text names a member, never a value:
// the code is a secret.
type payloadError struct{ msg string }

func (e *payloadError) Error() string { return e.msg }

func payloadErrorf(format string, args ...any) error {
	return &payloadError{msg: fmt.Sprintf(format, args...)}
}

// decodePayload reads body as the SDK payload: one JSON object with exactly the members
// wabaId, phoneId and code (strings) and coexistence (a boolean), names matched exactly, each
// once, nothing after it. encoding/json alone would accept "CODE" for code, a repeated member
// (the last wins), unknown members and invalid UTF-8 (silently replaced); each is refused
// here, so what the handler checks is what it sends. The values' own rules (digits, lengths)
// are the spec's, checked by the client before anything is sent.
func decodePayload(body []byte) (client.ConnectRequest, error) {
	var req client.ConnectRequest
	if err := decodeInto(&req, body); err != nil {
		return client.ConnectRequest{}, err // no partial payload: it may hold the code
	}
	return req, nil
}

func decodeInto(req *client.ConnectRequest, body []byte) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return payloadErrorf("the body is empty")
	}
	if !utf8.Valid(body) {
		return payloadErrorf("the body is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return notJSON(dec, err, "the body is not a JSON object")
	}
	var seen [len(members)]bool
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return notJSON(dec, err, "")
		}
		name, ok := tok.(string)
		if !ok { // not reached: inside an object, Token gives a name or an error
			return payloadErrorf("the body is not valid JSON (at byte %d)", dec.InputOffset())
		}
		i := slices.Index(members[:], name)
		switch {
		case i < 0:
			return unknownMember(name)
		case seen[i]:
			return payloadErrorf("member %q appears more than once", name)
		}
		seen[i] = true
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return notJSON(dec, err, "")
		}
		if err := setMember(req, name, raw); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return notJSON(dec, err, "")
	}
	if _, err := dec.Token(); err != io.EOF {
		return payloadErrorf("the body has more after the JSON object")
	}
	for i, ok := range seen {
		if !ok {
			return payloadErrorf("member %q is missing", members[i])
		}
	}
	return nil
}

// setMember decodes raw, a valid JSON value, into req's member name.
func setMember(req *client.ConnectRequest, name string, raw json.RawMessage) error {
	if name == "coexistence" {
		switch string(raw) {
		case "true":
			req.Coexistence = true
		case "false":
			req.Coexistence = false
		default:
			return payloadErrorf("member %q must be true or false", name)
		}
		return nil
	}
	var s string
	if raw[0] != '"' || json.Unmarshal(raw, &s) != nil {
		return payloadErrorf("member %q must be a string", name)
	}
	// The body is valid UTF-8, so U+FFFD here comes from an escape of half a surrogate pair
	// (which encoding/json replaces), or was sent as such: neither is a real value.
	if strings.ContainsRune(s, utf8.RuneError) {
		return payloadErrorf("member %q is not valid text", name)
	}
	switch name {
	case "wabaId":
		req.WabaID = s
	case "phoneId":
		req.PhoneID = s
	case "code":
		req.Code = s
	}
	return nil
}

// unknownMember names an unexpected member, and the expected one when only its case differs.
// The name is the sender's own text; it is quoted and cut short.
func unknownMember(name string) error {
	for _, m := range members {
		if strings.EqualFold(m, name) {
			return payloadErrorf("member %s is not expected; names are case-sensitive: %q", quoteShort(name), m)
		}
	}
	return payloadErrorf("member %s is not expected; the payload has exactly wabaId, phoneId, code and coexistence", quoteShort(name))
}

// quoteShort quotes s, cut to 40 bytes, as a Go string: control characters escaped.
func quoteShort(s string) string {
	const max = 40
	if len(s) <= max {
		return strconv.Quote(s)
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strconv.Quote(s[:cut]) + "…"
}

// notJSON reports a syntax error by its offset. encoding/json's own text quotes the
// offending character, which may be part of the code.
func notJSON(dec *json.Decoder, err error, what string) error {
	var syntax *json.SyntaxError
	switch {
	case what != "" && (err == nil || errors.As(err, &syntax) && syntax.Offset <= 1):
		return payloadErrorf("%s", what)
	case errors.As(err, &syntax):
		return payloadErrorf("the body is not valid JSON (at byte %d)", syntax.Offset)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return payloadErrorf("the body ends before the JSON object does")
	}
	return payloadErrorf("the body is not valid JSON (at byte %d)", dec.InputOffset())
}
