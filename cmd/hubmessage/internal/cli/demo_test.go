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
	"slices"
	"strconv"
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

// channelID matches the id the demo creates, 32 hexadecimal digits, different on every run.
var channelID = regexp.MustCompile(`\b[0-9A-Fa-f]{32}\b`)

// normalizeDemo returns the demo's output with the port replaced by PORT and the created
// channel's id by CHANNEL_ID, so it is the same on every run. The output must hold exactly
// one such id: a step that used another channel would show.
func normalizeDemo(t *testing.T, stdout string) string {
	t.Helper()
	ids := map[string]bool{}
	for _, id := range channelID.FindAllString(stdout, -1) {
		ids[id] = true
	}
	if len(ids) != 1 {
		t.Errorf("the output holds %d distinct 32-hex channel ids, want 1 (the created channel's): %v", len(ids), ids)
	}
	for id := range ids {
		stdout = strings.ReplaceAll(stdout, id, "CHANNEL_ID")
	}
	return loopbackAddr.ReplaceAllString(stdout, "127.0.0.1:PORT")
}

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
		t.Fatalf("%v (run go test ./cmd/hubmessage/internal/cli -run TestDemoGolden -update)", err)
	}
	return string(b)
}

// TestDemoGolden runs `hubmessage demo` as a user does (generated key) and compares its
// output, port and channel id aside, with testdata/demo.golden. -update rewrites the file, from a run whose
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
		if err := os.WriteFile(demoGolden, []byte(normalizeDemo(t, stdout)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Parallel()
	want := readGolden(t)
	code, stdout, stderr := run(t, "demo")
	if code != exitOK || stderr != "" {
		t.Fatalf("exit %d, stderr %q; want exit 0 and no stderr", code, stderr)
	}
	if diff := cmp.Diff(want, normalizeDemo(t, stdout)); diff != "" {
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
	// The headers are shown for the first call of each of the four operations.
	if got := strings.Count(stdout, "> Authorization: Bearer "+secretkey.Redacted+"\n"); got != 4 {
		t.Errorf("output shows %d redacted Authorization headers, want 4 (one per operation)", got)
	}
	if diff := cmp.Diff(golden, normalizeDemo(t, stdout)); diff != "" {
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
		{"unknown flag", []string{"--addr", ":0"}, exitUsage, "", "unknown flag --addr"},
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
	if strings.Contains(stdout, "behaved as documented") {
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
	code, err := strconv.Atoi(status)
	if err != nil {
		panic("scriptedAPI: bad response " + resp)
	}
	if body != "" {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(code)
	io.WriteString(w, body)
}

// TestWalkDemoFailures runs the steps against APIs that misbehave: each failure names its step.
func TestWalkDemoFailures(t *testing.T) {
	t.Parallel()
	const (
		created   = `201 {"id":"019E4C54B1B375A28970B605CA9B03C3"}`
		connected = `200 {"success":true}`
		reused    = `422 {"error":422,"message":"CODE_ALREADY_USED"}`
		still     = `422 {"error":422,"message":"INSTANCE_STILL_CONNECTED"}`
		subscribe = `422 {"error":422,"message":"INSTANCE_HAS_ACTIVE_SUBSCRIPTION"}`
		disc      = `200 true`
		deleted   = `204`
		notFound  = `404 {"error":404,"message":"Channel not found"}`
	)
	documented := []string{created, connected, reused, still, disc, deleted, notFound}
	// at returns the documented answers with the n-th step's (1-based) replaced by resp.
	at := func(n int, resp string) []string {
		r := slices.Clone(documented)
		r[n-1] = resp
		return r
	}
	for _, tc := range []struct {
		name      string
		responses []string
		want      string
	}{
		{"as documented", documented, ""},
		{"no ENTERPRISE role", at(1, `422 {"error":422,"message":"This action requires ENTERPRISE role"}`), "step 1 (create): want 201"},
		{"created without id", at(1, `201 {}`), "step 1 (create): want 201"},
		{"created with 200", at(1, `200 {"id":"019E4C54B1B375A28970B605CA9B03C3"}`), "step 1 (create): want 201"},
		{"unusable id", at(1, `201 {"id":"not an id"}`), "step 2 (connect): want 1 request, have 0"},
		{"unauthorized", at(2, `401 {"error":401,"message":"Unauthorized"}`), "step 2 (connect): want 200"},
		{"server error", at(2, `500 {"error":500,"message":"Internal server error"}`), "step 2 (connect): want 200"},
		{"success without success", at(2, `200 {"success":false}`), "step 2 (connect): want 200"},
		{"code accepted twice", at(3, connected), "step 3 (the code's reuse): want 422 CODE_ALREADY_USED, have success"},
		{"other rejection", at(3, `422 {"error":422,"message":"CODE_EXPIRED"}`), "step 3 (the code's reuse): want 422 CODE_ALREADY_USED, have"},
		{"reuse as not found", at(3, notFound), "step 3 (the code's reuse): want 422 CODE_ALREADY_USED, have"},
		{"deleted while connected", at(4, deleted), "step 4 (delete while connected): want 422 INSTANCE_STILL_CONNECTED, have success"},
		{"refused for another reason", at(4, subscribe), "step 4 (delete while connected): want 422 INSTANCE_STILL_CONNECTED, have"},
		{"disconnect false", at(5, `200 false`), "step 5 (disconnect): want 200 true"},
		{"disconnect not found", at(5, notFound), "step 5 (disconnect): want 200 true"},
		{"still connected after disconnect", at(6, still), "step 6 (delete): want 204"},
		{"delete with a body", at(6, `200 {"success":true}`), "step 6 (delete): want 204"},
		{"resurrected", at(7, connected), "step 7 (a call after delete): want 404 Channel not found, have success"},
		{"after delete rejected otherwise", at(7, reused), "step 7 (a call after delete): want 404 Channel not found, have"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			api := httptest.NewServer(&scriptedAPI{responses: tc.responses})
			t.Cleanup(api.Close)
			var out bytes.Buffer
			n, err := walkDemo(context.Background(), &out, api.URL, demoKey)
			switch {
			case tc.want == "" && (err != nil || n != len(documented)):
				t.Errorf("walkDemo: %d steps, %v; want %d steps, no error", n, err, len(documented))
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("walkDemo error %v, want one with %q", err, tc.want)
			}
			if strings.Contains(out.String(), demoKey) {
				t.Errorf("output holds the Secret Key")
			}
		})
	}
}
