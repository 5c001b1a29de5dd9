package apicompat_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/oasdiff/oasdiff/checker"

	"github.com/hubmessage/hubmessage-go/cmd/apispec/internal/apicompat"
)

func TestParseVersion(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in      string
		want    apicompat.Version
		wantErr string
	}{
		{in: "1.0.0", want: apicompat.Version{Major: 1}},
		{in: "0.10.2", want: apicompat.Version{Minor: 10, Patch: 2}},
		{in: "12.3.45", want: apicompat.Version{Major: 12, Minor: 3, Patch: 45}},
		{in: "1.0", wantErr: `version "1.0": want MAJOR.MINOR.PATCH`},
		{in: "v1.0.0", wantErr: `"v1" is not a decimal number`},
		{in: "1.0.0-rc.1", wantErr: "want MAJOR.MINOR.PATCH"},
		{in: "1.0.0-rc1", wantErr: `"0-rc1" is not a decimal number`},
		{in: "1.0.+1", wantErr: `"+1" is not a decimal number`},
		{in: "01.0.0", wantErr: `"01" has a leading zero`},
		{in: "1..0", wantErr: `"" is not a decimal number`},
		{in: "-1.0.0", wantErr: `"-1" is not a decimal number`},
		{in: "99999999999999999999.0.0", wantErr: "is too large"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			got, err := apicompat.ParseVersion(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("ParseVersion(%q) = %v, %v; want error containing %q", tc.in, got, err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want || got.String() != tc.in {
				t.Fatalf("ParseVersion(%q) = %v (%s), %v; want %v", tc.in, got, got, err, tc.want)
			}
		})
	}
}

func TestVersionOrderAndBumps(t *testing.T) {
	t.Parallel()
	v := func(s string) apicompat.Version {
		got, err := apicompat.ParseVersion(s)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	ordered := []string{"0.0.1", "0.1.0", "0.10.0", "1.0.0", "1.0.1", "1.2.0", "1.10.0", "2.0.0", "10.0.0"}
	for i, a := range ordered {
		for j, b := range ordered {
			want := min(max(i-j, -1), 1)
			if got := v(a).Compare(v(b)); got != want {
				t.Errorf("%s.Compare(%s) = %d, want %d", a, b, got, want)
			}
		}
	}
	if got := v("1.4.2").NextMajor().String(); got != "2.0.0" {
		t.Errorf("NextMajor = %s", got)
	}
	if got := v("1.4.2").NextMinor().String(); got != "1.5.0" {
		t.Errorf("NextMinor = %s", got)
	}
}

func FuzzParseVersion(f *testing.F) {
	for _, s := range []string{"1.0.0", "0.1.0", "1.0", "v1.0.0", "1.0.0-rc.1", "01.0.0", "", "...", "1.2.3.4"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := apicompat.ParseVersion(s)
		if err != nil {
			if !strings.Contains(err.Error(), "version ") {
				t.Fatalf("error does not say it is about a version: %v", err)
			}
			return
		}
		if v.String() != s { // the only accepted spelling is the canonical one
			t.Fatalf("ParseVersion(%q) = %s", s, v)
		}
	})
}

func TestParseSeverity(t *testing.T) {
	t.Parallel()
	got, err := apicompat.ParseSeverity("levels.txt", []byte(
		"# why\n\nresponse-non-success-status-removed err # the JSON404 field\r\n  api-version-not-bumped\tnone\nrequest-property-pattern-changed ERR"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]checker.Level{
		"response-non-success-status-removed": checker.ERR,
		"api-version-not-bumped":              checker.NONE,
		"request-property-pattern-changed":    checker.ERR,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("levels (-want +got):\n%s", diff)
	}

	for _, tc := range []struct{ name, in, wantErr string }{
		{"unknown id", "# x\nresponse-thing-removed err", `levels.txt:2: "response-thing-removed" is not an oasdiff check id`},
		{"unknown level", "api-schema-removed fatal", `levels.txt:1: level "fatal": want err, warn, info or none`},
		{"missing level", "\n\napi-schema-removed", `levels.txt:3: want "<check-id> <err|warn|info|none>", got "api-schema-removed"`},
		{"extra field", "api-schema-removed err now", `levels.txt:1: want "<check-id> <err|warn|info|none>"`},
		{"repeated id", "api-schema-removed err\napi-schema-removed info", `levels.txt:2: api-schema-removed is already set on line 1`},
		{"not UTF-8", "api-schema-removed err\n\xff", "levels.txt:2: not UTF-8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := apicompat.ParseSeverity("levels.txt", []byte(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.wantErr)
			}
		})
	}
}

func FuzzParseSeverity(f *testing.F) {
	f.Add([]byte("# c\nresponse-non-success-status-removed err\n"))
	f.Add([]byte("api-version-not-bumped none # x\r\n\n"))
	f.Add([]byte("api-schema-removed\n"))
	f.Add([]byte("x y z\n#"))
	f.Fuzz(func(t *testing.T, data []byte) {
		levels, err := apicompat.ParseSeverity("levels.txt", data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "levels.txt:") {
				t.Fatalf("error does not name the file and line: %v", err)
			}
			return
		}
		for id, level := range levels {
			if level == checker.INVALID || strings.ContainsAny(id, " \t#") {
				t.Fatalf("accepted %q %v", id, level)
			}
		}
	})
}

func TestParseAcknowledgements(t *testing.T) {
	t.Parallel()
	acks, err := apicompat.ParseAcknowledgements("ack.txt", []byte(
		"# header\n\n  2.0.0: POST /v1/x removed the thing (why)  \r\ncomponents removed the schema `Foo`\n"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range acks {
		got = append(got, a.String())
	}
	want := []string{"ack.txt:3: 2.0.0: POST /v1/x removed the thing (why)", "ack.txt:4: components removed the schema `Foo`"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("acknowledgements (-want +got):\n%s", diff)
	}

	for _, tc := range []struct{ name, in, wantErr string }{
		{"no operation", "# x\nremoved the non-success response", `ack.txt:2: names neither an operation ("POST /v1/...") nor components: "removed the non-success response"`},
		{"path without method", "/v1/x removed it", `ack.txt:1: the path /v1/x must follow its HTTP method`},
		{"method after path", "/v1/x post removed it", `ack.txt:1: the path /v1/x must follow its HTTP method`},
		{"repeated", "POST /v1/x removed it\n\npost /v1/x REMOVED it", "ack.txt:3: repeats line 1"},
		{"not UTF-8", "POST /v1/x \xff", "ack.txt:1: not UTF-8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := apicompat.ParseAcknowledgements("ack.txt", []byte(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.wantErr)
			}
		})
	}
}

func FuzzParseAcknowledgements(f *testing.F) {
	f.Add([]byte("# c\nPOST /v1/channels/{channelId}/connect removed the non-success response with the status `404`\n"))
	f.Add([]byte("components removed the schema `Error`\r\n\n"))
	f.Add([]byte("/v1/x get\n"))
	f.Add([]byte("GET /a x\nget /a X\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		acks, err := apicompat.ParseAcknowledgements("ack.txt", data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "ack.txt:") {
				t.Fatalf("error does not name the file and line: %v", err)
			}
			return
		}
		last := 0
		for _, a := range acks {
			if a.Line <= last || a.Text == "" || a.Text != strings.TrimSpace(a.Text) || strings.HasPrefix(a.Text, "#") {
				t.Fatalf("bad acknowledgement %+v after line %d", a, last)
			}
			last = a.Line
		}
	})
}
