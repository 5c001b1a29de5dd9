package contracttest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hubmessage/hubmessage-go/contracttest"
)

// serve mounts h under a non-empty base path, so URL joining is exercised too.
func serve(t *testing.T, h http.Handler) string {
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

func TestVerifyConformantServerPassesEveryCase(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		handler http.Handler
	}{
		{"hand-written", conformantAPI()},
		// The enforcing middleware in front of a handler that always succeeds is a conformant
		// server too: it must answer every negative case the way the spec says.
		{"middleware", mustMiddleware(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 200, map[string]any{"success": true})
		}))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			report := verify(t, tc.handler, contracttest.VerifyOptions{SecretKey: secretKey, Positive: true})
			if diff := cmp.Diff(map[string][]string{}, failed(report)); diff != "" {
				var text bytes.Buffer
				report.WriteText(&text)
				t.Errorf("failures (-want +got):\n%s\n%s", diff, text.String())
			}
			passed, nFailed, skipped := report.Counts()
			if passed < 30 || nFailed != 0 || skipped != 0 {
				t.Errorf("counts: %d passed, %d failed, %d skipped; want 30+ passed and nothing else", passed, nFailed, skipped)
			}
		})
	}
}

func mustMiddleware(t *testing.T, h http.Handler) http.Handler {
	t.Helper()
	v := contracttest.MustNew(t, contracttest.WithSecretKey(secretKey))
	return v.Middleware(h, contracttest.WithTB(noopTB{}))
}

// noopTB accepts reports silently: the middleware's own rejections are expected here.
type noopTB struct{}

func (noopTB) Helper()               {}
func (noopTB) Errorf(string, ...any) {}
func (noopTB) Fatalf(string, ...any) {}

func TestVerifyReachesFullCoverage(t *testing.T) {
	t.Parallel()
	cov, err := contracttest.NewCoverage(nil)
	if err != nil {
		t.Fatal(err)
	}
	base := serve(t, conformantAPI())
	runs := []contracttest.CaseOptions{
		{},
		{PathParams: map[string]string{"channelId": unknownHex}},
		{BodyValues: map[string]any{"code": codeUsed}},
		{BodyValues: map[string]any{"code": codeUpstream}},
		{BodyValues: map[string]any{"code": codeCrash}},
	}
	for _, co := range runs {
		if _, err := contracttest.Verify(context.Background(), base, contracttest.VerifyOptions{
			SecretKey: secretKey, Positive: true, Cases: co, Coverage: cov,
		}); err != nil {
			t.Fatal(err)
		}
	}
	tb := &fakeTB{}
	cov.Require(tb)
	if got := tb.failures(); len(got) > 0 {
		t.Errorf("coverage not reached: %v", got)
	}
	want := []string{"connectMetaChannel 200", "connectMetaChannel 400", "connectMetaChannel 401", "connectMetaChannel 404",
		"connectMetaChannel 422", "connectMetaChannel 502", "connectMetaChannel default"}
	if diff := cmp.Diff(want, cov.Covered()); diff != "" {
		t.Errorf("Covered() (-want +got):\n%s", diff)
	}
}

func TestVerifyBrokenServers(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		handler http.Handler
		want    map[string][]string // case -> checks; only these cases may fail
	}{
		{"negative case answered 500 or 200", crashesOnMissingField(), map[string][]string{
			"negative_data_rejection/body/wabaId/missing":    {"negative_data_rejection", "not_a_server_error"},
			"negative_data_rejection/body/wabaId/wrong_type": {"negative_data_rejection"},
		}},
		{"success omitted", omitsSuccess(), map[string][]string{
			"positive_data_acceptance/coexistence": {"response_schema_conformance"},
			"positive_data_acceptance/sdkPayload":  {"response_schema_conformance"},
		}},
		{"plain-text 401", plainTextErrors(), map[string][]string{
			"ignored_auth/no_token":                      {"content_type_conformance"},
			"ignored_auth/wrong_token":                   {"content_type_conformance"},
			"ignored_auth/malformed_header/basic":        {"content_type_conformance"},
			"ignored_auth/malformed_header/empty_bearer": {"content_type_conformance"},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			report := verify(t, tc.handler, contracttest.VerifyOptions{SecretKey: secretKey, Positive: true})
			if report.Passed() {
				t.Fatal("report passed a broken server")
			}
			if diff := cmp.Diff(tc.want, failed(report)); diff != "" {
				t.Errorf("failed cases and checks (-want +got):\n%s", diff)
			}
		})
	}
}

func TestVerifySafeByDefault(t *testing.T) {
	t.Parallel()
	report := verify(t, conformantAPI(), contracttest.VerifyOptions{SecretKey: secretKey})
	var positive, skipped int
	for _, res := range report.Results {
		if strings.HasPrefix(res.Case, "positive_data_acceptance/") {
			positive++
			if res.Skipped == "" {
				t.Errorf("%s ran without Positive", res.Case)
			}
		}
		if res.Skipped != "" {
			skipped++
		}
	}
	if positive != 2 || skipped != 2 || !report.Passed() {
		t.Errorf("%d positive cases, %d skipped, passed=%v; want the 2 examples skipped and the rest passing", positive, skipped, report.Passed())
	}

	// Without a key only the cases that need none (ignored_auth) run.
	report = verify(t, conformantAPI(), contracttest.VerifyOptions{})
	for _, res := range report.Results {
		ran := res.Skipped == ""
		if ran != strings.HasPrefix(res.Case, "ignored_auth/") {
			t.Errorf("without a key: %s ran=%v", res.Case, ran)
		}
	}
}

func TestVerifyNeverReportsTheSecretKey(t *testing.T) {
	t.Parallel()
	report := verify(t, echoesAuthorization(), contracttest.VerifyOptions{SecretKey: secretKey, Positive: true})
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

func TestReportJUnitParses(t *testing.T) {
	t.Parallel()
	report := verify(t, crashesOnMissingField(), contracttest.VerifyOptions{SecretKey: secretKey})
	var out bytes.Buffer
	if err := report.WriteJUnit(&out); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		XMLName  xml.Name `xml:"testsuites"`
		Tests    int      `xml:"tests,attr"`
		Failures int      `xml:"failures,attr"`
		Skipped  int      `xml:"skipped,attr"`
		Suites   []struct {
			Name     string `xml:"name,attr"`
			Tests    int    `xml:"tests,attr"`
			Failures int    `xml:"failures,attr"`
			Cases    []struct {
				Name     string `xml:"name,attr"`
				Failures []struct {
					Type string `xml:"type,attr"`
				} `xml:"failure"`
				Skipped *struct{} `xml:"skipped"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatalf("JUnit output does not parse: %v\n%s", err, out.String())
	}
	passed, nFailed, skipped := report.Counts()
	if doc.Tests != passed+nFailed+skipped || doc.Failures != nFailed || doc.Skipped != skipped || nFailed != 2 || skipped != 2 {
		t.Errorf("testsuites tests=%d failures=%d skipped=%d; report %d/%d/%d; want 2 failures and 2 skipped",
			doc.Tests, doc.Failures, doc.Skipped, passed, nFailed, skipped)
	}
	var cases, failures int
	types := map[string]bool{}
	for _, s := range doc.Suites {
		cases += len(s.Cases)
		for _, c := range s.Cases {
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
	if cases != doc.Tests || failures != doc.Failures {
		t.Errorf("%d testcase elements with %d failing; attributes say %d and %d", cases, failures, doc.Tests, doc.Failures)
	}
	if !types["not_a_server_error"] || !types["negative_data_rejection"] {
		t.Errorf("failure types %v, want not_a_server_error and negative_data_rejection", types)
	}
}

func TestReportJSON(t *testing.T) {
	t.Parallel()
	report := verify(t, omitsSuccess(), contracttest.VerifyOptions{SecretKey: secretKey, Positive: true})
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
	if got.Failed != 2 || got.Skipped != 0 || got.Passed != len(got.Results)-2 {
		t.Errorf("json counts %d/%d/%d of %d results", got.Passed, got.Failed, got.Skipped, len(got.Results))
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
	tb := &fakeTB{}
	verify(t, conformantAPI(), contracttest.VerifyOptions{SecretKey: secretKey, Positive: true}).Require(tb)
	if f := tb.failures(); len(f) != 0 {
		t.Errorf("conformant server: %v", f)
	}
	verify(t, omitsSuccess(), contracttest.VerifyOptions{SecretKey: secretKey, Positive: true}).Require(tb)
	f := tb.failures()
	if len(f) != 2 || !strings.HasPrefix(f[0], "positive_data_acceptance/coexistence: POST") || !strings.Contains(f[0], "response_schema_conformance: body /success") {
		t.Errorf("failures %q, want one per positive case naming response_schema_conformance", f)
	}
}
