package mockserver

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hubmessage/hubmessage-go/contracttest"
	"github.com/hubmessage/hubmessage-go/gen"
	"github.com/hubmessage/hubmessage-go/openapi"
)

// The server's messages are the spec's own examples, at the operation and status the server
// uses them with, and the ones every operation can get (401, 500) for every operation that
// documents that status.
func TestMessagesAreSpecExamples(t *testing.T) {
	spec, err := sharedExamples()
	if err != nil {
		t.Fatal(err)
	}
	isExample := func(op string, status int, message string) bool {
		for _, exs := range spec.ops[op] {
			if slices.ContainsFunc(exs, func(ex example) bool {
				obj, ok := ex.value.(map[string]any)
				return ok && ex.status == status && obj["message"] == message
			}) {
				return true
			}
		}
		return false
	}
	for _, tc := range []struct {
		op      string
		status  int
		message string
	}{
		{"partnerCreateChannel", 422, msgCreateNeedsEnterprise},
		{"connectMetaChannel", 404, msgChannelNotFound},
		{"connectMetaChannel", 422, msgTypeNotSupported},
		{"connectMetaChannel", 422, msgCodeAlreadyUsed},
		{"connectMetaChannel", 422, msgCodeExpired},
		{"connectMetaChannel", 422, msgStillConnected},
		{"connectMetaChannel", 502, msgIntegrationError},
		{"disconnectMetaChannel", 404, msgChannelNotFound},
		{"disconnectMetaChannel", 502, msgIntegrationError},
		{"partnerDeleteChannel", 404, msgInstanceNotFound},
		{"partnerDeleteChannel", 422, msgDeleteNeedsEnterprise},
		{"partnerDeleteChannel", 422, msgStillConnected},
		{"partnerDeleteChannel", 422, msgActiveSubscription},
		{"partnerDeleteChannel", 502, msgDeleteFailed},
	} {
		if !isExample(tc.op, tc.status, tc.message) {
			t.Errorf("%s: %d %q is not an example of the spec", tc.op, tc.status, tc.message)
		}
	}
	for op, oe := range spec.ops {
		for _, tc := range []struct {
			status  int
			message string
		}{{401, msgUnauthorized}, {500, msgInternal}} {
			if _, documented := oe.forStatus(tc.status, ""); documented && !isExample(op, tc.status, tc.message) {
				t.Errorf("%s: %d %q is not an example of the spec", op, tc.status, tc.message)
			}
		}
	}
}

// The spec reader handles every response shape an operation can have, read from a
// multi-operation fixture: a lone example, a bare boolean, no content (204), default.
func TestReadExamplesOfEveryShape(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "lifecycle.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := openapi.Parse("testdata/lifecycle.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	examples, err := NewExamples(doc)
	if err != nil {
		t.Fatal(err)
	}
	internal := map[string]any{"error": float64(500), "message": "Internal server error"}
	for _, tc := range []struct {
		op       string
		pref     preference
		want     example
		wantBody string // "" means no body
	}{
		{"partnerCreateChannel", preference{code: 201}, example{name: "example", status: 201,
			value: map[string]any{"id": "019E4C54B1B375A28970B605CA9B03C3"}}, `{"id":"019E4C54B1B375A28970B605CA9B03C3"}`},
		{"partnerCreateChannel", preference{code: 500}, example{name: "internal", status: 500, value: internal},
			`{"error":500,"message":"Internal server error"}`},
		{"disconnectMetaChannel", preference{code: 200}, example{name: "disconnected", status: 200, value: true}, "true"},
		{"disconnectMetaChannel", preference{code: 422}, example{name: "alsoRefused", status: 422,
			value: map[string]any{"error": float64(422), "message": "SOMETHING_ELSE"}}, `{"error":422,"message":"SOMETHING_ELSE"}`},
		{"disconnectMetaChannel", preference{example: "notConnected"}, example{name: "notConnected", status: 422,
			value: map[string]any{"error": float64(422), "message": "INSTANCE_NOT_CONNECTED"}}, `{"error":422,"message":"INSTANCE_NOT_CONNECTED"}`},
		{"partnerDeleteChannel", preference{code: 204}, example{name: "noContent", status: 204, noBody: true}, ""},
	} {
		t.Run(fmt.Sprintf("%s %+v", tc.op, tc.pref), func(t *testing.T) {
			ex, err := examples.pick(tc.op, tc.pref)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, ex, cmp.AllowUnexported(example{})); diff != "" {
				t.Errorf("pick (-want +got):\n%s", diff)
			}
			rec := httptest.NewRecorder()
			ex.write(rec)
			if rec.Code != tc.want.status || strings.TrimSpace(rec.Body.String()) != tc.wantBody {
				t.Errorf("write: %d %q, want %d %q", rec.Code, rec.Body, tc.want.status, tc.wantBody)
			}
			if ct := rec.Header().Get("Content-Type"); (tc.wantBody != "") != (ct == "application/json") {
				t.Errorf("write: Content-Type %q with body %q", ct, rec.Body)
			}
		})
	}
	if _, err := examples.pick("partnerDeleteChannel", preference{code: 200}); err == nil || !strings.Contains(err.Error(), "documented: 204, 500") {
		t.Errorf("an undocumented code: %v, want an error listing 204, 500", err)
	}
}

// The handler acts on exactly what the validator checked: the body the middleware passes on
// carries the value kin-openapi decoded and validated, which gen's strict handler binds by
// exact member names (oapi-codegen's runtime.BindJSONBody), not encoding/json's folded ones.
func TestHandlerBindsTheValidatedValue(t *testing.T) {
	s, err := New(WithSecretKey("sk_exact"))
	if err != nil {
		t.Fatal(err)
	}
	var value any
	h := s.validator.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if vb, ok := r.Body.(interface{ ValidatedValue() any }); ok {
			value = vb.ValidatedValue()
		}
		s.serveValid(w, r)
	}))
	req := httptest.NewRequest(http.MethodPost, "/v1/channels/"+ChannelUUID+"/connect", strings.NewReader(
		`{"wabaId":"1","phoneId":"2","code":"X-ONE","coexistence":false}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer sk_exact")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	if obj, _ := value.(map[string]any); obj["code"] != "X-ONE" {
		t.Errorf("the handler's body carries %#v, want the validated value", value)
	}
	if _, used := s.own.used[digest("X-ONE")]; !used {
		t.Error("X-ONE, the code validated, was not consumed")
	}
}

// A response of the server's own that breaks the contract is a bug here: it is logged.
func TestResponseViolationsAreLogged(t *testing.T) {
	var logs strings.Builder
	s, err := New(WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	if err != nil {
		t.Fatal(err)
	}
	s.logResponseViolations(contracttest.Violations{{Side: contracttest.Request, Location: "body", Reason: "client's"}})
	if logs.Len() > 0 {
		t.Errorf("a client's violation was logged: %q", logs.String())
	}
	s.logResponseViolations(contracttest.Violations{{Side: contracttest.Response, Location: "body /success", Reason: "missing"}})
	if !strings.Contains(logs.String(), "response breaks the contract") {
		t.Errorf("the response violation was not logged: %q", logs.String())
	}
}

// The generated wrapper's own error paths answer in the error shape, not http.Error's text.
func TestGeneratedErrorPathsAnswerErrorShape(t *testing.T) {
	s, err := New()
	if err != nil {
		t.Fatal(err)
	}
	v, err := contracttest.New()
	if err != nil {
		t.Fatal(err)
	}
	target := "/v1/channels/" + ChannelUUID + "/connect"
	for _, tc := range []struct {
		name   string
		serve  func(w http.ResponseWriter, r *http.Request)
		status int
	}{
		{"strict handler, invalid JSON", s.operations["POST /v1/channels/{channelId}/connect"], 400},
		{"request error", func(w http.ResponseWriter, r *http.Request) { s.requestError(w, r, errors.New("bad")) }, 400},
		{"response error", func(w http.ResponseWriter, r *http.Request) { s.responseError(w, r, errors.New("boom")) }, 500},
		{"gen's router, never called", s.operations.ServeHTTP, 404},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, target, strings.NewReader("{not json"))
			rec := httptest.NewRecorder()
			tc.serve(rec, req)
			if rec.Code != tc.status {
				t.Fatalf("status %d body %s, want %d", rec.Code, rec.Body, tc.status)
			}
			probe := httptest.NewRequest(http.MethodPost, target, nil)
			if err := v.ValidateResponse(probe, rec.Code, rec.Header(), rec.Body.Bytes()); err != nil {
				t.Errorf("%d %s: %v", rec.Code, rec.Body, err)
			}
		})
	}
}

func TestParsePrefer(t *testing.T) {
	for _, tc := range []struct {
		name    string
		values  []string
		want    preference
		wantErr string
	}{
		{"none", nil, preference{}, ""},
		{"code", []string{"code=404"}, preference{code: 404}, ""},
		{"example", []string{"example=codeExpired"}, preference{example: "codeExpired"}, ""},
		{"both with params", []string{`code=422;foo=bar, example="x" , wait=10`}, preference{code: 422, example: "x"}, ""},
		{"same code twice", []string{"code=404", "code=404"}, preference{code: 404}, ""},
		{"empty items", []string{",,; ,"}, preference{}, ""},
		{"code out of range", []string{"code=99"}, preference{}, `code="99" is not an HTTP status`},
		{"code empty", []string{"code"}, preference{}, `code="" is not an HTTP status`},
		{"example empty", []string{"example="}, preference{}, "names no example"},
		{"examples differ", []string{"example=a, example=b"}, preference{}, "example is given twice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parsePrefer(tc.values)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(preference{})); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func FuzzParsePrefer(f *testing.F) {
	for _, seed := range []string{"code=404", "code=422, example=codeExpired", `example="a"; code=200`, "return=minimal", "code=", ",;=,"} {
		f.Add(seed)
	}
	spec, err := sharedExamples()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, value string) {
		p, err := parsePrefer([]string{value})
		if err != nil || !p.set() {
			return
		}
		if p.code != 0 && (p.code < 100 || p.code > 599) {
			t.Fatalf("code %d accepted", p.code)
		}
		for op := range spec.ops {
			ex, err := spec.pick(op, p)
			if err == nil && (ex.status < 100 || (p.code != 0 && ex.status != p.code) || (p.example != "" && ex.name != p.example)) {
				t.Fatalf("%s: pick(%+v) = %+v", op, p, ex)
			}
		}
	})
}

// ChannelTypes are the spec's ChannelType enum, in its order.
func TestChannelTypesAreTheSpecEnum(t *testing.T) {
	doc, err := openapi.Spec()
	if err != nil {
		t.Fatal(err)
	}
	var want []ChannelType
	for _, v := range doc.Components.Schemas["ChannelType"].Value.Enum {
		want = append(want, ChannelType(v.(string)))
	}
	if diff := cmp.Diff(want, ChannelTypes()); diff != "" {
		t.Errorf("ChannelTypes (-spec +mockserver):\n%s", diff)
	}
}

// Every operation of the spec has gen's handler under its route's method and path, the key
// serveValid dispatches by.
func TestEveryOperationHasAGeneratedHandler(t *testing.T) {
	s, err := New()
	if err != nil {
		t.Fatal(err)
	}
	doc, err := openapi.Spec()
	if err != nil {
		t.Fatal(err)
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if s.operations[method+" "+path] == nil {
				t.Errorf("%s (%s %s) has no handler", op.OperationID, method, path)
			}
		}
	}
	if len(s.operations) != len(gen.Operations) {
		t.Errorf("%d handlers for %d operations", len(s.operations), len(gen.Operations))
	}
}
