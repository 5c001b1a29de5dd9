package contracttest

import (
	"cmp"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Report is the outcome of [Verify], one Result per case in the order they ran.
type Report struct {
	BaseURL string   `json:"baseUrl"`
	Results []Result `json:"results"`
	// Tool names what made the report, in the text and JUnit headings: "" means
	// "hubmessage verify".
	Tool string `json:"-"`
}

// tool is the report's Tool, and its JUnit class name prefix.
func (r *Report) tool() (name, class string) {
	name = cmp.Or(r.Tool, "hubmessage verify")
	return name, strings.ReplaceAll(name, " ", ".")
}

// Result is one case's outcome. It passed when it has no Failures and was not skipped.
type Result struct {
	Case      string        `json:"case"`
	Check     string        `json:"check"`               // the check the case states, e.g. "ignored_auth"
	Operation string        `json:"operation,omitempty"` // the operationId the case targets; "" for unknown_path
	Method    string        `json:"method"`
	Path      string        `json:"path"`
	Status    int           `json:"status,omitempty"`
	Failures  []Failure     `json:"failures,omitempty"`
	Skipped   string        `json:"skipped,omitempty"` // why the case did not run
	Duration  time.Duration `json:"durationNs"`
	// Request is what the case sent (nil if it did not run), enough to replay it.
	Request *SentRequest `json:"request,omitempty"`
	// Curl is a shell command that sends Request again, for a failed case; see [SentRequest.Curl].
	Curl string `json:"curl,omitempty"`
}

// SentRequest is what a case sent, without the Secret Key: enough to replay it ([SentRequest.Curl],
// [Report.WriteRegressionTest]).
type SentRequest struct {
	Method string      `json:"method"`
	Path   string      `json:"path"`             // path and query, escaped, relative to the base URL
	Header http.Header `json:"header,omitempty"` // every header sent but the Secret Key's Authorization
	Body   string      `json:"body,omitempty"`
	// UseSecretKey: the request carried "Authorization: Bearer <Secret Key>".
	UseSecretKey bool `json:"useSecretKey,omitempty"`
	// Want lists the statuses the case accepts: "401", "4XX".
	Want []string `json:"want,omitempty"`
}

// Wants reports whether status is one of Want.
func (q SentRequest) Wants(status int) bool { return statusMatches(status, q.Want) }

// Failure is one check a case's response failed.
type Failure struct {
	Check   string `json:"check"`
	Message string `json:"message"`
}

// Counts returns how many cases passed, failed and were skipped.
func (r *Report) Counts() (passed, failed, skipped int) {
	for _, res := range r.Results {
		switch {
		case res.Skipped != "":
			skipped++
		case res.failed():
			failed++
		default:
			passed++
		}
	}
	return passed, failed, skipped
}

// Passed reports whether no case failed and the run had no [Report.SetupError].
func (r *Report) Passed() bool {
	_, failed, _ := r.Counts()
	return failed == 0 && r.SetupError() == ""
}

// SetupError says why the run's verdict cannot be trusted whatever its counts, or "" when it
// can: the run stopped before some cases ran (its context ended, or the server did not answer
// several requests in a row); a case that sent the Secret Key got 401 or 403 (not a status it
// wanted), so the key is wrong and such cases were stopped before any validation; or no case
// ran at all.
func (r *Report) SetupError() string {
	var ran, keyed, rejected, keyedData, rejectedData, notRun int
	example, stop, last := "", "", ""
	for _, res := range r.Results {
		if why, ok := strings.CutPrefix(res.Skipped, notRunPrefix); ok {
			notRun++
			stop = cmp.Or(stop, why)
		}
		if res.Skipped != "" {
			continue
		}
		ran++
		if res.Request == nil {
			continue
		}
		last = ""
		if res.Status == 0 && len(res.Failures) > 0 { // a request that got no answer
			last = " (last: " + res.Failures[0].Message + ")"
		}
		if !res.Request.UseSecretKey {
			continue
		}
		data := isDataCheck(res.Check)
		keyed++
		if data {
			keyedData++
		}
		if (res.Status == http.StatusUnauthorized || res.Status == http.StatusForbidden) &&
			!slices.Contains(res.Request.Want, strconv.Itoa(res.Status)) {
			rejected++
			if data {
				rejectedData++
			}
			if example == "" {
				example = res.Case
			}
		}
	}
	switch {
	case notRun > 0:
		return fmt.Sprintf("%s%s; %d cases not run", stop, last, notRun)
	case ran == 0:
		return "no case ran: every case was skipped, so nothing was checked"
	case rejected > 0 && rejectedData == keyedData:
		return fmt.Sprintf("the Secret Key was rejected: %d cases that send it got 401 or 403 (e.g. %s); no data case reached validation", rejected, example)
	case rejected > 0:
		return fmt.Sprintf("the Secret Key was rejected on %d of %d cases that send it (401 or 403, e.g. %s); those cases reached no validation", rejected, keyed, example)
	}
	return ""
}

// ReachedValidation reports whether the case's answer shows that the server's own data
// validation ran: a negative_data_rejection case answered 4XX other than 401, 403, 404 and 405
// (which authentication, routing or a missing resource give before any validation), or a
// positive_data_acceptance case answered 2XX or 422 (a business rule).
func (res Result) ReachedValidation() bool {
	if res.Skipped != "" {
		return false
	}
	switch res.Check {
	case CheckNegativeDataRejection:
		switch res.Status {
		case 401, 403, 404, 405:
			return false
		}
		return res.Status/100 == 4
	case CheckPositiveDataAcceptance:
		return ok2xx(res.Status) || res.Status == http.StatusUnprocessableEntity
	}
	return false
}

// isDataCheck reports whether check sends data for the server to validate.
func isDataCheck(check string) bool {
	return check == CheckNegativeDataRejection || check == CheckPositiveDataAcceptance
}

// failed reports whether the case ran and failed.
func (res Result) failed() bool { return res.Skipped == "" && len(res.Failures) > 0 }

// Validated returns how many cases reached the server's validation
// ([Result.ReachedValidation]) of the data cases (negative_data_rejection and
// positive_data_acceptance) that ran.
func (r *Report) Validated() (reached, dataCases int) {
	for _, res := range r.Results {
		if res.Skipped != "" || !isDataCheck(res.Check) {
			continue
		}
		dataCases++
		if res.ReachedValidation() {
			reached++
		}
	}
	return reached, dataCases
}

// WriteText writes the report for a terminal: one line per case (PASS, FAIL or SKIP), each
// failed check and a curl command that reproduces the failure indented below it, then the
// [Report.SetupError] if any, and a summary line: the counts and how many data cases reached
// the server's validation ([Report.Validated]).
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	name, _ := r.tool()
	fmt.Fprintf(&b, "%s %s\n", name, r.BaseURL)
	for _, res := range r.Results {
		switch {
		case res.Skipped != "":
			fmt.Fprintf(&b, "SKIP %s (%s)\n", res.Case, res.Skipped)
		case res.failed():
			fmt.Fprintf(&b, "FAIL %s\n", res.failureText("       "))
		default:
			fmt.Fprintf(&b, "PASS %s: %s %s -> %d\n", res.Case, res.Method, res.Path, res.Status)
		}
	}
	if e := r.SetupError(); e != "" {
		fmt.Fprintf(&b, "SETUP ERROR: %s\n", e)
	}
	b.WriteString(r.Summary() + "\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// Summary is the counts line: "30 passed, 2 failed, 1 skipped; 25 of 28 data cases reached
// the server's validation", led by "not a pass (setup error): " when the run has a
// [Report.SetupError], so that it never reads like a pass.
func (r *Report) Summary() string {
	passed, failed, skipped := r.Counts()
	reached, data := r.Validated()
	s := fmt.Sprintf("%d passed, %d failed, %d skipped; %d of %d data cases reached the server's validation",
		passed, failed, skipped, reached, data)
	if r.SetupError() != "" {
		s = "not a pass (setup error): " + s
	}
	return s
}

// failureText is a failed case's exchange, then each failed check and the curl command that
// reproduces it on lines of their own, indented.
func (res Result) failureText(indent string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s %s -> %d", res.Case, res.Method, res.Path, res.Status)
	for _, f := range res.Failures {
		fmt.Fprintf(&b, "\n%s%s: %s", indent, f.Check, f.Message)
	}
	b.WriteString(res.curlLine("\n" + indent))
	return b.String()
}

// curlLine is "reproduce: <Curl>" after prefix, or "" without a Curl.
func (res Result) curlLine(prefix string) string {
	if res.Curl == "" {
		return ""
	}
	return prefix + "reproduce: " + res.Curl
}

// WriteJSON writes the report as indented JSON: {"baseUrl", "passed", "failed", "skipped",
// "setupError", "validated" (data cases that reached the server's validation), "dataCases",
// "results": [{"case", "check", "operation", "method", "path", "status", "failures": [{"check",
// "message"}], "request", "curl" (failed cases), ...}]}.
func (r *Report) WriteJSON(w io.Writer) error {
	passed, failed, skipped := r.Counts()
	reached, data := r.Validated()
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		BaseURL    string   `json:"baseUrl"`
		Passed     int      `json:"passed"`
		Failed     int      `json:"failed"`
		Skipped    int      `json:"skipped"`
		SetupError string   `json:"setupError,omitempty"`
		Validated  int      `json:"validated"`
		DataCases  int      `json:"dataCases"`
		Results    []Result `json:"results"`
	}{r.BaseURL, passed, failed, skipped, r.SetupError(), reached, data, r.Results})
}

// JUnit XML, as CI systems (GitHub Actions reporters, GitLab, Jenkins) read it.
type junitSuites struct {
	XMLName xml.Name `xml:"testsuites"`
	Name    string   `xml:"name,attr"`
	junitCounts
	Suites []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name string `xml:"name,attr"`
	junitCounts
	Cases []junitCase `xml:"testcase"`
}

// junitCounts are the attributes of a testsuite and of testsuites.
type junitCounts struct {
	Tests    int     `xml:"tests,attr"`
	Failures int     `xml:"failures,attr"`
	Skipped  int     `xml:"skipped,attr"`
	Time     seconds `xml:"time,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	ClassName string        `xml:"classname,attr"`
	Time      seconds       `xml:"time,attr"`
	Failures  []junitFailed `xml:"failure,omitempty"`
	Skipped   *junitSkipped `xml:"skipped,omitempty"`
}

type junitFailed struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// seconds is a JUnit time attribute, written with millisecond precision.
type seconds float64

func (s seconds) MarshalXMLAttr(name xml.Name) (xml.Attr, error) {
	return xml.Attr{Name: name, Value: strconv.FormatFloat(float64(s), 'f', 3, 64)}, nil
}

type junitSkipped struct {
	Message string `xml:"message,attr"`
}

// WriteJUnit writes the report as JUnit XML: one testsuite per check a case states
// (ignored_auth, negative_data_rejection, ...), one testcase per case, named after it (so
// unique), and a failure element per failed check, its type the check's name, its text the
// request and a curl command that reproduces it. A [Report.SetupError] is one more failed
// testcase, "setup", in a suite of that name, so a CI reading only the XML fails too.
func (r *Report) WriteJUnit(w io.Writer) error {
	name, class := r.tool()
	suites := junitSuites{Name: name + " " + r.BaseURL}
	index := map[string]int{}
	for _, res := range r.Results {
		suite := res.Check
		if suite == "" { // a Result built by hand
			suite, _, _ = strings.Cut(res.Case, "/")
		}
		if _, ok := index[suite]; !ok {
			index[suite] = len(suites.Suites)
			suites.Suites = append(suites.Suites, junitSuite{Name: suite})
		}
		s := &suites.Suites[index[suite]]
		tc := junitCase{Name: res.Case, ClassName: class + "." + suite, Time: seconds(res.Duration.Seconds())}
		switch {
		case res.Skipped != "":
			tc.Skipped = &junitSkipped{Message: res.Skipped}
			s.Skipped++
		case res.failed():
			s.Failures++
			for _, f := range res.Failures {
				tc.Failures = append(tc.Failures, junitFailed{Message: f.Check + ": " + f.Message, Type: f.Check,
					Text: fmt.Sprintf("%s %s -> %d\n%s: %s", res.Method, res.Path, res.Status, f.Check, f.Message) + res.curlLine("\n")})
			}
		}
		s.Tests++
		s.Time += tc.Time
		s.Cases = append(s.Cases, tc)
	}
	if e := r.SetupError(); e != "" {
		suites.Suites = append(suites.Suites, setupSuite(class+".setup", e, r.Summary()))
	}
	return suites.write(w)
}

// setupSuite is the suite of one failed testcase, "setup", that a setup error adds.
func setupSuite(class, setupError, summary string) junitSuite {
	return junitSuite{Name: "setup", junitCounts: junitCounts{Tests: 1, Failures: 1}, Cases: []junitCase{{
		Name: "setup", ClassName: class,
		Failures: []junitFailed{{Message: setupError, Type: "setup", Text: setupError + "\n" + summary}},
	}}}
}

// write totals the suites and writes them as an XML document.
func (suites junitSuites) write(w io.Writer) error {
	for _, s := range suites.Suites {
		suites.Tests += s.Tests
		suites.Failures += s.Failures
		suites.Skipped += s.Skipped
		suites.Time += s.Time
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(suites); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// Require fails tb once per failed case, naming the case, its request, each failed check and a
// curl command that reproduces it, and once more for a [Report.SetupError], so
// a Go test can run [Verify] against a server and read the result like any test failure.
func (r *Report) Require(tb TB) {
	tb.Helper()
	for _, res := range r.Results {
		if res.failed() {
			tb.Errorf("%s", res.failureText("  "))
		}
	}
	if e := r.SetupError(); e != "" {
		tb.Errorf("%s", e)
	}
}
