// Command genconstraints writes gen/constraints.gen.go: for every operation of the spec, the
// rules of its path and query parameters and JSON request-body properties (required, type,
// pattern, length, enum, integer bounds), as plain Go values keyed by operationId. client/
// checks input against them before any network call without compiling kin-openapi, and they
// cannot drift from the spec because `make check-generated` regenerates them. A schema it
// cannot express as such rules (arrays, nested objects, allOf, formats, ...) fails the
// generation instead of being checked halfway. It runs from gen/generate.go: read.go reads
// the spec into rules, emit.go writes them as Go source.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/hubmessage/hubmessage-go/openapi"
)

func main() {
	out := flag.String("o", "constraints.gen.go", "output file")
	flag.Parse()
	if err := run(*out); err != nil {
		fmt.Fprintln(os.Stderr, "genconstraints:", err)
		os.Exit(1)
	}
}

func run(out string) error {
	doc, err := openapi.Spec()
	if err != nil {
		return err
	}
	src, err := generate(doc, openapi.FileName)
	if err != nil {
		return err
	}
	return os.WriteFile(out, src, 0o644)
}
