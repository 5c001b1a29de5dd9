package contracttest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hubmessage/hubmessage-go/contracttest"
)

func TestVerifyRefusesToRunWithoutAKey(t *testing.T) {
	t.Parallel()
	_, err := contracttest.Verify(context.Background(), "http://127.0.0.1:1", contracttest.VerifyOptions{
		Cases: contracttest.CaseOptions{Spec: fixture(t, "multiop.yaml")},
	})
	if !errors.Is(err, contracttest.ErrNoSecretKey) {
		t.Errorf("Verify without a key: %v, want ErrNoSecretKey", err)
	}
}

// Where the spec declares no security, no key is needed and none is sent: every case runs (the
// fixture documents no 4XX, so its negative cases fail status_code_conformance, as they should).
func TestVerifyNeedsNoKeyWhereTheSpecAsksNone(t *testing.T) {
	t.Parallel()
	doc := fixture(t, "multiop-pets.yaml") // no security anywhere
	var mu sync.Mutex
	var sentAuth []string
	api := exampleAPI(t, doc, 0)
	report := verify(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a := r.Header.Get("Authorization"); a != "" {
			mu.Lock()
			sentAuth = append(sentAuth, r.Method+" "+r.URL.Path+": "+a)
			mu.Unlock()
		}
		api.ServeHTTP(w, r)
	}), contracttest.VerifyOptions{Positive: true, Cases: contracttest.CaseOptions{Spec: doc}})
	if passed, _, skipped := report.Counts(); skipped != 0 || passed == 0 || report.SetupError() != "" {
		t.Errorf("%d passed, %d skipped, setup error %q; want every case run", passed, skipped, report.SetupError())
	}
	if len(sentAuth) > 0 {
		t.Errorf("requests carried Authorization although the spec asks none: %q", sentAuth)
	}
}

// A rejected key fails the run, whatever the counts: a negative case answered 401 passes its
// own check (4XX) but reached no validation.
func TestVerifyWrongKeyIsASetupError(t *testing.T) {
	t.Parallel()
	doc := fixture(t, "multiop.yaml")
	report := verify(t, exampleAPI(t, doc, 0), contracttest.VerifyOptions{SecretKey: "sk_test_not_the_key", Cases: contracttest.CaseOptions{Spec: doc}})
	_, nFailed, _ := report.Counts()
	reached, data := report.Validated()
	if report.Passed() || !strings.Contains(report.SetupError(), "the Secret Key was rejected") || nFailed != 0 || reached != 0 || data == 0 {
		t.Errorf("wrong key: passed=%v, setup error %q, %d failed, %d of %d data cases reached validation",
			report.Passed(), report.SetupError(), nFailed, reached, data)
	}
	var text, junit, js bytes.Buffer
	if err := errors.Join(report.WriteText(&text), report.WriteJUnit(&junit), report.WriteJSON(&js)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text.String(), "SETUP ERROR: the Secret Key was rejected") ||
		!strings.Contains(text.String(), "0 of "+strconv.Itoa(data)+" data cases reached the server's validation") {
		t.Errorf("text report:\n%s", text.String())
	}
	if !strings.Contains(junit.String(), `<testcase name="setup"`) || !strings.Contains(junit.String(), `type="setup"`) {
		t.Errorf("JUnit report has no failed setup testcase:\n%s", junit.String())
	}
	var parsed struct {
		SetupError string
		Validated  int
	}
	if err := json.Unmarshal(js.Bytes(), &parsed); err != nil || !strings.Contains(parsed.SetupError, "Secret Key was rejected") {
		t.Errorf("JSON setupError %q (%v)", parsed.SetupError, err)
	}

	// The right key: no setup error, and the data cases reached validation.
	report = verify(t, exampleAPI(t, doc, 0), contracttest.VerifyOptions{SecretKey: secretKey, Cases: contracttest.CaseOptions{Spec: doc}})
	if reached, data := report.Validated(); !report.Passed() || report.SetupError() != "" || reached == 0 || reached != data {
		t.Errorf("right key: passed=%v, setup error %q, %d of %d data cases reached validation", report.Passed(), report.SetupError(), reached, data)
	}
}

func TestVerifyNoAuth(t *testing.T) {
	t.Parallel()
	doc := fixture(t, "multiop.yaml")
	// The key, if given, is not sent.
	report := verify(t, exampleAPI(t, doc, 0), contracttest.VerifyOptions{NoAuth: true, SecretKey: "sk_test_unsent", Cases: contracttest.CaseOptions{Spec: doc}})
	if !report.Passed() || report.SetupError() != "" {
		t.Errorf("--no-auth against a conformant server: passed=%v, setup error %q", report.Passed(), report.SetupError())
	}
	for _, res := range report.Results {
		if res.Request != nil && res.Request.UseSecretKey {
			t.Errorf("%s sent the Secret Key under NoAuth", res.Case)
		}
	}
	// A report whose every case was skipped has not passed.
	all := &contracttest.Report{Results: []contracttest.Result{{Case: "a", Skipped: "why"}}}
	if all.Passed() || !strings.Contains(all.SetupError(), "no case ran") {
		t.Errorf("all skipped: passed=%v, setup error %q", all.Passed(), all.SetupError())
	}
}

func TestReachedValidation(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		check  string
		status int
		want   bool
	}{
		{contracttest.CheckNegativeDataRejection, 400, true},
		{contracttest.CheckNegativeDataRejection, 422, true},
		{contracttest.CheckNegativeDataRejection, 401, false},
		{contracttest.CheckNegativeDataRejection, 403, false},
		{contracttest.CheckNegativeDataRejection, 404, false},
		{contracttest.CheckNegativeDataRejection, 405, false},
		{contracttest.CheckNegativeDataRejection, 200, false},
		{contracttest.CheckNegativeDataRejection, 500, false},
		{contracttest.CheckPositiveDataAcceptance, 201, true},
		{contracttest.CheckPositiveDataAcceptance, 422, true},
		{contracttest.CheckPositiveDataAcceptance, 400, false},
		{contracttest.CheckIgnoredAuth, 401, false},
		{contracttest.CheckUnsupportedMethod, 400, false},
	} {
		if got := (contracttest.Result{Check: tc.check, Status: tc.status}).ReachedValidation(); got != tc.want {
			t.Errorf("%s answered %d: ReachedValidation %v, want %v", tc.check, tc.status, got, tc.want)
		}
	}
}

// sent is a request as a server received it.
type sent struct {
	Method, URI, Authorization, ContentType, Body string
	HasContentType                                bool
}

// shellCurl runs a curl command line through sh with curl replaced by a function that prints
// its argument count, each argument NUL-terminated, then its standard input: the arguments
// curl would have got, quoting and $HUBMESSAGE_SECRET_KEY expanded by a real shell.
func shellCurl(t *testing.T, line, key string) []string {
	t.Helper()
	script := `curl() { printf '%s\n' "$#"; for a in "$@"; do printf '%s\000' "$a"; done; cat; }
` + line + " </dev/null"
	if strings.Contains(line, "| curl") {
		script = `curl() { printf '%s\n' "$#"; for a in "$@"; do printf '%s\000' "$a"; done; cat; }
` + line
	}
	cmd := exec.Command("sh", "-c", script)
	cmd.Env = append(os.Environ(), "HUBMESSAGE_SECRET_KEY="+key)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("sh -c %q: %v", line, err)
	}
	n, rest, _ := bytes.Cut(out, []byte("\n"))
	count, err := strconv.Atoi(string(n))
	if err != nil {
		t.Fatalf("fake curl output %q", out)
	}
	var args []string
	for range count {
		a, r, ok := bytes.Cut(rest, []byte{0})
		if !ok {
			t.Fatalf("fake curl output %q", out)
		}
		args, rest = append(args, string(a)), r
	}
	return append(args, string(rest)) // the last element is standard input
}

// requestOf reads curl's arguments as curl would (the options Curl writes) into the request it
// sends; stdin is what --data-binary @- reads.
func requestOf(t *testing.T, args []string, base string) sent {
	t.Helper()
	stdin := args[len(args)-1]
	args = args[:len(args)-1]
	var s sent
	for i := 0; i < len(args); i++ {
		switch a := args[i]; a {
		case "-sS", "-i", "-g", "--path-as-is":
		case "--head":
			s.Method = http.MethodHead
		case "-X":
			i++
			s.Method = args[i]
		case "-H":
			i++
			k, v, _ := strings.Cut(args[i], ":")
			v = strings.Trim(v, " \t") // as a server reads a field value
			switch {
			case strings.EqualFold(k, "Authorization"):
				s.Authorization = v
			case strings.EqualFold(k, "Content-Type"):
				s.ContentType, s.HasContentType = v, v != ""
			default:
				t.Errorf("unexpected header %q", args[i])
			}
		case "--data-binary":
			i++
			s.Body = args[i]
			if s.Body == "@-" {
				s.Body = stdin
			}
		default:
			if !strings.HasPrefix(a, base) {
				t.Fatalf("unexpected curl argument %q", a)
			}
			s.URI = strings.TrimPrefix(a, base)
		}
	}
	return s
}

// Every failed case's curl line, run by a real shell, sends exactly what Verify sent, and the
// key is written as $HUBMESSAGE_SECRET_KEY in every output format.
func TestVerifyCurlReproducesEachFailure(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var got []sent
	broken := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, sent{r.Method, r.URL.RequestURI(), r.Header.Get("Authorization"), r.Header.Get("Content-Type"), string(body), r.Header.Get("Content-Type") != ""})
		mu.Unlock()
		w.WriteHeader(http.StatusInternalServerError)
	})
	base := serve(t, broken)
	report, err := contracttest.Verify(context.Background(), base, contracttest.VerifyOptions{
		SecretKey: secretKey, Positive: true, Cases: contracttest.CaseOptions{Spec: fixture(t, "multiop.yaml")},
	})
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	var ran int
	for _, res := range report.Results {
		if res.Skipped != "" {
			continue
		}
		want := got[ran]
		ran++
		if len(res.Failures) == 0 || res.Curl == "" {
			t.Errorf("%s: a 500 gave failures %v and curl %q", res.Case, res.Failures, res.Curl)
			continue
		}
		s := requestOf(t, shellCurl(t, res.Curl, secretKey), base)
		s.HasContentType, want.HasContentType = s.ContentType != "", want.ContentType != ""
		if diff := cmp.Diff(want, s); diff != "" {
			t.Errorf("%s: curl sends something else (-verify +curl):\n%s\n%s", res.Case, diff, res.Curl)
		}
	}
	if ran == 0 || ran != len(got) {
		t.Fatalf("%d cases ran, the server saw %d requests", ran, len(got))
	}
	var text, js, junit bytes.Buffer
	if err := errors.Join(report.WriteText(&text), report.WriteJSON(&js), report.WriteJUnit(&junit)); err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string]string{"text": text.String(), "json": js.String(), "junit": junit.String()} {
		if strings.Contains(out, secretKey) {
			t.Errorf("%s report shows the Secret Key", name)
		}
		if !strings.Contains(out, "$HUBMESSAGE_SECRET_KEY") || !strings.Contains(out, "curl -sS") {
			t.Errorf("%s report has no curl line with $HUBMESSAGE_SECRET_KEY", name)
		}
	}
}

// Bodies and headers no single-quoted text can carry safely (NUL, newlines, escape
// sequences, invalid UTF-8) still round-trip, and the command line stays printable.
func TestCurlQuoting(t *testing.T) {
	t.Parallel()
	base := "http://example.test/base"
	for _, body := range []string{
		`{"name":"it's"}`,
		"a'b\"c$HOME`id`\\n%s%%",
		"line\nbreak\r\n",
		"nul\x00byte\x1b[31mred",
		"\xff\xfe invalid UTF-8",
		"trailing newlines\n\n\n",
		"é ✓ unicode",
		"'",
	} {
		q := &contracttest.SentRequest{Method: http.MethodPost, Path: "/v1/x?q=%27", Body: body, UseSecretKey: true,
			Header: http.Header{"Content-Type": {"application/json; x='1'"}}}
		line := q.Curl(base)
		for _, r := range line {
			if r < ' ' || r == 0x7f {
				t.Errorf("curl line for %q has a control character: %q", body, line)
				break
			}
		}
		s := requestOf(t, shellCurl(t, line, "sk_quoting"), base)
		want := sent{Method: http.MethodPost, URI: "/v1/x?q=%27", Authorization: "Bearer sk_quoting",
			ContentType: "application/json; x='1'", HasContentType: true, Body: body}
		if diff := cmp.Diff(want, s); diff != "" {
			t.Errorf("body %q (-want +got):\n%s\n%s", body, diff, line)
		}
	}
	// Without a Content-Type, curl is told to send none (it would add a form type).
	q := &contracttest.SentRequest{Method: http.MethodPut, Path: "/p", Body: "x", Header: http.Header{"Authorization": {"Basic x"}}}
	s := requestOf(t, shellCurl(t, q.Curl(base), "k"), base)
	if diff := cmp.Diff(sent{Method: http.MethodPut, URI: "/p", Authorization: "Basic x", Body: "x"}, s); diff != "" {
		t.Errorf("no Content-Type (-want +got):\n%s", diff)
	}
}

// Even a --param value that holds the Secret Key never reaches a report's request or curl line.
func TestVerifyRedactsTheKeyFromSentRequests(t *testing.T) {
	t.Parallel()
	broken := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) })
	report := verify(t, broken, contracttest.VerifyOptions{SecretKey: secretKey, Positive: true,
		Cases: contracttest.CaseOptions{Spec: fixture(t, "multiop.yaml"), Values: map[string]string{"code": secretKey}}})
	var js, src bytes.Buffer
	if err := errors.Join(report.WriteJSON(&js), report.WriteRegressionTest(&src, "x_test")); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(js.String()+src.String(), secretKey) || !strings.Contains(js.String(), `\"code\":\"[REDACTED]\"`) {
		t.Errorf("the key shows, or the value was not redacted:\n%s", js.String())
	}
}

// A single-use code given as a value is as secret as the key: no report, curl line or
// emitted test shows it.
func TestVerifyRedactsTheCodeFromSentRequests(t *testing.T) {
	t.Parallel()
	const code = "AQB-single-use-4242"
	broken := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) })
	report := verify(t, broken, contracttest.VerifyOptions{SecretKey: secretKey, Positive: true,
		Cases: contracttest.CaseOptions{Spec: fixture(t, "multiop.yaml"), Values: map[string]string{"code": code}}})
	var text, js, src bytes.Buffer
	if err := errors.Join(report.WriteText(&text), report.WriteJSON(&js), report.WriteRegressionTest(&src, "x_test")); err != nil {
		t.Fatal(err)
	}
	if all := text.String() + js.String() + src.String(); strings.Contains(all, code) || !strings.Contains(js.String(), `\"code\":\"[REDACTED]\"`) {
		t.Errorf("the code shows, or the value was not redacted:\n%s", all)
	}
}

// A path value that holds a secret is redacted from each Result's Path too, which the text
// report prints on every line.
func TestVerifyRedactsTheKeyFromResultPaths(t *testing.T) {
	t.Parallel()
	const key = "0123456789abcdef0123456789abcdef" // a valid channelId, used as the key
	broken := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) })
	report := verify(t, broken, contracttest.VerifyOptions{SecretKey: key, Positive: true,
		Cases: contracttest.CaseOptions{Spec: fixture(t, "multiop.yaml"), Values: map[string]string{"channelId": key}}})
	var text bytes.Buffer
	if err := report.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(text.String(), key) || !strings.Contains(text.String(), "/[REDACTED]") {
		t.Errorf("the key shows, or the value was not redacted:\n%s", text.String())
	}
}

// FuzzCurl: whatever the body and header value, the curl line is printable and a real shell
// hands curl exactly those bytes.
func FuzzCurl(f *testing.F) {
	f.Add(`{"name":"it's"}`, "application/json")
	f.Add("nul\x00byte\x1b[31m\n\n", "text/plain; q='1'")
	f.Add("\xff\xfe%s\\", "a\"b$c`d`")
	f.Add("", "x")
	f.Fuzz(func(t *testing.T, body, contentType string) {
		contentType = strings.Trim(contentType, " \t")
		if contentType == "" || strings.ContainsAny(contentType, "\r\n\x00") {
			return // not a header value anyone can send
		}
		q := &contracttest.SentRequest{Method: http.MethodPatch, Path: "/p?x=1", Body: body, UseSecretKey: true,
			Header: http.Header{"Content-Type": {contentType}}}
		line := q.Curl("http://h.test")
		for _, r := range line {
			if r < ' ' || r == 0x7f {
				t.Fatalf("control character in %q", line)
			}
		}
		s := requestOf(t, shellCurl(t, line, "sk_fuzz"), "http://h.test")
		want := sent{Method: http.MethodPatch, URI: "/p?x=1", Authorization: "Bearer sk_fuzz", ContentType: contentType, HasContentType: true, Body: body}
		if diff := cmp.Diff(want, s); diff != "" {
			t.Errorf("(-want +got):\n%s\n%s", diff, line)
		}
	})
}
