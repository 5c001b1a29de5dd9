package client_test

import (
	"bufio"
	"go/ast"
	"go/parser"
	"go/token"
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
	"github.com/hubmessage/hubmessage-go/openapi"
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

// TestRequestTypesCoverTheSpec checks that each hand-written request type carries exactly the
// properties of its operation's request body, with matching Go kinds, so the caller can set
// every one.
func TestRequestTypesCoverTheSpec(t *testing.T) {
	t.Parallel()
	goKinds := map[string]reflect.Kind{"string": reflect.String, "boolean": reflect.Bool}
	for _, tc := range []struct {
		rules *gen.OperationRules
		typ   reflect.Type
	}{
		{&gen.ConnectMetaChannelRules, reflect.TypeFor[client.ConnectRequest]()},
		{&gen.PartnerCreateChannelRules, reflect.TypeFor[client.CreateChannelRequest]()},
	} {
		want := map[string]reflect.Kind{}
		for _, c := range tc.rules.Body.Properties {
			kind, ok := goKinds[c.Type]
			if !ok {
				t.Errorf("%s: property %s has type %q, which %s cannot carry yet", tc.rules.OperationID, c.Name, c.Type, tc.typ)
			}
			want[c.Name] = kind
		}
		got := map[string]reflect.Kind{}
		for i := range tc.typ.NumField() {
			name, _, _ := strings.Cut(tc.typ.Field(i).Tag.Get("json"), ",")
			got[name] = tc.typ.Field(i).Type.Kind()
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s body properties (-) vs %s json fields (+):\n%s", tc.rules.OperationID, tc.typ, diff)
		}
	}
	// DeleteOptions.Reason carries delete's only body property.
	var names []string
	for _, c := range gen.PartnerDeleteChannelRules.Body.Properties {
		names = append(names, c.Name)
	}
	if diff := cmp.Diff([]string{"cancelReason"}, names); diff != "" {
		t.Errorf("delete's body properties (-DeleteOptions carries +spec):\n%s", diff)
	}
}

// TestChannelTypesAreTheSpecEnum: the ChannelType constants are exactly the values the spec
// allows for create's type.
func TestChannelTypesAreTheSpecEnum(t *testing.T) {
	t.Parallel()
	var enum []string
	for _, c := range gen.PartnerCreateChannelRules.Body.Properties {
		if c.Name == "type" {
			enum = slices.Sorted(slices.Values(c.Enum))
		}
	}
	var got []string
	for _, typ := range []client.ChannelType{client.ChannelTypeMetaWhatsApp, client.ChannelTypeMetaInstagram, client.ChannelTypeMetaMessenger, client.ChannelTypeBotTelegram} {
		got = append(got, string(typ))
	}
	slices.Sort(got)
	if len(enum) == 0 || !cmp.Equal(enum, got) {
		t.Errorf("spec's channel types %v, client's constants %v", enum, got)
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

// Version follows the spec: module vX.Y.Z speaks API X.Y.0 (README, "Versions"), so a spec
// release that does not bump Version fails here.
func TestVersionSpeaksTheSpecsAPIVersion(t *testing.T) {
	t.Parallel()
	doc, err := openapi.Spec()
	if err != nil {
		t.Fatal(err)
	}
	majorMinor := func(v string) string {
		parts := strings.SplitN(v, ".", 3)
		if len(parts) != 3 {
			t.Fatalf("version %q is not X.Y.Z", v)
		}
		return parts[0] + "." + parts[1]
	}
	if got, want := majorMinor(client.Version), majorMinor(doc.Info.Version); got != want {
		t.Errorf("client.Version %s speaks API %s.0, but the spec's info.version is %s: set Version to %s.0",
			client.Version, got, doc.Info.Version, want)
	}
}

// go doc ChannelType lists its values: as an alias of gen's type, the constants are not
// grouped under it, so its comment must name each one the spec's enum has.
func TestChannelTypeDocListsTheValues(t *testing.T) {
	t.Parallel()
	doc, err := openapi.Spec()
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "create.go", nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	var comment string
	ast.Inspect(f, func(n ast.Node) bool {
		if gd, ok := n.(*ast.GenDecl); ok && gd.Tok == token.TYPE && gd.Specs[0].(*ast.TypeSpec).Name.Name == "ChannelType" {
			comment = gd.Doc.Text()
		}
		return comment == ""
	})
	for _, v := range doc.Components.Schemas["ChannelType"].Value.Enum {
		if !slices.Contains(strings.Fields(comment), v.(string)) {
			t.Errorf("the ChannelType comment does not list %s:\n%s", v, comment)
		}
	}
}
