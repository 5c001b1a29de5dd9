package mockserver_test

// The load generator of the benchmarks: workers run one function N times in all, or until a
// time cap or the context ends (never unbounded), and the per-call latencies come back for
// percentiles. Its memory is one latency per call made, whatever N.

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// loadConfig says how much load runLoad makes.
type loadConfig struct {
	// Concurrency is the number of workers calling Do at once; at least 1.
	Concurrency int
	// Requests is the total number of calls, shared by the workers; at least 1.
	Requests int
	// MaxDuration stops starting calls once it has passed (0: no cap beyond Requests).
	MaxDuration time.Duration
	// Do makes call number i (0 ≤ i < Requests, each once) from worker (0 ≤ worker <
	// Concurrency, one call at a time: per-worker state needs no lock). An error counts as a
	// failed call; its latency is still recorded.
	Do func(ctx context.Context, worker, i int) error
}

// loadResult is what one runLoad measured.
type loadResult struct {
	Requests  int             // calls made (fewer than loadConfig.Requests if the cap stopped the run)
	Errors    int             // calls whose Do returned an error
	FirstErr  error           // one of those errors, for the log; nil if none
	Elapsed   time.Duration   // wall time from the first call's start to the last call's end
	Capped    bool            // MaxDuration or the context stopped the run early
	Latencies []time.Duration // every call's duration, sorted ascending
}

// Run makes cfg.Requests calls of cfg.Do from cfg.Concurrency workers and returns what it
// measured. It returns an error only for an invalid loadConfig.
func runLoad(ctx context.Context, cfg loadConfig) (loadResult, error) {
	switch {
	case cfg.Concurrency < 1:
		return loadResult{}, fmt.Errorf("runLoad: Concurrency %d is less than 1", cfg.Concurrency)
	case cfg.Requests < 1:
		return loadResult{}, fmt.Errorf("runLoad: Requests %d is less than 1", cfg.Requests)
	case cfg.MaxDuration < 0:
		return loadResult{}, fmt.Errorf("runLoad: MaxDuration %v is negative", cfg.MaxDuration)
	case cfg.Do == nil:
		return loadResult{}, errors.New("runLoad: Do is nil")
	}
	if cfg.MaxDuration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, cfg.MaxDuration)
		defer cancel()
	}
	workers := min(cfg.Concurrency, cfg.Requests)
	var (
		next     atomic.Int64
		errCount atomic.Int64
		firstErr error
		errOnce  sync.Once
		wg       sync.WaitGroup
	)
	perWorker := make([][]time.Duration, workers)
	start := time.Now()
	for w := range workers {
		wg.Go(func() {
			var lat []time.Duration // grows with the calls made, not with the calls asked for
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= cfg.Requests {
					break
				}
				t0 := time.Now()
				err := cfg.Do(ctx, w, i)
				lat = append(lat, time.Since(t0))
				if err != nil {
					errCount.Add(1)
					errOnce.Do(func() { firstErr = fmt.Errorf("request %d: %w", i, err) })
				}
			}
			perWorker[w] = lat
		})
	}
	wg.Wait()
	elapsed, lat := time.Since(start), slices.Concat(perWorker...)
	slices.Sort(lat)
	return loadResult{Requests: len(lat), Errors: int(errCount.Load()), FirstErr: firstErr, Elapsed: elapsed,
		Capped: len(lat) < cfg.Requests, Latencies: lat}, nil
}

// Percentile returns the nearest-rank p-th percentile (0 < p ≤ 100) of the latencies, or 0
// when there are none.
func (r loadResult) Percentile(p float64) time.Duration {
	n := len(r.Latencies)
	if n == 0 {
		return 0
	}
	rank := int(math.Ceil(float64(n) * p / 100))
	return r.Latencies[min(max(rank, 1), n)-1]
}

// Report records req/s, p50-ns, p99-ns, max-ns and errors on b (a *testing.B). Latencies are
// in ns, as ns/op is, so that benchstat shows them in seconds with SI prefixes.
func (r loadResult) Report(b interface{ ReportMetric(n float64, unit string) }) {
	b.ReportMetric(float64(r.Requests)/r.Elapsed.Seconds(), "req/s")
	b.ReportMetric(float64(r.Percentile(50).Nanoseconds()), "p50-ns")
	b.ReportMetric(float64(r.Percentile(99).Nanoseconds()), "p99-ns")
	b.ReportMetric(float64(r.Percentile(100).Nanoseconds()), "max-ns")
	b.ReportMetric(float64(r.Errors), "errors")
}
