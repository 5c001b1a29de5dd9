package contracttest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hubmessage/hubmessage-go/contracttest"
)

// hang answers nothing: it holds the request until the client gives up (which the server
// notices only once the body is read).
func hang(_ http.ResponseWriter, r *http.Request) {
	io.Copy(io.Discard, r.Body)
	<-r.Context().Done()
}

// A server that never answers, or a closed port, stops the run after 3 requests: every other
// case, the stateful run's too, is in the report as not run, and the setup error says why.
func TestVerifyStopsWhenTheServerDoesNotAnswer(t *testing.T) {
	t.Parallel()
	doc := fixture(t, "stateful-books.yaml")
	var received atomic.Int32
	silent := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { received.Add(1); hang(w, r) }))
	t.Cleanup(silent.Close)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close()
	cases := casesOf(t, doc, func(contracttest.Case) bool { return true })
	for _, url := range []string{silent.URL, closed} {
		report, err := contracttest.Verify(context.Background(), url, contracttest.VerifyOptions{SecretKey: secretKey, Positive: true, Stateful: true,
			Cases: contracttest.CaseOptions{Spec: doc}, HTTPClient: &http.Client{Timeout: 50 * time.Millisecond}})
		if err != nil {
			t.Fatal(err)
		}
		res := report.Results
		if len(res) != len(cases)+1 || res[len(res)-1].Case != "ensure_resource_availability/addBook/from_schema" {
			t.Fatalf("%s: %d results, want the %d cases and the stateful one", url, len(res), len(cases))
		}
		why := "not run: the server at " + url + " did not answer 3 requests in a row"
		for i, r := range res {
			if ran := i < 3; ran && (r.Skipped != "" || r.Status != 0 || len(r.Failures) != 1 || r.Failures[0].Check != "request") || !ran && r.Skipped != why {
				t.Errorf("%s: result %d %s: status %d, %v, skipped %q", url, i, r.Case, r.Status, r.Failures, r.Skipped)
			}
		}
		want := fmt.Sprintf("the server at %s did not answer 3 requests in a row (last: %s); %d cases not run", url, res[2].Failures[0].Message, len(res)-3)
		if e := report.SetupError(); e != want || report.Passed() || !strings.HasPrefix(report.Summary(), "not a pass (setup error): ") {
			t.Errorf("%s: setup error %q, want %q; passed=%v, summary %q", url, e, want, report.Passed(), report.Summary())
		}
		requireSetupErrorInEveryFormat(t, report)
	}
	silent.Close() // waits for its handlers
	if n := received.Load(); n != 3 {
		t.Errorf("the silent server received %d requests, want 3", n)
	}
}

// requireSetupErrorInEveryFormat checks that the text, JSON and JUnit reports carry the
// report's setup error.
func requireSetupErrorInEveryFormat(t *testing.T, report *contracttest.Report) {
	t.Helper()
	var text, js, junit, escaped bytes.Buffer
	if err := errors.Join(report.WriteText(&text), report.WriteJSON(&js), report.WriteJUnit(&junit)); err != nil {
		t.Fatal(err)
	}
	e := report.SetupError()
	var parsed struct{ SetupError string }
	xml.EscapeText(&escaped, []byte(e))
	if err := json.Unmarshal(js.Bytes(), &parsed); err != nil || parsed.SetupError != e ||
		!strings.Contains(text.String(), "\nSETUP ERROR: "+e+"\nnot a pass (setup error): ") ||
		!strings.Contains(junit.String(), `<testcase name="setup"`) || !strings.Contains(junit.String(), `message="`+escaped.String()+`"`) {
		t.Errorf("setup error %q missing from a report (JSON error %v):\n%s\n%s\n%s", e, err, text.String(), js.String(), junit.String())
	}
}

// Any HTTP answer, even a 500, resets the count: a server whose requests 1, 2 and 4 get no
// answer and the others a 500 is run to the end.
func TestVerifyRunsOnWhileTheServerAnswers(t *testing.T) {
	t.Parallel()
	doc := fixture(t, "multiop.yaml")
	var n atomic.Int32
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch n.Add(1) {
		case 1, 2, 4:
			hang(w, r)
		default:
			w.WriteHeader(http.StatusInternalServerError)
		}
	})
	report := verify(t, h, contracttest.VerifyOptions{SecretKey: secretKey, Positive: true,
		Cases: contracttest.CaseOptions{Spec: doc}, HTTPClient: &http.Client{Timeout: 250 * time.Millisecond}})
	cases := casesOf(t, doc, func(contracttest.Case) bool { return true })
	passed, failed, skipped := report.Counts()
	if len(report.Results) != len(cases) || failed != len(cases) || passed+skipped != 0 || report.SetupError() != "" {
		t.Errorf("%d results of %d cases, %d failed, %d skipped, setup error %q; want every case run and failed", len(report.Results), len(cases), failed, skipped, report.SetupError())
	}
}

// The run's deadline ends it: the case it cut short and every later one, the stateful run's
// too, are not run, and the setup error says so.
func TestVerifyDeadlineReportsTheCasesNotRun(t *testing.T) {
	t.Parallel()
	doc := fixture(t, "stateful-books.yaml")
	api := exampleAPI(t, doc, 0)
	var n atomic.Int32
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) > 4 {
			hang(w, r) // until the deadline
			return
		}
		api.ServeHTTP(w, r)
	})
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	report, err := contracttest.Verify(ctx, serve(t, h), contracttest.VerifyOptions{SecretKey: secretKey, Positive: true, Stateful: true, Cases: contracttest.CaseOptions{Spec: doc}})
	if err != nil {
		t.Fatal(err)
	}
	cases := casesOf(t, doc, func(contracttest.Case) bool { return true })
	passed, failed, skipped := report.Counts()
	for _, r := range report.Results {
		if r.Skipped != "" && r.Skipped != "not run: the run reached its deadline" {
			t.Errorf("%s: skipped %q", r.Case, r.Skipped)
		}
	}
	want := fmt.Sprintf("the run reached its deadline; %d cases not run", skipped)
	if len(report.Results) != len(cases)+1 || report.Results[len(cases)].Case != "ensure_resource_availability/addBook/from_schema" || passed > 4 || failed != 0 || report.SetupError() != want || report.Passed() {
		t.Errorf("%d results of %d cases and the stateful one: %d passed, %d failed, %d skipped; setup error %q, want %q", len(report.Results), len(cases), passed, failed, skipped, report.SetupError(), want)
	}
	requireSetupErrorInEveryFormat(t, report)
}
