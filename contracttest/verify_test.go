package contracttest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/google/go-cmp/cmp"

	"github.com/hubmessage/hubmessage-go/contracttest"
	"github.com/hubmessage/hubmessage-go/mockserver"
)

// serve mounts h under a non-empty base path, so URL joining is exercised too.
func serve(t testing.TB, h http.Handler) string {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle("/base/", http.StripPrefix("/base", h))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL + "/base"
}

func verify(t *testing.T, h http.Handler, opts contracttest.VerifyOptions) *contracttest.Report {
	t.Helper()
	report, err := contracttest.Verify(context.Background(), serve(t, h), opts)
	if err != nil {
		t.Fatal(err)
	}
	return report
}

// failed maps each failed case to the checks it failed.
func failed(r *contracttest.Report) map[string][]string {
	out := map[string][]string{}
	for _, res := range r.Results {
		for _, f := range res.Failures {
			if !slices.Contains(out[res.Case], f.Check) {
				out[res.Case] = append(out[res.Case], f.Check)
			}
		}
	}
	return out
}

// noopTB accepts reports silently: the middleware's own rejections are expected here.
type noopTB struct{}

func (noopTB) Helper()               {}
func (noopTB) Errorf(string, ...any) {}
func (noopTB) Fatalf(string, ...any) {}

// exampleAPI is a conformant server for any spec, built from the spec alone: the kit's
// enforcing middleware answers invalid requests (400, 401, 404, 405 with Allow), and every valid
// one gets [answerExamples]'s answer.
func exampleAPI(t *testing.T, doc *openapi3.T, status int) http.Handler {
	t.Helper()
	v := mustValidator(t, doc, contracttest.WithSecretKey(secretKey))
	return v.Middleware(answerExamples(t, doc, status), contracttest.WithTB(noopTB{}))
}

// answerExamples is the reference server's stand-in for any spec (mockserver.Examples): every
// request routed to an operation gets its documented example for status (the lowest 2XX when
// status is 0), and nothing is checked (a server that accepts anything); an unknown path gets
// 404, an undocumented method 405 with Allow.
func answerExamples(t *testing.T, doc *openapi3.T, status int) http.Handler {
	t.Helper()
	ex, err := mockserver.NewExamples(doc)
	if err != nil {
		t.Fatal(err)
	}
	if status == 0 {
		return ex
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Header.Set("Prefer", "code="+strconv.Itoa(status))
		ex.ServeHTTP(w, r)
	})
}

func successStatus(op *openapi3.Operation) int {
	for code := 200; code < 300; code++ {
		if op.Responses.Status(code) != nil {
			return code
		}
	}
	return 0
}

// successHasBody reports whether op's success response documents content.
func successHasBody(op *openapi3.Operation) bool {
	return len(op.Responses.Status(successStatus(op)).Value.Content) > 0
}

// tamper passes h's responses through f, which may change the status, content type and body.
func tamper(h http.Handler, f func(status int, ct string, body []byte) (int, string, []byte)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		status, ct, body := f(rec.Code, rec.Header().Get("Content-Type"), rec.Body.Bytes())
		maps.Copy(w.Header(), rec.Header())
		w.Header().Del("Content-Length")
		w.Header().Set("Content-Type", ct)
		w.WriteHeader(status)
		w.Write(body)
	})
}

// casesOf are the cases Verify runs on doc, so expectations derive from them, not constants.
func casesOf(t *testing.T, doc *openapi3.T, keep func(contracttest.Case) bool) []contracttest.Case {
	t.Helper()
	var out []contracttest.Case
	for _, c := range mustCases(t, contracttest.CaseOptions{Spec: doc}) {
		if keep(c) {
			out = append(out, c)
		}
	}
	return out
}

func byCheck(checks ...string) func(contracttest.Case) bool {
	return func(c contracttest.Case) bool { return slices.Contains(checks, c.Check) }
}

func TestVerifyConformantServerPassesEveryCase(t *testing.T) {
	t.Parallel()
	doc := fixture(t, "multiop.yaml")
	report := verify(t, exampleAPI(t, doc, 0), contracttest.VerifyOptions{SecretKey: secretKey, Positive: true, Cases: contracttest.CaseOptions{Spec: doc}})
	if diff := cmp.Diff(map[string][]string{}, failed(report)); diff != "" {
		var text bytes.Buffer
		report.WriteText(&text)
		t.Errorf("failures (-want +got):\n%s\n%s", diff, text.String())
	}
	cases := casesOf(t, doc, func(contracttest.Case) bool { return true })
	passed, nFailed, skipped := report.Counts()
	if passed != len(cases) || nFailed != 0 || skipped != 0 {
		t.Errorf("counts: %d passed, %d failed, %d skipped; want all %d cases passed", passed, nFailed, skipped, len(cases))
	}
	// Every operation, with a body or without, reached its documented success.
	reached := map[string]int{}
	for _, res := range report.Results {
		if res.Check == contracttest.CheckPositiveDataAcceptance && len(res.Failures) == 0 {
			reached[res.Operation] = res.Status
		}
	}
	want := map[string]int{}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			want[op.OperationID] = successStatus(op)
		}
	}
	if diff := cmp.Diff(want, reached); diff != "" {
		t.Errorf("operations and the success status their positive cases got (-want +got):\n%s", diff)
	}
}

func TestVerifyReachesFullCoverage(t *testing.T) {
	t.Parallel()
	doc := fixture(t, "multiop.yaml")
	cov, err := contracttest.NewCoverage(mustValidator(t, doc))
	if err != nil {
		t.Fatal(err)
	}
	// One run per documented status, the server answering every valid request with it; 500 for
	// the default responses.
	statuses := map[int]bool{500: true}
	var want []string
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			for key := range op.Responses.Map() {
				want = append(want, op.OperationID+" "+key)
				if code, err := strconv.Atoi(key); err == nil {
					statuses[code] = true
				}
			}
		}
	}
	for _, status := range slices.Sorted(maps.Keys(statuses)) {
		if _, err := contracttest.Verify(context.Background(), serve(t, exampleAPI(t, doc, status)), contracttest.VerifyOptions{
			SecretKey: secretKey, Positive: true, Cases: contracttest.CaseOptions{Spec: doc}, Coverage: cov,
		}); err != nil {
			t.Fatal(err)
		}
	}
	tb := &fakeTB{}
	cov.Require(tb)
	if got := tb.failures(); len(got) > 0 {
		t.Errorf("coverage not reached: %v", got)
	}
	slices.Sort(want)
	if diff := cmp.Diff(want, cov.Covered()); diff != "" {
		t.Errorf("Covered() (-want +got):\n%s", diff)
	}
}

func TestVerifyBrokenServers(t *testing.T) {
	t.Parallel()
	doc := fixture(t, "multiop.yaml")
	ops := map[string]*openapi3.Operation{}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			ops[op.OperationID] = op
		}
	}
	// expect maps each case keep selects to the checks it must fail.
	expect := func(keep func(contracttest.Case) bool, checks ...string) map[string][]string {
		out := map[string][]string{}
		for _, c := range casesOf(t, doc, keep) {
			out[c.Name] = slices.Clone(checks)
		}
		return out
	}
	for _, tc := range []struct {
		name    string
		handler http.Handler
		want    map[string][]string // case -> checks; only these cases may fail
	}{
		{"accepts any data and any token", answerExamples(t, doc, 0), mergeMaps(
			expect(byCheck(contracttest.CheckNegativeDataRejection), contracttest.CheckNegativeDataRejection),
			expect(byCheck(contracttest.CheckIgnoredAuth), contracttest.CheckIgnoredAuth))},
		{"invalid data answered 500", tamper(exampleAPI(t, doc, 0), func(status int, ct string, body []byte) (int, string, []byte) {
			if status == 400 {
				return 500, ct, []byte(`{"error":500,"message":"nil pointer dereference"}`)
			}
			return status, ct, body
		}), expect(byCheck(contracttest.CheckNegativeDataRejection), contracttest.CheckNegativeDataRejection, contracttest.CheckNotAServerError)},
		{"success body empty", tamper(exampleAPI(t, doc, 0), func(status int, ct string, body []byte) (int, string, []byte) {
			if status/100 == 2 && len(body) > 0 {
				return status, ct, []byte(`{}`)
			}
			return status, ct, body
		}), expect(func(c contracttest.Case) bool {
			return c.Check == contracttest.CheckPositiveDataAcceptance && successHasBody(ops[c.Operation])
		}, contracttest.CheckResponseSchemaConformance)},
		{"plain-text 401", tamper(exampleAPI(t, doc, 0), func(status int, ct string, body []byte) (int, string, []byte) {
			if status == 401 {
				return 401, "text/plain; charset=utf-8", []byte("Unauthorized\n")
			}
			return status, ct, body
		}), expect(byCheck(contracttest.CheckIgnoredAuth), contracttest.CheckContentTypeConformance)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if len(tc.want) == 0 {
				t.Fatal("the fixture yields no case this server breaks")
			}
			report := verify(t, tc.handler, contracttest.VerifyOptions{SecretKey: secretKey, Positive: true, Cases: contracttest.CaseOptions{Spec: doc}})
			if report.Passed() {
				t.Fatal("report passed a broken server")
			}
			got := failed(report)
			for name := range got {
				slices.Sort(got[name])
			}
			for name := range tc.want {
				slices.Sort(tc.want[name])
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("failed cases and checks (-want +got):\n%s", diff)
			}
		})
	}
}

func mergeMaps(ms ...map[string][]string) map[string][]string {
	out := map[string][]string{}
	for _, m := range ms {
		maps.Copy(out, m)
	}
	return out
}

func TestVerifySafeByDefault(t *testing.T) {
	t.Parallel()
	doc := fixture(t, "multiop.yaml")
	opts := contracttest.CaseOptions{Spec: doc}
	positive := len(casesOf(t, doc, func(c contracttest.Case) bool { return c.ChangesState }))
	report := verify(t, exampleAPI(t, doc, 0), contracttest.VerifyOptions{SecretKey: secretKey, Cases: opts})
	var skipped int
	for _, res := range report.Results {
		if (res.Skipped != "") != (res.Check == contracttest.CheckPositiveDataAcceptance) {
			t.Errorf("%s: skipped=%q", res.Case, res.Skipped)
		}
		if res.Skipped != "" {
			skipped++
			if !strings.Contains(res.Skipped, "--positive") {
				t.Errorf("%s: skip reason %q does not say how to include it", res.Case, res.Skipped)
			}
		}
	}
	if positive == 0 || skipped != positive || !report.Passed() {
		t.Errorf("%d skipped of %d positive cases, passed=%v; want every positive case skipped and the rest passing", skipped, positive, report.Passed())
	}

	// With NoAuth only the cases that need no key (ignored_auth) run.
	report = verify(t, exampleAPI(t, doc, 0), contracttest.VerifyOptions{NoAuth: true, Cases: opts})
	for _, res := range report.Results {
		if ran := res.Skipped == ""; ran != (res.Check == contracttest.CheckIgnoredAuth) {
			t.Errorf("without a key: %s ran=%v", res.Case, ran)
		}
	}
}

func TestVerifyRejectsBadValues(t *testing.T) {
	t.Parallel()
	_, err := contracttest.Verify(context.Background(), "http://127.0.0.1:1", contracttest.VerifyOptions{
		Cases: contracttest.CaseOptions{Spec: fixture(t, "multiop.yaml"), Values: map[string]string{"channelID": "x"}},
	})
	var ve *contracttest.ValueError
	if !errors.As(err, &ve) || ve.Name != "channelID" {
		t.Errorf("Verify with an unknown value name: %v", err)
	}
}

func TestVerifyNeverReportsTheSecretKey(t *testing.T) {
	t.Parallel()
	echo := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(500)
		json.NewEncoder(w).Encode(map[string]any{"error": 500, "message": "bad auth header: " + r.Header.Get("Authorization")})
	})
	report := verify(t, echo, contracttest.VerifyOptions{SecretKey: secretKey, Positive: true, Cases: contracttest.CaseOptions{Spec: fixture(t, "multiop.yaml")}})
	if report.Passed() {
		t.Fatal("a server answering 500 passed")
	}
	var text, js, junit bytes.Buffer
	for _, write := range []func() error{
		func() error { return report.WriteText(&text) },
		func() error { return report.WriteJSON(&js) },
		func() error { return report.WriteJUnit(&junit) },
	} {
		if err := write(); err != nil {
			t.Fatal(err)
		}
	}
	for name, out := range map[string]string{"text": text.String(), "json": js.String(), "junit": junit.String()} {
		if strings.Contains(out, secretKey) {
			t.Errorf("%s output contains the Secret Key", name)
		}
		if !strings.Contains(out, "[REDACTED]") {
			t.Errorf("%s output does not show the echoed key was redacted", name)
		}
	}
}

// The JUnit report parses, its counts match the report's, and its testcase names are the
// cases' names, each once: CI systems key test history on them.
func TestReportJUnitParses(t *testing.T) {
	t.Parallel()
	doc := fixture(t, "multiop.yaml")
	report := verify(t, answerExamples(t, doc, 0), contracttest.VerifyOptions{SecretKey: secretKey, Cases: contracttest.CaseOptions{Spec: doc}})
	var out bytes.Buffer
	if err := report.WriteJUnit(&out); err != nil {
		t.Fatal(err)
	}
	var junit struct {
		XMLName  xml.Name `xml:"testsuites"`
		Tests    int      `xml:"tests,attr"`
		Failures int      `xml:"failures,attr"`
		Skipped  int      `xml:"skipped,attr"`
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
	if err := xml.Unmarshal(out.Bytes(), &junit); err != nil {
		t.Fatalf("JUnit output does not parse: %v\n%s", err, out.String())
	}
	passed, nFailed, skipped := report.Counts()
	if junit.Tests != passed+nFailed+skipped || junit.Failures != nFailed || junit.Skipped != skipped || nFailed == 0 || skipped == 0 {
		t.Errorf("testsuites tests=%d failures=%d skipped=%d; report %d/%d/%d; want equal, with failures and skips",
			junit.Tests, junit.Failures, junit.Skipped, passed, nFailed, skipped)
	}
	var names []string
	var failures int
	types := map[string]bool{}
	for _, s := range junit.Suites {
		for _, c := range s.Cases {
			names = append(names, c.Name)
			if !strings.HasPrefix(c.Name, s.Name+"/") {
				t.Errorf("case %s in suite %s", c.Name, s.Name)
			}
			if len(c.Failures) > 0 {
				failures++
			}
			for _, f := range c.Failures {
				types[f.Type] = true
			}
		}
	}
	var want []string
	for _, c := range mustCases(t, contracttest.CaseOptions{Spec: doc}) {
		want = append(want, c.Name)
	}
	slices.Sort(names)
	if dup := len(names) - len(slices.Compact(slices.Clone(names))); dup > 0 {
		t.Errorf("%d duplicate testcase names", dup)
	}
	slices.Sort(want)
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("testcase names (-cases +junit):\n%s", diff)
	}
	if failures != junit.Failures {
		t.Errorf("%d testcase elements failing; attributes say %d", failures, junit.Failures)
	}
	if !types[contracttest.CheckIgnoredAuth] || !types[contracttest.CheckNegativeDataRejection] {
		t.Errorf("failure types %v, want ignored_auth and negative_data_rejection", types)
	}
}

func TestReportJSON(t *testing.T) {
	t.Parallel()
	doc := fixture(t, "multiop.yaml")
	report := verify(t, answerExamples(t, doc, 0), contracttest.VerifyOptions{SecretKey: secretKey, Cases: contracttest.CaseOptions{Spec: doc}})
	var out bytes.Buffer
	if err := report.WriteJSON(&out); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Passed, Failed, Skipped int
		Results                 []contracttest.Result
	}
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	passed, nFailed, skipped := report.Counts()
	if got.Passed != passed || got.Failed != nFailed || got.Skipped != skipped || len(got.Results) != passed+nFailed+skipped {
		t.Errorf("json counts %d/%d/%d of %d results; report %d/%d/%d", got.Passed, got.Failed, got.Skipped, len(got.Results), passed, nFailed, skipped)
	}
	if diff := cmp.Diff(report.Results, got.Results); diff != "" {
		t.Errorf("results do not round-trip (-report +json):\n%s", diff)
	}
}

func TestVerifyRejectsBadBaseURL(t *testing.T) {
	t.Parallel()
	for _, u := range []string{"", "api.hubmessage.io", "ftp://x", "http://", "https://u:p@host", "http://h/?q=1", "%"} {
		if _, err := contracttest.Verify(context.Background(), u, contracttest.VerifyOptions{}); err == nil {
			t.Errorf("Verify(%q) accepted the base URL", u)
		}
	}
}

func TestReportRequire(t *testing.T) {
	t.Parallel()
	doc := fixture(t, "multiop.yaml")
	opts := contracttest.VerifyOptions{SecretKey: secretKey, Cases: contracttest.CaseOptions{Spec: doc}}
	tb := &fakeTB{}
	verify(t, exampleAPI(t, doc, 0), opts).Require(tb)
	if f := tb.failures(); len(f) != 0 {
		t.Errorf("conformant server: %v", f)
	}
	verify(t, answerExamples(t, doc, 0), opts).Require(tb)
	f := tb.failures()
	want := casesOf(t, doc, byCheck(contracttest.CheckIgnoredAuth, contracttest.CheckNegativeDataRejection))
	if len(f) != len(want) {
		t.Fatalf("%d failures, want one per ignored_auth and negative_data_rejection case (%d)", len(f), len(want))
	}
	first := want[0]
	if !strings.HasPrefix(f[0], first.Name+": "+first.Method+" ") || !strings.Contains(f[0], "\n  "+first.Check+": status 2") {
		t.Errorf("first failure %q, want it to name %s, its request and its failed check", f[0], first.Name)
	}
}

func TestParseBaseURLNeverEchoesAPassword(t *testing.T) {
	for _, raw := range []string{"http://user:hunter2secret@host:99999999999/", "ftp://user:hunter2secret@host/", "http://user:hunter2secret@host/"} {
		_, err := contracttest.ParseBaseURL(raw)
		if err == nil {
			t.Fatalf("%s: no error", raw)
		}
		if strings.Contains(err.Error(), "hunter2secret") {
			t.Errorf("error repeats the password: %v", err)
		}
	}
}

// Verify judges the answer it got: a redirect is a failure, never followed, so the Secret Key
// and a single-use value reach no other server (Go's client would keep Authorization on a
// redirect to the same host on another port).
func TestVerifyNeverFollowsARedirect(t *testing.T) {
	t.Parallel()
	var reached atomic.Int32
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(elsewhere.Close)
	redirect := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, elsewhere.URL+r.URL.RequestURI(), http.StatusTemporaryRedirect)
	})
	report := verify(t, redirect, contracttest.VerifyOptions{SecretKey: secretKey, Positive: true,
		Cases: contracttest.CaseOptions{Spec: fixture(t, "multiop.yaml"), Values: map[string]string{"code": "AQB-single-use"}}})
	if n := reached.Load(); n != 0 {
		t.Errorf("%d requests followed a redirect to another server", n)
	}
	if _, failed, _ := report.Counts(); report.Passed() || failed == 0 {
		t.Error("a server answering every request with a redirect passed")
	}
	for _, res := range report.Results {
		if res.Skipped == "" && res.Status != http.StatusTemporaryRedirect {
			t.Errorf("%s: status %d, want the 307 itself", res.Case, res.Status)
		}
	}
}
