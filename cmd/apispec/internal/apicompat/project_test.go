package apicompat_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hubmessage/hubmessage-go/cmd/apispec/internal/apicompat"
	"github.com/hubmessage/hubmessage-go/openapi"
)

// TestReleasedContracts is the compatibility gate `make test` runs (and `make breaking`, through
// internal/cmd/apispec): openapi/hubmessage.yaml against every snapshot in openapi/released.
func TestReleasedContracts(t *testing.T) {
	t.Chdir(repoRoot) // so messages name files as the repository does: openapi/...
	project, err := apicompat.Load(apicompat.DefaultLayout("."))
	if err != nil {
		t.Fatal(err)
	}
	if len(project.Released) == 0 || project.Released[0].Version.String() != "1.0.0" {
		t.Fatalf("openapi/released must start with the first release, 1.0.0; it holds %d snapshots", len(project.Released))
	}
	var summary strings.Builder
	err = project.Breaking(&summary)
	t.Log("\n" + summary.String())
	if err != nil {
		t.Fatal(err)
	}
}

// The gate reads the file the embedded spec (package openapi) is built from.
func TestGateReadsTheEmbeddedSpec(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(apicompat.DefaultLayout(repoRoot).Spec)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(data, openapi.YAML()) {
		t.Fatal("openapi/hubmessage.yaml differs from openapi.YAML()")
	}
}

// Clients must never build oasdiff: only the apispec command and its internal packages may
// depend on it.
func TestOasdiffStaysInternal(t *testing.T) {
	t.Parallel()
	cmd := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Deps " "}}`, "./...")
	cmd.Dir = repoRoot
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	checked := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, deps, _ := strings.Cut(line, " ")
		if strings.Contains(pkg, "/cmd/apispec") {
			continue
		}
		checked++
		for _, dep := range strings.Fields(deps) {
			if strings.HasPrefix(dep, "github.com/oasdiff/") || strings.HasSuffix(dep, "/internal/apicompat") {
				t.Errorf("%s depends on %s", pkg, dep)
				break
			}
		}
	}
	if checked < 3 {
		t.Fatalf("only %d non-internal packages listed:\n%s", checked, out)
	}
}

// layout writes a repository layout in a temp dir: the fixture with the variants as the working
// spec, the repository's severity file, no acknowledgements and the given snapshots.
func layout(t *testing.T, working []variant, snapshots map[string][]byte) apicompat.Layout {
	t.Helper()
	root := t.TempDir()
	l := apicompat.DefaultLayout(root)
	write := func(file string, data []byte) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(l.Spec, specFile(t, working...))
	severity, err := os.ReadFile(apicompat.DefaultLayout(repoRoot).Severity)
	if err != nil {
		t.Fatal(err)
	}
	write(l.Severity, severity)
	write(l.Acknowledgements, []byte("# none\n"))
	if err := os.MkdirAll(l.Released, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, data := range snapshots {
		write(filepath.Join(l.Released, name), data)
	}
	return l
}

func releaseLayout(t *testing.T, l apicompat.Layout) (string, error) {
	t.Helper()
	p, err := apicompat.Load(l)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	err = p.Release(&out)
	return out.String(), err
}

func TestRelease(t *testing.T) {
	t.Parallel()
	v100 := specFile(t)
	for _, tc := range []struct {
		name      string
		spec      []variant
		snapshots map[string][]byte
		wantFile  string // created, a byte copy of the spec
		wantErr   string
	}{
		{name: "first release", wantFile: "1.0.0.yaml"},
		{name: "additive, minor bump", spec: []variant{addOptionalNote, version("1.1.0")},
			snapshots: map[string][]byte{"1.0.0.yaml": v100}, wantFile: "1.1.0.yaml"},
		{name: "version already released", spec: []variant{addOptionalNote},
			snapshots: map[string][]byte{"1.0.0.yaml": v100},
			wantErr:   "release: info.version 1.0.0 is already released as "},
		{name: "version lower than the latest",
			snapshots: map[string][]byte{"1.0.0.yaml": v100, "1.1.0.yaml": specFile(t, version("1.1.0"))},
			spec:      []variant{version("1.0.5")},
			wantErr:   "release: info.version 1.0.5 is lower than the latest release 1.1.0"},
		{name: "gate fails", spec: []variant{remove404, version("2.0.0")},
			snapshots: map[string][]byte{"1.0.0.yaml": v100},
			wantErr:   "release 2.0.0: API compatibility gate failed:\n\n1 breaking change(s) vs released 1.0.0"},
		{name: "additive without a minor bump", spec: []variant{addOptionalNote, version("1.0.1")},
			snapshots: map[string][]byte{"1.0.0.yaml": v100},
			wantErr:   "info.version 1.0.1 must become 1.1.0 or higher"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			l := layout(t, tc.spec, tc.snapshots)
			before, _ := os.ReadDir(l.Released)
			out, err := releaseLayout(t, l)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Release() = %q, %v; want error containing %q", out, err, tc.wantErr)
				}
				if after, _ := os.ReadDir(l.Released); len(after) != len(before) {
					t.Fatalf("a refused release changed %s: %d files, was %d", l.Released, len(after), len(before))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			file := filepath.Join(l.Released, tc.wantFile)
			if want := "released " + strings.TrimSuffix(tc.wantFile, ".yaml") + " as " + file + "\n"; out != want {
				t.Fatalf("Release() wrote %q, want %q", out, want)
			}
			got, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			spec, _ := os.ReadFile(l.Spec)
			if !bytes.Equal(got, spec) {
				t.Fatal("the snapshot is not a byte copy of the spec")
			}
			if _, err := releaseLayout(t, l); err == nil || !strings.Contains(err.Error(), "is already released as "+file) {
				t.Fatalf("releasing twice: %v, want a refusal", err)
			}
		})
	}
}

func TestReleaseNeverOverwrites(t *testing.T) {
	t.Parallel()
	l := layout(t, []variant{addOptionalNote, version("1.1.0")}, map[string][]byte{"1.0.0.yaml": specFile(t)})
	// Something already sits where the snapshot would go, and is not a snapshot LoadReleases reads.
	if err := os.Mkdir(filepath.Join(l.Released, "1.1.0.yaml"), 0o755); err != nil {
		t.Fatal(err)
	}
	_, err := releaseLayout(t, l)
	if err == nil || !strings.Contains(err.Error(), "1.1.0.yaml already exists; a released contract is never overwritten") {
		t.Fatalf("Release() error = %v", err)
	}
}

func TestLoadNamesTheBadFile(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		snapshots map[string][]byte
		edit      func(l apicompat.Layout)
		wantErr   string // the file name is prefixed to it
	}{
		{name: "malformed snapshot", snapshots: map[string][]byte{"1.0.0.yaml": []byte("openapi: 3.0.3\ninfo: [\n")},
			wantErr: "released/1.0.0.yaml: parse: "},
		{name: "invalid snapshot", snapshots: map[string][]byte{"1.0.0.yaml": []byte("openapi: 3.0.3\ninfo:\n  title: x\n  version: 1.0.0\n")},
			wantErr: "released/1.0.0.yaml: invalid: "},
		{name: "snapshot named wrong", snapshots: map[string][]byte{"1.0.yaml": specFile(t)},
			wantErr: `released/1.0.yaml: a snapshot is named <MAJOR.MINOR.PATCH>.yaml: version "1.0"`},
		{name: "snapshot of another version", snapshots: map[string][]byte{"1.1.0.yaml": specFile(t)},
			wantErr: "released/1.1.0.yaml: info.version is 1.0.0, but the file name says 1.1.0"},
		{name: "spec version not semver", edit: func(l apicompat.Layout) {
			os.WriteFile(l.Spec, specFile(t, version("v2")), 0o644)
		}, wantErr: `openapi/hubmessage.yaml: info.version: version "v2"`},
		{name: "bad acknowledgement", edit: func(l apicompat.Layout) {
			os.WriteFile(l.Acknowledgements, []byte("# ok\nremoved the 404\n"), 0o644)
		}, wantErr: "openapi/breaking-ignore.txt:2: names neither an operation"},
		{name: "bad severity", edit: func(l apicompat.Layout) {
			os.WriteFile(l.Severity, []byte("response-non-success-status-removed fatal\n"), 0o644)
		}, wantErr: `openapi/breaking-severity.txt:1: level "fatal"`},
		{name: "missing severity file", edit: func(l apicompat.Layout) { os.Remove(l.Severity) },
			wantErr: "openapi/breaking-severity.txt: no such file"},
		{name: "missing acknowledgements file", edit: func(l apicompat.Layout) { os.Remove(l.Acknowledgements) },
			wantErr: "openapi/breaking-ignore.txt: no such file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			l := layout(t, nil, tc.snapshots)
			if tc.edit != nil {
				tc.edit(l)
			}
			_, err := apicompat.Load(l)
			if err == nil || !strings.Contains(err.Error(), filepath.Dir(l.Spec)) || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("Load() error = %v, want one naming the file: %q", err, tc.wantErr)
			}
		})
	}
}

func TestLoadReleasesSortsAndSkipsOtherFiles(t *testing.T) {
	t.Parallel()
	l := layout(t, nil, map[string][]byte{
		"1.10.0.yaml": specFile(t, version("1.10.0")),
		"1.0.0.yaml":  specFile(t),
		"1.2.0.yaml":  specFile(t, version("1.2.0")),
		"README.md":   []byte("not a snapshot"),
	})
	specs, err := apicompat.LoadReleases(l.Released)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range specs {
		got = append(got, s.Version.String())
	}
	if strings.Join(got, " ") != "1.0.0 1.2.0 1.10.0" {
		t.Fatalf("releases = %v, want oldest first by version", got)
	}
}
