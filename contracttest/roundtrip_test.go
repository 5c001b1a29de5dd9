package contracttest_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/hubmessage/hubmessage-go/contracttest"
	"github.com/hubmessage/hubmessage-go/gen"
)

const testKey = "sk_test_roundtrip"

// validatingServer answers like the API and validates both halves of every exchange.
// It records what it saw so the test can assert on it.
func validatingServer(t *testing.T) (*httptest.Server, *[]error) {
	t.Helper()
	v, err := contracttest.New(contracttest.WithSecretKey(testKey))
	if err != nil {
		t.Fatal(err)
	}
	var seen []error
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		route, err := v.ValidateRequest(r)
		status, body := http.StatusOK, `{"success":true}`
		if err != nil {
			seen = append(seen, err)
			var vs contracttest.Violations
			errors.As(err, &vs)
			status, body = http.StatusBadRequest, `{"error":400,"message":"invalid request"}`
			if len(vs) > 0 && vs[0].Location == "header Authorization" {
				status, body = http.StatusUnauthorized, `{"error":401,"message":"Unauthorized"}`
			}
		}
		if route != nil {
			if err := v.ValidateResponseFor(route, r, status, http.Header{"Content-Type": {"application/json"}}, []byte(body)); err != nil {
				t.Errorf("server's own response is invalid: %v", err)
			}
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv, &seen
}

func bearer(key string) gen.RequestEditorFn {
	return func(_ context.Context, r *http.Request) error {
		r.Header.Set("Authorization", "Bearer "+key)
		return nil
	}
}

func TestGeneratedClientRoundTrip(t *testing.T) {
	srv, seen := validatingServer(t)
	c, err := gen.NewClientWithResponses(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	seed := gen.ConnectChannelRequest{WabaId: "428083093730937", PhoneId: "123456789012345", Code: "ABC123DEF456", Coexistence: false}

	resp, err := c.ConnectMetaChannelWithResponse(context.Background(), "a1b2c3d4-e5f6-7890-abcd-ef1234567890", seed, bearer(testKey))
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode() != 200 || resp.JSON200 == nil || !resp.JSON200.Success {
		t.Fatalf("status %d body %s, want 200 {success:true}; server saw: %v", resp.StatusCode(), resp.Body, *seen)
	}

	// The same server must catch what is wrong, or the 200 above proves nothing.
	resp, err = c.ConnectMetaChannelWithResponse(context.Background(), "019E4C54B1B375A28970B605CA9B03C3", seed, bearer("sk_wrong"))
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode() != 401 || resp.JSON401 == nil || resp.JSON401.Error != 401 {
		t.Fatalf("wrong key: status %d body %s, want 401", resp.StatusCode(), resp.Body)
	}
	if strings.Contains(errString(*seen), "sk_wrong") {
		t.Errorf("violation leaks the bearer token: %v", *seen)
	}

	bad := seed
	bad.WabaId = "not-digits"
	resp, err = c.ConnectMetaChannelWithResponse(context.Background(), "not-a-channel-id", bad, bearer(testKey))
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode() != 400 || resp.JSON400 == nil {
		t.Fatalf("invalid request: status %d, want 400", resp.StatusCode())
	}
	last := (*seen)[len(*seen)-1]
	for _, want := range []string{"path parameter channelId", "body /wabaId"} {
		if !strings.Contains(last.Error(), want) {
			t.Errorf("violation %q does not name %q", last, want)
		}
	}
}

func TestResponseValidationCatchesUndocumentedAndMalformed(t *testing.T) {
	v, err := contracttest.New()
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodPost, "/v1/channels/019E4C54B1B375A28970B605CA9B03C3/connect", strings.NewReader(`{}`))
	jsonCT := http.Header{"Content-Type": {"application/json"}}
	for _, tc := range []struct {
		name     string
		status   int
		header   http.Header
		body     string
		location string // "" means valid
	}{
		{"success", 200, jsonCT, `{"success":true}`, ""},
		{"documented error", 404, jsonCT, `{"error":404,"message":"Channel not found"}`, ""},
		{"default error", 500, jsonCT, `{"error":500,"message":"boom"}`, ""},
		{"success missing", 200, jsonCT, `{}`, "body /success"},
		{"success wrong type", 200, jsonCT, `{"success":"yes"}`, "body /success"},
		{"error without message", 401, jsonCT, `{"error":401}`, "body /message"},
		{"plain text error", 502, http.Header{"Content-Type": {"text/plain"}}, "Bad Gateway", "Content-Type"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := v.ValidateResponse(req, tc.status, tc.header, []byte(tc.body))
			if tc.location == "" {
				if err != nil {
					t.Fatalf("valid response rejected: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("invalid response accepted")
			}
			if !strings.Contains(err.Error(), tc.location) {
				t.Errorf("violation %q does not name %q", err, tc.location)
			}
		})
	}
}

func errString(errs []error) string {
	b, _ := json.Marshal(func() []string {
		var s []string
		for _, e := range errs {
			s = append(s, e.Error())
		}
		return s
	}())
	return string(b)
}

func TestViolationsUnwrapToKinOpenAPIErrors(t *testing.T) {
	v, err := contracttest.New()
	if err != nil {
		t.Fatal(err)
	}
	_, err = v.ValidateRequest(httptest.NewRequest(http.MethodGet, "/v1/channels/019E4C54B1B375A28970B605CA9B03C3/connect", nil))
	if !errors.Is(err, routers.ErrMethodNotAllowed) {
		t.Errorf("GET on the connect path: %v, want routers.ErrMethodNotAllowed", err)
	}
	_, err = v.ValidateRequest(httptest.NewRequest(http.MethodPost, "/v1/nowhere", nil))
	if !errors.Is(err, routers.ErrPathNotFound) {
		t.Errorf("unknown path: %v, want routers.ErrPathNotFound", err)
	}
	req := httptest.NewRequest(http.MethodPost, "/v1/channels/019E4C54B1B375A28970B605CA9B03C3/connect",
		strings.NewReader(`{"wabaId":"1","phoneId":"2","code":"c","coexistence":true}`))
	req.Header.Set("Content-Type", "application/json")
	_, err = v.ValidateRequest(req)
	var sec *openapi3filter.SecurityRequirementsError
	if !errors.As(err, &sec) {
		t.Errorf("no Authorization: %v, want a SecurityRequirementsError", err)
	}
}

func TestAllowedMethods(t *testing.T) {
	v, err := contracttest.New()
	if err != nil {
		t.Fatal(err)
	}
	got := v.AllowedMethods(httptest.NewRequest(http.MethodDelete, "/v1/channels/019E4C54B1B375A28970B605CA9B03C3/connect", nil))
	if len(got) != 1 || got[0] != http.MethodPost {
		t.Errorf("AllowedMethods(connect path) = %v, want [POST]", got)
	}
	if got := v.AllowedMethods(httptest.NewRequest(http.MethodGet, "/v2/other", nil)); len(got) != 0 {
		t.Errorf("AllowedMethods(unknown path) = %v, want none", got)
	}
}
