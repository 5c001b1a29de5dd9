package contracttest_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/hubmessage/hubmessage-go/contracttest"
	"github.com/hubmessage/hubmessage-go/internal/errorbody"
	"github.com/hubmessage/hubmessage-go/openapi"
)

func BenchmarkValidateRequest(b *testing.B) {
	v := contracttest.MustNew(b, contracttest.WithSecretKey(secretKey))
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest("POST", connectPath, strings.NewReader(validBody))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+secretKey)
		if _, err := v.ValidateRequest(req); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkValidateResponse(b *testing.B) {
	v := contracttest.MustNew(b)
	req := httptest.NewRequest("POST", connectPath, nil)
	header := http.Header{"Content-Type": {"application/json"}}
	body := []byte(`{"success":true}`)
	b.ReportAllocs()
	for b.Loop() {
		if err := v.ValidateResponse(req, 200, header, body); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMiddlewareInProcess compares one in-process exchange through the middleware and the
// transport with the same exchange unchecked (no TCP: the checks' own cost, magnified).
func BenchmarkMiddlewareInProcess(b *testing.B) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"success":true}`)
	})
	v := contracttest.MustNew(b, contracttest.WithSecretKey(secretKey))
	for _, bc := range []struct {
		name    string
		handler http.Handler
		rt      func(http.RoundTripper) http.RoundTripper
	}{
		{"impl=none", ok, func(rt http.RoundTripper) http.RoundTripper { return rt }},
		{"impl=middleware", v.Middleware(ok), func(rt http.RoundTripper) http.RoundTripper { return rt }},
		{"impl=transport+middleware", v.Middleware(ok), func(rt http.RoundTripper) http.RoundTripper {
			return contracttest.Transport(b, rt, contracttest.WithValidator(v))
		}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			rt := bc.rt(handlerTransport{bc.handler})
			b.ReportAllocs()
			for b.Loop() {
				req, _ := http.NewRequest("POST", "http://api.test"+connectPath, strings.NewReader(validBody))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+secretKey)
				resp, err := rt.RoundTrip(req)
				if err != nil || resp.StatusCode != 200 {
					b.Fatalf("%v %v", resp, err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		})
	}
}

// handlerTransport serves requests in-process, so benchmarks measure the checks, not TCP.
type handlerTransport struct{ h http.Handler }

func (t handlerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, r)
	return rec.Result(), nil
}

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

// BenchmarkServerPerTest is what a test pays for its own checked server: a Validator (for the
// shared embedded spec, with its own Secret Key), the middleware, an httptest server, one
// request and Close; against the same server with the bare handler.
func BenchmarkServerPerTest(b *testing.B) {
	doc, err := openapi.Spec()
	if err != nil {
		b.Fatal(err)
	}
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"success":true}`)
	})
	for _, impl := range []struct {
		name    string
		handler func() http.Handler
	}{
		{"none", func() http.Handler { return ok }},
		{"middleware", func() http.Handler {
			v, err := contracttest.NewForSpec(doc, contracttest.WithSecretKey(secretKey))
			if err != nil {
				b.Fatal(err)
			}
			return v.Middleware(ok)
		}},
	} {
		b.Run("impl="+impl.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				srv := httptest.NewServer(impl.handler())
				req, _ := http.NewRequest("POST", srv.URL+connectPath, strings.NewReader(validBody))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+secretKey)
				resp, err := srv.Client().Do(req)
				if err != nil || resp.StatusCode != 200 {
					b.Fatalf("%v %v", resp, err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				srv.Close()
			}
		})
	}
}

// BenchmarkExchangeLifecycle is one valid exchange of each lifecycle operation
// (testdata/lifecycle.yaml), checked by the slow path alone (kin-openapi, the baseline) and by
// the validator with its fast path.
func BenchmarkExchangeLifecycle(b *testing.B) {
	v := fixtureValidator(b, "lifecycle.yaml")
	for _, bc := range []struct{ op, exchange string }{
		{"create", "valid create"},
		{"connect", "valid connect"},
		{"disconnect", "valid disconnect"},
		{"delete", "valid delete, a reason"},
	} {
		i := slices.IndexFunc(lifecycleExchanges(), func(e exchange) bool { return e.name == bc.exchange })
		e := lifecycleExchanges()[i]
		reqBody, respBody := []byte(e.reqBody), []byte(e.respBody)
		for _, impl := range []struct {
			name string
			v    *contracttest.Validator
		}{{"slow", contracttest.WithoutFastPath(v)}, {"validator", v}} {
			b.Run("op="+bc.op+"/impl="+impl.name, func(b *testing.B) {
				r := e.request()
				b.ReportAllocs()
				for b.Loop() {
					if err := impl.v.ValidateExchange(r, reqBody, e.status, e.respHeader, respBody); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkReject is one rejection by an enforcing middleware: the plain {"error","message"}
// writer (impl=plain, the former default) against the default that fills the error body the
// spec documents (impl=spec), for this API's error shape and for RFC 7807 problem+json.
func BenchmarkReject(b *testing.B) {
	plain := contracttest.WithRejectFunc(func(w http.ResponseWriter, _ *http.Request, status int, vs contracttest.Violations) {
		parts := make([]string, 0, len(vs))
		for _, v := range vs {
			parts = append(parts, v.Location+": "+v.Reason)
		}
		errorbody.Write(w, status, strings.Join(parts, "; "))
	})
	for _, bc := range []struct{ shape, fixture, method, target, body string }{
		{"error_message", "multiop.yaml", http.MethodGet, "/v1/channels?pageSize=51", ""},
		{"problem_json", "composed.yaml", http.MethodPost, "/orders", `{"customer":"ab","quantity":1,"payment":{"iban":"DE89370400440532013000"}}`},
	} {
		v := fixtureValidator(b, bc.fixture)
		for _, impl := range []struct {
			name string
			opts []contracttest.CheckOption
		}{{"plain", []contracttest.CheckOption{plain}}, {"spec", nil}} {
			h := v.Middleware(http.NotFoundHandler(), impl.opts...)
			b.Run("shape="+bc.shape+"/impl="+impl.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					req := httptest.NewRequest(bc.method, bc.target, strings.NewReader(bc.body))
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set("Authorization", "Bearer k")
					rec := httptest.NewRecorder()
					h.ServeHTTP(rec, req)
					if rec.Code != http.StatusBadRequest {
						b.Fatalf("status %d: %s", rec.Code, rec.Body)
					}
				}
			})
		}
	}
}
