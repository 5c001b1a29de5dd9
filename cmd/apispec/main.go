// Command apispec runs `make breaking` (the compatibility gate; exit 1 on failure), `make
// changelog` (markdown on stdout) and `make release`; the logic is in internal/apicompat.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/hubmessage/hubmessage-go/cmd/apispec/internal/apicompat"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

const usage = "usage: apispec [-root DIR] breaking|changelog|release"

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("apispec", flag.ContinueOnError)
	fs.SetOutput(stderr)
	root := fs.String("root", ".", "module root: the directory holding openapi/")
	fs.Usage = func() { fmt.Fprintln(stderr, usage); fs.PrintDefaults() }
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return 2
	}
	task, ok := map[string]func(*apicompat.Project, io.Writer) error{
		"breaking":  (*apicompat.Project).Breaking,
		"changelog": (*apicompat.Project).Changelog,
		"release":   (*apicompat.Project).Release,
	}[fs.Arg(0)]
	if !ok {
		fmt.Fprintf(stderr, "apispec: unknown task %q\n%s\n", fs.Arg(0), usage)
		return 2
	}
	project, err := apicompat.Load(apicompat.DefaultLayout(*root))
	if err == nil {
		err = task(project, stdout)
	}
	if err != nil {
		fmt.Fprintf(stderr, "apispec: %v\n", err)
		return 1
	}
	return 0
}
