package mockserver_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hubmessage/hubmessage-go/mockserver"
	"github.com/hubmessage/hubmessage-go/mockserver/mocktest"
)

// Every refusal of a test-only endpoint is an error in the API's shape that names what is
// wrong; the API's own 404 for an unknown path is untouched.
func TestTestEndpointErrors(t *testing.T) {
	t.Parallel()
	ts := mocktest.Start(t, mockserver.WithMaxBodyBytes(256))
	const scenario = `{"operationId":"connectMetaChannel","statuses":[502]}`
	for _, tc := range []struct {
		name, method, path, body string
		key                      string // "" is ts's
		contentType              string // "" is application/json when there is a body
		status                   int
		want                     string
	}{
		{name: "unknown endpoint", method: "POST", path: "/_mock/nope", status: 404, want: "no such test endpoint; they are POST /_mock/clock, POST /_mock/codes, POST /_mock/scenarios"},
		{name: "trailing slash (not canonical)", method: "POST", path: "/_mock/codes/", status: 404, want: "no such endpoint"},
		{name: "the prefix alone (not canonical)", method: "POST", path: "/_mock/", status: 404, want: "no such endpoint"},
		{name: "dot segments (not canonical)", method: "POST", path: "/_mock/../_mock/codes", status: 404, want: "no such endpoint"},
		{name: "the API's 404 is unchanged", method: "POST", path: "/_mock", status: 404, want: "no such endpoint"},
		{name: "unknown API path", method: "POST", path: "/v1/nope", status: 404, want: "no such endpoint"},
		{name: "GET", method: "GET", path: "/_mock/codes", status: 405, want: "method GET is not allowed here; allowed: POST"},
		{name: "no key", method: "POST", path: "/_mock/codes", key: "-", status: 401, want: "Unauthorized"},
		{name: "wrong key", method: "POST", path: "/_mock/codes", key: "sk_wrong", status: 401, want: "Unauthorized"},
		{name: "codes with a member", method: "POST", path: "/_mock/codes", body: `{"life":"1h"}`, status: 400, want: `request body: member "life": not expected; the object takes no members`},
		{name: "not JSON", method: "POST", path: "/_mock/codes", body: `code please`, status: 400, want: "request body: not valid JSON (at byte 0)"},
		{name: "wrong content type", method: "POST", path: "/_mock/clock", body: `{"advance":"1s"}`, contentType: "text/plain", status: 400, want: "header Content-Type: want application/json"},
		{name: "too large", method: "POST", path: "/_mock/clock", body: `{"advance":"` + strings.Repeat("1", 300) + `s"}`, status: 413, want: "request body: longer than the 256-byte limit"},
		{name: "advance missing", method: "POST", path: "/_mock/clock", body: `{}`, status: 400, want: `request body: member "advance": missing`},
		{name: "advance not a duration", method: "POST", path: "/_mock/clock", body: `{"advance":"soon"}`, status: 400, want: `advance: want a duration such as "31s"`},
		{name: "advance a number", method: "POST", path: "/_mock/clock", body: `{"advance":31}`, status: 400, want: `member "advance": want a string`},
		{name: "advance null", method: "POST", path: "/_mock/clock", body: `{"advance":null}`, status: 400, want: `member "advance": null; want a string`},
		{name: "advance negative", method: "POST", path: "/_mock/clock", body: `{"advance":"-1s"}`, status: 400, want: "advance: must not be negative"},
		{name: "a case variant", method: "POST", path: "/_mock/clock", body: `{"ADVANCE":"1s"}`, status: 400, want: `member "ADVANCE": not expected; names are case-sensitive: did you mean "advance"?`},
		{name: "a member twice", method: "POST", path: "/_mock/clock", body: `{"advance":"1s","advance":"2s"}`, status: 400, want: `member "advance": duplicate member name`},
		{name: "data after the object", method: "POST", path: "/_mock/clock", body: `{"advance":"1s"} {}`, status: 400, want: "request body: more data after the JSON value"},
		{name: "truncated", method: "POST", path: "/_mock/clock", body: `{"advance":"1s"`, status: 400, want: "request body: "},
		{name: "unknown operation", method: "POST", path: "/_mock/scenarios", body: `{"operationId":"nope","statuses":[502]}`, status: 400, want: `operationId: "nope" is not an operation of the spec`},
		{name: "operation missing", method: "POST", path: "/_mock/scenarios", body: `{"statuses":[502]}`, status: 400, want: `member "operationId": missing`},
		{name: "undocumented status", method: "POST", path: "/_mock/scenarios", body: `{"operationId":"connectMetaChannel","statuses":[502,418]}`, status: 400, want: "statuses[1]: 418 is not documented for connectMetaChannel; documented: "},
		{name: "statuses not an array", method: "POST", path: "/_mock/scenarios", body: `{"operationId":"connectMetaChannel","statuses":502}`, status: 400, want: `member "statuses": want an array`},
		{name: "a status not an integer", method: "POST", path: "/_mock/scenarios", body: `{"operationId":"connectMetaChannel","statuses":[502.5]}`, status: 400, want: `member "statuses/0": want a number`},
		{name: "statuses empty", method: "POST", path: "/_mock/scenarios", body: `{"operationId":"connectMetaChannel","statuses":[]}`, status: 400, want: "statuses: none given"},
		{name: "channel for create", method: "POST", path: "/_mock/scenarios", body: `{"operationId":"partnerCreateChannel","channelId":"` + mockserver.ChannelHex + `","statuses":[502]}`, status: 400, want: "channelId: partnerCreateChannel names no channel"},
		{name: "channel malformed", method: "POST", path: "/_mock/scenarios", body: `{"operationId":"connectMetaChannel","channelId":"x","statuses":[502]}`, status: 400, want: "channelId: must be a UUID or 32 hexadecimal digits"},
		{name: "channel not a string", method: "POST", path: "/_mock/scenarios", body: `{"operationId":"connectMetaChannel","channelId":7,"statuses":[502]}`, status: 400, want: `member "channelId": want a string`},
		{name: "scenario with no key", method: "POST", path: "/_mock/scenarios", body: scenario, key: "-", status: 401, want: "Unauthorized"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			key := tc.key
			if key == "" {
				key = ts.SecretKey
			}
			req := withKey(t, ts.URL, key, tc.method, tc.path, tc.body)
			if key == "-" {
				req.Header.Del("Authorization")
			}
			if tc.contentType != "" {
				req.Header.Set("Content-Type", tc.contentType)
			}
			res, err := testClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			var body bytes.Buffer
			_, _ = body.ReadFrom(res.Body)
			got := response{status: res.StatusCode, header: res.Header, body: body.Bytes()}
			testAnswerForm(t, got)
			if got.status != tc.status {
				t.Fatalf("status %d %s, want %d", got.status, got.body, tc.status)
			}
			if msg := got.errorBody(t).Message; !strings.Contains(msg, tc.want) {
				t.Errorf("message %q does not contain %q", msg, tc.want)
			}
			if tc.status == http.StatusMethodNotAllowed && got.header.Get("Allow") != "POST" {
				t.Errorf("Allow %q, want POST", got.header.Get("Allow"))
			}
		})
	}
	// None of the refused scenarios was queued.
	if got := connect(t, ts, mockserver.ChannelUUID, "c").outcome(t); got != `200 {"success":true}` {
		t.Errorf("connect after the refusals: %s", got)
	}
}

// A full sandbox answers a new key's test-endpoint call 503 with Retry-After, as the API does;
// a malformed key is 401.
func TestTestEndpointsInAFullSandbox(t *testing.T) {
	t.Parallel()
	s, err := mockserver.New(mockserver.WithSandbox(mockserver.SandboxConfig{MaxKeys: 1}))
	if err != nil {
		t.Fatal(err)
	}
	if res := serveTestKey(t, s, "sk_first", "/_mock/codes", ""); res.status != http.StatusCreated {
		t.Fatalf("first key: %d %s", res.status, res.body)
	}
	res := serveTestKey(t, s, "sk_second", "/_mock/codes", "")
	if res.status != http.StatusServiceUnavailable || res.header.Get("Retry-After") == "" {
		t.Errorf("second key: %d Retry-After %q %s, want 503 with Retry-After", res.status, res.header.Get("Retry-After"), res.body)
	}
	if res := serveTestKey(t, s, "sk_bad key", "/_mock/codes", ""); res.status != http.StatusUnauthorized {
		t.Errorf("malformed key: %d %s", res.status, res.body)
	}
	if res := serveTestKey(t, s, s.SecretKey(), "/_mock/codes", ""); res.status != http.StatusCreated {
		t.Errorf("the server's own key, not counted: %d %s", res.status, res.body)
	}
}

// Whatever arrives under /_mock/, the answer is a success in JSON or an error in the API's
// shape, never a 5xx.
func FuzzTestEndpoints(f *testing.F) {
	f.Add("codes", "", "application/json", true)
	f.Add("clock", `{"advance":"31s"}`, "application/json", true)
	f.Add("clock", `{"advance":"2562047h47m16.854775807s"}`, "application/json", true)
	f.Add("scenarios", `{"operationId":"connectMetaChannel","channelId":"`+mockserver.ChannelHex+`","statuses":[502,503]}`, "application/json", true)
	f.Add("scenarios", `{"operationId":"partnerDeleteChannel","statuses":[204]}`, "application/json; charset=utf-8", false)
	f.Add("clock", "{\"adv\xffance\":1}", "text/plain", true)
	s, err := mockserver.New(mockserver.WithSecretKey("sk_fuzz"))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, endpoint, body, contentType string, auth bool) {
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		req.URL.Path = "/_mock/" + endpoint
		req.Header.Set("Content-Type", contentType)
		if auth {
			req.Header.Set("Authorization", "Bearer sk_fuzz")
		}
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		res := response{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
		if res.status >= 500 {
			t.Fatalf("%d %s", res.status, res.body)
		}
		if res.status >= 400 {
			if err := errorShape(res.status, res.header, res.body); err != nil {
				t.Fatalf("%d %s: %v", res.status, res.body, err)
			}
		} else if !json.Valid(res.body) {
			t.Fatalf("%d %s: not JSON", res.status, res.body)
		}
	})
}
