package contracttest_test

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/hubmessage/hubmessage-go/contracttest"
)

type errorBody struct {
	Error   int    `json:"error"`
	Message string `json:"message"`
}

func TestMiddlewareEnforceRejectsInvalidRequests(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, method, path, ctype, body string
		auth                            string
		wantStatus                      int
		wantAllow                       string
		wantMessage                     []string // substrings of message
	}{
		{"unknown path", "POST", "/v1/nowhere", "application/json", validBody, "Bearer " + secretKey, 404, "", []string{"no such endpoint"}},
		{"undocumented method", "GET", connectPath, "", "", "Bearer " + secretKey, 405, "POST", []string{"method GET is not allowed here; allowed: POST"}},
		{"no token", "POST", connectPath, "application/json", validBody, "", 401, "", []string{"Unauthorized"}},
		{"wrong token", "POST", connectPath, "application/json", validBody, "Bearer sk_wrong", 401, "", []string{"Unauthorized"}},
		{"no token and a bad body says nothing of the body", "POST", connectPath, "application/json", `{}`, "", 401, "", []string{"Unauthorized"}},
		{"missing properties", "POST", connectPath, "application/json", `{"wabaId":"1"}`, "Bearer " + secretKey, 400, "",
			[]string{`body /code: property "code" is missing`, `body /phoneId: property "phoneId" is missing`, "body /coexistence"}},
		{"bad channel id", "POST", "/v1/channels/nope/connect", "application/json", validBody, "Bearer " + secretKey, 400, "", []string{"path parameter channelId"}},
		{"wrong content type", "POST", connectPath, "text/plain", validBody, "Bearer " + secretKey, 400, "", []string{"header Content-Type"}},
		{"malformed JSON", "POST", connectPath, "application/json", `{"`, "Bearer " + secretKey, 400, "", []string{"body"}},
		{"too large", "POST", connectPath, "application/json", `{"code":"` + strings.Repeat("a", 300) + `"}`, "Bearer " + secretKey, 413, "", []string{"request body: longer than the 256-byte limit"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var called atomic.Bool
			var reported atomic.Int32
			v := contracttest.MustNew(t, contracttest.WithSecretKey(secretKey))
			h := v.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { called.Store(true) }),
				contracttest.WithMaxBody(256), contracttest.OnViolation(func(contracttest.Violations) { reported.Add(1) }))
			req := httptest.NewRequest(tc.method, tc.path, strings.NewReader(tc.body))
			if tc.ctype != "" {
				req.Header.Set("Content-Type", tc.ctype)
			}
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if called.Load() {
				t.Error("the handler saw an invalid request")
			}
			if reported.Load() == 0 {
				t.Error("the violation was not reported")
			}
			var got errorBody
			if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || rec.Header().Get("Content-Type") != "application/json" {
				t.Fatalf("body %q (%s) is not the spec's Error shape: %v", rec.Body, rec.Header().Get("Content-Type"), err)
			}
			if rec.Code != tc.wantStatus || got.Error != tc.wantStatus {
				t.Errorf("status %d, body error %d; want %d", rec.Code, got.Error, tc.wantStatus)
			}
			if allow := rec.Header().Get("Allow"); allow != tc.wantAllow {
				t.Errorf("Allow %q, want %q", allow, tc.wantAllow)
			}
			for _, w := range tc.wantMessage {
				if !strings.Contains(got.Message, w) {
					t.Errorf("message %q does not say %q", got.Message, w)
				}
			}
			if strings.Contains(rec.Body.String(), secretKey) || strings.Contains(rec.Body.String(), "sk_wrong") {
				t.Errorf("rejection shows a token: %s", rec.Body)
			}
		})
	}
}

func TestMiddlewareResponses(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		mode       contracttest.Mode
		handler    http.Handler
		wantStatus int
		wantBody   string
		violations int
	}{
		{"valid, enforce", contracttest.Enforce, conformantAPI(), 200, `{"success":true}` + "\n", 0},
		{"invalid, enforce replaces with 500", contracttest.Enforce, omitsSuccess(), 500, "", 1},
		{"invalid, report only passes it on", contracttest.ReportOnly, omitsSuccess(), 200, `{}`, 1},
		{"plain text, report only", contracttest.ReportOnly, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(502)
			io.WriteString(w, "Bad Gateway")
		}), 502, "Bad Gateway", 1},
		{"flushing handler is still validated", contracttest.Enforce, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"success":`)
			w.(http.Flusher).Flush()
			io.WriteString(w, `true}`)
		}), 200, `{"success":true}`, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var vs []contracttest.Violations
			h := contracttest.MustNew(t).Middleware(tc.handler, contracttest.WithMode(tc.mode),
				contracttest.OnViolation(func(v contracttest.Violations) { vs = append(vs, v) }))
			req := httptest.NewRequest("POST", connectPath, strings.NewReader(validBody))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+secretKey)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tc.wantStatus || tc.wantBody != "" && rec.Body.String() != tc.wantBody {
				t.Errorf("got %d %q, want %d %q", rec.Code, rec.Body, tc.wantStatus, tc.wantBody)
			}
			if len(vs) != tc.violations {
				t.Errorf("reported %v, want %d violation sets", vs, tc.violations)
			}
			if tc.wantStatus == 500 {
				var got errorBody
				if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || got.Error != 500 {
					t.Errorf("replacement %q is not a 500 Error body", rec.Body)
				}
			}
		})
	}
}

func TestMiddlewareReportOnlyPassesInvalidRequests(t *testing.T) {
	t.Parallel()
	tb := &fakeTB{}
	var gotBody string
	mw, err := contracttest.Middleware(nil, contracttest.WithMode(contracttest.ReportOnly), contracttest.WithTB(tb))
	if err != nil {
		t.Fatal(err)
	}
	h := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		gotBody = string(b)
		writeErr(w, 400, "bad")
	}))
	req := httptest.NewRequest("POST", connectPath, strings.NewReader(`{"wabaId":1}`))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 400 || gotBody != `{"wabaId":1}` {
		t.Errorf("handler got %q and answered %d; want the request passed on unchanged", gotBody, rec.Code)
	}
	if f := tb.failures(); len(f) != 1 || !strings.Contains(f[0], "body /wabaId") || !strings.Contains(f[0], "header Authorization") {
		t.Errorf("TB failures %q, want one naming body /wabaId and header Authorization", f)
	}
}

func TestMiddlewareRejectFunc(t *testing.T) {
	t.Parallel()
	var gotStatus int
	h := contracttest.MustNew(t).Middleware(conformantAPI(), contracttest.WithTB(noopTB{}),
		contracttest.WithRejectFunc(func(w http.ResponseWriter, r *http.Request, status int, vs contracttest.Violations) {
			gotStatus = status
			w.WriteHeader(status)
			io.WriteString(w, "custom")
		}))
	req := httptest.NewRequest("POST", connectPath, strings.NewReader(validBody))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if gotStatus != 401 || rec.Body.String() != "custom" {
		t.Errorf("reject func saw %d, wrote %q", gotStatus, rec.Body)
	}
}

// Coverage counts what the wrapped handler answered: not the middleware's own rejections, nor
// the 500 it substitutes for an invalid response (the handler's own status counts then).
func TestMiddlewareCoverageCountsOnlyTheHandlersAnswers(t *testing.T) {
	t.Parallel()
	v := fixtureValidator(t, "router-methods.yaml")
	cov, err := contracttest.NewCoverage(v)
	if err != nil {
		t.Fatal(err)
	}
	status, body := 201, `{"id":"1"}`
	h := v.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}), contracttest.WithCoverage(cov), contracttest.WithTB(noopTB{}))
	for _, tc := range []struct {
		auth, request string
		status        int    // the handler's
		body          string // the handler's
		want          int    // the client's
	}{
		{"", `{"name":"a"}`, 201, `{"id":"1"}`, 401},         // rejected: the handler never answers
		{"Bearer k", `{"name":1}`, 201, `{"id":"1"}`, 400},   // rejected
		{"Bearer k", `{"name":"a"}`, 409, `{"oops":1}`, 500}, // the handler's invalid 409 is replaced
		{"Bearer k", `{"name":"a"}`, 201, `{"id":"1"}`, 201},
	} {
		status, body = tc.status, tc.body
		req := httptest.NewRequest("POST", "/things", strings.NewReader(tc.request))
		req.Header.Set("Content-Type", "application/json")
		if tc.auth != "" {
			req.Header.Set("Authorization", tc.auth)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != tc.want {
			t.Fatalf("%s: status %d, want %d", tc.request, rec.Code, tc.want)
		}
	}
	// Before: the 401, 400 and 500 the middleware wrote counted for "default", the 409 not at all.
	if diff := cmp.Diff([]string{"createThing 201", "createThing 409"}, cov.Covered()); diff != "" {
		t.Errorf("coverage (-want +got):\n%s", diff)
	}
}

func TestMiddlewareLongResponseStreamsThrough(t *testing.T) {
	t.Parallel()
	long := `{"success":true,"pad":"` + strings.Repeat("x", 2048) + `"}`
	var vs []contracttest.Violations
	h := contracttest.MustNew(t).Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		for i := 0; i < len(long); i += 100 {
			io.WriteString(w, long[i:min(i+100, len(long))])
		}
	}), contracttest.WithMaxBody(512), contracttest.OnViolation(func(v contracttest.Violations) { vs = append(vs, v) }))
	req := httptest.NewRequest("POST", connectPath, strings.NewReader(validBody))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+secretKey)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Body.String() != long || rec.Header().Get("Content-Type") != "application/json" {
		t.Errorf("client got %d bytes (%s), want all %d", rec.Body.Len(), rec.Header().Get("Content-Type"), len(long))
	}
	if len(vs) != 1 || !strings.Contains(vs[0].Error(), "not validated") {
		t.Errorf("reported %v, want one 'not validated'", vs)
	}
}

func TestMiddlewareTooLargeWithoutContentLength(t *testing.T) {
	t.Parallel()
	var called atomic.Bool
	var vs []contracttest.Violations
	h := contracttest.MustNew(t).Middleware(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { called.Store(true) }),
		contracttest.WithMaxBody(64), contracttest.OnViolation(func(v contracttest.Violations) { vs = append(vs, v) }))
	req := httptest.NewRequest("POST", connectPath, io.NopCloser(strings.NewReader(strings.Repeat(" ", 65)+validBody)))
	req.ContentLength = -1 // chunked: the limit must be found by reading
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusRequestEntityTooLarge || called.Load() {
		t.Errorf("status %d, handler called %v; want 413 before the handler", rec.Code, called.Load())
	}
	if len(vs) != 1 || vs[0][0].Operation != "connectMetaChannel" || !strings.Contains(vs[0][0].Reason, "64-byte limit") {
		t.Errorf("reported %v", vs)
	}
}

// rawExchange sends raw bytes to srv over TCP and reads the one response, so a test can send
// what net/http's client would not (half a body, a malformed request).
func rawExchange(t *testing.T, srv *httptest.Server, raw string) (*http.Response, string) {
	t.Helper()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(30 * time.Second)) // only so a broken server fails the test instead of hanging it
	if _, err := io.WriteString(conn, raw); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(body)
}

// A request body that stops arriving gets a 408 in the spec's shape once the body timeout
// passes, instead of holding the connection until the server gives up on it.
func TestMiddlewareAnswersAStalledBodyWith408(t *testing.T) {
	t.Parallel()
	var called atomic.Bool
	var reported atomic.Int32
	h := fixtureValidator(t, "router-methods.yaml").Middleware(
		http.HandlerFunc(func(http.ResponseWriter, *http.Request) { called.Store(true) }),
		contracttest.WithBodyTimeout(50*time.Millisecond),
		contracttest.OnViolation(func(contracttest.Violations) { reported.Add(1) }))
	srv := httptest.NewServer(h)
	defer srv.Close()
	resp, body := rawExchange(t, srv, "POST /things HTTP/1.1\r\nHost: api.test\r\nAuthorization: Bearer k\r\n"+
		"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n"+`{"name":`)
	want := `{"error":408,"message":"request body: not received within 50ms"}` + "\n"
	if resp.StatusCode != 408 || resp.Header.Get("Content-Type") != "application/json" || body != want {
		t.Errorf("got %d %s %q, want 408 application/json %q", resp.StatusCode, resp.Header.Get("Content-Type"), body, want)
	}
	if called.Load() || reported.Load() != 1 {
		t.Errorf("handler called %v, violations reported %d times; want not called, reported once", called.Load(), reported.Load())
	}
}

// What doc.go says net/http answers itself, before any handler (and so the middleware) runs:
// text/plain, not the spec's JSON error shape.
func TestNetHTTPAnswersBeforeTheMiddleware(t *testing.T) {
	t.Parallel()
	srv := httptest.NewUnstartedServer(contracttest.MustNew(t).Middleware(conformantAPI()))
	srv.Config.MaxHeaderBytes = 1 << 10
	srv.Start()
	defer srv.Close()
	for _, tc := range []struct {
		name, raw string
		status    int
	}{
		{"headers over MaxHeaderBytes", "POST " + connectPath + " HTTP/1.1\r\nHost: api.test\r\nX-Big: " + strings.Repeat("a", 8<<10) + "\r\n\r\n", 431},
		{"malformed request line", "NOT A REQUEST LINE\r\n\r\n", 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, _ := rawExchange(t, srv, tc.raw)
			if resp.StatusCode != tc.status || resp.Header.Get("Content-Type") != "text/plain; charset=utf-8" {
				t.Errorf("got %d %s, want %d text/plain", resp.StatusCode, resp.Header.Get("Content-Type"), tc.status)
			}
		})
	}
}

// Enforce mode's rejections take the error body the spec documents for the status, with its
// media type; where it documents none, the plain {"error","message"} JSON.
func TestMiddlewareRejectionsFollowTheDocumentedErrorSchema(t *testing.T) {
	t.Parallel()
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("handler called for %s %s", r.Method, r.URL)
	})
	for _, tc := range []struct {
		name, fixture   string
		req             *http.Request
		status          int
		allow, ctype    string
		want            map[string]any // the body's properties; "*" matches any non-empty string
		wantBodyExactly string
	}{
		{
			// A collection with GET and POST beside an item path with DELETE: DELETE on the
			// collection is 405, not the item's operation with an empty id.
			name: "error schema {error, message}: 405 from the router", fixture: "multiop.yaml",
			req: authorized(http.MethodDelete, "/v1/channels"), status: 405, allow: "GET, POST", ctype: "application/json",
			wantBodyExactly: `{"error":405,"message":"method DELETE is not allowed here; allowed: GET, POST"}` + "\n",
		},
		{
			name: "error schema {error, message}: 400 names the parameter", fixture: "multiop.yaml",
			req: authorized(http.MethodGet, "/v1/channels?pageSize=51"), status: 400, ctype: "application/json",
			want: map[string]any{"error": 400.0, "message": "*"},
		},
		{
			name: "RFC 7807 problem+json documented for 400", fixture: "composed.yaml",
			req: func() *http.Request {
				r := httptest.NewRequest(http.MethodPost, "/orders", strings.NewReader(`{"customer":"ab","quantity":1,"payment":{"iban":"DE89370400440532013000"}}`))
				r.Header.Set("Content-Type", "application/json")
				return r
			}(),
			status: 400, ctype: "application/problem+json",
			want: map[string]any{"type": "about:blank", "title": "Bad Request", "status": 400.0, "detail": "body /customer: minimum string length is 3"},
		},
		{
			name: "an error body it cannot fill: the plain default", fixture: "composed.yaml",
			req: httptest.NewRequest(http.MethodGet, "/legacy?n=x", nil), status: 400, ctype: "application/json",
			want: map[string]any{"error": 400.0, "message": "*"},
		},
		{
			name: "no error body documented for 405: the plain default", fixture: "composed.yaml",
			req: httptest.NewRequest(http.MethodDelete, "/orders", nil), status: 405, allow: "GET, POST", ctype: "application/json",
			wantBodyExactly: `{"error":405,"message":"method DELETE is not allowed here; allowed: GET, POST"}` + "\n",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := fixtureValidator(t, tc.fixture).Middleware(handler, contracttest.WithTB(noopTB{}))
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, tc.req)
			if rec.Code != tc.status || rec.Header().Get("Allow") != tc.allow || rec.Header().Get("Content-Type") != tc.ctype {
				t.Fatalf("%d Allow %q Content-Type %q, want %d Allow %q Content-Type %q; body %s",
					rec.Code, rec.Header().Get("Allow"), rec.Header().Get("Content-Type"), tc.status, tc.allow, tc.ctype, rec.Body)
			}
			if tc.wantBodyExactly != "" {
				if rec.Body.String() != tc.wantBodyExactly {
					t.Errorf("body %q, want %q", rec.Body, tc.wantBodyExactly)
				}
				return
			}
			var got map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
				t.Fatalf("body %s: %v", rec.Body, err)
			}
			for k, v := range tc.want {
				if s, ok := got[k].(string); v == "*" && ok && s != "" {
					got[k] = "*"
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
		})
	}
}

// The embedded spec documents {"error","message"}: its rejections keep exactly that body.
func TestMiddlewareRejectionKeepsThisAPIsErrorBody(t *testing.T) {
	t.Parallel()
	h := contracttest.MustNew(t).Middleware(conformantAPI(), contracttest.WithTB(noopTB{}))
	for _, tc := range []struct {
		req  *http.Request
		want string
	}{
		{httptest.NewRequest(http.MethodGet, "/contracttest-unknown", nil), `{"error":404,"message":"no such endpoint"}` + "\n"},
		{httptest.NewRequest(http.MethodPost, connectPath, strings.NewReader(validBody)), `{"error":401,"message":"Unauthorized"}` + "\n"},
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, tc.req)
		if rec.Body.String() != tc.want || rec.Header().Get("Content-Type") != "application/json" {
			t.Errorf("%s %s: %s %q, want %q as application/json", tc.req.Method, tc.req.URL, rec.Header().Get("Content-Type"), rec.Body, tc.want)
		}
	}
}

// A handler behind the middleware gets the route it found (RouteOf), the path parameters as
// ServeMux gives them (PathValue), and the body value kin-openapi validated, so it neither
// routes nor decodes again.
func TestMiddlewareHandsOnItsRouteAndValue(t *testing.T) {
	t.Parallel()
	var op, channel string
	var value any
	h := contracttest.MustNew(t).Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if route := contracttest.RouteOf(r); route != nil {
			op = route.OperationID() + " " + route.Method() + " " + route.Path() + " " + route.PathParams()["channelId"]
		}
		channel = r.PathValue("channelId")
		if vb, ok := r.Body.(interface{ ValidatedValue() any }); ok {
			value = vb.ValidatedValue()
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"success":true}`)
	}), contracttest.WithTB(t))
	req := httptest.NewRequest(http.MethodPost, connectPath, strings.NewReader(validBody))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+secretKey)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if want := "connectMetaChannel POST /v1/channels/{channelId}/connect " + knownHex; rec.Code != 200 || op != want || channel != knownHex {
		t.Errorf("%d: route %q, PathValue %q; want %q and %q", rec.Code, op, channel, want, knownHex)
	}
	if obj, _ := value.(map[string]any); obj["wabaId"] != "428083093730937" {
		t.Errorf("validated value %#v, want the body's", value)
	}
	if contracttest.RouteOf(req) != nil {
		t.Error("RouteOf found a route on a request the middleware did not pass on")
	}
}
