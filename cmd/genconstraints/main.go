// Command genconstraints writes gen/constraints.gen.go: every operation's input rules (its
// path and query parameters and JSON request-body properties: required, type, pattern, length,
// enum, integer bounds) as plain Go values keyed by operationId, which client/ checks without
// compiling kin-openapi. A schema the rules cannot express (arrays, nested objects, allOf,
// formats, ...) fails the generation, naming the keyword, instead of being checked halfway.
// read.go reads the spec; emit.go and constraints.go.tmpl write the Go source.
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
	doc, err := openapi.Spec()
	var src []byte
	if err == nil {
		src, err = generate(doc, openapi.FileName)
	}
	if err == nil {
		err = os.WriteFile(*out, src, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "genconstraints:", err)
		os.Exit(1)
	}
}
