package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hubmessage/hubmessage-go/client"
	"github.com/hubmessage/hubmessage-go/internal/secretkey"
)

const testKey = "sk_test_cli_7a6b5c4d3e2f1a0b9c8d7e6f"

const hexChannel = "019E4C54B1B375A28970B605CA9B03C3"

// fakeAPI answers POST /hub/v1/channels/{id}/connect: 401 for a wrong key, then whatever
// respond says. It records request bodies.
type fakeAPI struct {
	*httptest.Server
	mu     sync.Mutex
	bodies []string
}

func newFakeAPI(t *testing.T, status int, body string) *fakeAPI {
	t.Helper()
	api := &fakeAPI{}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /hub/v1/channels/{channelId}/connect", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		api.mu.Lock()
		api.bodies = append(api.bodies, string(b))
		api.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if r.Header.Get("Authorization") != "Bearer "+testKey {
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"error":401,"message":"Unauthorized"}`)
			return
		}
		w.WriteHeader(status)
		io.WriteString(w, body)
	})
	api.Server = httptest.NewServer(mux)
	t.Cleanup(api.Close)
	return api
}

func (a *fakeAPI) requests() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.bodies...)
}

func TestConnectCommand(t *testing.T) {
	t.Parallel()
	keyFile := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(keyFile, []byte(testKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	wrongKeyFile := filepath.Join(t.TempDir(), "wrong")
	if err := os.WriteFile(wrongKeyFile, []byte("sk_wrong"), 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "http://" + l.Addr().String()
	// 0.0.0.0 is not a loopback address, yet dialing it reaches this host: refused at once.
	refusedNonLoopback := strings.Replace(refused, "127.0.0.1", "0.0.0.0", 1)
	l.Close()

	const payload = `{"wabaId":"428083093730937","phoneId":"123456789012345","code":"ABC123DEF456","coexistence":true}`
	flags := []string{"--channel", hexChannel, "--waba", "428083093730937", "--phone", "123456789012345", "--code", "ABC123DEF456"}
	tests := []struct {
		name       string
		args       []string // --base-url is added when baseURL is set
		env        map[string]string
		stdin      string
		status     int
		body       string
		noBaseURL  bool
		wantCode   int
		wantOut    string // substring of stdout
		wantErr    []string
		wantSent   []string // request bodies the API saw, as JSON
		wantNoSent bool
	}{
		{
			name: "flags", args: flags, env: map[string]string{secretkey.EnvVar: testKey}, status: 200, body: `{"success":true}`,
			wantCode: exitOK, wantOut: "channel " + hexChannel + " connected",
			wantSent: []string{`{"code":"ABC123DEF456","coexistence":false,"phoneId":"123456789012345","wabaId":"428083093730937"}`},
		},
		{
			name: "payload on stdin with -", args: []string{"--channel", hexChannel, "-"}, stdin: payload, env: map[string]string{secretkey.EnvVar: testKey}, status: 200, body: `{"success":true}`,
			wantCode: exitOK, wantOut: "connected",
			wantSent: []string{`{"code":"ABC123DEF456","coexistence":true,"phoneId":"123456789012345","wabaId":"428083093730937"}`},
		},
		{
			name: "payload on stdin with --stdin, key from a file", args: []string{"--stdin", "--channel", hexChannel, "--secret-key-file", keyFile}, stdin: payload, status: 200, body: `{"success":true}`,
			wantCode: exitOK, wantOut: "connected",
			wantSent: []string{`{"code":"ABC123DEF456","coexistence":true,"phoneId":"123456789012345","wabaId":"428083093730937"}`},
		},
		{
			name: "key file wins over the environment", args: append([]string{"--secret-key-file", wrongKeyFile}, flags...), env: map[string]string{secretkey.EnvVar: testKey}, status: 200, body: `{"success":true}`,
			wantCode: exitFail, wantErr: []string{"401 Unauthorized", "status:  401 Unauthorized", "error:   401", "message: Unauthorized"},
		},
		{
			name: "base URL from the environment", args: flags, noBaseURL: true, env: map[string]string{secretkey.EnvVar: testKey}, status: 200, body: `{"success":true}`,
			wantCode: exitOK, wantOut: "connected",
		},
		{
			name: "422 CODE_EXPIRED", args: flags, env: map[string]string{secretkey.EnvVar: testKey}, status: 422, body: `{"error":422,"message":"CODE_EXPIRED"}`,
			wantCode: exitFail, wantErr: []string{"hubmessage connect: hubmessage: ConnectChannel: channel " + hexChannel + ": 422 Unprocessable Entity", "error:   422", "message: CODE_EXPIRED", "run Embedded Signup again"},
		},
		{
			name: "502 HTML", args: flags, env: map[string]string{secretkey.EnvVar: testKey}, status: 502, body: `<html>bad gateway</html>`,
			wantCode: exitFail, wantErr: []string{"status:  502 Bad Gateway", "message: \n"},
		},
		{name: "connection refused", args: append(flags, "--base-url", refused), noBaseURL: true, env: map[string]string{secretkey.EnvVar: testKey}, wantCode: exitFail, wantErr: []string{"connection refused"}, wantNoSent: true},
		{name: "plain http to a remote host", args: append(flags, "--base-url", refusedNonLoopback), noBaseURL: true, env: map[string]string{secretkey.EnvVar: testKey}, wantCode: exitUsage, wantErr: []string{"plain http to a non-loopback host"}, wantNoSent: true},
		{name: "plain http to a remote host, allowed", args: append(flags, "--insecure-http", "--base-url", refusedNonLoopback), noBaseURL: true, env: map[string]string{secretkey.EnvVar: testKey}, wantCode: exitFail, wantErr: []string{"connection refused", "(3 attempts)"}, wantNoSent: true},
		{name: "no key", args: flags, wantCode: exitUsage, wantErr: []string{"no Secret Key: set HUBMESSAGE_SECRET_KEY or pass --secret-key-file"}, wantNoSent: true},
		{name: "key as a flag is refused", args: append([]string{"--secret-key", testKey}, flags...), wantCode: exitUsage, wantErr: []string{"flag provided but not defined: -secret-key"}, wantNoSent: true},
		{name: "key as a flag with =", args: append([]string{"--secret-key=" + testKey}, flags...), wantCode: exitUsage, wantErr: []string{"flag provided but not defined: -secret-key"}, wantNoSent: true},
		{name: "missing key file", args: append([]string{"--secret-key-file", filepath.Join(t.TempDir(), "nope")}, flags...), wantCode: exitUsage, wantErr: []string{"--secret-key-file: open"}, wantNoSent: true},
		{name: "key with a space", args: flags, env: map[string]string{secretkey.EnvVar: "sk test"}, wantCode: exitUsage, wantErr: []string{"secretKey: must not contain whitespace"}, wantNoSent: true},
		{name: "no channel", args: flags[2:], env: map[string]string{secretkey.EnvVar: testKey}, wantCode: exitUsage, wantErr: []string{"--channel is required", "Usage: hubmessage connect"}, wantNoSent: true},
		{name: "bad channel", args: append([]string{"--channel", "abc"}, flags[2:]...), env: map[string]string{secretkey.EnvVar: testKey}, wantCode: exitUsage, wantErr: []string{"channelId: must match"}, wantNoSent: true},
		{name: "bad wabaId", args: append(flags, "--waba", "12x"), env: map[string]string{secretkey.EnvVar: testKey}, wantCode: exitUsage, wantErr: []string{"wabaId: must match ^[0-9]+$"}, wantNoSent: true},
		{name: "no code", args: flags[:6], env: map[string]string{secretkey.EnvVar: testKey}, wantCode: exitUsage, wantErr: []string{"code: must not be empty"}, wantNoSent: true},
		{name: "stray argument", args: append(flags, "extra"), env: map[string]string{secretkey.EnvVar: testKey}, wantCode: exitUsage, wantErr: []string{`unexpected argument "extra"`}, wantNoSent: true},
		{name: "stdin and flags", args: []string{"--channel", hexChannel, "--code", "X", "--coexistence", "-"}, stdin: payload, env: map[string]string{secretkey.EnvVar: testKey}, wantCode: exitUsage, wantErr: []string{"--code, --coexistence cannot be combined with a payload on stdin"}, wantNoSent: true},
		{name: "stdin unknown field", args: []string{"--channel", hexChannel, "-"}, stdin: `{"wabaId":"1","phoneId":"2","code":"c","coexistence":false,"secret":"x"}`, env: map[string]string{secretkey.EnvVar: testKey}, wantCode: exitUsage, wantErr: []string{`stdin: unknown field "secret"; want only wabaId, phoneId, code, coexistence`}, wantNoSent: true},
		{name: "stdin malformed", args: []string{"--channel", hexChannel, "-"}, stdin: `{"wabaId":`, env: map[string]string{secretkey.EnvVar: testKey}, wantCode: exitUsage, wantErr: []string{"stdin: not a JSON object"}, wantNoSent: true},
		{name: "stdin empty", args: []string{"--channel", hexChannel, "--stdin"}, env: map[string]string{secretkey.EnvVar: testKey}, wantCode: exitUsage, wantErr: []string{"stdin: no payload"}, wantNoSent: true},
		{name: "help", args: []string{"--help"}, wantCode: exitOK, wantOut: "Usage: hubmessage connect", wantNoSent: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			api := newFakeAPI(t, tc.status, tc.body)
			env := map[string]string{envBaseURL: api.URL + "/hub"}
			for k, v := range tc.env {
				env[k] = v
			}
			args := append([]string{"connect"}, tc.args...)
			if !tc.noBaseURL {
				args = append(args[:1], append([]string{"--base-url", api.URL + "/hub"}, args[1:]...)...)
			}
			var stdout, stderr bytes.Buffer
			code := Main(context.Background(), args, Env{
				Stdin: strings.NewReader(tc.stdin), Stdout: &stdout, Stderr: &stderr,
				Getenv: func(k string) string { return env[k] },
			})
			if code != tc.wantCode {
				t.Errorf("exit code %d, want %d\nstdout: %s\nstderr: %s", code, tc.wantCode, stdout.String(), stderr.String())
			}
			if !strings.Contains(stdout.String(), tc.wantOut) {
				t.Errorf("stdout %q lacks %q", stdout.String(), tc.wantOut)
			}
			for _, want := range tc.wantErr {
				if !strings.Contains(stderr.String(), want) {
					t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
				}
			}
			for name, out := range map[string]string{"stdout": stdout.String(), "stderr": stderr.String()} {
				if strings.Contains(out, testKey) || strings.Contains(out, testKey[8:20]) {
					t.Errorf("%s leaks the Secret Key:\n%s", name, out)
				}
			}
			sent := api.requests()
			if tc.wantNoSent && len(sent) != 0 {
				t.Errorf("API saw %d requests, want none", len(sent))
			}
			if tc.wantSent != nil {
				if diff := cmp.Diff(tc.wantSent, canonical(t, sent)); diff != "" {
					t.Errorf("request bodies (-want +got):\n%s", diff)
				}
			}
		})
	}
}

// canonical re-encodes JSON bodies with sorted keys.
func canonical(t *testing.T, bodies []string) []string {
	t.Helper()
	var out []string
	for _, b := range bodies {
		var v map[string]any
		if err := json.Unmarshal([]byte(b), &v); err != nil {
			t.Fatalf("body %q: %v", b, err)
		}
		c, _ := json.Marshal(v)
		out = append(out, string(c))
	}
	return out
}

func TestParsePayload(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		want    client.ConnectRequest
		wantErr string
	}{
		{name: "SDK payload", in: `{"wabaId":"428083093730937","phoneId":"123456789012345","code":"ABC123DEF456","coexistence":false}`, want: client.ConnectRequest{WabaID: "428083093730937", PhoneID: "123456789012345", Code: "ABC123DEF456"}},
		{name: "whitespace and key order", in: "\n { \"coexistence\" : true , \"code\":\"c\",\"phoneId\":\"2\",\"wabaId\":\"1\" }\n", want: client.ConnectRequest{WabaID: "1", PhoneID: "2", Code: "c", Coexistence: true}},
		{name: "case-folded key", in: `{"WabaId":"1","phoneId":"2","code":"c","coexistence":false}`, wantErr: `unknown field "WabaId"`},
		{name: "missing coexistence", in: `{"wabaId":"1","phoneId":"2","code":"c"}`, wantErr: `missing "coexistence"`},
		{name: "missing code", in: `{"wabaId":"1","phoneId":"2","coexistence":false}`, wantErr: `missing "code"`},
		{name: "wabaId as a number", in: `{"wabaId":428083093730937,"phoneId":"2","code":"c","coexistence":false}`, wantErr: `"wabaId" must be a string`},
		{name: "code null", in: `{"wabaId":"1","phoneId":"2","code":null,"coexistence":false}`, wantErr: `"code" must be a string`},
		{name: "coexistence as a string", in: `{"wabaId":"1","phoneId":"2","code":"c","coexistence":"false"}`, wantErr: `"coexistence" must be true or false`},
		{name: "array", in: `[]`, wantErr: "not a JSON object but an array"},
		{name: "null", in: `null`, wantErr: "not a JSON object but null"},
		{name: "string", in: `"x"`, wantErr: "not a JSON object but a string"},
		{name: "repeated key", in: `{"wabaId":"1","wabaId":"2","phoneId":"2","code":"c","coexistence":false}`, wantErr: `field "wabaId" appears twice`},
		{name: "unclosed", in: `{"wabaId":"1"`, wantErr: "not a JSON object: EOF"},
		{name: "missing value", in: `{"wabaId":}`, wantErr: "not a JSON object: invalid character '}'"},
		{name: "two objects", in: `{"wabaId":"1","phoneId":"2","code":"c","coexistence":false}{}`, wantErr: "unexpected data after the JSON object"},
		{name: "trailing garbage", in: `{"wabaId":"1","phoneId":"2","code":"c","coexistence":false} x`, wantErr: "unexpected data after the JSON object"},
		{name: "too large", in: `{"code":"` + strings.Repeat("a", maxPayloadSize) + `"}`, wantErr: "payload is larger than 65536 bytes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := parsePayload(strings.NewReader(tc.in))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("error %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// FuzzParsePayload: parsing never panics, and what it accepts survives a round trip through
// the SDK's JSON form unchanged.
func FuzzParsePayload(f *testing.F) {
	for _, seed := range []string{
		`{"wabaId":"428083093730937","phoneId":"123456789012345","code":"ABC123DEF456","coexistence":false}`,
		`{"wabaId":"1","phoneId":"2","code":"\u00e9\ud83d\ude00","coexistence":true}`,
		`{"wabaId":"1","phoneId":"2","code":"c","coexistence":false,"x":1}`,
		`{"wabaId":"1","wabaId":"2","phoneId":"2","code":"c","coexistence":false}`,
		`{"wabaId":1}`, `null`, `[]`, `{}`, `"x"`, ``, `{"wabaId":"1"`, "{\"code\":\"\xff\"}",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		req, err := parsePayload(bytes.NewReader(data))
		if err != nil {
			return
		}
		again, err := json.Marshal(req)
		if err != nil {
			t.Fatalf("marshal %+v: %v", req, err)
		}
		back, err := parsePayload(bytes.NewReader(again))
		if err != nil {
			t.Fatalf("re-parse of %s: %v", again, err)
		}
		if diff := cmp.Diff(req, back); diff != "" {
			t.Errorf("round trip of %q changed the payload (-first +second):\n%s", data, diff)
		}
	})
}
