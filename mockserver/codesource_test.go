package mockserver_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hubmessage/hubmessage-go/contracttest"
	"github.com/hubmessage/hubmessage-go/mockserver"
	"github.com/hubmessage/hubmessage-go/mockserver/mocktest"
)

// Against the reference server ProbeCodes gives a fresh code per call, and a stateful run
// with them passes.
func TestProbeCodes(t *testing.T) {
	t.Parallel()
	ts := mocktest.Start(t)
	codes, err := mockserver.ProbeCodes(context.Background(), testClient, ts.URL, ts.SecretKey)
	if err != nil || codes == nil {
		t.Fatalf("ProbeCodes: %v, %v; want a code source", codes != nil, err)
	}
	seen := map[string]bool{}
	for range 3 {
		c, err := codes(context.Background())
		if err != nil || c == "" || seen[c] {
			t.Fatalf("code %q, %v; want a fresh one (had %v)", c, err, seen)
		}
		seen[c] = true
	}
	report, err := contracttest.Verify(context.Background(), ts.URL, contracttest.VerifyOptions{
		SecretKey: ts.SecretKey, Stateful: true, CodeSource: codes, HTTPClient: testClient})
	if err != nil {
		t.Fatal(err)
	}
	report.Require(t)
}

func TestProbeCodesWithoutTheEndpoint(t *testing.T) {
	t.Parallel()
	serve := func(h http.Handler) string {
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)
		return srv.URL + "/base"
	}
	url := serve(http.NotFoundHandler())
	codes, err := mockserver.ProbeCodes(context.Background(), nil, url, "hm_key")
	if codes != nil || err != nil {
		t.Errorf("ProbeCodes = %v, %v; want nil, nil on 404", codes != nil, err)
	}
	url = serve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusUnauthorized) }))
	if _, err := mockserver.ProbeCodes(context.Background(), nil, url, "hm_key"); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("ProbeCodes on 401: %v; want an error naming the status", err)
	}
}

// ProbeCodes never follows a redirect: the Secret Key goes to the base URL alone.
func TestProbeCodesNeverFollowsARedirect(t *testing.T) {
	t.Parallel()
	var reached atomic.Int32
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached.Add(1)
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"code":"x"}`)
	}))
	t.Cleanup(elsewhere.Close)
	base := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, elsewhere.URL+r.URL.RequestURI(), http.StatusTemporaryRedirect)
	}))
	t.Cleanup(base.Close)
	codes, err := mockserver.ProbeCodes(context.Background(), nil, base.URL, "sk_redirect")
	if err == nil || codes != nil || !strings.Contains(err.Error(), "307") {
		t.Errorf("ProbeCodes: %v, %v; want an error naming the 307", codes != nil, err)
	}
	if n := reached.Load(); n != 0 {
		t.Errorf("%d requests followed the redirect", n)
	}
}
