package webdemo

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hubmessage/hubmessage-go/mockserver"
)

// testClient sends the tests' requests on a transport of its own: httptest.Server.Close calls
// CloseIdleConnections on http.DefaultTransport, which can break a connection another parallel
// test has just taken from the idle pool ("transport connection broken").
var testClient = &http.Client{Transport: &http.Transport{}}

// startDemo serves a Demo on httptest, after setup (if any) changed it. The demo must know
// its own URL before it serves (its backend calls its API over HTTP), so the listener comes
// first.
func startDemo(t testing.TB, setup ...func(*Demo)) (*Demo, *httptest.Server) {
	t.Helper()
	ts := httptest.NewUnstartedServer(nil)
	d, err := New("http://"+ts.Listener.Addr().String(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range setup {
		f(d)
	}
	ts.Config.Handler = d
	ts.Start()
	t.Cleanup(ts.Close)
	return d, ts
}

// page is what the page's script does over HTTP, with a cookie jar of its own (a browser).
type page struct {
	t      *testing.T
	url    string
	hc     *http.Client
	secret string   // the Secret Key, which no answer may hold
	seen   []string // every answer, headers and body
}

func newPage(t *testing.T, d *Demo, ts *httptest.Server) *page {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &page{t: t, url: ts.URL, hc: &http.Client{Jar: jar}, secret: d.mock.SecretKey()}
}

// do sends a request as the page's script does (same origin) and decodes the JSON answer.
func (p *page) do(method, path, body string) (int, map[string]any) {
	p.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, p.url+path, rd)
	if err != nil {
		p.t.Fatal(err)
	}
	req.Header.Set("Origin", p.url)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := p.hc.Do(req)
	if err != nil {
		p.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		p.t.Fatal(err)
	}
	var header strings.Builder
	_ = res.Header.Write(&header)
	p.seen = append(p.seen, header.String()+string(raw))
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		p.t.Fatalf("%s %s: %d, not a JSON object: %q", method, path, res.StatusCode, raw)
	}
	return res.StatusCode, out
}

// start begins the session, as the page does on load, and returns its channel: 201 for a
// new session, 200 for the one the cookie names.
func (p *page) start() string {
	p.t.Helper()
	status, body := p.do(http.MethodPost, "/backend/session", "")
	id, _ := body["channelId"].(string)
	if (status != http.StatusCreated && status != http.StatusOK) || id == "" {
		p.t.Fatalf("POST /backend/session: %d %v, want 201 or 200 with a channelId", status, body)
	}
	return id
}

// payload is what the SDK stand-in resolves to: a code the reference server issued.
func (p *page) payload() string {
	p.t.Helper()
	status, body := p.do(http.MethodPost, "/backend/demo/sdk-code", "")
	code, _ := body["code"].(string)
	if status != http.StatusOK || code == "" {
		p.t.Fatalf("POST /backend/demo/sdk-code: %d %v, want 200 with a code", status, body)
	}
	b, _ := json.Marshal(map[string]any{"wabaId": "428083093730937", "phoneId": "123456789012345", "code": code, "coexistence": false})
	return string(b)
}

func (p *page) demo(path string) {
	p.t.Helper()
	if status, body := p.do(http.MethodPost, path, ""); status != http.StatusOK {
		p.t.Fatalf("POST %s: %d %v", path, status, body)
	}
}

// connect posts the payload to the backend and returns its answer and the API calls the
// backend made for it, as the page shows them.
func (p *page) connect(payload string) (int, map[string]any, []apiCall) {
	p.t.Helper()
	status, body := p.do(http.MethodPost, "/backend/connect", payload)
	_, trace := p.do(http.MethodGet, "/backend/demo/trace", "")
	b, _ := json.Marshal(trace["calls"])
	var calls []apiCall
	if err := json.Unmarshal(b, &calls); err != nil {
		p.t.Fatal(err)
	}
	return status, body, calls
}

func TestPageIsServed(t *testing.T) {
	t.Parallel()
	_, ts := startDemo(t)
	for _, tc := range []struct{ path, contentType, holds string }{
		{"/", "text/html; charset=utf-8", `<script type="module" src="/app.js"></script>`},
		{"/app.js", "text/javascript; charset=utf-8", `import HubMessage from "/sdk-standin.js"`},
		{"/sdk-standin.js", "text/javascript; charset=utf-8", "export default { newClient }"},
		{"/page.css", "text/css; charset=utf-8", ".demo-only"},
	} {
		res, err := testClient.Get(ts.URL + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != tc.contentType || !strings.Contains(string(body), tc.holds) {
			t.Errorf("GET %s: %d %q, want 200 %q holding %q", tc.path, res.StatusCode, res.Header.Get("Content-Type"), tc.contentType, tc.holds)
		}
		if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
			t.Errorf("GET %s: Content-Security-Policy %q", tc.path, csp)
		}
	}
	if res, err := testClient.Get(ts.URL + "/webdemo.go"); err != nil || res.StatusCode != http.StatusNotFound {
		t.Errorf("GET /webdemo.go: %v %v, want 404", res.StatusCode, err)
	}
}

// The flow as the page drives it, one case per outcome the demo shows: the backend's answer
// and the calls it made to the API.
func TestFlow(t *testing.T) {
	t.Parallel()
	connectCall := func(id string, status int, message, note string) apiCall {
		return apiCall{Method: http.MethodPost, Path: "/v1/channels/" + id + "/connect", Status: status, Message: message, Note: note}
	}
	for _, tc := range []struct {
		name string
		// run drives the page and returns the last connect's answer and calls.
		run        func(p *page) (int, map[string]any, []apiCall)
		status     int
		reason     string
		message    string
		apiStatus  int
		apiMessage string
		apiNote    string
	}{{
		name:   "success",
		run:    func(p *page) (int, map[string]any, []apiCall) { return p.connect(p.payload()) },
		status: http.StatusOK, apiStatus: http.StatusOK,
	}, {
		name: "expired code",
		run: func(p *page) (int, map[string]any, []apiCall) {
			payload := p.payload()
			p.demo("/backend/demo/expire")
			return p.connect(payload)
		},
		status: http.StatusUnprocessableEntity, reason: "code_expired", message: "The signup took too long; start it again.",
		apiStatus: http.StatusUnprocessableEntity, apiMessage: "CODE_EXPIRED",
	}, { // the API's answer, CODE_EXPIRED, does not tell; the demo's trace does
		name: "hand-made code",
		run: func(p *page) (int, map[string]any, []apiCall) {
			return p.connect(`{"wabaId":"428083093730937","phoneId":"123456789012345","code":"HANDMADE123","coexistence":false}`)
		},
		status: http.StatusUnprocessableEntity, reason: "code_expired",
		apiStatus: http.StatusUnprocessableEntity, apiMessage: "CODE_EXPIRED", apiNote: neverIssued,
	}, {
		name: "reused code",
		run: func(p *page) (int, map[string]any, []apiCall) {
			payload := p.payload()
			if status, body, _ := p.connect(payload); status != http.StatusOK {
				p.t.Fatalf("first connect: %d %v", status, body)
			}
			return p.connect(payload)
		},
		status: http.StatusUnprocessableEntity, reason: "code_used", message: "This signup was already used; start it again.",
		apiStatus: http.StatusUnprocessableEntity, apiMessage: "CODE_ALREADY_USED",
	}, {
		name: "upstream failure",
		run: func(p *page) (int, map[string]any, []apiCall) {
			payload := p.payload()
			p.demo("/backend/demo/fail-next-connect")
			return p.connect(payload)
		},
		status: http.StatusBadGateway, reason: "upstream",
		apiStatus: http.StatusBadGateway, apiMessage: "Integration error",
	}, {
		name: "channel already connected",
		run: func(p *page) (int, map[string]any, []apiCall) {
			if status, body, _ := p.connect(p.payload()); status != http.StatusOK {
				p.t.Fatalf("first connect: %d %v", status, body)
			}
			return p.connect(p.payload())
		},
		status: http.StatusConflict, reason: "channel_connected",
		apiStatus: http.StatusUnprocessableEntity, apiMessage: "INSTANCE_STILL_CONNECTED",
	}, {
		name: "connected again after disconnect",
		run: func(p *page) (int, map[string]any, []apiCall) {
			if status, body, _ := p.connect(p.payload()); status != http.StatusOK {
				p.t.Fatalf("first connect: %d %v", status, body)
			}
			p.demo("/backend/demo/disconnect")
			return p.connect(p.payload())
		},
		status: http.StatusOK, apiStatus: http.StatusOK,
	}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d, ts := startDemo(t)
			p := newPage(t, d, ts)
			id := p.start()
			status, body, calls := tc.run(p)
			if status != tc.status {
				t.Errorf("backend answered %d %v, want %d", status, body, tc.status)
			}
			if tc.status == http.StatusOK {
				if diff := cmp.Diff(map[string]any{"connected": true, "channelId": id}, body); diff != "" {
					t.Errorf("backend's success body (-want +got):\n%s", diff)
				}
				if ch, _ := d.mock.Channel(id); !ch.Connected {
					t.Errorf("the reference server's channel %s is not connected", id)
				}
			} else {
				if body["reason"] != tc.reason {
					t.Errorf("reason %v, want %q", body["reason"], tc.reason)
				}
				if msg, _ := body["message"].(string); msg == "" || (tc.message != "" && msg != tc.message) {
					t.Errorf("message %q, want %q", msg, tc.message)
				}
			}
			if diff := cmp.Diff([]apiCall{connectCall(id, tc.apiStatus, tc.apiMessage, tc.apiNote)}, calls); diff != "" {
				t.Errorf("the backend's calls to the API (-want +got):\n%s", diff)
			}
			for _, s := range p.seen {
				if strings.Contains(s, p.secret) {
					t.Fatalf("an answer to the browser holds the Secret Key: %q", s)
				}
			}
		})
	}
}

// An upstream failure is queued for one connect: the next one, with a fresh code, connects.
func TestUpstreamFailureIsQueuedOnce(t *testing.T) {
	t.Parallel()
	d, ts := startDemo(t)
	p := newPage(t, d, ts)
	p.start()
	p.demo("/backend/demo/fail-next-connect")
	if status, body, _ := p.connect(p.payload()); status != http.StatusBadGateway {
		t.Fatalf("connect after the queued failure: %d %v, want 502", status, body)
	}
	if status, body, _ := p.connect(p.payload()); status != http.StatusOK {
		t.Fatalf("the connect after: %d %v, want 200", status, body)
	}
}

// An upstream failure waits in its session: asked for more often than the reference server
// queues answers, it is still one failure of that session's next connect, and another
// session's failure is still taken.
func TestUpstreamFailureIsTheSessions(t *testing.T) {
	t.Parallel()
	d, ts := startDemo(t)
	a, b := newPage(t, d, ts), newPage(t, d, ts)
	a.start()
	b.start()
	for range mockserver.MaxQueuedResponses + 1 {
		a.demo("/backend/demo/fail-next-connect")
	}
	b.demo("/backend/demo/fail-next-connect")
	for _, tc := range []struct {
		p      *page
		name   string
		status int
	}{{b, "b's connect", http.StatusBadGateway}, {a, "a's connect", http.StatusBadGateway}, {a, "a's next connect", http.StatusOK}} {
		if status, body, _ := tc.p.connect(tc.p.payload()); status != tc.status {
			t.Errorf("%s: %d %v, want %d", tc.name, status, body, tc.status)
		}
	}
}

// Each browser session gets a channel of its own, and the backend connects that one,
// whichever the page names.
func TestSessionsHaveTheirOwnChannel(t *testing.T) {
	t.Parallel()
	d, ts := startDemo(t)
	a, b := newPage(t, d, ts), newPage(t, d, ts)
	idA, idB := a.start(), b.start()
	if idA == idB {
		t.Fatalf("two sessions share channel %s", idA)
	}
	if status, body := a.do(http.MethodPost, "/backend/session", ""); status != http.StatusOK || body["channelId"] != idA {
		t.Errorf("POST /backend/session again: %d %v, want 200 and the session's channel %s", status, body, idA)
	}
	if status, body, _ := b.connect(b.payload()); status != http.StatusOK || body["channelId"] != idB {
		t.Fatalf("b's connect: %d %v, want 200 for %s", status, body, idB)
	}
	if ch, _ := d.mock.Channel(idA); ch.Connected {
		t.Errorf("a's channel was connected by b's session")
	}
}

func TestRefused(t *testing.T) {
	t.Parallel()
	d, ts := startDemo(t)
	p := newPage(t, d, ts)
	p.start()
	payload := p.payload()
	for _, tc := range []struct {
		name, method, path, body string
		header                   map[string]string
		noCookie                 bool
		status                   int
		reason                   string // connecthandler's; "" for the demo's routes
	}{
		{name: "connect without a session", method: http.MethodPost, path: "/backend/connect", body: payload, noCookie: true, status: 401, reason: "unauthorized"},
		{name: "code without a session", method: http.MethodPost, path: "/backend/demo/sdk-code", noCookie: true, status: 401},
		{name: "expire without a session", method: http.MethodPost, path: "/backend/demo/expire", noCookie: true, status: 401},
		{name: "failure without a session", method: http.MethodPost, path: "/backend/demo/fail-next-connect", noCookie: true, status: 401},
		{name: "disconnect without a session", method: http.MethodPost, path: "/backend/demo/disconnect", noCookie: true, status: 401},
		{name: "trace without a session", method: http.MethodGet, path: "/backend/demo/trace", noCookie: true, status: 401},
		{name: "cross-site connect", method: http.MethodPost, path: "/backend/connect", body: payload,
			header: map[string]string{"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}, status: 403, reason: "forbidden_origin"},
		{name: "cross-site code", method: http.MethodPost, path: "/backend/demo/sdk-code",
			header: map[string]string{"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}, status: 403},
		{name: "cross-site session", method: http.MethodPost, path: "/backend/session",
			header: map[string]string{"Origin": "https://evil.example"}, status: 403},
		{name: "code by GET", method: http.MethodGet, path: "/backend/demo/sdk-code", status: 405},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, ts.URL+tc.path, strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			if tc.body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			for k, v := range tc.header {
				req.Header.Set(k, v)
			}
			hc := p.hc
			if tc.noCookie {
				hc = testClient
			}
			res, err := hc.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != tc.status {
				t.Errorf("%d %s, want %d", res.StatusCode, raw, tc.status)
			}
			if tc.reason != "" && !strings.Contains(string(raw), `"reason":"`+tc.reason+`"`) {
				t.Errorf("body %s, want reason %q", raw, tc.reason)
			}
		})
	}
}

// Over HTTP, as the page sees it: a new browser past the limit is told when to try again (the
// figures: TestSessionsExpire).
func TestTooManySessions(t *testing.T) {
	t.Parallel()
	d, ts := startDemo(t, func(d *Demo) { d.maxSessions = 1 })
	newPage(t, d, ts).start()
	p := newPage(t, d, ts)
	status, body := p.do(http.MethodPost, "/backend/session", "")
	msg, _ := body["message"].(string)
	if status != http.StatusServiceUnavailable || !strings.Contains(p.seen[0], "Retry-After: ") ||
		!strings.Contains(msg, "try again in ") || strings.Contains(msg, "restart") {
		t.Errorf("a session past the limit: %d %q, want 503 with Retry-After and a message saying when, not to restart", status, p.seen[0])
	}
}

func TestNewRefusesABadBaseURL(t *testing.T) {
	t.Parallel()
	for _, u := range []string{"", "127.0.0.1:8090", "https://127.0.0.1:8090", "http://127.0.0.1:8090/demo", "http://"} {
		if _, err := New(u, nil); err == nil || !strings.Contains(err.Error(), "want http://HOST:PORT") {
			t.Errorf("New(%q): %v, want an error asking for http://HOST:PORT", u, err)
		}
	}
}
