package mockserver

import (
	"fmt"
	"net/http/httptest"
	"testing"
)

// TestServer is a [Server] running on httptest, as [Start] returns it.
type TestServer struct {
	URL       string  // base URL, e.g. http://127.0.0.1:PORT; append the spec's paths
	SecretKey string  // the Secret Key to send as `Authorization: Bearer <SecretKey>`
	Server    *Server // the server itself, for its Go API (Channel, ExpireCode, FailUpstream…)
}

// Start runs a new [Server] with opts on an httptest server and closes it when the test (or
// benchmark) ends. It fails tb if an option is invalid.
func Start(tb testing.TB, opts ...Option) *TestServer {
	tb.Helper()
	s, err := New(opts...)
	if err != nil {
		tb.Fatalf("mockserver.Start: %v", err)
	}
	hs := httptest.NewServer(s)
	tb.Cleanup(hs.Close)
	return &TestServer{URL: hs.URL, SecretKey: s.SecretKey(), Server: s}
}

// ConnectURL is the URL of POST /v1/channels/{channelId}/connect for channelID (used as given,
// so tests can send invalid ids too).
func (ts *TestServer) ConnectURL(channelID string) string {
	return ts.URL + "/v1/channels/" + channelID + "/connect"
}

// String describes the test server without its Secret Key.
func (ts TestServer) String() string {
	return fmt.Sprintf("mockserver.TestServer{URL: %s, SecretKey: [REDACTED]}", ts.URL)
}

// GoString is String, for %#v.
func (ts TestServer) GoString() string { return ts.String() }
