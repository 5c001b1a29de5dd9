package cli

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hubmessage/hubmessage-go/client"
	"github.com/hubmessage/hubmessage-go/internal/secretkey"
)

// TestChannelConnect covers what connect alone takes: the SDK's payload on stdin, or as flags.
func TestChannelConnect(t *testing.T) {
	t.Parallel()
	const payload = `{"wabaId":"428083093730937","phoneId":"123456789012345","code":"ABC123DEF456","coexistence":true}`
	flags := []string{"--channel", hexChannel, "--waba", "428083093730937", "--phone", "123456789012345", "--code", "ABC123DEF456"}
	tests := []struct {
		name       string
		args       []string // after "channel connect --base-url URL"
		stdin      string
		wantCode   int
		wantStdout string
		wantStderr string
		wantSent   []string // request bodies, canonical JSON
	}{
		{
			name: "flags", args: flags, wantStdout: "channel " + hexChannel + " connected\n",
			wantSent: []string{`{"code":"ABC123DEF456","coexistence":false,"phoneId":"123456789012345","wabaId":"428083093730937"}`},
		},
		{
			name: "flags and --coexistence", args: slices.Concat(flags, []string{"--coexistence"}), wantStdout: "channel " + hexChannel + " connected\n",
			wantSent: []string{`{"code":"ABC123DEF456","coexistence":true,"phoneId":"123456789012345","wabaId":"428083093730937"}`},
		},
		{
			name: "payload on stdin with -", args: []string{"--channel", hexChannel, "-"}, stdin: payload, wantStdout: "channel " + hexChannel + " connected\n",
			wantSent: []string{`{"code":"ABC123DEF456","coexistence":true,"phoneId":"123456789012345","wabaId":"428083093730937"}`},
		},
		{
			name: "payload on stdin with --stdin", args: []string{"--stdin", "--channel", hexChannel}, stdin: payload, wantStdout: "channel " + hexChannel + " connected\n",
			wantSent: []string{`{"code":"ABC123DEF456","coexistence":true,"phoneId":"123456789012345","wabaId":"428083093730937"}`},
		},
		{
			name: "a pattern in the spec's words", args: slices.Concat(flags, []string{"--waba", "12x"}), wantCode: exitUsage,
			wantStderr: "hubmessage channel connect: --waba: must be decimal digits\nRun 'hubmessage channel connect --help' for usage.\n",
		},
		{ // from stdin, a value is named as the SDK's payload names it
			name: "a pattern on stdin", args: []string{"--channel", hexChannel, "-"}, stdin: `{"wabaId":"12x","phoneId":"2","code":"c","coexistence":false}`, wantCode: exitUsage,
			wantStderr: "hubmessage channel connect: stdin: wabaId: must be decimal digits\nRun 'hubmessage channel connect --help' for usage.\n",
		},
		{
			name: "no code", args: flags[:6], wantCode: exitUsage,
			wantStderr: "hubmessage channel connect: --code is required\nRun 'hubmessage channel connect --help' for usage.\n",
		},
		{
			name: "no channel", args: flags[2:], wantCode: exitUsage,
			wantStderr: "hubmessage channel connect: --channel is required\nRun 'hubmessage channel connect --help' for usage.\n",
		},
		{
			name: "stray argument", args: slices.Concat(flags, []string{"extra"}), wantCode: exitUsage,
			wantStderr: "hubmessage channel connect: unexpected argument \"extra\"\nRun 'hubmessage channel connect --help' for usage.\n",
		},
		{
			name: "stdin and flags", args: []string{"--channel", hexChannel, "--code", "X", "--coexistence", "-"}, stdin: payload, wantCode: exitUsage,
			wantStderr: "hubmessage channel connect: --code, --coexistence cannot be combined with a payload on stdin\nRun 'hubmessage channel connect --help' for usage.\n",
		},
		{
			name: "stdin unknown field", args: []string{"--channel", hexChannel, "-"}, stdin: `{"wabaId":"1","phoneId":"2","code":"c","coexistence":false,"secret":"x"}`, wantCode: exitUsage,
			wantStderr: "hubmessage channel connect: stdin: member \"secret\": not expected; the members are \"wabaId\", \"phoneId\", \"code\", \"coexistence\"\nRun 'hubmessage channel connect --help' for usage.\n",
		},
		{
			name: "stdin empty, JSON", args: []string{"--channel", hexChannel, "--stdin", "--json"}, wantCode: exitUsage,
			wantStdout: `{"error":{"reason":"stdin: no payload; want {\"wabaId\": \"...\", \"phoneId\": \"...\", \"code\": \"...\", \"coexistence\": false}","advice":"Run 'hubmessage channel connect --help' for usage."}}` + "\n",
		},
		{
			name: "code expired", args: slices.Concat(flags[:6], []string{"--code", "EXPIRED"}), wantCode: exitFail,
			wantStderr: "hubmessage channel connect: the code has expired (422 CODE_EXPIRED)\nRun Embedded Signup again, and connect within 30 seconds: a code lives no longer.\n",
			wantSent:   []string{`{"code":"EXPIRED","coexistence":false,"phoneId":"123456789012345","wabaId":"428083093730937"}`},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var answers map[string]answer
			if strings.Contains(tc.name, "expired") {
				answers = map[string]answer{"connect": {422, `{"error":422,"message":"CODE_EXPIRED"}`}}
			}
			api := newFakeAPI(t, answers)
			args := append([]string{"channel", "connect", "--base-url", api.URL + "/hub"}, tc.args...)
			code, stdout, stderr := runCLI(t, map[string]string{secretkey.EnvVar: testKey}, tc.stdin, args...)
			if code != tc.wantCode {
				t.Errorf("exit code %d, want %d", code, tc.wantCode)
			}
			if diff := cmp.Diff(tc.wantStdout, stdout); diff != "" {
				t.Errorf("stdout (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantStderr, stderr); diff != "" {
				t.Errorf("stderr (-want +got):\n%s", diff)
			}
			var bodies []string
			for _, r := range api.requests() {
				bodies = append(bodies, r[strings.Index(r, "{"):])
			}
			if diff := cmp.Diff(tc.wantSent, canonical(t, bodies)); diff != "" {
				t.Errorf("request bodies (-want +got):\n%s", diff)
			}
			checkOutput(t, stdout, stderr)
		})
	}
}

// canonical re-encodes JSON bodies with sorted keys.
func canonical(t *testing.T, bodies []string) []string {
	t.Helper()
	var out []string
	for _, b := range bodies {
		var v map[string]any
		if err := json.Unmarshal([]byte(b), &v); err != nil {
			t.Fatalf("body %q: %v", b, err)
		}
		c, _ := json.Marshal(v)
		out = append(out, string(c))
	}
	return out
}

func TestParsePayload(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		want    client.ConnectRequest
		wantErr string
	}{
		{name: "SDK payload", in: `{"wabaId":"428083093730937","phoneId":"123456789012345","code":"ABC123DEF456","coexistence":false}`, want: client.ConnectRequest{WabaID: "428083093730937", PhoneID: "123456789012345", Code: "ABC123DEF456"}},
		{name: "whitespace and key order", in: "\n { \"coexistence\" : true , \"code\":\"c\",\"phoneId\":\"2\",\"wabaId\":\"1\" }\n", want: client.ConnectRequest{WabaID: "1", PhoneID: "2", Code: "c", Coexistence: true}},
		{name: "case-folded key", in: `{"WabaId":"1","phoneId":"2","code":"c","coexistence":false}`, wantErr: `member "WabaId": not expected; names are case-sensitive: did you mean "wabaId"?`},
		{name: "missing coexistence", in: `{"wabaId":"1","phoneId":"2","code":"c"}`, wantErr: `member "coexistence": missing`},
		{name: "missing code", in: `{"wabaId":"1","phoneId":"2","coexistence":false}`, wantErr: `member "code": missing`},
		{name: "wabaId as a number", in: `{"wabaId":428083093730937,"phoneId":"2","code":"c","coexistence":false}`, wantErr: `member "wabaId": want a string`},
		{name: "code null", in: `{"wabaId":"1","phoneId":"2","code":null,"coexistence":false}`, wantErr: `member "code": null; want a string`},
		{name: "coexistence as a string", in: `{"wabaId":"1","phoneId":"2","code":"c","coexistence":"false"}`, wantErr: `member "coexistence": want true or false`},
		{name: "array", in: `[]`, wantErr: "not a JSON object"},
		{name: "null", in: `null`, wantErr: "not a JSON object"},
		{name: "string", in: `"x"`, wantErr: "not a JSON object"},
		{name: "repeated key", in: `{"wabaId":"1","wabaId":"2","phoneId":"2","code":"c","coexistence":false}`, wantErr: `member "wabaId": duplicate member name`},
		{name: "invalid UTF-8", in: "{\"wabaId\":\"1\",\"phoneId\":\"2\",\"code\":\"c\xff\",\"coexistence\":false}", wantErr: `member "code": invalid UTF-8`},
		{name: "unclosed", in: `{"wabaId":"1"`, wantErr: "the JSON text ends early"},
		{name: "missing value", in: `{"wabaId":}`, wantErr: "not valid JSON (at byte 10)"},
		{name: "two objects", in: `{"wabaId":"1","phoneId":"2","code":"c","coexistence":false}{}`, wantErr: "more data after the JSON value"},
		{name: "trailing garbage", in: `{"wabaId":"1","phoneId":"2","code":"c","coexistence":false} x`, wantErr: "more data after the JSON value"},
		{name: "too large", in: `{"code":"` + strings.Repeat("a", maxPayloadSize) + `"}`, wantErr: "payload: larger than 65536 bytes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := parsePayload(strings.NewReader(tc.in))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("error %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// FuzzParsePayload: parsing never panics, and what it accepts survives a round trip through
// the SDK's JSON form unchanged.
func FuzzParsePayload(f *testing.F) {
	for _, seed := range []string{
		`{"wabaId":"428083093730937","phoneId":"123456789012345","code":"ABC123DEF456","coexistence":false}`,
		`{"wabaId":"1","phoneId":"2","code":"\u00e9\ud83d\ude00","coexistence":true}`,
		`{"wabaId":"1","phoneId":"2","code":"c","coexistence":false,"x":1}`,
		`{"wabaId":"1","wabaId":"2","phoneId":"2","code":"c","coexistence":false}`,
		`{"wabaId":1}`, `null`, `[]`, `{}`, `"x"`, ``, `{"wabaId":"1"`, "{\"code\":\"\xff\"}",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		req, err := parsePayload(bytes.NewReader(data))
		if err != nil {
			return
		}
		again, err := json.Marshal(req)
		if err != nil {
			t.Fatalf("marshal %+v: %v", req, err)
		}
		back, err := parsePayload(bytes.NewReader(again))
		if err != nil {
			t.Fatalf("re-parse of %s: %v", again, err)
		}
		if diff := cmp.Diff(req, back); diff != "" {
			t.Errorf("round trip of %q changed the payload (-first +second):\n%s", data, diff)
		}
	})
}
