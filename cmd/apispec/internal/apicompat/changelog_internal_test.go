package apicompat

import (
	"strings"
	"testing"
)

// insertSection keeps every byte of the file, however it is written: the result is the file
// with the section inserted at the line it reports (and at most a few newlines around it), or
// an error and nothing.
func FuzzInsertSection(f *testing.F) {
	f.Add("# Changelog\n\nintro\n\n## Unreleased: Go packages\n\n- x\n\n## 1.0.0\n\ntext\n", "1.1.0")
	f.Add("", "1.0.0")
	f.Add("## 1.0.0\n```\n## 2.0.0\n```\n", "1.1.0")
	f.Add("no newline at the end", "0.1.0")
	f.Add("## 2.0.0\r\n\r\n## 1.0.0\r\n", "3.0.0")
	f.Add("## 1.0.0\n## Unreleased\n", "1.1.0")
	f.Fuzz(func(t *testing.T, file, version string) {
		v, err := ParseVersion(version)
		if err != nil {
			return
		}
		section := "## " + v.String() + "\n\nWhat it is for.\n"
		out, line, err := insertSection("CHANGELOG.md", []byte(file), v, section)
		if err != nil {
			if out != nil {
				t.Fatalf("an error (%v) and output", err)
			}
			return
		}
		o := string(out)
		lines := strings.SplitAfter(o, "\n")
		if line < 1 || line > len(lines) || lines[line-1] != "## "+v.String()+"\n" {
			t.Fatalf("the section does not start at the line reported, %d:\n%q", line, o)
		}
		start := len(strings.Join(lines[:line-1], ""))
		rest := o[:start] + o[start+len(section):]
		if strings.ReplaceAll(rest, "\n", "") != strings.ReplaceAll(file, "\n", "") {
			t.Fatalf("the file's own bytes changed:\nbefore %q\nafter  %q", file, o)
		}
	})
}
