package contracttest_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hubmessage/hubmessage-go/contracttest"
)

// BenchmarkMiddleware is one connect round trip over loopback to a minimal handler, without
// (the baseline) and with the validating middleware in front of it, on one keep-alive client.
func BenchmarkMiddleware(b *testing.B) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"success":true}`)
	})
	v := contracttest.MustNew(b, contracttest.WithSecretKey(secretKey))
	for _, impl := range []struct {
		name    string
		handler http.Handler
	}{
		{"none", ok},
		{"middleware", v.Middleware(ok)},
	} {
		b.Run("impl="+impl.name, func(b *testing.B) {
			srv := httptest.NewServer(impl.handler)
			defer srv.Close()
			hc := srv.Client()
			url := srv.URL + connectPath
			call := func() {
				req, _ := http.NewRequest("POST", url, strings.NewReader(validBody))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+secretKey)
				resp, err := hc.Do(req)
				if err != nil || resp.StatusCode != 200 {
					b.Fatalf("%v %v", resp, err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			call() // warm the connection
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				call()
			}
		})
	}
}
