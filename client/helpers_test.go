package client_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/hubmessage/hubmessage-go/client"
	"github.com/hubmessage/hubmessage-go/gen"
)

// testKey is the Secret Key every test uses; no output may ever contain it.
const testKey = "sk_test_9f8e7d6c5b4a39281706f5e4d3c2b1a0"

// basePath mounts every test server below a path, to catch URL-joining bugs.
const basePath = "/hub"

const (
	uuidChannel = "a1b2c3d4-e5f6-7890-abcd-ef1234567890"
	hexChannel  = "019E4C54B1B375A28970B605CA9B03C3"
)

var validRequest = client.ConnectRequest{WabaID: "428083093730937", PhoneID: "123456789012345", Code: "ABC123DEF456"}

// connectRequest is validRequest with code.
func connectRequest(code string) client.ConnectRequest {
	r := validRequest
	r.Code = code
	return r
}

// genRequest is r as gen's request body, for calls made without client.
func genRequest(r client.ConnectRequest) gen.ConnectChannelRequest {
	return gen.ConnectChannelRequest{WabaId: r.WabaID, PhoneId: r.PhoneID, Code: r.Code, Coexistence: r.Coexistence}
}

// received is one request a test server saw.
type received struct {
	Method    string
	ChannelID string
	Header    http.Header
	Body      string
	// ContentLength is the request's, -1 when unknown (chunked).
	ContentLength int64
}

// The routes of the spec's operations, below basePath, as http.ServeMux patterns.
const (
	createRoute     = "POST " + basePath + "/v1/channels"
	connectRoute    = "POST " + basePath + "/v1/channels/{channelId}/connect"
	disconnectRoute = "PUT " + basePath + "/v1/channels/{channelId}/disconnect"
	deleteRoute     = "DELETE " + basePath + "/v1/channels/{channelId}"
)

// apiServer serves handler at one route, records every request there, and fails the test on
// any other route.
type apiServer struct {
	*httptest.Server
	mu   sync.Mutex
	seen []received
}

// newAPIServer serves handler at connect's route.
func newAPIServer(t *testing.T, handler http.HandlerFunc) *apiServer {
	t.Helper()
	return newRouteServer(t, connectRoute, handler)
}

// newRouteServer serves handler at route, e.g. createRoute.
func newRouteServer(t *testing.T, route string, handler http.HandlerFunc) *apiServer {
	t.Helper()
	s := &apiServer{}
	mux := http.NewServeMux()
	mux.HandleFunc(route, func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.seen = append(s.seen, received{Method: r.Method, ChannelID: r.PathValue("channelId"), Header: r.Header.Clone(), Body: string(body), ContentLength: r.ContentLength})
		s.mu.Unlock()
		r.Body = io.NopCloser(strings.NewReader(string(body)))
		handler(w, r)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("request to unexpected route %s %s", r.Method, r.URL.Path)
		http.NotFound(w, r)
	})
	s.Server = httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

func (s *apiServer) requests() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.seen...)
}

// newClient returns a Client for s, through s's own *http.Client.
func newClient(t *testing.T, s *apiServer, opts ...client.Option) *client.Client {
	t.Helper()
	all := append([]client.Option{client.WithBaseURL(s.URL + basePath), client.WithHTTPClient(s.Client())}, opts...)
	c, err := client.New(testKey, all...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

// reply answers with status and body as JSON.
func reply(status int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

func replyError(status int, message string) http.HandlerFunc {
	b, _ := json.Marshal(map[string]any{"error": status, "message": message})
	return reply(status, string(b))
}

var replySuccess = reply(http.StatusOK, `{"success":true}`)

// offlineClient returns a Client that fails the test if it ever reaches the network.
func offlineClient(t *testing.T) *client.Client {
	t.Helper()
	c, err := client.New(testKey, client.WithHTTPClient(&http.Client{Transport: failingTransport{t}}))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// failingTransport fails the test if the Client ever reaches the network.
type failingTransport struct{ t *testing.T }

func (f failingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	f.t.Errorf("network call %s %s; input should have been rejected before", r.Method, r.URL)
	return nil, io.ErrUnexpectedEOF
}

// assertNoKey fails the test if s holds the Secret Key or a telling part of it.
func assertNoKey(t *testing.T, what, s string) {
	t.Helper()
	if strings.Contains(s, testKey) || strings.Contains(s, testKey[8:24]) {
		t.Errorf("%s leaks the Secret Key: %q", what, s)
	}
}
