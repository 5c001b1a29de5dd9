package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hubmessage/hubmessage-go/openapi"
)

// repo writes a module root in a temp dir: the spec (with replacements old→new applied), the
// repository's policy files and the 1.0.0 snapshot.
func repo(t *testing.T, replacements ...string) string {
	t.Helper()
	root := t.TempDir()
	spec := string(openapi.YAML())
	for i := 0; i+1 < len(replacements); i += 2 {
		if !strings.Contains(spec, replacements[i]) {
			t.Fatalf("%q is not in the spec", replacements[i])
		}
		spec = strings.Replace(spec, replacements[i], replacements[i+1], 1)
	}
	severity, err := os.ReadFile("../../../openapi/breaking-severity.txt")
	if err != nil {
		t.Fatal(err)
	}
	for file, data := range map[string][]byte{
		"openapi/hubmessage.yaml":       []byte(spec),
		"openapi/breaking-severity.txt": severity,
		"openapi/breaking-ignore.txt":   []byte("# none\n"),
		"openapi/released/1.0.0.yaml":   openapi.YAML(),
	} {
		file = filepath.Join(root, file)
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

const (
	noteAdded = "        coexistence:\n          type: boolean\n"
	withNote  = "        note:\n          type: string\n          description: A note.\n" + noteAdded
	has404    = "        '404':\n          $ref: '#/components/responses/NotFound'\n"
)

func TestRun(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name         string
		edits        []string
		task         string
		wantCode     int
		wantStdout   string
		wantStderr   string
		wantSnapshot string
	}{
		{name: "breaking, unchanged", task: "breaking", wantCode: 0,
			wantStdout: "vs released 1.0.0 (ROOT/openapi/released/1.0.0.yaml): 0 change(s)"},
		{name: "breaking, 404 removed", task: "breaking", edits: []string{has404, ""}, wantCode: 1,
			wantStdout: "1 change(s): 1 error (0 acknowledged), 0 warning, 0 info\n",
			wantStderr: "apispec: API compatibility gate failed:\n\n1 breaking change(s) vs released 1.0.0 (ROOT/openapi/released/1.0.0.yaml):\n" +
				"  error [response-non-success-status-removed] POST /v1/channels/{channelId}/connect: removed the non-success response with the status `404`"},
		{name: "changelog", task: "changelog", edits: []string{noteAdded, withNote}, wantCode: 0,
			wantStdout: "\n\n- info [new-optional-request-property] POST /v1/channels/{channelId}/connect: added the new optional request property `note`\n"},
		{name: "release", task: "release", edits: []string{noteAdded, withNote, "version: 1.0.0", "version: 1.1.0"}, wantCode: 0,
			wantStdout: "released 1.1.0 as ROOT/openapi/released/1.1.0.yaml\n", wantSnapshot: "1.1.0.yaml"},
		{name: "release refused", task: "release", edits: []string{noteAdded, withNote}, wantCode: 1,
			wantStderr: "apispec: release: info.version 1.0.0 is already released as ROOT/openapi/released/1.0.0.yaml"},
		{name: "unknown task", task: "publish", wantCode: 2, wantStderr: `apispec: unknown task "publish"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			root := repo(t, tc.edits...)
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
	if code := run(nil, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), "usage: apispec [-root DIR] breaking|changelog|release") {
		t.Errorf("run() = %d, stderr %q", code, stderr.String())
	}
}
