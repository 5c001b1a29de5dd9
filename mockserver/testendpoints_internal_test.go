package mockserver

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hubmessage/hubmessage-go/openapi"
)

// The test-only endpoints never pass through the contract middleware, so they can be neither
// validated against the spec nor counted in its coverage; every other path still does, and
// gets the middleware's answers (its 404 for an unknown path included).
func TestTestEndpointsBypassTheContract(t *testing.T) {
	s, err := New()
	if err != nil {
		t.Fatal(err)
	}
	var reached []string
	contract := s.checked
	s.checked = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached = append(reached, r.URL.Path)
		contract.ServeHTTP(w, r)
	})
	for _, p := range []string{"/_mock/codes", "/_mock/clock", "/_mock/scenarios", "/_mock/nope", "/_mock", "/v1/nope", "/v1/channels"} {
		req := httptest.NewRequest(http.MethodPost, p, strings.NewReader(`{}`))
		req.Header.Set("Authorization", "Bearer "+s.SecretKey())
		req.Header.Set("Content-Type", "application/json")
		s.ServeHTTP(httptest.NewRecorder(), req)
	}
	if want := []string{"/_mock", "/v1/nope", "/v1/channels"}; !slices.Equal(reached, want) {
		t.Errorf("the contract middleware saw %q, want %q", reached, want)
	}
}

// No path of the spec is under /_mock/, where the test-only endpoints would hide it.
func TestNoSpecPathUnderTheTestPrefix(t *testing.T) {
	doc, err := openapi.Spec()
	if err != nil {
		t.Fatal(err)
	}
	for path := range doc.Paths.Map() {
		if strings.HasPrefix(path+"/", testPrefix) {
			t.Errorf("the spec's %s is under %s, where the test-only endpoints are", path, testPrefix)
		}
	}
}

// An issued code is recognised only by the state that issued it, whole and unaltered, and
// carries its expiry to the nanosecond.
func TestIssuedCodes(t *testing.T) {
	base := time.Date(2030, 5, 6, 7, 8, 9, 123456789, time.UTC)
	newTestState := func() *state {
		st, err := newState(&config{enterprise: true, clock: func() time.Time { return base }})
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	st, other := newTestState(), newTestState()
	code, expires := st.issueCode()
	if got, ok := st.issued(code); !ok || !got.Equal(expires) || !expires.Equal(base.Add(CodeLifetime)) {
		t.Fatalf("issued(code) = %v, %v; want %v, true", got, ok, base.Add(CodeLifetime))
	}
	if _, ok := other.issued(code); ok {
		t.Error("another state recognises the code")
	}
	for i := range code {
		for _, c := range []byte{'A', '_', '-', 'z', '0'} {
			if code[i] == c {
				continue
			}
			altered := code[:i] + string(c) + code[i+1:]
			if _, ok := st.issued(altered); ok {
				t.Fatalf("altered at %d (%q) still recognised", i, altered)
			}
		}
	}
	for _, bad := range []string{"", codePrefix, code + "A", code[:len(code)-1], strings.TrimPrefix(code, codePrefix), ExpiredCodePrefix + code} {
		if _, ok := st.issued(bad); ok {
			t.Errorf("%q recognised", bad)
		}
	}
	for _, prefix := range []string{ExpiredCodePrefix, UpstreamErrorPrefix} {
		if strings.HasPrefix(code, prefix) {
			t.Errorf("an issued code begins with the magic %s", prefix)
		}
	}
	if second, _ := st.issueCode(); second == code {
		t.Error("two codes are equal")
	}
}

// The clock offset saturates instead of overflowing.
func TestAdvanceSaturates(t *testing.T) {
	st, err := newState(&config{clock: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	st.advance(time.Duration(1<<63 - 1))
	st.advance(time.Hour)
	if st.offset != time.Duration(1<<63-1) {
		t.Errorf("offset %v, want the largest duration", st.offset)
	}
}

// A test endpoint's body is read by internal/strictjson; no body is an empty object.
func TestDecodeBody(t *testing.T) {
	var in struct {
		A string `json:"a,omitempty"`
	}
	for body, want := range map[string]string{
		"": "", " \n": "", "{}": "", `{"a":"x"}`: "",
		`[]`: "request body: not a JSON object", `{"A":"x"}`: `request body: member "A": not expected`,
		`{"a":"x","a":"y"}`: `request body: member "a": duplicate member name`, `{} x`: "request body: more data after the JSON value",
	} {
		err := decodeBody([]byte(body), &in)
		if got := fmt.Sprint(err); (want == "") != (err == nil) || want != "" && !strings.HasPrefix(got, want) {
			t.Errorf("decodeBody(%q) = %v, want %q", body, err, want)
		}
	}
}
