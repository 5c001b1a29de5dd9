package cli

import (
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hubmessage/hubmessage-go/internal/secretkey"
)

// silentServer accepts every request and never answers it.
func silentServer(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body) // the server notices the client gone only once the body is read
		<-r.Context().Done()
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// Against a server that never answers, verify stops after 3 requests, names the server first
// on stderr, and fails.
func TestVerifyStopsWhenTheServerDoesNotAnswer(t *testing.T) {
	t.Parallel()
	url := silentServer(t)
	code, stdout, stderr := runWithEnv(t, map[string]string{secretkey.EnvVar: verifyKey}, "verify", "--base-url", url, "--timeout", "50ms")
	first, _, _ := strings.Cut(stderr, "\n")
	if code != exitFail || !strings.HasPrefix(first, "hubmessage verify: the server at "+url+" did not answer 3 requests in a row (last: ") ||
		!regexp.MustCompile(`\); [1-9]\d* cases not run$`).MatchString(first) || !strings.Contains(stdout, "\nnot a pass (setup error): 0 passed, 3 failed, ") ||
		strings.Contains(stdout+stderr, verifyKey) {
		t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	// With --output too, the reason comes first, then the summary.
	file := filepath.Join(t.TempDir(), "report.json")
	_, _, stderr = runWithEnv(t, map[string]string{secretkey.EnvVar: verifyKey}, "verify", "--base-url", url, "--timeout", "50ms", "--format", "json", "--output", file)
	lines := strings.Split(stderr, "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "hubmessage verify: the server at "+url) ||
		!strings.HasPrefix(lines[1], "hubmessage verify: not a pass (setup error): 0 passed, 3 failed, ") || !strings.HasSuffix(lines[1], "; report in "+file) {
		t.Errorf("--output: stderr:\n%s", stderr)
	}
}

// --max-time is the whole run's deadline: the cases not run by then fail it.
func TestVerifyMaxTime(t *testing.T) {
	t.Parallel()
	url := silentServer(t)
	code, stdout, stderr := runWithEnv(t, map[string]string{secretkey.EnvVar: verifyKey}, "verify", "--base-url", url, "--timeout", "10s", "--max-time", "100ms")
	first, _, _ := strings.Cut(stderr, "\n")
	if code != exitFail || !regexp.MustCompile(`^hubmessage verify: the run reached its deadline; [1-9]\d* cases not run; --max-time was 100ms$`).MatchString(first) ||
		!strings.Contains(stdout, "\nnot a pass (setup error): 0 passed, 0 failed, ") {
		t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
}
