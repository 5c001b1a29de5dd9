package contracttest_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hubmessage/hubmessage-go/contracttest"
)

// proxyFixture is a Validator.Proxy in front of upstream, mounted under /base to catch URL
// joining bugs, with every violation and upstream error it reports collected.
type proxyFixture struct {
	url       string        // the proxy's
	close     func()        // stops the proxy once every exchange is done (recorded, reported)
	hits      *atomic.Int32 // requests the upstream saw
	mu        sync.Mutex
	reported  contracttest.Violations
	exchanges []contracttest.Exchange // as OnExchange got them
	upstream  []error
}

func newProxy(t *testing.T, upstream http.Handler, opts ...contracttest.CheckOption) *proxyFixture {
	t.Helper()
	p := &proxyFixture{hits: &atomic.Int32{}}
	up := httptest.NewServer(http.StripPrefix("/base", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.hits.Add(1)
		upstream.ServeHTTP(w, r)
	})))
	t.Cleanup(up.Close)
	u, err := url.Parse(up.URL + "/base")
	if err != nil {
		t.Fatal(err)
	}
	return p.serve(t, u, opts...)
}

func (p *proxyFixture) serve(t *testing.T, upstream *url.URL, opts ...contracttest.CheckOption) *proxyFixture {
	v := contracttest.MustNew(t, contracttest.WithSecretKey(secretKey))
	opts = append([]contracttest.CheckOption{
		contracttest.OnExchange(func(x contracttest.Exchange, vs contracttest.Violations) {
			p.mu.Lock()
			defer p.mu.Unlock()
			p.reported = append(p.reported, vs...)
			p.exchanges = append(p.exchanges, x)
		}),
		contracttest.OnUpstreamError(func(r *http.Request, err error) {
			p.mu.Lock()
			defer p.mu.Unlock()
			p.upstream = append(p.upstream, err)
		}),
	}, opts...)
	srv := httptest.NewServer(v.Proxy(upstream, opts...))
	t.Cleanup(srv.Close)
	p.url, p.close = srv.URL, srv.Close
	return p
}

// send sends a connect with body through the proxy, with the Secret Key.
func (p *proxyFixture) send(t *testing.T, path, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, p.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+secretKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// lockedBuffer is a recording file a test reads while the proxy writes to it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
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

func (l *lockedBuffer) lines() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return bytes.Count(l.b.Bytes(), []byte("\n"))
}

// An exchange is in the recording before its client has the whole answer (recording is not
// left to a goroutine): a script that reads the recording after its last call never misses
// it.
func TestProxyRecordsBeforeAnswering(t *testing.T) {
	t.Parallel()
	var file lockedBuffer
	rec, err := contracttest.NewRecorder(&file)
	if err != nil {
		t.Fatal(err)
	}
	long := `{"success":true` + strings.Repeat(" ", 16<<10) + `}` // past net/http's write buffer
	p := newProxy(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, long)
	}), contracttest.WithRecorder(rec))
	for i := range 20 {
		p.send(t, connectPath, validBody)
		if n := file.lines(); n != i+1 {
			t.Fatalf("after answer %d the recording holds %d exchanges", i+1, n)
		}
	}
}

// where lists the reported violations as "side operation location".
func (p *proxyFixture) where() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for _, v := range p.reported {
		out = append(out, string(v.Side)+" "+v.Operation+" "+v.Location)
	}
	return out
}

func TestProxyReportsTheUpstreamsViolations(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		upstream http.Handler
		body     string // what the client gets: the upstream's answer, unchanged
		want     []string
	}{
		{"conformant", conformantAPI(), `{"success":true}` + "\n", nil},
		{"out of contract", omitsSuccess(), `{}`, []string{"response connectMetaChannel body /success"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := newProxy(t, tc.upstream)
			// 200 shows the Authorization header reached the upstream.
			if status, body := p.send(t, connectPath, validBody); status != 200 || body != tc.body {
				t.Errorf("got %d %q, want 200 %q", status, body, tc.body)
			}
			p.close()
			if diff := cmp.Diff(tc.want, p.where()); diff != "" {
				t.Errorf("violations (-want +got):\n%s", diff)
			}
		})
	}
}

func TestProxyEnforceRequests(t *testing.T) {
	t.Parallel()
	p := newProxy(t, omitsSuccess(), contracttest.WithMode(contracttest.EnforceRequests))
	status, body := p.send(t, connectPath, `{"wabaId":"1"}`)
	if status != 400 || !strings.Contains(body, `"error":400`) || !strings.Contains(body, "body /code") {
		t.Errorf("invalid request: %d %s, want the spec's 400 naming the problems", status, body)
	}
	if n := p.hits.Load(); n != 0 {
		t.Errorf("the upstream saw %d requests, want none", n)
	}
	if status, body := p.send(t, connectPath, validBody); status != 200 || body != `{}` {
		t.Errorf("invalid response: %d %q, want the upstream's 200 {} unchanged", status, body)
	}
	p.close()
	want := []string{"request connectMetaChannel body /code", "request connectMetaChannel body /coexistence",
		"request connectMetaChannel body /phoneId", "response connectMetaChannel body /success"}
	if diff := cmp.Diff(want, p.where()); diff != "" {
		t.Errorf("violations (-want +got):\n%s", diff)
	}
}

func TestProxyRecordsWhatTheUpstreamAnswered(t *testing.T) {
	t.Parallel()
	const code = "one-time-code-42"
	var file bytes.Buffer
	rec, err := contracttest.NewRecorder(&file)
	if err != nil {
		t.Fatal(err)
	}
	cov, err := contracttest.NewCoverage(nil)
	if err != nil {
		t.Fatal(err)
	}
	p := newProxy(t, conformantAPI(), contracttest.WithMode(contracttest.EnforceRequests),
		contracttest.WithRecorder(rec), contracttest.WithCoverage(cov))
	body := strings.Replace(validBody, "ABC123DEF456", code, 1)
	p.send(t, connectPath, body)
	p.send(t, connectPath, `{"code":"`+code+`"}`) // rejected by the proxy: not recorded
	p.send(t, connectPath, strings.Replace(validBody, "ABC123DEF456", codeUsed, 1))
	p.close() // no read while the server may still write, for the race detector
	if strings.Contains(file.String(), secretKey) || strings.Contains(file.String(), code) || strings.Contains(file.String(), codeUsed) {
		t.Fatalf("the recording holds the key or a code:\n%s", file.String())
	}
	var got []string
	for _, x := range readAll(t, file.String()) {
		got = append(got, x.Operation+" "+x.Method+" "+x.Path+" "+itoa(x.Status)+" "+string(x.Request.Body)+" "+x.Request.Header.Get("Authorization"))
		if x.Time.IsZero() || x.Response.Header.Get("Content-Type") != "application/json" || len(x.Response.Body) == 0 {
			t.Errorf("recorded exchange lacks its time or response: %+v", x)
		}
	}
	want := []string{
		"connectMetaChannel POST " + connectPath + ` 200 {"wabaId":"428083093730937","phoneId":"123456789012345","code":"<code-1>","coexistence":false} <authorization-1>`,
		"connectMetaChannel POST " + connectPath + ` 422 {"wabaId":"428083093730937","phoneId":"123456789012345","code":"<code-2>","coexistence":false} <authorization-1>`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("recording (-want +got):\n%s", diff)
	}
	if n := p.hits.Load(); n != 2 {
		t.Errorf("the upstream answered %d requests, want the 2 recorded", n)
	}
	if diff := cmp.Diff([]string{"connectMetaChannel 200", "connectMetaChannel 422"}, cov.Covered()); diff != "" {
		t.Errorf("coverage (-want +got):\n%s", diff)
	}
	var statuses []int // OnExchange also sees the rejection, with its status
	for _, x := range p.exchanges {
		statuses = append(statuses, x.Status)
	}
	slices.Sort(statuses)
	if diff := cmp.Diff([]int{200, 400, 422}, statuses); diff != "" {
		t.Errorf("OnExchange statuses (-want +got):\n%s", diff)
	}
}

// A violation's exchange, redacted, gives a curl line without the key or the code.
func TestProxyViolationExchangeReproduces(t *testing.T) {
	t.Parallel()
	p := newProxy(t, omitsSuccess())
	p.send(t, connectPath+"?x=1", validBody)
	p.close()
	if len(p.exchanges) != 1 {
		t.Fatalf("%d exchanges reported, want 1", len(p.exchanges))
	}
	x := p.exchanges[0]
	if x.Status != 200 || string(x.ResponseBody) != `{}` || string(x.RequestBody) != validBody || x.Path != connectPath+"?x=1" {
		t.Errorf("exchange %d %q for %s %q, want the upstream's 200 {} for the body sent", x.Status, x.ResponseBody, x.Path, x.RequestBody)
	}
	redactor, err := contracttest.NewRecorder(io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	curl := redactor.Redact(x).SentRequest().Curl("http://upstream.example/base")
	want := `curl -sS -i -g --path-as-is -X 'POST' 'http://upstream.example/base` + connectPath + `?x=1' -H 'Content-Type: application/json' -H 'Authorization: Bearer '"$HUBMESSAGE_SECRET_KEY" --data-binary '{"wabaId":"428083093730937","phoneId":"123456789012345","code":"<code-1>","coexistence":false}'`
	if curl != want {
		t.Errorf("curl:\n%s\nwant\n%s", curl, want)
	}
}

func TestProxyUnreachableUpstream(t *testing.T) {
	t.Parallel()
	gone := httptest.NewServer(http.NotFoundHandler())
	u, _ := url.Parse(gone.URL + "/base")
	gone.Close()
	var file bytes.Buffer
	rec, _ := contracttest.NewRecorder(&file)
	cov, _ := contracttest.NewCoverage(nil)
	p := (&proxyFixture{hits: &atomic.Int32{}}).serve(t, u, contracttest.WithRecorder(rec), contracttest.WithCoverage(cov))
	status, body := p.send(t, connectPath, validBody)
	if status != http.StatusBadGateway || body != `{"error":502,"message":"Bad Gateway"}`+"\n" {
		t.Errorf("got %d %q, want the spec's 502", status, body)
	}
	p.close()
	if len(p.upstream) != 1 || len(p.reported) != 0 || len(p.exchanges) != 0 {
		t.Errorf("%d upstream errors and violations %v, want 1 and none", len(p.upstream), p.reported)
	}
	if file.Len() != 0 || len(cov.Covered()) != 0 {
		t.Errorf("recorded %q, covered %v; want nothing", file.String(), cov.Covered())
	}
}

// A recording that fails is reported once and never keeps an answer from the client.
func TestProxyRecordErrorReportedOnce(t *testing.T) {
	t.Parallel()
	rec, _ := contracttest.NewRecorder(&failingWriter{})
	var errs atomic.Int32
	p := newProxy(t, conformantAPI(), contracttest.WithRecorder(rec), contracttest.OnRecordError(func(err error) {
		if !strings.Contains(err.Error(), "disk full") {
			t.Errorf("record error %v", err)
		}
		errs.Add(1)
	}))
	for range 3 {
		if status, _ := p.send(t, connectPath, validBody); status != 200 {
			t.Errorf("status %d, want 200", status)
		}
	}
	p.close()
	if n := errs.Load(); n != 1 {
		t.Errorf("record error reported %d times, want once", n)
	}
}
