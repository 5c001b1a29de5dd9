package cli

import (
	"bytes"
	"context"
	"flag"
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
	"github.com/hubmessage/hubmessage-go/mockserver"
)

var update = flag.Bool("update", false, "rewrite testdata/demo.golden from the demo's output")

var demoGolden = filepath.Join("testdata", "demo.golden")

// loopbackAddr is the reference server's address in the demo's output; only its port varies.
var loopbackAddr = regexp.MustCompile(`127\.0\.0\.1:[0-9]+`)

const demoKey = "sk_test_demo_5f4e3d2c1b0a99887766"

// runDemoWithKey runs the demo in-process with a Secret Key the test knows.
func runDemoWithKey(t *testing.T, ctx context.Context, key string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = demo(ctx, Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut, Getenv: func(string) string { return "" }},
		mockserver.WithSecretKey(key))
	return code, out.String(), errOut.String()
}

func readGolden(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(demoGolden)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/cli -run TestDemoGolden -update)", err)
	}
	return string(b)
}

// TestDemoGolden runs `hubmessage demo` as a user does (generated key) and compares its
// output, port aside, with testdata/demo.golden. -update rewrites the file, from a run whose
// key the test knows, so it can check the key is not in it.
func TestDemoGolden(t *testing.T) {
	if *update {
		code, stdout, stderr := runDemoWithKey(t, context.Background(), demoKey)
		if code != exitOK {
			t.Fatalf("exit %d, stderr:\n%s", code, stderr)
		}
		if strings.Contains(stdout, demoKey) {
			t.Fatal("the demo printed the Secret Key; not writing the golden file")
		}
		if err := os.WriteFile(demoGolden, []byte(loopbackAddr.ReplaceAllString(stdout, "127.0.0.1:PORT")), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Parallel()
	want := readGolden(t)
	code, stdout, stderr := run(t, "demo")
	if code != exitOK || stderr != "" {
		t.Fatalf("exit %d, stderr %q; want exit 0 and no stderr", code, stderr)
	}
	if diff := cmp.Diff(want, loopbackAddr.ReplaceAllString(stdout, "127.0.0.1:PORT")); diff != "" {
		t.Errorf("output differs from %s (-want +got); if intended, rerun with -update:\n%s", demoGolden, diff)
	}
}

// TestDemoNeverPrintsKey runs the demo with a known key: the output is the golden one, shows
// the header redacted, and holds the key nowhere (nor does the golden file).
func TestDemoNeverPrintsKey(t *testing.T) {
	t.Parallel()
	golden := readGolden(t)
	code, stdout, stderr := runDemoWithKey(t, context.Background(), demoKey)
	if code != exitOK {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	for name, text := range map[string]string{"stdout": stdout, "stderr": stderr, demoGolden: golden} {
		if strings.Contains(text, demoKey) {
			t.Errorf("%s holds the Secret Key", name)
		}
		if strings.Contains(text, "sk_mock_") || strings.Contains(text, "sk_test_") {
			t.Errorf("%s holds something like a Secret Key", name)
		}
	}
	if got := strings.Count(stdout, "> Authorization: Bearer "+secretkey.Redacted+"\n"); got != 3 {
		t.Errorf("output shows %d redacted Authorization headers, want 3 (one per call)", got)
	}
	if diff := cmp.Diff(golden, loopbackAddr.ReplaceAllString(stdout, "127.0.0.1:PORT")); diff != "" {
		t.Errorf("output differs from %s (-want +got):\n%s", demoGolden, diff)
	}
}

// TestDemoStopsServer checks that the reference server is gone once the demo returns.
func TestDemoStopsServer(t *testing.T) {
	t.Parallel()
	code, stdout, stderr := runDemoWithKey(t, context.Background(), demoKey)
	if code != exitOK {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	addr := loopbackAddr.FindString(stdout)
	if addr == "" {
		t.Fatalf("no 127.0.0.1:PORT in the output:\n%s", stdout)
	}
	if conn, err := net.Dial("tcp", addr); err == nil {
		conn.Close()
		t.Errorf("%s still accepts connections after the demo returned", addr)
	}
}

func TestDemoUsage(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"help", []string{"--help"}, exitOK, "Usage: hubmessage demo", ""},
		{"short help", []string{"-h"}, exitOK, "CODE_ALREADY_USED", ""},
		{"unknown flag", []string{"--addr", ":0"}, exitUsage, "", "flag provided but not defined: -addr"},
		{"argument", []string{"now"}, exitUsage, "", `unexpected argument "now"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := run(t, append([]string{"demo"}, tc.args...)...)
			if code != tc.code || !strings.Contains(stdout, tc.stdout) || !strings.Contains(stderr, tc.stderr) {
				t.Errorf("exit %d stdout %q stderr %q; want exit %d, stdout with %q, stderr with %q",
					code, stdout, stderr, tc.code, tc.stdout, tc.stderr)
			}
		})
	}
}

// TestDemoFailsOnCancel: a demo that cannot run its steps exits 1 and names the step.
func TestDemoFailsOnCancel(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	code, stdout, stderr := runDemoWithKey(t, ctx, demoKey)
	if code != exitFail || !strings.Contains(stderr, "hubmessage demo: FAILED: step ") || !strings.Contains(stderr, "context canceled") {
		t.Errorf("exit %d stderr %q; want exit 1 and a FAILED line naming the step and the cause", code, stderr)
	}
	if strings.Contains(stdout, "All 5 steps") {
		t.Errorf("a failed demo claims success:\n%s", stdout)
	}
}

// scriptedAPI answers the n-th request with the n-th response, then with the last one.
type scriptedAPI struct {
	mu        sync.Mutex
	responses []string // "STATUS BODY"
	served    int
}

func (s *scriptedAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	io.Copy(io.Discard, r.Body)
	s.mu.Lock()
	resp := s.responses[min(s.served, len(s.responses)-1)]
	s.served++
	s.mu.Unlock()
	status, body, _ := strings.Cut(resp, " ")
	code := map[string]int{"200": 200, "401": 401, "404": 404, "422": 422, "500": 500}[status]
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	io.WriteString(w, body)
}

// TestWalkDemoFailures runs the steps against APIs that misbehave: each failure names its step.
func TestWalkDemoFailures(t *testing.T) {
	t.Parallel()
	const (
		ok       = `200 {"success":true}`
		reused   = `422 {"error":422,"message":"CODE_ALREADY_USED"}`
		notFound = `404 {"error":404,"message":"Channel not found"}`
	)
	for _, tc := range []struct {
		name      string
		responses []string
		want      string
	}{
		{"as documented", []string{ok, reused, notFound}, ""},
		{"unauthorized", []string{`401 {"error":401,"message":"Unauthorized"}`}, "step 3: want the channel connected"},
		{"server error", []string{`500 {"error":500,"message":"Internal server error"}`}, "step 3: want the channel connected"},
		{"success without success", []string{`200 {"success":false}`}, "step 3: want the channel connected"},
		{"code accepted twice", []string{ok, ok}, "step 4: want 422 CODE_ALREADY_USED, have success"},
		{"other rejection", []string{ok, `422 {"error":422,"message":"CODE_EXPIRED"}`}, "step 4: want 422 CODE_ALREADY_USED, have"},
		{"reuse as not found", []string{ok, notFound}, "step 4: want 422 CODE_ALREADY_USED, have"},
		{"unknown channel accepted", []string{ok, reused, ok}, "step 5: want 404 Channel not found, have success"},
		{"unknown channel rejected otherwise", []string{ok, reused, reused}, "step 5: want 404 Channel not found, have"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			api := httptest.NewServer(&scriptedAPI{responses: tc.responses})
			t.Cleanup(api.Close)
			var out bytes.Buffer
			err := walkDemo(context.Background(), &out, api.URL, demoKey)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("walkDemo: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("walkDemo error %v, want one with %q", err, tc.want)
			}
			if strings.Contains(out.String(), demoKey) {
				t.Errorf("output holds the Secret Key")
			}
		})
	}
}
