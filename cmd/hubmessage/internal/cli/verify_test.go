package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"flag"
	"go/format"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/hubmessage/hubmessage-go/contracttest"
	"github.com/hubmessage/hubmessage-go/internal/secretkey"
	"github.com/hubmessage/hubmessage-go/mockserver"
)

const verifyKey = "sk_test_cli_verify"

func runWithEnv(t *testing.T, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = Main(context.Background(), args, Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut,
		Getenv: func(k string) string { return env[k] }})
	return code, out.String(), errOut.String()
}

// apiServer is a conformant server for the embedded spec, whatever its operations: the kit's
// enforcing middleware in front of the reference server's example answers (mockserver.Examples:
// each operation's documented success example). It records "METHOD path?query body" of each
// request that reached the handler.
func apiServer(t *testing.T) (string, func() []string) {
	t.Helper()
	v, err := contracttest.New(contracttest.WithSecretKey(verifyKey))
	if err != nil {
		t.Fatal(err)
	}
	examples, err := mockserver.NewExamples(v.Spec())
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var seen []string
	h := v.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		seen = append(seen, r.Method+" "+r.URL.RequestURI()+" "+string(body))
		mu.Unlock()
		examples.ServeHTTP(w, r)
	}), contracttest.OnViolation(func(contracttest.Violations) {}))
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL, func() []string { mu.Lock(); defer mu.Unlock(); return slices.Clone(seen) }
}

// A usage error is one line naming the flag, then where to read more; never the whole usage.
func TestVerifyUsageErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"no base URL", nil, []string{"verify"}, "--base-url is required (or set $HUBMESSAGE_BASE_URL)"},
		{"relative base URL", nil, []string{"verify", "--base-url", "localhost:8080"}, "absolute http"},
		{"bad format", nil, []string{"verify", "--base-url", "http://x", "--format", "xml"}, `--format "xml"`},
		{"extra argument", nil, []string{"verify", "--base-url", "http://x", "now"}, `unexpected argument "now"`},
		{"key as a flag", nil, []string{"verify", "--base-url", "http://x", "--secret-key", "sekret-0"}, errSecretKeyFlag.Error()},
		{"old connect-only flag", nil, []string{"verify", "--base-url", "http://x", "--channel", "x"}, "unknown flag --channel"},
		{"bad timeout", nil, []string{"verify", "--base-url", "http://x", "--timeout", "0s"}, "--timeout"},
		{"zero max-time", nil, []string{"verify", "--base-url", "http://x", "--max-time", "0"}, "--max-time 0s: must be positive"},
		{"negative max-time", nil, []string{"verify", "--base-url", "http://x", "--max-time", "-1s"}, "--max-time -1s: must be positive"},
		{"unwritable output", map[string]string{secretkey.EnvVar: verifyKey}, []string{"verify", "--base-url", "http://127.0.0.1:1", "--output", "/nonexistent/dir/report.xml"}, "--output"},
		{"plain http off loopback", map[string]string{secretkey.EnvVar: verifyKey}, []string{"verify", "--base-url", "http://api.example"},
			"--base-url http://api.example: plain http to a host that is not loopback would send the Secret Key in clear; use https, or --insecure-http"},
		{"base URL from the environment", map[string]string{secretkey.EnvVar: verifyKey, envBaseURL: "localhost:8080"}, []string{"verify"}, "$HUBMESSAGE_BASE_URL: "},
		{"no key", nil, []string{"verify", "--base-url", "http://127.0.0.1:1"}, "no Secret Key: set $HUBMESSAGE_SECRET_KEY (export HUBMESSAGE_SECRET_KEY=...) or pass --secret-key-file, or give --no-auth"},
		{"emit into a missing directory", map[string]string{secretkey.EnvVar: verifyKey}, []string{"verify", "--base-url", "http://127.0.0.1:1", "--emit-go-test", "/nonexistent/dir/x_test.go"}, "--emit-go-test: /nonexistent/dir/x_test.go: directory /nonexistent/dir does not exist"},
		{"emit a non-test file", map[string]string{secretkey.EnvVar: verifyKey}, []string{"verify", "--base-url", "http://127.0.0.1:1", "--emit-go-test", "x.go"}, "--emit-go-test: x.go: must end in _test.go"},
		{"param without =", nil, []string{"verify", "--base-url", "http://x", "--param", "sekret-1"}, "--param: want NAME=VALUE"},
		{"param twice", nil, []string{"verify", "--base-url", "http://x", "--param", "code=sekret-2", "--param", "code=sekret-3"}, "--param code: given twice"},
		{"param nobody has", nil, []string{"verify", "--base-url", "http://x", "--param", "chanelId=sekret-4"},
			"--param chanelId: no path or query parameter or top-level request body property of that name"},
		{"param its schema rejects", nil, []string{"verify", "--base-url", "http://x", "--param", "channelId=sekret-5"}, "--param channelId: path parameter of "},
		{"malformed key", map[string]string{secretkey.EnvVar: "Bearer sekret-6"}, []string{"verify", "--base-url", "http://x"}, "$HUBMESSAGE_SECRET_KEY: pass the key alone"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := runWithEnv(t, tc.env, tc.args...)
			lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
			if code != exitUsage || len(lines) != 2 || !strings.HasPrefix(lines[0], "hubmessage verify: ") || !strings.Contains(lines[0], tc.want) ||
				lines[1] != "Run 'hubmessage verify --help' for usage." || stdout != "" {
				t.Errorf("exit %d, stdout %q, stderr %q; want %d and one line saying %q, then the --help hint", code, stdout, stderr, exitUsage, tc.want)
			}
			if strings.Contains(stderr, "sekret") {
				t.Errorf("stderr %q repeats a value", stderr)
			}
		})
	}
}

// --help documents every flag by its command-line name.
func TestVerifyHelp(t *testing.T) {
	t.Parallel()
	code, stdout, stderr := runWithEnv(t, nil, "verify", "--help")
	if code != exitOK || stderr != "" || !strings.Contains(stdout, "$HUBMESSAGE_SECRET_KEY") {
		t.Fatalf("--help: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if _, err := parseVerifyFlags([]string{"--help"}); !errors.Is(err, flag.ErrHelp) {
		t.Fatal(err)
	}
	documented := regexp.MustCompile(`(?m)^  --([a-z-]+)`).FindAllStringSubmatch(stdout, -1)
	var got []string
	for _, m := range documented {
		got = append(got, m[1])
	}
	// The flags parseVerifyFlags accepts: none is an "unknown flag".
	for _, name := range got {
		if _, err := parseVerifyFlags([]string{"--" + name + "=1"}); err != nil && strings.Contains(err.Error(), "unknown flag") {
			t.Errorf("--help documents --%s, which is not a flag", name)
		}
	}
	want := []string{"spec", "no-auth", "format", "output", "timeout", "max-time", "positive", "param", "stateful", "code", "emit-go-test",
		"base-url", "secret-key-file", "insecure-http"} // the connection flags, as every command that calls an API has them
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("documented flags (-want +got):\n%s", diff)
	}
	// --max-time's default shown is the flag's own.
	c, err := parseVerifyFlags([]string{"--base-url", "http://x"})
	if err != nil || c.maxTime != 5*time.Minute || !strings.Contains(stdout, "\n  --max-time DURATION      deadline of the whole run (default 5m)\n") {
		t.Errorf("--max-time defaults to %v (%v); --help does not show it as the default 5m", c.maxTime, err)
	}
}

func TestVerifyConformantServer(t *testing.T) {
	t.Parallel()
	url, seen := apiServer(t)
	env := map[string]string{secretkey.EnvVar: verifyKey}
	code, stdout, stderr := runWithEnv(t, env, "verify", "--base-url", url)
	if code != exitOK || !strings.Contains(stdout, "PASS negative_data_rejection/") ||
		!strings.Contains(stdout, "SKIP positive_data_acceptance/") || strings.Contains(stdout, "FAIL") {
		t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	if got := seen(); len(got) != 0 {
		t.Errorf("without --positive the handler was reached (state could change): %v", got)
	}
	// The connection comes from the environment alone, as for every command that calls an API.
	if code, stdout, stderr := runWithEnv(t, map[string]string{secretkey.EnvVar: verifyKey, envBaseURL: url}, "verify"); code != exitOK || strings.Contains(stdout, "FAIL") {
		t.Errorf("with only $%s and $%s: exit %d\nstdout:\n%s\nstderr:\n%s", secretkey.EnvVar, envBaseURL, code, stdout, stderr)
	}

	values := map[string]string{"channelId": "a1b2c3d4-e5f6-7890-abcd-ef1234567890", "code": "FRESH123", "wabaId": "555", "phoneId": "777"}
	args := []string{"verify", "--base-url", url, "--format", "json", "--positive"}
	for _, name := range slices.Sorted(maps.Keys(values)) {
		args = append(args, "--param", name+"="+values[name])
	}
	code, stdout, _ = runWithEnv(t, env, args...)
	cases, err := contracttest.Cases(contracttest.CaseOptions{Values: values})
	if err != nil {
		t.Fatal(err)
	}
	var report struct{ Passed, Failed, Skipped int }
	if err := json.Unmarshal([]byte(stdout), &report); err != nil || code != exitOK || report.Failed != 0 || report.Skipped != 0 || report.Passed != len(cases) {
		t.Errorf("json: exit %d, %+v, err %v; want all %d cases passed", code, report, err, len(cases))
	}
	// What reached the handler is exactly the positive cases built with the --param values.
	var want []string
	for _, c := range cases {
		if c.Check == contracttest.CheckPositiveDataAcceptance {
			want = append(want, c.Method+" "+c.Path+" "+string(c.Body))
		}
	}
	got := seen()
	slices.Sort(want)
	slices.Sort(got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("requests that reached the handler with --positive (-want +got):\n%s", diff)
	}
	if joined := strings.Join(got, "\n"); !strings.Contains(joined, values["channelId"]) || !strings.Contains(joined, `"code":"FRESH123"`) {
		t.Errorf("--param values not sent:\n%s", joined)
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
	env := map[string]string{secretkey.EnvVar: verifyKey}
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
		code, stdout, stderr := runWithEnv(t, map[string]string{secretkey.EnvVar: verifyKey}, "verify", "--base-url", srv.URL, "--format", format, "--positive")
		if code != exitFail || strings.Contains(stdout+stderr, verifyKey) || !strings.Contains(stdout, "[REDACTED]") {
			t.Errorf("%s: exit %d; key shown=%v; redaction shown=%v", format, code, strings.Contains(stdout+stderr, verifyKey), strings.Contains(stdout, "[REDACTED]"))
		}
	}
}

func FuzzParseVerifyFlags(f *testing.F) {
	f.Add("--base-url http://localhost:8080 --format junit --output -")
	f.Add("--base-url=https://api.hubmessage.io/ --positive --param channelId=019E4C54B1B375A28970B605CA9B03C3 --param code=X")
	f.Add("--base-url http://x --param =1 --param a=b=c --param a=d")
	f.Add("--format json --timeout 1ms")
	f.Add("--base-url %zz")
	f.Add("-- --base-url")
	f.Fuzz(func(t *testing.T, line string) {
		c, err := parseVerifyFlags(strings.Fields(line))
		if err != nil {
			return
		}
		if _, err := contracttest.ParseBaseURL(c.baseURL); c.baseURL != "" && err != nil {
			t.Errorf("accepted base URL %q: %v", c.baseURL, err)
		}
		if c.format != "text" && c.format != "json" && c.format != "junit" || c.timeout <= 0 {
			t.Errorf("accepted %+v", c)
		}
		for name := range c.opts.Cases.Values {
			if name == "" {
				t.Errorf("accepted a --param without a name: %q", line)
			}
		}
	})
}

// A wrong key fails the run and names the key as the cause, whatever the counts (the summary
// line does not read like a pass); with --no-auth only the cases that send no key run.
func TestVerifyWrongKeyAndNoAuth(t *testing.T) {
	t.Parallel()
	url, _ := apiServer(t)
	code, stdout, stderr := runWithEnv(t, map[string]string{secretkey.EnvVar: "sk_test_wrong_key"}, "verify", "--base-url", url)
	if code != exitFail || !strings.Contains(stdout, "SETUP ERROR: the Secret Key was rejected") ||
		!strings.Contains(stderr, "hubmessage verify: the Secret Key was rejected") || !strings.Contains(stderr, "check $HUBMESSAGE_SECRET_KEY") ||
		!regexp.MustCompile(`(?m)^not a pass \(setup error\): \d+ passed, 0 failed, \d+ skipped; 0 of [1-9]\d* data cases reached the server's validation$`).MatchString(stdout) {
		t.Errorf("wrong key: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	if strings.Contains(stdout+stderr, "sk_test_wrong_key") {
		t.Error("the output shows the key")
	}

	code, stdout, stderr = runWithEnv(t, map[string]string{secretkey.EnvVar: "sk_test_wrong_key"}, "verify", "--base-url", url, "--no-auth", "--format", "json")
	var report struct {
		Passed, Failed, Validated, DataCases int
		SetupError                           string
		Results                              []contracttest.Result
	}
	if err := json.Unmarshal([]byte(stdout), &report); err != nil || code != exitOK || report.Passed == 0 || report.Failed != 0 || report.SetupError != "" || report.DataCases != 0 {
		t.Errorf("--no-auth: exit %d, %+v, %v; stderr %s", code, report, err, stderr)
	}
	for _, res := range report.Results {
		if ran := res.Skipped == ""; ran != (res.Check == contracttest.CheckIgnoredAuth) {
			t.Errorf("--no-auth: %s ran=%v", res.Case, ran)
		}
	}

	// --secret-key-file wins over the environment, and a rejected key names the file.
	keyFile := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(keyFile, []byte("sk_test_wrong_key\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = runWithEnv(t, map[string]string{secretkey.EnvVar: verifyKey}, "verify", "--base-url", url, "--secret-key-file", keyFile)
	if code != exitFail || !strings.Contains(stderr, "check --secret-key-file "+keyFile+" (the Secret Key") {
		t.Errorf("wrong key from a file: exit %d, stderr %q", code, stderr)
	}

	code, stdout, stderr = runWithEnv(t, map[string]string{secretkey.EnvVar: verifyKey}, "verify", "--base-url", url)
	if code != exitOK || !regexp.MustCompile(`(?m)^\d+ passed, 0 failed, \d+ skipped; ([1-9]\d*) of ([1-9]\d*) data cases reached the server's validation$`).MatchString(stdout) {
		t.Errorf("right key: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
}

// Each failure shows a curl line; --emit-go-test writes a gofmt'd test of the directory's
// _test package, and nothing when no case failed.
func TestVerifyCurlAndEmitGoTest(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) }))
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "pins.go"), []byte("package pins\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "verify_regress_test.go")
	env := map[string]string{secretkey.EnvVar: verifyKey}
	code, stdout, stderr := runWithEnv(t, env, "verify", "--base-url", srv.URL, "--emit-go-test", file)
	if code != exitFail || !strings.Contains(stdout, "       reproduce: curl -sS -i -g --path-as-is -X '") || !strings.Contains(stdout, "' '"+srv.URL+"/") ||
		!strings.Contains(stdout, `-H 'Authorization: Bearer '"$HUBMESSAGE_SECRET_KEY"`) || strings.Contains(stdout+stderr, verifyKey) {
		t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("--emit-go-test wrote nothing: %v; stderr %s", err, stderr)
	}
	formatted, err := format.Source(src)
	if err != nil || !bytes.Equal(formatted, src) || !bytes.HasPrefix(src, []byte("// Code written by hubmessage verify --emit-go-test")) ||
		!bytes.Contains(src, []byte("\npackage pins_test\n")) || !bytes.Contains(src, []byte("func TestVerifyRegressions(t *testing.T)")) ||
		bytes.Contains(src, []byte(verifyKey)) || !strings.Contains(stderr, "replayed in "+file) {
		t.Errorf("emitted file (format error %v), stderr %q:\n%s", err, stderr, src)
	}

	// A run that fails nothing writes no file.
	url, _ := apiServer(t)
	other := filepath.Join(t.TempDir(), "none_test.go")
	code, _, stderr = runWithEnv(t, env, "verify", "--base-url", url, "--emit-go-test", other)
	if _, err := os.Stat(other); code != exitOK || err == nil || !strings.Contains(stderr, "no case failed; "+other+" not written") {
		t.Errorf("passing run: exit %d, stat %v, stderr %q", code, err, stderr)
	}
}

func TestTestPackageFor(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "My-Pins.v2")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ file, want string }{
		{filepath.Join(dir, "a_test.go"), "mypinsv2_test"},
		{filepath.Join(t.TempDir(), "9", "a_test.go"), ""}, // no such directory
	} {
		got, err := testPackageFor(tc.file)
		if got != tc.want || (err != nil) != (tc.want == "") {
			t.Errorf("testPackageFor(%q) = %q, %v; want %q", tc.file, got, err, tc.want)
		}
	}
	digits := filepath.Join(t.TempDir(), "2026")
	if err := os.Mkdir(digits, 0o755); err != nil {
		t.Fatal(err)
	}
	if got, _ := testPackageFor(filepath.Join(digits, "a_test.go")); got != "regression_test" {
		t.Errorf("a directory named by digits: %q, want regression_test", got)
	}
}
