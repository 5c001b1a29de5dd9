package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/hubmessage/hubmessage-go/contracttest"
	"github.com/hubmessage/hubmessage-go/internal/secretkey"
	"github.com/hubmessage/hubmessage-go/mockserver"
	"github.com/hubmessage/hubmessage-go/openapi"
)

// testClient sends the tests' requests on a transport of its own: httptest.Server.Close calls
// CloseIdleConnections on http.DefaultTransport, which can break a connection another parallel
// test has just taken from the idle pool ("transport connection broken").
var testClient = &http.Client{Transport: &http.Transport{}}

func TestMockHelp(t *testing.T) {
	t.Parallel()
	code, stdout, _ := run(t, "mock", "--help")
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	s, err := mockserver.New()
	if err != nil {
		t.Fatal(err)
	}
	for _, ch := range s.Channels() {
		if !listsChannel(stdout, ch.ID, string(ch.Type)) {
			t.Errorf("help does not list seeded channel %s %s", ch.ID, ch.Type)
		}
	}
	for _, typ := range mockserver.ChannelTypes() {
		if !strings.Contains(stdout, string(typ)) {
			t.Errorf("help does not name channel type %s", typ)
		}
	}
	for _, w := range []string{"--addr", "--secret-key-file PATH", secretkey.EnvVar, "--channel ID[:TYPE]", "--subscription ID:STATUS",
		"--no-enterprise", "--strict-codes", "--sandbox ", "--sandbox-max-keys N", "--sandbox-idle DURATION", "--sandbox-max-channels N", "--sandbox-max-codes N", "--max-body-bytes", "--max-conns N", "--log-level LEVEL",
		mockserver.ExpiredCodePrefix, mockserver.UpstreamErrorPrefix, "Prefer: code=404", "Prefer: example=", "SIGINT", "SIGTERM"} {
		if !strings.Contains(stdout, w) {
			t.Errorf("help does not mention %q", w)
		}
	}
	for _, e := range mockserver.TestEndpoints() {
		if !strings.Contains(stdout, e.Method+" "+e.Path) {
			t.Errorf("help does not document %s %s", e.Method, e.Path)
		}
	}
	for _, st := range mockserver.SubscriptionStatuses() {
		if !strings.Contains(stdout, string(st)) {
			t.Errorf("help does not name subscription status %s", st)
		}
	}
	// Every operation of the spec, whichever they are, on a line of its own.
	doc, err := openapi.Spec()
	if err != nil {
		t.Fatal(err)
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if !slices.ContainsFunc(strings.Split(stdout, "\n"), func(line string) bool {
				return slices.Equal(strings.Fields(line), []string{method, path, op.OperationID})
			}) {
				t.Errorf("help does not list %s %s %s", method, path, op.OperationID)
			}
		}
	}
}

// A malformed key is refused before the server starts, naming where it came from and never
// repeating it.
func TestMockBadKeyFromEnv(t *testing.T) {
	t.Parallel()
	const key = "sk_env\tkey"
	var out, errOut bytes.Buffer
	code := Main(context.Background(), []string{"mock", "--addr", "127.0.0.1:0"}, Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut,
		Getenv: func(k string) string { return map[string]string{secretkey.EnvVar: key}[k] }})
	if want := "hubmessage mock: $HUBMESSAGE_SECRET_KEY: must not contain whitespace (byte 6)"; code != exitUsage || !strings.Contains(errOut.String(), want) {
		t.Errorf("exit %d stderr %q, want exit %d and %q", code, errOut.String(), exitUsage, want)
	}
	if strings.Contains(out.String()+errOut.String(), key) {
		t.Error("output repeats the Secret Key")
	}
}

func TestMockBadInput(t *testing.T) {
	t.Parallel()
	const key = "sk_bad_key_do_not_print"
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "key")
	if err := os.WriteFile(keyFile, []byte("sk bad key\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	bigKeyFile, emptyKeyFile := filepath.Join(dir, "big"), filepath.Join(dir, "empty")
	if os.WriteFile(bigKeyFile, []byte(strings.Repeat("k", maxKeyFileSize+1)), 0o600) != nil || os.WriteFile(emptyKeyFile, []byte(" \n"), 0o600) != nil {
		t.Fatal("writing the key files")
	}
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"bad channel id", []string{"--channel", "nope"}, exitUsage, `invalid value "nope" for flag -channel: channel id "nope" is neither a UUID nor 32 hexadecimal digits`},
		{"bad channel type", []string{"--channel", "00000000-0000-4000-8000-000000000000:SMS"}, exitUsage, `type "SMS" is not one of META_WHATSAPP, META_INSTAGRAM, META_MESSENGER, BOT_TELEGRAM`},
		{"duplicate of a seeded channel", []string{"--channel", strings.ToLower(mockserver.ChannelHex)}, exitUsage, "--channel: channel 019e4c54b1b375a28970b605ca9b03c3 already exists"},
		{"channel given twice", []string{"--channel", "00000000-0000-4000-8000-000000000000", "--channel", "00000000-0000-4000-8000-000000000000:BOT_TELEGRAM"}, exitUsage, "already exists"},
		{"unknown flag", []string{"--port", "1"}, exitUsage, "unknown flag --port"},
		{"argument", []string{"serve"}, exitUsage, `unexpected argument "serve"`},
		{"secret key flag", []string{"--secret-key", key}, exitUsage, "--secret-key is not accepted: a key on the command line shows in ps; set HUBMESSAGE_SECRET_KEY or pass --secret-key-file PATH"},
		{"secret key flag with =", []string{"--addr", "127.0.0.1:0", "--secret-key=" + key}, exitUsage, "--secret-key is not accepted"},
		{"secret key flag, one dash", []string{"-secret-key", key}, exitUsage, "--secret-key is not accepted"},
		{"bad key in the file", []string{"--secret-key-file", keyFile}, exitUsage, "--secret-key-file " + keyFile + ": must not contain whitespace (byte 2)"},
		{"key file too large", []string{"--secret-key-file", bigKeyFile}, exitUsage, "--secret-key-file " + bigKeyFile + ": larger than 4096 bytes"},
		{"empty key file", []string{"--secret-key-file", emptyKeyFile}, exitUsage, "--secret-key-file " + emptyKeyFile + ": empty"},
		{"no key file", []string{"--secret-key-file", filepath.Join(dir, "missing")}, exitUsage, "--secret-key-file: open "},
		{"key file and sandbox", []string{"--sandbox", "--secret-key-file", keyFile}, exitUsage, "--secret-key-file and --sandbox"},
		{"bad body limit", []string{"--max-body-bytes", "0"}, exitUsage, "--max-body-bytes: 0 is not positive"},
		{"bad connection cap", []string{"--max-conns", "-1"}, exitUsage, "--max-conns: -1 is not positive"},
		{"bad log level", []string{"--log-level", "verbose"}, exitUsage, `--log-level "verbose": want debug, info, warn, error or off`},
		{"subscription without status", []string{"--subscription", mockserver.ChannelHex}, exitUsage, "want ID:STATUS"},
		{"subscription status unknown", []string{"--subscription", mockserver.ChannelHex + ":ACTIVE"}, exitUsage, `status "ACTIVE" is not one of PAID`},
		{"subscription of an unknown channel", []string{"--subscription", "00000000-0000-4000-8000-000000000000:PAID"}, exitUsage, `--subscription: no channel "00000000-0000-4000-8000-000000000000" (seed it, or add it with --channel)`},
		{"sandbox flags without --sandbox", []string{"--sandbox-idle", "1m", "--sandbox-max-keys", "3"}, exitUsage, "--sandbox-idle, --sandbox-max-keys: only with --sandbox"},
		{"sandbox without keys", []string{"--sandbox", "--sandbox-max-keys", "0"}, exitUsage, "--sandbox-max-keys 0: must be positive"},
		{"sandbox without channels", []string{"--sandbox", "--sandbox-max-channels", "0"}, exitUsage, "--sandbox-max-channels 0: must be positive"},
		{"sandbox without codes", []string{"--sandbox", "--sandbox-max-codes", "-2"}, exitUsage, "--sandbox-max-codes -2: must be positive"},
		{"sandbox caps without --sandbox", []string{"--sandbox-max-codes", "5"}, exitUsage, "--sandbox-max-codes: only with --sandbox"},
		{"sandbox idle negative", []string{"--sandbox", "--sandbox-idle", "-1s"}, exitUsage, "--sandbox-idle -1s: must be positive"},
		{"bad addr", []string{"--addr", "127.0.0.1:99999"}, exitFail, "--addr 127.0.0.1:99999"},
		{"strict codes with a value", []string{"--strict-codes=maybe"}, exitUsage, `invalid boolean value "maybe" for -strict-codes`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := run(t, append([]string{"mock"}, tc.args...)...)
			if code != tc.code || !strings.Contains(stderr, tc.stderr) {
				t.Errorf("exit %d stderr %q, want exit %d and %q", code, stderr, tc.code, tc.stderr)
			}
			if lines := strings.Split(strings.TrimSpace(stderr), "\n"); tc.code == exitUsage &&
				(len(lines) != 2 || lines[1] != "Run 'hubmessage mock --help' for usage.") {
				t.Errorf("stderr is not one line and the hint: %q", stderr)
			}
			if strings.Contains(stdout+stderr, key) || strings.Contains(stdout+stderr, "sk bad key") {
				t.Errorf("output repeats the Secret Key: %q", stdout+stderr)
			}
		})
	}
}

// listsChannel reports whether text has a line "ID TYPE" (and maybe a note in parentheses).
func listsChannel(text, id, typ string) bool {
	for _, line := range strings.Split(text, "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == id && f[1] == typ {
			return true
		}
	}
	return false
}

// lockedBuffer collects what the server's goroutines write.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startMock runs `hubmessage mock args...` in-process on a free port. It returns the server's
// URL, the stdout lines printed before it listened, and stop, which cancels it and returns
// its exit code and full output.
func startMock(t *testing.T, env map[string]string, args ...string) (url string, header []string, stop func() (int, string, string)) {
	t.Helper()
	return startServer(t, env, append([]string{"mock", "--addr", "127.0.0.1:0"}, args...)...)
}

// startServer runs the server command args in-process, as startMock does.
func startServer(t *testing.T, env map[string]string, args ...string) (url string, header []string, stop func() (int, string, string)) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	outR, outW := io.Pipe()
	var stderr lockedBuffer
	exit := make(chan int, 1)
	go func() {
		code := Main(ctx, args,
			Env{Stdin: strings.NewReader(""), Stdout: outW, Stderr: &stderr, Getenv: func(k string) string { return env[k] }})
		outW.Close()
		exit <- code
	}()
	lines := bufio.NewScanner(outR)
	for lines.Scan() {
		header = append(header, lines.Text())
		if u, ok := strings.CutPrefix(lines.Text(), "listening on "); ok {
			url = u
			break
		}
	}
	if url == "" {
		cancel()
		t.Fatalf("no 'listening on' line; stdout %q stderr %q (exit %d)", header, stderr.String(), <-exit)
	}
	rest := make(chan string, 1)
	go func() { b, _ := io.ReadAll(outR); rest <- string(b) }()
	return url, header, func() (int, string, string) {
		cancel()
		code := <-exit
		return code, strings.Join(header, "\n") + "\n" + <-rest, stderr.String()
	}
}

func postConnect(t *testing.T, url, key, channelID, code string) (int, string) {
	t.Helper()
	status, _, body := call(t, url, key, http.MethodPost, "/v1/channels/"+channelID+"/connect",
		`{"wabaId":"428083093730937","phoneId":"123456789012345","code":"`+code+`","coexistence":false}`)
	return status, body
}

func TestMockRunsInProcess(t *testing.T) {
	t.Parallel()
	const extra = "0123456789abcdef0123456789ABCDEF"
	url, header, stop := startMock(t, nil, "--channel", extra+":bot_telegram", "--channel", "11111111-2222-3333-4444-555555555555",
		"--subscription", extra+":paid", "--log-level", "debug")

	var key string
	for _, l := range header {
		if k, ok := strings.CutPrefix(l, "Secret Key (generated; set HUBMESSAGE_SECRET_KEY or --secret-key-file to choose one): "); ok {
			key = k
		}
	}
	if !strings.HasPrefix(key, "sk_mock_") {
		t.Fatalf("no generated Secret Key printed: %q", header)
	}
	for _, want := range [][2]string{
		{mockserver.ChannelUUID, "META_WHATSAPP"}, {mockserver.ChannelHex, "META_WHATSAPP"}, {mockserver.ChannelInstagram, "META_INSTAGRAM"},
		{extra, "BOT_TELEGRAM"}, {"11111111-2222-3333-4444-555555555555", "META_WHATSAPP"},
	} {
		if !listsChannel(strings.Join(header, "\n"), want[0], want[1]) {
			t.Errorf("start-up output does not list %s %s: %q", want[0], want[1], header)
		}
	}
	if !strings.Contains(strings.Join(header, "\n"), extra+"      BOT_TELEGRAM  subscription PAID") {
		t.Errorf("start-up output does not show the subscription: %q", header)
	}
	if status, body := postConnect(t, url, key, "11111111-2222-3333-4444-555555555555", "cli-code"); status != 200 || body != `{"success":true}` {
		t.Errorf("connect: %d %s", status, body)
	}
	if status, body := postConnect(t, url, key, extra, "cli-code-2"); status != 422 || !strings.Contains(body, "CHANNEL_TYPE_NOT_SUPPORTED") {
		t.Errorf("connect a BOT_TELEGRAM channel: %d %s", status, body)
	}
	if status, _, body := call(t, url, key, http.MethodDelete, "/v1/channels/"+extra, ""); status != 422 || !strings.Contains(body, "INSTANCE_HAS_ACTIVE_SUBSCRIPTION") {
		t.Errorf("delete a channel with --subscription ID:paid: %d %s", status, body)
	}
	code, stdout, stderr := stop()
	if code != exitOK {
		t.Errorf("exit %d after cancel, want 0; stderr %q", code, stderr)
	}
	if !strings.HasSuffix(stdout, "stopped\n") {
		t.Errorf("stdout does not end with stopped: %q", stdout)
	}
	if !strings.Contains(stderr, `path=/v1/channels/{channelId}/connect status=200`) {
		t.Errorf("no request log on stderr: %q", stderr)
	}
	if strings.Contains(stderr, key) || strings.Contains(stderr, "cli-code") {
		t.Errorf("request log shows the key or a code: %q", stderr)
	}
}

func TestMockKeyFromEnvIsNotEchoed(t *testing.T) {
	t.Parallel()
	keyFile := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(keyFile, []byte("sk_env_secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
	}{
		{"env", map[string]string{secretkey.EnvVar: "sk_env_secret"}, nil},
		{"file beats env", map[string]string{secretkey.EnvVar: "sk_other"}, []string{"--secret-key-file", keyFile}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			url, _, stop := startMock(t, tc.env, append(tc.args, "--log-level", "debug")...)
			if status, body := postConnect(t, url, "sk_env_secret", mockserver.ChannelUUID, "env-code"); status != 200 {
				t.Errorf("connect with the given key: %d %s", status, body)
			}
			if status, _ := postConnect(t, url, "sk_other", mockserver.ChannelUUID, "env-code-2"); tc.args != nil && status != 401 {
				t.Errorf("the env key still works though --secret-key-file was given: %d", status)
			}
			code, stdout, stderr := stop()
			if code != exitOK {
				t.Errorf("exit %d", code)
			}
			if strings.Contains(stdout+stderr, "sk_env_secret") || strings.Contains(stdout, "Secret Key") {
				t.Errorf("output mentions the given key: stdout %q stderr %q", stdout, stderr)
			}
			if !strings.Contains(stderr, "status=200") {
				t.Errorf("--log-level debug logs no request: %q", stderr)
			}
		})
	}
}

// The log level: info (the default) logs the start but no line per request; debug adds
// them; off logs nothing.
func TestMockLogLevels(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args          []string
		start, perReq bool
	}{
		{nil, true, false},
		{[]string{"--log-level", "debug"}, true, true},
		{[]string{"--log-level", "warn"}, false, false},
		{[]string{"--log-level", "off"}, false, false},
	} {
		t.Run(strings.Join(append([]string{"default"}, tc.args...), " "), func(t *testing.T) {
			t.Parallel()
			url, _, stop := startMock(t, map[string]string{secretkey.EnvVar: "sk_log_levels"}, tc.args...)
			postConnect(t, url, "sk_log_levels", mockserver.ChannelUUID, "log-code")
			code, _, stderr := stop()
			if code != exitOK {
				t.Errorf("exit %d", code)
			}
			if got := strings.Contains(stderr, `level=INFO msg="started;`); got != tc.start {
				t.Errorf("start-up line logged %v, want %v: %q", got, tc.start, stderr)
			}
			if got := strings.Contains(stderr, "msg=request"); got != tc.perReq {
				t.Errorf("request lines logged %v, want %v: %q", got, tc.perReq, stderr)
			}
		})
	}
}

// The issue's walk, against `hubmessage mock`: create 201 {id} → connect 200 → delete 422
// INSTANCE_STILL_CONNECTED → disconnect 200 true → delete 204 → connect 404; and with
// --no-enterprise, create and delete answer the vendor's 422.
func TestMockLifecycle(t *testing.T) {
	t.Parallel()
	const key = "sk_cli_lifecycle"
	env := map[string]string{secretkey.EnvVar: key}
	url, _, stop := startMock(t, env)
	status, _, body := call(t, url, key, http.MethodPost, "/v1/channels", `{"name":"Sales channel","type":"META_WHATSAPP"}`)
	var created struct{ ID string }
	if err := json.Unmarshal([]byte(body), &created); status != 201 || err != nil || created.ID == "" {
		t.Fatalf("create: %d %s", status, body)
	}
	channel := "/v1/channels/" + created.ID
	for _, step := range []struct {
		method, path, body string
		status             int
		answer             string
	}{
		{http.MethodPost, channel + "/connect", `{"wabaId":"1","phoneId":"2","code":"cli-life","coexistence":false}`, 200, `{"success":true}`},
		{http.MethodDelete, channel, "", 422, `{"error":422,"message":"INSTANCE_STILL_CONNECTED"}`},
		{http.MethodPut, channel + "/disconnect", "", 200, "true"},
		{http.MethodDelete, channel, "", 204, ""},
		{http.MethodPost, channel + "/connect", `{"wabaId":"1","phoneId":"2","code":"cli-life-2","coexistence":false}`, 404, `{"error":404,"message":"Channel not found"}`},
	} {
		if status, _, body := call(t, url, key, step.method, step.path, step.body); status != step.status || body != step.answer {
			t.Errorf("%s %s: %d %s, want %d %s", step.method, step.path, status, body, step.status, step.answer)
		}
	}
	if code, _, stderr := stop(); code != exitOK {
		t.Errorf("exit %d: %s", code, stderr)
	}

	url, header, stop := startMock(t, env, "--no-enterprise")
	if !slices.Contains(header, "account without the ENTERPRISE role: create and delete answer 422") {
		t.Errorf("start-up output does not say the role is off: %q", header)
	}
	if status, _, body := call(t, url, key, http.MethodPost, "/v1/channels", `{"name":"x","type":"BOT_TELEGRAM"}`); status != 422 || !strings.Contains(body, "This action requires ENTERPRISE role") {
		t.Errorf("create with --no-enterprise: %d %s", status, body)
	}
	if status, _, body := call(t, url, key, http.MethodDelete, "/v1/channels/"+mockserver.ChannelHex, ""); status != 422 || !strings.Contains(body, "Channel deletion requires ENTERPRISE role") {
		t.Errorf("delete with --no-enterprise: %d %s", status, body)
	}
	stop()
}

// With --sandbox, two keys never see each other's channels, and past --sandbox-max-keys a new
// key is answered 503 with Retry-After.
func TestMockSandbox(t *testing.T) {
	t.Parallel()
	url, header, stop := startMock(t, map[string]string{secretkey.EnvVar: "sk_ignored_in_sandbox"},
		"--sandbox", "--sandbox-max-keys", "2", "--sandbox-idle", "10m", "--sandbox-max-channels", "50")
	if !slices.Contains(header, "sandbox: any well-formed Secret Key, each with its own state; up to 2 keys of 50 channels and 1000 used codes each, a key's state dropped after 10m0s idle") {
		t.Errorf("start-up output does not describe the sandbox: %q", header)
	}
	status, _, body := call(t, url, "sk_job_a", http.MethodPost, "/v1/channels", `{"name":"A","type":"META_WHATSAPP"}`)
	var created struct{ ID string }
	if err := json.Unmarshal([]byte(body), &created); status != 201 || err != nil {
		t.Fatalf("create with key A: %d %s", status, body)
	}
	if status, _, body := call(t, url, "sk_job_a", http.MethodPut, "/v1/channels/"+created.ID+"/disconnect", ""); status != 200 {
		t.Errorf("key A, its own channel: %d %s", status, body)
	}
	if status, _, body := call(t, url, "sk_job_b", http.MethodPut, "/v1/channels/"+created.ID+"/disconnect", ""); status != 404 {
		t.Errorf("key B, key A's channel: %d %s, want 404", status, body)
	}
	status, h, body := call(t, url, "sk_job_c", http.MethodPut, "/v1/channels/"+mockserver.ChannelHex+"/disconnect", "")
	if status != 503 || !strings.Contains(body, "sandbox is full: 2 Secret Keys active") || h.Get("Retry-After") == "" {
		t.Errorf("a third key: %d %s (Retry-After %q), want 503 with Retry-After", status, body, h.Get("Retry-After"))
	}
	code, stdout, stderr := stop()
	if code != exitOK {
		t.Errorf("exit %d: %s", code, stderr)
	}
	for _, key := range []string{"sk_job_a", "sk_job_b", "sk_job_c", "sk_ignored_in_sandbox"} {
		if strings.Contains(stdout+stderr, key) {
			t.Errorf("output shows key %s", key)
		}
	}
	if !strings.Contains(stderr, "sandbox is full") {
		t.Errorf("the full sandbox is not logged at the default level: %q", stderr)
	}
}

// call makes one request to the running mock with Secret Key key and checks the answer:
// against the spec, or for a test-only endpoint (not in the spec) that it is JSON.
func call(t *testing.T, url, key, method, path, body string) (int, http.Header, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := testClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if strings.HasPrefix(path, "/_mock/") {
		if ct := res.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("%s %s: Content-Type %q", method, path, ct)
		}
	} else if err := specValidator.ValidateResponse(req, res.StatusCode, res.Header, b); err != nil {
		t.Errorf("undocumented answer %d %s: %v", res.StatusCode, b, err)
	}
	return res.StatusCode, res.Header, strings.TrimSpace(string(b))
}

func FuzzParseMockFlags(f *testing.F) {
	for _, seed := range []string{mockserver.ChannelUUID, mockserver.ChannelHex + ":META_INSTAGRAM", "x:y", ":", "", mockserver.ChannelUUID + ":bot_telegram:extra"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, channel string) {
		got, err := parseMockFlags([]string{"--channel", channel}, Env{Getenv: func(string) string { return "" }})
		if err != nil {
			return
		}
		if len(got.opts) != 1 {
			t.Fatalf("--channel %q: %d options", channel, len(got.opts))
		}
		if _, err := mockserver.New(got.opts...); err != nil && !strings.Contains(err.Error(), "already exists") {
			t.Fatalf("--channel %q parsed to an option New rejects: %v", channel, err)
		}
	})
}

// specValidator checks the answers these tests see against the spec.
var specValidator = func() *contracttest.Validator {
	v, err := contracttest.New()
	if err != nil {
		panic(err)
	}
	return v
}()

// The test-only endpoints of `hubmessage mock --strict-codes`, listed at start and each
// answering: a code from /_mock/codes connects once, a made-up one is CODE_EXPIRED, the
// clock expires a code, a queued 502 comes before the real answer.
func TestMockTestEndpoints(t *testing.T) {
	t.Parallel()
	const key = "sk_cli_test_endpoints"
	url, header, stop := startMock(t, map[string]string{secretkey.EnvVar: key}, "--strict-codes")
	for _, e := range mockserver.TestEndpoints() {
		if !slices.ContainsFunc(header, func(l string) bool { return strings.HasPrefix(strings.TrimSpace(l), e.Method+" "+e.Path+" ") }) {
			t.Errorf("start-up output does not list %s %s: %q", e.Method, e.Path, header)
		}
		if status, _, body := call(t, url, key, e.Method, e.Path, `{}`); status == http.StatusNotFound {
			t.Errorf("%s %s: %d %s, an endpoint the server does not have", e.Method, e.Path, status, body)
		}
	}
	if !slices.ContainsFunc(header, func(l string) bool { return strings.HasPrefix(l, "strict codes: ") }) {
		t.Errorf("start-up output does not say codes are strict: %q", header)
	}
	issue := func() string {
		t.Helper()
		status, _, body := call(t, url, key, http.MethodPost, "/_mock/codes", "")
		var issued struct{ Code string }
		if err := json.Unmarshal([]byte(body), &issued); status != http.StatusCreated || err != nil || issued.Code == "" {
			t.Fatalf("POST /_mock/codes: %d %s", status, body)
		}
		return issued.Code
	}
	unused := issue() // never sent: it must not show anywhere either
	expired := issue()
	if status, _, body := call(t, url, key, http.MethodPost, "/_mock/clock", `{"advance":"31s"}`); status != http.StatusOK || !strings.Contains(body, `"now":`) {
		t.Errorf("POST /_mock/clock: %d %s", status, body)
	}
	if status, _, body := call(t, url, key, http.MethodPost, "/_mock/scenarios", `{"operationId":"connectMetaChannel","statuses":[502]}`); status != http.StatusCreated {
		t.Errorf("POST /_mock/scenarios: %d %s", status, body)
	}
	fresh := issue()
	for _, step := range []struct {
		name, channel, code string
		status              int
		message             string
	}{
		{"queued 502", mockserver.ChannelUUID, fresh, 502, "Integration error"},
		{"issued, after the clock moved", mockserver.ChannelUUID, expired, 422, "CODE_EXPIRED"},
		{"issued after the move", mockserver.ChannelUUID, fresh, 200, ""},
		{"again", mockserver.ChannelHex, fresh, 422, "CODE_ALREADY_USED"},
		{"made up, strict", mockserver.ChannelHex, "ABC123DEF456", 422, "CODE_EXPIRED"},
	} {
		status, body := postConnect(t, url, key, step.channel, step.code)
		if status != step.status || !strings.Contains(body, step.message) {
			t.Errorf("%s: %d %s, want %d %s", step.name, status, body, step.status, step.message)
		}
	}
	if status, _, body := call(t, url, "sk_wrong", http.MethodPost, "/_mock/codes", ""); status != http.StatusUnauthorized {
		t.Errorf("POST /_mock/codes with a wrong key: %d %s", status, body)
	}
	exit, stdout, stderr := stop()
	if exit != exitOK {
		t.Errorf("exit %d: %s", exit, stderr)
	}
	for _, secret := range []string{key, unused, expired, fresh} {
		if strings.Contains(stdout+stderr, secret) {
			t.Errorf("output shows a secret: %q", secret)
		}
	}
}
