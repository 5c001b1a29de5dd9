package cli

import (
	"bytes"
	"context"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/hubmessage/hubmessage-go/openapi"
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

// version and --version print the module's version from the build information, the API
// version of the embedded spec and the Go toolchain's.
func TestVersion(t *testing.T) {
	t.Parallel()
	doc, err := openapi.Spec()
	if err != nil {
		t.Fatal(err)
	}
	want := regexp.MustCompile(`^hubmessage-go (\(devel\)|v\d+\.\d+\.\d+\S*)\nAPI ` + regexp.QuoteMeta(doc.Info.Version) + "\n" +
		regexp.QuoteMeta(runtime.Version()+" "+runtime.GOOS+"/"+runtime.GOARCH) + "\n$")
	for _, args := range [][]string{{"version"}, {"--version"}} {
		if code, stdout, stderr := run(t, args...); code != exitOK || stderr != "" || !want.MatchString(stdout) {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want 0 and %s", args, code, stdout, stderr, want)
		}
	}
	if code, _, stderr := run(t, "version", "--json"); code != exitUsage || !strings.Contains(stderr, "unknown flag --json") {
		t.Errorf("version --json: exit %d, stderr %q; want a usage error", code, stderr)
	}
}
