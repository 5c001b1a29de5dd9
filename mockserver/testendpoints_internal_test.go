package mockserver

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"
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

func TestCheckTestPrefix(t *testing.T) {
	if err := checkTestPrefix(map[string]string{"a": "/v1/channels", "b": "/_mockery"}); err != nil {
		t.Errorf("unexpected error: %v", err)
	}
	err := checkTestPrefix(map[string]string{"a": "/v1/channels", "resetMock": "/_mock/reset"})
	if err == nil || !strings.Contains(err.Error(), "resetMock (/_mock/reset) is under /_mock/") {
		t.Errorf("error %v, want one naming resetMock", err)
	}
	spec, err := sharedSpec()
	if err != nil {
		t.Fatal(err)
	}
	if err := checkTestPrefix(spec.templates); err != nil {
		t.Errorf("the live spec: %v", err)
	}
}

// An issued code is recognised only by the state that issued it, whole and unaltered, and
// carries its expiry to the nanosecond.
func TestIssuedCodes(t *testing.T) {
	base := time.Date(2030, 5, 6, 7, 8, 9, 123456789, time.UTC)
	newTestState := func() *state { return newState(&config{enterprise: true, clock: func() time.Time { return base }}) }
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
	st := newState(&config{clock: time.Now})
	st.advance(time.Duration(1<<63 - 1))
	st.advance(time.Hour)
	if st.offset != time.Duration(1<<63-1) {
		t.Errorf("offset %v, want the largest duration", st.offset)
	}
}

func TestReadObject(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		want       map[string]string
		wantErr    string
	}{
		{"empty", "", map[string]string{}, ""},
		{"blank", " \n", map[string]string{}, ""},
		{"empty object", "{}", map[string]string{}, ""},
		{"members", `{"a":1, "b":{"c":[2]}}`, map[string]string{"a": "1", "b": `{"c":[2]}`}, ""},
		{"array", `[]`, nil, "not a JSON object"},
		{"string", `"a"`, nil, "not a JSON object"},
		{"unknown", `{"c":1}`, nil, `unknown member "c"; the members are "a", "b"`},
		{"case variant", `{"A":1}`, nil, `unknown member "A"`},
		{"twice", `{"a":1,"a":1}`, nil, `member "a" is given twice`},
		{"trailing", `{} x`, nil, "more data after the JSON object"},
		{"unterminated", `{"a":1`, nil, "request body: "},
		{"bad value", `{"a":tru}`, nil, `member "a": `},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := readObject([]byte(tc.body), "a", "b")
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			gotText := map[string]string{}
			for k, v := range got {
				gotText[k] = string(v)
			}
			if !equalMaps(gotText, tc.want) {
				t.Errorf("got %v, want %v", gotText, tc.want)
			}
		})
	}
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// readObject accepts only a JSON object with known, distinct member names, each a valid JSON
// value; what it accepts, encoding/json reads alike.
func FuzzReadObject(f *testing.F) {
	for _, seed := range []string{"", "{}", `{"a":1}`, `{"a":"x","b":[1,{"c":null}]}`, `{"a":1,"a":2}`, `{"A":1}`, "[1]", `{"a":1} 2`, "{\"a\xff\":1}"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		got, err := readObject([]byte(body), "a", "b")
		if err != nil {
			return
		}
		if strings.TrimSpace(body) == "" {
			if len(got) != 0 {
				t.Fatalf("empty body gave %v", got)
			}
			return
		}
		if !json.Valid([]byte(body)) {
			t.Fatalf("accepted invalid JSON %q", body)
		}
		var all map[string]json.RawMessage
		if err := json.Unmarshal([]byte(body), &all); err != nil {
			t.Fatalf("accepted %q, which encoding/json does not read as an object: %v", body, err)
		}
		for k, v := range got {
			if k != "a" && k != "b" {
				t.Fatalf("member %q accepted", k)
			}
			if !json.Valid(v) {
				t.Fatalf("member %q: invalid value %q", k, v)
			}
		}
		if len(all) != len(got) {
			t.Fatalf("encoding/json reads %d members, readObject %d", len(all), len(got))
		}
	})
}
