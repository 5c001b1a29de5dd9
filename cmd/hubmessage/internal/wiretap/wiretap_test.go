package wiretap

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestTransport: each exchange is recorded with both bodies, and the caller still gets the
// whole response; a failed request is recorded with its error and no response.
func TestTransport(t *testing.T) {
	t.Parallel()
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, "got "+string(b))
	}))
	t.Cleanup(api.Close)
	var got []Exchange
	hc := &http.Client{Transport: Transport{Base: &http.Transport{}, Record: func(ex Exchange) { got = append(got, ex) }}}

	res, err := hc.Post(api.URL+"/v1/x", "application/json", strings.NewReader(`{"a":1}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if string(body) != `got {"a":1}` {
		t.Errorf("the caller read %q", body)
	}
	if len(got) != 1 {
		t.Fatalf("%d exchanges recorded, want 1", len(got))
	}
	ex := got[0]
	if ex.Request.URL.Path != "/v1/x" || string(ex.RequestBody) != `{"a":1}` || ex.Err != nil ||
		ex.Response.StatusCode != http.StatusCreated || string(ex.ResponseBody) != `got {"a":1}` {
		t.Errorf("recorded %s %s %q -> %v %q, err %v", ex.Request.Method, ex.Request.URL.Path, ex.RequestBody, ex.Response, ex.ResponseBody, ex.Err)
	}

	refused := errors.New("refused")
	failing := roundTripFunc(func(*http.Request) (*http.Response, error) { return nil, refused })
	got = nil
	if _, err := (&http.Client{Transport: Transport{Base: failing, Record: func(ex Exchange) { got = append(got, ex) }}}).Get(api.URL); !errors.Is(err, refused) {
		t.Errorf("GET through a failing base: %v, want its error", err)
	}
	if len(got) != 1 || !errors.Is(got[0].Err, refused) || got[0].Response != nil {
		t.Errorf("a failed request recorded as %+v, want its error and no response", got)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
