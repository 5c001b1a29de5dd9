// Command apispec runs `make breaking` (the compatibility gate; exit 1 on failure), `make
// changelog` (CHANGELOG.md's section for info.version, on stdout), `make changelog-write` (the
// section inserted into CHANGELOG.md) and `make release`; the logic is in internal/apicompat.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/hubmessage/hubmessage-go/cmd/apispec/internal/apicompat"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

const usage = `usage: apispec [-root DIR] breaking|release
       apispec [-root DIR] changelog [-text TEXT] [-write FILE]`

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("apispec", flag.ContinueOnError)
	fs.SetOutput(stderr)
	root := fs.String("root", ".", "module root: the directory holding openapi/")
	fs.Usage = func() { fmt.Fprintln(stderr, usage); fs.PrintDefaults() }
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return 2
	}
	taskFlags := flag.NewFlagSet("apispec "+fs.Arg(0), flag.ContinueOnError)
	taskFlags.SetOutput(stderr)
	var task func(*apicompat.Project) error
	switch fs.Arg(0) {
	case "breaking":
		task = func(p *apicompat.Project) error { return p.Breaking(stdout) }
	case "release":
		task = func(p *apicompat.Project) error { return p.Release(stdout) }
	case "changelog":
		text := taskFlags.String("text", "", "the release's text: what it is for, in a sentence or two, below its heading")
		file := taskFlags.String("write", "", "insert the section into this changelog (CHANGELOG.md) instead of printing it")
		task = func(p *apicompat.Project) error {
			if *file != "" {
				return p.WriteChangelog(stdout, *file, *text)
			}
			return p.Changelog(stdout, *text)
		}
	default:
		fmt.Fprintf(stderr, "apispec: unknown task %q\n%s\n", fs.Arg(0), usage)
		return 2
	}
	if err := taskFlags.Parse(fs.Args()[1:]); err != nil {
		return 2
	}
	if taskFlags.NArg() > 0 {
		fmt.Fprintf(stderr, "apispec %s: unexpected argument %q\n%s\n", fs.Arg(0), taskFlags.Arg(0), usage)
		return 2
	}
	project, err := apicompat.Load(apicompat.DefaultLayout(*root))
	if err == nil {
		err = task(project)
	}
	if err != nil {
		fmt.Fprintf(stderr, "apispec: %v\n", err)
		return 1
	}
	return 0
}
