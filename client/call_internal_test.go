package client

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/hubmessage/hubmessage-go/gen"
)

// These stand-ins for operations mimic what gen generates (a New…Request builder and a
// Parse…Response parser), so the generic path is tested for every success shape the spec can
// document, a JSON object (201), a bare JSON boolean (200) and no content (204), apart from
// the spec's own operations (FuzzOperationResponse covers those).

// fakeResponse mimics gen's …Response types: the raw body, the response, and one decoded
// field per documented JSON response.
type fakeResponse[T any] struct {
	Body         []byte
	HTTPResponse *http.Response
	JSON200      *T
	JSON201      *T
}

func (r fakeResponse[T]) StatusCode() int { return r.HTTPResponse.StatusCode }

// fakeParse mimics gen's Parse…Response: a JSON body of a documented status is decoded into
// its field, anything else is left undecoded.
func fakeParse[T any](documented int) func(*http.Response) (*fakeResponse[T], error) {
	return func(rsp *http.Response) (*fakeResponse[T], error) {
		body, err := io.ReadAll(rsp.Body)
		defer func() { _ = rsp.Body.Close() }()
		if err != nil {
			return nil, err
		}
		r := &fakeResponse[T]{Body: body, HTTPResponse: rsp}
		if strings.Contains(rsp.Header.Get("Content-Type"), "json") && rsp.StatusCode == documented {
			var dest T
			if err := json.Unmarshal(body, &dest); err != nil {
				return nil, err
			}
			switch documented {
			case 200:
				r.JSON200 = &dest
			case 201:
				r.JSON201 = &dest
			}
		}
		return r, nil
	}
}

var fakeChannelRules = gen.OperationRules{OperationID: "fake", Method: "POST", Path: "/v1/channels/{channelId}/fake", Params: []gen.Rule{gen.ChannelIdRule}}

// fakeCall is an operation POST {base}/v1/channels/{channelId}/fake without a body.
func fakeCall[R any](retry retryRule, parse func(*http.Response) (R, error), check func(R) error) call[R] {
	const channelID = "019E4C54B1B375A28970B605CA9B03C3"
	return call[R]{
		op: "Fake", rules: &fakeChannelRules, retry: retry,
		params: map[string]string{"channelId": channelID},
		build: func(server string, body io.Reader) (*http.Request, error) {
			return http.NewRequest(http.MethodPost, server+"v1/channels/"+channelID+"/fake", body)
		},
		parse: parse, check: check,
	}
}

type created struct {
	ID string `json:"id"`
}

// The three success shapes, as their operations' wrappers would check gen's parsed response.
var (
	objectCall = func(retry retryRule) call[*fakeResponse[created]] { // 201 {id}
		return fakeCall(retry, fakeParse[created](201), func(r *fakeResponse[created]) error {
			return documented(r.JSON201, func(*created) bool { return true }, "")
		})
	}
	boolCall = func(retry retryRule) call[*fakeResponse[bool]] { // 200 true
		return fakeCall(retry, fakeParse[bool](200), func(r *fakeResponse[bool]) error {
			return documented(r.JSON200, func(*bool) bool { return true }, "")
		})
	}
	noContentCall = func(retry retryRule) call[*fakeResponse[struct{}]] { // 204
		return fakeCall(retry, fakeParse[struct{}](0), func(r *fakeResponse[struct{}]) error {
			if r.StatusCode() != http.StatusNoContent {
				return errUndocumented
			}
			return nil
		})
	}
)

// answer replies with status, content type and body.
func answer(status int, contentType, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		if contentType != "" {
			w.Header().Set("Content-Type", contentType)
		}
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

// newTestClient serves handler below /hub and returns a Client for it.
func newTestClient(t *testing.T, handler http.Handler, opts ...Option) *Client {
	t.Helper()
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	c, err := New("sk_internal_test", append([]Option{WithBaseURL(srv.URL + "/hub"), WithHTTPClient(srv.Client())}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestDoSuccessShapes(t *testing.T) {
	t.Parallel()
	type outcome struct {
		Value  string // the result, printed; "" on error
		Status int    // the *APIError's; 0 on success
		Cause  string // a part of the error
	}
	run := func(t *testing.T, handler http.HandlerFunc, call func(context.Context, *Client) (string, error)) outcome {
		c := newTestClient(t, handler)
		v, err := call(context.Background(), c)
		if err == nil {
			return outcome{Value: v}
		}
		var apiErr *APIError
		if !errors.As(err, &apiErr) {
			t.Fatalf("error %v holds no *APIError", err)
		}
		if !errors.Is(err, ErrUnexpectedResponse) {
			t.Errorf("error %v does not match ErrUnexpectedResponse", err)
		}
		return outcome{Status: apiErr.StatusCode, Cause: err.Error()}
	}
	object := func(ctx context.Context, c *Client) (string, error) {
		r, _, err := do(ctx, c, objectCall(retryUnsent))
		if err != nil {
			return "", err
		}
		return "id " + r.JSON201.ID, nil
	}
	boolean := func(ctx context.Context, c *Client) (string, error) {
		r, _, err := do(ctx, c, boolCall(retryUnprocessed))
		if err != nil {
			return "", err
		}
		if *r.JSON200 {
			return "true", nil
		}
		return "false", nil
	}
	noContent := func(ctx context.Context, c *Client) (string, error) {
		_, _, err := do(ctx, c, noContentCall(retryUnprocessed))
		return "done", err
	}
	tests := []struct {
		name    string
		call    func(context.Context, *Client) (string, error)
		handler http.HandlerFunc
		want    outcome
	}{
		{"object: documented 201", object, answer(201, "application/json", `{"id":"ch_1"}`), outcome{Value: "id ch_1"}},
		{"object: 200 instead of 201", object, answer(200, "application/json", `{"id":"ch_1"}`), outcome{Status: 200, Cause: `200 OK: not a response this operation documents (content type "application/json", 13 bytes)`}},
		{"object: not JSON", object, answer(201, "text/plain", `{"id":"ch_1"}`), outcome{Status: 201, Cause: "201 Created: not a response this operation documents"}},
		{"object: a JSON array", object, answer(201, "application/json", `[]`), outcome{Status: 201, Cause: "201 Created: response body: json: cannot unmarshal array"}},
		{"object: no content", object, answer(204, "", ""), outcome{Status: 204, Cause: `204 No Content: not a response this operation documents (content type "", 0 bytes)`}},

		{"boolean: documented true", boolean, answer(200, "application/json", "true\n"), outcome{Value: "true"}},
		{"boolean: an object instead", boolean, answer(200, "application/json", `{"success":true}`), outcome{Status: 200, Cause: "200 OK: response body: json: cannot unmarshal object into Go value of type bool"}},
		{"boolean: a string instead", boolean, answer(200, "application/json", `"true"`), outcome{Status: 200, Cause: "cannot unmarshal string"}},
		{"boolean: no content", boolean, answer(204, "", ""), outcome{Status: 204, Cause: "not a response this operation documents"}},
		{"boolean: 202", boolean, answer(202, "application/json", "true"), outcome{Status: 202, Cause: "202 Accepted: not a response this operation documents"}},

		{"no content: documented 204", noContent, answer(204, "", ""), outcome{Value: "done"}},
		{"no content: 200 with a body", noContent, answer(200, "application/json", `{}`), outcome{Status: 200, Cause: "200 OK: not a response this operation documents"}},
		{"no content: empty 200", noContent, answer(200, "", ""), outcome{Status: 200, Cause: "not a response this operation documents"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := run(t, tc.handler, tc.call)
			if !strings.Contains(got.Cause, tc.want.Cause) {
				t.Errorf("error %q, want one containing %q", got.Cause, tc.want.Cause)
			}
			got.Cause = tc.want.Cause
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("outcome (-want +got):\n%s", diff)
			}
		})
	}
}

// TestDoRetryRules: retryUnsent (for an operation that must never run twice) repeats only an
// attempt that was never sent, where retryUnprocessed also follows a 429's Retry-After. The
// transport stands in for the network: TestLifecycleRetryRules dials for real.
func TestDoRetryRules(t *testing.T) {
	t.Parallel()
	policy := RetryPolicy{MaxAttempts: 3, BaseDelay: time.Millisecond, MaxDelay: 2 * time.Millisecond}
	tests := []struct {
		name         string
		rule         retryRule
		refuseFirst  bool // the first attempt's dial is refused
		first429     bool // the first request gets 429 with Retry-After: 0
		wantRequests int
		wantAttempts int
	}{
		{name: "unsent: refused connection is retried", rule: retryUnsent, refuseFirst: true, wantRequests: 1, wantAttempts: 2},
		{name: "unsent: 429 with Retry-After is not", rule: retryUnsent, first429: true, wantRequests: 1, wantAttempts: 1},
		{name: "unprocessed: refused connection is retried", rule: retryUnprocessed, refuseFirst: true, wantRequests: 1, wantAttempts: 2},
		{name: "unprocessed: 429 with Retry-After is", rule: retryUnprocessed, first429: true, wantRequests: 2, wantAttempts: 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			calls, requests := 0, 0 // attempts run one after another
			rt := roundTripFunc(func(*http.Request) (*http.Response, error) {
				calls++
				if calls == 1 && tc.refuseFirst {
					return nil, &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
				}
				requests++
				if calls == 1 && tc.first429 {
					header := http.Header{"Retry-After": {"0"}, "Content-Type": {"application/json"}}
					return &http.Response{StatusCode: 429, Header: header, Body: io.NopCloser(strings.NewReader(`{"error":429,"message":"slow down"}`))}, nil
				}
				return &http.Response{StatusCode: 204, Header: http.Header{}, Body: http.NoBody}, nil
			})
			c, err := New("sk_internal_test", WithHTTPClient(&http.Client{Transport: rt}), WithRetryPolicy(policy))
			if err != nil {
				t.Fatal(err)
			}
			_, attempts, err := do(context.Background(), c, noContentCall(tc.rule))
			if requests != tc.wantRequests || attempts != tc.wantAttempts {
				t.Errorf("requests %d, attempts %d (error %v); want %d and %d", requests, attempts, err, tc.wantRequests, tc.wantAttempts)
			}
		})
	}
}

// FuzzOperationResponse: whatever the API answers an operation (status, content type, body),
// the call succeeds only for that operation's documented success (create: 201 with a JSON
// {"id"} not empty; connect: 200 with {"success": true}; disconnect: 200 with the JSON true;
// delete: 204), and otherwise returns an *APIError with that status and the raw body, never
// a panic.
func FuzzOperationResponse(f *testing.F) {
	const (
		create = iota
		connect
		disconnect
		remove
		numOps
	)
	f.Add(uint8(connect), 200, "application/json", []byte(`{"success":true}`))
	f.Add(uint8(connect), 200, "application/json; charset=utf-8", []byte(`{"success":false}`))
	f.Add(uint8(connect), 422, "application/json", []byte(`{"error":422,"message":"CODE_EXPIRED"}`))
	f.Add(uint8(connect), 502, "text/html", []byte(`<html>Bad Gateway</html>`))
	f.Add(uint8(connect), 500, "application/problem+json", []byte(`{"error":"x"}`))
	f.Add(uint8(connect), 401, "", []byte(nil))
	f.Add(uint8(connect), 307, "application/json", []byte(`{"error":307,"message":"moved"}`))
	f.Add(uint8(connect), 201, "application/json; charset=utf-8", []byte("\n{\"success\":true}\r\n"))
	f.Add(uint8(create), 201, "application/json", []byte(`{"id":"019E4C54B1B375A28970B605CA9B03C3"}`))
	f.Add(uint8(create), 201, "application/json", []byte(`{"id":""}`))
	f.Add(uint8(create), 201, "application/json", []byte(`{"ID":"x","extra":1}`))
	f.Add(uint8(create), 503, "application/json", []byte(`{"error":503,"message":"sandbox full"}`))
	f.Add(uint8(disconnect), 200, "application/json", []byte("true"))
	f.Add(uint8(disconnect), 200, "application/json", []byte("false"))
	f.Add(uint8(disconnect), 200, "application/json", []byte("null"))
	f.Add(uint8(remove), 204, "", []byte(nil))
	f.Add(uint8(remove), 200, "application/json", []byte("{}"))
	f.Fuzz(func(t *testing.T, op uint8, status int, contentType string, body []byte) {
		if status < 200 || status > 599 {
			return
		}
		rt := roundTripFunc(func(*http.Request) (*http.Response, error) {
			return &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {contentType}}, Body: io.NopCloser(strings.NewReader(string(body)))}, nil
		})
		c, err := New("sk_fuzz", WithHTTPClient(&http.Client{Transport: rt}), WithRetryPolicy(NoRetry))
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		const channelID = "019E4C54B1B375A28970B605CA9B03C3"
		json := strings.Contains(contentType, "json")
		var success bool // what the spec documents as this operation's success
		switch op % numOps {
		case create:
			var v struct{ ID string }
			success = status == 201 && json && jsonUnmarshal(body, &v) == nil && v.ID != ""
			var res *CreateResult
			if res, err = c.CreateChannel(ctx, CreateChannelRequest{Name: "n", Type: ChannelTypeMetaWhatsApp}); err == nil && res.ChannelID != v.ID {
				t.Fatalf("ChannelID %q, want the body's id %q", res.ChannelID, v.ID)
			}
		case connect:
			var v struct{ Success bool }
			success = status == 200 && json && jsonUnmarshal(body, &v) == nil && v.Success
			_, err = c.ConnectChannel(ctx, channelID, ConnectRequest{WabaID: "1", PhoneID: "2", Code: "C"})
		case disconnect:
			var v bool
			success = status == 200 && json && jsonUnmarshal(body, &v) == nil && v
			_, err = c.DisconnectChannel(ctx, channelID)
		case remove:
			success = status == 204
			_, err = c.DeleteChannel(ctx, channelID, nil)
		}
		if err == nil {
			if !success {
				t.Fatalf("op %d: status %d %q body %q accepted as success", op%numOps, status, contentType, body)
			}
			return
		}
		if success {
			t.Fatalf("op %d: documented success %d %q %q failed: %v", op%numOps, status, contentType, body, err)
		}
		var apiErr *APIError
		if !errors.As(err, &apiErr) || apiErr.StatusCode != status {
			t.Fatalf("status %d: error %v is not an *APIError with that status", status, err)
		}
		if want := body[:min(len(body), MaxBodySize)]; string(apiErr.Body) != string(want) {
			t.Fatalf("Body %q, want the raw body %q", apiErr.Body, want)
		}
		if (status >= 200 && status <= 299) != errors.Is(err, ErrUnexpectedResponse) {
			t.Fatalf("status %d: errors.Is(err, ErrUnexpectedResponse) = %t", status, !(status >= 200 && status <= 299))
		}
	})
}

var jsonUnmarshal = json.Unmarshal

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		r.Body.Close()
	}
	return f(r)
}
