package client_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hubmessage/hubmessage-go/client"
	"github.com/hubmessage/hubmessage-go/mockserver"
	"github.com/hubmessage/hubmessage-go/mockserver/mocktest"
)

// lifecycleOp is one Client method, called with valid input, as the tests below see it.
type lifecycleOp struct {
	name    string // the Client method, as OperationError.Op names it
	route   string
	success http.HandlerFunc // the documented success
	// channelID is the channel the call names; "" for create, which names none.
	channelID string
	call      func(context.Context, *client.Client) (channelID string, attempts int, err error)
}

var replyNoContent http.HandlerFunc = func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }

var lifecycleOps = []lifecycleOp{
	{
		name: "CreateChannel", route: createRoute, success: reply(201, `{"id":"`+hexChannel+`"}`),
		call: func(ctx context.Context, c *client.Client) (string, int, error) {
			r, err := c.CreateChannel(ctx, client.CreateChannelRequest{Name: "Sales channel", Type: client.ChannelTypeMetaWhatsApp})
			if err != nil {
				return "", 0, err
			}
			return r.ChannelID, r.Attempts, nil
		},
	},
	{
		name: "ConnectChannel", route: connectRoute, success: replySuccess, channelID: hexChannel,
		call: func(ctx context.Context, c *client.Client) (string, int, error) {
			r, err := c.ConnectChannel(ctx, hexChannel, validRequest)
			if err != nil {
				return "", 0, err
			}
			return r.ChannelID, r.Attempts, nil
		},
	},
	{
		name: "DisconnectChannel", route: disconnectRoute, success: reply(200, "true"), channelID: uuidChannel,
		call: func(ctx context.Context, c *client.Client) (string, int, error) {
			r, err := c.DisconnectChannel(ctx, uuidChannel)
			if err != nil {
				return "", 0, err
			}
			return r.ChannelID, r.Attempts, nil
		},
	},
	{
		name: "DeleteChannel", route: deleteRoute, success: replyNoContent, channelID: hexChannel,
		call: func(ctx context.Context, c *client.Client) (string, int, error) {
			r, err := c.DeleteChannel(ctx, hexChannel, &client.DeleteOptions{Reason: "Customer closed the company"})
			if err != nil {
				return "", 0, err
			}
			return r.ChannelID, r.Attempts, nil
		},
	},
}

func lifecycleOpNamed(name string) lifecycleOp {
	for _, op := range lifecycleOps {
		if op.name == name {
			return op
		}
	}
	panic("no operation " + name)
}

// TestLifecycleSendsTheSpecRequests: each method sends its route, the headers every request
// carries, and its body exactly; a request without a body announces no Content-Type.
func TestLifecycleSendsTheSpecRequests(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		route     string
		handler   http.HandlerFunc
		call      func(context.Context, *client.Client) (any, error)
		want      any
		wantBody  string // "" means no body at all
		wantInURL string // the channelId in the path; "" for create
	}{
		{
			name: "create", route: createRoute, handler: reply(201, `{"id":"`+hexChannel+`"}`),
			call: func(ctx context.Context, c *client.Client) (any, error) {
				return c.CreateChannel(ctx, client.CreateChannelRequest{Name: "Sales channel", Type: client.ChannelTypeMetaWhatsApp})
			},
			want: &client.CreateResult{ChannelID: hexChannel, Attempts: 1}, wantBody: `{"name":"Sales channel","type":"META_WHATSAPP"}`,
		},
		{
			name: "create a Telegram bot, id in the UUID form", route: createRoute, handler: reply(201, `{"id":"`+uuidChannel+`"}`),
			call: func(ctx context.Context, c *client.Client) (any, error) {
				return c.CreateChannel(ctx, client.CreateChannelRequest{Name: "Telegram channel", Type: client.ChannelTypeBotTelegram})
			},
			want: &client.CreateResult{ChannelID: uuidChannel, Attempts: 1}, wantBody: `{"name":"Telegram channel","type":"BOT_TELEGRAM"}`,
		},
		{
			name: "disconnect", route: disconnectRoute, handler: reply(200, "true"),
			call:      func(ctx context.Context, c *client.Client) (any, error) { return c.DisconnectChannel(ctx, uuidChannel) },
			want:      &client.DisconnectResult{ChannelID: uuidChannel, Attempts: 1},
			wantInURL: uuidChannel,
		},
		{
			name: "delete, nil options", route: deleteRoute, handler: replyNoContent,
			call:      func(ctx context.Context, c *client.Client) (any, error) { return c.DeleteChannel(ctx, hexChannel, nil) },
			want:      &client.DeleteResult{ChannelID: hexChannel, Attempts: 1},
			wantInURL: hexChannel,
		},
		{
			name: "delete, empty reason", route: deleteRoute, handler: replyNoContent,
			call: func(ctx context.Context, c *client.Client) (any, error) {
				return c.DeleteChannel(ctx, hexChannel, &client.DeleteOptions{})
			},
			want:      &client.DeleteResult{ChannelID: hexChannel, Attempts: 1},
			wantInURL: hexChannel,
		},
		{
			name: "delete with a reason", route: deleteRoute, handler: replyNoContent,
			call: func(ctx context.Context, c *client.Client) (any, error) {
				return c.DeleteChannel(ctx, uuidChannel, &client.DeleteOptions{Reason: "Customer closed the company"})
			},
			want:      &client.DeleteResult{ChannelID: uuidChannel, Attempts: 1},
			wantBody:  `{"cancelReason":"Customer closed the company"}`,
			wantInURL: uuidChannel,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newRouteServer(t, tc.route, tc.handler)
			got, err := tc.call(context.Background(), newClient(t, srv))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("result (-want +got):\n%s", diff)
			}
			seen := srv.requests()
			if len(seen) != 1 {
				t.Fatalf("server saw %d requests, want 1", len(seen))
			}
			r := seen[0]
			if r.ChannelID != tc.wantInURL {
				t.Errorf("channelId in the path = %q, want %q", r.ChannelID, tc.wantInURL)
			}
			wantHeaders := map[string]string{
				"Authorization": "Bearer " + testKey,
				"Accept":        "application/json",
				"User-Agent":    client.DefaultUserAgent,
				"Content-Type":  "application/json",
			}
			if tc.wantBody == "" {
				delete(wantHeaders, "Content-Type")
				if _, ok := r.Header["Content-Type"]; ok {
					t.Errorf("a request without a body has Content-Type %q", r.Header["Content-Type"])
				}
				if r.ContentLength != 0 || r.Body != "" {
					t.Errorf("request body %q (Content-Length %d), want none", r.Body, r.ContentLength)
				}
			}
			for name, want := range wantHeaders {
				if got := r.Header.Get(name); got != want {
					t.Errorf("header %s = %q, want %q", name, got, want)
				}
			}
			if tc.wantBody != "" && r.Body != tc.wantBody {
				t.Errorf("request body %s, want %s", r.Body, tc.wantBody)
			}
		})
	}
}

// TestLifecycleErrors: each operation's documented failures match their sentinels, and a 2xx
// other than its documented success is ErrUnexpectedResponse; none is retried.
func TestLifecycleErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		op          string
		name        string
		handler     http.HandlerFunc
		wantStatus  int
		wantMatches []string
		wantErr     string // a part of the error's text
	}{
		{op: "CreateChannel", name: "400", handler: replyError(400, "Validation error"), wantStatus: 400, wantMatches: []string{"ErrInvalidRequest"}},
		{op: "CreateChannel", name: "401", handler: replyError(401, "Unauthorized"), wantStatus: 401, wantMatches: []string{"ErrUnauthorized"}},
		{op: "CreateChannel", name: "422 ENTERPRISE", handler: replyError(422, "This action requires ENTERPRISE role"), wantStatus: 422, wantMatches: []string{"ErrEnterpriseRequired", "ErrRejected"}},
		{op: "CreateChannel", name: "502", handler: replyError(502, "Integration error"), wantStatus: 502, wantMatches: []string{"ErrUpstream"}},
		{op: "CreateChannel", name: "503", handler: replyError(503, "sandbox full"), wantStatus: 503, wantMatches: []string{"ErrServer", "ErrServiceUnavailable"}},
		{op: "CreateChannel", name: "200 instead of 201", handler: reply(200, `{"id":"`+hexChannel+`"}`), wantStatus: 200, wantMatches: []string{"ErrUnexpectedResponse"}, wantErr: "not a response this operation documents"},
		{op: "CreateChannel", name: "201 without an id", handler: reply(201, `{}`), wantStatus: 201, wantMatches: []string{"ErrUnexpectedResponse"}, wantErr: `response body: "id" is empty`},
		{op: "CreateChannel", name: "201 with no content", handler: reply(201, ``), wantStatus: 201, wantMatches: []string{"ErrUnexpectedResponse"}, wantErr: "response body: unexpected end of JSON input"},

		{op: "ConnectChannel", name: "422 CHANNEL_TYPE_NOT_SUPPORTED", handler: replyError(422, "CHANNEL_TYPE_NOT_SUPPORTED"), wantStatus: 422, wantMatches: []string{"ErrChannelType", "ErrRejected"}},
		{op: "ConnectChannel", name: "503", handler: replyError(503, "sandbox full"), wantStatus: 503, wantMatches: []string{"ErrServer", "ErrServiceUnavailable"}},

		{op: "DisconnectChannel", name: "404", handler: replyError(404, "Channel not found"), wantStatus: 404, wantMatches: []string{"ErrChannelNotFound"}},
		{op: "DisconnectChannel", name: "401", handler: replyError(401, "Unauthorized"), wantStatus: 401, wantMatches: []string{"ErrUnauthorized"}},
		{op: "DisconnectChannel", name: "200 false", handler: reply(200, "false"), wantStatus: 200, wantMatches: []string{"ErrUnexpectedResponse"}, wantErr: "response body: false, not true"},
		{op: "DisconnectChannel", name: "200 null", handler: reply(200, "null"), wantStatus: 200, wantMatches: []string{"ErrUnexpectedResponse"}, wantErr: "response body: false, not true"},
		{op: "DisconnectChannel", name: "200 connect's object", handler: reply(200, `{"success":true}`), wantStatus: 200, wantMatches: []string{"ErrUnexpectedResponse"}, wantErr: "cannot unmarshal object"},
		{op: "DisconnectChannel", name: "204", handler: replyNoContent, wantStatus: 204, wantMatches: []string{"ErrUnexpectedResponse"}, wantErr: "not a response this operation documents"},

		{op: "DeleteChannel", name: "404", handler: replyError(404, "Instance not found"), wantStatus: 404, wantMatches: []string{"ErrChannelNotFound"}},
		{op: "DeleteChannel", name: "422 INSTANCE_STILL_CONNECTED", handler: replyError(422, "INSTANCE_STILL_CONNECTED"), wantStatus: 422, wantMatches: []string{"ErrChannelConnected", "ErrRejected"}},
		{op: "DeleteChannel", name: "422 INSTANCE_HAS_ACTIVE_SUBSCRIPTION", handler: replyError(422, "INSTANCE_HAS_ACTIVE_SUBSCRIPTION"), wantStatus: 422, wantMatches: []string{"ErrActiveSubscription", "ErrRejected"}},
		{op: "DeleteChannel", name: "422 ENTERPRISE", handler: replyError(422, "Channel deletion requires ENTERPRISE role"), wantStatus: 422, wantMatches: []string{"ErrEnterpriseRequired", "ErrRejected"}},
		{op: "DeleteChannel", name: "502", handler: replyError(502, "Hermitage deleteChannel failed"), wantStatus: 502, wantMatches: []string{"ErrUpstream"}},
		{op: "DeleteChannel", name: "200 with a body", handler: reply(200, `{}`), wantStatus: 200, wantMatches: []string{"ErrUnexpectedResponse"}, wantErr: "not a response this operation documents"},
	}
	for _, tc := range tests {
		t.Run(tc.op+"/"+tc.name, func(t *testing.T) {
			t.Parallel()
			op := lifecycleOpNamed(tc.op)
			srv := newRouteServer(t, op.route, tc.handler)
			_, _, err := op.call(context.Background(), newClient(t, srv, client.WithRetryPolicy(fastRetries)))
			var opErr *client.OperationError
			var apiErr *client.APIError
			if !errors.As(err, &opErr) || !errors.As(err, &apiErr) {
				t.Fatalf("error %v (%T), want an *OperationError holding an *APIError", err, err)
			}
			if opErr.Op != tc.op || opErr.ChannelID != op.channelID || opErr.Attempts != 1 {
				t.Errorf("OperationError{Op %q, ChannelID %q, Attempts %d}, want {%q, %q, 1}", opErr.Op, opErr.ChannelID, opErr.Attempts, tc.op, op.channelID)
			}
			if apiErr.StatusCode != tc.wantStatus {
				t.Errorf("status %d, want %d", apiErr.StatusCode, tc.wantStatus)
			}
			if diff := cmp.Diff(tc.wantMatches, matching(err)); diff != "" {
				t.Errorf("sentinels matched (-want +got):\n%s", diff)
			}
			if !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("error %q lacks %q", err, tc.wantErr)
			}
			if n := len(srv.requests()); n != 1 {
				t.Errorf("server saw %d requests, want 1", n)
			}
		})
	}
}

// TestLifecycleRejectsBadInputWithoutNetwork: each operation checks its input against the
// spec's rules before sending anything.
func TestLifecycleRejectsBadInputWithoutNetwork(t *testing.T) {
	t.Parallel()
	create := func(name string, typ client.ChannelType) func(context.Context, *client.Client) error {
		return func(ctx context.Context, c *client.Client) error {
			_, err := c.CreateChannel(ctx, client.CreateChannelRequest{Name: name, Type: typ})
			return err
		}
	}
	tests := []struct {
		name          string
		call          func(context.Context, *client.Client) error
		wantErr       string // the whole cause
		wantChannelID string
	}{
		{name: "create: no name", call: create("", client.ChannelTypeMetaWhatsApp), wantErr: "name: must not be empty"},
		{name: "create: name too long", call: create(strings.Repeat("n", 1025), client.ChannelTypeMetaWhatsApp), wantErr: "name: must be at most 1024 characters, have 1025"},
		{name: "create: no type", call: create("Sales", ""), wantErr: "type: must be one of META_WHATSAPP, META_INSTAGRAM, META_MESSENGER, BOT_TELEGRAM"},
		{name: "create: lower-case type", call: create("Sales", "meta_whatsapp"), wantErr: "type: must be one of META_WHATSAPP, META_INSTAGRAM, META_MESSENGER, BOT_TELEGRAM"},
		{name: "create: both", call: create("", "SMS"), wantErr: "name: must not be empty; type: must be one of"},
		{
			name: "disconnect: bad channel",
			call: func(ctx context.Context, c *client.Client) error {
				_, err := c.DisconnectChannel(ctx, "channel-1")
				return err
			},
			wantErr: patternProblem("channelId"),
		},
		{
			name: "delete: bad channel",
			call: func(ctx context.Context, c *client.Client) error {
				_, err := c.DeleteChannel(ctx, hexChannel+"0", nil)
				return err
			},
			wantErr: patternProblem("channelId"),
		},
		{
			name: "delete: reason too long",
			call: func(ctx context.Context, c *client.Client) error {
				_, err := c.DeleteChannel(ctx, hexChannel, &client.DeleteOptions{Reason: strings.Repeat("r", 4097)})
				return err
			},
			wantErr: "cancelReason: must be at most 4096 characters, have 4097", wantChannelID: hexChannel,
		},
		{
			name: "delete: reason not UTF-8",
			call: func(ctx context.Context, c *client.Client) error {
				_, err := c.DeleteChannel(ctx, hexChannel, &client.DeleteOptions{Reason: "bye\xff"})
				return err
			},
			wantErr: "cancelReason: must be valid UTF-8", wantChannelID: hexChannel,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := tc.call(context.Background(), offlineClient(t))
			var opErr *client.OperationError
			if !errors.As(err, &opErr) || !errors.Is(err, client.ErrInvalidInput) {
				t.Fatalf("error %v, want an *OperationError matching ErrInvalidInput", err)
			}
			if !strings.HasPrefix(opErr.Err.Error(), tc.wantErr) {
				t.Errorf("cause %q, want prefix %q", opErr.Err, tc.wantErr)
			}
			if opErr.Attempts != 0 || opErr.ChannelID != tc.wantChannelID {
				t.Errorf("Attempts %d, ChannelID %q; want 0 and %q", opErr.Attempts, opErr.ChannelID, tc.wantChannelID)
			}
		})
	}
}

// TestLifecycleRetryRules: create is never repeated once a request may have reached the
// server, not even after a 503 or 429 that asks to retry; the other operations follow the
// Retry-After. Every operation is retried when the connection could not be made at all.
func TestLifecycleRetryRules(t *testing.T) {
	t.Parallel()
	type outcome struct {
		Requests int32 // the server saw
		Attempts int   // the call reports
		Failed   bool
	}
	for _, op := range lifecycleOps {
		retriesAfterSending := op.name != "CreateChannel"
		tests := []struct {
			name     string
			status   int // the first request's answer, with Retry-After: 0; 0 means success
			refusals int32
			want     outcome
		}{
			{name: "503 with Retry-After", status: 503, want: map[bool]outcome{true: {Requests: 2, Attempts: 2}, false: {Requests: 1, Attempts: 1, Failed: true}}[retriesAfterSending]},
			{name: "429 with Retry-After", status: 429, want: map[bool]outcome{true: {Requests: 2, Attempts: 2}, false: {Requests: 1, Attempts: 1, Failed: true}}[retriesAfterSending]},
			{name: "connection refused", refusals: 1, want: outcome{Requests: 1, Attempts: 2}},
			{name: "500 with Retry-After", status: 500, want: outcome{Requests: 1, Attempts: 1, Failed: true}},
		}
		for _, tc := range tests {
			t.Run(op.name+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				var requests atomic.Int32
				srv := newRouteServer(t, op.route, func(w http.ResponseWriter, r *http.Request) {
					if requests.Add(1) == 1 && tc.status != 0 {
						w.Header().Set("Retry-After", "0")
						replyError(tc.status, "try again")(w, r)
						return
					}
					op.success(w, r)
				})
				d := &flakyDialer{refusals: tc.refusals, refused: refusedAddr(t)}
				c := newClient(t, srv, client.WithHTTPClient(&http.Client{Transport: d.transport(t)}), client.WithRetryPolicy(fastRetries))
				_, attempts, err := op.call(context.Background(), c)
				var opErr *client.OperationError
				if errors.As(err, &opErr) {
					attempts = opErr.Attempts
				}
				got := outcome{Requests: requests.Load(), Attempts: attempts, Failed: err != nil}
				if diff := cmp.Diff(tc.want, got); diff != "" {
					t.Errorf("(-want +got):\n%s\nerror: %v", diff, err)
				}
			})
		}
	}
}

// TestCreateIsNeverRetriedOnceSent: a 503 asking to retry at once, again and again: create
// sends one request and reports the 503, where disconnect follows Retry-After up to
// MaxAttempts.
func TestCreateIsNeverRetriedOnceSent(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		op           string
		wantRequests int32
	}{
		{op: "CreateChannel", wantRequests: 1},
		{op: "DisconnectChannel", wantRequests: int32(fastRetries.MaxAttempts)},
	} {
		t.Run(tc.op, func(t *testing.T) {
			t.Parallel()
			op := lifecycleOpNamed(tc.op)
			var requests atomic.Int32
			srv := newRouteServer(t, op.route, func(w http.ResponseWriter, r *http.Request) {
				requests.Add(1)
				w.Header().Set("Retry-After", "0")
				replyError(http.StatusServiceUnavailable, "sandbox full: retry later")(w, r)
			})
			_, _, err := op.call(context.Background(), newClient(t, srv, client.WithRetryPolicy(fastRetries)))
			if !errors.Is(err, client.ErrServiceUnavailable) {
				t.Errorf("error %v, want one matching ErrServiceUnavailable", err)
			}
			if got := requests.Load(); got != tc.wantRequests {
				t.Errorf("server saw %d requests, want %d", got, tc.wantRequests)
			}
		})
	}
}

// TestCreateAfterAResetIsNotRetried: the server read the create request, then the
// connection broke before an answer: the channel may exist, so it is not created again.
func TestCreateAfterAResetIsNotRetried(t *testing.T) {
	t.Parallel()
	srv := newRouteServer(t, createRoute, func(w http.ResponseWriter, _ *http.Request) {
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			panic(err)
		}
		conn.(*net.TCPConn).SetLinger(0)
		conn.Close()
	})
	c := newClient(t, srv, client.WithRetryPolicy(fastRetries))
	_, err := c.CreateChannel(context.Background(), client.CreateChannelRequest{Name: "Sales", Type: client.ChannelTypeMetaInstagram})
	var opErr *client.OperationError
	if !errors.As(err, &opErr) || opErr.Attempts != 1 {
		t.Fatalf("error %v, want one failed attempt", err)
	}
	if n := len(srv.requests()); n != 1 {
		t.Errorf("server saw %d requests, want 1", n)
	}
}

// TestLifecycleRulesAgainstTheReferenceServer: the refusals the reference server simulates
// reach the caller as their sentinels.
func TestLifecycleRulesAgainstTheReferenceServer(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	newRefClient := func(t *testing.T, opts ...mockserver.Option) *client.Client {
		ts := mocktest.Start(t, opts...)
		c, err := client.New(ts.SecretKey, client.WithBaseURL(ts.URL))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	t.Run("no ENTERPRISE role", func(t *testing.T) {
		t.Parallel()
		c := newRefClient(t, mockserver.WithEnterpriseRole(false))
		_, err := c.CreateChannel(ctx, client.CreateChannelRequest{Name: "Sales", Type: client.ChannelTypeMetaMessenger})
		if !errors.Is(err, client.ErrEnterpriseRequired) {
			t.Errorf("create: %v, want ErrEnterpriseRequired", err)
		}
		_, err = c.DeleteChannel(ctx, mockserver.ChannelInstagram, nil)
		if !errors.Is(err, client.ErrEnterpriseRequired) {
			t.Errorf("delete: %v, want ErrEnterpriseRequired", err)
		}
	})
	t.Run("active subscription", func(t *testing.T) {
		t.Parallel()
		c := newRefClient(t, mockserver.WithSubscription(mockserver.ChannelInstagram, mockserver.SubscriptionPaid))
		_, err := c.DeleteChannel(ctx, mockserver.ChannelInstagram, &client.DeleteOptions{Reason: "test"})
		if !errors.Is(err, client.ErrActiveSubscription) {
			t.Errorf("delete: %v, want ErrActiveSubscription", err)
		}
	})
	t.Run("connect a channel that is not WhatsApp", func(t *testing.T) {
		t.Parallel()
		c := newRefClient(t)
		_, err := c.ConnectChannel(ctx, mockserver.ChannelInstagram, validRequest)
		if !errors.Is(err, client.ErrChannelType) {
			t.Errorf("connect: %v, want ErrChannelType", err)
		}
	})
}
