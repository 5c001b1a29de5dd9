package connecthandler_test

import (
	stdcmp "cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hubmessage/hubmessage-go/client"
	"github.com/hubmessage/hubmessage-go/connecthandler"
	"github.com/hubmessage/hubmessage-go/mockserver"
	"github.com/hubmessage/hubmessage-go/mockserver/mocktest"
)

// connectWith connects channelID with code through a client of its own, as another backend
// would: it spends the code, or connects the channel.
func connectWith(t *testing.T, api *mocktest.Server, channelID, code string) {
	t.Helper()
	c := newClient(t, api.URL, api.SecretKey)
	req := client.ConnectRequest{WabaID: "1", PhoneID: "2", Code: code}
	if _, err := c.ConnectChannel(context.Background(), channelID, req); err != nil {
		t.Fatalf("preparing: %v", err)
	}
}

// stub answers every request with status and body, as an API (or a proxy) might.
func stub(status int, body string, header ...string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, body)
	})
}

// TestMapping holds every way a connect can end against what the browser gets and what the
// log says; none may show the Secret Key or the code.
func TestMapping(t *testing.T) {
	t.Parallel()
	const (
		wrongKey = "sk_test_WRONG_key_NEVER_SHOWN_91c2"
		thirdKey = "sk_test_third_tenant_NEVER_SHOWN_b7"
	)
	refused := httptest.NewServer(http.NotFoundHandler())
	refused.Close() // its port now refuses connections

	tests := []struct {
		name      string
		code      string // the payload's code; "" for one unique to the case
		body      string // the whole payload, instead of payload(code)
		apiOpts   []mockserver.Option
		prepare   func(t *testing.T, api *mocktest.Server, code string)
		channel   string // what ChannelID returns; "" for mockserver.ChannelUUID
		channelFn func(*http.Request) (string, error)
		authorize func(*http.Request) error
		key       string       // the handler's client's Secret Key; "" for testKey
		api       http.Handler // an API stand-in, instead of the reference server
		baseURL   string       // the client's base URL, instead of the API's
		prefer    string       // a Prefer header for the reference server
		opts      []client.Option

		status    int
		reason    string
		message   string // a substring of the answer's message
		logMsg    string // a substring of the log line's message
		logErr    string // a substring of the log line's error
		apiStatus int    // the log's api_status, when not 0
		hits      int    // requests that reach the API (the handler's client's attempts)
		connected bool   // whether ChannelUUID is connected afterwards
	}{
		{name: "connected", status: 200, reason: "connected", logMsg: "channel connected", hits: 1, connected: true},

		{name: "code expired, magic code", code: mockserver.ExpiredCodePrefix + "-secret-c0de-1",
			status: 422, reason: "code_expired", message: "The signup took too long; start it again.", hits: 1},
		{name: "code expired, ExpireCode",
			prepare: func(t *testing.T, api *mocktest.Server, code string) { api.Server.ExpireCode(code) },
			status:  422, reason: "code_expired", hits: 1},
		{name: "code used",
			prepare: func(t *testing.T, api *mocktest.Server, code string) {
				connectWith(t, api, mockserver.ChannelHex, code)
			},
			status: 422, reason: "code_used", message: "This signup was already used; start it again.", hits: 1},
		{name: "channel connected",
			prepare: func(t *testing.T, api *mocktest.Server, code string) {
				connectWith(t, api, mockserver.ChannelUUID, "another-code-for-the-first-connect")
			},
			status: 409, reason: "channel_connected", message: "disconnect it first", hits: 1, connected: true},
		{name: "channel type", channel: mockserver.ChannelInstagram,
			status: 422, reason: "channel_type", hits: 1},
		{name: "channel not found", channel: "5b0e8c2e-1d4f-4a8b-9c3d-7e6f5a4b3c2d",
			status: 404, reason: "not_found", hits: 1},

		{name: "upstream, magic code", code: mockserver.UpstreamErrorPrefix + "-secret-c0de-2",
			status: 502, reason: "upstream", hits: 1},
		{name: "upstream, FailUpstream",
			prepare: func(t *testing.T, api *mocktest.Server, code string) {
				if err := api.Server.FailUpstream(mockserver.ChannelUUID); err != nil {
					t.Fatal(err)
				}
			},
			status: 502, reason: "upstream", apiStatus: 502, hits: 1},
		{name: "upstream, API 500", prefer: "code=500", status: 502, reason: "upstream", hits: 1},
		{name: "upstream, success false", api: stub(200, `{"success":false}`), status: 502, reason: "upstream", hits: 1},

		// A client that never waits: even a 503 asking for a short Retry-After is not retried.
		{name: "unavailable, API 503", prefer: "code=503", status: 503, reason: "unavailable", hits: 1,
			opts: []client.Option{client.WithRetryPolicy(client.RetryPolicy{MaxAttempts: 3, BaseDelay: time.Millisecond, MaxDelay: 500 * time.Millisecond})}},
		{name: "unavailable, sandbox full",
			apiOpts: []mockserver.Option{mockserver.WithSandbox(mockserver.SandboxConfig{MaxKeys: 1})},
			prepare: func(t *testing.T, api *mocktest.Server, code string) {
				// Another tenant takes the only place.
				c := newClient(t, api.URL, "sk_test_other_tenant")
				c.ConnectChannel(context.Background(), mockserver.ChannelUUID, client.ConnectRequest{WabaID: "1", PhoneID: "2", Code: "x"})
			},
			key: thirdKey, status: 503, reason: "unavailable", hits: 1},
		{name: "unavailable, rate limited", api: stub(429, `{"error":429,"message":"slow down"}`),
			status: 503, reason: "unavailable", hits: 1},
		{name: "unavailable, connection refused", baseURL: refused.URL,
			opts:   []client.Option{client.WithRetryPolicy(client.RetryPolicy{MaxAttempts: 2, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond})},
			status: 503, reason: "unavailable", logErr: "connection refused", hits: 2},

		{name: "misconfigured, Secret Key rejected", key: wrongKey,
			status: 500, reason: "misconfigured", message: "misconfigured", logMsg: "Secret Key rejected", apiStatus: 401, hits: 1},
		{name: "misconfigured, ChannelID returns no channel id", channel: "not-a-channel",
			status: 500, reason: "misconfigured", logMsg: "ChannelID returned an id the API would refuse", hits: 0},
		{name: "misconfigured, redirect", api: stub(307, `{}`, "Location", "https://elsewhere.example/"),
			status: 500, reason: "misconfigured", apiStatus: 307, hits: 1},
		{name: "misconfigured, undocumented 403", api: stub(403, `{"error":403,"message":"Forbidden"}`),
			status: 500, reason: "misconfigured", hits: 1},
		{name: "rejected, unknown 422", api: stub(422, `{"error":422,"message":"SOMETHING_NEW"}`),
			status: 422, reason: "rejected", hits: 1},

		{name: "invalid payload, API 400", prefer: "code=400", status: 400, reason: "invalid_payload", hits: 1},
		{name: "invalid payload, wabaId not digits",
			body:   `{"wabaId":"WABA-1","phoneId":"123","code":"secret-c0de-3","coexistence":true}`,
			status: 400, reason: "invalid_payload", message: "wabaId: must be decimal digits", hits: 0},
		{name: "invalid payload, code too long", code: strings.Repeat("secret-c0de-4-", 300),
			status: 400, reason: "invalid_payload", message: "code: ", hits: 0},

		{name: "unauthorized", authorize: func(*http.Request) error { return errors.New("no session cookie") },
			status: 401, reason: "unauthorized", message: "sign in", logErr: "no session cookie", hits: 0},
		{name: "forbidden by Authorize", authorize: func(*http.Request) error { return fmt.Errorf("role viewer: %w", connecthandler.ErrForbidden) },
			status: 403, reason: "unauthorized", logErr: "role viewer", hits: 0},
		{name: "forbidden by ChannelID",
			channelFn: func(*http.Request) (string, error) {
				return "", fmt.Errorf("no channel: %w", connecthandler.ErrForbidden)
			},
			status: 403, reason: "unauthorized", hits: 0},
		{name: "internal, ChannelID fails",
			channelFn: func(*http.Request) (string, error) { return "", errors.New("database down") },
			status:    500, reason: "internal", logMsg: "ChannelID failed", logErr: "database down", hits: 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code := tc.code
			if code == "" {
				code = "secret-c0de-" + strings.ReplaceAll(tc.name, " ", "-")
			}
			body := tc.body
			if body == "" {
				body = payload(code)
			}
			api := mocktest.Start(t, append([]mockserver.Option{mockserver.WithSecretKey(testKey)}, tc.apiOpts...)...)
			if tc.prepare != nil {
				tc.prepare(t, api, code)
			}
			b := backend{key: testKey, baseURL: api.URL, prefer: tc.prefer}
			if tc.key != "" {
				b.key = tc.key
			}
			if tc.api != nil {
				stand := httptest.NewServer(tc.api)
				t.Cleanup(stand.Close)
				b.baseURL = stand.URL
			}
			if tc.baseURL != "" {
				b.baseURL = tc.baseURL
			}
			cfg := connecthandler.Config{ChannelID: tc.channelFn, Authorize: tc.authorize}
			if tc.channel != "" {
				cfg.ChannelID = func(*http.Request) (string, error) { return tc.channel, nil }
			}
			e := mount(t, api, cfg, b, tc.opts...)

			a := post(t, e.url, body)

			e.checkSecrets(t, a, testKey, wrongKey, thirdKey, code)
			var rec map[string]any
			if tc.status == http.StatusOK {
				want := map[string]any{"connected": true, "channelId": mockserver.ChannelUUID}
				if a.status != 200 || !cmp.Equal(a.body, want) {
					t.Errorf("answer %d %s; want 200 %v", a.status, a.raw, want)
				}
				rec = e.checkLog(t, 200, "connected")
			} else {
				e.checkFailure(t, a, tc.status, tc.reason)
				rec = e.logs.records(t)[0]
			}
			if msg, _ := a.body["message"].(string); !strings.Contains(msg, tc.message) {
				t.Errorf("message %q; want it to hold %q", msg, tc.message)
			}
			if got := e.apiHits.n.Load(); got != int32(tc.hits) {
				t.Errorf("%d requests reached the API; want %d", got, tc.hits)
			}
			wantLevel := "INFO"
			switch {
			case tc.status == 500:
				wantLevel = "ERROR"
			case tc.status > 500:
				wantLevel = "WARN"
			}
			if rec["level"] != wantLevel {
				t.Errorf("log level %v; want %s", rec["level"], wantLevel)
			}
			if msg, _ := rec["msg"].(string); !strings.Contains(msg, tc.logMsg) {
				t.Errorf("log message %q; want it to hold %q", msg, tc.logMsg)
			}
			if errText, _ := rec["error"].(string); !strings.Contains(errText, tc.logErr) {
				t.Errorf("log error %q; want it to hold %q", errText, tc.logErr)
			}
			if tc.apiStatus != 0 && rec["api_status"] != float64(tc.apiStatus) {
				t.Errorf("log api_status %v; want %d", rec["api_status"], tc.apiStatus)
			}
			if tc.hits > 0 && rec["attempts"] != float64(tc.hits) {
				t.Errorf("log attempts %v; want %d", rec["attempts"], tc.hits)
			}
			if wantCh := stdcmp.Or(tc.channel, mockserver.ChannelUUID); tc.hits > 0 && rec["channel"] != wantCh {
				t.Errorf("log channel %v; want %s", rec["channel"], wantCh)
			}
			ch, _ := api.Server.Channel(mockserver.ChannelUUID)
			if ch.Connected != tc.connected {
				t.Errorf("channel connected: %v; want %v", ch.Connected, tc.connected)
			}
			if tc.status == 200 && (ch.WabaID != "428083093730937" || ch.PhoneID != "123456789012345") {
				t.Errorf("channel %+v; want the payload's wabaId and phoneId", ch)
			}
		})
	}
}

// A browser that goes away does not cancel the call: the code may be spent by then.
func TestBrowserGoneStillConnects(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	arrived := make(chan struct{})
	api := mocktest.Start(t, mockserver.WithSecretKey(testKey))
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(arrived)
		<-release
		api.Server.ServeHTTP(w, r)
	}))
	t.Cleanup(slow.Close)
	e := mount(t, api, connecthandler.Config{}, backend{key: testKey, baseURL: slow.URL})

	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, e.url, strings.NewReader(payload("secret-c0de-gone")))
	req.Header.Set("Content-Type", "application/json")
	done := make(chan error)
	go func() {
		res, err := testClient.Do(req)
		if err == nil {
			res.Body.Close()
		}
		done <- err
	}()
	<-arrived
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("the browser's request: %v; want it cancelled", err)
	}
	close(release)
	select { // the handler logs once the call has ended
	case <-e.logs.written:
	case <-time.After(10 * time.Second):
		t.Fatal("no log line 10s after the API was let answer")
	}
	e.checkLog(t, 200, "connected")
	if ch, _ := api.Server.Channel(mockserver.ChannelUUID); !ch.Connected {
		t.Error("the channel is not connected: the call was cancelled with the browser's request")
	}
}

// A library is silent unless asked: without Config.Logger, nothing reaches slog.Default (every
// user's go test printed the handler's lines). Not parallel: it swaps the default logger.
func TestNoLoggerLogsNothing(t *testing.T) {
	logs := newSyncBuffer()
	defer slog.SetDefault(slog.Default())
	slog.SetDefault(slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	c, err := client.New(testKey, client.WithBaseURL("http://127.0.0.1:1"))
	if err != nil {
		t.Fatal(err)
	}
	h, err := connecthandler.New(connecthandler.Config{Client: c, ChannelID: func(*http.Request) (string, error) { return mockserver.ChannelUUID, nil }})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, mountPath, nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("GET: %d, want 405", rec.Code)
	}
	if got := logs.String(); got != "" {
		t.Errorf("slog.Default got %q, want nothing", got)
	}
}
