package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// repo writes a module root in a temp dir: testdata/<working> as the spec, testdata/base.yaml
// as the 1.0.0 release, the repository's severity file and no acknowledgements. The fixtures
// are frozen; the live spec is never read, since it is meant to change.
func repo(t *testing.T, working string) string {
	t.Helper()
	root := t.TempDir()
	for dst, src := range map[string]string{
		"openapi/hubmessage.yaml":       filepath.Join("testdata", working),
		"openapi/released/1.0.0.yaml":   filepath.Join("testdata", "base.yaml"),
		"openapi/breaking-severity.txt": filepath.Join("..", "..", "openapi", "breaking-severity.txt"),
	} {
		data, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		write(t, filepath.Join(root, dst), data)
	}
	write(t, filepath.Join(root, "openapi", "breaking-ignore.txt"), []byte("# none\n"))
	return root
}

func write(t *testing.T, file string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestRun(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name         string
		working      string // a file in testdata
		task         string
		wantCode     int
		wantStdout   string
		wantStderr   string
		wantSnapshot string
	}{
		{name: "breaking, unchanged", working: "base.yaml", task: "breaking", wantCode: 0,
			wantStdout: "ROOT/openapi/hubmessage.yaml (1.0.0) vs released 1.0.0 (ROOT/openapi/released/1.0.0.yaml): 0 change(s)"},
		{name: "breaking, operation added", working: "operation-added.yaml", task: "breaking", wantCode: 0,
			wantStdout: "(1.1.0) vs released 1.0.0 (ROOT/openapi/released/1.0.0.yaml): 1 change(s): 0 error (0 acknowledged), 0 warning, 1 info\n"},
		{name: "breaking, 404 removed", working: "status-removed.yaml", task: "breaking", wantCode: 1,
			wantStdout: "1 change(s): 1 error (0 acknowledged), 0 warning, 0 info\n",
			wantStderr: "apispec: API compatibility gate failed:\n\n1 breaking change(s) vs released 1.0.0 (ROOT/openapi/released/1.0.0.yaml):\n" +
				"  error [response-non-success-status-removed] POST /v1/channels/{channelId}/connect: removed the non-success response with the status `404`"},
		{name: "changelog", working: "operation-added.yaml", task: "changelog", wantCode: 0,
			wantStdout: "## 1.1.0\n\nTEXT='…': what 1.1.0 is for, in a sentence or two.\n\n" +
				"### API changes since 1.0.0 (ROOT/openapi/released/1.0.0.yaml → ROOT/openapi/hubmessage.yaml, info.version 1.1.0)\n\n" +
				"- info [endpoint-added] PUT /v1/channels/{channelId}/disconnect: endpoint added\n"},
		{name: "release", working: "operation-added.yaml", task: "release", wantCode: 0,
			wantStdout: "released 1.1.0 as ROOT/openapi/released/1.1.0.yaml\n", wantSnapshot: "1.1.0.yaml"},
		{name: "release refused", working: "base.yaml", task: "release", wantCode: 1,
			wantStderr: "apispec: release: info.version 1.0.0 is already released as ROOT/openapi/released/1.0.0.yaml"},
		{name: "unknown task", working: "base.yaml", task: "publish", wantCode: 2, wantStderr: `apispec: unknown task "publish"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			root := repo(t, tc.working)
			var stdout, stderr strings.Builder
			code := run([]string{"-root", root, tc.task}, &stdout, &stderr)
			if code != tc.wantCode {
				t.Errorf("exit code %d, want %d\nstdout: %s\nstderr: %s", code, tc.wantCode, stdout.String(), stderr.String())
			}
			for _, w := range []struct{ name, got, want string }{
				{"stdout", stdout.String(), tc.wantStdout},
				{"stderr", stderr.String(), tc.wantStderr},
			} {
				if want := strings.ReplaceAll(w.want, "ROOT", root); !strings.Contains(w.got, want) {
					t.Errorf("%s:\n%s\nwant it to contain:\n%s", w.name, w.got, want)
				}
			}
			if tc.wantStderr == "" && stderr.Len() > 0 {
				t.Errorf("stderr: %s", stderr.String())
			}
			if tc.wantSnapshot != "" {
				if _, err := os.Stat(filepath.Join(root, "openapi", "released", tc.wantSnapshot)); err != nil {
					t.Error(err)
				}
			}
		})
	}
}

func TestRunUsage(t *testing.T) {
	t.Parallel()
	var stdout, stderr strings.Builder
	if code := run(nil, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), "usage: apispec [-root DIR] breaking|release\n"+
		"       apispec [-root DIR] changelog [-text TEXT] [-write FILE]") {
		t.Errorf("run() = %d, stderr %q", code, stderr.String())
	}
	for _, args := range [][]string{{"breaking", "-text", "x"}, {"changelog", "extra"}} {
		stderr.Reset()
		if code := run(args, &stdout, &stderr); code != 2 {
			t.Errorf("run(%q) = %d, want 2; stderr %q", args, code, stderr.String())
		}
	}
}

// The gate demands one version, the one that applies: the next major for a deliberate break
// (acknowledged or still to be), even beside an additive change; the next minor for an
// additive change alone.
func TestBreakingDemandsOneVersion(t *testing.T) {
	t.Parallel()
	const ack = "POST /v1/channels/{channelId}/connect removed the non-success response with the status `404`\n"
	demand := regexp.MustCompile(`\d+\.\d+\.\d+ or higher`)
	for _, tc := range []struct {
		name    string
		working string // a file in testdata, at 1.0.0 like the release
		acks    string
		want    string
	}{
		{name: "deliberate break, not acknowledged yet", working: "status-removed-operation-added.yaml", want: "2.0.0 or higher"},
		{name: "deliberate break, acknowledged", working: "status-removed-operation-added.yaml", acks: ack, want: "2.0.0 or higher"},
		{name: "compatible change", working: "operation-added-same-version.yaml", want: "1.1.0 or higher"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			root := repo(t, tc.working)
			if tc.acks != "" {
				write(t, filepath.Join(root, "openapi", "breaking-ignore.txt"), []byte(tc.acks))
			}
			var stdout, stderr strings.Builder
			if code := run([]string{"-root", root, "breaking"}, &stdout, &stderr); code != 1 {
				t.Fatalf("exit code %d, want 1\nstderr: %s", code, stderr.String())
			}
			if got := demand.FindAllString(stderr.String(), -1); len(got) != 1 || got[0] != tc.want {
				t.Errorf("version demands %q, want only %q:\n%s", got, tc.want, stderr.String())
			}
		})
	}
}

// changelogRun runs apispec changelog with args in root and returns its stdout; it fails the
// test unless the exit code is wantCode, and returns stderr in that case.
func changelogRun(t *testing.T, root string, wantCode int, args ...string) string {
	t.Helper()
	var stdout, stderr strings.Builder
	if code := run(append([]string{"-root", root, "changelog"}, args...), &stdout, &stderr); code != wantCode {
		t.Fatalf("changelog %q: exit code %d, want %d\nstdout: %s\nstderr: %s", args, code, wantCode, stdout.String(), stderr.String())
	}
	if wantCode != 0 {
		return stderr.String()
	}
	return stdout.String()
}

// make changelog prints a release's section as CHANGELOG.md lays it out: "## <version>", the
// text, "### API changes since <previous> (…)" and the changes.
func TestChangelogSection(t *testing.T) {
	t.Parallel()
	root := repo(t, "operation-added.yaml")
	got := changelogRun(t, root, 0, "-text", "A second operation: disconnect.")
	if heading, _, _ := strings.Cut(got, "\n"); !regexp.MustCompile(`^## \d+\.\d+\.\d+$`).MatchString(heading) {
		t.Errorf("heading %q does not match ^## <version>$:\n%s", heading, got)
	}
	want := strings.ReplaceAll("## 1.1.0\n\nA second operation: disconnect.\n\n"+
		"### API changes since 1.0.0 (ROOT/openapi/released/1.0.0.yaml → ROOT/openapi/hubmessage.yaml, info.version 1.1.0)\n\n"+
		"- info [endpoint-added] PUT /v1/channels/{channelId}/disconnect: endpoint added\n", "ROOT", root)
	if got != want {
		t.Errorf("changelog:\n%s\nwant:\n%s", got, want)
	}
}

// make changelog-write puts the section printed above into a copy of testdata/changelog.md:
// above the newest release, below Unreleased, every other byte kept; a second run refuses.
func TestChangelogWrite(t *testing.T) {
	t.Parallel()
	root := repo(t, "operation-added.yaml")
	orig, err := os.ReadFile(filepath.Join("testdata", "changelog.md"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "CHANGELOG.md")
	write(t, file, orig)
	const text = "A second operation: `PUT /v1/channels/{channelId}/disconnect`."
	section := changelogRun(t, root, 0, "-text", text)

	out := changelogRun(t, root, 0, "-text", text, "-write", file)
	if want := file + ": inserted \"## 1.1.0\" at line 17\n"; out != want {
		t.Errorf("stdout %q, want %q", out, want)
	}
	got, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	at := strings.Index(string(orig), "\n## 1.0.0\n") + 1
	if want := string(orig[:at]) + section + "\n" + string(orig[at:]); string(got) != want {
		t.Fatalf("CHANGELOG.md after the insert:\n%s\nwant:\n%s", got, want)
	}
	if u, s := strings.Index(string(got), "\n## Unreleased"), strings.Index(string(got), "\n## 1.1.0\n"); u < 0 || s < u {
		t.Errorf("the section is not below Unreleased:\n%s", got)
	}

	if errOut := changelogRun(t, root, 1, "-text", text, "-write", file); !strings.Contains(errOut, "apispec: changelog: "+file+":17 already has a section for 1.1.0; nothing written") {
		t.Errorf("second run: %s", errOut)
	}
	if errOut := changelogRun(t, root, 1, "-write", file); !strings.Contains(errOut, "apispec: changelog: the text is empty") {
		t.Errorf("without a text: %s", errOut)
	}
	if again, _ := os.ReadFile(file); string(again) != string(got) {
		t.Errorf("a refused run changed the file:\n%s", again)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("%s holds %d files, want only CHANGELOG.md: %v", dir, len(entries), entries)
	}
}
