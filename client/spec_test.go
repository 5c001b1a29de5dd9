package client_test

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hubmessage/hubmessage-go/client"
	"github.com/hubmessage/hubmessage-go/gen"
)

var apiLine = regexp.MustCompile(`^\s*// API: ([A-Z]+) (\S+)\s*$`)

// TestAPILinesMatchTheSpec holds every "// API: METHOD /path" line in client/ against the
// spec's operations, as gen.Operations lists them: each line names a real operation, and every
// operation has a line.
func TestAPILinesMatchTheSpec(t *testing.T) {
	t.Parallel()
	var want []string
	routes := map[string]bool{}
	for _, op := range gen.Operations {
		want = append(want, op.Method+" "+op.Path)
		routes[op.Method+" "+op.Path] = true
	}
	slices.Sort(want)

	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		for line := 1; sc.Scan(); line++ {
			text := sc.Text()
			if m := apiLine.FindStringSubmatch(text); m != nil {
				got = append(got, m[1]+" "+m[2])
				if !routes[m[1]+" "+m[2]] {
					t.Errorf("%s:%d: %q names no operation of the spec", name, line, text)
				}
			} else if strings.Contains(text, "// API:") {
				t.Errorf("%s:%d: malformed API line %q, want // API: METHOD /path", name, line, text)
			}
		}
		f.Close()
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
	}
	slices.Sort(got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("operations in the spec (-) vs API lines in client/ (+):\n%s", diff)
	}
}

// TestConnectRequestCoversTheSpec checks that ConnectRequest carries exactly the properties of
// connect's request body, with matching Go types, so the caller can set every one.
func TestConnectRequestCoversTheSpec(t *testing.T) {
	t.Parallel()
	goTypes := map[string]reflect.Kind{"string": reflect.String, "boolean": reflect.Bool}
	want := map[string]reflect.Kind{}
	for _, c := range gen.ConnectMetaChannelRules.Body.Properties {
		kind, ok := goTypes[c.Type]
		if !ok {
			t.Errorf("property %s has type %q, which ConnectRequest cannot carry yet", c.Name, c.Type)
		}
		want[c.Name] = kind
	}
	got := map[string]reflect.Kind{}
	rt := reflect.TypeFor[client.ConnectRequest]()
	for i := range rt.NumField() {
		name, _, _ := strings.Cut(rt.Field(i).Tag.Get("json"), ",")
		got[name] = rt.Field(i).Type.Kind()
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("spec properties (-) vs ConnectRequest json fields (+):\n%s", diff)
	}
}

// TestImportersDoNotCompileGenerators keeps kin-openapi, oasdiff, the oapi-codegen generator
// and the spec package out of every program that imports client.
func TestImportersDoNotCompileGenerators(t *testing.T) {
	t.Parallel()
	goCmd := filepath.Join(runtime.GOROOT(), "bin", "go")
	out, err := exec.Command(goCmd, "list", "-deps", "github.com/hubmessage/hubmessage-go/client").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if !slices.Contains(deps, "github.com/hubmessage/hubmessage-go/gen") {
		t.Fatalf("go list -deps output lacks gen; is it the right list?\n%s", out)
	}
	forbidden := []string{
		"github.com/getkin/kin-openapi",
		"github.com/oasdiff/",
		"github.com/tufin/oasdiff",
		"github.com/oapi-codegen/oapi-codegen/v2",
		"github.com/hubmessage/hubmessage-go/openapi",
		"github.com/google/go-cmp",
		"go.uber.org/goleak",
	}
	for _, dep := range deps {
		for _, f := range forbidden {
			if strings.HasPrefix(dep, f) {
				t.Errorf("client depends on %s", dep)
			}
		}
	}
}
