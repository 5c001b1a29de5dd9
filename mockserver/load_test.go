package mockserver_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hubmessage/hubmessage-go/gen"
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
	// cycles is each worker's place in its create → connect → disconnect → delete cycle
	// (a worker makes one call at a time, so its entry needs no lock).
	cycles []lifecycleWorker
}

type lifecycleWorker struct {
	step int    // the next call: 0 create, 1 connect, 2 disconnect, 3 delete
	id   string // the channel of the current cycle
}

// loadChannel is worker w's channel for the connect mix. A worker connects it, then
// disconnects it through the Go API, so its next connect succeeds too while the server's
// channel table stays the same size however long the run.
func loadChannel(w int) string { return fmt.Sprintf("10ad%028x", w) }

// newLoadTarget starts impl ("mockserver", or "nethttp": the floor, a handler that only reads
// the body and answers each operation's success) with one channel per worker, and a client
// keeping up to workers connections alive. Everything is closed with tb.
func newLoadTarget(tb testing.TB, impl string, workers int) *loadTarget {
	tb.Helper()
	t := &loadTarget{cycles: make([]lifecycleWorker, workers)}
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
		h = http.HandlerFunc(floor)
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

// floor answers each operation's success as the reference server does, and nothing more.
func floor(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	switch {
	case r.Method == http.MethodDelete:
		w.WriteHeader(http.StatusNoContent)
		return
	case r.Method == http.MethodPut:
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, "true\n")
	case r.URL.Path == "/v1/channels":
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, "{\"id\":\"019E4C54B1B375A28970B605CA9B03C3\"}\n")
	default:
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, "{\"success\":true}\n")
	}
}

// call makes one request and reads the answer: an error unless its status is want.
func (t *loadTarget) call(ctx context.Context, method, path, body string, want int) ([]byte, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, t.url+path, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+loadKey)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := t.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, err
	}
	if res.StatusCode != want {
		return nil, fmt.Errorf("%s %s: status %d: %s", method, path, res.StatusCode, data)
	}
	return data, nil
}

// connect is call i from worker w in the connect mix: a connect of w's channel with a fresh
// code, a success only if answered 200.
func (t *loadTarget) connect(ctx context.Context, w, i int) error {
	channel := loadChannel(w)
	if _, err := t.call(ctx, http.MethodPost, "/v1/channels/"+channel+"/connect", payload("LOAD-"+strconv.Itoa(i)), http.StatusOK); err != nil {
		return err
	}
	if t.server != nil {
		return t.server.Disconnect(channel)
	}
	return nil
}

// lifecycle is call i from worker w in the lifecycle mix: the next step of w's cycle, create
// → connect (a fresh code) → disconnect → delete, each a success only with its documented
// status. A failed step starts the cycle again. The server keeps a tombstone and a code
// digest per cycle: memory grows with the calls made, which the run's count and time cap.
func (t *loadTarget) lifecycle(ctx context.Context, w, i int) error {
	lw := &t.cycles[w]
	channel := "/v1/channels/" + lw.id
	var err error
	switch lw.step {
	case 0:
		var data []byte
		if data, err = t.call(ctx, http.MethodPost, "/v1/channels", `{"name":"Load","type":"META_WHATSAPP"}`, http.StatusCreated); err == nil {
			var created gen.CreateChannelResponse
			err = json.Unmarshal(data, &created)
			lw.id = created.Id
		}
	case 1:
		_, err = t.call(ctx, http.MethodPost, channel+"/connect", payload("LIFE-"+strconv.Itoa(i)), http.StatusOK)
	case 2:
		_, err = t.call(ctx, http.MethodPut, channel+"/disconnect", "", http.StatusOK)
	case 3:
		_, err = t.call(ctx, http.MethodDelete, channel, "", http.StatusNoContent)
	}
	lw.step = (lw.step + 1) % 4
	if err != nil {
		lw.step = 0
	}
	return err
}

// do is the call of a load mix.
func (t *loadTarget) do(mix string) func(ctx context.Context, w, i int) error {
	if mix == "lifecycle" {
		return t.lifecycle
	}
	return t.connect
}

// BenchmarkLoad is the reference server's throughput and latency on a loopback listener,
// side by side with the floor (a bare net/http handler) under the same client and load: c
// keep-alive workers, b.N calls in all, each answered with its operation's success. Mixes:
// connect (each with a fresh code; the Go API disconnects in between) and lifecycle (each
// worker cycles create → connect → disconnect → delete over HTTP). Client and server share the
// machine's cores, and allocations are both sides'. Every run is capped at loadCap. Metrics:
// req/s, p50-ns, p99-ns (benchstat: p50-sec, p99-sec), errors.
func BenchmarkLoad(b *testing.B) {
	for _, mix := range []string{"connect", "lifecycle"} {
		for _, c := range []int{1, 2, 8, 32} {
			for _, impl := range []string{"nethttp", "mockserver"} { // baseline first
				b.Run(fmt.Sprintf("mix=%s/c=%d/impl=%s", mix, c, impl), func(b *testing.B) {
					res := measureLoad(b, c, newLoadTarget(b, impl, c).do(mix))
					if res.Errors > 0 {
						b.Logf("%d of %d requests failed; first: %v", res.Errors, res.Requests, res.FirstErr)
					}
					res.Report(b)
				})
			}
		}
	}
}

// The load benchmark measures successes only: every call of a run is answered with its
// operation's success, on both targets and in both mixes; on the reference server each
// connect consumes its code and each lifecycle leaves its channel deleted.
func TestLoadRequestsAllSucceed(t *testing.T) {
	t.Parallel()
	const n, c = 200, 8
	for _, mix := range []string{"connect", "lifecycle"} {
		for _, impl := range []string{"nethttp", "mockserver"} {
			t.Run(mix+"/"+impl, func(t *testing.T) {
				t.Parallel()
				target := newLoadTarget(t, impl, c)
				res, err := runLoad(t.Context(), loadConfig{Concurrency: c, Requests: n, MaxDuration: loadCap, Do: target.do(mix)})
				if err != nil {
					t.Fatal(err)
				}
				if res.Requests != n || res.Errors != 0 || res.Capped {
					t.Fatalf("%d requests, %d errors (first: %v), capped %v; want %d, 0, false", res.Requests, res.Errors, res.FirstErr, res.Capped, n)
				}
				if target.server == nil {
					return
				}
				if mix == "lifecycle" {
					// Every cycle that finished deleted its channel; one still under way has its own.
					want := c + 3 // the connect mix's channels and the seeded ones
					for _, lw := range target.cycles {
						if lw.step != 0 {
							want++
						}
					}
					if got := len(target.server.Channels()); got != want {
						t.Errorf("%d channels after the run, want %d", got, want)
					}
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
}

// measureLoad opens c connections with a warm-up, then runs b.N calls of do from c workers
// with the clock running, and fails b if the run errs or hits loadCap. The caller judges
// res.Errors and reports.
func measureLoad(b *testing.B, c int, do func(ctx context.Context, w, i int) error) loadResult {
	b.Helper()
	// Warm up: open the connections before the clock runs (codes below 0 are unique too).
	warm, err := runLoad(b.Context(), loadConfig{Concurrency: c, Requests: c, MaxDuration: loadCap,
		Do: func(ctx context.Context, w, i int) error { return do(ctx, w, -1-i) }})
	if err != nil || warm.Errors > 0 {
		b.Fatalf("warm-up: %v %v", err, warm.FirstErr)
	}
	b.ReportAllocs()
	b.ResetTimer()
	res, err := runLoad(b.Context(), loadConfig{Concurrency: c, Requests: b.N, MaxDuration: loadCap, Do: do})
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	if res.Capped {
		b.Fatalf("the %v cap stopped the run after %d of %d requests: lower -benchtime", loadCap, res.Requests, b.N)
	}
	return res
}
