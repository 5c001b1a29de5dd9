package contracttest

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/google/go-cmp/cmp"

	"github.com/hubmessage/hubmessage-go/openapi"
)

// slowParts lists what the fast path of doc leaves to the slow path: "operationId" for an
// operation with no fast path, "operationId status" for a documented response whose body it
// never judges, and with each the reason; sorted.
func slowParts(tb testing.TB, doc *openapi3.T) []string {
	tb.Helper()
	spec, err := compileSpec(doc)
	if err != nil {
		tb.Fatal(err)
	}
	var out []string
	for _, p := range spec.router.paths {
		for _, op := range p.ops {
			id := op.route.Operation.OperationID
			if op.fast == nil {
				out = append(out, id+": no fast path")
				continue
			}
			for key, resp := range op.route.Operation.Responses.Map() {
				fast := op.fast.fallback
				if key != "default" {
					if r, ok := op.fast.status[statusCode(tb, key)]; ok {
						fast = &r
					}
				}
				if fast == nil || !fast.empty && fast.schema == nil {
					reason := "body"
					if len(resp.Value.Headers) > 0 {
						reason = "headers"
					}
					out = append(out, id+" "+key+": "+reason)
				}
			}
		}
	}
	slices.Sort(out)
	return out
}

func statusCode(tb testing.TB, key string) int {
	n := 0
	for _, c := range key {
		if c < '0' || c > '9' {
			tb.Fatalf("response key %q: not a status", key)
		}
		n = n*10 + int(c-'0')
	}
	return n
}

// Every operation of the live spec has a fast path, and so does every response but those
// with headers (a 503's Retry-After), which kin-openapi alone checks. Whatever the spec
// documents: a keyword or shape the fast path lacks shows here first, as a slow path for
// every exchange of the operations that use it.
func TestFastPathCoversTheLiveSpec(t *testing.T) {
	doc, err := openapi.Spec()
	if err != nil {
		t.Fatal(err)
	}
	for _, part := range slowParts(t, doc) {
		if !strings.HasSuffix(part, ": headers") {
			t.Errorf("the fast path leaves %s to the slow path", part)
		}
	}
}

// On the lifecycle fixture, exactly the responses with headers go the slow way.
func TestFastPathCoversTheLifecycleFixture(t *testing.T) {
	data, err := os.ReadFile("testdata/lifecycle.yaml")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := openapi.Parse("lifecycle.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"connectChannel 503: headers", "createChannel 503: headers", "deleteChannel 503: headers", "disconnectChannel 503: headers"}
	if diff := cmp.Diff(want, slowParts(t, doc)); diff != "" {
		t.Errorf("slow parts (-want +got):\n%s", diff)
	}
}
