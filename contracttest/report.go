package contracttest

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// WriteText writes the report for a terminal: one line per case (PASS, FAIL or SKIP), each
// failed check and a curl command that reproduces the failure indented below it, then the
// [Report.SetupError] if any, and a summary line: the counts and how many data cases reached
// the server's validation ([Report.Validated]).
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "hubmessage verify %s\n", r.BaseURL)
	for _, res := range r.Results {
		switch {
		case res.Skipped != "":
			fmt.Fprintf(&b, "SKIP %s (%s)\n", res.Case, res.Skipped)
		case len(res.Failures) > 0:
			fmt.Fprintf(&b, "FAIL %s: %s %s -> %d\n", res.Case, res.Method, res.Path, res.Status)
			for _, f := range res.Failures {
				fmt.Fprintf(&b, "       %s: %s\n", f.Check, f.Message)
			}
			if curl := res.reproduce(r.BaseURL); curl != "" {
				fmt.Fprintf(&b, "       reproduce: %s\n", curl)
			}
		default:
			fmt.Fprintf(&b, "PASS %s: %s %s -> %d\n", res.Case, res.Method, res.Path, res.Status)
		}
	}
	if e := r.SetupError(); e != "" {
		fmt.Fprintf(&b, "SETUP ERROR: %s\n", e)
	}
	b.WriteString(r.summary() + "\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// summary is the counts line: "30 passed, 2 failed, 1 skipped; 25 of 28 data cases reached
// the server's validation".
func (r *Report) summary() string {
	passed, failed, skipped := r.Counts()
	reached, data := r.Validated()
	return fmt.Sprintf("%d passed, %d failed, %d skipped; %d of %d data cases reached the server's validation",
		passed, failed, skipped, reached, data)
}

// reproduce is the curl command of a failed case: its Curl, else one built from its Request.
func (res Result) reproduce(baseURL string) string {
	if len(res.Failures) == 0 || res.Skipped != "" {
		return ""
	}
	if res.Curl == "" && res.Request != nil {
		return res.Request.Curl(baseURL)
	}
	return res.Curl
}

// WriteJSON writes the report as indented JSON: {"baseUrl", "passed", "failed", "skipped",
// "setupError", "validated" (data cases that reached the server's validation), "dataCases",
// "results": [{"case", "check", "operation", "method", "path", "status", "failures": [{"check",
// "message"}], "request", "curl" (failed cases), ...}]}.
func (r *Report) WriteJSON(w io.Writer) error {
	passed, failed, skipped := r.Counts()
	reached, data := r.Validated()
	results := slices.Clone(r.Results)
	for i := range results {
		results[i].Curl = results[i].reproduce(r.BaseURL)
	}
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
	}{r.BaseURL, passed, failed, skipped, r.SetupError(), reached, data, results})
}

// JUnit XML, as CI systems (GitHub Actions reporters, GitLab, Jenkins) read it.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     seconds      `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Time     seconds     `xml:"time,attr"`
	Cases    []junitCase `xml:"testcase"`
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
	suites := junitSuites{Name: "hubmessage verify " + r.BaseURL}
	index := map[string]int{}
	for _, res := range r.Results {
		suite := res.Check
		if suite == "" { // a Result built by hand
			suite, _, _ = strings.Cut(res.Case, "/")
		}
		i, ok := index[suite]
		if !ok {
			i = len(suites.Suites)
			index[suite] = i
			suites.Suites = append(suites.Suites, junitSuite{Name: suite})
		}
		s := &suites.Suites[i]
		tc := junitCase{Name: res.Case, ClassName: "hubmessage.verify." + suite, Time: seconds(res.Duration.Seconds())}
		switch {
		case res.Skipped != "":
			tc.Skipped = &junitSkipped{Message: res.Skipped}
			s.Skipped++
		case len(res.Failures) > 0:
			s.Failures++
			curl := res.reproduce(r.BaseURL)
			if curl != "" {
				curl = "\nreproduce: " + curl
			}
			for _, f := range res.Failures {
				tc.Failures = append(tc.Failures, junitFailed{Message: f.Check + ": " + f.Message, Type: f.Check,
					Text: fmt.Sprintf("%s %s -> %d\n%s: %s%s", res.Method, res.Path, res.Status, f.Check, f.Message, curl)})
			}
		}
		s.Tests++
		s.Time += tc.Time
		s.Cases = append(s.Cases, tc)
	}
	if e := r.SetupError(); e != "" {
		suites.Suites = append(suites.Suites, junitSuite{Name: "setup", Tests: 1, Failures: 1, Cases: []junitCase{{
			Name: "setup", ClassName: "hubmessage.verify.setup",
			Failures: []junitFailed{{Message: e, Type: "setup", Text: e + "\n" + r.summary()}},
		}}})
	}
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
		if len(res.Failures) == 0 || res.Skipped != "" {
			continue
		}
		var b strings.Builder
		fmt.Fprintf(&b, "%s: %s %s -> %d", res.Case, res.Method, res.Path, res.Status)
		for _, f := range res.Failures {
			fmt.Fprintf(&b, "\n  %s: %s", f.Check, f.Message)
		}
		if curl := res.reproduce(r.BaseURL); curl != "" {
			fmt.Fprintf(&b, "\n  reproduce: %s", curl)
		}
		tb.Errorf("%s", b.String())
	}
	if e := r.SetupError(); e != "" {
		tb.Errorf("%s", e)
	}
}
