package client_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// readmeBaseURLOption is the one thing Example adds to the README's snippet: it points the
// Client at the reference server instead of DefaultBaseURL.
const readmeBaseURLOption = ", client.WithBaseURL(srv.URL)"

// TestReadmeSnippetIsExample holds the README's "Connect a channel in five lines" snippet to
// the lines Example runs, so the code new users copy is the code go test compiles and runs.
func TestReadmeSnippetIsExample(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	snippet, err := readmeSnippet(string(readme), "## Connect a channel in five lines")
	if err != nil {
		t.Fatalf("README.md: %v", err)
	}
	source, err := os.ReadFile("example_reference_test.go")
	if err != nil {
		t.Fatal(err)
	}
	example, err := exampleSnippet(string(source), "// README snippet begins.", "// README snippet ends.")
	if err != nil {
		t.Fatalf("example_reference_test.go: %v", err)
	}
	joined := strings.Join(example, "\n")
	if n := strings.Count(joined, readmeBaseURLOption); n != 1 {
		t.Fatalf("Example's snippet has %q %d times, want once (it must run against the reference server)", readmeBaseURLOption, n)
	}
	example = strings.Split(strings.Replace(joined, readmeBaseURLOption, "", 1), "\n")
	if diff := cmp.Diff(snippet, example); diff != "" {
		t.Errorf("README.md's snippet and Example's differ (-README +Example):\n%s", diff)
	}
}

// readmeSnippet returns the lines of the first ```go block after the heading.
func readmeSnippet(markdown, heading string) ([]string, error) {
	_, after, ok := strings.Cut(markdown, "\n"+heading+"\n")
	if !ok {
		return nil, fmt.Errorf("no heading %q", heading)
	}
	_, after, ok = strings.Cut(after, "\n```go\n")
	if !ok {
		return nil, fmt.Errorf("no ```go block after %q", heading)
	}
	block, _, ok := strings.Cut(after, "\n```\n")
	if !ok {
		return nil, fmt.Errorf("the ```go block after %q does not end", heading)
	}
	return strings.Split(block, "\n"), nil
}

// exampleSnippet returns the lines between the markers, without the markers' indentation.
func exampleSnippet(source, begin, end string) ([]string, error) {
	lines := strings.Split(source, "\n")
	var out []string
	indent, inside := "", false
	for _, line := range lines {
		trimmed := strings.TrimSpace(line)
		switch {
		case trimmed == begin:
			indent, inside = line[:len(line)-len(strings.TrimLeft(line, "\t"))], true
		case trimmed == end && inside:
			return out, nil
		case inside:
			if line != "" && !strings.HasPrefix(line, indent) {
				return nil, fmt.Errorf("line %q is indented less than %q", line, begin)
			}
			out = append(out, strings.TrimPrefix(line, indent))
		}
	}
	return nil, fmt.Errorf("no lines between %q and %q", begin, end)
}
