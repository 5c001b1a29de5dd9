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
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hubmessage/hubmessage-go/internal/secretkey"
	"github.com/hubmessage/hubmessage-go/mockserver/mocktest"
)

const testKey = "sk_test_cli_7a6b5c4d3e2f1a0b9c8d7e6f"

const hexChannel = "019E4C54B1B375A28970B605CA9B03C3"

// answer is what the fake API sends: a status and a JSON body ("" for none).
type answer struct {
	status int
	body   string
}

// fakeAPI serves the four operations below /hub: 401 for a wrong key, else the answer set
// for the operation ("create", "connect", "disconnect", "delete"), by default its documented
// success. It records every request.
type fakeAPI struct {
	*httptest.Server
	mu   sync.Mutex
	seen []string // "METHOD PATH BODY"
}

func newFakeAPI(t *testing.T, answers map[string]answer) *fakeAPI {
	t.Helper()
	api := &fakeAPI{}
	routes := map[string]struct {
		pattern string
		success answer
	}{
		"create":     {"POST /hub/v1/channels", answer{201, `{"id":"` + hexChannel + `"}`}},
		"connect":    {"POST /hub/v1/channels/{channelId}/connect", answer{200, `{"success":true}`}},
		"disconnect": {"PUT /hub/v1/channels/{channelId}/disconnect", answer{200, `true`}},
		"delete":     {"DELETE /hub/v1/channels/{channelId}", answer{204, ""}},
	}
	mux := http.NewServeMux()
	for op, r := range routes {
		a, ok := answers[op]
		if !ok {
			a = r.success
		}
		mux.HandleFunc(r.pattern, func(w http.ResponseWriter, req *http.Request) {
			b, _ := io.ReadAll(req.Body)
			api.mu.Lock()
			api.seen = append(api.seen, strings.TrimSpace(req.Method+" "+req.URL.Path+" "+string(b)))
			api.mu.Unlock()
			if req.Header.Get("Authorization") != "Bearer "+testKey {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusUnauthorized)
				io.WriteString(w, `{"error":401,"message":"Unauthorized"}`)
				return
			}
			if strings.HasPrefix(a.body, "{") || a.body == "true" || a.body == "false" {
				w.Header().Set("Content-Type", "application/json")
			}
			w.WriteHeader(a.status)
			io.WriteString(w, a.body)
		})
	}
	api.Server = httptest.NewServer(mux)
	t.Cleanup(api.Close)
	return api
}

func (a *fakeAPI) requests() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.seen...)
}

// runCLI runs args with the environment env and stdin; it returns the exit code and outputs.
func runCLI(t *testing.T, env map[string]string, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = Main(context.Background(), args, Env{
		Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errOut,
		Getenv: func(k string) string { return env[k] },
	})
	return code, out.String(), errOut.String()
}

// goIdentifiers are what a user of the command line must never read: the client's Go names
// and its "hubmessage: Op:" chain.
var goIdentifiers = regexp.MustCompile(`\bWith[A-Z]\w*|\b(Create|Connect|Disconnect|Delete)Channel\b|hubmessage: |\bNew: |secretKey:|OperationError|APIError`)

// checkOutput fails the test if an output holds the Secret Key or a Go identifier.
func checkOutput(t *testing.T, outputs ...string) {
	t.Helper()
	for _, out := range outputs {
		if strings.Contains(out, testKey) || strings.Contains(out, testKey[8:20]) {
			t.Errorf("output leaks the Secret Key:\n%s", out)
		}
		if m := goIdentifiers.FindString(out); m != "" {
			t.Errorf("output speaks Go (%q):\n%s", m, out)
		}
	}
}

// TestChannelCommands runs every channel command against a fake API: what it sends, what it
// prints, its exit code, in text and in JSON.
func TestChannelCommands(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		args       []string // after "channel"; --base-url is added
		answers    map[string]answer
		wantCode   int
		wantStdout string // exactly
		wantStderr string // exactly
		wantSent   []string
	}{
		{
			name: "create", args: []string{"create", "--name", "Sales channel", "--type", "META_WHATSAPP"},
			wantStdout: "channel " + hexChannel + " created\n",
			wantSent:   []string{`POST /hub/v1/channels {"name":"Sales channel","type":"META_WHATSAPP"}`},
		},
		{
			name: "create, type in lower case, JSON", args: []string{"create", "--json", "--name", "Bot", "--type", "bot_telegram"},
			wantStdout: `{"channelId":"` + hexChannel + `","created":true}` + "\n",
			wantSent:   []string{`POST /hub/v1/channels {"name":"Bot","type":"BOT_TELEGRAM"}`},
		},
		{
			name: "create without the ENTERPRISE role", args: []string{"create", "--name", "Sales", "--type", "META_WHATSAPP"},
			answers:  map[string]answer{"create": {422, `{"error":422,"message":"This action requires ENTERPRISE role"}`}},
			wantCode: exitFail,
			wantStderr: "hubmessage channel create: the account lacks the ENTERPRISE role (422 \"This action requires ENTERPRISE role\")\n" +
				"Creating and deleting channels needs the ENTERPRISE role: ask Hub Message to enable it for the account.\n",
			wantSent: []string{`POST /hub/v1/channels {"name":"Sales","type":"META_WHATSAPP"}`},
		},
		{
			name: "create, JSON error", args: []string{"create", "--json", "--name", "Sales", "--type", "META_WHATSAPP"},
			answers:    map[string]answer{"create": {422, `{"error":422,"message":"This action requires ENTERPRISE role"}`}},
			wantCode:   exitFail,
			wantStdout: `{"error":{"status":422,"message":"This action requires ENTERPRISE role","reason":"the account lacks the ENTERPRISE role","advice":"Creating and deleting channels needs the ENTERPRISE role: ask Hub Message to enable it for the account."}}` + "\n",
			wantSent:   []string{`POST /hub/v1/channels {"name":"Sales","type":"META_WHATSAPP"}`},
		},
		{
			name: "create, 500: the channel may exist", args: []string{"create", "--name", "Sales", "--type", "META_WHATSAPP"},
			answers:  map[string]answer{"create": {500, `{"error":500,"message":"Internal server error"}`}},
			wantCode: exitFail,
			wantStderr: "hubmessage channel create: the API failed (500 \"Internal server error\")\n" +
				"Try again later. The API may have created the channel anyway: check before creating another.\n",
			wantSent: []string{`POST /hub/v1/channels {"name":"Sales","type":"META_WHATSAPP"}`},
		},
		{
			name: "create, bad type", args: []string{"create", "--name", "Sales", "--type", "SMS"},
			wantCode:   exitUsage,
			wantStderr: "hubmessage channel create: --type: must be one of META_WHATSAPP, META_INSTAGRAM, META_MESSENGER, BOT_TELEGRAM\nRun 'hubmessage channel create --help' for usage.\n",
		},
		{
			name: "create, no name", args: []string{"create", "--type", "META_WHATSAPP"},
			wantCode:   exitUsage,
			wantStderr: "hubmessage channel create: --name is required\nRun 'hubmessage channel create --help' for usage.\n",
		},
		{
			name: "create, no type, JSON", args: []string{"create", "--json", "--name", "Sales"},
			wantCode:   exitUsage,
			wantStdout: `{"error":{"reason":"--type: must be one of META_WHATSAPP, META_INSTAGRAM, META_MESSENGER, BOT_TELEGRAM","advice":"Run 'hubmessage channel create --help' for usage."}}` + "\n",
		},
		{
			name: "connect: the stutter is gone", args: []string{"connect", "--channel", hexChannel, "--waba", "1", "--phone", "2", "--code", "USED"},
			answers:  map[string]answer{"connect": {422, `{"error":422,"message":"CODE_ALREADY_USED"}`}},
			wantCode: exitFail,
			wantStderr: "hubmessage channel connect: the code was already used (422 CODE_ALREADY_USED)\n" +
				"Run Embedded Signup again to get a new code.\n",
			wantSent: []string{`POST /hub/v1/channels/` + hexChannel + `/connect {"code":"USED","coexistence":false,"phoneId":"2","wabaId":"1"}`},
		},
		{
			name: "connect, JSON", args: []string{"connect", "--json", "--channel", hexChannel, "--waba", "1", "--phone", "2", "--code", "C"},
			wantStdout: `{"channelId":"` + hexChannel + `","connected":true}` + "\n",
			wantSent:   []string{`POST /hub/v1/channels/` + hexChannel + `/connect {"code":"C","coexistence":false,"phoneId":"2","wabaId":"1"}`},
		},
		{
			name: "connect, a pattern in words", args: []string{"connect", "--channel", "channel-1", "--waba", "1", "--phone", "2", "--code", "C"},
			wantCode:   exitUsage,
			wantStderr: "hubmessage channel connect: --channel: must be a UUID or 32 hexadecimal digits\nRun 'hubmessage channel connect --help' for usage.\n",
		},
		{
			name: "disconnect", args: []string{"disconnect", "--channel", hexChannel},
			wantStdout: "channel " + hexChannel + " disconnected\n",
			wantSent:   []string{"PUT /hub/v1/channels/" + hexChannel + "/disconnect"},
		},
		{
			name: "disconnect, JSON", args: []string{"disconnect", "--channel", hexChannel, "--json"},
			wantStdout: `{"channelId":"` + hexChannel + `","disconnected":true}` + "\n",
			wantSent:   []string{"PUT /hub/v1/channels/" + hexChannel + "/disconnect"},
		},
		{
			name: "disconnect, answered false", args: []string{"disconnect", "--channel", hexChannel},
			answers:  map[string]answer{"disconnect": {200, `false`}},
			wantCode: exitFail,
			wantStderr: "hubmessage channel disconnect: the API answered OK but not with the success this operation documents (200 OK: response body: false, not true)\n" +
				"The call may or may not have taken effect: check the channel before trying again.\n",
			wantSent: []string{"PUT /hub/v1/channels/" + hexChannel + "/disconnect"},
		},
		{
			name: "disconnect, unknown channel", args: []string{"disconnect", "--channel", hexChannel},
			answers:  map[string]answer{"disconnect": {404, `{"error":404,"message":"Channel not found"}`}},
			wantCode: exitFail,
			wantStderr: "hubmessage channel disconnect: no channel " + hexChannel + " (404 \"Channel not found\")\n" +
				"Check --channel: a deleted channel is gone for good. If every call answers 404, check --base-url.\n",
			wantSent: []string{"PUT /hub/v1/channels/" + hexChannel + "/disconnect"},
		},
		{
			name: "delete, no reason: no body", args: []string{"delete", "--channel", hexChannel},
			wantStdout: "channel " + hexChannel + " deleted\n",
			wantSent:   []string{"DELETE /hub/v1/channels/" + hexChannel},
		},
		{
			name: "delete with a reason, JSON", args: []string{"delete", "--channel", hexChannel, "--reason", "Customer closed the company", "--json"},
			wantStdout: `{"channelId":"` + hexChannel + `","deleted":true}` + "\n",
			wantSent:   []string{"DELETE /hub/v1/channels/" + hexChannel + ` {"cancelReason":"Customer closed the company"}`},
		},
		{
			name: "delete while connected", args: []string{"delete", "--channel", hexChannel},
			answers:  map[string]answer{"delete": {422, `{"error":422,"message":"INSTANCE_STILL_CONNECTED"}`}},
			wantCode: exitFail,
			wantStderr: "hubmessage channel delete: the channel is connected (422 INSTANCE_STILL_CONNECTED)\n" +
				"Disconnect it first: hubmessage channel disconnect --channel " + hexChannel + "\n",
			wantSent: []string{"DELETE /hub/v1/channels/" + hexChannel},
		},
		{
			name: "delete with an active subscription", args: []string{"delete", "--channel", hexChannel},
			answers:  map[string]answer{"delete": {422, `{"error":422,"message":"INSTANCE_HAS_ACTIVE_SUBSCRIPTION"}`}},
			wantCode: exitFail,
			wantStderr: "hubmessage channel delete: the channel's subscription is active (422 INSTANCE_HAS_ACTIVE_SUBSCRIPTION)\n" +
				"Cancel the subscription first; a CANCELED, TRIAL or PENDING one allows deletion.\n",
			wantSent: []string{"DELETE /hub/v1/channels/" + hexChannel},
		},
		{
			name: "delete, no channel", args: []string{"delete"},
			wantCode:   exitUsage,
			wantStderr: "hubmessage channel delete: --channel is required\nRun 'hubmessage channel delete --help' for usage.\n",
		},
		{
			name: "delete, reason too long", args: []string{"delete", "--channel", hexChannel, "--reason", strings.Repeat("r", 4097)},
			wantCode:   exitUsage,
			wantStderr: "hubmessage channel delete: --reason: must be at most 4096 characters, have 4097\nRun 'hubmessage channel delete --help' for usage.\n",
		},
		{
			name: "a 503 from a full sandbox", args: []string{"disconnect", "--channel", hexChannel, "--json"},
			answers:    map[string]answer{"disconnect": {503, `{"error":503,"message":"sandbox full"}`}},
			wantCode:   exitFail,
			wantStdout: `{"error":{"status":503,"message":"sandbox full","reason":"the API cannot take the request now","advice":"Try again later."}}` + "\n",
			wantSent:   []string{"PUT /hub/v1/channels/" + hexChannel + "/disconnect"},
		},
		{
			name: "a server repeating the key: redacted", args: []string{"disconnect", "--channel", hexChannel},
			answers:    map[string]answer{"disconnect": {400, `{"error":400,"message":"bad key ` + testKey + `"}`}},
			wantCode:   exitFail,
			wantStderr: "hubmessage channel disconnect: the API found the request invalid (400 \"bad key " + secretkey.Redacted + "\")\n",
			wantSent:   []string{"PUT /hub/v1/channels/" + hexChannel + "/disconnect"},
		},
		{
			name: "a server repeating the key: redacted in JSON", args: []string{"disconnect", "--channel", hexChannel, "--json"},
			answers:    map[string]answer{"disconnect": {400, `{"error":400,"message":"bad key ` + testKey + `"}`}},
			wantCode:   exitFail,
			wantStdout: `{"error":{"status":400,"message":"bad key ` + secretkey.Redacted + `","reason":"the API found the request invalid"}}` + "\n",
			wantSent:   []string{"PUT /hub/v1/channels/" + hexChannel + "/disconnect"},
		},
		{
			name: "a flag without its value", args: []string{"delete", "--channel"},
			wantCode:   exitUsage,
			wantStderr: "hubmessage channel delete: --channel needs a value\nRun 'hubmessage channel delete --help' for usage.\n",
		},
		{
			name: "an error body that is not the API's", args: []string{"delete", "--channel", hexChannel, "--json"},
			answers:    map[string]answer{"delete": {502, `<html>bad gateway</html>`}},
			wantCode:   exitFail,
			wantStdout: `{"error":{"status":502,"reason":"an upstream integration (Meta) failed","detail":"502 Bad Gateway: response body is \"text/html; charset=utf-8\" (24 bytes), not JSON","advice":"Try again later."}}` + "\n",
			wantSent:   []string{"DELETE /hub/v1/channels/" + hexChannel},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			api := newFakeAPI(t, tc.answers)
			args := append([]string{"channel", tc.args[0], "--base-url", api.URL + "/hub"}, tc.args[1:]...)
			code, stdout, stderr := runCLI(t, map[string]string{secretkey.EnvVar: testKey}, "", args...)
			if code != tc.wantCode {
				t.Errorf("exit code %d, want %d", code, tc.wantCode)
			}
			if diff := cmp.Diff(tc.wantStdout, stdout); diff != "" {
				t.Errorf("stdout (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantStderr, stderr); diff != "" {
				t.Errorf("stderr (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantSent, api.requests()); diff != "" {
				t.Errorf("requests (-want +got):\n%s", diff)
			}
			checkOutput(t, stdout, stderr)
		})
	}
}

// TestChannelCommandsConfiguration: a missing or bad key, base URL or flag is reported in
// the command line's words (flags and variables, never Go options), before anything is sent.
func TestChannelCommandsConfiguration(t *testing.T) {
	t.Parallel()
	keyFile := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(keyFile, []byte(testKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	wrongKeyFile := filepath.Join(t.TempDir(), "wrong")
	if err := os.WriteFile(wrongKeyFile, []byte("pk_live_public_key"), 0o600); err != nil {
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

	disconnect := []string{"channel", "disconnect", "--channel", hexChannel}
	tests := []struct {
		name       string
		args       []string // --base-url (the fake API) comes first unless noBaseURL
		env        map[string]string
		noBaseURL  bool
		wantCode   int
		wantStdout string
		wantStderr []string // lines, exactly
		prefixOnly bool     // the last line of wantStderr is only the start of the line
		wantSent   int
	}{
		{
			name: "wrong key: what to check", args: disconnect, env: map[string]string{secretkey.EnvVar: "sk_wrong"},
			wantCode: exitFail, wantSent: 1,
			wantStderr: []string{
				"hubmessage channel disconnect: the API did not accept the Secret Key (401 Unauthorized)",
				"Check $HUBMESSAGE_SECRET_KEY: it must hold the Secret Key from the Hub Message Security panel, not the browser SDK's Public Key.",
			},
		},
		{
			name: "wrong key from a file, which wins over the environment", args: append([]string{"channel", "disconnect", "--secret-key-file", wrongKeyFile}, disconnect[2:]...),
			env: map[string]string{secretkey.EnvVar: testKey}, wantCode: exitFail, wantSent: 1,
			wantStderr: []string{
				"hubmessage channel disconnect: the API did not accept the Secret Key (401 Unauthorized)",
				"Check --secret-key-file " + wrongKeyFile + ": it must hold the Secret Key from the Hub Message Security panel, not the browser SDK's Public Key.",
			},
		},
		{
			name: "key from a file", args: append([]string{"channel", "disconnect", "--secret-key-file", keyFile}, disconnect[2:]...),
			wantStdout: "channel " + hexChannel + " disconnected\n", wantSent: 1,
		},
		{
			name: "base URL from the environment", args: disconnect, noBaseURL: true, env: map[string]string{secretkey.EnvVar: testKey},
			wantStdout: "channel " + hexChannel + " disconnected\n", wantSent: 1,
		},
		{
			name: "no key", args: disconnect, wantCode: exitUsage,
			wantStderr: []string{"hubmessage channel disconnect: no Secret Key: set $HUBMESSAGE_SECRET_KEY (export HUBMESSAGE_SECRET_KEY=...) or pass --secret-key-file"},
		},
		{
			name: "key with a space", args: disconnect, env: map[string]string{secretkey.EnvVar: "sk test"}, wantCode: exitUsage,
			wantStderr: []string{"hubmessage channel disconnect: $HUBMESSAGE_SECRET_KEY: must not contain whitespace (byte 2)"},
		},
		{
			name: "missing key file", args: append([]string{"channel", "disconnect", "--secret-key-file", filepath.Join(t.TempDir(), "nope")}, disconnect[2:]...), wantCode: exitUsage,
			wantStderr: []string{"hubmessage channel disconnect: --secret-key-file: open "}, prefixOnly: true,
		},
		{
			name: "key as a flag", args: append([]string{"channel", "disconnect", "--secret-key=" + testKey}, disconnect[2:]...), wantCode: exitUsage,
			wantStderr: []string{"hubmessage channel disconnect: " + errSecretKeyFlag.Error(), "Run 'hubmessage channel disconnect --help' for usage."},
		},
		{
			name: "key as the value of another flag", args: []string{"channel", "disconnect", "--channel", "--secret-key=" + testKey}, wantCode: exitUsage,
			wantStderr: []string{"hubmessage channel disconnect: " + errSecretKeyFlag.Error(), "Run 'hubmessage channel disconnect --help' for usage."},
		},
		{
			name: "base URL host:port without a scheme", args: append(disconnect, "--base-url", "127.0.0.1:8080"), noBaseURL: true, env: map[string]string{secretkey.EnvVar: testKey}, wantCode: exitUsage,
			wantStderr: []string{"hubmessage channel disconnect: --base-url: no scheme; add http:// or https://, as in http://localhost:8080"},
		},
		{
			name: "base URL localhost:port without a scheme, from the environment", args: disconnect, noBaseURL: true, env: map[string]string{secretkey.EnvVar: testKey, envBaseURL: "localhost:8080"}, wantCode: exitUsage,
			wantStderr: []string{"hubmessage channel disconnect: $HUBMESSAGE_BASE_URL: no scheme; add http:// or https://, as in http://localhost:8080"},
		},
		{
			name: "plain http to a remote host", args: append(disconnect, "--base-url", refusedNonLoopback), noBaseURL: true, env: map[string]string{secretkey.EnvVar: testKey}, wantCode: exitUsage,
			wantStderr: []string{"hubmessage channel disconnect: --base-url " + refusedNonLoopback + ": plain http to a host that is not loopback would send the Secret Key in clear; use https, or --insecure-http behind a trusted TLS-terminating proxy"},
		},
		{
			name: "plain http to a remote host, allowed", args: append(disconnect, "--insecure-http", "--base-url", refusedNonLoopback), noBaseURL: true, env: map[string]string{secretkey.EnvVar: testKey}, wantCode: exitFail,
			wantStderr: []string{"hubmessage channel disconnect: could not reach the API, after 3 attempts (dial tcp " + strings.TrimPrefix(refusedNonLoopback, "http://") + ": connect: connection refused)", "Check --base-url (" + refusedNonLoopback + "), and that the server is reachable from here."},
		},
		{
			name: "create, connection refused: nothing was sent, so nothing created", args: []string{"channel", "create", "--name", "n", "--type", "META_WHATSAPP", "--base-url", refused}, noBaseURL: true, env: map[string]string{secretkey.EnvVar: testKey}, wantCode: exitFail,
			wantStderr: []string{"hubmessage channel create: could not reach the API, after 3 attempts (dial tcp " + strings.TrimPrefix(refused, "http://") + ": connect: connection refused)", "Check --base-url (" + refused + "), and that the server is reachable from here."},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			api := newFakeAPI(t, nil)
			env := map[string]string{envBaseURL: api.URL + "/hub"}
			for k, v := range tc.env {
				env[k] = v
			}
			args := tc.args
			if !tc.noBaseURL {
				args = append([]string{args[0], args[1], "--base-url", api.URL + "/hub"}, args[2:]...)
			}
			code, stdout, stderr := runCLI(t, env, "", args...)
			if code != tc.wantCode {
				t.Errorf("exit code %d, want %d", code, tc.wantCode)
			}
			if diff := cmp.Diff(tc.wantStdout, stdout); diff != "" {
				t.Errorf("stdout (-want +got):\n%s", diff)
			}
			var lines []string
			if stderr != "" {
				lines = strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
			}
			if n := len(lines) - 1; tc.prefixOnly && n == len(tc.wantStderr)-1 && strings.HasPrefix(lines[n], tc.wantStderr[n]) {
				lines[n] = tc.wantStderr[n] // the rest is the OS's words
			}
			if diff := cmp.Diff(tc.wantStderr, lines); diff != "" {
				t.Errorf("stderr lines (-want +got):\n%s", diff)
			}
			if n := len(api.requests()); n != tc.wantSent {
				t.Errorf("API saw %d requests, want %d", n, tc.wantSent)
			}
			checkOutput(t, stdout, stderr)
		})
	}
}

// TestChannelCommandsWrongFlag: every command answers a wrong flag with one line and where to
// find help, not its whole usage.
func TestChannelCommandsWrongFlag(t *testing.T) {
	t.Parallel()
	var cmds [][]string
	for _, c := range channelCommands {
		cmds = append(cmds, []string{"channel", c.name})
	}
	cmds = append(cmds, []string{"connect"})
	for _, cmd := range cmds {
		name := strings.Join(cmd, " ")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := runCLI(t, nil, "", append(cmd, "--nmae", "x")...)
			prog := "hubmessage " + name
			if name == "connect" {
				prog = "hubmessage channel connect"
				stderr = strings.TrimPrefix(stderr, "hubmessage connect: deprecated; use 'hubmessage channel connect' (same flags)\n")
			}
			hint := "" // a likely typo of a flag the command has is named
			if name == "channel create" {
				hint = "; did you mean --name?"
			}
			want := prog + ": unknown flag --nmae" + hint + "\nRun '" + prog + " --help' for usage.\n"
			if code != exitUsage || stdout != "" || stderr != want {
				t.Errorf("exit %d, stdout %q, stderr %q; want %d, nothing, %q", code, stdout, stderr, exitUsage, want)
			}

			code, stdout, stderr = runCLI(t, nil, "", append(cmd, "--help")...)
			if code != exitOK || !strings.HasPrefix(stdout, "Usage: "+prog+" ") || !strings.Contains(stdout, "--json") {
				t.Errorf("--help: exit %d, stdout %q; want the usage of %s", code, stdout, prog)
			}
			checkOutput(t, stdout, stderr)
		})
	}
}

func TestChannelUsage(t *testing.T) {
	t.Parallel()
	code, stdout, _ := runCLI(t, nil, "", "channel", "--help")
	if code != exitOK {
		t.Errorf("channel --help: exit %d", code)
	}
	for _, c := range channelCommands {
		if !strings.Contains(stdout, "\n  "+c.name+" ") {
			t.Errorf("channel --help does not list %s:\n%s", c.name, stdout)
		}
	}
	if code, _, stderr := runCLI(t, nil, "", "channel"); code != exitUsage || !strings.Contains(stderr, "Usage: hubmessage channel") {
		t.Errorf("channel alone: exit %d, stderr %q", code, stderr)
	}
	code, _, stderr := runCLI(t, nil, "", "channel", "frobnicate")
	if want := "hubmessage channel: unknown command \"frobnicate\"\nRun 'hubmessage channel --help' for the commands.\n"; code != exitUsage || stderr != want {
		t.Errorf("unknown subcommand: exit %d, stderr %q; want %q", code, stderr, want)
	}
}

// TestChannelLifecycleAgainstTheReferenceServer walks a channel's whole life with --json, as a
// script would: create, connect, delete refused while connected, disconnect, delete, and a
// call after delete answering 404.
func TestChannelLifecycleAgainstTheReferenceServer(t *testing.T) {
	t.Parallel()
	ts := mocktest.Start(t)
	env := map[string]string{secretkey.EnvVar: ts.SecretKey, envBaseURL: ts.URL}
	step := func(wantCode int, args ...string) map[string]any {
		t.Helper()
		code, stdout, stderr := runCLI(t, env, "", append([]string{"channel"}, append(args, "--json")...)...)
		if code != wantCode || stderr != "" {
			t.Fatalf("%v: exit %d, stderr %q; want %d and nothing", args, code, stderr, wantCode)
		}
		var v map[string]any
		if err := json.Unmarshal([]byte(stdout), &v); err != nil || strings.Count(stdout, "\n") != 1 {
			t.Fatalf("%v: stdout %q is not one JSON object on one line: %v", args, stdout, err)
		}
		return v
	}
	created := step(exitOK, "create", "--name", "Sales channel", "--type", "META_WHATSAPP")
	id, _ := created["channelId"].(string)
	if !mockserverID(id) || created["created"] != true {
		t.Fatalf("create: %v", created)
	}
	connect := []string{"connect", "--channel", id, "--waba", "428083093730937", "--phone", "123456789012345", "--code", "LIFECYCLE-1"}
	if got := step(exitOK, connect...); !cmp.Equal(got, map[string]any{"channelId": id, "connected": true}) {
		t.Errorf("connect: %v", got)
	}
	refused := step(exitFail, "delete", "--channel", id)
	if diff := cmp.Diff(map[string]any{"error": map[string]any{
		"status": 422.0, "message": "INSTANCE_STILL_CONNECTED", "reason": "the channel is connected",
		"advice": "Disconnect it first: hubmessage channel disconnect --channel " + id,
	}}, refused); diff != "" {
		t.Errorf("delete while connected (-want +got):\n%s", diff)
	}
	if got := step(exitOK, "disconnect", "--channel", id); !cmp.Equal(got, map[string]any{"channelId": id, "disconnected": true}) {
		t.Errorf("disconnect: %v", got)
	}
	if got := step(exitOK, "delete", "--channel", id, "--reason", "end of the test"); !cmp.Equal(got, map[string]any{"channelId": id, "deleted": true}) {
		t.Errorf("delete: %v", got)
	}
	connect[len(connect)-1] = "LIFECYCLE-2"
	gone := step(exitFail, connect...)
	if e, _ := gone["error"].(map[string]any); e["status"] != 404.0 {
		t.Errorf("connect after delete: %v, want a 404", gone)
	}
	if _, ok := ts.Server.Channel(id); ok {
		t.Errorf("the reference server still has channel %s", id)
	}
}

// mockserverID reports whether id is in the form the reference server issues: 32
// upper-case hexadecimal digits.
func mockserverID(id string) bool { return regexp.MustCompile(`^[0-9A-F]{32}$`).MatchString(id) }

// A create whose request may have reached the API, answered or not, says the channel may
// exist: the same advice as for a 5xx.
func TestChannelCreateMayHaveCreated(t *testing.T) {
	t.Parallel()
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := w.(http.Hijacker).Hijack() // the request arrived; no answer comes
		if err == nil {
			conn.Close()
		}
	}))
	t.Cleanup(api.Close)
	code, _, stderr := runCLI(t, map[string]string{secretkey.EnvVar: testKey}, "",
		"channel", "create", "--base-url", api.URL, "--name", "Sales", "--type", "META_WHATSAPP")
	lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
	if code != exitFail || len(lines) != 2 || !strings.HasPrefix(lines[0], "hubmessage channel create: no answer from the API (") ||
		lines[1] != "Try again later. The API may have created the channel anyway: check before creating another." {
		t.Errorf("exit %d, stderr %q; want exit 1, no answer, and that the channel may exist", code, stderr)
	}
	checkOutput(t, stderr)
}
