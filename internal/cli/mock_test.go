package cli

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/hubmessage/hubmessage-go/contracttest"
	"github.com/hubmessage/hubmessage-go/internal/secretkey"
	"github.com/hubmessage/hubmessage-go/mockserver"
	"github.com/hubmessage/hubmessage-go/openapi"
)

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
	for _, w := range []string{"--addr", "--secret-key", "HUBMESSAGE_SECRET_KEY", "--channel ID[:TYPE]", "--max-body-bytes", "--quiet",
		mockserver.ExpiredCodePrefix, mockserver.UpstreamErrorPrefix, "Prefer: code=404", "Prefer: example=", "SIGTERM"} {
		if !strings.Contains(stdout, w) {
			t.Errorf("help does not mention %q", w)
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
	const key = "sk bad key"
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"bad channel id", []string{"--channel", "nope"}, exitUsage, `invalid value "nope" for flag -channel: channel id "nope" is neither a UUID nor 32 hexadecimal digits`},
		{"bad channel type", []string{"--channel", "00000000-0000-4000-8000-000000000000:SMS"}, exitUsage, `type "SMS" is not one of META_WHATSAPP, META_INSTAGRAM, META_MESSENGER, BOT_TELEGRAM`},
		{"duplicate channel", []string{"--channel", mockserver.ChannelHex}, exitUsage, "already exists"},
		{"unknown flag", []string{"--port", "1"}, exitUsage, "flag provided but not defined: -port"},
		{"argument", []string{"serve"}, exitUsage, `unexpected argument "serve"`},
		{"bad secret key", []string{"--secret-key", key}, exitUsage, "hubmessage mock: --secret-key: must not contain whitespace (byte 2)"},
		{"bad body limit", []string{"--max-body-bytes", "0"}, exitUsage, "WithMaxBodyBytes: 0 is not positive"},
		{"bad addr", []string{"--addr", "127.0.0.1:99999"}, exitFail, "--addr 127.0.0.1:99999"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := run(t, append([]string{"mock"}, tc.args...)...)
			if code != tc.code || !strings.Contains(stderr, tc.stderr) {
				t.Errorf("exit %d stderr %q, want exit %d and %q", code, stderr, tc.code, tc.stderr)
			}
			if strings.Contains(stdout+stderr, key) {
				t.Errorf("output repeats the Secret Key")
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
	ctx, cancel := context.WithCancel(t.Context())
	outR, outW := io.Pipe()
	var stderr lockedBuffer
	exit := make(chan int, 1)
	go func() {
		code := Main(ctx, append([]string{"mock", "--addr", "127.0.0.1:0"}, args...),
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
	req, err := http.NewRequest(http.MethodPost, url+"/v1/channels/"+channelID+"/connect",
		strings.NewReader(`{"wabaId":"428083093730937","phoneId":"123456789012345","code":"`+code+`","coexistence":false}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if err := specValidator.ValidateResponse(req, res.StatusCode, res.Header, body); err != nil {
		t.Errorf("undocumented answer %d %s: %v", res.StatusCode, body, err)
	}
	return res.StatusCode, strings.TrimSpace(string(body))
}

func TestMockRunsInProcess(t *testing.T) {
	t.Parallel()
	const extra = "0123456789abcdef0123456789ABCDEF"
	url, header, stop := startMock(t, nil, "--channel", extra+":bot_telegram", "--channel", "11111111-2222-3333-4444-555555555555")

	var key string
	for _, l := range header {
		if k, ok := strings.CutPrefix(l, "Secret Key (generated; set --secret-key or HUBMESSAGE_SECRET_KEY to choose one): "); ok {
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
	if status, body := postConnect(t, url, key, "11111111-2222-3333-4444-555555555555", "cli-code"); status != 200 || body != `{"success":true}` {
		t.Errorf("connect: %d %s", status, body)
	}
	if status, body := postConnect(t, url, key, extra, "cli-code-2"); status != 422 || !strings.Contains(body, "CHANNEL_TYPE_NOT_SUPPORTED") {
		t.Errorf("connect a BOT_TELEGRAM channel: %d %s", status, body)
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
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
	}{
		{"env", map[string]string{secretkey.EnvVar: "sk_env_secret"}, nil},
		{"flag beats env", map[string]string{secretkey.EnvVar: "sk_other"}, []string{"--secret-key", "sk_env_secret"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			url, _, stop := startMock(t, tc.env, append(tc.args, "--quiet")...)
			if status, body := postConnect(t, url, "sk_env_secret", mockserver.ChannelUUID, "env-code"); status != 200 {
				t.Errorf("connect with the given key: %d %s", status, body)
			}
			if status, _ := postConnect(t, url, "sk_other", mockserver.ChannelUUID, "env-code-2"); tc.args != nil && status != 401 {
				t.Errorf("the env key still works though --secret-key was given: %d", status)
			}
			code, stdout, stderr := stop()
			if code != exitOK {
				t.Errorf("exit %d", code)
			}
			if strings.Contains(stdout+stderr, "sk_env_secret") || strings.Contains(stdout, "Secret Key") {
				t.Errorf("output mentions the given key: stdout %q stderr %q", stdout, stderr)
			}
			if stderr != "" {
				t.Errorf("--quiet still logs: %q", stderr)
			}
		})
	}
}

func FuzzParseMockFlags(f *testing.F) {
	for _, seed := range []string{mockserver.ChannelUUID, mockserver.ChannelHex + ":META_INSTAGRAM", "x:y", ":", "", mockserver.ChannelUUID + ":bot_telegram:extra"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, channel string) {
		got, err := parseMockFlags([]string{"--channel", channel}, nil)
		if err != nil {
			return
		}
		if len(got.channels) != 1 {
			t.Fatalf("--channel %q: %d channels", channel, len(got.channels))
		}
		if _, err := mockserver.New(mockserver.WithChannel(got.channels[0].ID, got.channels[0].Type)); err != nil && !strings.Contains(err.Error(), "already exists") {
			t.Fatalf("--channel %q parsed to %+v, which New rejects: %v", channel, got.channels[0], err)
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
