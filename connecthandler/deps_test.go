package connecthandler_test

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// TestDepsAreClients keeps a backend that imports connecthandler from compiling anything the
// client does not already bring, besides this kit's small helpers and the strict JSON reader
// with its go-json-experiment/json (what encoding/json/v2 is made of): no spec tooling, no
// reference server, no test helpers.
func TestDepsAreClients(t *testing.T) {
	t.Parallel()
	deps := func(pkg string) []string {
		goCmd := filepath.Join(runtime.GOROOT(), "bin", "go")
		out, err := exec.Command(goCmd, "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list: %v\n%s", err, out)
		}
		return strings.Fields(string(out))
	}
	const mod = "github.com/hubmessage/hubmessage-go/"
	ours, clients := deps(mod+"connecthandler"), deps(mod+"client")
	if !slices.Contains(ours, mod+"client") || !slices.Contains(clients, mod+"gen") {
		t.Fatalf("go list -deps lacks client or gen; is it the right list?\n%q\n%q", ours, clients)
	}
	allowed := []string{mod + "connecthandler", mod + "internal/printable", mod + "internal/secretkey", mod + "internal/strictjson"}
	const jsonv2 = "github.com/go-json-experiment/json"
	for _, dep := range ours {
		if !slices.Contains(clients, dep) && !slices.Contains(allowed, dep) && dep != jsonv2 && !strings.HasPrefix(dep, jsonv2+"/") {
			t.Errorf("connecthandler depends on %s, which client does not", dep)
		}
	}
}
