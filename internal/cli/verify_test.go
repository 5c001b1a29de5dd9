package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/hubmessage/hubmessage-go/contracttest"
)

const verifyKey = "sk_test_cli_verify"

func runWithEnv(t *testing.T, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = Main(context.Background(), args, Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut,
		Getenv: func(k string) string { return env[k] }})
	return code, out.String(), errOut.String()
}

// apiServer is a conformant server: the kit's enforcing middleware in front of a handler
// that connects every valid request. It records the paths and bodies of what reached it.
func apiServer(t *testing.T) (string, func() []string) {
	t.Helper()
	v, err := contracttest.New(contracttest.WithSecretKey(verifyKey))
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var seen []string
	h := v.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		seen = append(seen, r.URL.Path+" "+string(body))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"success":true}`)
	}), contracttest.OnViolation(func(contracttest.Violations) {}))
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL, func() []string { mu.Lock(); defer mu.Unlock(); return append([]string(nil), seen...) }
}

func TestVerifyUsageErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no base URL", []string{"verify"}, "--base-url is required"},
		{"relative base URL", []string{"verify", "--base-url", "localhost:8080"}, "absolute http"},
		{"bad format", []string{"verify", "--base-url", "http://x", "--format", "xml"}, `--format "xml"`},
		{"extra argument", []string{"verify", "--base-url", "http://x", "now"}, `unexpected argument "now"`},
		{"unknown flag", []string{"verify", "--secret-key", "x"}, "flag provided but not defined"},
		{"bad timeout", []string{"verify", "--base-url", "http://x", "--timeout", "0s"}, "--timeout"},
		{"unwritable output", []string{"verify", "--base-url", "http://127.0.0.1:1", "--output", "/nonexistent/dir/report.xml"}, "--output"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code, _, stderr := runWithEnv(t, nil, tc.args...)
			if code != exitUsage || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, stderr, exitUsage, tc.want)
			}
		})
	}
	if code, _, stderr := runWithEnv(t, nil, "verify", "--help"); code != exitOK || !strings.Contains(stderr, "HUBMESSAGE_SECRET_KEY") {
		t.Errorf("--help: exit %d, stderr %q", code, stderr)
	}
}

func TestVerifyConformantServer(t *testing.T) {
	t.Parallel()
	url, seen := apiServer(t)
	env := map[string]string{verifyKeyEnv: verifyKey}
	code, stdout, stderr := runWithEnv(t, env, "verify", "--base-url", url)
	if code != exitOK || !strings.Contains(stdout, "PASS negative_data_rejection/connectMetaChannel/body/wabaId/missing") ||
		!strings.Contains(stdout, "SKIP positive_data_acceptance/connectMetaChannel/sdkPayload") || strings.Contains(stdout, "FAIL") {
		t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	if got := seen(); len(got) != 0 {
		t.Errorf("without --positive the handler was reached (state could change): %v", got)
	}

	code, stdout, _ = runWithEnv(t, env, "verify", "--base-url", url, "--format", "json", "--positive",
		"--channel", "a1b2c3d4-e5f6-7890-abcd-ef1234567890", "--code", "FRESH123", "--waba", "555", "--phone", "777")
	var report struct{ Passed, Failed, Skipped int }
	if err := json.Unmarshal([]byte(stdout), &report); err != nil || code != exitOK || report.Failed != 0 || report.Skipped != 0 || report.Passed < 30 {
		t.Errorf("json: exit %d, %+v, err %v", code, report, err)
	}
	got := seen()
	if len(got) != 2 {
		t.Fatalf("--positive reached the handler %d times, want the 2 examples: %v", len(got), got)
	}
	for _, g := range got {
		for _, want := range []string{"/v1/channels/a1b2c3d4-e5f6-7890-abcd-ef1234567890/connect", `"code":"FRESH123"`, `"wabaId":"555"`, `"phoneId":"777"`} {
			if !strings.Contains(g, want) {
				t.Errorf("request %q does not carry %q", g, want)
			}
		}
	}
}

func TestVerifyBrokenServerJUnitFile(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Echoes the token it got and answers everything 200: a server that checks nothing.
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"success":true,"auth":"`+r.Header.Get("Authorization")+`"}`)
	}))
	t.Cleanup(srv.Close)
	file := filepath.Join(t.TempDir(), "verify.xml")
	env := map[string]string{verifyKeyEnv: verifyKey}
	code, stdout, stderr := runWithEnv(t, env, "verify", "--base-url", srv.URL, "--format", "junit", "--output", file)
	if code != exitFail {
		t.Errorf("exit %d, want %d; stderr %s", code, exitFail, stderr)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Suites   []struct {
			Name  string `xml:"name,attr"`
			Cases []struct {
				Name     string `xml:"name,attr"`
				Failures []struct {
					Type string `xml:"type,attr"`
				} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("JUnit does not parse: %v", err)
	}
	if doc.Failures == 0 || doc.Failures >= doc.Tests {
		t.Errorf("tests=%d failures=%d", doc.Tests, doc.Failures)
	}
	failedIn := map[string]bool{}
	for _, s := range doc.Suites {
		for _, c := range s.Cases {
			if len(c.Failures) > 0 {
				failedIn[s.Name] = true
			}
		}
	}
	for _, suite := range []string{"ignored_auth", "negative_data_rejection", "unsupported_method", "unknown_path"} {
		if !failedIn[suite] {
			t.Errorf("no failure in %s for a server that accepts everything", suite)
		}
	}
	for name, out := range map[string]string{"stdout": stdout, "stderr": stderr, "junit": string(data)} {
		if strings.Contains(out, verifyKey) {
			t.Errorf("%s shows the Secret Key", name)
		}
	}
	if !strings.Contains(stderr, "failed") || !strings.Contains(stderr, file) {
		t.Errorf("stderr %q does not summarise the run", stderr)
	}
}

func TestVerifyTextNeverShowsTheKey(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(500)
		io.WriteString(w, "token was "+r.Header.Get("Authorization"))
	}))
	t.Cleanup(srv.Close)
	for _, format := range []string{"text", "json", "junit"} {
		code, stdout, stderr := runWithEnv(t, map[string]string{verifyKeyEnv: verifyKey}, "verify", "--base-url", srv.URL, "--format", format, "--positive")
		if code != exitFail || strings.Contains(stdout+stderr, verifyKey) || !strings.Contains(stdout, "[REDACTED]") {
			t.Errorf("%s: exit %d; key shown=%v; redaction shown=%v", format, code, strings.Contains(stdout+stderr, verifyKey), strings.Contains(stdout, "[REDACTED]"))
		}
	}
}

func FuzzParseVerifyFlags(f *testing.F) {
	f.Add("--base-url http://localhost:8080 --format junit --output -")
	f.Add("--base-url=https://api.hubmessage.io/ --positive --channel 019E4C54B1B375A28970B605CA9B03C3 --code X")
	f.Add("--format json --timeout 1ms")
	f.Add("--base-url %zz")
	f.Add("-- --base-url")
	f.Fuzz(func(t *testing.T, line string) {
		c, err := parseVerifyFlags(strings.Fields(line), io.Discard)
		if err != nil {
			return
		}
		if _, err := contracttest.ParseBaseURL(c.baseURL); err != nil {
			t.Errorf("accepted base URL %q: %v", c.baseURL, err)
		}
		if c.format != "text" && c.format != "json" && c.format != "junit" || c.timeout <= 0 {
			t.Errorf("accepted %+v", c)
		}
	})
}
