package contracttest_test

import (
	"bytes"
	"context"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/hubmessage/hubmessage-go/contracttest"
	"github.com/hubmessage/hubmessage-go/internal/secretkey"
	"github.com/hubmessage/hubmessage-go/mockserver"
)

// envBaseURL is the CLI's variable, which the emitted test reads.
const envBaseURL = "HUBMESSAGE_BASE_URL"

// emitRegressionTest runs verify against the server at baseURL and writes its regression test;
// it returns the file and the names of the failed cases it replays.
func emitRegressionTest(t *testing.T, baseURL string) ([]byte, []string) {
	t.Helper()
	report, err := contracttest.Verify(context.Background(), baseURL, contracttest.VerifyOptions{SecretKey: secretKey})
	if err != nil {
		t.Fatal(err)
	}
	var replayed, others []string
	for _, res := range report.Results {
		if res.Replayable() {
			replayed = append(replayed, res.Case)
		} else if len(res.Failures) > 0 {
			others = append(others, res.Case)
		}
	}
	if len(replayed) == 0 {
		t.Fatalf("no case failed with a wrong status against %s", baseURL)
	}
	var src bytes.Buffer
	if err := report.WriteRegressionTest(&src, "regress_test"); err != nil {
		t.Fatal(err)
	}
	if formatted, err := format.Source(src.Bytes()); err != nil || !bytes.Equal(formatted, src.Bytes()) {
		t.Errorf("the emitted test is not gofmt'd (%v)", err)
	}
	if strings.Contains(src.String(), secretKey) {
		t.Error("the emitted test holds the Secret Key")
	}
	if n := strings.Count(src.String(), "\n\t\t{ // "); n != len(replayed) {
		t.Errorf("%d replayed exchanges, want one per replayable failed case (%d)", n, len(replayed))
	}
	for _, name := range others { // named, so no failure goes unmentioned
		if !strings.Contains(src.String(), "\n\t\t// "+name+": ") {
			t.Errorf("the failed case %s is not named in the emitted test", name)
		}
	}
	// The base URL verify ran against is named in a comment, never used as a default.
	if !strings.Contains(src.String(), baseURL) {
		t.Errorf("the emitted test does not name the base URL verify ran against (%s):\n%s", baseURL, src.String())
	}
	file, err := parser.ParseFile(token.NewFileSet(), "regress_test.go", src.Bytes(), 0) // comments dropped
	if err != nil {
		t.Fatal(err)
	}
	ast.Inspect(file, func(n ast.Node) bool {
		if lit, ok := n.(*ast.BasicLit); ok && strings.Contains(lit.Value, strings.TrimPrefix(baseURL, "http://")) {
			t.Errorf("the base URL outside a comment: %s", lit.Value)
		}
		return true
	})
	return src.Bytes(), replayed
}

// buildEmitted vets and compiles an emitted test file in a module of its own: it may import
// only the standard library, so a team can drop it into any module (and nothing is
// downloaded). run runs the compiled test with vars as its only HUBMESSAGE_ variables.
func buildEmitted(t *testing.T, src []byte) (run func(vars ...string) (string, error)) {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to build the emitted test: %v", err)
	}
	dir := t.TempDir()
	for name, data := range map[string][]byte{"go.mod": []byte("module regress\n\ngo 1.26\n"), "regress_test.go": src} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "HUBMESSAGE_") {
			env = append(env, kv)
		}
	}
	bin := filepath.Join(dir, "regress.test")
	for _, args := range [][]string{{"vet", "."}, {"test", "-c", "-o", bin, "."}} {
		cmd := exec.Command(goBin, args...)
		cmd.Dir, cmd.Env = dir, append(env, "GOWORK=off")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go %s of the emitted file: %v\n%s\n%s", strings.Join(args, " "), err, out, src)
		}
	}
	return func(vars ...string) (string, error) {
		cmd := exec.Command(bin, "-test.v", "-test.count=1")
		cmd.Dir, cmd.Env = dir, append(env, vars...)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
}

// startMock runs the reference server under the base path /api, with the tests' key, behind
// wrap (which may break it).
func startMock(t *testing.T, wrap func(http.Handler) http.Handler) string {
	t.Helper()
	mock, err := mockserver.New(mockserver.WithSecretKey(secretKey))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.StripPrefix("/api", wrap(mock)))
	t.Cleanup(srv.Close)
	return srv.URL + "/api"
}

// The emitted test replays verify's failures against $HUBMESSAGE_BASE_URL: it fails against
// the server that failed, naming each case, passes once the server is fixed, and without the
// variables fails saying what to set (never skips).
func TestWriteRegressionTestFailsUntilTheServerIsFixed(t *testing.T) {
	t.Parallel()
	// The reference server, broken in one documented behaviour: a path outside /v1/channels
	// gets 500 (a catch-all route that fails) where it must get 404.
	brokenURL := startMock(t, func(mock http.Handler) http.Handler {
		mux := http.NewServeMux()
		mux.Handle("/v1/channels", mock)
		mux.Handle("/v1/channels/", mock)
		mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "internal error", http.StatusInternalServerError)
		})
		return mux
	})
	fixedURL := startMock(t, func(mock http.Handler) http.Handler { return mock })
	src, failed := emitRegressionTest(t, brokenURL)
	run := buildEmitted(t, src)
	key := secretkey.EnvVar + "=" + secretKey

	out, err := run(envBaseURL+"="+brokenURL, key)
	if err == nil || strings.Contains(out, "--- SKIP") {
		t.Errorf("against the broken server: %v; want a failure\n%s", err, out)
	}
	for _, name := range failed {
		if !strings.Contains(out, "--- FAIL: TestVerifyRegressions/"+name+" ") || !strings.Contains(out, "status 500") {
			t.Errorf("against the broken server, %s did not fail with its status:\n%s", name, out)
		}
	}

	out, err = run(envBaseURL+"="+fixedURL+"/", key) // a trailing slash joins as verify joins
	if err != nil || strings.Count(out, "--- PASS: TestVerifyRegressions/") != len(failed) {
		t.Errorf("against the fixed server: %v; want %d passed subtests\n%s", err, len(failed), out)
	}

	for _, tc := range []struct {
		name string
		vars []string
		want string // the line saying what to set
	}{
		{"no variables", nil, "set " + envBaseURL + " (the base URL of the server to test) and " + secretkey.EnvVar + " (its Secret Key)"},
		{"no key", []string{envBaseURL + "=" + fixedURL}, "set " + secretkey.EnvVar + " (its Secret Key)"},
		{"no base URL", []string{key}, "set " + envBaseURL + " (the base URL of the server to test)"},
	} {
		out, err := run(tc.vars...)
		if err == nil || !strings.Contains(out, tc.want+" to replay") || strings.Contains(out, "--- PASS") || strings.Contains(out, "--- SKIP") {
			t.Errorf("%s: %v; want a failure saying %q\n%s", tc.name, err, tc.want, out)
		}
	}
}

// Each replay is the exchange verify sent (method, path, headers, body, the key): against a
// server that answers 418 to everything each replayed case fails, against the reference server
// each passes. (A 418 is a status a case wanting 4XX accepts: those are named, not replayed.)
func TestWriteRegressionTestReplaysTheExchange(t *testing.T) {
	t.Parallel()
	teapotURL := startMock(t, func(http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusTeapot) })
	})
	mockURL := startMock(t, func(mock http.Handler) http.Handler { return mock })
	src, replayed := emitRegressionTest(t, teapotURL)
	run := buildEmitted(t, src)
	key := secretkey.EnvVar + "=" + secretKey
	out, err := run(envBaseURL+"="+teapotURL, key)
	if n := strings.Count(out, "--- FAIL: TestVerifyRegressions/"); err == nil || n != len(replayed) {
		t.Errorf("against the 418 server: %v, %d failed subtests; want %d\n%s", err, n, len(replayed), out)
	}
	out, err = run(envBaseURL+"="+mockURL, key)
	if n := strings.Count(out, "--- PASS: TestVerifyRegressions/"); err != nil || n != len(replayed) {
		t.Errorf("against the reference server: %v, %d passed subtests; want %d\n%s", err, n, len(replayed), out)
	}
}

// A failed case is replayed when a test can check its failure without the spec: no answer, a
// 5xx (even a documented one), or a status it did not want.
func TestReplayable(t *testing.T) {
	t.Parallel()
	failed := []contracttest.Failure{{Check: "x", Message: "m"}}
	for _, tc := range []struct {
		name   string
		res    contracttest.Result
		replay bool
	}{
		{"unwanted status", contracttest.Result{Status: 200, Failures: failed}, true},
		{"no answer", contracttest.Result{Failures: failed}, true},
		{"documented 5xx", contracttest.Result{Status: 503, Failures: failed, Request: &contracttest.SentRequest{Want: []string{"5XX"}}}, true},
		{"wanted status, wrong body", contracttest.Result{Status: 418, Failures: failed}, false},
		{"wanted exact status", contracttest.Result{Status: 400, Failures: failed, Request: &contracttest.SentRequest{Want: []string{"400"}}}, false},
		{"passed", contracttest.Result{Status: 200}, false},
		{"skipped", contracttest.Result{Skipped: "changes state", Failures: failed}, false},
		{"not sent", contracttest.Result{Status: 200, Failures: failed, Request: nil}, false},
	} {
		if tc.res.Request == nil && tc.name != "not sent" {
			tc.res.Request = &contracttest.SentRequest{Method: "GET", Path: "/p", Want: []string{"4xx"}}
		}
		if got := tc.res.Replayable(); got != tc.replay {
			t.Errorf("%s: Replayable = %v, want %v", tc.name, got, tc.replay)
		}
	}
	// With nothing to replay no test is written: it would pass without checking anything.
	report := &contracttest.Report{Results: []contracttest.Result{{Case: "c", Status: 418, Failures: failed,
		Request: &contracttest.SentRequest{Method: "GET", Path: "/p", Want: []string{"4XX"}}}}}
	var src bytes.Buffer
	if err := report.WriteRegressionTest(&src, "x_test"); err == nil || src.Len() > 0 {
		t.Errorf("nothing to replay: err %v, wrote %d bytes; want an error and nothing", err, src.Len())
	}
}

// The comment above each emitted row stays one printable line whatever the failed exchange
// holds (a newline, a control character, invalid UTF-8), so the file still compiles.
func TestWriteRegressionTestCommentStaysOneLine(t *testing.T) {
	t.Parallel()
	res := contracttest.Result{Case: "c", Check: "x", Method: "GET", Path: "/p", Status: 200,
		Failures: []contracttest.Failure{{Check: "x\n}\x1b[2J\xff", Message: "m"}},
		Request:  &contracttest.SentRequest{Method: "GET", Path: "/a\nb", Want: []string{"4XX"}}}
	var src bytes.Buffer
	report := &contracttest.Report{BaseURL: "http://h.test/\n}\x1b", Results: []contracttest.Result{res}}
	if err := report.WriteRegressionTest(&src, "x_test"); err != nil {
		t.Fatal(err)
	}
	line := regexp.MustCompile(`(?m)^\s*\{ // (.*)$`).FindStringSubmatch(src.String())
	if line == nil || !strings.Contains(line[1], "GET /a") || !strings.Contains(line[1], "failed x") || strings.Contains(line[1], "\x1b") || !utf8.ValidString(line[1]) {
		t.Errorf("row comment %q; want the exchange on one printable line:\n%s", line, src.String())
	}
	if strings.Contains(src.String(), "\x1b") || regexp.MustCompile(`(?m)^}`).MatchString(src.String()[:strings.Index(src.String(), "package")]) {
		t.Errorf("the base URL broke out of the header comment:\n%s", src.String())
	}
}

// A request the report redacted (a secret in a path, a header or the body) says so in its
// row, as replaying "[REDACTED]" is not the exchange that failed.
func TestWriteRegressionTestMarksRedactedRequests(t *testing.T) {
	t.Parallel()
	failed := []contracttest.Failure{{Check: "x", Message: "m"}}
	report := &contracttest.Report{Results: []contracttest.Result{
		{Case: "redacted", Status: 200, Failures: failed, Request: &contracttest.SentRequest{Method: "POST", Path: "/p", Body: `{"code":"[REDACTED]"}`, Want: []string{"4XX"}}},
		{Case: "plain", Status: 200, Failures: failed, Request: &contracttest.SentRequest{Method: "POST", Path: "/p", Body: `{"code":"x"}`, Want: []string{"4XX"}}},
	}}
	var src bytes.Buffer
	if err := report.WriteRegressionTest(&src, "x_test"); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(src.String(), "// verify sent a secret where this request says [REDACTED]"); n != 1 {
		t.Errorf("%d rows say they were redacted, want 1:\n%s", n, src.String())
	}
}
