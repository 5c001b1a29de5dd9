package mockserver_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hubmessage/hubmessage-go/internal/loadgen"
	"github.com/hubmessage/hubmessage-go/mockserver"
)

// loadCap bounds one load run, whatever b.N asks: the benchmark always stops by itself.
const loadCap = 60 * time.Second

const loadKey = "sk_load"

// loadTarget is a server on a real loopback listener plus the keep-alive client that loads it.
type loadTarget struct {
	url    string
	server *mockserver.Server // nil for the net/http floor
	client *http.Client
}

// loadChannel is worker w's channel. A worker connects it, then disconnects it through the Go
// API (as the vendor's disconnect endpoint would), so its next connect succeeds too while the
// server's channel table stays the same size however long the run.
func loadChannel(w int) string { return fmt.Sprintf("10ad%028x", w) }

// newLoadTarget starts impl ("mockserver", or "nethttp": the floor, a handler that only reads
// the body and answers 200) with one channel per worker, and a client keeping up to workers
// connections alive. Everything is closed with tb.
func newLoadTarget(tb testing.TB, impl string, workers int) *loadTarget {
	tb.Helper()
	t := &loadTarget{}
	var h http.Handler
	switch impl {
	case "mockserver":
		s, err := mockserver.New(mockserver.WithSecretKey(loadKey))
		if err != nil {
			tb.Fatal(err)
		}
		for w := range workers {
			if err := s.AddChannel(loadChannel(w), mockserver.MetaWhatsApp); err != nil {
				tb.Fatal(err)
			}
		}
		t.server, h = s, s
	case "nethttp":
		h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, "{\"success\":true}\n")
		})
	default:
		tb.Fatalf("unknown impl %q", impl)
	}
	hs := httptest.NewServer(h)
	tb.Cleanup(hs.Close)
	tr := &http.Transport{MaxIdleConns: workers, MaxIdleConnsPerHost: workers}
	tb.Cleanup(tr.CloseIdleConnections)
	t.url, t.client = hs.URL, &http.Client{Transport: tr, Timeout: 10 * time.Second}
	return t
}

// connect is call i from worker w: a connect of w's channel with a fresh code, a success only
// if answered 200.
func (t *loadTarget) connect(ctx context.Context, w, i int) error {
	channel := loadChannel(w)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.url+"/v1/channels/"+channel+"/connect",
		strings.NewReader(payload("LOAD-"+strconv.Itoa(i))))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+loadKey)
	req.Header.Set("Content-Type", "application/json")
	res, err := t.client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d: %s", res.StatusCode, body)
	}
	if t.server != nil {
		return t.server.Disconnect(channel)
	}
	return nil
}

// BenchmarkLoad is the reference server's throughput and latency on a loopback listener,
// side by side with the floor (a bare net/http handler) under the same client and load: c
// keep-alive workers, b.N connects in all, each with a fresh code and answered 200. Client
// and server share the machine's cores, and allocations are both sides'. Metrics: req/s,
// p50-ns, p99-ns (benchstat: p50-sec, p99-sec), errors.
func BenchmarkLoad(b *testing.B) {
	for _, c := range []int{1, 2, 8, 32} {
		for _, impl := range []string{"nethttp", "mockserver"} { // baseline first
			b.Run(fmt.Sprintf("c=%d/impl=%s", c, impl), func(b *testing.B) {
				t := newLoadTarget(b, impl, c)
				// Warm up: open the connections before the clock runs (codes below 0 are unique too).
				warm, err := loadgen.Run(b.Context(), loadgen.Config{Concurrency: c, Requests: c, MaxDuration: loadCap,
					Do: func(ctx context.Context, w, i int) error { return t.connect(ctx, w, -1-i) }})
				if err != nil || warm.Errors > 0 {
					b.Fatalf("warm-up: %v %v", err, warm.FirstErr)
				}
				b.ReportAllocs()
				b.ResetTimer()
				res, err := loadgen.Run(b.Context(), loadgen.Config{Concurrency: c, Requests: b.N, MaxDuration: loadCap, Do: t.connect})
				b.StopTimer()
				if err != nil {
					b.Fatal(err)
				}
				if res.Capped {
					b.Fatalf("the %v cap stopped the run after %d of %d requests: lower -benchtime", loadCap, res.Requests, b.N)
				}
				if res.Errors > 0 {
					b.Logf("%d of %d requests failed; first: %v", res.Errors, res.Requests, res.FirstErr)
				}
				res.Report(b)
			})
		}
	}
}

// The load benchmark measures successes only: every request of a run is answered 200, on
// both targets, and on the reference server each consumes its code.
func TestLoadRequestsAllSucceed(t *testing.T) {
	t.Parallel()
	const n, c = 200, 8
	for _, impl := range []string{"nethttp", "mockserver"} {
		t.Run(impl, func(t *testing.T) {
			t.Parallel()
			target := newLoadTarget(t, impl, c)
			res, err := loadgen.Run(t.Context(), loadgen.Config{Concurrency: c, Requests: n, MaxDuration: loadCap, Do: target.connect})
			if err != nil {
				t.Fatal(err)
			}
			if res.Requests != n || res.Errors != 0 || res.Capped {
				t.Fatalf("%d requests, %d errors (first: %v), capped %v; want %d, 0, false", res.Requests, res.Errors, res.FirstErr, res.Capped, n)
			}
			if target.server == nil {
				return
			}
			for w := range c {
				if ch, ok := target.server.Channel(loadChannel(w)); !ok || ch.Connected {
					t.Errorf("channel of worker %d: found %v, connected %v; want found and disconnected", w, ok, ch.Connected)
				}
			}
			// Every code was consumed: sending one again is an error to the load, a 422.
			err = target.connect(t.Context(), 0, n-1)
			if err == nil || !strings.Contains(err.Error(), "CODE_ALREADY_USED") {
				t.Errorf("reusing a code: err = %v, want a 422 CODE_ALREADY_USED", err)
			}
		})
	}
}
