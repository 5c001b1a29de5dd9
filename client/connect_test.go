package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hubmessage/hubmessage-go/client"
	"github.com/hubmessage/hubmessage-go/gen"
)

func TestConnectChannelSendsTheSpecRequest(t *testing.T) {
	t.Parallel()
	for _, channelID := range []string{uuidChannel, hexChannel} {
		t.Run(channelID, func(t *testing.T) {
			t.Parallel()
			srv := newAPIServer(t, replySuccess)
			c := newClient(t, srv)
			req := client.ConnectRequest{WabaID: "1008623294902137", PhoneID: "123456789012345", Code: "AQBx7kP9dV2mNf3sLq8Rt", Coexistence: true}

			got, err := c.ConnectChannel(context.Background(), channelID, req)
			if err != nil {
				t.Fatalf("ConnectChannel: %v", err)
			}
			if diff := cmp.Diff(&client.ConnectResult{ChannelID: channelID, Attempts: 1}, got); diff != "" {
				t.Errorf("result (-want +got):\n%s", diff)
			}
			seen := srv.requests()
			if len(seen) != 1 {
				t.Fatalf("server saw %d requests, want 1", len(seen))
			}
			r := seen[0]
			if r.ChannelID != channelID {
				t.Errorf("channelId in path = %q, want %q", r.ChannelID, channelID)
			}
			wantHeaders := map[string]string{
				"Authorization": "Bearer " + testKey,
				"Content-Type":  "application/json",
				"Accept":        "application/json",
				"User-Agent":    client.DefaultUserAgent,
			}
			for name, want := range wantHeaders {
				if got := r.Header.Get(name); got != want {
					t.Errorf("header %s = %q, want %q", name, got, want)
				}
			}
			var body map[string]any
			if err := json.Unmarshal([]byte(r.Body), &body); err != nil {
				t.Fatalf("request body %q: %v", r.Body, err)
			}
			wantBody := map[string]any{"wabaId": "1008623294902137", "phoneId": "123456789012345", "code": "AQBx7kP9dV2mNf3sLq8Rt", "coexistence": true}
			if diff := cmp.Diff(wantBody, body); diff != "" {
				t.Errorf("request body (-want +got):\n%s", diff)
			}
		})
	}
}

func TestConnectChannelBaseURLForms(t *testing.T) {
	t.Parallel()
	for _, suffix := range []string{basePath, basePath + "/"} {
		t.Run(suffix, func(t *testing.T) {
			t.Parallel()
			srv := newAPIServer(t, replySuccess)
			c, err := client.New(testKey, client.WithBaseURL(srv.URL+suffix), client.WithHTTPClient(srv.Client()))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.ConnectChannel(context.Background(), hexChannel, validRequest); err != nil {
				t.Errorf("ConnectChannel with base %q: %v", suffix, err)
			}
		})
	}
}

func TestConnectRequestDecodesTheSDKPayload(t *testing.T) {
	t.Parallel()
	// The object @hubmessage/connect hands the frontend, as the vendor documents it.
	payload := `{"wabaId":"428083093730937","phoneId":"123456789012345","code":"ABC123DEF456","coexistence":true}`
	var got client.ConnectRequest
	if err := json.Unmarshal([]byte(payload), &got); err != nil {
		t.Fatal(err)
	}
	want := client.ConnectRequest{WabaID: "428083093730937", PhoneID: "123456789012345", Code: "ABC123DEF456", Coexistence: true}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("decoded (-want +got):\n%s", diff)
	}
	back, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	if string(back) != payload {
		t.Errorf("re-encoded as %s, want %s", back, payload)
	}
}

func TestConnectChannelRejectsBadInputWithoutNetwork(t *testing.T) {
	t.Parallel()
	with := func(edit func(*client.ConnectRequest)) client.ConnectRequest {
		r := validRequest
		edit(&r)
		return r
	}
	tests := []struct {
		name          string
		channelID     string
		req           client.ConnectRequest
		wantErr       string // the whole cause
		wantFields    []string
		wantChannelID string // in the OperationError
	}{
		{name: "empty channel", channelID: "", req: validRequest, wantErr: "channelId: must not be empty", wantFields: []string{"channelId"}},
		{name: "channel too short", channelID: "019E4C54B1B375A28970B605CA9B03C", req: validRequest, wantErr: patternProblem("channelId"), wantFields: []string{"channelId"}},
		{name: "channel with path", channelID: "../../admin", req: validRequest, wantErr: patternProblem("channelId"), wantFields: []string{"channelId"}},
		{name: "channel with trailing newline", channelID: hexChannel + "\n", req: validRequest, wantErr: patternProblem("channelId"), wantFields: []string{"channelId"}},
		{name: "wabaId not digits", channelID: hexChannel, req: with(func(r *client.ConnectRequest) { r.WabaID = "42808309373093a" }), wantErr: patternProblem("wabaId"), wantFields: []string{"wabaId"}, wantChannelID: hexChannel},
		{name: "wabaId empty", channelID: hexChannel, req: with(func(r *client.ConnectRequest) { r.WabaID = "" }), wantErr: "wabaId: must not be empty", wantFields: []string{"wabaId"}, wantChannelID: hexChannel},
		{name: "phoneId negative", channelID: uuidChannel, req: with(func(r *client.ConnectRequest) { r.PhoneID = "-123" }), wantErr: patternProblem("phoneId"), wantFields: []string{"phoneId"}, wantChannelID: uuidChannel},
		{name: "phoneId too long", channelID: uuidChannel, req: with(func(r *client.ConnectRequest) { r.PhoneID = strings.Repeat("1", 33) }), wantErr: "phoneId: must be at most 32 characters, have 33", wantFields: []string{"phoneId"}, wantChannelID: uuidChannel},
		{name: "phoneId unicode digits", channelID: uuidChannel, req: with(func(r *client.ConnectRequest) { r.PhoneID = "١٢٣" }), wantErr: patternProblem("phoneId"), wantFields: []string{"phoneId"}, wantChannelID: uuidChannel},
		{name: "code empty", channelID: hexChannel, req: with(func(r *client.ConnectRequest) { r.Code = "" }), wantErr: "code: must not be empty", wantFields: []string{"code"}, wantChannelID: hexChannel},
		{name: "code too long", channelID: hexChannel, req: with(func(r *client.ConnectRequest) { r.Code = strings.Repeat("A", 4097) }), wantErr: "code: must be at most 4096 characters, have 4097", wantFields: []string{"code"}, wantChannelID: hexChannel},
		{name: "code not UTF-8", channelID: hexChannel, req: with(func(r *client.ConnectRequest) { r.Code = "AB\xffC" }), wantErr: "code: must be valid UTF-8", wantFields: []string{"code"}, wantChannelID: hexChannel},
		{
			name: "every problem at once", channelID: "nope", req: client.ConnectRequest{WabaID: "x", PhoneID: "", Code: ""},
			wantErr:    patternProblem("channelId") + "; code: must not be empty; phoneId: must not be empty; " + patternProblem("wabaId"),
			wantFields: []string{"channelId", "code", "phoneId", "wabaId"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res, err := offlineClient(t).ConnectChannel(context.Background(), tc.channelID, tc.req)
			if res != nil || err == nil {
				t.Fatalf("ConnectChannel = %v, %v; want an error", res, err)
			}
			var opErr *client.OperationError
			if !errors.As(err, &opErr) {
				t.Fatalf("error %T is not an *OperationError", err)
			}
			if diff := cmp.Diff(tc.wantChannelID, opErr.ChannelID); diff != "" {
				t.Errorf("OperationError.ChannelID (-want +got):\n%s", diff)
			}
			if opErr.Op != "ConnectChannel" || opErr.Attempts != 0 {
				t.Errorf("OperationError Op %q Attempts %d, want ConnectChannel and 0", opErr.Op, opErr.Attempts)
			}
			if got := opErr.Err.Error(); !strings.HasPrefix(got, tc.wantErr) {
				t.Errorf("cause = %q, want prefix %q", got, tc.wantErr)
			}
			if !strings.HasPrefix(err.Error(), "hubmessage: ConnectChannel: ") {
				t.Errorf("error %q does not name the operation", err)
			}
			if !errors.Is(err, client.ErrInvalidInput) {
				t.Error("errors.Is(err, ErrInvalidInput) = false")
			}
			for _, sentinel := range []error{client.ErrInvalidRequest, client.ErrRejected} {
				if errors.Is(err, sentinel) {
					t.Errorf("a local validation error matches %v", sentinel)
				}
			}
			var fields []string
			for _, e := range flatten(err) {
				var v *client.ValidationError
				if errors.As(e, &v) && e == error(v) {
					fields = append(fields, v.Field)
				}
			}
			if diff := cmp.Diff(tc.wantFields, fields); diff != "" {
				t.Errorf("fields of the ValidationErrors (-want +got):\n%s", diff)
			}
		})
	}
}

// patternProblem is the whole ValidationError text for a value of connect's input named name
// that breaks its pattern: the spec's words for the pattern when it has them, else the pattern.
func patternProblem(name string) string {
	rules := append(slices.Clone(gen.ConnectMetaChannelRules.Params), gen.ConnectMetaChannelRules.Body.Properties...)
	i := slices.IndexFunc(rules, func(r gen.Rule) bool { return r.Name == name })
	if i < 0 || rules[i].Pattern == nil {
		panic("connect has no pattern for " + name)
	}
	if d := rules[i].PatternDescription; d != "" {
		return name + ": must be " + d
	}
	return name + ": must match " + rules[i].Pattern.String()
}

// flatten lists every error in err's tree, depth first.
func flatten(err error) []error {
	if err == nil {
		return nil
	}
	out := []error{err}
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		out = append(out, flatten(u.Unwrap())...)
	case interface{ Unwrap() []error }:
		for _, e := range u.Unwrap() {
			out = append(out, flatten(e)...)
		}
	}
	return out
}

// allSentinels are every status sentinel, to check an error matches exactly the right ones.
var allSentinels = map[string]error{
	"ErrInvalidInput":       client.ErrInvalidInput,
	"ErrInvalidRequest":     client.ErrInvalidRequest,
	"ErrUnauthorized":       client.ErrUnauthorized,
	"ErrChannelNotFound":    client.ErrChannelNotFound,
	"ErrRejected":           client.ErrRejected,
	"ErrRateLimited":        client.ErrRateLimited,
	"ErrUpstream":           client.ErrUpstream,
	"ErrServer":             client.ErrServer,
	"ErrUnexpectedResponse": client.ErrUnexpectedResponse,
	"ErrCodeAlreadyUsed":    client.ErrCodeAlreadyUsed,
	"ErrCodeExpired":        client.ErrCodeExpired,
	"ErrChannelConnected":   client.ErrChannelConnected,
	"ErrChannelType":        client.ErrChannelType,
	"ErrActiveSubscription": client.ErrActiveSubscription,
	"ErrEnterpriseRequired": client.ErrEnterpriseRequired,
	"ErrServiceUnavailable": client.ErrServiceUnavailable,
}

func matching(err error) []string {
	var names []string
	for name, s := range allSentinels {
		if errors.Is(err, s) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}

func TestConnectChannelTurnsEveryFailureResponseIntoAPIError(t *testing.T) {
	t.Parallel()
	huge := `{"error":500,"message":"` + strings.Repeat("x", client.MaxBodySize) + `"}`
	tests := []struct {
		name        string
		handler     http.HandlerFunc
		wantStatus  int
		wantCode    int
		wantMessage string
		wantErr     string // the APIError's text
		wantMatches []string
		wantBodyLen int // -1: do not check
	}{
		// The spec's examples.
		{name: "400", handler: replyError(400, `request body: property "wabaId" is missing`), wantStatus: 400, wantCode: 400, wantMessage: `request body: property "wabaId" is missing`, wantErr: `400 Bad Request: error 400: request body: property "wabaId" is missing`, wantMatches: []string{"ErrInvalidRequest"}, wantBodyLen: -1},
		{name: "401", handler: replyError(401, "Unauthorized"), wantStatus: 401, wantCode: 401, wantMessage: "Unauthorized", wantErr: "401 Unauthorized: error 401: Unauthorized", wantMatches: []string{"ErrUnauthorized"}, wantBodyLen: -1},
		{name: "404", handler: replyError(404, "Channel not found"), wantStatus: 404, wantCode: 404, wantMessage: "Channel not found", wantErr: "404 Not Found: error 404: Channel not found", wantMatches: []string{"ErrChannelNotFound"}, wantBodyLen: -1},
		{name: "422 CODE_ALREADY_USED", handler: replyError(422, "CODE_ALREADY_USED"), wantStatus: 422, wantCode: 422, wantMessage: "CODE_ALREADY_USED", wantErr: "422 Unprocessable Entity: error 422: CODE_ALREADY_USED", wantMatches: []string{"ErrCodeAlreadyUsed", "ErrRejected"}, wantBodyLen: -1},
		{name: "422 CODE_EXPIRED", handler: replyError(422, "CODE_EXPIRED"), wantStatus: 422, wantCode: 422, wantMessage: "CODE_EXPIRED", wantErr: "422 Unprocessable Entity: error 422: CODE_EXPIRED", wantMatches: []string{"ErrCodeExpired", "ErrRejected"}, wantBodyLen: -1},
		{name: "422 INSTANCE_STILL_CONNECTED", handler: replyError(422, "INSTANCE_STILL_CONNECTED"), wantStatus: 422, wantCode: 422, wantMessage: "INSTANCE_STILL_CONNECTED", wantErr: "422 Unprocessable Entity: error 422: INSTANCE_STILL_CONNECTED", wantMatches: []string{"ErrChannelConnected", "ErrRejected"}, wantBodyLen: -1},
		{name: "422 CHANNEL_TYPE_NOT_SUPPORTED", handler: replyError(422, "CHANNEL_TYPE_NOT_SUPPORTED"), wantStatus: 422, wantCode: 422, wantMessage: "CHANNEL_TYPE_NOT_SUPPORTED", wantErr: "422 Unprocessable Entity: error 422: CHANNEL_TYPE_NOT_SUPPORTED", wantMatches: []string{"ErrChannelType", "ErrRejected"}, wantBodyLen: -1},
		{name: "422 unknown message", handler: replyError(422, "SOMETHING_NEW"), wantStatus: 422, wantCode: 422, wantMessage: "SOMETHING_NEW", wantErr: "422 Unprocessable Entity: error 422: SOMETHING_NEW", wantMatches: []string{"ErrRejected"}, wantBodyLen: -1},
		{name: "502", handler: replyError(502, "Integration error"), wantStatus: 502, wantCode: 502, wantMessage: "Integration error", wantErr: "502 Bad Gateway: error 502: Integration error", wantMatches: []string{"ErrUpstream"}, wantBodyLen: -1},
		{name: "500", handler: replyError(500, "Internal server error"), wantStatus: 500, wantCode: 500, wantMessage: "Internal server error", wantErr: "500 Internal Server Error: error 500: Internal server error", wantMatches: []string{"ErrServer"}, wantBodyLen: -1},
		{name: "503 without Retry-After", handler: replyError(503, "Maintenance"), wantStatus: 503, wantCode: 503, wantMessage: "Maintenance", wantErr: "503 Service Unavailable: error 503: Maintenance", wantMatches: []string{"ErrServer", "ErrServiceUnavailable"}, wantBodyLen: -1},
		{name: "429 without Retry-After", handler: replyError(429, "Too many requests"), wantStatus: 429, wantCode: 429, wantMessage: "Too many requests", wantErr: "429 Too Many Requests: error 429: Too many requests", wantMatches: []string{"ErrRateLimited"}, wantBodyLen: -1},
		{name: "403 has no sentinel", handler: replyError(403, "Forbidden"), wantStatus: 403, wantCode: 403, wantMessage: "Forbidden", wantErr: "403 Forbidden: error 403: Forbidden", wantBodyLen: -1},

		// Hostile or broken servers.
		{
			name: "HTML 502 from a proxy",
			handler: func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "text/html")
				w.WriteHeader(502)
				fmt.Fprint(w, "<html><body>Bad Gateway</body></html>")
			},
			wantStatus: 502, wantErr: `502 Bad Gateway: response body is "text/html" (37 bytes), not JSON`, wantMatches: []string{"ErrUpstream"}, wantBodyLen: 37,
		},
		{name: "truncated JSON 422", handler: reply(422, `{"error":422,"message":"CODE_EXP`), wantStatus: 422, wantErr: "422 Unprocessable Entity: response body is not a JSON object: unexpected end of JSON input", wantMatches: []string{"ErrRejected"}, wantBodyLen: 32},
		{
			name: "JSON body with a text content type",
			handler: func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "text/plain")
				w.WriteHeader(401)
				fmt.Fprint(w, `{"error":401,"message":"Unauthorized"}`)
			},
			wantStatus: 401, wantErr: `401 Unauthorized: response body is "text/plain" (38 bytes), not JSON`, wantMatches: []string{"ErrUnauthorized"}, wantBodyLen: 38,
		},
		{name: "empty 500", handler: reply(500, ""), wantStatus: 500, wantErr: "500 Internal Server Error: response body is empty", wantMatches: []string{"ErrServer"}, wantBodyLen: 0},
		{name: "error body of the wrong shape", handler: reply(404, `{"code":"NOT_FOUND"}`), wantStatus: 404, wantErr: `404 Not Found: response body is not an API error: no "error" or no "message"`, wantMatches: []string{"ErrChannelNotFound"}, wantBodyLen: -1},
		{name: "message given twice, in two cases", handler: reply(422, `{"error":422,"message":"CODE_EXPIRED","MESSAGE":"CODE_ALREADY_USED"}`), wantStatus: 422, wantCode: 422, wantMessage: "CODE_EXPIRED", wantErr: "422 Unprocessable Entity: error 422: CODE_EXPIRED", wantMatches: []string{"ErrCodeExpired", "ErrRejected"}, wantBodyLen: -1},
		{name: "error body with wrong types", handler: reply(400, `{"error":"400","message":1}`), wantStatus: 400, wantErr: "400 Bad Request: response body is not an API error: json: cannot unmarshal", wantMatches: []string{"ErrInvalidRequest"}, wantBodyLen: -1},
		{name: "body larger than the cap", handler: reply(500, huge), wantStatus: 500, wantErr: "500 Internal Server Error: response body is larger than 1048576 bytes", wantMatches: []string{"ErrServer"}, wantBodyLen: client.MaxBodySize},

		// A 2xx that is not a success.
		{name: "200 success false", handler: reply(200, `{"success":false}`), wantStatus: 200, wantErr: `200 OK: response body: "success" is not true`, wantMatches: []string{"ErrUnexpectedResponse"}, wantBodyLen: -1},
		{name: "200 without success", handler: reply(200, `{}`), wantStatus: 200, wantErr: `200 OK: response body: "success" is not true`, wantMatches: []string{"ErrUnexpectedResponse"}, wantBodyLen: -1},
		{name: "200 success null", handler: reply(200, `{"success":null}`), wantStatus: 200, wantErr: `200 OK: response body: "success" is not true`, wantMatches: []string{"ErrUnexpectedResponse"}, wantBodyLen: -1},
		{name: "200 success as a string", handler: reply(200, `{"success":"true"}`), wantStatus: 200, wantErr: "200 OK: response body: json: cannot unmarshal string", wantMatches: []string{"ErrUnexpectedResponse"}, wantBodyLen: -1},
		{name: "200 not JSON", handler: reply(200, `OK`), wantStatus: 200, wantErr: "200 OK: response body: invalid character 'O'", wantMatches: []string{"ErrUnexpectedResponse"}, wantBodyLen: -1},
		{name: "200 JSON array", handler: reply(200, `[{"success":true}]`), wantStatus: 200, wantErr: "200 OK: response body: json: cannot unmarshal array", wantMatches: []string{"ErrUnexpectedResponse"}, wantBodyLen: -1},
		{name: "201 instead of the documented 200", handler: reply(201, `{"success":true}`), wantStatus: 201, wantErr: `201 Created: not a response this operation documents (content type "application/json", 16 bytes)`, wantMatches: []string{"ErrUnexpectedResponse"}, wantBodyLen: 16},
		{name: "200 trailing data", handler: reply(200, `{"success":true}{}`), wantStatus: 200, wantErr: "200 OK: response body: invalid character '{' after top-level value", wantMatches: []string{"ErrUnexpectedResponse"}, wantBodyLen: -1},
		{
			name: "200 success with a text content type",
			handler: func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "text/plain")
				fmt.Fprint(w, `{"success":true}`)
			},
			wantStatus: 200, wantErr: `200 OK: not a response this operation documents (content type "text/plain", 16 bytes)`, wantMatches: []string{"ErrUnexpectedResponse"}, wantBodyLen: 16,
		},
		{
			name:       "204 no content",
			handler:    func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(204) },
			wantStatus: 204, wantErr: `204 No Content: not a response this operation documents (content type "", 0 bytes)`, wantMatches: []string{"ErrUnexpectedResponse"}, wantBodyLen: 0,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newAPIServer(t, tc.handler)
			c := newClient(t, srv)
			res, err := c.ConnectChannel(context.Background(), hexChannel, validRequest)
			if res != nil || err == nil {
				t.Fatalf("ConnectChannel = %v, %v; want an error", res, err)
			}
			var apiErr *client.APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("error %v (%T) holds no *APIError", err, err)
			}
			got := struct {
				Status, Code int
				Message      string
			}{apiErr.StatusCode, apiErr.Code, apiErr.Message}
			want := struct {
				Status, Code int
				Message      string
			}{tc.wantStatus, tc.wantCode, tc.wantMessage}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("APIError (-want +got):\n%s", diff)
			}
			if !strings.HasPrefix(apiErr.Error(), tc.wantErr) {
				t.Errorf("APIError.Error() = %q, want prefix %q", apiErr.Error(), tc.wantErr)
			}
			if wantFull := "hubmessage: ConnectChannel: channel " + hexChannel + ": " + apiErr.Error(); err.Error() != wantFull {
				t.Errorf("error = %q, want %q", err, wantFull)
			}
			if diff := cmp.Diff(tc.wantMatches, matching(err)); diff != "" {
				t.Errorf("sentinels matched (-want +got):\n%s", diff)
			}
			if tc.wantBodyLen >= 0 && len(apiErr.Body) != tc.wantBodyLen {
				t.Errorf("len(Body) = %d, want %d", len(apiErr.Body), tc.wantBodyLen)
			}
			if len(apiErr.Body) > client.MaxBodySize {
				t.Errorf("len(Body) = %d, more than MaxBodySize", len(apiErr.Body))
			}
			if n := len(srv.requests()); n != 1 {
				t.Errorf("server saw %d requests, want 1 (no retry)", n)
			}
		})
	}
}

func TestRejectionSentinelsMatchErrRejected(t *testing.T) {
	t.Parallel()
	for _, s := range []error{client.ErrCodeAlreadyUsed, client.ErrCodeExpired, client.ErrChannelConnected, client.ErrChannelType, client.ErrActiveSubscription, client.ErrEnterpriseRequired} {
		if !errors.Is(s, client.ErrRejected) {
			t.Errorf("errors.Is(%v, ErrRejected) = false", s)
		}
		if errors.Is(client.ErrRejected, s) {
			t.Errorf("errors.Is(ErrRejected, %v) = true", s)
		}
	}
}

func TestOperationErrorUnwraps(t *testing.T) {
	t.Parallel()
	srv := newAPIServer(t, replyError(422, "CODE_EXPIRED"))
	c := newClient(t, srv)
	_, err := c.ConnectChannel(context.Background(), uuidChannel, validRequest)
	opErr, ok := err.(*client.OperationError)
	if !ok {
		t.Fatalf("error %T, want *client.OperationError", err)
	}
	apiErr, ok := errors.Unwrap(err).(*client.APIError)
	if !ok || apiErr != opErr.Err {
		t.Fatalf("errors.Unwrap(err) = %T, want the *APIError in Err", errors.Unwrap(err))
	}
	if want := "hubmessage: ConnectChannel: channel " + uuidChannel + ": 422 Unprocessable Entity: error 422: CODE_EXPIRED"; err.Error() != want {
		t.Errorf("error = %q, want %q", err, want)
	}
	if errors.Unwrap(apiErr) != nil {
		t.Errorf("a well-formed API error unwraps to %v, want nil", errors.Unwrap(apiErr))
	}
}

func TestRedirectsAreNotFollowed(t *testing.T) {
	t.Parallel()
	// B listens on another host:port; it must never see the request, the code or the key.
	target := newAPIServer(t, replySuccess)
	targetURL := strings.Replace(target.URL, "127.0.0.1", "localhost", 1) + basePath + "/v1/channels/" + hexChannel + "/connect"
	for _, status := range []int{http.StatusMovedPermanently, http.StatusFound, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			t.Parallel()
			srv := newAPIServer(t, func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, targetURL, status) })
			hc := srv.Client()
			followed := 0
			hc.CheckRedirect = func(*http.Request, []*http.Request) error { followed++; return nil }
			c := newClient(t, srv, client.WithHTTPClient(hc))

			_, err := c.ConnectChannel(context.Background(), hexChannel, validRequest)
			var apiErr *client.APIError
			if !errors.As(err, &apiErr) || apiErr.StatusCode != status {
				t.Fatalf("error %v, want an *APIError with status %d", err, status)
			}
			if !strings.Contains(err.Error(), "redirect to") || !strings.Contains(err.Error(), "not followed") {
				t.Errorf("error %q does not say the redirect was not followed", err)
			}
			if followed != 0 {
				t.Errorf("the caller's CheckRedirect ran %d times; the Client must use its own", followed)
			}
		})
	}
	t.Cleanup(func() {
		if n := len(target.requests()); n != 0 {
			t.Errorf("redirect target saw %d requests, want 0", n)
		}
	})
}

func TestClientIsSafeForConcurrentUse(t *testing.T) {
	t.Parallel()
	srv := newAPIServer(t, replySuccess)
	c := newClient(t, srv)
	const n = 16
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Go(func() {
			_, err := c.ConnectChannel(context.Background(), hexChannel, validRequest)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if got := len(srv.requests()); got != n {
		t.Errorf("server saw %d requests, want %d", got, n)
	}
}

func TestConnectRequestNeverPrintsItsCode(t *testing.T) {
	const code = "AQBsecretcode123"
	req := client.ConnectRequest{WabaID: "1", PhoneID: "2", Code: code}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
		got := fmt.Sprintf(verb, req)
		if strings.Contains(got, code) || !strings.Contains(got, `WabaID: "1"`) {
			t.Errorf("%s: %s", verb, got)
		}
		if got := fmt.Sprintf(verb, &req); strings.Contains(got, code) {
			t.Errorf("%s of a pointer: %s", verb, got)
		}
	}
}
