package apicompat_test

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hubmessage/hubmessage-go/cmd/apispec/internal/apicompat"
)

func TestChangelog(t *testing.T) {
	t.Parallel()
	released := []*apicompat.Spec{spec(t, "1.0.0.yaml")}
	var out strings.Builder
	p := &apicompat.Project{Released: released, Working: spec(t, "hubmessage.yaml", remove404, add409, version("2.0.0")),
		Policy: repoPolicy(t, "# 2.0.0\n"+ack404)}
	if err := p.Changelog(&out, "  The 404 is gone.\n"); err != nil {
		t.Fatal(err)
	}
	want := "## 2.0.0\n\nThe 404 is gone.\n\n" +
		"### API changes since 1.0.0 (1.0.0.yaml → hubmessage.yaml, info.version 2.0.0)\n\n" +
		"- error [response-non-success-status-removed] POST /v1/channels/{channelId}/connect: removed the non-success response with the status `404` (acknowledged: breaking-ignore.txt:2)\n" +
		"- info [response-non-success-status-added] POST /v1/channels/{channelId}/connect: added the non-success response with the status `409`\n"
	if out.String() != want {
		t.Errorf("changelog:\n%s\nwant:\n%s", out.String(), want)
	}

	out.Reset()
	p = &apicompat.Project{Released: released, Working: spec(t, "hubmessage.yaml", rewordResult, version("1.0.1")), Policy: repoPolicy(t, "")}
	if err := p.Changelog(&out, ""); err != nil {
		t.Fatal(err)
	}
	if want := "## 1.0.1\n\nTEXT='…': what 1.0.1 is for, in a sentence or two.\n\n"; !strings.HasPrefix(out.String(), want) || !strings.HasSuffix(out.String(), "\n\nNo API changes.\n") {
		t.Errorf("changelog of a spec without API changes, without a text:\n%s", out.String())
	}
	if err := p.Changelog(io.Discard, "Text.\n## 3.0.0"); err == nil || !strings.Contains(err.Error(), `the text holds a heading, "## 3.0.0"`) {
		t.Errorf("a text with a heading: %v", err)
	}
}

// The section compares info.version with the release before it, whether or not it is cut yet.
func TestChangelogComparesWithThePreviousRelease(t *testing.T) {
	t.Parallel()
	v100, v110 := spec(t, "1.0.0.yaml"), spec(t, "1.1.0.yaml", addOptionalNote, version("1.1.0"))
	for _, tc := range []struct {
		name     string
		released []*apicompat.Spec
		working  []variant
		want     string // the section's "### API changes since" line, or the error
	}{
		{name: "not released yet", released: []*apicompat.Spec{v100}, working: []variant{addOptionalNote, version("1.1.0")},
			want: "### API changes since 1.0.0 (1.0.0.yaml → hubmessage.yaml, info.version 1.1.0)"},
		{name: "released, unchanged since", released: []*apicompat.Spec{v100, v110}, working: []variant{addOptionalNote, version("1.1.0")},
			want: "### API changes since 1.0.0 (1.0.0.yaml → hubmessage.yaml, info.version 1.1.0)"},
		{name: "released, changed since", released: []*apicompat.Spec{v100, v110}, working: []variant{addOptionalNote, add409, version("1.1.0")},
			want: "changelog: info.version 1.1.0 is already released (1.1.0.yaml), and hubmessage.yaml has 1 API change(s) since: bump info.version first"},
		{name: "below the latest release", released: []*apicompat.Spec{v100, v110},
			want: "changelog: info.version 1.0.0 is lower than the latest release 1.1.0 (1.1.0.yaml)"},
		{name: "the first release", released: []*apicompat.Spec{v100},
			want: "changelog: 1.0.0 is the first release (1.0.0.yaml): no earlier one to compare with"},
		{name: "no release", want: "changelog: no released contract to compare with"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := &apicompat.Project{Released: tc.released, Working: spec(t, "hubmessage.yaml", tc.working...), Policy: repoPolicy(t, "")}
			var out strings.Builder
			var got string
			if err := p.Changelog(&out, "Text."); err != nil {
				got = err.Error()
			} else {
				got = out.String()
			}
			if !strings.Contains(got, tc.want) {
				t.Errorf("changelog:\n%s\nwant it to contain:\n%s", got, tc.want)
			}
		})
	}
}

// WriteChangelog inserts the section above the newest release: every other byte stays, and a
// refusal leaves the file as it was.
func TestWriteChangelog(t *testing.T) {
	t.Parallel()
	const section = "## 1.1.0\n\nText.\n\n### API changes since 1.0.0"
	for _, tc := range []struct {
		name   string
		before string
		want   string // the file after; "" for a refusal
		err    string // the refusal, after "changelog: "; FILE stands for the file
	}{
		{name: "above the newest release, below Unreleased",
			before: "# Changelog\n\n## Unreleased\n\n- x\n\n## 1.0.0\n\nFirst.\n",
			want:   "# Changelog\n\n## Unreleased\n\n- x\n\n" + section + "…\n\n## 1.0.0\n\nFirst.\n"},
		{name: "no blank line above the newest release",
			before: "# Changelog\n## 1.0.0\n",
			want:   "# Changelog\n\n" + section + "…\n\n## 1.0.0\n"},
		{name: "no release yet: at the end",
			before: "# Changelog\n\n## Unreleased\n\n- x",
			want:   "# Changelog\n\n## Unreleased\n\n- x\n\n" + section + "…\n"},
		{name: "a fenced heading is not a section",
			before: "# Changelog\n\n```\n## 1.1.0\n## 0.1.0\n```\n\n## 1.0.0\n",
			want:   "# Changelog\n\n```\n## 1.1.0\n## 0.1.0\n```\n\n" + section + "…\n\n## 1.0.0\n"},
		{name: "the version has a section", before: "# Changelog\n\n## 1.1.0\n\nDone.\n\n## 1.0.0\n",
			err: "FILE:3 already has a section for 1.1.0; nothing written"},
		{name: "the version has a section below the newest", before: "# Changelog\n\n## 1.2.0\n\n## 1.1.0 (2024-05-01)\n",
			err: "FILE:5 already has a section for 1.1.0; nothing written"},
		{name: "below the newest section", before: "# Changelog\n\n## 1.2.0\n\n## 1.0.0\n",
			err: "info.version 1.1.0 is lower than the newest section, 1.2.0 (FILE:3); the file lists the newest first"},
		{name: "Unreleased below a release", before: "# Changelog\n\n## 1.0.0\n\n## Unreleased\n",
			err: `FILE:5: "## Unreleased" is below the release at line 3; move it above the releases`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			file := filepath.Join(dir, "CHANGELOG.md")
			if err := os.WriteFile(file, []byte(tc.before), 0o640); err != nil {
				t.Fatal(err)
			}
			p := &apicompat.Project{Released: []*apicompat.Spec{spec(t, "1.0.0.yaml")},
				Working: spec(t, "hubmessage.yaml", addOptionalNote, version("1.1.0")), Policy: repoPolicy(t, "")}
			var out strings.Builder
			err := p.WriteChangelog(&out, file, "Text.")
			got, _ := os.ReadFile(file)
			if tc.err != "" {
				if want := "changelog: " + strings.ReplaceAll(tc.err, "FILE", file); err == nil || !strings.Contains(err.Error(), want) {
					t.Errorf("WriteChangelog() = %v, want a refusal containing %q", err, want)
				}
				if string(got) != tc.before {
					t.Errorf("a refusal changed the file:\n%s", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			prefix, suffix, _ := strings.Cut(tc.want, "…")
			if !strings.HasPrefix(string(got), prefix) || !strings.HasSuffix(string(got), suffix) || len(got) <= len(tc.want) {
				t.Errorf("CHANGELOG.md:\n%s\nwant:\n%s", got, tc.want)
			}
			if info, err := os.Stat(file); err != nil || info.Mode().Perm() != 0o640 {
				t.Errorf("the file's permissions: %v, %v; want 0640 kept", info.Mode(), err)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 1 {
				t.Errorf("%s holds %d files, want only CHANGELOG.md", dir, len(entries))
			}
		})
	}
}
