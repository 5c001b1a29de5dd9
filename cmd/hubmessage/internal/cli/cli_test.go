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
	for _, c := range commands {
		if _, stdout, _ := run(t, "help"); !strings.Contains(stdout, c.name) {
			t.Errorf("help does not list %q", c.name)
		}
	}
}
