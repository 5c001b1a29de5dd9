package apicompat

import (
	"errors"
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
	data    []byte // the file's bytes, which a release copies
}

// ParseSpec parses and validates an OpenAPI document read from file, and its info.version.
func ParseSpec(file string, data []byte) (*Spec, error) {
	doc, err := openapi.Parse(file, data)
	if err != nil {
		return nil, err
	}
	v, err := ParseVersion(doc.Info.Version)
	if err != nil {
		return nil, fmt.Errorf("%s: info.version: %w", file, err)
	}
	return &Spec{File: file, Version: v, Doc: doc, data: data}, nil
}

// LoadReleases reads the snapshots in dir, <info.version>.yaml, oldest first.
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
		spec, err := parseFile(file, ParseSpec)
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

// ParseSeverity parses oasdiff's --severity-levels format, with blank lines and '#' comments.
func ParseSeverity(file string, data []byte) (map[string]checker.Level, error) {
	known, levels, seen := checker.GetAllRuleIds(), map[string]checker.Level{}, map[string]int{}
	err := eachLine(file, data, func(n int, line string) error {
		line, _, _ = strings.Cut(line, "#")
		fields := strings.Fields(line)
		switch {
		case len(fields) == 0:
			return nil
		case len(fields) != 2:
			return fmt.Errorf("want \"<check-id> <err|warn|info|none>\", got %q", strings.TrimSpace(line))
		case !slices.Contains(known, fields[0]):
			return fmt.Errorf("%q is not an oasdiff check id", fields[0])
		case seen[fields[0]] != 0:
			return fmt.Errorf("%s is already set on line %d", fields[0], seen[fields[0]])
		}
		level, err := checker.NewLevel(fields[1])
		if err != nil || level == checker.INVALID {
			return fmt.Errorf("level %q: want err, warn, info or none", fields[1])
		}
		seen[fields[0]], levels[fields[0]] = n, level
		return nil
	})
	if err != nil {
		return nil, err
	}
	return levels, nil
}

// Acknowledgement is a line of openapi/breaking-ignore.txt, oasdiff's --err-ignore format.
type Acknowledgement struct {
	File string
	Line int
	Text string // the line as written, trimmed

	lower string // lower-cased, as oasdiff matches
	path  string // the first field starting with "/", lower-cased; "" for components etc.
}

var (
	httpMethods        = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}
	nonOperationScopes = []string{"components", "security", "info"} // what oasdiff wants named outside operations
)

// ParseAcknowledgements parses the acknowledgements file, with blank lines and '#' comments.
func ParseAcknowledgements(file string, data []byte) ([]Acknowledgement, error) {
	var acks []Acknowledgement
	seen := make(map[string]int)
	err := eachLine(file, data, func(n int, line string) error {
		text := strings.TrimSpace(line)
		if text == "" || strings.HasPrefix(text, "#") {
			return nil
		}
		a := Acknowledgement{File: file, Line: n, Text: text, lower: strings.ToLower(text)}
		fields := strings.Fields(a.lower)
		if i := slices.IndexFunc(fields, func(f string) bool { return strings.HasPrefix(f, "/") }); i >= 0 {
			if a.path = fields[i]; i == 0 || !slices.Contains(httpMethods, fields[i-1]) {
				return fmt.Errorf("the path %s must follow its HTTP method, as in \"POST /v1/...\"", a.path)
			}
		} else if !slices.ContainsFunc(fields, func(f string) bool { return slices.Contains(nonOperationScopes, f) }) {
			return fmt.Errorf("names neither an operation (\"POST /v1/...\") nor components: %q", text)
		}
		if prev := seen[a.lower]; prev != 0 {
			return fmt.Errorf("repeats line %d", prev)
		}
		seen[a.lower] = n
		acks = append(acks, a)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return acks, nil
}

// String returns "file:line: text".
func (a Acknowledgement) String() string { return fmt.Sprintf("%s:%d: %s", a.File, a.Line, a.Text) }

// parseFile reads file and parses it with parse.
func parseFile[T any](file string, parse func(file string, data []byte) (T, error)) (T, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return *new(T), err
	}
	return parse(file, data)
}

// eachLine calls parse with each line of data, numbered from 1, and prefixes errors with file:line.
func eachLine(file string, data []byte, parse func(n int, line string) error) error {
	n := 0
	for line := range strings.Lines(string(data)) {
		n++
		line = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
		err := errors.New("not UTF-8")
		if utf8.ValidString(line) {
			err = parse(n, line)
		}
		if err != nil {
			return fmt.Errorf("%s:%d: %w", file, n, err)
		}
	}
	return nil
}
