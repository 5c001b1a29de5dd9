package mockserver_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync/atomic"
	"testing"

	"github.com/hubmessage/hubmessage-go/contracttest"
)

// proxyCounts is what a validating proxy in front of a load target saw go wrong.
type proxyCounts struct{ violations, upstreamErrs, recordErrs atomic.Int64 }

func (c *proxyCounts) check(tb testing.TB) {
	tb.Helper()
	if v, u, r := c.violations.Load(), c.upstreamErrs.Load(), c.recordErrs.Load(); v+u+r > 0 {
		tb.Fatalf("%d exchanges with violations, %d upstream errors, %d record errors; want none", v, u, r)
	}
}

// behindProxy puts a proxy in front of t's server and points t's client at it: impl
// "reverseproxy" is a bare httputil.ReverseProxy (the baseline), "proxy" contracttest's
// validating one, recording every exchange to rec. It returns the proxy's server, closed with
// tb: once closed, every exchange is recorded.
func behindProxy(tb testing.TB, t *loadTarget, impl string, rec io.Writer) (*proxyCounts, *httptest.Server) {
	tb.Helper()
	upstream, err := url.Parse(t.url)
	if err != nil {
		tb.Fatal(err)
	}
	counts := &proxyCounts{}
	var h http.Handler
	switch impl {
	case "reverseproxy":
		h = &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) { pr.SetURL(upstream) }}
	case "proxy":
		recorder, err := contracttest.NewRecorder(rec)
		if err != nil {
			tb.Fatal(err)
		}
		h = contracttest.MustNew(tb).Proxy(upstream,
			contracttest.WithRecorder(recorder),
			contracttest.OnViolation(func(contracttest.Violations) { counts.violations.Add(1) }),
			contracttest.OnUpstreamError(func(*http.Request, error) { counts.upstreamErrs.Add(1) }),
			contracttest.OnRecordError(func(error) { counts.recordErrs.Add(1) }))
	default:
		tb.Fatalf("unknown proxy %q", impl)
	}
	ps := httptest.NewServer(h)
	tb.Cleanup(ps.Close)
	t.url = ps.URL
	return counts, ps
}

// The validating proxy in front of the reference server, under the load benchmark's
// lifecycle mix: every call succeeds, no exchange breaks the contract, and each one is
// recorded with neither the key nor a code in the recording.
func TestProxyUnderLifecycleLoad(t *testing.T) {
	t.Parallel()
	const n, c = 400, 8
	target := newLoadTarget(t, "mockserver", c)
	var recording bytes.Buffer
	counts, proxy := behindProxy(t, target, "proxy", &recording) // the Recorder writes a line at a time
	res, err := runLoad(t.Context(), loadConfig{Concurrency: c, Requests: n, MaxDuration: loadCap, Do: target.lifecycle})
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests != n || res.Errors != 0 {
		t.Fatalf("%d requests, %d errors (first: %v); want %d, 0", res.Requests, res.Errors, res.FirstErr, n)
	}
	proxy.Close() // waits for the last exchanges' recording
	counts.check(t)
	lines := 0
	for x, err := range contracttest.ReadRecording(&recording) {
		if err != nil {
			t.Fatal(err)
		}
		if lines++; x.Status/100 != 2 {
			t.Errorf("recorded %s %s -> %d, want a success", x.Method, x.Path, x.Status)
		}
	}
	if lines != n {
		t.Errorf("%d exchanges recorded, want %d", lines, n)
	}
	for _, secret := range []string{loadKey, "LIFE-"} {
		if bytes.Contains(recording.Bytes(), []byte(secret)) {
			t.Errorf("the recording holds %q", secret)
		}
	}
}

// BenchmarkProxy is the validating, recording proxy in front of the reference server under
// the load benchmark's lifecycle mix, side by side with a bare httputil.ReverseProxy (the
// baseline) in front of the same kind of server: c keep-alive workers, b.N calls in all. Any
// violation, upstream error or failed call fails it. Besides BenchmarkLoad's metrics, heap-B/req
// is the heap still in use after the run, over the calls made: the reference server keeps a
// tombstone and a code digest per cycle, so it is the same for both unless the proxy keeps
// something per exchange.
func BenchmarkProxy(b *testing.B) {
	for _, c := range []int{1, 8} {
		for _, impl := range []string{"reverseproxy", "proxy"} { // baseline first
			b.Run(fmt.Sprintf("mix=lifecycle/c=%d/impl=%s", c, impl), func(b *testing.B) {
				target := newLoadTarget(b, "mockserver", c)
				counts, _ := behindProxy(b, target, impl, io.Discard)
				before := heapInUse()
				res := measureLoad(b, c, target.lifecycle)
				grown := int64(heapInUse()) - int64(before)
				counts.check(b)
				if res.Errors > 0 {
					b.Fatalf("%d of %d requests failed; first: %v", res.Errors, res.Requests, res.FirstErr)
				}
				res.Report(b)
				b.ReportMetric(float64(grown)/float64(res.Requests), "heap-B/req")
			})
		}
	}
}
