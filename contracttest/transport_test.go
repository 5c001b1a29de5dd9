package contracttest_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/hubmessage/hubmessage-go/contracttest"
)

const validBody = `{"wabaId":"428083093730937","phoneId":"123456789012345","code":"ABC123DEF456","coexistence":false}`

func post(t *testing.T, client *http.Client, url, body string, auth bool) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if auth {
		req.Header.Set("Authorization", "Bearer "+secretKey)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(got)
}

func TestTransportFailsTheTestOnViolation(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		handler  http.Handler
		path     string
		body     string
		auth     bool
		wantBody string   // what the caller must read, unchanged
		want     []string // substrings of the one failure; none means no failure
	}{
		{"valid exchange", conformantAPI(), connectPath, validBody, true, `{"success":true}` + "\n", nil},
		{"documented error", conformantAPI(), connectPath, validBody, false, `{"error":401,"message":"Unauthorized"}` + "\n", []string{"header Authorization", "missing"}},
		{"response without success", omitsSuccess(), connectPath, validBody, true, `{}`, []string{"connectMetaChannel response", "body /success", `property "success" is missing`}},
		{"plain-text error", plainTextErrors(), connectPath, validBody, false, "Unauthorized\n", []string{"response: header Content-Type", "text/plain"}},
		{"invalid request", conformantAPI(), connectPath, `{"wabaId":"x"}`, true, "", []string{"connectMetaChannel request", "body /phoneId", "body /wabaId"}},
		{"unknown path", conformantAPI(), "/v1/nowhere", validBody, true, `{"error":404,"message":"Not found"}` + "\n", []string{"route", "no matching operation"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(tc.handler)
			defer srv.Close()
			tb := &fakeTB{}
			client := &http.Client{Transport: contracttest.Transport(tb, srv.Client().Transport)}
			_, body := post(t, client, srv.URL+tc.path, tc.body, tc.auth)
			if tc.wantBody != "" && body != tc.wantBody {
				t.Errorf("caller read %q, want %q", body, tc.wantBody)
			}
			got := tb.failures()
			if len(tc.want) == 0 {
				if len(got) != 0 {
					t.Errorf("valid exchange failed the test: %v", got)
				}
				return
			}
			if len(got) == 0 {
				t.Fatalf("violation did not fail the test")
			}
			all := strings.Join(got, "\n")
			for _, w := range tc.want {
				if !strings.Contains(all, w) {
					t.Errorf("failures %q do not say %q", all, w)
				}
			}
			if strings.Contains(strings.Join(got, " "), secretKey) {
				t.Errorf("failure shows the Secret Key: %v", got)
			}
		})
	}
}

func TestTransportOnViolationAndCoverage(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(omitsSuccess())
	defer srv.Close()
	cov, err := contracttest.NewCoverage(nil)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var seen []contracttest.Violations
	client := &http.Client{Transport: contracttest.Transport(nil, nil,
		contracttest.OnViolation(func(vs contracttest.Violations) { mu.Lock(); seen = append(seen, vs); mu.Unlock() }),
		contracttest.WithCoverage(cov))}
	post(t, client, srv.URL+connectPath, validBody, true)
	post(t, client, srv.URL+connectPath, validBody, false)
	// The second exchange sends no token: the request breaks the contract, the 401 does not.
	if len(seen) != 2 || seen[0][0].Side != contracttest.Response || seen[0][0].Location != "body /success" ||
		seen[1][0].Side != contracttest.Request || seen[1][0].Location != "header Authorization" {
		t.Errorf("violations %v, want body /success in the response, then header Authorization in the request", seen)
	}
	if got := cov.Covered(); len(got) != 2 || got[0] != "connectMetaChannel 200" || got[1] != "connectMetaChannel 401" {
		t.Errorf("Covered() = %v", got)
	}
}

func TestTransportSendsTheRequestUnchanged(t *testing.T) {
	t.Parallel()
	var got []byte
	var gotLen int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, _ = io.ReadAll(r.Body)
		gotLen = r.ContentLength
		writeJSON(w, 200, map[string]any{"success": true})
	}))
	defer srv.Close()
	tb := &fakeTB{}
	client := &http.Client{Transport: contracttest.Transport(tb, nil)}
	req, _ := http.NewRequest(http.MethodPost, srv.URL+connectPath, strings.NewReader(validBody))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+secretKey)
	before := req.Header.Clone()
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if string(got) != validBody || gotLen != int64(len(validBody)) {
		t.Errorf("server got %q (Content-Length %d), want the body sent", got, gotLen)
	}
	if len(req.Header) != len(before) || req.Header.Get("Authorization") != before.Get("Authorization") {
		t.Errorf("request headers changed: %v -> %v", before, req.Header)
	}
	if f := tb.failures(); len(f) != 0 {
		t.Errorf("valid exchange failed: %v", f)
	}
}

func TestTransportLongResponseIsPassedOnWhole(t *testing.T) {
	t.Parallel()
	long := `{"success":true,"padding":"` + strings.Repeat("x", 4096) + `"}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, long)
	}))
	defer srv.Close()
	var seen contracttest.Violations
	client := &http.Client{Transport: contracttest.Transport(nil, nil, contracttest.WithMaxBody(1024),
		contracttest.OnViolation(func(vs contracttest.Violations) { seen = append(seen, vs...) }))}
	_, body := post(t, client, srv.URL+connectPath, validBody, true)
	if body != long {
		t.Errorf("caller read %d bytes, want the %d the server sent", len(body), len(long))
	}
	if len(seen) != 1 || !strings.Contains(seen[0].Reason, "1024-byte limit") {
		t.Errorf("violations %v, want one saying the body was not validated", seen)
	}
}

func TestTransportNeedsAReporter(t *testing.T) {
	t.Parallel()
	defer func() {
		if recover() == nil {
			t.Error("Transport(nil, nil) with no OnViolation did not panic")
		}
	}()
	contracttest.Transport(nil, nil)
}

// The generated client must work through the transport with the body it expects.
func TestTransportUnderHTTPClientKeepsBodyReadable(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(conformantAPI())
	defer srv.Close()
	client := &http.Client{Transport: contracttest.Transport(t, nil)}
	for range 3 {
		status, body := post(t, client, srv.URL+connectPath, validBody, true)
		if status != 200 || !bytes.Contains([]byte(body), []byte(`"success":true`)) {
			t.Errorf("status %d body %q", status, body)
		}
	}
}
