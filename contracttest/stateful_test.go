package contracttest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hubmessage/hubmessage-go/contracttest"
	"github.com/hubmessage/hubmessage-go/mockserver/mocktest"
)

var statefulChecks = map[string]bool{
	contracttest.CheckEnsureResourceAvailability: true, contracttest.CheckUseAfterFree: true,
	contracttest.CheckDeleteWhileLinked: true, contracttest.CheckSingleUseValueReuse: true, contracttest.CheckCleanup: true,
}

// statefulRun runs Verify with Stateful against h and returns the stateful results.
func statefulRun(t *testing.T, h http.Handler, key string, codes contracttest.CodeSource) []contracttest.Result {
	t.Helper()
	report := verify(t, h, contracttest.VerifyOptions{SecretKey: key, Stateful: true, CodeSource: codes})
	var out []contracttest.Result
	for _, r := range report.Results {
		if statefulChecks[r.Check] {
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		t.Fatal("no stateful results")
	}
	return out
}

func TestStatefulAgainstTheReferenceServer(t *testing.T) {
	t.Parallel()
	ts := mocktest.Start(t)
	before := len(ts.Server.Channels())
	codes := func(context.Context) (string, error) { c, _ := ts.Server.IssueCode(); return c, nil }
	results := statefulRun(t, ts.Server, ts.SecretKey, codes)
	seen := map[string]bool{}
	checks := map[string]int{}
	for _, r := range results {
		if len(r.Failures) > 0 || r.Skipped != "" {
			t.Errorf("%s: %s %s -> %d: %v %s", r.Case, r.Method, r.Path, r.Status, r.Failures, r.Skipped)
		}
		if seen[r.Case] {
			t.Errorf("case name %s twice", r.Case)
		}
		seen[r.Case] = true
		checks[r.Check]++
	}
	for _, c := range []string{contracttest.CheckEnsureResourceAvailability, contracttest.CheckUseAfterFree,
		contracttest.CheckDeleteWhileLinked, contracttest.CheckSingleUseValueReuse} {
		if checks[c] == 0 {
			t.Errorf("no %s case ran; ran %v", c, checks)
		}
	}
	for _, want := range []string{"delete_while_linked/partnerDeleteChannel/partnerCreateChannel/whatsappMeta/after/connectMetaChannel",
		"single_use_value_reuse/connectMetaChannel/partnerCreateChannel/whatsappMeta",
		"use_after_free/disconnectMetaChannel/partnerCreateChannel/whatsappMeta"} {
		if !seen[want] {
			t.Errorf("no case %s", want)
		}
	}
	// Everything created was deleted again.
	if n := len(ts.Server.Channels()); n != before {
		t.Errorf("%d channels on the server after the run, %d before", n, before)
	}
}

// books serves testdata/stateful-books.yaml from memory, with knobs that break it.
type books struct {
	mu        sync.Mutex
	next      int
	lent      map[string]bool // by ref; absent: no such book
	tickets   map[string]bool // used lend tickets
	resurrect bool            // DELETE answers 204 but keeps the book
	refuse    bool            // DELETE always answers 422
	whileLent bool            // DELETE deletes a lent book too
	noRef     bool            // POST answers {"ref": …} instead of {"bookRef": …}
}

func newBooks() *books { return &books{lent: map[string]bool{}, tickets: map[string]bool{}} }

func (b *books) handler() http.Handler {
	mux := http.NewServeMux()
	write := func(w http.ResponseWriter, status int, body string) {
		if body != "" {
			w.Header().Set("Content-Type", "application/json")
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}
	mux.HandleFunc("POST /shelf/books", func(w http.ResponseWriter, r *http.Request) {
		var body struct{ Title string }
		if json.NewDecoder(r.Body).Decode(&body) != nil || body.Title == "" {
			write(w, http.StatusBadRequest, `{"error":"bad body"}`)
			return
		}
		b.next++
		ref := fmt.Sprintf("b%d", b.next)
		b.lent[ref] = false
		if b.noRef {
			write(w, http.StatusCreated, `{"ref":"`+ref+`"}`)
			return
		}
		write(w, http.StatusCreated, `{"bookRef":"`+ref+`"}`)
	})
	exists := func(w http.ResponseWriter, r *http.Request) (string, bool) {
		ref := r.PathValue("ref")
		if _, ok := b.lent[ref]; !ok {
			write(w, http.StatusNotFound, `{"error":"no such book"}`)
			return "", false
		}
		return ref, true
	}
	mux.HandleFunc("DELETE /shelf/books/{ref}", func(w http.ResponseWriter, r *http.Request) {
		ref, ok := exists(w, r)
		switch {
		case !ok:
		case b.refuse || b.lent[ref] && !b.whileLent:
			write(w, http.StatusUnprocessableEntity, `{"error":"lent"}`)
		default:
			if !b.resurrect {
				delete(b.lent, ref)
			}
			write(w, http.StatusNoContent, "")
		}
	})
	mux.HandleFunc("POST /shelf/books/{ref}/lend", func(w http.ResponseWriter, r *http.Request) {
		ref, ok := exists(w, r)
		if !ok {
			return
		}
		var body struct{ Ticket string }
		if json.NewDecoder(r.Body).Decode(&body) != nil || body.Ticket == "" {
			write(w, http.StatusBadRequest, `{"error":"bad body"}`)
			return
		}
		if b.tickets[body.Ticket] || b.lent[ref] {
			write(w, http.StatusUnprocessableEntity, `{"error":"ticket `+body.Ticket+` used or book lent"}`)
			return
		}
		b.tickets[body.Ticket], b.lent[ref] = true, true
		write(w, http.StatusOK, `{"lent":true}`)
	})
	mux.HandleFunc("POST /shelf/books/{ref}/return", func(w http.ResponseWriter, r *http.Request) {
		if ref, ok := exists(w, r); ok {
			b.lent[ref] = false
			write(w, http.StatusNoContent, "")
		}
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer hm_books_key" {
			write(w, http.StatusUnauthorized, `{"error":"unauthorized"}`)
			return
		}
		b.mu.Lock()
		defer b.mu.Unlock()
		mux.ServeHTTP(w, r)
	})
}

// booksRun runs only the stateful part against the books fixture, codes filling its tickets.
func booksRun(t *testing.T, b *books, codes contracttest.CodeSource) []contracttest.Result {
	t.Helper()
	return booksVerify(t, b, contracttest.VerifyOptions{CodeSource: codes, CodeName: "ticket"})
}

// booksVerify is booksRun with other options; it sets the key, Stateful and the spec.
func booksVerify(t *testing.T, b *books, opts contracttest.VerifyOptions) []contracttest.Result {
	t.Helper()
	opts.SecretKey, opts.Stateful, opts.Cases.Spec = "hm_books_key", true, fixture(t, "stateful-books.yaml")
	report, err := contracttest.Verify(context.Background(), serve(t, b.handler()), opts)
	if err != nil {
		t.Fatal(err)
	}
	var out []contracttest.Result
	for _, r := range report.Results {
		if statefulChecks[r.Check] {
			out = append(out, r)
		}
	}
	return out
}

func counter() contracttest.CodeSource {
	var n int
	return func(context.Context) (string, error) { n++; return fmt.Sprintf("fresh-%d", n), nil }
}

func summarize(results []contracttest.Result) []string {
	var out []string
	for _, r := range results {
		verdict := "pass"
		switch {
		case r.Skipped != "":
			verdict = "skip"
		case len(r.Failures) > 0:
			verdict = "FAIL"
		}
		out = append(out, fmt.Sprintf("%s %s %s -> %d", verdict, r.Case, r.Method, r.Status))
	}
	return out
}

// The links, not the operation names, drive the run: a spec that shares no name with ours
// gets the same lifecycle.
func TestStatefulFollowsAnySpecsLinks(t *testing.T) {
	t.Parallel()
	b := newBooks()
	results := booksRun(t, b, counter())
	got := summarize(results)
	want := []string{
		"pass ensure_resource_availability/addBook/from_schema POST -> 201",
		"pass ensure_resource_availability/lendBook/addBook/from_schema POST -> 200",
		"pass delete_while_linked/removeBook/addBook/from_schema/after/lendBook DELETE -> 422",
		"pass ensure_resource_availability/returnBook/addBook/from_schema POST -> 204",
		"pass single_use_value_reuse/lendBook/addBook/from_schema POST -> 422",
		"pass ensure_resource_availability/removeBook/addBook/from_schema DELETE -> 204",
		"pass use_after_free/lendBook/addBook/from_schema POST -> 404",
		"pass use_after_free/returnBook/addBook/from_schema POST -> 404",
		"pass use_after_free/removeBook/addBook/from_schema DELETE -> 404",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}
	// The book the run added is gone (the other cases may have added some).
	ref := strings.TrimPrefix(results[len(results)-1].Path, "/shelf/books/")
	if _, ok := b.lent[ref]; ok || ref == "" {
		t.Errorf("book %q left behind: %v", ref, b.lent)
	}
}

// A server that answers 204 to DELETE but keeps the resource fails use_after_free on every
// linked operation.
func TestStatefulUseAfterFreeCatchesAResurrectedResource(t *testing.T) {
	t.Parallel()
	b := newBooks()
	b.resurrect = true
	var failed []string
	for _, r := range booksRun(t, b, counter()) {
		if len(r.Failures) > 0 {
			failed = append(failed, r.Case)
			if r.Failures[0].Check != contracttest.CheckUseAfterFree || !strings.Contains(r.Failures[0].Message, "want 404") {
				t.Errorf("%s: %v", r.Case, r.Failures)
			}
		}
	}
	want := []string{"use_after_free/lendBook/addBook/from_schema", "use_after_free/returnBook/addBook/from_schema", "use_after_free/removeBook/addBook/from_schema"}
	if diff := cmp.Diff(want, failed); diff != "" {
		t.Errorf("failed cases (-want +got):\n%s", diff)
	}
}

// A DELETE that never succeeds leaves the book behind: use_after_free is skipped and a
// cleanup failure names the id.
func TestStatefulSaysWhatItLeftBehind(t *testing.T) {
	t.Parallel()
	b := newBooks()
	b.refuse = true
	results := booksRun(t, b, counter())
	last := results[len(results)-1]
	m := regexp.MustCompile(`ref=(b[0-9]+)`).FindStringSubmatch(fmt.Sprint(last.Failures))
	if last.Check != contracttest.CheckCleanup || len(last.Failures) != 1 || m == nil {
		t.Fatalf("last result %+v, want a cleanup failure naming the ref", last)
	}
	for _, r := range results {
		if r.Check == contracttest.CheckUseAfterFree && r.Skipped == "" {
			t.Errorf("%s ran; want it skipped", r.Case)
		}
	}
	if lent, ok := b.lent[m[1]]; !ok || lent {
		t.Errorf("book %s: exists %v, lent %v; want it left behind, returned", m[1], ok, lent)
	}
}

// A failure quoting a response that echoes the single-use value shows it redacted.
func TestStatefulNeverPrintsTheCode(t *testing.T) {
	t.Parallel()
	b := newBooks()
	b.resurrect = true // use_after_free on lend gets 422 quoting the ticket
	const code = "ticket-SECRET-4242"
	results := booksRun(t, b, contracttest.FixedCode(code))
	var buf bytes.Buffer
	report := &contracttest.Report{Results: results}
	if err := report.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), code) || !strings.Contains(buf.String(), "ticket [REDACTED] used") {
		t.Errorf("report shows the code, or not the redacted echo:\n%s", buf.String())
	}
}

// The JUnit report of a stateful run against the reference server has unique testcase names,
// use_after_free and ensure_resource_availability among them.
func TestStatefulJUnitAgainstTheReferenceServer(t *testing.T) {
	t.Parallel()
	ts := mocktest.Start(t)
	codes := func(context.Context) (string, error) { c, _ := ts.Server.IssueCode(); return c, nil }
	report, err := contracttest.Verify(context.Background(), ts.URL, contracttest.VerifyOptions{SecretKey: ts.SecretKey, Stateful: true, CodeSource: codes})
	if err != nil {
		t.Fatal(err)
	}
	report.Require(t)
	var buf bytes.Buffer
	if err := report.WriteJUnit(&buf); err != nil {
		t.Fatal(err)
	}
	var suites struct {
		Suites []struct {
			Name  string `xml:"name,attr"`
			Cases []struct {
				Name string `xml:"name,attr"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(buf.Bytes(), &suites); err != nil {
		t.Fatal(err)
	}
	seen, bySuite := map[string]bool{}, map[string]int{}
	for _, s := range suites.Suites {
		for _, c := range s.Cases {
			if seen[c.Name] {
				t.Errorf("testcase %s twice", c.Name)
			}
			seen[c.Name] = true
			bySuite[s.Name]++
		}
	}
	for _, want := range []string{contracttest.CheckUseAfterFree, contracttest.CheckEnsureResourceAvailability} {
		if bySuite[want] == 0 {
			t.Errorf("no %s testcase; suites %v", want, bySuite)
		}
	}
}

// A reference server whose DELETE answers 204 but deletes nothing fails use_after_free.
func TestStatefulUseAfterFreeAgainstABrokenReferenceServer(t *testing.T) {
	t.Parallel()
	ts := mocktest.Start(t)
	broken := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodDelete && r.Header.Get("Authorization") == "Bearer "+ts.SecretKey {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		ts.Server.ServeHTTP(w, r)
	})
	codes := func(context.Context) (string, error) { c, _ := ts.Server.IssueCode(); return c, nil }
	failed := 0
	for _, r := range statefulRun(t, broken, ts.SecretKey, codes) {
		if r.Check == contracttest.CheckUseAfterFree && len(r.Failures) > 0 {
			failed++
		}
	}
	if failed == 0 {
		t.Error("use_after_free passed against a server that deletes nothing")
	}
}

// The single-use value is the one VerifyOptions.CodeName names. Without the name the
// CodeSource is never asked (the spec's example ticket is sent, so no reuse check runs); a
// Values entry of that name never shows, in a Result or in the formatted options.
func TestStatefulCodeName(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"", "ticket"} {
		calls := 0
		codes := func(context.Context) (string, error) { calls++; return fmt.Sprintf("fresh-%d", calls), nil }
		results := booksVerify(t, newBooks(), contracttest.VerifyOptions{CodeSource: codes, CodeName: name})
		reused := slices.ContainsFunc(results, func(r contracttest.Result) bool { return r.Check == contracttest.CheckSingleUseValueReuse })
		if want := name == "ticket"; (calls > 0) != want || reused != want {
			t.Errorf("CodeName %q: %d CodeSource calls, reuse checked %v; want both %v", name, calls, reused, want)
		}
	}
	const ticket = "ticket-SECRET-77"
	b := newBooks()
	b.resurrect = true // use_after_free on lend gets 422 quoting the ticket
	opts := contracttest.VerifyOptions{CodeName: "ticket", Cases: contracttest.CaseOptions{Values: map[string]string{"ticket": ticket}}}
	var buf bytes.Buffer
	if err := (&contracttest.Report{Results: booksVerify(t, b, opts)}).WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	if out := buf.String() + fmt.Sprintf("%+v", opts); strings.Contains(out, ticket) || !strings.Contains(out, "ticket [REDACTED] used") {
		t.Errorf("the ticket shows, or not the redacted echo:\n%s", out)
	}
}

// A server that deletes a resource in the middle of its lifecycle fails delete_while_linked;
// use_after_free still runs, on the id that server deleted.
func TestStatefulDeleteWhileLinked(t *testing.T) {
	t.Parallel()
	b := newBooks()
	b.whileLent = true
	got := summarize(booksRun(t, b, counter()))
	want := []string{
		"pass ensure_resource_availability/addBook/from_schema POST -> 201",
		"pass ensure_resource_availability/lendBook/addBook/from_schema POST -> 200",
		"FAIL delete_while_linked/removeBook/addBook/from_schema/after/lendBook DELETE -> 204",
		"pass use_after_free/lendBook/addBook/from_schema POST -> 404",
		"pass use_after_free/returnBook/addBook/from_schema POST -> 404",
		"pass use_after_free/removeBook/addBook/from_schema DELETE -> 404",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}
}

// A created resource whose response lacks the linked value cannot be followed or deleted:
// the run says so.
func TestStatefulWithoutTheLinkedValue(t *testing.T) {
	t.Parallel()
	b := newBooks()
	b.noRef = true
	results := booksRun(t, b, counter())
	got := summarize(results)
	want := []string{
		"FAIL ensure_resource_availability/addBook/from_schema POST -> 201",
		"FAIL cleanup/addBook/from_schema POST -> 0",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}
	if msg := fmt.Sprint(results[0].Failures); !strings.Contains(msg, "link to lendBook: $response.body#/bookRef: response body has no /bookRef") {
		t.Errorf("create failures %s; want the missing link value named", msg)
	}
}
