package mockserver_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/hubmessage/hubmessage-go/mockserver"
	"github.com/hubmessage/hubmessage-go/mockserver/mocktest"
)

// codeAnswer is POST /_mock/codes's body.
type codeAnswer struct {
	Code      string    `json:"code"`
	ExpiresAt time.Time `json:"expiresAt"`
}

// testAnswerForm fails t unless res is what a test-only endpoint answers: JSON, an error in
// the API's shape, a success never cached.
func testAnswerForm(t testing.TB, res response) {
	t.Helper()
	if res.status >= 400 {
		if err := errorShape(res.status, res.header, res.body); err != nil {
			t.Errorf("%d %s: %v", res.status, res.body, err)
		}
		return
	}
	if ct := res.header.Get("Content-Type"); ct != "application/json" || !json.Valid(res.body) {
		t.Errorf("%d with Content-Type %q and body %s, want JSON", res.status, ct, res.body)
	}
	if cc := res.header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", cc)
	}
}

// postTest sends POST path with body ("" for none) and Secret Key key to ts over HTTP.
func postTest(t testing.TB, ts *mocktest.Server, key, path, body string) response {
	t.Helper()
	res, err := testClient.Do(withKey(t, ts.URL, key, http.MethodPost, path, body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	out := response{status: res.StatusCode, header: res.Header, body: data}
	testAnswerForm(t, out)
	return out
}

// serveTestKey is postTest in-process, for synctest.
func serveTestKey(t testing.TB, s *mockserver.Server, key, path, body string) response {
	t.Helper()
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, withKey(t, "", key, http.MethodPost, path, body))
	out := response{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
	testAnswerForm(t, out)
	return out
}

// decode decodes a successful answer's body into v.
func decode(t testing.TB, res response, want int, v any) {
	t.Helper()
	if res.status != want {
		t.Fatalf("status %d body %s, want %d", res.status, res.body, want)
	}
	if err := json.Unmarshal(res.body, v); err != nil {
		t.Fatalf("body %s: %v", res.body, err)
	}
}

// An issued code connects within its 30 seconds on the server's clock (here synctest's), not
// at 30 s or after; an expired code stays unused (expired again, not "already used"); a used
// one is used on every channel.
func TestIssuedCodeLife(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		wait time.Duration
		want string
	}{
		{"at once", 0, `200 {"success":true}`},
		{"a nanosecond before the end", mockserver.CodeLifetime - time.Nanosecond, `200 {"success":true}`},
		{"at the end", mockserver.CodeLifetime, "422 CODE_EXPIRED"},
		{"an hour later", time.Hour, "422 CODE_EXPIRED"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				s, err := mockserver.New()
				if err != nil {
					t.Fatal(err)
				}
				start := time.Now()
				code, expires := s.IssueCode()
				if !expires.Equal(start.Add(mockserver.CodeLifetime)) {
					t.Errorf("expiresAt %v, want %v", expires, start.Add(mockserver.CodeLifetime))
				}
				time.Sleep(tc.wait)
				connectTo := func(id string) string {
					return serveKey(t, s, s.SecretKey(), http.MethodPost, connectPath(id), payload(code)).outcome(t)
				}
				if got := connectTo(mockserver.ChannelUUID); got != tc.want {
					t.Fatalf("connect %v after issue: %s, want %s", tc.wait, got, tc.want)
				}
				again := "422 CODE_ALREADY_USED"
				if strings.HasPrefix(tc.want, "422") {
					again = tc.want // a refused code is not consumed
				}
				if got := connectTo(mockserver.ChannelHex); got != again {
					t.Errorf("the same code again, on another channel: %s, want %s", got, again)
				}
			})
		})
	}
}

// Issued knows the server's own codes, expired or not, and no other: not another server's,
// not a tampered one, not a hand-made one.
func TestIssued(t *testing.T) {
	t.Parallel()
	s, other := mocktest.Start(t).Server, mocktest.Start(t).Server
	code, expires := s.IssueCode()
	s.AdvanceClock(time.Hour)
	if got, ok := s.Issued(code); !ok || !got.Equal(expires) {
		t.Errorf("Issued(its own expired code) = %v, %v; want %v, true", got, ok, expires)
	}
	foreign, _ := other.IssueCode()
	tampered := code[:len(code)-1] + map[bool]string{true: "B", false: "A"}[strings.HasSuffix(code, "A")]
	for _, c := range []string{foreign, tampered, "HANDMADE123", ""} {
		if _, ok := s.Issued(c); ok {
			t.Errorf("Issued(%q) = true, want false", c)
		}
	}
}

// WithClock's clock is the codes' clock, and AdvanceClock moves it forward, exactly.
func TestAdvanceClock(t *testing.T) {
	t.Parallel()
	base := time.Date(2030, 1, 2, 3, 4, 5, 600, time.UTC)
	ts := mocktest.Start(t, mockserver.WithClock(func() time.Time { return base }))
	first, expires := ts.Server.IssueCode()
	if !expires.Equal(base.Add(30 * time.Second)) {
		t.Fatalf("expiresAt %v, want %v", expires, base.Add(30*time.Second))
	}
	ts.Server.AdvanceClock(29 * time.Second)
	second, expires := ts.Server.IssueCode()
	if !expires.Equal(base.Add(59 * time.Second)) {
		t.Errorf("after AdvanceClock(29s), expiresAt %v, want %v", expires, base.Add(59*time.Second))
	}
	ts.Server.AdvanceClock(time.Second) // 30 s after the first was issued
	if got := connect(t, ts, mockserver.ChannelUUID, first).outcome(t); got != "422 CODE_EXPIRED" {
		t.Errorf("first code at its 30th second: %s, want 422 CODE_EXPIRED", got)
	}
	if got := connect(t, ts, mockserver.ChannelUUID, second).outcome(t); got != `200 {"success":true}` {
		t.Errorf("second code 1 s after issue: %s", got)
	}

	defer func() {
		if recover() == nil {
			t.Error("AdvanceClock(-1s) did not panic")
		}
	}()
	ts.Server.AdvanceClock(-time.Second)
}

// Through the test-only endpoints alone, as a test in another language does: issue a code,
// move the clock past its life, see CODE_EXPIRED; issue another, connect, see it used.
func TestCodesAndClockOverHTTP(t *testing.T) {
	t.Parallel()
	base := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	var logs syncBuffer
	ts := mocktest.Start(t, mockserver.WithClock(func() time.Time { return base }), withDebugLog(&logs))

	var issued codeAnswer
	decode(t, postTest(t, ts, ts.SecretKey, "/_mock/codes", ""), http.StatusCreated, &issued)
	if !issued.ExpiresAt.Equal(base.Add(30*time.Second)) || issued.Code == "" {
		t.Fatalf("issued %+v, want a code expiring at %v", issued, base.Add(30*time.Second))
	}
	var clock struct{ Now time.Time }
	decode(t, postTest(t, ts, ts.SecretKey, "/_mock/clock", `{"advance":"31s"}`), http.StatusOK, &clock)
	if !clock.Now.Equal(base.Add(31 * time.Second)) {
		t.Errorf("now %v, want %v", clock.Now, base.Add(31*time.Second))
	}
	if got := connect(t, ts, mockserver.ChannelUUID, issued.Code).outcome(t); got != "422 CODE_EXPIRED" {
		t.Errorf("connect 31 s after issue: %s, want 422 CODE_EXPIRED", got)
	}

	decode(t, postTest(t, ts, ts.SecretKey, "/_mock/codes", "{}"), http.StatusCreated, &issued)
	if !issued.ExpiresAt.Equal(base.Add(61 * time.Second)) {
		t.Errorf("second code expires %v, want %v", issued.ExpiresAt, base.Add(61*time.Second))
	}
	if got := connect(t, ts, mockserver.ChannelUUID, issued.Code).outcome(t); got != `200 {"success":true}` {
		t.Errorf("connect with a fresh code: %s", got)
	}
	if got := connect(t, ts, mockserver.ChannelHex, issued.Code).outcome(t); got != "422 CODE_ALREADY_USED" {
		t.Errorf("connect with it again: %s, want 422 CODE_ALREADY_USED", got)
	}
	decode(t, postTest(t, ts, ts.SecretKey, "/_mock/clock", `{"advance":"0s"}`), http.StatusOK, &clock)
	if !clock.Now.Equal(base.Add(31 * time.Second)) {
		t.Errorf(`"0s" read %v, want %v`, clock.Now, base.Add(31*time.Second))
	}

	out := logs.String()
	if !strings.Contains(out, "path=/_mock/codes") || !strings.Contains(out, "path=/_mock/clock") {
		t.Errorf("the request lines do not name the test endpoints:\n%s", out)
	}
	if strings.Contains(out, issued.Code) || strings.Contains(out, ts.SecretKey) {
		t.Errorf("the logs hold a code or the Secret Key:\n%s", out)
	}
}

// Strict mode refuses every code the server did not issue with CODE_EXPIRED, but the magic
// upstream failure; otherwise such codes connect as before.
func TestStrictCodes(t *testing.T) {
	t.Parallel()
	other, err := mockserver.New()
	if err != nil {
		t.Fatal(err)
	}
	foreignIssued, _ := other.IssueCode() // issued, but by another server
	for _, strict := range []bool{false, true} {
		var opts []mockserver.Option
		if strict {
			opts = append(opts, mockserver.WithStrictCodes())
		}
		ts := mocktest.Start(t, opts...)
		issued, _ := ts.Server.IssueCode()
		tampered := []byte(issued)
		tampered[len(tampered)-1] ^= 1
		unknown := `200 {"success":true}`
		if strict {
			unknown = "422 CODE_EXPIRED"
		}
		for _, tc := range []struct{ name, code, want string }{
			{"made up", "ABC123DEF456", unknown},
			{"another server's", foreignIssued, unknown},
			{"an issued code altered", string(tampered), unknown},
			{"magic expired", mockserver.ExpiredCodePrefix + "-1", "422 CODE_EXPIRED"},
			{"magic upstream failure", mockserver.UpstreamErrorPrefix + "-1", "502 Integration error"},
			{"issued", issued, `200 {"success":true}`},
		} {
			id := mustCreate(t, ts, mockserver.MetaWhatsApp)
			if got := connect(t, ts, id, tc.code).outcome(t); got != tc.want {
				t.Errorf("strict %v, %s code: %s, want %s", strict, tc.name, got, tc.want)
			}
		}
	}
}

// In a sandbox, codes, the clock and queued responses are each key's own.
func TestSandboxCodesClockAndScenariosPerKey(t *testing.T) {
	t.Parallel()
	ts := mocktest.Start(t, mockserver.WithSandbox(mockserver.SandboxConfig{}), mockserver.WithStrictCodes())
	const keyA, keyB = "sk_ci_job_a", "sk_ci_job_b"
	connectWith := func(key, channelID, code string) string {
		t.Helper()
		return send(t, ts, withKey(t, ts.URL, key, http.MethodPost, connectPath(channelID), payload(code))).outcome(t)
	}
	issue := func(key string) string {
		t.Helper()
		var a codeAnswer
		decode(t, postTest(t, ts, key, "/_mock/codes", ""), http.StatusCreated, &a)
		return a.Code
	}

	codeA, codeB := issue(keyA), issue(keyB)
	if got := connectWith(keyB, mockserver.ChannelUUID, codeA); got != "422 CODE_EXPIRED" {
		t.Errorf("key B with key A's code: %s, want 422 CODE_EXPIRED (not B's)", got)
	}
	ownCode, _ := ts.Server.IssueCode()
	if got := connectWith(keyA, mockserver.ChannelUUID, ownCode); got != "422 CODE_EXPIRED" {
		t.Errorf("key A with the Go API's code: %s, want 422 CODE_EXPIRED", got)
	}
	if got := connect(t, ts, mockserver.ChannelUUID, ownCode).outcome(t); got != `200 {"success":true}` {
		t.Errorf("the server's own key with the Go API's code: %s", got)
	}

	postTest(t, ts, keyA, "/_mock/clock", `{"advance":"1h"}`)
	if got := connectWith(keyA, mockserver.ChannelUUID, codeA); got != "422 CODE_EXPIRED" {
		t.Errorf("key A's code after A's clock moved an hour: %s", got)
	}
	decode(t, postTest(t, ts, keyA, "/_mock/scenarios", `{"operationId":"connectMetaChannel","statuses":[502]}`), http.StatusCreated, &struct{}{})
	if got := connectWith(keyB, mockserver.ChannelUUID, codeB); got != `200 {"success":true}` {
		t.Errorf("key B's code, after A moved its clock and queued a 502: %s", got)
	}
	if got := connectWith(keyA, mockserver.ChannelUUID, issue(keyA)); got != "502 Integration error" {
		t.Errorf("key A's next connect: %s, want its queued 502", got)
	}
	if got := connectWith(keyA, mockserver.ChannelUUID, issue(keyA)); got != `200 {"success":true}` {
		t.Errorf("key A's connect after its queue: %s", got)
	}
}
