package mockserver_test

import (
	"bytes"
	"context"
	"go/format"
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
	"github.com/hubmessage/hubmessage-go/mockserver"
)

const secretKey = "sk_test_regression"

// The emitted Go test is gofmt'd, compiles, and passes against the reference server, which
// answers every replayed request as the spec says.
func TestWriteRegressionTestReplaysAgainstTheMock(t *testing.T) {
	t.Parallel()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to build the emitted test: %v", err)
	}
	broken := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) })
	srv := httptest.NewServer(broken)
	t.Cleanup(srv.Close)
	report, err := contracttest.Verify(context.Background(), srv.URL, contracttest.VerifyOptions{SecretKey: secretKey})
	if err != nil {
		t.Fatal(err)
	}
	_, nFailed, _ := report.Counts()
	if nFailed == 0 {
		t.Fatal("a server answering 418 to everything failed no case")
	}
	var src bytes.Buffer
	if err := mockserver.WriteRegressionTest(&src, report, "regress_test"); err != nil {
		t.Fatal(err)
	}
	if formatted, err := format.Source(src.Bytes()); err != nil || !bytes.Equal(formatted, src.Bytes()) {
		t.Errorf("the emitted test is not gofmt'd (%v)", err)
	}
	if strings.Contains(src.String(), secretKey) {
		t.Error("the emitted test holds the Secret Key")
	}
	if n := strings.Count(src.String(), "\n\t\t{ // "); n != nFailed {
		t.Errorf("%d replayed exchanges, want one per failed case (%d)", n, nFailed)
	}
	// A package inside this module (testdata, so ./... skips it), removed afterwards.
	dir, err := os.MkdirTemp("testdata", "emitted-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.WriteFile(filepath.Join(dir, "regress_test.go"), src.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(goBin, "test", "-count=1", "-v", "./"+filepath.ToSlash(dir))
	out, err := cmd.CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte("--- PASS: TestVerifyRegressions")) {
		t.Fatalf("go test of the emitted file: %v\n%s\n%s", err, out, src.String())
	}
	if n := bytes.Count(out, []byte("--- PASS: TestVerifyRegressions/")); n != nFailed {
		t.Errorf("%d subtests passed, want %d:\n%s", n, nFailed, out)
	}
}

// The comment above each emitted row stays one printable line whatever the failed exchange
// holds (a newline, a control character, invalid UTF-8), so the file still compiles.
func TestWriteRegressionTestCommentStaysOneLine(t *testing.T) {
	t.Parallel()
	res := contracttest.Result{Case: "c", Check: "x", Method: "GET", Path: "/p", Status: 400,
		Failures: []contracttest.Failure{{Check: "x\n}\x1b[2J\xff", Message: "m"}},
		Request:  &contracttest.SentRequest{Method: "GET", Path: "/a\nb", Want: []string{"4XX"}}}
	var src bytes.Buffer
	if err := mockserver.WriteRegressionTest(&src, &contracttest.Report{BaseURL: "http://h.test", Results: []contracttest.Result{res}}, "x_test"); err != nil {
		t.Fatal(err)
	}
	line := regexp.MustCompile(`(?m)^\s*\{ // (.*)$`).FindStringSubmatch(src.String())
	if line == nil || !strings.Contains(line[1], "GET /a") || !strings.Contains(line[1], "failed x") || strings.Contains(line[1], "\x1b") || !utf8.ValidString(line[1]) {
		t.Errorf("row comment %q; want the exchange on one printable line:\n%s", line, src.String())
	}
}
