package cli

import (
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
)

// reportFlags are --format and --output, the same for every command that writes a report.
type reportFlags struct {
	format, output string
	file           *os.File // --output's, created by open
}

// report is what a command writes in --format: a contracttest.Report or FidelityReport.
type report interface {
	WriteText(io.Writer) error
	WriteJSON(io.Writer) error
	WriteJUnit(io.Writer) error
}

func (o *reportFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&o.format, "format", "text", "")
	fs.StringVar(&o.output, "output", "", "")
}

// check is --format's error, if any.
func (o *reportFlags) check() error {
	if !slices.Contains([]string{"text", "json", "junit"}, o.format) {
		return fmt.Errorf("--format %q: must be one of text, json, junit", o.format)
	}
	return nil
}

// open creates --output's file ("-" is stdout), before the command does anything else.
func (o *reportFlags) open() (err error) {
	if o.output != "" && o.output != "-" {
		if o.file, err = os.Create(o.output); err != nil {
			return fmt.Errorf("--output: %w", err)
		}
	}
	return nil
}

// close closes --output's file, if write has not.
func (o *reportFlags) close() {
	if o.file != nil {
		o.file.Close()
	}
}

// write writes r in --format to --output (which it closes) or stdout, and reports whether it
// could, saying why not on stderr.
func (o *reportFlags) write(env Env, prog string, r report) bool {
	out := env.Stdout
	if o.file != nil {
		out = o.file
	}
	write := map[string]func(io.Writer) error{"text": r.WriteText, "json": r.WriteJSON, "junit": r.WriteJUnit}[o.format]
	err := write(out)
	if o.file != nil {
		if closeErr := o.file.Close(); err == nil {
			err = closeErr
		}
	}
	if err != nil {
		fmt.Fprintf(env.Stderr, "%s: write report: %v\n", prog, err)
		return false
	}
	return true
}
