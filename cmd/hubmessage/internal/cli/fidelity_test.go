package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hubmessage/hubmessage-go/contracttest"
	"github.com/hubmessage/hubmessage-go/mockserver"
	"github.com/hubmessage/hubmessage-go/mockserver/mocktest"
)

// recordSession records a channel's lifecycle against a reference server (the "real API"),
// each answer passed through edit, and returns the recording's path.
func recordSession(t *testing.T, edit func(op string, status int, body string) (int, string)) string {
	t.Helper()
	ts := mocktest.Start(t, mockserver.WithStrictCodes())
	var buf bytes.Buffer
	rec, err := contracttest.NewRecorder(&buf)
	if err != nil {
		t.Fatal(err)
	}
	do := func(op, method, path, body string) string {
		status, header, resp := call(t, ts.URL, ts.SecretKey, method, path, body)
		status, resp = edit(op, status, resp)
		h := map[string][]string{"Authorization": {"Bearer " + ts.SecretKey}}
		if body != "" {
			h["Content-Type"] = []string{"application/json"}
		}
		if err := rec.Record(contracttest.Exchange{Operation: op, Method: method, Path: path, RequestHeader: h, RequestBody: []byte(body),
			Status: status, ResponseHeader: header, ResponseBody: []byte(resp)}); err != nil {
			t.Fatal(err)
		}
		return resp
	}
	var ch struct{ ID string }
	json.Unmarshal([]byte(do("partnerCreateChannel", "POST", "/v1/channels", `{"name":"Sales","type":"META_WHATSAPP"}`)), &ch)
	code, _ := ts.Server.IssueCode()
	do("connectMetaChannel", "POST", "/v1/channels/"+ch.ID+"/connect", `{"wabaId":"428083093730937","phoneId":"123456789012345","code":"`+code+`"}`)
	do("disconnectMetaChannel", "PUT", "/v1/channels/"+ch.ID+"/disconnect", "")
	do("partnerDeleteChannel", "DELETE", "/v1/channels/"+ch.ID, "")
	do("partnerDeleteChannel", "DELETE", "/v1/channels/"+ch.ID, "")
	path := filepath.Join(t.TempDir(), "session.jsonl")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func unchanged(_ string, status int, body string) (int, string) { return status, body }

// A faithful recording replays at 100% against the in-process reference server; one whose
// create answered an extra member is below the default --min-fidelity, not below 0.5.
func TestFidelityInProcess(t *testing.T) {
	t.Parallel()
	faithful := recordSession(t, unchanged)
	extra := recordSession(t, func(op string, status int, body string) (int, string) {
		if op == "partnerCreateChannel" {
			body = strings.Replace(body, "{", `{"extra":1,`, 1)
		}
		return status, body
	})
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stdout string
	}{
		{"faithful", []string{"--recording", faithful}, exitOK, "fidelity 100.0%: 5 of 5 comparable exchanges identical"},
		{"json", []string{"--recording", faithful, "--format", "json"}, exitOK, `"fidelity": 1,`},
		{"junit", []string{"--recording", faithful, "--format", "junit"}, exitOK, `<testcase name="line 1: POST /v1/channels"`},
		{"extra member", []string{"--recording", extra}, exitFail, "body /extra: only in the recording"},
		{"extra member, lower bar", []string{"--recording", extra, "--min-fidelity", "0.5"}, exitOK, "fidelity 80.0%"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := run(t, append([]string{"fidelity"}, tc.args...)...)
			if code != tc.code || !strings.Contains(stdout, tc.stdout) {
				t.Errorf("exit %d, want %d; stdout lacks %q?\n%s\nstderr: %s", code, tc.code, tc.stdout, stdout, stderr)
			}
		})
	}
}

// With --base-url the replay runs against that server, with the key from --secret-key-file
// and codes from its POST /_mock/codes; a key it refuses is a setup error, never exit 0; no
// output holds a key.
func TestFidelityBaseURL(t *testing.T) {
	t.Parallel()
	file := recordSession(t, unchanged)
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
	good := recordSession(t, unchanged)
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
