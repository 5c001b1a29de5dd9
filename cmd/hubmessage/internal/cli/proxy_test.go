package cli

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hubmessage/hubmessage-go/contracttest"
	"github.com/hubmessage/hubmessage-go/mockserver"
)

const proxyKey = "sk_proxy_test_key_do_not_print"

// startProxy runs `hubmessage proxy --upstream upstream args...` on a free port.
func startProxy(t *testing.T, upstream string, args ...string) (url string, stop func() (int, string, string)) {
	t.Helper()
	url, _, stop = startServer(t, nil, append([]string{"proxy", "--addr", "127.0.0.1:0", "--upstream", upstream}, args...)...)
	return url, stop
}

// mockUpstream is a reference server accepting proxyKey, as the proxy's upstream.
func mockUpstream(t *testing.T) *httptest.Server {
	t.Helper()
	mock, err := mockserver.New(mockserver.WithSecretKey(proxyKey))
	if err != nil {
		t.Fatal(err)
	}
	upstream := httptest.NewServer(mock)
	t.Cleanup(upstream.Close)
	return upstream
}

// A valid lifecycle through the proxy in front of the reference server passes, and the
// recording holds every exchange, without the key or the code.
func TestProxyCommandLifecycle(t *testing.T) {
	t.Parallel()
	upstream := mockUpstream(t)
	record := filepath.Join(t.TempDir(), "session.jsonl")
	url, stop := startProxy(t, upstream.URL, "--record", record)
	const code = "proxy-secret-code"
	if status, body := postConnect(t, url, proxyKey, mockserver.ChannelUUID, code); status != 200 {
		t.Fatalf("connect through the proxy: %d %s", status, body)
	}
	if status, _, body := call(t, url, proxyKey, http.MethodPut, "/v1/channels/"+mockserver.ChannelUUID+"/disconnect", ""); status != 200 {
		t.Fatalf("disconnect through the proxy: %d %s", status, body)
	}
	exit, stdout, stderr := stop()
	if exit != exitOK || !strings.Contains(stdout, "2 exchanges checked, 0 with violations; 0 upstream errors") ||
		!strings.Contains(stdout, "covered  connectMetaChannel 200") || !strings.Contains(stdout, "missing  connectMetaChannel 422") {
		t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s", exit, stdout, stderr)
	}
	data, err := os.ReadFile(record)
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(record); st.Mode().Perm() != 0o600 {
		t.Errorf("--record file mode %v, want 0600", st.Mode().Perm())
	}
	for _, secret := range []string{proxyKey, code} {
		if strings.Contains(string(data)+stdout+stderr, secret) {
			t.Errorf("the recording or the output holds %q:\n%s", secret, data)
		}
	}
	var ops []string
	for x, err := range contracttest.ReadRecording(strings.NewReader(string(data))) {
		if err != nil {
			t.Fatal(err)
		}
		ops = append(ops, x.Operation)
	}
	if strings.Join(ops, " ") != "connectMetaChannel disconnectMetaChannel" {
		t.Errorf("recorded %v, want the two exchanges", ops)
	}
}

// With --record, a violation's curl line names a code by its placeholder in the recording.
func TestProxyCommandCurlMatchesRecording(t *testing.T) {
	t.Parallel()
	upstream := mockUpstream(t)
	record := filepath.Join(t.TempDir(), "session.jsonl")
	url, stop := startProxy(t, upstream.URL, "--record", record)
	postConnect(t, url, proxyKey, mockserver.ChannelUUID, "first-secret-code")
	res, err := testClient.Post(url+"/v1/channels/"+mockserver.ChannelUUID+"/connect", "application/json",
		strings.NewReader(`{"wabaId":"x1","phoneId":"2","code":"second-secret-code"}`)) // no key, and no coexistence
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	_, _, stderr := stop()
	recording := mustRead(t, record)
	if !strings.Contains(stderr, `"code":"<code-2>"`) || !strings.Contains(recording, `"code":"<code-2>"`) || strings.Contains(stderr+recording, "secret-code") {
		t.Errorf("stderr:\n%s\nrecording:\n%s", stderr, recording)
	}
}

// An upstream out of contract fails the session: each violation is printed with a curl line
// that holds neither the key nor the code.
func TestProxyCommandViolation(t *testing.T) {
	t.Parallel()
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{}`)) // connect documents {"success":true}
	}))
	t.Cleanup(upstream.Close)
	junit := filepath.Join(t.TempDir(), "proxy.xml")
	url, stop := startProxy(t, upstream.URL+"/base", "--format", "junit", "--output", junit)
	const code = "proxy-secret-code"
	req, _ := http.NewRequest(http.MethodPost, url+"/v1/channels/"+mockserver.ChannelUUID+"/connect",
		strings.NewReader(`{"wabaId":"1","phoneId":"2","code":"`+code+`","coexistence":false}`))
	req.Header.Set("Authorization", "Bearer "+proxyKey)
	req.Header.Set("Content-Type", "application/json")
	res, err := testClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Errorf("status %d, want the upstream's 200, unchanged", res.StatusCode)
	}
	exit, stdout, stderr := stop()
	for _, want := range []string{
		"hubmessage proxy: violation: POST /v1/channels/" + mockserver.ChannelUUID + "/connect -> 200",
		`connectMetaChannel response: body /success: property "success" is missing`,
		"reproduce: curl -sS -i -g --path-as-is -X 'POST' '" + upstream.URL + "/base/v1/channels/",
		`'Authorization: Bearer '"$HUBMESSAGE_SECRET_KEY"`, `"code":"<code-1>"`,
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr does not say %q:\n%s", want, stderr)
		}
	}
	report := mustRead(t, junit)
	if exit != exitFail || !strings.Contains(report, `<testsuites name="hubmessage proxy `+upstream.URL+`/base"`) ||
		!strings.Contains(report, `<testcase name="proxy/connectMetaChannel/1" classname="hubmessage.proxy.proxy"`) {
		t.Errorf("exit %d, report:\n%s", exit, report)
	}
	if strings.Contains(stdout+stderr+report, proxyKey) || strings.Contains(stdout+stderr+report, code) {
		t.Errorf("the output holds the key or the code:\n%s\n%s", stdout, stderr)
	}
}

// A long session keeps a bounded share of its violations for the report, and counts them all.
func TestProxyCommandKeepsBoundedFailures(t *testing.T) {
	t.Parallel()
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{}`) // connect documents {"success":true}
	}))
	t.Cleanup(upstream.Close)
	output := filepath.Join(t.TempDir(), "summary.json")
	url, stop := startProxy(t, upstream.URL, "--format", "json", "--output", output)
	for range maxKeptFailures + 2 {
		res, err := testClient.Post(url+"/v1/channels/"+mockserver.ChannelUUID+"/connect", "application/json", strings.NewReader(`{"wabaId":"1","phoneId":"2","code":"x"}`))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}
	exit, _, stderr := stop()
	var report contracttest.Report
	if err := json.Unmarshal([]byte(mustRead(t, output)), &report); err != nil {
		t.Fatal(err)
	}
	_, failed, _ := report.Counts()
	last := report.Results[maxKeptFailures] // after those kept, before the conforming and coverage cases
	if exit != exitFail || failed != maxKeptFailures+1 || last.Case != "proxy/not-kept" || last.Failures[0].Message != "2 more exchanges with violations, printed on stderr as they happened" ||
		strings.Count(stderr, "hubmessage proxy: violation:") != maxKeptFailures+2 {
		t.Errorf("exit %d, %d failed cases in the report, the last %+v", exit, failed, last)
	}
}

// --spec checks another API; --format json writes the summary as a report: violations, the
// operations' conforming exchanges, and the documented responses covered (passed) or not
// (skipped).
func TestProxyCommandSpec(t *testing.T) {
	t.Parallel()
	const spec = "testdata/shelf.yaml"
	output := filepath.Join(t.TempDir(), "summary.json")
	url, stop := startProxy(t, specServer(t, spec, proxyKey), "--spec", spec, "--enforce", "--format", "json", "--output", output)
	for _, body := range []string{`{"title":"Dune"}`, `{"title":""}`} { // the second is rejected
		req, _ := http.NewRequest(http.MethodPost, url+"/shelf/books", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+proxyKey)
		req.Header.Set("Content-Type", "application/json")
		res, err := testClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}
	exit, stdout, stderr := stop()
	if exit != exitFail || !strings.Contains(stderr, "addBook request: body /title: minimum string length is 1") {
		t.Errorf("exit %d\nstderr:\n%s", exit, stderr)
	}
	data, err := os.ReadFile(output)
	if err != nil {
		t.Fatal(err)
	}
	var report contracttest.Report
	if err := json.Unmarshal(data, &report); err != nil {
		t.Fatalf("%v\n%s", err, data)
	}
	var cases []string
	for _, r := range report.Results {
		cases = append(cases, r.Case+map[bool]string{true: " (skipped)"}[r.Skipped != ""])
	}
	want := []string{"proxy/addBook/1", "proxy/addBook/conforming", // the rejection, and the one forwarded
		"coverage/addBook/201", "coverage/addBook/400 (skipped)", "coverage/addBook/401 (skipped)", "coverage/addBook/default (skipped)",
		"coverage/removeBook/204 (skipped)", "coverage/removeBook/400 (skipped)", "coverage/removeBook/401 (skipped)",
		"coverage/removeBook/404 (skipped)", "coverage/removeBook/default (skipped)"}
	if diff := cmp.Diff(want, cases); diff != "" || strings.Contains(stdout, "{") {
		t.Errorf("report cases (-want +got):\n%s\nstdout %q", diff, stdout)
	}
}

// A session in which nothing was checked, here as the upstream never answered, fails.
func TestProxyCommandNothingChecked(t *testing.T) {
	t.Parallel()
	gone := httptest.NewServer(http.NotFoundHandler())
	gone.Close()
	url, stop := startProxy(t, gone.URL)
	if status, body := postConnect(t, url, proxyKey, mockserver.ChannelUUID, "x"); status != http.StatusBadGateway {
		t.Errorf("status %d %s, want 502", status, body)
	}
	exit, stdout, stderr := stop()
	if exit != exitFail || !strings.Contains(stdout, "0 exchanges checked, 0 with violations; 1 upstream errors") ||
		!strings.Contains(stderr, "hubmessage proxy: upstream error: POST ") || !strings.Contains(stderr, "no exchange was checked") {
		t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s", exit, stdout, stderr)
	}
}

// An upstream that does not answer within --timeout gets the client a 502, and the
// session an upstream error: no handler waits on it for ever.
func TestProxyCommandUpstreamTimeout(t *testing.T) {
	t.Parallel()
	silent := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body) // so that net/http watches the connection for the proxy's close
		<-r.Context().Done()        // until the proxy gives up
	}))
	t.Cleanup(silent.Close)
	url, stop := startProxy(t, silent.URL, "--timeout", "50ms")
	if status, body := postConnect(t, url, proxyKey, mockserver.ChannelUUID, "x"); status != http.StatusBadGateway {
		t.Errorf("status %d %s, want 502", status, body)
	}
	exit, stdout, stderr := stop()
	if exit != exitFail || !strings.Contains(stdout, "1 upstream errors") || !strings.Contains(stderr, "context deadline exceeded (answered 502)") {
		t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s", exit, stdout, stderr)
	}
}

func TestProxyCommandFlagErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	existing := filepath.Join(dir, "earlier.jsonl")
	if err := os.WriteFile(existing, []byte("{}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no upstream", nil, "--upstream is required"},
		{"typo", []string{"--upstrem", "http://127.0.0.1:1"}, "unknown flag --upstrem; did you mean --upstream?"},
		{"not http", []string{"--upstream", "ftp://127.0.0.1"}, "--upstream: base URL \"ftp://127.0.0.1\": must be an absolute http:// or https:// URL"},
		{"query", []string{"--upstream", "http://127.0.0.1:1/?a=b"}, "--upstream: base URL"},
		{"plain http afar", []string{"--upstream", "http://example.com"}, "--upstream http://example.com: plain http to a host that is not loopback"},
		{"format", []string{"--upstream", "http://127.0.0.1:1", "--format", "xml"}, `--format "xml": must be one of text, json, junit`},
		{"connections", []string{"--upstream", "http://127.0.0.1:1", "--max-conns", "0"}, "--max-conns: 0 is not positive"},
		{"timeout", []string{"--upstream", "http://127.0.0.1:1", "--timeout", "0s"}, "--timeout 0s: must be positive"},
		{"redact", []string{"--upstream", "http://127.0.0.1:1", "--redact", "a b"}, `--redact: redacted name "a b"`},
		{"spec", []string{"--upstream", "http://127.0.0.1:1", "--spec", filepath.Join(dir, "missing.yaml")}, "--spec " + filepath.Join(dir, "missing.yaml") + ": open "},
		{"record", []string{"--upstream", "http://127.0.0.1:1", "--record", filepath.Join(dir, "no", "such.jsonl")}, "--record: open "},
		{"record exists", []string{"--upstream", "http://127.0.0.1:1", "--record", existing}, "--record " + existing + ": the file exists; a recording's placeholders are its own"},
		{"secret key", []string{"--upstream", "http://127.0.0.1:1", "--secret-key", proxyKey}, "unknown flag --secret-key"},
		{"argument", []string{"--upstream", "http://127.0.0.1:1", "now"}, `unexpected argument "now"`},
	} {
		code, _, stderr := run(t, append([]string{"proxy"}, tc.args...)...)
		if code != exitUsage || !strings.HasPrefix(stderr, "hubmessage proxy: "+tc.want) || strings.Contains(stderr, proxyKey) {
			t.Errorf("%s: exit %d, stderr %q; want %d and %q", tc.name, code, stderr, exitUsage, tc.want)
		}
	}
	if code, _, _ := run(t, "proxy", "--upstream", "http://example.com", "--insecure-http", "--addr", "256.0.0.1:1"); code != exitFail {
		t.Errorf("--insecure-http: exit %d, want the address error (1)", code)
	}
}

func TestProxyCommandHelp(t *testing.T) {
	t.Parallel()
	code, stdout, _ := run(t, "proxy", "--help")
	for _, w := range []string{"--upstream URL", "--addr HOST:PORT", "--spec FILE", "--enforce", "--record FILE", "--redact NAME",
		"--format FORMAT", "--output FILE", "--max-conns N", "--insecure-http", "$HUBMESSAGE_SECRET_KEY", "<code-1>", "SIGTERM", "Exit status"} {
		if code != exitOK || !strings.Contains(stdout, w) {
			t.Errorf("exit %d; help does not mention %q", code, w)
		}
	}
}
