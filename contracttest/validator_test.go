package contracttest_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hubmessage/hubmessage-go/contracttest"
	"github.com/hubmessage/hubmessage-go/openapi"
)

// defaultsSpec has defaults in a query parameter and the body, which kin-openapi would inject
// into the request unless told not to.
const defaultsSpec = `openapi: 3.0.3
info: {title: defaults, version: "1"}
paths:
  /things:
    post:
      operationId: createThing
      parameters:
        - {name: limit, in: query, schema: {type: integer, default: 10}}
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              properties:
                name: {type: string}
                colour: {type: string, default: blue}
      responses:
        '200': {description: ok}
`

type requestSnapshot struct {
	Method, URL   string
	Header        http.Header
	ContentLength int64
	HasGetBody    bool
	Body          string
}

func snapshot(t *testing.T, r *http.Request) requestSnapshot {
	t.Helper()
	body, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	return requestSnapshot{r.Method, r.URL.String(), r.Header.Clone(), r.ContentLength, r.GetBody != nil, string(body)}
}

func TestValidateRequestNeverMutatesTheRequest(t *testing.T) {
	t.Parallel()
	doc, err := openapi.Parse("defaults.yaml", []byte(defaultsSpec))
	if err != nil {
		t.Fatal(err)
	}
	v, err := contracttest.NewForSpec(doc)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		build func() *http.Request
	}{
		{"server request", func() *http.Request {
			r := httptest.NewRequest("POST", "/things", strings.NewReader(`{"name":"x"}`))
			r.Header.Set("Content-Type", "application/json")
			return r
		}},
		{"client request with unknown length", func() *http.Request {
			r, _ := http.NewRequest("POST", "http://example.test/things", io.NopCloser(strings.NewReader(`{"name":"x"}`)))
			r.Header.Set("Content-Type", "application/json")
			return r
		}},
		{"invalid body", func() *http.Request {
			r := httptest.NewRequest("POST", "/things?limit=x", strings.NewReader(`{"name":1}`))
			r.Header.Set("Content-Type", "application/json")
			return r
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			req := tc.build()
			before := snapshot(t, req)
			v.ValidateRequest(req)
			if diff := cmp.Diff(before, snapshot(t, req)); diff != "" {
				t.Errorf("request changed (-before +after):\n%s", diff)
			}
		})
	}
}

func TestValidateRequestReportsEveryProblemLocated(t *testing.T) {
	t.Parallel()
	v := contracttest.MustNew(t, contracttest.WithSecretKey(secretKey))
	req := httptest.NewRequest("POST", "/v1/channels/nope/connect",
		strings.NewReader(`{"wabaId":12,"phoneId":"abc","code":"","extra":true}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer sk_wrong")
	_, err := v.ValidateRequest(req)
	var vs contracttest.Violations
	if !errorsAs(err, &vs) {
		t.Fatalf("error %v is not Violations", err)
	}
	var got []string
	for _, x := range vs {
		if x.Side != contracttest.Request || x.Operation != "connectMetaChannel" || x.Reason == "" {
			t.Errorf("violation %+v lacks side, operation or reason", x)
		}
		got = append(got, x.Location)
	}
	want := []string{"body /code", "body /coexistence", "body /phoneId", "body /wabaId", "header Authorization", "path parameter channelId"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("locations (-want +got):\n%s\nerror: %v", diff, err)
	}
	if strings.Contains(err.Error(), "sk_wrong") {
		t.Errorf("error shows the token: %v", err)
	}
}

func TestValidateResponseUndocumentedStatusAndHeaders(t *testing.T) {
	t.Parallel()
	doc, err := openapi.Parse("strict.yaml", []byte(`openapi: 3.0.3
info: {title: strict, version: "1"}
paths:
  /x:
    get:
      operationId: getX
      responses:
        '200':
          description: ok
          headers:
            X-Request-Id: {required: true, schema: {type: string, pattern: '^[a-z]+$'}}
          content:
            application/json:
              schema: {type: object}
`))
	if err != nil {
		t.Fatal(err)
	}
	v, err := contracttest.NewForSpec(doc)
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("GET", "/x", nil)
	json := http.Header{"Content-Type": {"application/json"}}
	for _, tc := range []struct {
		name   string
		status int
		header http.Header
		want   string
	}{
		{"undocumented status", 418, json, "status: status 418 is not documented"},
		{"missing required header", 200, json, "header X-Request-Id"},
		{"invalid header", 200, http.Header{"Content-Type": {"application/json"}, "X-Request-Id": {"123"}}, "header X-Request-Id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := v.ValidateResponse(req, tc.status, tc.header, []byte(`{}`))
			if err == nil || !strings.Contains(err.Error(), "getX response: "+tc.want) {
				t.Errorf("got %v, want a violation at %q", err, tc.want)
			}
		})
	}
}

func errorsAs(err error, vs *contracttest.Violations) bool {
	v, ok := err.(contracttest.Violations)
	*vs = v
	return ok
}

func TestValidateResponseReportsEveryBodyProblem(t *testing.T) {
	t.Parallel()
	v := contracttest.MustNew(t)
	req := httptest.NewRequest("POST", connectPath, nil)
	err := v.ValidateResponse(req, 401, http.Header{"Content-Type": {"application/json"}}, []byte(`{"error":"401"}`))
	var vs contracttest.Violations
	if !errorsAs(err, &vs) {
		t.Fatalf("error %v is not Violations", err)
	}
	var got []string
	for _, x := range vs {
		got = append(got, x.Location)
	}
	if diff := cmp.Diff([]string{"body /error", "body /message"}, got); diff != "" {
		t.Errorf("locations (-want +got):\n%s", diff)
	}
}

func TestSecretKeyNeverFormatted(t *testing.T) {
	t.Parallel()
	v := contracttest.MustNew(t, contracttest.WithSecretKey(secretKey))
	const code = "AQB-single-use-4242"
	opts := contracttest.VerifyOptions{SecretKey: secretKey, Positive: true,
		Cases: contracttest.CaseOptions{Values: map[string]string{"code": code, "channelId": knownUUID}}}
	nested := struct{ Opts contracttest.VerifyOptions }{opts}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"} {
		for name, value := range map[string]any{"validator": v, "options": opts, "options pointer": &opts, "nested options": nested} {
			out := fmt.Sprintf(verb, value)
			for _, secret := range []string{secretKey, code} {
				if strings.Contains(out, secret) || strings.Contains(out, fmt.Sprintf("%x", secret)) {
					t.Errorf("%s %s shows a secret: %s", verb, name, out)
				}
			}
		}
	}
	if out := fmt.Sprintf("%+v", opts); !strings.Contains(out, "SecretKey:[REDACTED]") || !strings.Contains(out, "Positive:true") || !strings.Contains(out, knownUUID) {
		t.Errorf("%%+v of options = %s, want the other fields and a redacted key", out)
	}
}

// allOf and oneOf failures name the failing property and why, not the composition: kin-openapi's
// "doesn't match all schemas from allOf" at "/" tells a user nothing.
func TestValidatorNamesThePropertyInComposedSchemas(t *testing.T) {
	t.Parallel()
	v := fixtureValidator(t, "composed.yaml")
	for _, tc := range []struct {
		name, body string
		want       []string // "location: reason" of each violation
	}{
		{
			"allOf parts",
			`{"customer":"ab","quantity":11,"payment":{"iban":"DE89370400440532013000"}}`,
			[]string{"body /customer: minimum string length is 3", "body /quantity: number must be at most 10"},
		},
		{
			"oneOf inside allOf",
			`{"customer":"abc","quantity":1,"payment":{"card":"12"}}`,
			[]string{`body /payment/card: no "oneOf" alternative matches; the closest fails: string doesn't match the regular expression "^[0-9]{16}$"`},
		},
		{
			"missing property in an allOf part",
			`{"customer":"abc","payment":{"iban":"DE89370400440532013000"}}`,
			[]string{`body /quantity: property "quantity" is missing`},
		},
	} {
		r := httptest.NewRequest(http.MethodPost, "/orders", strings.NewReader(tc.body))
		r.Header.Set("Content-Type", "application/json")
		_, err := v.ValidateRequest(r)
		var vs contracttest.Violations
		if !errors.As(err, &vs) {
			t.Fatalf("%s: error %v is not Violations", tc.name, err)
		}
		var got []string
		for _, v := range vs {
			got = append(got, v.Location+": "+v.Reason)
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s: violations (-want +got):\n%s", tc.name, diff)
		}
	}
}
