package mockserver_test

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestLoadRunCallsEachIndexOnce(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name        string
		concurrency int
		requests    int
	}{
		{"one worker", 1, 50},
		{"more workers than requests", 16, 3},
		{"uneven split", 7, 100},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var mu sync.Mutex
			seen := map[int]int{}
			var inFlight, peak atomic.Int64
			busy := make([]atomic.Bool, tc.concurrency)
			res, err := runLoad(context.Background(), loadConfig{
				Concurrency: tc.concurrency,
				Requests:    tc.requests,
				Do: func(_ context.Context, w, i int) error {
					if w < 0 || w >= tc.concurrency {
						t.Errorf("worker %d out of range", w)
						return nil
					}
					if busy[w].Swap(true) {
						t.Errorf("worker %d made two calls at once", w)
					}
					defer busy[w].Store(false)
					n := inFlight.Add(1)
					defer inFlight.Add(-1)
					for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
					}
					mu.Lock()
					seen[i]++
					mu.Unlock()
					return nil
				},
			})
			if err != nil {
				t.Fatal(err)
			}
			want := map[int]int{}
			for i := range tc.requests {
				want[i] = 1
			}
			if diff := cmp.Diff(want, seen); diff != "" {
				t.Errorf("calls per index (-want +got):\n%s", diff)
			}
			if res.Requests != tc.requests || len(res.Latencies) != tc.requests || res.Errors != 0 || res.Capped {
				t.Errorf("Result: Requests %d, Latencies %d, Errors %d, Capped %v; want %d, %d, 0, false",
					res.Requests, len(res.Latencies), res.Errors, res.Capped, tc.requests, tc.requests)
			}
			if p := peak.Load(); p > int64(tc.concurrency) {
				t.Errorf("%d calls ran at once, more than Concurrency %d", p, tc.concurrency)
			}
		})
	}
}

func TestLoadRunCountsErrors(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	res, err := runLoad(context.Background(), loadConfig{
		Concurrency: 4,
		Requests:    30,
		Do: func(_ context.Context, _, i int) error {
			if i%3 == 0 {
				return boom
			}
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Errors != 10 || res.Requests != 30 {
		t.Errorf("Errors %d of %d, want 10 of 30", res.Errors, res.Requests)
	}
	if !errors.Is(res.FirstErr, boom) || !strings.HasPrefix(res.FirstErr.Error(), "request ") {
		t.Errorf("FirstErr = %v, want boom wrapped with its request number", res.FirstErr)
	}
}

// blockUntilLoadDone is a call that only ends with the run.
func blockUntilLoadDone(ctx context.Context, _, _ int) error {
	<-ctx.Done()
	return nil
}

// A run stops by itself when its time cap passes, whatever Requests says. In a synctest
// bubble the cap passes only once every worker is blocked in its call: exactly one each.
func TestLoadRunStopsAtTheCap(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		res, err := runLoad(t.Context(), loadConfig{
			Concurrency: 2,
			Requests:    1 << 30,
			MaxDuration: 50 * time.Millisecond,
			Do:          blockUntilLoadDone,
		})
		if err != nil {
			t.Fatal(err)
		}
		if !res.Capped || res.Requests != 2 {
			t.Errorf("Capped %v after %d calls, want true after 2 (one per worker)", res.Capped, res.Requests)
		}
	})
}

// Regression: Run reserved Requests/Concurrency latencies per worker up front, 8 GiB for the
// run above, so the cap often passed before any worker started (and memory peaked at 16.8
// GB). Not parallel, so no other test allocates while this one counts.
func TestLoadRunAllocatesForCallsMadeNotRequested(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		res, err := runLoad(t.Context(), loadConfig{
			Concurrency: 2,
			Requests:    1 << 30,
			MaxDuration: time.Second,
			Do:          blockUntilLoadDone,
		})
		runtime.ReadMemStats(&after)
		if err != nil {
			t.Fatal(err)
		}
		if got := after.TotalAlloc - before.TotalAlloc; got > 1<<20 {
			t.Errorf("a run of %d calls allocated %d bytes, want under 1 MiB", res.Requests, got)
		}
	})
}

func TestLoadRunStopsWhenTheContextEnds(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	res, err := runLoad(ctx, loadConfig{
		Concurrency: 1,
		Requests:    1000,
		Do: func(context.Context, int, int) error {
			cancel()
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Capped || res.Requests != 1 {
		t.Errorf("Capped %v after %d calls, want true after 1", res.Capped, res.Requests)
	}
}

func TestLoadRunRejectsInvalidConfig(t *testing.T) {
	t.Parallel()
	do := func(context.Context, int, int) error { return nil }
	for _, tc := range []struct {
		name string
		cfg  loadConfig
		want string
	}{
		{"no workers", loadConfig{Concurrency: 0, Requests: 1, Do: do}, "Concurrency 0"},
		{"no requests", loadConfig{Concurrency: 1, Requests: 0, Do: do}, "Requests 0"},
		{"negative cap", loadConfig{Concurrency: 1, Requests: 1, MaxDuration: -1, Do: do}, "MaxDuration -1ns"},
		{"no Do", loadConfig{Concurrency: 1, Requests: 1}, "Do is nil"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := runLoad(context.Background(), tc.cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want one naming %q", err, tc.want)
			}
		})
	}
}

func TestLoadPercentile(t *testing.T) {
	t.Parallel()
	hundred := make([]time.Duration, 100)
	for i := range hundred {
		hundred[i] = time.Duration(i+1) * time.Millisecond
	}
	for _, tc := range []struct {
		name string
		lat  []time.Duration
		p    float64
		want time.Duration
	}{
		{"empty", nil, 50, 0},
		{"one value", []time.Duration{7}, 99, 7},
		{"median of 100", hundred, 50, 50 * time.Millisecond},
		{"p99 of 100", hundred, 99, 99 * time.Millisecond},
		{"p100 is the max", hundred, 100, 100 * time.Millisecond},
		{"p99 of 3 is the max", []time.Duration{1, 2, 3}, 99, 3},
		{"tiny p is the min", hundred, 0.001, time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := (loadResult{Latencies: tc.lat}).Percentile(tc.p); got != tc.want {
				t.Errorf("Percentile(%v) = %v, want %v", tc.p, got, tc.want)
			}
		})
	}
}

type loadMetrics map[string]float64

func (m loadMetrics) ReportMetric(n float64, unit string) { m[unit] = n }

func TestLoadReport(t *testing.T) {
	t.Parallel()
	r := loadResult{
		Requests:  4,
		Errors:    1,
		Elapsed:   2 * time.Second,
		Latencies: []time.Duration{time.Millisecond, 2 * time.Millisecond, 3 * time.Millisecond, 4 * time.Millisecond},
	}
	got := loadMetrics{}
	r.Report(got)
	want := loadMetrics{"req/s": 2, "p50-ns": 2e6, "p99-ns": 4e6, "max-ns": 4e6, "errors": 1}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("loadMetrics (-want +got):\n%s", diff)
	}
}
