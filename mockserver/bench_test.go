package mockserver_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hubmessage/hubmessage-go/mockserver"
)

// BenchmarkFreshServer is the cost of giving a test its own server: construct it, start it on
// httptest, make the first request (a valid connect), close it. impl=bare is the floor, an
// httptest server with a handler that reads the body and answers the same JSON. The client
// resets its connection when done (SO_LINGER 0), so thousands of runs leave no TIME_WAIT
// sockets behind to slow the later ones' port searches.
func BenchmarkFreshServer(b *testing.B) {
	const key = "sk_fresh"
	bare := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, "{\"success\":true}\n")
	})
	dialer := &net.Dialer{}
	tr := &http.Transport{
		DisableKeepAlives: true,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := dialer.DialContext(ctx, network, addr)
			if tc, ok := c.(*net.TCPConn); ok {
				_ = tc.SetLinger(0)
			}
			return c, err
		},
	}
	b.Cleanup(tr.CloseIdleConnections)
	client := &http.Client{Transport: tr}
	body := payload("FRESH-CODE")
	for _, impl := range []string{"bare", "mockserver"} { // baseline first
		b.Run("impl="+impl, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var h http.Handler = bare
				if impl == "mockserver" {
					s, err := mockserver.New(mockserver.WithSecretKey(key))
					if err != nil {
						b.Fatal(err)
					}
					h = s
				}
				hs := httptest.NewServer(h)
				req, err := http.NewRequest(http.MethodPost, hs.URL+"/v1/channels/"+mockserver.ChannelHex+"/connect", strings.NewReader(body))
				if err != nil {
					b.Fatal(err)
				}
				req.Header.Set("Authorization", "Bearer "+key)
				req.Header.Set("Content-Type", "application/json")
				res, err := client.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusOK {
					b.Fatalf("status %d", res.StatusCode)
				}
				hs.Close()
			}
		})
	}
}
