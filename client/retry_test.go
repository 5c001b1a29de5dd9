package client_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/hubmessage/hubmessage-go/client"
)

// fastRetries keeps retrying tests quick; the policy's logic does not depend on the scale.
var fastRetries = client.RetryPolicy{MaxAttempts: 3, BaseDelay: time.Millisecond, MaxDelay: 2 * time.Millisecond}

// refusedAddr returns an address nothing listens on, so dialing it is refused.
func refusedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// flakyDialer sends the first refusals dials to a closed port, then dials normally.
type flakyDialer struct {
	refusals int32
	refused  string
	dials    atomic.Int32
	onDial   func(n int32)
}

func (d *flakyDialer) transport(t *testing.T) *http.Transport {
	tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		n := d.dials.Add(1)
		if d.onDial != nil {
			d.onDial(n)
		}
		if n <= d.refusals {
			addr = d.refused
		}
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}}
	t.Cleanup(tr.CloseIdleConnections)
	return tr
}

func TestRetryOnlyWhenTheRequestCertainlyWasNotProcessed(t *testing.T) {
	t.Parallel()
	retryAfterThenSuccess := func(status int, retryAfter string, failures int32) http.HandlerFunc {
		var calls atomic.Int32
		return func(w http.ResponseWriter, r *http.Request) {
			if calls.Add(1) <= failures {
				w.Header().Set("Retry-After", retryAfter)
				replyError(status, "slow down")(w, r)
				return
			}
			replySuccess(w, r)
		}
	}
	resetAfterRead := func(w http.ResponseWriter, _ *http.Request) {
		// The body was read by the server (newAPIServer reads it first): the request was
		// processed, then the connection is reset before any response.
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			panic(err)
		}
		conn.(*net.TCPConn).SetLinger(0)
		conn.Close()
	}
	tests := []struct {
		name         string
		handler      http.HandlerFunc
		refusals     int32
		policy       client.RetryPolicy
		wantErr      bool
		wantAttempts int // reported by ConnectResult or OperationError
		wantRequests int // seen by the server
		wantIs       error
	}{
		{name: "connection refused, then served", handler: replySuccess, refusals: 1, policy: fastRetries, wantAttempts: 2, wantRequests: 1},
		{name: "connection refused twice, then served", handler: replySuccess, refusals: 2, policy: fastRetries, wantAttempts: 3, wantRequests: 1},
		{name: "connection refused every time", handler: replySuccess, refusals: 99, policy: fastRetries, wantErr: true, wantAttempts: 3, wantRequests: 0, wantIs: syscall.ECONNREFUSED},
		{name: "connection refused, NoRetry", handler: replySuccess, refusals: 1, policy: client.NoRetry, wantErr: true, wantAttempts: 1, wantRequests: 0, wantIs: syscall.ECONNREFUSED},
		{name: "reset after the request was sent", handler: resetAfterRead, policy: fastRetries, wantErr: true, wantAttempts: 1, wantRequests: 1},
		{name: "429 with Retry-After, then served", handler: retryAfterThenSuccess(429, "0", 1), policy: fastRetries, wantAttempts: 2, wantRequests: 2},
		{name: "503 with Retry-After twice, then served", handler: retryAfterThenSuccess(503, "0", 2), policy: fastRetries, wantAttempts: 3, wantRequests: 3},
		{name: "429 with a past Retry-After date", handler: retryAfterThenSuccess(429, "Mon, 02 Jan 2006 15:04:05 GMT", 1), policy: fastRetries, wantAttempts: 2, wantRequests: 2},
		{name: "503 every time", handler: retryAfterThenSuccess(503, "0", 99), policy: fastRetries, wantErr: true, wantAttempts: 3, wantRequests: 3, wantIs: client.ErrServiceUnavailable},
		{name: "503 asking longer than MaxDelay", handler: retryAfterThenSuccess(503, "120", 1), policy: client.DefaultRetryPolicy, wantErr: true, wantAttempts: 1, wantRequests: 1, wantIs: client.ErrServiceUnavailable},
		{name: "429 with a malformed Retry-After", handler: retryAfterThenSuccess(429, "soon", 1), policy: fastRetries, wantErr: true, wantAttempts: 1, wantRequests: 1, wantIs: client.ErrRateLimited},
		{name: "429 with Retry-After, NoRetry", handler: retryAfterThenSuccess(429, "0", 1), policy: client.NoRetry, wantErr: true, wantAttempts: 1, wantRequests: 1, wantIs: client.ErrRateLimited},
		{name: "429 without Retry-After", handler: replyError(429, "slow down"), policy: fastRetries, wantErr: true, wantAttempts: 1, wantRequests: 1, wantIs: client.ErrRateLimited},
		{name: "500 with Retry-After", handler: retryAfterThenSuccess(500, "0", 1), policy: fastRetries, wantErr: true, wantAttempts: 1, wantRequests: 1, wantIs: client.ErrServer},
		{name: "502 with Retry-After", handler: retryAfterThenSuccess(502, "0", 1), policy: fastRetries, wantErr: true, wantAttempts: 1, wantRequests: 1, wantIs: client.ErrUpstream},
		{name: "422 is final", handler: replyError(422, "CODE_ALREADY_USED"), policy: fastRetries, wantErr: true, wantAttempts: 1, wantRequests: 1, wantIs: client.ErrCodeAlreadyUsed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newAPIServer(t, tc.handler)
			d := &flakyDialer{refusals: tc.refusals, refused: refusedAddr(t)}
			c := newClient(t, srv, client.WithHTTPClient(&http.Client{Transport: d.transport(t)}), client.WithRetryPolicy(tc.policy))

			res, err := c.ConnectChannel(context.Background(), hexChannel, validRequest)
			attempts := 0
			if tc.wantErr {
				var opErr *client.OperationError
				if !errors.As(err, &opErr) {
					t.Fatalf("ConnectChannel = %v, %v; want an *OperationError", res, err)
				}
				attempts = opErr.Attempts
				if tc.wantIs != nil && !errors.Is(err, tc.wantIs) {
					t.Errorf("error %v does not match %v", err, tc.wantIs)
				}
			} else {
				if err != nil {
					t.Fatalf("ConnectChannel: %v", err)
				}
				attempts = res.Attempts
			}
			if attempts != tc.wantAttempts {
				t.Errorf("attempts = %d, want %d (error: %v)", attempts, tc.wantAttempts, err)
			}
			seen := srv.requests()
			if len(seen) != tc.wantRequests {
				t.Errorf("server saw %d requests, want %d", len(seen), tc.wantRequests)
			}
			for i := 1; i < len(seen); i++ {
				if diff := cmp.Diff(seen[0].Body, seen[i].Body); diff != "" {
					t.Errorf("request %d body differs from the first (-first +this):\n%s", i+1, diff)
				}
			}
		})
	}
}

func TestRetryNeverOutlivesTheDeadline(t *testing.T) {
	t.Parallel()
	slowPolicy := client.RetryPolicy{MaxAttempts: 5, BaseDelay: time.Hour, MaxDelay: time.Hour}
	tests := []struct {
		name     string
		handler  http.HandlerFunc
		refusals int32
		wantIs   error
	}{
		{name: "backoff after a refused connection", handler: replySuccess, refusals: 99, wantIs: syscall.ECONNREFUSED},
		{
			name: "Retry-After past the deadline",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Retry-After", "120")
				replyError(429, "slow down")(w, r)
			},
			wantIs: client.ErrRateLimited,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newAPIServer(t, tc.handler)
			d := &flakyDialer{refusals: tc.refusals, refused: refusedAddr(t)}
			c := newClient(t, srv, client.WithHTTPClient(&http.Client{Transport: d.transport(t)}), client.WithRetryPolicy(slowPolicy))
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()

			_, err := c.ConnectChannel(ctx, hexChannel, validRequest)
			if ctx.Err() != nil {
				t.Fatal("ConnectChannel waited for the deadline; it should have returned the last error at once")
			}
			var opErr *client.OperationError
			if !errors.As(err, &opErr) || opErr.Attempts != 1 || !errors.Is(err, tc.wantIs) {
				t.Errorf("error %v, want the first attempt's error, matching %v", err, tc.wantIs)
			}
		})
	}
}

func TestRetryStopsWhenTheContextIsCanceled(t *testing.T) {
	t.Parallel()
	srv := newAPIServer(t, replySuccess)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	d := &flakyDialer{refusals: 99, refused: refusedAddr(t), onDial: func(int32) { cancel() }}
	policy := client.RetryPolicy{MaxAttempts: 5, BaseDelay: time.Hour, MaxDelay: time.Hour}
	c := newClient(t, srv, client.WithHTTPClient(&http.Client{Transport: d.transport(t)}), client.WithRetryPolicy(policy))

	_, err := c.ConnectChannel(ctx, hexChannel, validRequest)
	var opErr *client.OperationError
	if !errors.As(err, &opErr) || opErr.Attempts != 1 {
		t.Fatalf("error %v, want one attempt", err)
	}
	if n := d.dials.Load(); n != 1 {
		t.Errorf("%d dials, want 1", n)
	}
}

func TestTimeoutsAreNotRetried(t *testing.T) {
	t.Parallel()
	blockUntilGone := func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }
	slowBody := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		fmt.Fprint(w, `{"succ`)
		http.NewResponseController(w).Flush()
		<-r.Context().Done()
	}
	tests := []struct {
		name       string
		handler    http.HandlerFunc
		opts       []client.Option
		ctxTimeout time.Duration
		wantStatus int // of the *APIError; 0: no response
	}{
		{name: "no response within WithTimeout", handler: blockUntilGone, opts: []client.Option{client.WithTimeout(50 * time.Millisecond)}},
		{name: "no response within the context deadline", handler: blockUntilGone, ctxTimeout: 50 * time.Millisecond},
		{name: "slow body past WithTimeout", handler: slowBody, opts: []client.Option{client.WithTimeout(50 * time.Millisecond)}, wantStatus: 200},
		{name: "slow body past the context deadline", handler: slowBody, ctxTimeout: 50 * time.Millisecond, wantStatus: 200},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newAPIServer(t, tc.handler)
			c := newClient(t, srv, append(tc.opts, client.WithRetryPolicy(fastRetries))...)
			ctx := context.Background()
			if tc.ctxTimeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tc.ctxTimeout)
				defer cancel()
			}
			_, err := c.ConnectChannel(ctx, hexChannel, validRequest)
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("error %v, want one matching context.DeadlineExceeded", err)
			}
			var apiErr *client.APIError
			gotStatus := 0
			if errors.As(err, &apiErr) {
				gotStatus = apiErr.StatusCode
			}
			if gotStatus != tc.wantStatus {
				t.Errorf("APIError status %d, want %d (error %v)", gotStatus, tc.wantStatus, err)
			}
			if n := len(srv.requests()); n != 1 {
				t.Errorf("server saw %d requests, want 1", n)
			}
		})
	}
}
