package connecthandler_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/hubmessage/hubmessage-go/client"
	"github.com/hubmessage/hubmessage-go/connecthandler"
	"github.com/hubmessage/hubmessage-go/mockserver"
	"github.com/hubmessage/hubmessage-go/mockserver/mocktest"
)

// testClient sends the tests' requests on a transport of its own: httptest.Server.Close calls
// CloseIdleConnections on http.DefaultTransport, which can break a connection another parallel
// test has just taken from the idle pool ("transport connection broken").
var testClient = &http.Client{Transport: &http.Transport{}}

// testKey is the reference server's Secret Key in these tests; no answer or log may hold it.
const testKey = "sk_test_connecthandler_NEVER_SHOWN_7f3a"

// mountPath is where the tests mount the handler, as a backend would.
const mountPath = "/backend/connect"

// payload returns the SDK payload with code, as a JSON body.
func payload(code string) string {
	b, _ := json.Marshal(map[string]any{"wabaId": "428083093730937", "phoneId": "123456789012345", "code": code, "coexistence": false})
	return string(b)
}

// syncBuffer is a bytes.Buffer for a logger that several goroutines write to; written gets
// a value after each write, if it has room.
type syncBuffer struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	written chan struct{}
}

func newSyncBuffer() *syncBuffer { return &syncBuffer{written: make(chan struct{}, 1)} }

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	select {
	case b.written <- struct{}{}:
	default:
	}
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// records decodes the JSON log lines.
func (b *syncBuffer) records(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(b.String()))
	for sc.Scan() {
		var rec map[string]any
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("log line %q: %v", sc.Text(), err)
		}
		out = append(out, rec)
	}
	return out
}

// countingTransport counts the requests that reach the API, and adds a Prefer header when
// set: the reference server then gives that documented answer.
type countingTransport struct {
	n      atomic.Int32
	prefer string
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	if c.prefer != "" {
		r = r.Clone(r.Context())
		r.Header.Set("Prefer", c.prefer)
	}
	return http.DefaultTransport.RoundTrip(r)
}

// env is one backend: the handler on an httptest server, in front of an API.
type env struct {
	api     *mocktest.Server
	url     string // the handler's URL
	logs    *syncBuffer
	apiHits *countingTransport
}

// setup runs the reference server and the handler in front of it, configured by cfg (see
// mount).
func setup(t *testing.T, cfg connecthandler.Config, opts ...client.Option) *env {
	t.Helper()
	api := mocktest.Start(t, mockserver.WithSecretKey(testKey))
	return mount(t, api, cfg, backend{key: testKey, baseURL: api.URL}, opts...)
}

// backend says how mount makes the handler's client.
type backend struct {
	key     string
	baseURL string
	prefer  string // a Prefer header for every API request
}

// mount runs the handler for cfg at mountPath. A nil cfg.Client is made from b (through a
// countingTransport) and opts; a nil Logger writes JSON to env.logs; a nil ChannelID returns
// mockserver.ChannelUUID.
func mount(t *testing.T, api *mocktest.Server, cfg connecthandler.Config, b backend, opts ...client.Option) *env {
	t.Helper()
	e := &env{api: api, logs: newSyncBuffer(), apiHits: &countingTransport{prefer: b.prefer}}
	if cfg.Client == nil {
		opts = append([]client.Option{client.WithHTTPClient(&http.Client{Transport: e.apiHits})}, opts...)
		cfg.Client = newClient(t, b.baseURL, b.key, opts...)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	if cfg.ChannelID == nil {
		cfg.ChannelID = func(*http.Request) (string, error) { return mockserver.ChannelUUID, nil }
	}
	h, err := connecthandler.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(mountPath, h)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	e.url = srv.URL + mountPath
	return e
}

func newClient(t *testing.T, baseURL, key string, opts ...client.Option) *client.Client {
	t.Helper()
	c, err := client.New(key, append([]client.Option{client.WithBaseURL(baseURL)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// answer is what the handler sent.
type answer struct {
	status int
	header http.Header
	raw    string
	body   map[string]any
}

// do sends a request to the handler; header values override the defaults (POST's
// Content-Type: application/json). A header set to "" is removed.
func do(t *testing.T, method, url, body string, header map[string]string) answer {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	res, err := testClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	a := answer{status: res.StatusCode, header: res.Header, raw: string(raw)}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &a.body); err != nil {
			t.Fatalf("%s: body %q is not a JSON object: %v", res.Status, raw, err)
		}
	}
	return a
}

// post sends body as JSON.
func post(t *testing.T, url, body string) answer {
	t.Helper()
	return do(t, http.MethodPost, url, body, nil)
}

// checkFailure asserts a failure answer's shape: the status, the reason, a message, and no
// other member; and the one log line with the same reason and status.
func (e *env) checkFailure(t *testing.T, a answer, status int, reason string) {
	t.Helper()
	if a.status != status || a.body["reason"] != reason {
		t.Errorf("answer %d %s; want %d with reason %q", a.status, a.raw, status, reason)
	}
	if msg, _ := a.body["message"].(string); len(a.body) != 2 || len(msg) < 10 || !strings.HasSuffix(msg, ".") {
		t.Errorf("body %s; want exactly reason and message, a sentence", a.raw)
	}
	if ct := a.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q; want application/json", ct)
	}
	e.checkLog(t, status, reason)
}

// checkLog asserts there is one log line, with this status and reason.
func (e *env) checkLog(t *testing.T, status int, reason string) map[string]any {
	t.Helper()
	recs := e.logs.records(t)
	if len(recs) != 1 {
		t.Fatalf("%d log lines; want 1:\n%s", len(recs), e.logs)
	}
	rec := recs[0]
	if rec["reason"] != reason || rec["status"] != float64(status) || rec["duration"] == nil {
		t.Errorf("log line %v; want reason %q, status %d and a duration", rec, reason, status)
	}
	return rec
}

// checkSecrets asserts that neither the answer nor the log holds any of secrets.
func (e *env) checkSecrets(t *testing.T, a answer, secrets ...string) {
	t.Helper()
	logs := e.logs.String()
	for _, s := range secrets {
		if s == "" {
			continue
		}
		if strings.Contains(a.raw, s) {
			t.Errorf("the answer %s holds the secret %q", a.raw, s)
		}
		if strings.Contains(logs, s) {
			t.Errorf("the log holds the secret %q:\n%s", s, logs)
		}
	}
}
