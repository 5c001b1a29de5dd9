package client

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"syscall"
	"testing"
	"time"
)

func TestBackoffStaysWithinBounds(t *testing.T) {
	t.Parallel()
	p := RetryPolicy{MaxAttempts: 10, BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second}
	for next := 2; next <= 70; next++ {
		full := min(p.MaxDelay, p.BaseDelay<<min(next-2, 20))
		for range 50 {
			if d := p.backoff(next); d < full/2 || d > full {
				t.Fatalf("backoff(%d) = %v, want within [%v, %v]", next, d, full/2, full)
			}
		}
	}
	if d := NoRetry.backoff(2); d != 0 {
		t.Errorf("NoRetry.backoff = %v, want 0", d)
	}
}

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 25, 7, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		status int
		value  string
		want   time.Duration
		wantOK bool
	}{
		{name: "seconds", status: 429, value: "3", want: 3 * time.Second, wantOK: true},
		{name: "zero", status: 503, value: "0", want: 0, wantOK: true},
		{name: "date ahead", status: 503, value: now.Add(10 * time.Second).Format(http.TimeFormat), want: 10 * time.Second, wantOK: true},
		{name: "date behind", status: 429, value: now.Add(-time.Hour).Format(http.TimeFormat), want: 0, wantOK: true},
		{name: "absent", status: 429, value: ""},
		{name: "negative", status: 429, value: "-1"},
		{name: "fraction", status: 429, value: "1.5"},
		{name: "garbage", status: 503, value: "tomorrow"},
		{name: "other status", status: 500, value: "1"},
		{name: "success", status: 200, value: "1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			resp := &http.Response{StatusCode: tc.status, Header: http.Header{}}
			if tc.value != "" {
				resp.Header.Set("Retry-After", tc.value)
			}
			got, ok := retryAfter(resp, now)
			if got != tc.want || ok != tc.wantOK {
				t.Errorf("retryAfter = %v, %t; want %v, %t", got, ok, tc.want, tc.wantOK)
			}
		})
	}
}

func TestUnsent(t *testing.T) {
	t.Parallel()
	refused := &url.Error{Op: "Post", URL: "https://x", Err: &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}}
	dialTimeout := &net.OpError{Op: "dial", Net: "tcp", Err: context.DeadlineExceeded}
	reset := &url.Error{Op: "Post", URL: "https://x", Err: &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}}
	tests := []struct {
		name  string
		err   error
		wrote bool
		want  bool
	}{
		{name: "refused, nothing written", err: refused, want: true},
		{name: "DNS failure", err: &net.OpError{Op: "dial", Err: &net.DNSError{Err: "no such host", Name: "x"}}, want: true},
		{name: "refused but a connection was had", err: refused, wrote: true, want: false},
		{name: "dial timeout", err: dialTimeout, want: false},
		{name: "reset", err: reset, want: false},
		{name: "EOF", err: fmt.Errorf("Post: %w", errors.New("EOF")), want: false},
		{name: "canceled", err: context.Canceled, want: false},
		{name: "nil", err: nil, want: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := unsent(tc.err, tc.wrote); got != tc.want {
				t.Errorf("unsent(%v, %t) = %t, want %t", tc.err, tc.wrote, got, tc.want)
			}
		})
	}
}
