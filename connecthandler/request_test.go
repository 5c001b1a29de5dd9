package connecthandler_test

import (
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/hubmessage/hubmessage-go/connecthandler"
	"github.com/hubmessage/hubmessage-go/mockserver"
)

const allowedOrigin = "https://app.example.com"

// TestOrigins holds the cross-origin guard: a refused request never reaches the API.
func TestOrigins(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		header map[string]string // "self" stands for the handler's own origin
		status int
		cors   bool // whether the answer allows the origin by CORS
	}{
		{name: "no browser headers (a program)", header: nil, status: 200},
		{name: "same origin", header: map[string]string{"Origin": "self"}, status: 200},
		{name: "Sec-Fetch-Site same-origin", header: map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": "self"}, status: 200},
		{name: "Sec-Fetch-Site none", header: map[string]string{"Sec-Fetch-Site": "none"}, status: 200},
		{name: "allowed origin", header: map[string]string{"Origin": allowedOrigin}, status: 200, cors: true},
		{name: "allowed origin, Sec-Fetch-Site cross-site", header: map[string]string{"Origin": allowedOrigin, "Sec-Fetch-Site": "cross-site"}, status: 200, cors: true},
		{name: "Referer alone is not read", header: map[string]string{"Referer": "https://evil.example/page"}, status: 200},

		{name: "cross-site Origin", header: map[string]string{"Origin": "https://evil.example"}, status: 403},
		{name: "cross-site Sec-Fetch-Site", header: map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}, status: 403},
		{name: "same-site is not same-origin", header: map[string]string{"Sec-Fetch-Site": "same-site", "Origin": "https://other.example.com"}, status: 403},
		{name: "Sec-Fetch-Site cross-site with our own Origin", header: map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "self"}, status: 403},
		{name: "Origin null", header: map[string]string{"Origin": "null"}, status: 403},
		{name: "same host, another port", header: map[string]string{"Origin": "http://127.0.0.1:1"}, status: 403},
		{name: "allowed origin in another case", header: map[string]string{"Origin": "https://APP.example.com"}, status: 403},
		{name: "allowed origin's subdomain", header: map[string]string{"Origin": "https://evil.app.example.com"}, status: 403},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t, connecthandler.Config{AllowedOrigins: []string{allowedOrigin}})
			u, _ := url.Parse(e.url)
			header := map[string]string{}
			for k, v := range tc.header {
				header[k] = strings.ReplaceAll(v, "self", u.Scheme+"://"+u.Host)
			}
			code := "secret-c0de-origin"
			a := do(t, http.MethodPost, e.url, payload(code), header)
			if tc.status == 403 {
				e.checkFailure(t, a, 403, "forbidden_origin")
				if n := e.apiHits.n.Load(); n != 0 {
					t.Errorf("%d requests reached the API", n)
				}
			} else if a.status != tc.status {
				t.Errorf("answer %d %s; want %d", a.status, a.raw, tc.status)
			}
			e.checkSecrets(t, a, testKey, code)
			acao, acac := a.header.Get("Access-Control-Allow-Origin"), a.header.Get("Access-Control-Allow-Credentials")
			if tc.cors != (acao == allowedOrigin && acac == "true") || !tc.cors && (acao != "" || acac != "") {
				t.Errorf("Access-Control-Allow-Origin %q, -Credentials %q; want CORS: %v", acao, acac, tc.cors)
			}
			if !slices.Contains(a.header.Values("Vary"), "Origin") {
				t.Errorf("Vary %q; want Origin", a.header.Values("Vary"))
			}
		})
	}
}

// TestPreflight holds the CORS preflight: allowed origins only.
func TestPreflight(t *testing.T) {
	t.Parallel()
	e := setup(t, connecthandler.Config{AllowedOrigins: []string{"https://other.example", allowedOrigin}})
	preflight := map[string]string{
		"Origin":                         allowedOrigin,
		"Access-Control-Request-Method":  "POST",
		"Access-Control-Request-Headers": "content-type",
	}
	t.Run("allowed origin", func(t *testing.T) {
		a := do(t, http.MethodOptions, e.url, "", preflight)
		want := map[string]string{
			"Access-Control-Allow-Origin":      allowedOrigin,
			"Access-Control-Allow-Credentials": "true",
			"Access-Control-Allow-Methods":     "POST",
			"Access-Control-Allow-Headers":     "content-type",
		}
		if a.status != http.StatusNoContent || a.raw != "" {
			t.Errorf("answer %d %q; want 204 with no body", a.status, a.raw)
		}
		for k, v := range want {
			if got := a.header.Get(k); got != v {
				t.Errorf("%s: %q; want %q", k, got, v)
			}
		}
	})
	t.Run("other origin", func(t *testing.T) {
		h := maps.Clone(preflight)
		h["Origin"] = "https://evil.example"
		a := do(t, http.MethodOptions, e.url, "", h)
		if a.status != 403 || a.body["reason"] != "forbidden_origin" || a.header.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("answer %d %s, Access-Control-Allow-Origin %q; want 403 forbidden_origin without CORS", a.status, a.raw, a.header.Get("Access-Control-Allow-Origin"))
		}
	})
	t.Run("no Origin", func(t *testing.T) {
		a := do(t, http.MethodOptions, e.url, "", nil)
		if a.status != 204 || a.header.Get("Allow") != "OPTIONS, POST" {
			t.Errorf("answer %d, Allow %q; want 204 with Allow: OPTIONS, POST", a.status, a.header.Get("Allow"))
		}
	})
	if n := e.apiHits.n.Load(); n != 0 {
		t.Errorf("%d requests reached the API", n)
	}
	for _, rec := range e.logs.records(t) {
		if rec["status"] == float64(204) && rec["level"] != "DEBUG" {
			t.Errorf("preflight logged %v; want at Debug", rec)
		}
	}
}

func TestMethods(t *testing.T) {
	t.Parallel()
	for _, method := range []string{http.MethodGet, http.MethodHead, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		t.Run(method, func(t *testing.T) {
			t.Parallel()
			e := setup(t, connecthandler.Config{})
			a := do(t, method, e.url, payload("secret-c0de-method"), map[string]string{"Content-Type": "application/json"})
			if a.status != http.StatusMethodNotAllowed || a.header.Get("Allow") != "OPTIONS, POST" {
				t.Errorf("answer %d, Allow %q; want 405 with Allow: OPTIONS, POST", a.status, a.header.Get("Allow"))
			}
			if method == http.MethodHead {
				e.checkLog(t, 405, "method_not_allowed")
			} else {
				e.checkFailure(t, a, 405, "method_not_allowed")
			}
			if n := e.apiHits.n.Load(); n != 0 {
				t.Errorf("%d requests reached the API", n)
			}
		})
	}
}

func TestMediaType(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		contentType string
		ok          bool
	}{
		{"application/json", true},
		{"application/json; charset=utf-8", true},
		{"Application/JSON; charset=UTF-8", true},
		{"", false},
		{"text/plain", false},
		{"text/plain; charset=utf-8", false},
		{"application/x-www-form-urlencoded", false},
		{"multipart/form-data; boundary=x", false},
		{"application/json; charset=iso-8859-1", false},
		{"application/vnd.api+json", false},
		{"application/json;;", false},
	} {
		t.Run(tc.contentType, func(t *testing.T) {
			t.Parallel()
			e := setup(t, connecthandler.Config{})
			a := do(t, http.MethodPost, e.url, payload("secret-c0de-media"), map[string]string{"Content-Type": tc.contentType})
			switch {
			case tc.ok && a.status != 200:
				t.Errorf("answer %d %s; want 200", a.status, a.raw)
			case !tc.ok:
				e.checkFailure(t, a, http.StatusUnsupportedMediaType, "unsupported_media_type")
				if n := e.apiHits.n.Load(); n != 0 {
					t.Errorf("%d requests reached the API", n)
				}
			}
		})
	}
}

// hideLength makes a body of unknown length: the request is sent chunked.
type hideLength struct{ io.Reader }

func TestSizeCap(t *testing.T) {
	t.Parallel()
	fits := payload("secret-c0de-size") // 100 bytes
	tooLong := fits + strings.Repeat(" ", 101)
	for _, tc := range []struct {
		name    string
		max     int64
		body    io.Reader
		status  int
		hitsAPI bool
	}{
		{"fits", 200, strings.NewReader(fits + strings.Repeat(" ", 200-len(fits))), 200, true},
		{"one byte over", 200, strings.NewReader(fits + strings.Repeat(" ", 201-len(fits))), 413, false},
		{"over, chunked", 200, hideLength{strings.NewReader(tooLong)}, 413, false},
		// The default admits the longest code the spec allows.
		{"default, longest code", 0, strings.NewReader(payload(strings.Repeat("c", 4096))), 200, true},
		{"default, over", 0, strings.NewReader(payload(strings.Repeat("c", connecthandler.DefaultMaxBodyBytes))), 413, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t, connecthandler.Config{MaxBodyBytes: tc.max})
			req, err := http.NewRequest(http.MethodPost, e.url, tc.body)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/json")
			res, err := testClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != tc.status {
				t.Errorf("answer %d; want %d", res.StatusCode, tc.status)
			}
			if tc.status == 413 {
				e.checkLog(t, 413, "payload_too_large")
			}
			if n := e.apiHits.n.Load(); (n > 0) != tc.hitsAPI {
				t.Errorf("%d requests reached the API; want some: %v", n, tc.hitsAPI)
			}
		})
	}
}

// TestPayload holds the strict decoding: each refusal names the member, never a value, and
// nothing reaches the API.
func TestPayload(t *testing.T) {
	t.Parallel()
	const code = "s3cret-c0de-in-the-body"
	const ids = `"wabaId":"428083093730937","phoneId":"123456789012345"`
	for _, tc := range []struct {
		name, body, want string
	}{
		{"empty", ``, "empty; want a JSON object"},
		{"not JSON", `wabaId=1&code=` + code, "not valid JSON (at byte 0)"},
		{"broken JSON", `{` + ids + `,"code":` + code + `}`, "not valid JSON (at byte"},
		{"cut short", `{` + ids + `,"code":"` + code, "the JSON text ends early"},
		{"array", `[{` + ids + `,"code":"` + code + `","coexistence":false}]`, "not a JSON object"},
		{"duplicate member", `{` + ids + `,"code":"` + code + `","code":"other","coexistence":false}`, `member "code": duplicate member name`},
		{"duplicate through an escape", `{` + ids + `,"code":"` + code + `","\u0063ode":"other","coexistence":false}`, `member "code": duplicate member name`},
		{"case variant", `{` + ids + `,"Code":"` + code + `","coexistence":false}`, `member "Code": not expected; names are case-sensitive: did you mean "code"?`},
		{"case variant beside the member", `{` + ids + `,"code":"` + code + `","CODE":"other","coexistence":false}`, `member "CODE": not expected`},
		{"extra member", `{` + ids + `,"code":"` + code + `","coexistence":false,"channelId":"x"}`, `member "channelId": not expected; the members are "wabaId", "phoneId", "code", "coexistence"`},
		{"missing member", `{` + ids + `,"code":"` + code + `"}`, `member "coexistence": missing`},
		{"null code", `{` + ids + `,"code":null,"coexistence":false}`, `member "code": null; want a string`},
		{"number wabaId", `{"wabaId":428083093730937,"phoneId":"1","code":"` + code + `","coexistence":false}`, `member "wabaId": want a string`},
		{"string coexistence", `{` + ids + `,"code":"` + code + `","coexistence":"false"}`, `member "coexistence": want true or false`},
		{"more after", `{` + ids + `,"code":"` + code + `","coexistence":false} {}`, "more data after the JSON value"},
		{"invalid UTF-8", `{` + ids + `,"code":"` + code + "\xff" + `","coexistence":false}`, `member "code": invalid UTF-8`},
		{"half a surrogate pair", `{` + ids + `,"code":"` + code + `\ud800","coexistence":false}`, `member "code": a \u escape is half a UTF-16 surrogate pair`},
		{"empty code", `{` + ids + `,"code":"","coexistence":false}`, `code: `},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t, connecthandler.Config{})
			a := post(t, e.url, tc.body)
			e.checkFailure(t, a, 400, "invalid_payload")
			if msg, _ := a.body["message"].(string); !strings.Contains(msg, tc.want) {
				t.Errorf("message %q; want it to hold %q", msg, tc.want)
			}
			e.checkSecrets(t, a, testKey, code)
			if n := e.apiHits.n.Load(); n != 0 {
				t.Errorf("%d requests reached the API", n)
			}
			if ch, _ := e.api.Server.Channel(mockserver.ChannelUUID); ch.Connected {
				t.Error("the channel is connected")
			}
		})
	}
}

func TestNew(t *testing.T) {
	t.Parallel()
	c := newClient(t, "http://127.0.0.1:1", testKey)
	channel := func(*http.Request) (string, error) { return mockserver.ChannelUUID, nil }
	for _, tc := range []struct {
		name string
		cfg  connecthandler.Config
		want string // "" for no error
	}{
		{"minimal", connecthandler.Config{Client: c, ChannelID: channel}, ""},
		{"good origins", connecthandler.Config{Client: c, ChannelID: channel, AllowedOrigins: []string{"https://app.example.com", "http://localhost:3000", "https://[::1]:8443"}}, ""},
		{"no client", connecthandler.Config{ChannelID: channel}, "Config.Client is required"},
		{"no ChannelID", connecthandler.Config{Client: c}, "Config.ChannelID is required"},
		{"negative MaxBodyBytes", connecthandler.Config{Client: c, ChannelID: channel, MaxBodyBytes: -1}, "Config.MaxBodyBytes is -1"},
		{"origin with a slash", connecthandler.Config{Client: c, ChannelID: channel, AllowedOrigins: []string{"https://ok.example", "https://app.example.com/"}}, `Config.AllowedOrigins[1] "https://app.example.com/": an origin has no user, path, query or fragment`},
		{"origin in upper case", connecthandler.Config{Client: c, ChannelID: channel, AllowedOrigins: []string{"https://App.Example.com"}}, `write it as browsers send it: "https://app.example.com"`},
		{"origin with default port", connecthandler.Config{Client: c, ChannelID: channel, AllowedOrigins: []string{"https://app.example.com:443"}}, `write it as browsers send it: "https://app.example.com"`},
		{"origin with an empty port", connecthandler.Config{Client: c, ChannelID: channel, AllowedOrigins: []string{"http://localhost:"}}, `write it as browsers send it: "http://localhost"`},
		{"IPv6 origin in upper case", connecthandler.Config{Client: c, ChannelID: channel, AllowedOrigins: []string{"https://[FE80::1]:8443"}}, `write it as browsers send it: "https://[fe80::1]:8443"`},
		{"origin without scheme", connecthandler.Config{Client: c, ChannelID: channel, AllowedOrigins: []string{"app.example.com"}}, `want scheme://host[:port]`},
		{"wildcard", connecthandler.Config{Client: c, ChannelID: channel, AllowedOrigins: []string{"*"}}, `want scheme://host[:port]`},
		{"null", connecthandler.Config{Client: c, ChannelID: channel, AllowedOrigins: []string{"null"}}, `want scheme://host[:port]`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h, err := connecthandler.New(tc.cfg)
			switch {
			case tc.want == "" && (err != nil || h == nil):
				t.Errorf("New: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("New: %v; want an error holding %q", err, tc.want)
			}
		})
	}
}
