package contracttest_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/google/go-cmp/cmp"

	"github.com/hubmessage/hubmessage-go/contracttest"
	"github.com/hubmessage/hubmessage-go/mockserver"
)

var updateRecording = flag.Bool("update-recording", false, "rewrite testdata/record/session.jsonl")

// recordAll records xs with a new Recorder and returns the file and what it reads back as.
func recordAll(t testing.TB, opts []contracttest.RecordOption, xs ...contracttest.Exchange) (string, []contracttest.RecordedExchange) {
	t.Helper()
	var buf bytes.Buffer
	r, err := contracttest.NewRecorder(&buf, opts...)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range xs {
		if err := r.Record(x); err != nil {
			t.Fatal(err)
		}
	}
	return buf.String(), readAll(t, buf.String())
}

func readAll(t testing.TB, file string) []contracttest.RecordedExchange {
	t.Helper()
	var out []contracttest.RecordedExchange
	for x, err := range contracttest.ReadRecording(strings.NewReader(file)) {
		if err != nil {
			t.Fatalf("%v\n%s", err, file)
		}
		out = append(out, x)
	}
	return out
}

var recordStart = time.Date(2026, 1, 2, 3, 4, 5, 123456789, time.FixedZone("CET", 3600))

// A session of a fixture API with other names than this one's: a voucher created with a
// code, redeemed twice with it (the second time quoted in the error), once with another code
// and another key, and a path no route matches.
func session() []contracttest.Exchange {
	json := http.Header{"Content-Type": {"application/json"}}
	auth := func(key string) http.Header {
		return http.Header{"Authorization": {"Bearer " + key}, "Content-Type": {"application/json"}, "Accept": {"application/json"}, "Cookie": {"session=" + key}}
	}
	return []contracttest.Exchange{
		{Time: recordStart, Duration: 1500 * time.Microsecond, Operation: "createVoucher", Method: "POST", Path: "/v1/vouchers?dryRun=false",
			RequestHeader: auth("sk_test_AAAA"), RequestBody: []byte(`{ "code": "AAAA1111", "note": "for Ann" }`),
			Status: 201, ResponseHeader: http.Header{"Content-Type": {"application/json"}, "Location": {"/v1/vouchers/v1"}, "X-Request-Id": {"r1"}},
			ResponseBody: []byte(`{"id":"v1","code":"AAAA1111","uses":0}`)},
		{Time: recordStart.Add(time.Second), Duration: time.Millisecond, Operation: "redeemVoucher", Method: "POST", Path: "/v1/vouchers/v1/redeem?code=AAAA1111",
			RequestHeader: auth("sk_test_AAAA"), Status: 200, ResponseHeader: json, ResponseBody: []byte(`{"id":"v1","uses":1}`)},
		{Time: recordStart.Add(2 * time.Second), Duration: time.Millisecond, Operation: "redeemVoucher", Method: "POST", Path: "/v1/vouchers/v1/redeem",
			RequestHeader: auth("sk_test_AAAA"), RequestBody: []byte(`{"code":"AAAA1111"}`),
			Status: 422, ResponseHeader: json, ResponseBody: []byte(`{"error":"invalid_code","message":"code AAAA1111 was already used"}`)},
		{Time: recordStart.Add(3 * time.Second), Duration: time.Millisecond, Operation: "redeemVoucher", Method: "POST", Path: "/v1/vouchers/v1/redeem",
			RequestHeader: auth("sk_test_BBBB"), RequestBody: []byte(`{"code":"BBBB2222"}`),
			Status: 429, ResponseHeader: http.Header{"Content-Type": {"application/json"}, "Retry-After": {"2"}}, ResponseBody: []byte(`{"error":"rate_limited"}`)},
		{Time: recordStart.Add(4 * time.Second), Duration: 100 * time.Microsecond, Method: "GET", Path: "/nowhere",
			Status: 404, ResponseHeader: http.Header{"Content-Type": {"text/plain; charset=utf-8"}}, ResponseBody: []byte("404 page not found\n")},
	}
}

// The recording reads back as written: secrets are placeholders, the same code and key the
// same one across exchanges and across request and response, different ones different ones;
// only the headers that matter are kept. testdata/record/session.jsonl pins the format.
func TestRecordRoundTrip(t *testing.T) {
	file, got := recordAll(t, nil, session()...)
	at := func(s int) time.Time { return recordStart.Add(time.Duration(s) * time.Second).UTC() }
	reqHeader := func(auth string) http.Header {
		return http.Header{"Authorization": {auth}, "Content-Type": {"application/json"}, "Accept": {"application/json"}}
	}
	jsonHeader := http.Header{"Content-Type": {"application/json"}}
	want := []contracttest.RecordedExchange{
		{Time: at(0), Duration: 1500 * time.Microsecond, Operation: "createVoucher", Method: "POST", Path: "/v1/vouchers?dryRun=false",
			Request: contracttest.RecordedMessage{Header: reqHeader("<authorization-1>"), Body: json.RawMessage(`{"code":"<code-1>","note":"for Ann"}`)},
			Status:  201,
			Response: contracttest.RecordedMessage{Header: http.Header{"Content-Type": {"application/json"}, "Location": {"/v1/vouchers/v1"}},
				Body: json.RawMessage(`{"id":"v1","code":"<code-1>","uses":0}`)}},
		{Time: at(1), Duration: time.Millisecond, Operation: "redeemVoucher", Method: "POST", Path: "/v1/vouchers/v1/redeem?code=<code-1>",
			Request: contracttest.RecordedMessage{Header: reqHeader("<authorization-1>")},
			Status:  200, Response: contracttest.RecordedMessage{Header: jsonHeader, Body: json.RawMessage(`{"id":"v1","uses":1}`)}},
		{Time: at(2), Duration: time.Millisecond, Operation: "redeemVoucher", Method: "POST", Path: "/v1/vouchers/v1/redeem",
			Request: contracttest.RecordedMessage{Header: reqHeader("<authorization-1>"), Body: json.RawMessage(`{"code":"<code-1>"}`)},
			Status:  422, Response: contracttest.RecordedMessage{Header: jsonHeader, Body: json.RawMessage(`{"error":"invalid_code","message":"code <code-1> was already used"}`)}},
		{Time: at(3), Duration: time.Millisecond, Operation: "redeemVoucher", Method: "POST", Path: "/v1/vouchers/v1/redeem",
			Request: contracttest.RecordedMessage{Header: reqHeader("<authorization-2>"), Body: json.RawMessage(`{"code":"<code-2>"}`)},
			Status:  429, Response: contracttest.RecordedMessage{Header: http.Header{"Content-Type": {"application/json"}, "Retry-After": {"2"}}, Body: json.RawMessage(`{"error":"rate_limited"}`)}},
		{Time: at(4), Duration: 100 * time.Microsecond, Operation: "", Method: "GET", Path: "/nowhere",
			Status: 404, Response: contracttest.RecordedMessage{Header: http.Header{"Content-Type": {"text/plain; charset=utf-8"}}, Text: "404 page not found\n"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("read back (-want +got):\n%s", diff)
	}
	for _, secret := range []string{"AAAA1111", "BBBB2222", "sk_test_AAAA", "sk_test_BBBB", "session="} {
		if strings.Contains(file, secret) {
			t.Errorf("the recording holds %q:\n%s", secret, file)
		}
	}
	golden := filepath.Join("testdata", "record", "session.jsonl")
	if *updateRecording {
		if err := os.WriteFile(golden, []byte(file), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if wantFile, err := os.ReadFile(golden); err != nil || string(wantFile) != file {
		t.Errorf("recording differs from %s (go test -run TestRecordRoundTrip -update-recording), err %v; got:\n%s", golden, err, file)
	}
}

// Every value of a member named code (or a WithRedact name), at any depth, in any case and
// however its name is escaped, becomes a placeholder; null and "" stay.
func TestRecordRedactsNamedMembers(t *testing.T) {
	for _, tc := range []struct{ name, body, want string }{
		{"top level", `{"code":"S1"}`, `{"code":"<code-1>"}`},
		{"in an array of objects", `[{"code":"S1"},{"a":[{"code":"S2"}]}]`, `[{"code":"<code-1>"},{"a":[{"code":"<code-2>"}]}]`},
		{"deep", strings.Repeat(`{"a":`, 50) + `{"code":"S1"}` + strings.Repeat(`}`, 50), strings.Repeat(`{"a":`, 50) + `{"code":"<code-1>"}` + strings.Repeat(`}`, 50)},
		{"escaped name", `{"\u0063ode":"S1"}`, `{"code":"<code-1>"}`},
		{"escaped value", `{"code":"\u0053\u0031"}`, `{"code":"<code-1>"}`},
		{"any case", `{"CODE":"S1","Code":"S2"}`, `{"CODE":"<code-1>","Code":"<code-2>"}`},
		{"duplicate names", `{"code":"S1","code":"S2","code":"S1"}`, `{"code":"<code-1>","code":"<code-2>","code":"<code-1>"}`},
		{"a number", `{"code":123456}`, `{"code":"<code-1>"}`},
		{"an object", `{"code":{"value":"S1","n":[1,2]}}`, `{"code":"<code-1>"}`},
		{"an array", `{"code":["S1","S2"]}`, `{"code":"<code-1>"}`},
		{"a boolean", `{"code":true}`, `{"code":"<code-1>"}`},
		{"null and empty stay", `{"code":null,"a":{"code":""}}`, `{"code":null,"a":{"code":""}}`},
		{"user-named property", `{"otp":"S1","OTP":"S1","x":{"otp":"S2"}}`, `{"otp":"<otp-1>","OTP":"<otp-1>","x":{"otp":"<otp-2>"}}`},
		{"other names stay", `{"codes":"S1","barcode":"S2","code_":"S3"}`, `{"codes":"S1","barcode":"S2","code_":"S3"}`},
		{"a name that is only a value", `["code","S1"]`, `["code","S1"]`},
		{"a URL's query", `{"next":"https://h/cb?x=1&code=S1#code=S2"}`, `{"next":"https://h/cb?x=1&code=<code-1>#code=<code-2>"}`},
		{"whitespace goes", " {\n\t\"code\" : \"S1\" ,\"n\":[ 1 , 2 ] }\n", `{"code":"<code-1>","n":[1,2]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, got := recordAll(t, []contracttest.RecordOption{contracttest.WithRedact("otp")},
				contracttest.Exchange{Method: "POST", Path: "/p", RequestBody: []byte(tc.body)})
			if string(got[0].Request.Body) != tc.want || got[0].Request.Text != "" {
				t.Errorf("body %s\nrecorded %s (text %q)\nwant     %s", tc.body, got[0].Request.Body, got[0].Request.Text, tc.want)
			}
		})
	}
}

// A secret of 4 bytes or more is replaced wherever else its exchange holds it as text: an
// error message quoting the code, the key echoed back, the code sent in a path.
func TestRecordReplacesEchoes(t *testing.T) {
	_, got := recordAll(t, nil, contracttest.Exchange{
		Method: "POST", Path: "/v1/ZQ7X/redeem?next=%5AQ7X",
		RequestHeader: http.Header{"Authorization": {"Bearer sk_test_KEY9"}, "Prefer": {"note=sk_test_KEY9"}},
		RequestBody:   []byte(`{"code":"ZQ7X","ZQ7X":"nested ZQ7X","n":{"code":{"v":"deep0"}}}`),
		Status:        400, ResponseBody: []byte(`{"message":"ZQ7X, deep0 and sk_test_KEY9 are wrong; so is ZQ7"}`),
	})
	x := got[0]
	if want := "/v1/<code-1>/redeem?next=%5AQ7X"; x.Path != want {
		t.Errorf("path %q, want %q (percent-encoded echoes are not looked for)", x.Path, want)
	}
	if want := `{"code":"<code-1>","<code-1>":"nested <code-1>","n":{"code":"<code-2>"}}`; string(x.Request.Body) != want {
		t.Errorf("request %s, want %s", x.Request.Body, want)
	}
	if want := `{"message":"<code-1>, <code-2> and <authorization-1> are wrong; so is ZQ7"}`; string(x.Response.Body) != want {
		t.Errorf("response %s, want %s", x.Response.Body, want)
	}
	if want := []string{"note=<authorization-1>"}; !cmp.Equal(x.Request.Header["Prefer"], want) {
		t.Errorf("Prefer %q, want %q", x.Request.Header["Prefer"], want)
	}
}

// Query parameters named code (or a WithRedact name), percent-encoded or not, in any case,
// split at & or ;, in the path and in Location, become placeholders.
func TestRecordRedactsQueryParameters(t *testing.T) {
	for _, tc := range []struct{ name, path, want string }{
		{"alone", "/p?code=S1", "/p?code=<code-1>"},
		{"among others", "/p?a=1&code=S1&b=2", "/p?a=1&code=<code-1>&b=2"},
		{"semicolon", "/p?a=1;code=S1", "/p?a=1;code=<code-1>"},
		{"encoded name", "/p?%63ode=S1", "/p?%63ode=<code-1>"},
		{"encoded value", "/p?code=S%31", "/p?code=<code-1>"},
		{"any case", "/p?CODE=S1&code=S1", "/p?CODE=<code-1>&code=<code-1>"},
		{"repeated", "/p?code=S1&code=S2", "/p?code=<code-1>&code=<code-2>"},
		{"user-named", "/p?otp=S1&x=otp", "/p?otp=<otp-1>&x=otp"},
		{"no value", "/p?code&code=", "/p?code&code="},
		{"fragment", "/p#code=S1", "/p#code=<code-1>"},
		{"path segments stay", "/code/S1", "/code/S1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, got := recordAll(t, []contracttest.RecordOption{contracttest.WithRedact("otp")}, contracttest.Exchange{
				Method: "GET", Path: tc.path, Status: 302, ResponseHeader: http.Header{"Location": {"https://example.test" + tc.path}}})
			if got[0].Path != tc.want {
				t.Errorf("path %q recorded as %q, want %q", tc.path, got[0].Path, tc.want)
			}
			if loc, want := got[0].Response.Header.Get("Location"), "https://example.test"+tc.want; loc != want {
				t.Errorf("Location recorded as %q, want %q", loc, want)
			}
		})
	}
}

// A body that is not JSON cannot be searched by name: it is withheld when a redacted name
// could be in it, kept as text otherwise.
func TestRecordWithholdsUnparsedBodies(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		withheld   bool
	}{
		{"cut JSON", `{"code":"S1","a":`, true},
		{"trailing data", `{"code":"S1"} x`, true},
		{"escaped name", `{"\u0063ode":"S1",`, true},
		{"form", `a=1&%63ode=S1`, true},
		{"any case", `CoDe: S1`, true},
		{"user-named", `otp S1`, true},
		{"invalid UTF-8", "{\"x\":\"\xff\",\"code\":\"S1\"}", true},
		{"plain text", "404 page not found\n", false},
		{"HTML", "<html><body>Bad Gateway</body></html>", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, got := recordAll(t, []contracttest.RecordOption{contracttest.WithRedact("otp")},
				contracttest.Exchange{Method: "POST", Path: "/p", RequestBody: []byte(tc.body)})
			m := got[0].Request
			want := contracttest.RecordedMessage{Text: tc.body}
			if tc.withheld {
				want = contracttest.RecordedMessage{Text: fmt.Sprintf("<unparsed body of %d bytes, redacted>", len(tc.body)), Withheld: true}
			}
			if diff := cmp.Diff(want, m); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// A withheld body's secrets are still replaced elsewhere in its exchange.
func TestRecordWithheldBodyStillRedactsEchoes(t *testing.T) {
	_, got := recordAll(t, nil, contracttest.Exchange{Method: "POST", Path: "/p",
		RequestBody: []byte(`{"code":"ZQ7XK2","note":`), Status: 400, ResponseBody: []byte(`{"message":"bad body near ZQ7XK2"}`)})
	if want := `{"message":"bad body near <code-1>"}`; string(got[0].Response.Body) != want {
		t.Errorf("response %s, want %s", got[0].Response.Body, want)
	}
}

// A body over the limit is redacted, then cut on a character boundary and marked truncated.
func TestRecordTruncates(t *testing.T) {
	long := `{"code":"S1","text":"` + strings.Repeat("é", 20) + `"}`
	_, got := recordAll(t, []contracttest.RecordOption{contracttest.WithRecordMaxBody(32)},
		contracttest.Exchange{Method: "POST", Path: "/p", RequestBody: []byte(long), ResponseBody: []byte(strings.Repeat("ab", 20))},
		contracttest.Exchange{Method: "POST", Path: "/p", RequestBody: []byte(`{"code":"S1"}`)})
	wantJSON := `{"code":"<code-1>","text":"éé` // 31 bytes: a 32nd would split an é
	if diff := cmp.Diff(contracttest.RecordedMessage{Text: wantJSON, Truncated: true}, got[0].Request); diff != "" {
		t.Errorf("JSON body (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(contracttest.RecordedMessage{Text: strings.Repeat("ab", 16), Truncated: true}, got[0].Response); diff != "" {
		t.Errorf("text body (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(contracttest.RecordedMessage{Body: json.RawMessage(`{"code":"<code-1>"}`)}, got[1].Request); diff != "" {
		t.Errorf("short body (-want +got):\n%s", diff)
	}
}

// A body the proxy cut short is recorded as truncated, and withheld if a name could hide in it.
func TestRecordMarksBodiesCutByTheCaller(t *testing.T) {
	_, got := recordAll(t, nil, contracttest.Exchange{Method: "POST", Path: "/p",
		RequestBody: []byte(`{"code":"S1","n":`), RequestCut: true, ResponseBody: []byte(`{"n":1`), ResponseCut: true})
	want := contracttest.RecordedMessage{Text: "<unparsed body of 17 bytes, redacted>", Withheld: true, Truncated: true}
	if diff := cmp.Diff(want, got[0].Request); diff != "" {
		t.Errorf("request (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(contracttest.RecordedMessage{Text: `{"n":1`, Truncated: true}, got[0].Response); diff != "" {
		t.Errorf("response (-want +got):\n%s", diff)
	}
}

// The default limit is the reference server's: a body it accepts is recorded whole.
func TestDefaultRecordMaxBodyIsTheMocks(t *testing.T) {
	if contracttest.DefaultRecordMaxBody != mockserver.DefaultMaxBodyBytes {
		t.Errorf("DefaultRecordMaxBody = %d, want mockserver.DefaultMaxBodyBytes, %d", contracttest.DefaultRecordMaxBody, mockserver.DefaultMaxBodyBytes)
	}
	body := `"` + strings.Repeat("a", contracttest.DefaultRecordMaxBody-2) + `"`
	_, got := recordAll(t, nil, contracttest.Exchange{Method: "POST", Path: "/p", RequestBody: []byte(body)},
		contracttest.Exchange{Method: "POST", Path: "/p", RequestBody: []byte(body + " ")}) // the space goes: still whole
	for i, x := range got {
		if string(x.Request.Body) != body || x.Request.Truncated {
			t.Errorf("exchange %d: %d bytes, truncated %v; want the whole body", i, len(x.Request.Body)+len(x.Request.Text), x.Request.Truncated)
		}
	}
}

// chunkyWriter hands each Write on in small pieces, yielding between them, so that lines
// written at once would interleave.
type chunkyWriter struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (w *chunkyWriter) Write(p []byte) (int, error) {
	for i := 0; i < len(p); i += 7 {
		w.mu.Lock()
		w.buf.Write(p[i:min(i+7, len(p))])
		w.mu.Unlock()
		runtime.Gosched()
	}
	return len(p), nil
}

// Concurrent Records write whole lines, and one code keeps one placeholder across goroutines.
func TestRecordConcurrently(t *testing.T) {
	const writers, each = 8, 25
	w := &chunkyWriter{}
	r, err := contracttest.NewRecorder(w)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := range writers {
		wg.Go(func() {
			for i := range each {
				body := fmt.Sprintf(`{"code":"CODE-%d","i":%d,"pad":%q}`, g, i, strings.Repeat("x", 100))
				if err := r.Record(contracttest.Exchange{Method: "POST", Path: "/p?g=" + strconv.Itoa(g), RequestBody: []byte(body)}); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	got := readAll(t, w.buf.String())
	if len(got) != writers*each {
		t.Fatalf("%d exchanges read back, want %d", len(got), writers*each)
	}
	placeholderOf := map[string]string{} // goroutine → its code's placeholder
	seen := map[string]bool{}
	for _, x := range got {
		var body struct{ Code string }
		if err := json.Unmarshal(x.Request.Body, &body); err != nil {
			t.Fatal(err)
		}
		g := strings.TrimPrefix(x.Path, "/p?g=")
		if p, ok := placeholderOf[g]; ok && p != body.Code {
			t.Errorf("goroutine %s's code is %s and %s", g, p, body.Code)
		} else if !ok && seen[body.Code] {
			t.Errorf("two codes share %s", body.Code)
		}
		placeholderOf[g], seen[body.Code] = body.Code, true
	}
}

type failingWriter struct{ writes int }

func (w *failingWriter) Write([]byte) (int, error) {
	w.writes++
	return 0, errors.New("disk full")
}

// A failed write is returned, and again on every later Record, which writes nothing more.
func TestRecordWriteErrorSticks(t *testing.T) {
	w := &failingWriter{}
	r, err := contracttest.NewRecorder(w)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if err := r.Record(contracttest.Exchange{Method: "GET", Path: "/"}); err == nil || !strings.Contains(err.Error(), "disk full") {
			t.Errorf("Record %d: error %v, want the write's", i, err)
		}
	}
	if w.writes != 1 {
		t.Errorf("%d writes, want 1", w.writes)
	}
}

func TestNewRecorderRejectsBadNames(t *testing.T) {
	for _, name := range []string{"", "a b", "<x>", "x\n"} {
		if _, err := contracttest.NewRecorder(io.Discard, contracttest.WithRedact(name)); err == nil {
			t.Errorf("WithRedact(%q): no error", name)
		}
	}
	if _, err := contracttest.NewRecorder(nil); err == nil {
		t.Error("NewRecorder(nil): no error")
	}
}

// The Recorder holds digests, never a secret: not even %#v of it shows one.
func TestRecorderKeepsNoSecret(t *testing.T) {
	r, err := contracttest.NewRecorder(io.Discard, contracttest.WithRedact("otp"))
	if err != nil {
		t.Fatal(err)
	}
	err = r.Record(contracttest.Exchange{Method: "POST", Path: "/p?code=QUERYCODE", RequestHeader: http.Header{"Authorization": {"Bearer sk_test_HELD"}},
		RequestBody: []byte(`{"code":"BODYCODE","otp":"USERSECRET"}`)})
	if err != nil {
		t.Fatal(err)
	}
	state := fmt.Sprintf("%#v", r)
	for _, s := range []string{"QUERYCODE", "sk_test_HELD", "BODYCODE", "USERSECRET"} {
		if strings.Contains(state, s) {
			t.Errorf("the Recorder holds %q: %s", s, state)
		}
	}
}

// Past 100,000 values a new one still gets a fresh placeholder, but is no longer matched;
// the values already held still are.
func TestRecordSecretTableIsBounded(t *testing.T) {
	const bound = 100_000
	var many strings.Builder
	many.WriteString("[")
	for i := range bound + 1 {
		if i > 0 {
			many.WriteString(",")
		}
		fmt.Fprintf(&many, `{"code":"c%d"}`, i)
	}
	many.WriteString("]")
	_, got := recordAll(t, nil,
		contracttest.Exchange{Method: "POST", Path: "/p", RequestBody: []byte(many.String())},
		contracttest.Exchange{Method: "POST", Path: "/p", RequestBody: []byte(fmt.Sprintf(`[{"code":"c0"},{"code":"c%d"},{"code":"c%[1]d"}]`, bound))})
	want := fmt.Sprintf(`[{"code":"<code-1>"},{"code":"<code-%d>"},{"code":"<code-%[1]d>"}]`, bound+2) // one exchange keeps its own
	if string(got[1].Request.Body) != want {
		t.Errorf("after the bound: %s, want %s", got[1].Request.Body, want)
	}
}

// ReadRecording names the line it cannot read, stops there, and bounds a line's length.
func TestReadRecordingErrors(t *testing.T) {
	good, _ := recordAll(t, nil, contracttest.Exchange{Method: "GET", Path: "/"})
	for _, tc := range []struct {
		name, file, want string
		before           int // exchanges read before the error
	}{
		{"not JSON", good + "{\n" + good, "line 2: ", 1},
		{"unknown member", good + good + strings.Replace(good, `"status"`, `"statu"`, 1), `line 3: json: unknown field "statu"`, 2},
		{"empty line", good + "\n" + good, "line 2: empty", 1},
		{"more after the object", strings.TrimSuffix(good, "\n") + " {}\n", "line 1: more data after the JSON object", 0},
		{"not an exchange", "{}\n", "line 1: not a recorded exchange", 0},
		{"wrong type", strings.Replace(good, `"status":0`, `"status":"0"`, 1), "line 1: json: cannot unmarshal", 0},
		{"too long", good + strings.Repeat(" ", 16<<20) + "\n", "line 2: longer than 16777216 bytes", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var n int
			var last error
			for _, err := range contracttest.ReadRecording(strings.NewReader(tc.file)) {
				if err != nil {
					last = err
					break
				}
				n++
			}
			if last == nil || !strings.Contains(last.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", last, tc.want)
			}
			if n != tc.before {
				t.Errorf("%d exchanges before the error, want %d", n, tc.before)
			}
		})
	}
}

// FuzzRecorderNeverLeaks: whatever the bodies, path and Location, the Secret Key never reaches
// the recording, and a code sent as the value of a member or query parameter named code (or
// WithRedact's otp) reaches it in no form: raw or JSON-escaped. In the inputs "@CODE@" is the
// code, "@JCODE@" it JSON-escaped, "@UCODE@" it as \u escapes, "@QCODE@" it percent-encoded,
// "@KEY@" the key.
func FuzzRecorderNeverLeaks(f *testing.F) {
	for _, seed := range []struct {
		path, req, resp, location string
	}{
		{"/v1/x?code=@CODE@", `{"code":"@CODE@"}`, `{"message":"code @CODE@ expired"}`, ""},
		{"/v1/x", `{"\u0063ode":"@JCODE@"}`, `{"echo":"@CODE@"}`, ""},
		{"/v1/x", `{"code":"@UCODE@"}`, `@CODE@`, ""},
		{"/v1/x", `{"code":"a","code":"@JCODE@","CODE":"b"}`, `{"a":[{"b":{"Code":"@JCODE@"}}]}`, ""},
		{"/v1/x", strings.Repeat(`[`, 200) + `{"code":"@JCODE@"}` + strings.Repeat(`]`, 200), `{"note":"your code is @CODE@!"}`, ""},
		{"/v1/x", strings.Repeat(`[`, 20000), `{"code":"@JCODE@"`, ""},
		{"/v1/x", `code=@QCODE@&a=1`, `"code":"@CODE@"`, ""},
		{"/v1/x", `{"code":{"nested":["@JCODE@"]}}`, `{"m":"@CODE@ and @KEY@"}`, ""},
		{"/v1/x", `{"otp":"@JCODE@","key":"@KEY@"}`, `{"x":"\ud800","code":"@JCODE@"}`, ""},
		{"/v1/x", "{\"x\":\"\xff\",\"code\":\"@JCODE@\"}", `{"m":"@CODE@"}`, ""},
		{"/v1/x?%63ode=@QCODE@;b=@KEY@", ``, ``, "/cb?x=1#code=@QCODE@"},
		{"/v1/@CODE@?CODE=@QCODE@", `{"code":"x@CODE@y","a":"@CODE@"}`, `<p>code @CODE@</p>`, "https://h/cb?Code=@QCODE@"},
		{"/v1/x", `{"note":"{\"code\":\"@JCODE@\"}","code":"@JCODE@"}`, `{"m":"@JCODE@"}`, ""},
		{"/v1/x", `{"redirect":"https://h/cb?state=1&code=@QCODE@#x"}`, `{"m":"@CODE@"}`, ""},
		{"/v1/x", `a=1&code=@QCODE@`, `{"m":"x"}`, ""},
		{"/v1/x", "\ufeff{\"code\":\"@JCODE@\"}", `{"m":"@CODE@"}`, ""},
		{"/v1/x", `)]}'` + "\n" + `{"a":1} {"code":"@JCODE@"}`, `{"m":"@CODE@"}`, ""},
	} {
		for v := range uint8(3) {
			f.Add(seed.path, seed.req, seed.resp, seed.location, v+3*uint8(len(seed.req)%3)) // each code, one spelling of Authorization
		}
	}
	const key = "sk_test_FUZZ0KEY0SECRET"
	codes := []string{"ZQ7XK2P9M4TW", `Zq"7<X>&\K2é`, "zq7é€K2P😀\u2028"}
	f.Fuzz(func(t *testing.T, path, reqBody, respBody, location string, variant uint8) {
		if len(path)+len(reqBody)+len(respBody)+len(location) > 1<<16 {
			return
		}
		code := codes[int(variant)%len(codes)]
		fill := strings.NewReplacer("@CODE@", code, "@JCODE@", jsonEscape(code, false), "@UCODE@", uEscape(code), "@QCODE@", url.QueryEscape(code), "@KEY@", key)
		path, reqBody, respBody, location = fill.Replace(path), fill.Replace(reqBody), fill.Replace(respBody), fill.Replace(location)
		authName := []string{"Authorization", "authorization", "AUTHORIZATION"}[int(variant/3)%3]
		var buf bytes.Buffer
		r, err := contracttest.NewRecorder(&buf, contracttest.WithRedact("otp"))
		if err != nil {
			t.Fatal(err)
		}
		x := contracttest.Exchange{Method: "POST", Path: path,
			RequestHeader: http.Header{authName: {"Bearer " + key}, "Content-Type": {"application/json"}}, RequestBody: []byte(reqBody),
			Status: 400, ResponseHeader: http.Header{"Location": {location}}, ResponseBody: []byte(respBody)}
		if err := r.Record(x); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		got := readAll(t, out)
		if len(got) != 1 {
			t.Fatalf("%d exchanges read back, want 1", len(got))
		}
		if strings.Contains(out, key) {
			t.Fatalf("the key reached the recording:\n%s", out)
		}
		names := []string{"code", "otp"}
		sentAsCode := queryHas(path, names, code) || queryHas(location, names, code) ||
			jsonHas(reqBody, names, code) || jsonHas(respBody, names, code)
		for _, form := range []string{code, jsonEscape(code, false), jsonEscape(code, true)} {
			if sentAsCode && strings.Contains(out, form) {
				t.Fatalf("the code reached the recording as %q:\n%s", form, out)
			}
			for i, m := range []contracttest.RecordedMessage{got[0].Request, got[0].Response} {
				if body := []string{reqBody, respBody}[i]; !json.Valid([]byte(body)) && queryHas("?"+body, names, code) && strings.Contains(string(m.Body)+m.Text, form) {
					t.Fatalf("a form body's code reached the recording as %q:\n%s", form, out)
				}
			}
		}
	})
}

func jsonEscape(s string, html bool) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(html)
	_ = enc.Encode(s)
	return strings.TrimSuffix(strings.TrimSuffix(b.String(), "\n")[1:], `"`)
}

func uEscape(s string) string {
	var b strings.Builder
	for _, u := range utf16.Encode([]rune(s)) {
		fmt.Fprintf(&b, `\u%04x`, u)
	}
	return b.String()
}

// queryHas reports whether u's query or fragment gives one of names the value want, as
// net/url reads them.
func queryHas(u string, names []string, want string) bool {
	u, fragment, _ := strings.Cut(u, "#")
	_, query, _ := strings.Cut(u, "?")
	for _, q := range []string{query, fragment} {
		values, _ := url.ParseQuery(q) // the pairs that parse
		for name, vs := range values {
			if nameIn(name, names) && containsString(vs, want) {
				return true
			}
		}
	}
	return false
}

// jsonHas reports whether body, read as JSON by encoding/json from its first { or [, value
// after value, up to its first error if any (a cut body, a body with invalid UTF-8), has a
// member named one of names whose value is want or holds want as a string, at any depth.
func jsonHas(body string, names []string, want string) bool {
	dec := json.NewDecoder(strings.NewReader(body[max(strings.IndexAny(body, "{["), 0):]))
	for {
		found, ok := jsonWalk(dec, names, want)
		if found || !ok {
			return found
		}
	}
}

// jsonWalk reads one value from dec, reporting whether what it read holds a named member
// valued want, and whether the value was well formed.
func jsonWalk(dec *json.Decoder, names []string, want string) (found, ok bool) {
	tok, err := dec.Token()
	if err != nil {
		return false, false
	}
	switch tok {
	case json.Delim('{'):
		for dec.More() {
			name, err := dec.Token()
			if err != nil {
				return found, false
			}
			if nameIn(name.(string), names) {
				var v any
				if dec.Decode(&v) != nil {
					return found, false
				}
				found = found || holds(v, want)
				continue
			}
			f, ok := jsonWalk(dec, names, want)
			if found = found || f; !ok {
				return found, false
			}
		}
	case json.Delim('['):
		for dec.More() {
			f, ok := jsonWalk(dec, names, want)
			if found = found || f; !ok {
				return found, false
			}
		}
	case nil, true, false:
		return false, true
	default: // a string or a number: a string may be a URL with ?code=…
		str, _ := tok.(string)
		return strings.ContainsAny(str, "?#") && queryHas(str, names, want), true
	}
	_, err = dec.Token() // the closing delimiter
	return found, err == nil
}

// holds reports whether v is want or holds it as a string or a member name.
func holds(v any, want string) bool {
	switch v := v.(type) {
	case string:
		return v == want
	case []any:
		for _, e := range v {
			if holds(e, want) {
				return true
			}
		}
	case map[string]any:
		for k, e := range v {
			if k == want || holds(e, want) {
				return true
			}
		}
	}
	return false
}

func nameIn(name string, names []string) bool {
	for _, n := range names {
		if strings.EqualFold(n, name) {
			return true
		}
	}
	return false
}

func containsString(vs []string, want string) bool {
	for _, v := range vs {
		if v == want {
			return true
		}
	}
	return false
}

// BenchmarkRecord is the cost a proxy pays per exchange: a small JSON request with a code and
// its JSON answer.
func BenchmarkRecord(b *testing.B) {
	r, err := contracttest.NewRecorder(io.Discard)
	if err != nil {
		b.Fatal(err)
	}
	x := contracttest.Exchange{Time: recordStart, Operation: "redeemVoucher", Method: "POST", Path: "/v1/vouchers/v1/redeem?dryRun=false",
		RequestHeader: http.Header{"Authorization": {"Bearer sk_test_AAAA"}, "Content-Type": {"application/json"}},
		RequestBody:   []byte(`{"code":"AAAA1111","wabaId":"428083093730937","phoneId":"123456789012345","coexistence":false}`),
		Status:        422, ResponseHeader: http.Header{"Content-Type": {"application/json"}},
		ResponseBody: []byte(`{"error":"invalid_code","message":"The code has expired; ask for a new one."}`)}
	b.ReportAllocs()
	for b.Loop() {
		if err := r.Record(x); err != nil {
			b.Fatal(err)
		}
	}
}

// ReadRecording reads any input without panicking: what it yields are exchanges, and a bad
// line ends it with an error that names the line.
func FuzzReadRecording(f *testing.F) {
	if seed, err := os.ReadFile("testdata/record/session.jsonl"); err == nil {
		f.Add(string(seed))
	}
	f.Add("")
	f.Add("{}\n")
	f.Add(`{"time":"2026-01-02T03:04:05Z","method":"GET","path":"/x","status":200,"request":{},"response":{"body":{"a":1}}}` + "\n{")
	f.Add("\n\n")
	f.Fuzz(func(t *testing.T, input string) {
		for _, err := range contracttest.ReadRecording(strings.NewReader(input)) {
			if err != nil && !strings.HasPrefix(err.Error(), "contracttest: recording line ") {
				t.Fatalf("error %q does not name the line", err)
			}
		}
	})
}

// BenchmarkRecordLongSession records b.N exchanges, each with a code and a key never seen
// before, and reports the heap the Recorder still holds after them (retained-B): it grows
// with the table of secrets until that is full (100,000 entries), then stays flat. Compare
// -benchtime 100000x with 400000x.
func BenchmarkRecordLongSession(b *testing.B) {
	r, err := contracttest.NewRecorder(io.Discard)
	if err != nil {
		b.Fatal(err)
	}
	x := contracttest.Exchange{Time: recordStart, Operation: "connectMetaChannel", Method: "POST", Path: "/v1/channels/019E4C54B1B375A28970B605CA9B03C3/connect",
		RequestHeader: http.Header{"Content-Type": {"application/json"}}, Status: 200,
		ResponseHeader: http.Header{"Content-Type": {"application/json"}}, ResponseBody: []byte(`{"success":true}`)}
	before := liveHeap()
	i := 0
	for b.Loop() {
		i++
		x.RequestHeader.Set("Authorization", "Bearer sk_test_"+strconv.Itoa(i))
		x.RequestBody = []byte(`{"wabaId":"428083093730937","phoneId":"123456789012345","code":"AQB` + strconv.Itoa(i) + `"}`)
		if err := r.Record(x); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(liveHeap()-before), "retained-B")
	runtime.KeepAlive(r)
}

// liveHeap is the heap in use after a full collection.
func liveHeap() int64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}
