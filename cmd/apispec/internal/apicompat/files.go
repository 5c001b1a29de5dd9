package apicompat

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/oasdiff/oasdiff/checker"

	"github.com/hubmessage/hubmessage-go/openapi"
)

// Spec is one version of the API description: a released snapshot or the working spec.
type Spec struct {
	File    string // where it was read from, as used in messages
	Version Version
	Doc     *openapi3.T
}

// ParseSpec parses and validates an OpenAPI document read from file and its info.version.
// Every error names file.
func ParseSpec(file string, data []byte) (*Spec, error) {
	doc, err := openapi.Parse(file, data)
	if err != nil {
		return nil, err
	}
	v, err := ParseVersion(doc.Info.Version)
	if err != nil {
		return nil, fmt.Errorf("%s: info.version: %w", file, err)
	}
	return &Spec{File: file, Version: v, Doc: doc}, nil
}

// LoadReleases reads every released snapshot in dir, named <MAJOR.MINOR.PATCH>.yaml, and
// returns them oldest first. A snapshot whose name or info.version is not its version, or that
// is not a valid spec, is an error naming the file. Files not ending in .yaml are ignored.
func LoadReleases(dir string) ([]*Spec, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("released contracts: %w", err)
	}
	var specs []*Spec
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".yaml")
		if !ok || e.IsDir() {
			continue
		}
		file := filepath.Join(dir, e.Name())
		v, err := ParseVersion(name)
		if err != nil {
			return nil, fmt.Errorf("%s: a snapshot is named <MAJOR.MINOR.PATCH>.yaml: %w", file, err)
		}
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, err
		}
		spec, err := ParseSpec(file, data)
		if err != nil {
			return nil, err
		}
		if spec.Version != v {
			return nil, fmt.Errorf("%s: info.version is %s, but the file name says %s", file, spec.Version, v)
		}
		specs = append(specs, spec)
	}
	slices.SortFunc(specs, func(a, b *Spec) int { return a.Version.Compare(b.Version) })
	return specs, nil
}

// ParseSeverity parses a severity-levels file: oasdiff's --severity-levels format, one
// "<check-id> <err|warn|info|none>" per line, plus blank lines and '#' comments. Unknown check
// ids, unknown levels and repeated ids are errors naming file and line.
func ParseSeverity(file string, data []byte) (map[string]checker.Level, error) {
	known := make(map[string]bool)
	for _, id := range checker.GetAllRuleIds() {
		known[id] = true
	}
	levels := make(map[string]checker.Level)
	seen := make(map[string]int)
	for n, line := range lines(data) {
		if !utf8.ValidString(line) {
			return nil, fmt.Errorf("%s:%d: not UTF-8", file, n)
		}
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		fields := strings.Fields(line)
		switch {
		case len(fields) == 0:
			continue
		case len(fields) != 2:
			return nil, fmt.Errorf("%s:%d: want \"<check-id> <err|warn|info|none>\", got %q", file, n, strings.TrimSpace(line))
		case !known[fields[0]]:
			return nil, fmt.Errorf("%s:%d: %q is not an oasdiff check id", file, n, fields[0])
		case seen[fields[0]] != 0:
			return nil, fmt.Errorf("%s:%d: %s is already set on line %d", file, n, fields[0], seen[fields[0]])
		}
		level, err := checker.NewLevel(fields[1])
		if err != nil || level == checker.INVALID {
			return nil, fmt.Errorf("%s:%d: level %q: want err, warn, info or none", file, n, fields[1])
		}
		seen[fields[0]] = n
		levels[fields[0]] = level
	}
	return levels, nil
}

// Acknowledgement is one line of the acknowledgements file (openapi/breaking-ignore.txt): a
// deliberate breaking change, written as oasdiff's --err-ignore format wants it, "METHOD /path
// <change text>" or "components <change text>", matched the way oasdiff matches it
// (case-insensitively, extra words allowed).
type Acknowledgement struct {
	File string
	Line int
	Text string // the line as written, trimmed

	lower string // lower-cased, as oasdiff matches
	path  string // the first field starting with "/", lower-cased; "" for components etc.
}

// httpMethods are the operation keywords an endpoint acknowledgement must name.
var httpMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// nonOperationScopes are the words oasdiff requires in lines for changes outside operations.
var nonOperationScopes = []string{"components", "security", "info"}

// ParseAcknowledgements parses the acknowledgements file. Blank lines and lines starting with
// '#' are skipped; every other line must name an operation ("POST /v1/...") or a non-operation
// scope ("components") and is an error naming file and line otherwise, as is a repeated line.
func ParseAcknowledgements(file string, data []byte) ([]Acknowledgement, error) {
	var acks []Acknowledgement
	seen := make(map[string]int)
	for n, line := range lines(data) {
		if !utf8.ValidString(line) {
			return nil, fmt.Errorf("%s:%d: not UTF-8", file, n)
		}
		text := strings.TrimSpace(line)
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		ack := Acknowledgement{File: file, Line: n, Text: text, lower: strings.ToLower(text)}
		fields := strings.Fields(ack.lower)
		for i, f := range fields {
			if strings.HasPrefix(f, "/") {
				ack.path = f
				if i == 0 || !slices.Contains(httpMethods, fields[i-1]) {
					return nil, fmt.Errorf("%s:%d: the path %s must follow its HTTP method, as in \"POST /v1/...\"", file, n, f)
				}
				break
			}
		}
		if ack.path == "" && !slices.ContainsFunc(fields, func(f string) bool { return slices.Contains(nonOperationScopes, f) }) {
			return nil, fmt.Errorf("%s:%d: names neither an operation (\"POST /v1/...\") nor components: %q", file, n, text)
		}
		if prev := seen[ack.lower]; prev != 0 {
			return nil, fmt.Errorf("%s:%d: repeats line %d", file, n, prev)
		}
		seen[ack.lower] = n
		acks = append(acks, ack)
	}
	return acks, nil
}

// matches reports whether ack acknowledges the change, with oasdiff's own matching rule.
func (a Acknowledgement) matches(c checker.Change) bool {
	return c.MatchIgnore(a.path, a.lower, localizer)
}

// String returns "file:line: text".
func (a Acknowledgement) String() string { return fmt.Sprintf("%s:%d: %s", a.File, a.Line, a.Text) }

// lines yields data's lines numbered from 1, without their line endings.
func lines(data []byte) func(yield func(int, string) bool) {
	return func(yield func(int, string) bool) {
		for n := 1; len(data) > 0; n++ {
			line, rest, _ := bytes.Cut(data, []byte("\n"))
			data = rest
			if !yield(n, string(bytes.TrimSuffix(line, []byte("\r")))) {
				return
			}
		}
	}
}
