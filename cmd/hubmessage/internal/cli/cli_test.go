package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func run(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = Main(context.Background(), args, Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut, Getenv: func(string) string { return "" }})
	return code, out.String(), errOut.String()
}

func TestMainUsage(t *testing.T) {
	if code, _, stderr := run(t); code != exitUsage || !strings.Contains(stderr, "Usage: hubmessage") {
		t.Errorf("no args: code %d stderr %q, want usage and exit %d", code, stderr, exitUsage)
	}
	if code, stdout, _ := run(t, "help"); code != exitOK || !strings.Contains(stdout, "Commands:") {
		t.Errorf("help: code %d stdout %q", code, stdout)
	}
	if code, _, stderr := run(t, "frobnicate"); code != exitUsage || stderr != "hubmessage: unknown command \"frobnicate\"\nRun 'hubmessage --help' for the commands.\n" {
		t.Errorf("unknown command: code %d stderr %q, want one line and where to find help", code, stderr)
	}
	for typo, want := range map[string]string{"chanel": `"channel"`, "verfy": `"verify"`, "mok": `"mock"`, "demoweb": `"demo-web"`} {
		if code, _, stderr := run(t, typo); code != exitUsage || !strings.Contains(stderr, "; did you mean "+want+"?\n") {
			t.Errorf("%s: code %d stderr %q, want it to suggest %s", typo, code, stderr, want)
		}
	}
	for _, c := range commands {
		if _, stdout, _ := run(t, "help"); !strings.Contains(stdout, c.name) {
			t.Errorf("help does not list %q", c.name)
		}
	}
}

// A mistyped flag or subcommand is answered with the one it likely meant, and only then.
func TestDidYouMean(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ args, want string }{
		{"channel crate", `hubmessage channel: unknown command "crate"; did you mean "create"?`},
		{"channel create --nam x", "hubmessage channel create: unknown flag --nam; did you mean --name?"},
		{"mock --adr x", "hubmessage mock: unknown flag --adr; did you mean --addr?"},
		{"verify --base-ur x", "hubmessage verify: unknown flag --base-ur; did you mean --base-url?"},
		{"mock --port 1", "hubmessage mock: unknown flag --port\n"},
		{"channel frobnicate", `hubmessage channel: unknown command "frobnicate"` + "\n"},
	} {
		code, _, stderr := run(t, strings.Fields(tc.args)...)
		if code != exitUsage || !strings.HasPrefix(stderr, tc.want) {
			t.Errorf("%s: exit %d, stderr %q; want %d and %q", tc.args, code, stderr, exitUsage, tc.want)
		}
	}
}
