// Package mocktest runs the reference server ([mockserver.Server]) in a Go test, as
// net/http/httptest runs a handler: [Start] gives a test its own server, closed when the test
// ends. A fresh server is cheap: give every parallel test its own. It is a package of its own
// so that importing mockserver (as the hubmessage command does) links no package testing.
package mocktest

import (
	"fmt"
	"net/http/httptest"
	"testing"

	"github.com/hubmessage/hubmessage-go/mockserver"
)

// Server is a [mockserver.Server] running on httptest, as [Start] returns it.
type Server struct {
	URL       string             // base URL, e.g. http://127.0.0.1:PORT; append the spec's paths
	SecretKey string             // the Secret Key to send as `Authorization: Bearer <SecretKey>`
	Server    *mockserver.Server // the server itself, for its Go API (Channel, IssueCode, AdvanceClock, QueueResponses…)
}

// Start runs a new [mockserver.Server] with opts on an httptest server and closes it when the
// test (or benchmark) ends. It fails tb if an option is invalid.
func Start(tb testing.TB, opts ...mockserver.Option) *Server {
	tb.Helper()
	s, err := mockserver.New(opts...)
	if err != nil {
		tb.Fatalf("mocktest.Start: %v", err)
		return nil // reached only with a tb whose Fatalf returns
	}
	hs := httptest.NewServer(s)
	tb.Cleanup(hs.Close)
	return &Server{URL: hs.URL, SecretKey: s.SecretKey(), Server: s}
}

// String describes the test server without its Secret Key.
func (ts Server) String() string {
	return fmt.Sprintf("mocktest.Server{URL: %s, SecretKey: [REDACTED]}", ts.URL)
}

// GoString is String, for %#v.
func (ts Server) GoString() string { return ts.String() }
