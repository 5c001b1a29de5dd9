package contracttest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/google/go-cmp/cmp"

	"github.com/hubmessage/hubmessage-go/contracttest"
	"github.com/hubmessage/hubmessage-go/mockserver"
)

// recordThrough serves h behind a recording Validator.Proxy writing to buf and returns the
// proxy's URL: what a team puts in front of the real API.
func recordThrough(t *testing.T, h http.Handler, spec *openapi3.T, buf *lockedBuffer, opts ...contracttest.RecordOption) string {
	t.Helper()
	v, err := contracttest.New()
	if spec != nil {
		v, err = contracttest.NewForSpec(spec)
	}
	rec, err2 := contracttest.NewRecorder(buf, opts...)
	if err != nil || err2 != nil {
		t.Fatal(err, err2)
	}
	upstream, err := url.Parse(serve(t, h))
	if err != nil {
		t.Fatal(err)
	}
	return serve(t, v.Proxy(upstream, contracttest.WithRecorder(rec), contracttest.OnRecordError(func(err error) { t.Error(err) })))
}

// call sends one request and returns the status and body.
func call(t *testing.T, base, auth, method, path, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, base+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// newMock is a reference server as the replay target, and a code source that remembers the
// codes it gave.
func newMock(t testing.TB) (*mockserver.Server, contracttest.CodeSource, func() []string) {
	t.Helper()
	srv, err := mockserver.New(mockserver.WithStrictCodes())
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var given []string
	codes := func(ctx context.Context) (string, error) {
		c, err := srv.CodeSource()(ctx)
		mu.Lock()
		defer mu.Unlock()
		given = append(given, c)
		return c, err
	}
	return srv, codes, func() []string { mu.Lock(); defer mu.Unlock(); return given }
}

// lifecycle records a channel's lifecycle against real (the "real API", with key), codes
// from issue: create, connect, the same code again, delete while connected, disconnect,
// delete, delete again, and a create with a wrong key.
func lifecycle(t *testing.T, real http.Handler, key string, issue func() string) string {
	t.Helper()
	var buf lockedBuffer
	base := recordThrough(t, real, nil, &buf)
	bearer := "Bearer " + key
	_, created := call(t, base, bearer, "POST", "/v1/channels", `{"name":"Sales","type":"META_WHATSAPP"}`)
	var ch struct{ ID string }
	if err := json.Unmarshal([]byte(created), &ch); err != nil || ch.ID == "" {
		t.Fatalf("create: %s", created)
	}
	code := issue()
	connect := `{"wabaId":"428083093730937","phoneId":"123456789012345","code":"` + code + `","coexistence":false}`
	call(t, base, bearer, "POST", "/v1/channels/"+ch.ID+"/connect", connect)
	call(t, base, bearer, "POST", "/v1/channels/"+ch.ID+"/connect", connect)
	call(t, base, bearer, "DELETE", "/v1/channels/"+ch.ID, "")
	call(t, base, bearer, "PUT", "/v1/channels/"+ch.ID+"/disconnect", "")
	call(t, base, bearer, "DELETE", "/v1/channels/"+ch.ID, "")
	call(t, base, bearer, "DELETE", "/v1/channels/"+ch.ID, "")
	call(t, base, "Bearer hm_not_the_key_0123456789", "POST", "/v1/channels", `{"name":"Sales","type":"META_WHATSAPP"}`)
	return buf.String()
}

func replay(t *testing.T, base, file string, opts contracttest.ReplayOptions) *contracttest.FidelityReport {
	t.Helper()
	report, err := contracttest.Replay(context.Background(), base, contracttest.ReadRecording(strings.NewReader(file)), opts)
	if err != nil {
		t.Fatal(err)
	}
	return report
}

// hubOptions are the reference server's replay options for srv.
func hubOptions(srv *mockserver.Server, codes contracttest.CodeSource) contracttest.ReplayOptions {
	opts := mockserver.ReplayOptions()
	opts.SecretKey, opts.CodeSource = srv.SecretKey(), codes
	return opts
}

// A lifecycle recorded against one reference server replays identically against another: its
// ids, codes and key mapped to the new server's.
func TestReplayIdentical(t *testing.T) {
	t.Parallel()
	real, err := mockserver.New(mockserver.WithStrictCodes())
	if err != nil {
		t.Fatal(err)
	}
	file := lifecycle(t, real, real.SecretKey(), func() string { c, _ := real.IssueCode(); return c })
	target, codes, _ := newMock(t)
	report := replay(t, serve(t, target), file, hubOptions(target, codes))
	for _, x := range report.Exchanges {
		if x.Verdict != contracttest.VerdictIdentical {
			t.Errorf("line %d %s %s: %s %s %v", x.Line, x.Method, x.Path, x.Verdict, x.Why, x.Differences)
		}
	}
	if len(report.Exchanges) != 8 || report.Fidelity() != 1 || !report.Passed(1) || report.SetupError() != "" {
		t.Errorf("%d exchanges, %s; setup error %q", len(report.Exchanges), report.Summary(), report.SetupError())
	}
}

// standIn is a "real API" that differs from the reference server in three ways: the delete of
// a connected channel answers 409, not 422; a delete of an unknown channel says "Unknown
// channel", not "Instance not found"; a create's body has an extra member.
func standIn(mock http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rr := httptest.NewRecorder()
		mock.ServeHTTP(rr, r)
		status, body := rr.Code, rr.Body.String()
		switch {
		case r.Method == "DELETE" && status == 422:
			status = 409
		case r.Method == "DELETE" && status == 404:
			body = `{"error":404,"message":"Unknown channel"}`
		case r.Method == "POST" && status == 201:
			body = strings.Replace(body, "{", `{"extra":true,`, 1)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, body)
	})
}

// Exactly the three ways the stand-in differs are reported, with curl lines; the report and
// its writers hold neither the Secret Key nor a code.
func TestReplayFindsDifferences(t *testing.T) {
	t.Parallel()
	real, err := mockserver.New(mockserver.WithStrictCodes())
	if err != nil {
		t.Fatal(err)
	}
	file := lifecycle(t, standIn(real), real.SecretKey(), func() string { c, _ := real.IssueCode(); return c })
	target, codes, given := newMock(t)
	report := replay(t, serve(t, target), file, hubOptions(target, codes))
	var diffs []string
	for _, x := range report.Exchanges {
		diffs = append(diffs, x.Differences...)
		if (x.Verdict == contracttest.VerdictDifferent) != (x.Curl != "") {
			t.Errorf("line %d: %s with curl %q", x.Line, x.Verdict, x.Curl)
		}
	}
	want := []string{"body /extra: only in the recording", "status: recorded 409, replayed 422", `message: recorded "Unknown channel", replayed "Instance not found"`}
	if d := cmp.Diff(want, diffs); d != "" {
		t.Errorf("differences (-want +got):\n%s", d)
	}
	if identical, different, _ := report.Counts(); identical != 5 || different != 3 || report.Passed(1) || !report.Passed(0.6) {
		t.Errorf("%s", report.Summary())
	}
	var out bytes.Buffer
	for _, write := range []func(io.Writer) error{report.WriteText, report.WriteJSON, report.WriteJUnit} {
		if err := write(&out); err != nil {
			t.Fatal(err)
		}
	}
	secrets := append(given(), target.SecretKey())
	if len(secrets) < 2 {
		t.Fatalf("no code was given: %v", len(secrets))
	}
	for _, s := range secrets {
		if strings.Contains(out.String(), s) || strings.Contains(report.Summary(), s) {
			t.Errorf("the report holds a secret %.8s…", s)
		}
	}
	for _, s := range []string{"reproduce: curl", "<code-1>", "$HUBMESSAGE_SECRET_KEY", "DIFFERENT line 4: partnerDeleteChannel"} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("the report lacks %q:\n%s", s, out.String())
		}
	}
}

// A channel the recording uses without having created it is created first (as a channel every
// operation accepts); an unknown one, whose first use was answered 404, is not.
func TestReplaySeedsUncreatedIDs(t *testing.T) {
	t.Parallel()
	real, err := mockserver.New(mockserver.WithStrictCodes())
	if err != nil {
		t.Fatal(err)
	}
	direct := serve(t, real)
	bearer := "Bearer " + real.SecretKey()
	_, created := call(t, direct, bearer, "POST", "/v1/channels", `{"name":"Old","type":"META_WHATSAPP"}`)
	id := strings.Split(created, `"`)[3]
	var buf lockedBuffer
	base := recordThrough(t, real, nil, &buf)
	code, _ := real.IssueCode()
	call(t, base, bearer, "DELETE", "/v1/channels/00000000000000000000000000000001", "")
	call(t, base, bearer, "POST", "/v1/channels/"+id+"/connect", `{"wabaId":"428083093730937","phoneId":"123456789012345","code":"`+code+`"}`)
	call(t, base, bearer, "PUT", "/v1/channels/"+id+"/disconnect", "")
	call(t, base, bearer, "DELETE", "/v1/channels/"+id, "")

	target, codes, _ := newMock(t)
	report := replay(t, serve(t, target), buf.String(), hubOptions(target, codes))
	var seeds []string
	for _, x := range report.Exchanges {
		seeds = append(seeds, x.Seeds...)
		if x.Verdict != contracttest.VerdictIdentical {
			t.Errorf("line %d %s %s: %s %s %v", x.Line, x.Method, x.Path, x.Verdict, x.Why, x.Differences)
		}
	}
	if len(seeds) != 1 || !strings.Contains(seeds[0], "channelId "+id+" created by partnerCreateChannel") {
		t.Errorf("seeds %q; want one for %s", seeds, id)
	}
}

// Replay is generic over the spec: a books fixture whose single-use value is a "ticket",
// whose ids are bookRef; a request holding a redacted name ("<title-1>") is not sent, and the
// books those made are created for the replay, on a server whose refs start at another.
func TestReplayOtherSpec(t *testing.T) {
	t.Parallel()
	spec := fixture(t, "stateful-books.yaml")
	var buf lockedBuffer
	base := recordThrough(t, newBooks().handler(), spec, &buf, contracttest.WithRedact("ticket", "title"))
	key := "Bearer hm_books_key"
	call(t, base, key, "POST", "/shelf/books", `{"title":"Secret diary"}`)
	call(t, base, key, "POST", "/shelf/books", `{"title":"Dune"}`)
	call(t, base, key, "POST", "/shelf/books/b1/lend", `{"ticket":"t-1"}`)
	call(t, base, key, "POST", "/shelf/books/b2/lend", `{"ticket":"t-2"}`)
	call(t, base, key, "POST", "/shelf/books/b1/return", "")
	call(t, base, key, "POST", "/shelf/books/b1/lend", `{"ticket":"t-1"}`) // 422: the ticket was used
	call(t, base, "Bearer wrong", "DELETE", "/shelf/books/b2", "")
	call(t, base, key, "DELETE", "/shelf/books/b1", "")

	books := newBooks()
	target := serve(t, books.handler())
	call(t, target, key, "POST", "/shelf/books", `{"title":"Already there"}`) // the replay's refs start at b2
	report := replay(t, target, buf.String(), contracttest.ReplayOptions{SecretKey: "hm_books_key", Spec: spec,
		CodeSource: counter(), CodeName: "ticket"})
	var got []string
	for _, x := range report.Exchanges {
		got = append(got, string(x.Verdict)+" "+x.Why+strings.Join(x.Differences, ";")+strings.Join(x.Seeds, ";"))
	}
	want := []string{
		"not comparable the request holds <title-1>, a value redacted at recording time",
		"not comparable the request holds <title-2>, a value redacted at recording time",
		"identical ref b1 created by addBook (POST /shelf/books -> 201)",
		"identical ref b2 created by addBook (POST /shelf/books -> 201)",
		"identical ",
		"identical ",
		"identical ",
		"identical ",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	if x := report.Exchanges[3]; x.Request == nil || x.Request.Body != `{"ticket":"<ticket-2>"}` || x.Request.Path != "/shelf/books/b3/lend" {
		t.Errorf("line 4 sent %+v; want b2 mapped to b3 and the ticket's placeholder", x.Request)
	}
	if x := report.Exchanges[5]; x.Replayed == nil || x.Replayed.Status != 422 || !strings.Contains(string(x.Replayed.Body), "<ticket-1>") {
		t.Errorf("line 6 answered %+v; want 422 quoting the reused ticket as its placeholder", x.Replayed)
	}
}

// A server that refuses the key, or never answers, is a setup error, not a low fidelity; so
// is a recording where nothing could be compared. No error holds the key.
func TestReplaySetupErrors(t *testing.T) {
	t.Parallel()
	real, err := mockserver.New()
	if err != nil {
		t.Fatal(err)
	}
	file := lifecycle(t, real, real.SecretKey(), func() string { c, _ := real.IssueCode(); return c })
	target, codes, _ := newMock(t)
	closed := httptest.NewServer(target)
	closed.Close()
	wrongKey := hubOptions(target, codes)
	wrongKey.SecretKey = "hm_wrong_key_0123456789abcdef"
	noCodes := hubOptions(target, nil)
	for _, tc := range []struct {
		name, base string
		opts       contracttest.ReplayOptions
		file       string
		want       string
	}{
		{"wrong key", serve(t, target), wrongKey, file, "the server refused the Secret Key: 401 on line 1"},
		{"no answer", closed.URL, hubOptions(target, codes), file, "did not answer line 1"},
		{"nothing comparable", serve(t, target), noCodes, strings.Join(strings.SplitAfter(file, "\n")[1:3], ""), "no exchange could be compared"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			report := replay(t, tc.base, tc.file, tc.opts)
			e := report.SetupError()
			if !strings.Contains(e, tc.want) || report.Passed(0) || strings.Contains(e, tc.opts.SecretKey) {
				t.Errorf("setup error %q, passed %v; want %q", e, report.Passed(0), tc.want)
			}
			var out bytes.Buffer
			report.WriteJUnit(&out)
			if !strings.Contains(out.String(), `name="setup"`) || strings.Contains(out.String(), tc.opts.SecretKey) {
				t.Errorf("JUnit:\n%s", out.String())
			}
		})
	}
	if s := fmt.Sprintf("%v %+v", wrongKey, wrongKey); strings.Contains(s, wrongKey.SecretKey) {
		t.Errorf("%%v of ReplayOptions shows the key: %s", s)
	}
}

// Replay takes any recording without panicking, and neither its error nor its report, in any
// format, holds the Secret Key or a code it sent.
func FuzzReplay(f *testing.F) {
	target, codes, given := newMock(f)
	base := serve(f, target)
	f.Add(`{"operation":"partnerCreateChannel","method":"POST","path":"/v1/channels","request":{"header":{"Authorization":["<authorization-1>"],"Content-Type":["application/json"]},"body":{"name":"a","type":"META_WHATSAPP"}},"status":201,"response":{"body":{"id":"019E4C54B1B375A28970B605CA9B03C3"}}}`)
	f.Add(`{"operation":"connectMetaChannel","method":"POST","path":"/v1/channels/019E4C54B1B375A28970B605CA9B03C3/connect?x=<code-1>","request":{"header":{"Authorization":["<authorization-1>"]},"body":{"wabaId":"1","phoneId":"2","code":"<code-1>"}},"status":200,"response":{"body":{"success":true}}}`)
	f.Add(`{"method":"DELETE","path":"/v1/channels/%2F<code-2>","request":{"header":{"Authorization":["<authorization-2>"]},"text":"<code-2>"},"status":401,"response":{"text":"no"}}`)
	f.Add(`{"method":"GET","path":"/<title-1>","status":204}` + "\n{")
	f.Fuzz(func(t *testing.T, recording string) {
		report, err := contracttest.Replay(t.Context(), base, contracttest.ReadRecording(strings.NewReader(recording)), hubOptions(target, codes))
		var out bytes.Buffer
		if err != nil {
			out.WriteString(err.Error())
		} else {
			for _, write := range []func(io.Writer) error{report.WriteText, report.WriteJSON, report.WriteJUnit} {
				if err := write(&out); err != nil {
					t.Fatal(err)
				}
			}
		}
		for _, secret := range append(given(), target.SecretKey()) {
			if strings.Contains(out.String(), secret) {
				t.Fatalf("the report holds %q:\n%s", secret, out.String())
			}
		}
	})
}
