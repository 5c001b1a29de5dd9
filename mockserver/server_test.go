package mockserver_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/hubmessage/hubmessage-go/mockserver"
	"github.com/hubmessage/hubmessage-go/mockserver/mocktest"
)

const otherUUID = "00000000-0000-4000-8000-000000000000"

func TestConnect(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		setup     func(t *testing.T, ts *mocktest.Server)
		channelID string
		code      string
		status    int
		message   string // for errors
	}{
		{name: "uuid channel", channelID: mockserver.ChannelUUID, code: "ABC123DEF456", status: 200},
		{name: "hex channel", channelID: mockserver.ChannelHex, code: "ABC123DEF456", status: 200},
		{name: "hex channel in lower case", channelID: strings.ToLower(mockserver.ChannelHex), code: "c1", status: 200},
		{name: "unknown channel", channelID: otherUUID, code: "c1", status: 404, message: "Channel not found"},
		{name: "instagram channel", channelID: mockserver.ChannelInstagram, code: "c1", status: 422, message: "CHANNEL_TYPE_NOT_SUPPORTED"},
		{name: "code used on another channel", channelID: mockserver.ChannelUUID, code: "c1", status: 422, message: "CODE_ALREADY_USED",
			setup: func(t *testing.T, ts *mocktest.Server) { mustConnect(t, ts, mockserver.ChannelHex, "c1") }},
		{name: "same call repeated reports the code", channelID: mockserver.ChannelUUID, code: "c1", status: 422, message: "CODE_ALREADY_USED",
			setup: func(t *testing.T, ts *mocktest.Server) { mustConnect(t, ts, mockserver.ChannelUUID, "c1") }},
		{name: "still connected", channelID: mockserver.ChannelUUID, code: "c2", status: 422, message: "INSTANCE_STILL_CONNECTED",
			setup: func(t *testing.T, ts *mocktest.Server) { mustConnect(t, ts, mockserver.ChannelUUID, "c1") }},
		{name: "reconnect after Disconnect", channelID: mockserver.ChannelUUID, code: "c2", status: 200,
			setup: func(t *testing.T, ts *mocktest.Server) {
				mustConnect(t, ts, mockserver.ChannelUUID, "c1")
				if err := ts.Server.Disconnect(mockserver.ChannelUUID); err != nil {
					t.Fatal(err)
				}
			}},
		{name: "expired by ExpireCode", channelID: mockserver.ChannelUUID, code: "c1", status: 422, message: "CODE_EXPIRED",
			setup: func(t *testing.T, ts *mocktest.Server) { ts.Server.ExpireCode("c1") }},
		{name: "expired by magic code", channelID: mockserver.ChannelUUID, code: mockserver.ExpiredCodePrefix + "-x", status: 422, message: "CODE_EXPIRED"},
		{name: "used beats expired", channelID: mockserver.ChannelUUID, code: "c1", status: 422, message: "CODE_ALREADY_USED",
			setup: func(t *testing.T, ts *mocktest.Server) {
				mustConnect(t, ts, mockserver.ChannelHex, "c1")
				ts.Server.ExpireCode("c1")
			}},
		{name: "upstream failure by FailUpstream", channelID: mockserver.ChannelUUID, code: "c1", status: 502, message: "Integration error",
			setup: func(t *testing.T, ts *mocktest.Server) {
				if err := ts.Server.FailUpstream(mockserver.ChannelUUID); err != nil {
					t.Fatal(err)
				}
			}},
		{name: "upstream failure by magic code", channelID: mockserver.ChannelHex, code: mockserver.UpstreamErrorPrefix, status: 502, message: "Integration error"},
		{name: "upstream restored", channelID: mockserver.ChannelUUID, code: "c1", status: 200,
			setup: func(t *testing.T, ts *mocktest.Server) {
				if err := ts.Server.FailUpstream(mockserver.ChannelUUID); err != nil {
					t.Fatal(err)
				}
				if err := ts.Server.RestoreUpstream(mockserver.ChannelUUID); err != nil {
					t.Fatal(err)
				}
			}},
		{name: "channel added at run time", channelID: "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF", code: "c1", status: 200,
			setup: func(t *testing.T, ts *mocktest.Server) {
				if err := ts.Server.AddChannel("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF", mockserver.MetaWhatsApp); err != nil {
					t.Fatal(err)
				}
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ts := mocktest.Start(t)
			if tc.setup != nil {
				tc.setup(t, ts)
			}
			before, _ := ts.Server.Channel(tc.channelID)
			res := connect(t, ts, tc.channelID, tc.code)
			if res.status != tc.status {
				t.Fatalf("status %d body %s, want %d", res.status, res.body, tc.status)
			}
			after, _ := ts.Server.Channel(tc.channelID)
			if tc.status == 200 {
				if got := strings.TrimSpace(string(res.body)); got != `{"success":true}` {
					t.Errorf("body %s, want {\"success\":true}", got)
				}
				want := mockserver.Channel{ID: before.ID, Type: mockserver.MetaWhatsApp, Connected: true,
					WabaID: "428083093730937", PhoneID: "123456789012345", Coexistence: true}
				if diff := cmp.Diff(want, after); diff != "" {
					t.Errorf("channel after connect (-want +got):\n%s", diff)
				}
				return
			}
			if got := res.errorBody(t).Message; got != tc.message {
				t.Errorf("message %q, want %q", got, tc.message)
			}
			if diff := cmp.Diff(before, after); diff != "" {
				t.Errorf("a rejected call changed the channel (-before +after):\n%s", diff)
			}
		})
	}
}

func mustConnect(t *testing.T, ts *mocktest.Server, channelID, code string) {
	t.Helper()
	if res := connect(t, ts, channelID, code); res.status != 200 {
		t.Fatalf("setup connect %s: %d %s", channelID, res.status, res.body)
	}
}

// A simulated failure must leave the code usable: the user can retry with it.
func TestSimulatedFailuresKeepTheCode(t *testing.T) {
	t.Parallel()
	ts := mocktest.Start(t)
	if err := ts.Server.FailUpstream(mockserver.ChannelUUID); err != nil {
		t.Fatal(err)
	}
	if res := connect(t, ts, mockserver.ChannelUUID, "retry-me"); res.status != 502 {
		t.Fatalf("FailUpstream: %d %s", res.status, res.body)
	}
	if ch, _ := ts.Server.Channel(mockserver.ChannelUUID); ch.Connected {
		t.Fatal("a 502 connected the channel")
	}
	if err := ts.Server.RestoreUpstream(mockserver.ChannelUUID); err != nil {
		t.Fatal(err)
	}
	mustConnect(t, ts, mockserver.ChannelUUID, "retry-me")

	for _, code := range []string{mockserver.ExpiredCodePrefix + "1", mockserver.UpstreamErrorPrefix + "1"} {
		for range 2 { // twice: not consumed, so the same answer again rather than CODE_ALREADY_USED
			if res := connect(t, ts, mockserver.ChannelHex, code); res.status == 200 || res.errorBody(t).Message == "CODE_ALREADY_USED" {
				t.Errorf("magic code %s: %d %s", code, res.status, res.body)
			}
		}
	}
	if ch, _ := ts.Server.Channel(mockserver.ChannelHex); ch.Connected {
		t.Error("a magic code connected the channel")
	}
}

func TestGoAPIErrors(t *testing.T) {
	t.Parallel()
	s, err := mockserver.New()
	if err != nil {
		t.Fatal(err)
	}
	for name, err := range map[string]error{
		"Disconnect":      s.Disconnect(otherUUID),
		"FailUpstream":    s.FailUpstream(otherUUID),
		"RestoreUpstream": s.RestoreUpstream(otherUUID),
		"AddChannel dup":  s.AddChannel(strings.ToLower(mockserver.ChannelHex), mockserver.BotTelegram),
		"AddChannel id":   s.AddChannel("nope", mockserver.MetaWhatsApp),
		"AddChannel type": s.AddChannel(otherUUID, "SMS"),
	} {
		if err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, ok := s.Channel(otherUUID); ok {
		t.Error("Channel(unknown) reports a channel")
	}
	want := []mockserver.Channel{
		{ID: mockserver.ChannelHex, Type: mockserver.MetaWhatsApp},
		{ID: mockserver.ChannelInstagram, Type: mockserver.MetaInstagram},
		{ID: mockserver.ChannelUUID, Type: mockserver.MetaWhatsApp},
	}
	if diff := cmp.Diff(want, s.Channels()); diff != "" {
		t.Errorf("seeded channels (-want +got):\n%s", diff)
	}
}

func TestOptions(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		opt     mockserver.Option
		wantErr string // "" means valid
	}{
		{"secret key", mockserver.WithSecretKey("sk_test_1"), ""},
		{"empty secret key", mockserver.WithSecretKey(""), "WithSecretKey: must not be empty"},
		{"secret key with space", mockserver.WithSecretKey("sk secret"), "WithSecretKey: must not contain whitespace"},
		{"secret key with its scheme", mockserver.WithSecretKey("Bearer sk_1"), `WithSecretKey: pass the key alone, without the "Bearer " prefix`},
		{"channel", mockserver.WithChannel(otherUUID, mockserver.BotTelegram), ""},
		{"channel bad id", mockserver.WithChannel("abc", mockserver.MetaWhatsApp), `channel id "abc" is neither a UUID nor 32 hexadecimal digits`},
		{"channel bad type", mockserver.WithChannel(otherUUID, "SMS"), `type "SMS" is not one of META_WHATSAPP`},
		{"channel duplicate of seed", mockserver.WithChannel(mockserver.ChannelUUID, mockserver.MetaWhatsApp), "already exists"},
		{"nil logger", mockserver.WithLogger(nil), "WithLogger: logger is nil"},
		{"body limit", mockserver.WithMaxBodyBytes(1), ""},
		{"zero body limit", mockserver.WithMaxBodyBytes(0), "WithMaxBodyBytes: 0 is not positive"},
		{"nil option", nil, "nil Option"},
		{"subscription", mockserver.WithSubscription(mockserver.ChannelUUID, mockserver.SubscriptionTrial), ""},
		{"subscription of an unknown channel", mockserver.WithSubscription(otherUUID, mockserver.SubscriptionPaid), "WithSubscription: no channel"},
		{"subscription status unknown", mockserver.WithSubscription(mockserver.ChannelUUID, "paid"), `WithSubscription: channel a1b2c3d4-e5f6-7890-abcd-ef1234567890: subscription status "paid" is not one of`},
		{"no enterprise role", mockserver.WithEnterpriseRole(false), ""},
		{"sandbox defaults", mockserver.WithSandbox(mockserver.SandboxConfig{}), ""},
		{"sandbox negative keys", mockserver.WithSandbox(mockserver.SandboxConfig{MaxKeys: -1}), "WithSandbox: {MaxKeys:-1 IdleTimeout:0s MaxChannels:0 MaxCodes:0}: a bound is negative"},
		{"sandbox negative idle", mockserver.WithSandbox(mockserver.SandboxConfig{IdleTimeout: -time.Second}), "IdleTimeout:-1s MaxChannels:0 MaxCodes:0}: a bound is negative"},
		{"sandbox negative channels", mockserver.WithSandbox(mockserver.SandboxConfig{MaxChannels: -1}), "MaxChannels:-1 MaxCodes:0}: a bound is negative"},
		{"sandbox negative codes", mockserver.WithSandbox(mockserver.SandboxConfig{MaxCodes: -1}), "MaxCodes:-1}: a bound is negative"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := mockserver.New(tc.opt)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("valid option rejected: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), "sk secret") {
				t.Errorf("error repeats the Secret Key: %v", err)
			}
		})
	}
}

func TestSecretKeyNeverPrinted(t *testing.T) {
	t.Parallel()
	const key = "sk_test_do_not_print"
	ts := mocktest.Start(t, mockserver.WithSecretKey(key))
	if ts.SecretKey != key || ts.Server.SecretKey() != key {
		t.Fatalf("SecretKey not the one given")
	}
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		for name, v := range map[string]any{"*mocktest.Server": ts, "mocktest.Server": *ts, "*mockserver.Server": ts.Server} {
			if out := fmt.Sprintf(format, v); strings.Contains(out, key) {
				t.Errorf("%s of %s shows the key: %s", format, name, out)
			}
		}
	}
	generated := mocktest.Start(t)
	if !strings.HasPrefix(generated.SecretKey, "sk_mock_") || generated.SecretKey == mocktest.Start(t).SecretKey {
		t.Errorf("generated keys are not random sk_mock_ keys: %q", generated.SecretKey)
	}
}

func TestRejections(t *testing.T) {
	t.Parallel()
	valid := payload("c1")
	for _, tc := range []struct {
		name    string
		method  string
		path    string // "" means the UUID channel's connect path
		auth    string // "" means the right key; "-" means none
		ctype   string // "" means application/json; "-" means none
		body    string
		status  int
		message string // substring of the message
	}{
		{name: "no Authorization", auth: "-", body: valid, status: 401, message: "Unauthorized"},
		{name: "wrong key", auth: "Bearer sk_wrong", body: valid, status: 401, message: "Unauthorized"},
		{name: "basic scheme", auth: "Basic dXNlcjpwYXNz", body: valid, status: 401, message: "Unauthorized"},
		{name: "bearer without token", auth: "Bearer", body: valid, status: 401, message: "Unauthorized"},
		{name: "no key and invalid body", auth: "-", body: "{", status: 401, message: "Unauthorized"},
		{name: "invalid JSON", body: `{"wabaId":`, status: 400, message: "body"},
		{name: "empty body", body: "", status: 400, message: "body"},
		{name: "missing wabaId", body: `{"phoneId":"1","code":"c","coexistence":false}`, status: 400, message: "wabaId"},
		{name: "wabaId a number", body: `{"wabaId":1,"phoneId":"1","code":"c","coexistence":false}`, status: 400, message: "body /wabaId"},
		{name: "phoneId not digits", body: `{"wabaId":"1","phoneId":"12a","code":"c","coexistence":false}`, status: 400, message: "body /phoneId"},
		{name: "empty code", body: `{"wabaId":"1","phoneId":"1","code":"","coexistence":false}`, status: 400, message: "body /code"},
		{name: "coexistence a string", body: `{"wabaId":"1","phoneId":"1","code":"c","coexistence":"no"}`, status: 400, message: "body /coexistence"},
		{name: "bad channel id", path: "/v1/channels/not-a-channel/connect", body: valid, status: 400, message: "path parameter channelId"},
		{name: "wrong content type", ctype: "text/plain", body: valid, status: 400, message: "Content-Type"},
		{name: "no content type", ctype: "-", body: valid, status: 400, message: "Content-Type"},
		{name: "body too large", body: `{"wabaId":"1","phoneId":"1","coexistence":false,"code":"` + strings.Repeat("x", 70<<10) + `"}`, status: 413, message: "longer than the 65536-byte limit"},
		{name: "unknown path", path: "/v1/no-such-endpoint", body: valid, status: 404, message: "no such endpoint"},
		{name: "trailing slash", path: "/v1/channels/" + mockserver.ChannelUUID + "/connect/", body: valid, status: 404, message: "no such endpoint"},
		{name: "double slash", path: "/v1//channels/" + mockserver.ChannelUUID + "/connect", body: valid, status: 404, message: "no such endpoint"},
		{name: "dot segment", path: "/v1/channels/x/../" + mockserver.ChannelUUID + "/connect", body: valid, status: 404, message: "no such endpoint"},
		{name: "GET", method: http.MethodGet, status: 405, message: "method GET is not allowed"},
		{name: "DELETE without key", method: http.MethodDelete, auth: "-", status: 405, message: "allowed: POST"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ts := mocktest.Start(t)
			method, path := tc.method, tc.path
			if method == "" {
				method = http.MethodPost
			}
			if path == "" {
				path = "/v1/channels/" + mockserver.ChannelUUID + "/connect"
			}
			req, err := http.NewRequest(method, ts.URL+path, strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			switch tc.auth {
			case "":
				req.Header.Set("Authorization", "Bearer "+ts.SecretKey)
			case "-":
			default:
				req.Header.Set("Authorization", tc.auth)
			}
			switch tc.ctype {
			case "":
				req.Header.Set("Content-Type", "application/json")
			case "-":
			default:
				req.Header.Set("Content-Type", tc.ctype)
			}
			res := send(t, ts, req)
			if res.status != tc.status {
				t.Fatalf("status %d body %s, want %d", res.status, res.body, tc.status)
			}
			if got := res.errorBody(t).Message; !strings.Contains(got, tc.message) {
				t.Errorf("message %q does not contain %q", got, tc.message)
			}
			if tc.status == 405 && res.header.Get("Allow") != http.MethodPost {
				t.Errorf("Allow %q, want POST", res.header.Get("Allow"))
			}
			if ct := res.header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q, want application/json", ct)
			}
			if ch, _ := ts.Server.Channel(mockserver.ChannelUUID); ch.Connected {
				t.Error("a rejected request connected the channel")
			}
		})
	}
}

func TestBodyLimitOption(t *testing.T) {
	t.Parallel()
	ts := mocktest.Start(t, mockserver.WithMaxBodyBytes(10))
	res := connect(t, ts, mockserver.ChannelUUID, "c1")
	if res.status != 413 {
		t.Fatalf("status %d body %s, want 413", res.status, res.body)
	}
}
