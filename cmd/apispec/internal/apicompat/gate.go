package apicompat

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/oasdiff/oasdiff/checker"
)

// GateError lists the problems that fail the compatibility gate.
type GateError struct{ Problems []string }

func (e *GateError) Error() string {
	return "API compatibility gate failed:\n\n" + strings.Join(e.Problems, "\n\n")
}

// Breaking is the compatibility gate: it compares the working spec with every release, writes
// a line per release and the WARN-level changes (which pass) to w, and returns a *GateError
// for each rule of README.md's "Changing the API" that the spec breaks.
func (p *Project) Breaking(w io.Writer) error {
	released, working := p.Released, p.Working
	if len(released) == 0 {
		return &GateError{[]string{"no released contract to compare with: cut the first one with `make release`"}}
	}
	var problems []string
	var summary, warnings strings.Builder
	used := map[*Acknowledgement]bool{}
	required, requiredBy := Version{}, ""
	for _, rel := range released {
		changes, err := Compare(rel, working, p.Policy)
		if err != nil {
			return err
		}
		var breaking, acknowledged, others []Change
		counts := map[checker.Level]int{}
		for _, c := range changes {
			counts[c.Level]++
			switch {
			case c.Breaking():
				breaking = append(breaking, c)
			case c.AcknowledgedBy != nil:
				acknowledged, used[c.AcknowledgedBy] = append(acknowledged, c), true
			default:
				others = append(others, c)
			}
			if c.Level == checker.WARN {
				fmt.Fprintf(&warnings, "  since %s: %s\n", rel.Version, c)
			}
		}
		fmt.Fprintf(&summary, "%s (%s) vs released %s (%s): %d change(s): %d error (%d acknowledged), %d warning, %d info\n",
			working.File, working.Version, rel.Version, rel.File, len(changes),
			counts[checker.ERR], len(acknowledged), counts[checker.WARN], counts[checker.INFO])
		if len(breaking) > 0 {
			problems = append(problems, breakingProblem(rel, breaking, p.Policy.AcknowledgementsFile))
		}
		need, why := rel.Version, ""
		switch {
		case len(breaking) > 0: // if deliberate, acknowledged: the major; undone, the next run says
			need, why = rel.Version.NextMajor(), describe("breaking change", slices.Concat(breaking, acknowledged), rel)
		case len(acknowledged) > 0:
			need, why = rel.Version.NextMajor(), describe("acknowledged breaking change", acknowledged, rel)
		case len(others) > 0:
			need, why = rel.Version.NextMinor(), describe("API change", others, rel)
		}
		if need.Compare(required) > 0 {
			required, requiredBy = need, why
		}
	}
	latest := released[len(released)-1]
	switch {
	case working.Version.Compare(latest.Version) < 0:
		problems = append(problems, fmt.Sprintf("info.version %s is lower than the latest release %s (%s)",
			working.Version, latest.Version, latest.File))
	case working.Version.Compare(required) < 0:
		problems = append(problems, fmt.Sprintf("info.version %s must become %s or higher: %s",
			working.Version, required, requiredBy))
	}
	for i := range p.Policy.Acknowledgements {
		if a := &p.Policy.Acknowledgements[i]; !used[a] {
			problems = append(problems, fmt.Sprintf("%s\n  acknowledges no breaking change against any release; remove the line", a))
		}
	}
	if _, err := io.WriteString(w, summary.String()+warnings.String()); err != nil || problems == nil {
		return err
	}
	return &GateError{problems}
}

// breakingProblem lists the breaking changes against rel and the lines that would acknowledge
// them. It demands no version: the gate's one version demand counts these changes as the break
// they become once acknowledged.
func breakingProblem(rel *Spec, breaking []Change, ackFile string) string {
	var list, acks []string
	for _, c := range breaking {
		list, acks = append(list, c.String()), append(acks, c.AcknowledgementLine())
	}
	return fmt.Sprintf("%d breaking change(s) vs released %s (%s):\n  %s\n"+
		"Clients generated from %s would break. Undo the change or, if the break is deliberate,\n"+
		"add these lines to %s:\n  %s",
		len(breaking), rel.Version, rel.File, strings.Join(list, "\n  "),
		rel.Version, ackFile, strings.Join(acks, "\n  "))
}

// describe says why a bump is needed: how many changes of what kind, and the first few.
func describe(kind string, changes []Change, rel *Spec) string {
	const shown = 3
	s := fmt.Sprintf("%d %s(s) since released %s:", len(changes), kind, rel.Version)
	for _, c := range changes[:min(len(changes), shown)] {
		s += "\n  " + c.String()
	}
	if len(changes) > shown {
		s += fmt.Sprintf("\n  … and %d more (see `make changelog`)", len(changes)-shown)
	}
	return s
}
