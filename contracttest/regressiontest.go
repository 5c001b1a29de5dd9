package contracttest

import (
	"errors"
	"fmt"
	"go/format"
	"io"
	"slices"
	"strings"

	"github.com/hubmessage/hubmessage-go/internal/printable"
	"github.com/hubmessage/hubmessage-go/internal/secretkey"
)

// WriteRegressionTest writes a Go test file of package pkg that replays the failed cases of a
// [Verify] report that it can check ([Result.Replayable]) against the server named by
// $HUBMESSAGE_BASE_URL, so a team can pin a provider's bug: the test fails while that server
// answers as it did and passes once it is fixed. One subtest per case sends the same method,
// path, headers and body (with "Authorization: Bearer $HUBMESSAGE_SECRET_KEY" where the case
// sent the Secret Key), follows no redirect, and wants a status the case wanted and no 5xx;
// the other failed cases are named in a comment, and with none to replay nothing is written
// and an error returned. Without the variables it needs, the test fails saying what to set; it
// never skips. The file is gofmt'd and imports only the standard library. It holds no secret:
// the report's requests are already redacted (a row says where), and the base URL the report
// ran against is named in a comment, never used.
func (r *Report) WriteRegressionTest(w io.Writer, pkg string) error {
	var rows, others strings.Builder
	for _, res := range r.Results {
		switch {
		case res.Replayable():
			writeGoTestRow(&rows, res)
		case res.Request != nil && res.Skipped == "" && len(res.Failures) > 0:
			fmt.Fprintf(&others, "// %s\n", printable.String(res.Case+": "+exchange(res)))
		}
	}
	if rows.Len() == 0 {
		return errors.New("contracttest: no failed case to replay: each got a status it wanted (hubmessage verify alone checks their headers and bodies)")
	}
	if others.Len() > 0 {
		rows.WriteString("// Also failed, with a status this test accepts: hubmessage verify checks their headers and bodies.\n")
		rows.WriteString(others.String())
	}
	src := fmt.Appendf(nil, goTestTemplate, pkg, printable.String(r.BaseURL), rows.String(), secretkey.EnvVar)
	out, err := format.Source(src)
	if err != nil {
		return fmt.Errorf("contracttest: go test source: %w", err)
	}
	_, err = w.Write(out)
	return err
}

// Replayable reports whether [Report.WriteRegressionTest] replays res: a failed case whose request got
// no answer, a 5xx, or a status it did not want, which a test can check without the spec. A
// case that got a status it wanted and failed on the response's headers or body is not.
func (res Result) Replayable() bool {
	q := res.Request
	if q == nil || res.Skipped != "" || len(res.Failures) == 0 {
		return false
	}
	return res.Status == 0 || res.Status >= 500 || !q.Wants(res.Status)
}

// exchange is a failed case's request, the status it got and the checks it failed, for a comment.
func exchange(res Result) string {
	var checks []string
	for _, f := range res.Failures {
		if !slices.Contains(checks, f.Check) {
			checks = append(checks, f.Check)
		}
	}
	return fmt.Sprintf("%s %s -> %d; failed %s", res.Request.Method, res.Request.Path, res.Status, strings.Join(checks, ", "))
}

// writeGoTestRow writes the emitted test's table row of a failed case.
func writeGoTestRow(b *strings.Builder, res Result) {
	q := res.Request
	fmt.Fprintf(b, "{ // %s\n", printable.String(exchange(res)))
	if strings.Contains(fmt.Sprint(q.Path, q.Body, q.Header), secretkey.Redacted) {
		fmt.Fprintf(b, "// verify sent a secret where this request says %s: put it back to replay the exchange\n", secretkey.Redacted)
	}
	fmt.Fprintf(b, "name: %q, method: %q, path: %q,\n", res.Case, q.Method, q.Path)
	if len(q.Header) > 0 {
		fmt.Fprintf(b, "header: %#v,\n", q.Header)
	}
	if q.Body != "" {
		fmt.Fprintf(b, "body: %q,\n", q.Body)
	}
	if q.UseSecretKey {
		b.WriteString("secretKey: true,\n")
	}
	fmt.Fprintf(b, "want: %#v,\n},\n", q.Want)
}

// goTestTemplate is the emitted file: %[1]s the package, %[2]s the base URL the report ran
// against, %[3]s the rows, %[4]s the Secret Key's variable.
const goTestTemplate = `// Code written by hubmessage verify --emit-go-test: the exchanges a server failed, replayed
// against the server at $HUBMESSAGE_BASE_URL. Edit freely.
//
// hubmessage verify ran against %[2]s. Run this test against that server with
//
//	HUBMESSAGE_BASE_URL=<its base URL> %[4]s=<its Secret Key> go test -run TestVerifyRegressions
//
// It fails while the server answers as it did and passes once the server is fixed. It checks
// the status only (one the case wanted, and never a 5xx); hubmessage verify remains the full
// check (headers, bodies, the spec's schemas).

package %[1]s

import (
	"maps"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestVerifyRegressions sends each request hubmessage verify found answered wrongly to
// $HUBMESSAGE_BASE_URL again and wants a status the spec documents for it.
func TestVerifyRegressions(t *testing.T) {
	cases := []struct {
		name, method, path, body string
		header                   http.Header
		secretKey                bool // send "Authorization: Bearer $%[4]s"
		want                     []string
	}{
%[3]s	}
	baseURL, key := os.Getenv("HUBMESSAGE_BASE_URL"), os.Getenv("%[4]s")
	var missing []string
	if baseURL == "" {
		missing = append(missing, "HUBMESSAGE_BASE_URL (the base URL of the server to test)")
	}
	for _, tc := range cases {
		if tc.secretKey && key == "" {
			missing = append(missing, "%[4]s (its Secret Key)")
			break
		}
	}
	if len(missing) > 0 {
		t.Fatalf("set %%s to replay hubmessage verify's failed cases", strings.Join(missing, " and "))
	}
	if u, err := url.Parse(baseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		t.Fatalf("HUBMESSAGE_BASE_URL: want an absolute http:// or https:// URL")
	}
	baseURL = strings.TrimSuffix(baseURL, "/")
	// A redirect is an answer to judge, never followed: the key goes to the base URL alone.
	client := &http.Client{
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, baseURL+tc.path, strings.NewReader(tc.body)) // "": no body
			if err != nil {
				t.Fatal(err)
			}
			maps.Copy(req.Header, tc.header)
			if tc.secretKey {
				req.Header.Set("Authorization", "Bearer "+key)
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			// The status is one of want: "404", or a range such as "4XX"; a 5xx always fails.
			s := strconv.Itoa(resp.StatusCode)
			if resp.StatusCode >= 500 || !slices.ContainsFunc(tc.want, func(w string) bool { return w == s || strings.EqualFold(w, s[:1]+"XX") }) {
				t.Errorf("%%s %%s: status %%d, want %%s (never 5xx)", tc.method, tc.path, resp.StatusCode, strings.Join(tc.want, " or "))
			}
		})
	}
}
`
