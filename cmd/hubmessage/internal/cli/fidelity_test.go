package cli

import (
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hubmessage/hubmessage-go/contracttest"
	"github.com/hubmessage/hubmessage-go/mockserver"
	"github.com/hubmessage/hubmessage-go/mockserver/mocktest"
)

// answerEdit changes the stand-in's answer to one step of sessionScript.
type answerEdit func(status int, body string) (int, string)

// standIn is a stand-in for the real API: the reference server, with the answers to the
// steps of sessionScript (from 1) that edits names changed.
func standIn(t *testing.T, edits map[int]answerEdit) *mocktest.Server {
	t.Helper()
	ts := mocktest.Start(t, mockserver.WithStrictCodes())
	var step atomic.Int32
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		ts.Server.ServeHTTP(rec, r)
		status, body := rec.Code, rec.Body.String()
		if edit := edits[int(step.Add(1))]; edit != nil {
			status, body = edit(status, body)
		}
		maps.Copy(w.Header(), rec.Header())
		w.Header().Del("Content-Length")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	t.Cleanup(api.Close)
	return &mocktest.Server{URL: api.URL, SecretKey: ts.SecretKey, Server: ts.Server}
}

// sessionScript is a team's lifecycle, as its backend would drive it through the proxy at
// url: create, connect, delete while connected (422), disconnect twice, delete, delete again
// (404), and the used code again on another channel (422). It returns the code it used.
func sessionScript(t *testing.T, url string, api *mocktest.Server) string {
	t.Helper()
	_, _, created := call(t, url, api.SecretKey, http.MethodPost, "/v1/channels", `{"name":"Sales","type":"META_WHATSAPP"}`)
	var ch struct{ ID string }
	if err := json.Unmarshal([]byte(created), &ch); err != nil || ch.ID == "" {
		t.Fatalf("create: %q", created)
	}
	code, _ := api.Server.IssueCode()
	channel := "/v1/channels/" + ch.ID
	postConnect(t, url, api.SecretKey, ch.ID, code)
	call(t, url, api.SecretKey, http.MethodDelete, channel, "")
	call(t, url, api.SecretKey, http.MethodPut, channel+"/disconnect", "")
	call(t, url, api.SecretKey, http.MethodPut, channel+"/disconnect", "")
	call(t, url, api.SecretKey, http.MethodDelete, channel, "")
	call(t, url, api.SecretKey, http.MethodDelete, channel, "")
	postConnect(t, url, api.SecretKey, mockserver.ChannelUUID, code)
	return code
}

// recordSession runs sessionScript through `hubmessage proxy --record` in front of a stand-in
// for the real API (the reference server, its answers changed by edits), checks that the
// proxy saw no violation and kept no secret, and returns the recording's path.
func recordSession(t *testing.T, edits map[int]answerEdit) string {
	t.Helper()
	api := standIn(t, edits)
	path := filepath.Join(t.TempDir(), "session.jsonl")
	url, stop := startProxy(t, api.URL, "--record", path)
	code := sessionScript(t, url, api)
	exit, stdout, stderr := stop()
	if exit != exitOK {
		t.Fatalf("proxy: exit %d\nstdout:\n%s\nstderr:\n%s", exit, stdout, stderr)
	}
	for _, secret := range []string{api.SecretKey, code} {
		if strings.Contains(mustRead(t, path)+stdout+stderr, secret) {
			t.Fatalf("the recording or the proxy's output holds %q", secret)
		}
	}
	return path
}

// extraMember adds a member to an object body.
func extraMember(status int, body string) (int, string) {
	return status, strings.Replace(body, "{", `{"createdAt":"2026-12-03T05:00:00Z",`, 1)
}

// The issue's acceptance test: a session recorded through the proxy in front of a stand-in
// that differs from the reference server in three known ways (a status in a sequence, a
// message, an extra member) replays with exactly those three differences; the same session
// recorded in front of the reference server itself replays at 100%.
func TestProxyRecordingReplaysWithTheKnownDifferences(t *testing.T) {
	t.Parallel()
	differing := recordSession(t, map[int]answerEdit{
		1: extraMember, // create's 201
		3: func(status int, body string) (int, string) { // delete while connected: 422
			return status, strings.Replace(body, "INSTANCE_STILL_CONNECTED", "INSTANCE_IS_CONNECTED", 1)
		},
		5: func(int, string) (int, string) { // disconnect when not connected: 200 true from the mock
			return http.StatusNotFound, `{"error":404,"message":"Channel not connected"}`
		},
	})
	code, stdout, stderr := run(t, "fidelity", "--recording", differing, "--format", "json")
	var report struct {
		Fidelity  float64
		Exchanges []struct {
			Line        int
			Verdict     string
			Differences []string
		}
	}
	if err := json.Unmarshal([]byte(stdout), &report); err != nil || code != exitFail {
		t.Fatalf("exit %d, want 1; %v\nstdout:\n%s\nstderr:\n%s", code, err, stdout, stderr)
	}
	got := map[int][]string{}
	for _, x := range report.Exchanges {
		if x.Verdict != string(contracttest.VerdictIdentical) {
			got[x.Line] = append([]string{x.Verdict}, x.Differences...)
		}
	}
	want := map[int][]string{
		1: {"different", "body /createdAt: only in the recording"},
		3: {"different", `message: recorded "INSTANCE_IS_CONNECTED", replayed "INSTANCE_STILL_CONNECTED"`},
		5: {"different", "status: recorded 404, replayed 200"},
	}
	if diff := cmp.Diff(want, got); diff != "" || len(report.Exchanges) != 8 || report.Fidelity != 5.0/8 {
		t.Errorf("%d exchanges, fidelity %v; differences (-want +got):\n%s", len(report.Exchanges), report.Fidelity, diff)
	}

	code, stdout, stderr = run(t, "fidelity", "--recording", recordSession(t, nil))
	if code != exitOK || !strings.Contains(stdout, "fidelity 100.0%: 8 of 8 comparable exchanges identical") {
		t.Errorf("faithful: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
}

// A faithful recording replays at 100% against the in-process reference server; one whose
// create answered an extra member is below the default --min-fidelity, not below 0.5.
func TestFidelityInProcess(t *testing.T) {
	t.Parallel()
	faithful := recordSession(t, nil)
	extra := recordSession(t, map[int]answerEdit{1: extraMember})
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stdout string
	}{
		{"faithful", []string{"--recording", faithful}, exitOK, "fidelity 100.0%: 8 of 8 comparable exchanges identical"},
		{"json", []string{"--recording", faithful, "--format", "json"}, exitOK, `"fidelity": 1,`},
		{"junit", []string{"--recording", faithful, "--format", "junit"}, exitOK, `<testcase name="line 1: POST /v1/channels"`},
		{"extra member", []string{"--recording", extra}, exitFail, "body /createdAt: only in the recording"},
		{"extra member, lower bar", []string{"--recording", extra, "--min-fidelity", "0.5"}, exitOK, "fidelity 87.5%"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := run(t, append([]string{"fidelity"}, tc.args...)...)
			if code != tc.code || !strings.Contains(stdout, tc.stdout) {
				t.Errorf("exit %d, want %d; stdout lacks %q?\n%s\nstderr: %s", code, tc.code, tc.stdout, stdout, stderr)
			}
			if differs := strings.Contains(stdout, "DIFFERENT") || strings.Contains(stdout, `"verdict": "different"`); differs != strings.Contains(stderr, "start 'hubmessage mock', replay with --base-url") {
				t.Errorf("differences %v, but stderr: %s", differs, stderr)
			}
		})
	}
}

// With --base-url the replay runs against that server, with the key from --secret-key-file
// and codes from its POST /_mock/codes; a key it refuses is a setup error, never exit 0; no
// output holds a key.
func TestFidelityBaseURL(t *testing.T) {
	t.Parallel()
	file := recordSession(t, nil)
	ts := mocktest.Start(t, mockserver.WithStrictCodes(), mockserver.WithSecretKey(verifyKey))
	dir := t.TempDir()
	good, wrong := filepath.Join(dir, "good"), filepath.Join(dir, "wrong")
	const wrongKey = "sk_test_cli_wrong_key"
	os.WriteFile(good, []byte(verifyKey+"\n"), 0o600)
	os.WriteFile(wrong, []byte(wrongKey), 0o600)
	report := filepath.Join(dir, "report.txt")
	code, stdout, stderr := run(t, "fidelity", "--recording", file, "--base-url", ts.URL, "--secret-key-file", good, "--output", report)
	written, _ := os.ReadFile(report)
	if code != exitOK || !strings.Contains(string(written), "fidelity 100.0%") || !strings.Contains(stderr, "report in "+report) {
		t.Errorf("exit %d\nreport: %s\nstderr: %s", code, written, stderr)
	}
	code, stdout2, stderr2 := run(t, "fidelity", "--recording", file, "--base-url", ts.URL, "--secret-key-file", wrong)
	if code != exitFail || !strings.Contains(stderr2, "refused the Secret Key") {
		t.Errorf("wrong key: exit %d, stderr %s", code, stderr2)
	}
	for _, out := range []string{stdout, stderr, string(written), stdout2, stderr2} {
		if strings.Contains(out, verifyKey) || strings.Contains(out, wrongKey) {
			t.Errorf("output holds a key:\n%s", out)
		}
	}
}

// A usage error is one line naming the flag, exit 2, before anything is sent.
func TestFidelityUsageErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.jsonl")
	good := recordSession(t, nil)
	first, _, _ := strings.Cut(mustRead(t, good), "\n")
	os.WriteFile(bad, []byte(first+"\n{\"method\":\n"), 0o600)
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no recording", nil, "--recording is required"},
		{"missing file", []string{"--recording", filepath.Join(dir, "none.jsonl")}, "--recording: open"},
		{"bad line", []string{"--recording", bad}, "--recording " + bad + ": line 2: "},
		{"min fidelity", []string{"--recording", good, "--min-fidelity", "1.5"}, "--min-fidelity 1.5: must be from 0 to 1"},
		{"format", []string{"--recording", good, "--format", "xml"}, `--format "xml"`},
		{"key file without base URL", []string{"--recording", good, "--secret-key-file", bad}, "need --base-url"},
		{"no key", []string{"--recording", good, "--base-url", "http://127.0.0.1:1"}, "no Secret Key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := run(t, append([]string{"fidelity"}, tc.args...)...)
			if code != exitUsage || stdout != "" || !strings.HasPrefix(stderr, "hubmessage fidelity: ") || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, stdout %q, stderr %q; want 2 and %q", code, stdout, stderr, tc.want)
			}
		})
	}
	if code, stdout, _ := run(t, "fidelity", "--help"); code != exitOK || !strings.Contains(stdout, "--min-fidelity F") {
		t.Errorf("--help: exit %d\n%s", code, stdout)
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
