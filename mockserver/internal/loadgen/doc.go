// Package loadgen is a small, bounded load generator for benchmarks: C workers run one
// function N times in all, or until a time cap, and the per-call latencies come back for
// percentiles. It exists so a throughput benchmark (the reference server's, a client's) is a
// few lines, and always stops by itself.
//
// # Bounds
//
// A [Run] makes at most [Config.Requests] calls and stops starting new ones once
// [Config.MaxDuration] has passed or its context is done: it never loops unbounded. Its memory
// is one latency (8 bytes) per call made, whatever Requests asks for. It sends nothing
// itself; the caller's function does, and in this project only to loopback servers it
// started (httptest).
//
// # Reporting
//
// [Result.Report] puts req/s, p50-ns, p99-ns and errors on a benchmark with
// testing.B.ReportMetric, so benchstat can compare them.
package loadgen
