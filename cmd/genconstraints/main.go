// Command genconstraints writes gen/constraints.gen.go: each operation's input rules as plain Go
// values, which client/ checks without compiling kin-openapi. A schema the rules cannot express
// fails the generation, naming the keyword, instead of being checked halfway.
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
