package mockserver_test

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/hubmessage/hubmessage-go/mockserver"
)

// BenchmarkServeHTTP measures one full connect (validation, state, response) in-process.
func BenchmarkServeHTTP(b *testing.B) {
	s, err := mockserver.New(mockserver.WithSecretKey("sk_bench"))
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name   string
		prefer string
	}{{"connect", ""}, {"prefer", "code=422, example=codeExpired"}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				i++
				req := httptest.NewRequest(http.MethodPost, "/v1/channels/"+mockserver.ChannelHex+"/connect",
					strings.NewReader(payload("bench-"+bc.name+strconv.Itoa(i))))
				req.Header.Set("Authorization", "Bearer sk_bench")
				req.Header.Set("Content-Type", "application/json")
				if bc.prefer != "" {
					req.Header.Set("Prefer", bc.prefer)
				}
				rec := httptest.NewRecorder()
				s.ServeHTTP(rec, req)
				if rec.Code != 200 && rec.Code != 422 {
					b.Fatalf("status %d %s", rec.Code, rec.Body)
				}
				if err := s.Disconnect(mockserver.ChannelHex); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
