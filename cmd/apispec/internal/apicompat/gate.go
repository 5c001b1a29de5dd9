package apicompat

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/oasdiff/oasdiff/checker"
)

// Comparison is the working spec compared with one released contract.
type Comparison struct {
	Release *Spec
	Changes []Change
}

// Verdict is the gate's result: every comparison, and the problems that fail it.
type Verdict struct {
	Working     *Spec
	Comparisons []Comparison // oldest release first
	Problems    []string     // empty when the gate passes
}

// Err returns nil if the gate passes, or an error listing every problem.
func (v *Verdict) Err() error {
	if len(v.Problems) == 0 {
		return nil
	}
	return errors.New("API compatibility gate failed:\n\n" + strings.Join(v.Problems, "\n\n"))
}

// WriteSummary writes one line per comparison, then the WARN-level changes, which do not fail
// the gate, each with the release it is relative to.
func (v *Verdict) WriteSummary(w io.Writer) error {
	var b, warnings strings.Builder
	for _, cmp := range v.Comparisons {
		counts, acknowledged := map[checker.Level]int{}, 0
		for _, c := range cmp.Changes {
			counts[c.Level]++
			if c.AcknowledgedBy != nil {
				acknowledged++
			}
			if c.Level == checker.WARN {
				fmt.Fprintf(&warnings, "  since %s: %s\n", cmp.Release.Version, c)
			}
		}
		fmt.Fprintf(&b, "%s (%s) vs released %s (%s): %d change(s): %d error (%d acknowledged), %d warning, %d info\n",
			v.Working.File, v.Working.Version, cmp.Release.Version, cmp.Release.File, len(cmp.Changes),
			counts[checker.ERR], acknowledged, counts[checker.WARN], counts[checker.INFO])
	}
	_, err := io.WriteString(w, b.String()+warnings.String())
	return err
}

// Gate compares working with every release (oldest first) and judges the result:
//
//   - an ERR-level change no acknowledgement accepts fails, with the line that would accept it;
//   - an acknowledged ERR change requires info.version to be at least the next major of the
//     release it breaks; any other change, at least the next minor; none, no bump;
//   - info.version may not be lower than the latest release;
//   - an acknowledgement that accepts no change fails, so stale ones do not linger;
//   - no release at all fails: there is nothing to protect.
func Gate(released []*Spec, working *Spec, p Policy) (*Verdict, error) {
	v := &Verdict{Working: working}
	if len(released) == 0 {
		v.Problems = append(v.Problems, "no released contract to compare with: cut the first one with `make release`")
		return v, nil
	}
	used := map[*Acknowledgement]bool{}
	required, requiredBy := Version{}, ""
	for _, rel := range released {
		changes, err := Compare(rel, working, p)
		if err != nil {
			return nil, err
		}
		v.Comparisons = append(v.Comparisons, Comparison{Release: rel, Changes: changes})
		var breaking, acknowledged, others []Change
		for _, c := range changes {
			switch {
			case c.Breaking():
				breaking = append(breaking, c)
			case c.AcknowledgedBy != nil:
				acknowledged, used[c.AcknowledgedBy] = append(acknowledged, c), true
			default:
				others = append(others, c)
			}
		}
		if len(breaking) > 0 {
			v.Problems = append(v.Problems, breakingProblem(rel, breaking, p.AcknowledgementsFile))
		}
		need, why := rel.Version, ""
		switch {
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
		v.Problems = append(v.Problems, fmt.Sprintf("info.version %s is lower than the latest release %s (%s)",
			working.Version, latest.Version, latest.File))
	case working.Version.Compare(required) < 0:
		v.Problems = append(v.Problems, fmt.Sprintf("info.version %s must become %s or higher: %s",
			working.Version, required, requiredBy))
	}
	for i := range p.Acknowledgements {
		if a := &p.Acknowledgements[i]; !used[a] {
			v.Problems = append(v.Problems, fmt.Sprintf("%s\n  acknowledges no breaking change against any release; remove the line", a))
		}
	}
	return v, nil
}

// breakingProblem lists the unacknowledged breaking changes against rel and says how to
// acknowledge them in ackFile.
func breakingProblem(rel *Spec, breaking []Change, ackFile string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d breaking change(s) vs released %s (%s):", len(breaking), rel.Version, rel.File)
	for _, c := range breaking {
		fmt.Fprintf(&b, "\n  %s", c)
	}
	fmt.Fprintf(&b, "\nClients generated from %s would break. Undo the change or, if the break is deliberate,\n"+
		"add these lines to %s and bump info.version to %s or higher:", rel.Version, ackFile, rel.Version.NextMajor())
	for _, c := range breaking {
		fmt.Fprintf(&b, "\n  %s", c.AcknowledgementLine())
	}
	return b.String()
}

// describe says why a bump is needed: how many changes of what kind, and the first few.
func describe(kind string, changes []Change, rel *Spec) string {
	const shown = 3
	var b strings.Builder
	fmt.Fprintf(&b, "%d %s(s) since released %s:", len(changes), kind, rel.Version)
	for i, c := range changes {
		if i == shown {
			fmt.Fprintf(&b, "\n  … and %d more (see `make changelog`)", len(changes)-shown)
			break
		}
		fmt.Fprintf(&b, "\n  %s", c)
	}
	return b.String()
}

// Changelog writes the changes from the latest release to the working spec to w, one
// markdown list item per change: level, check id, operation and oasdiff's sentence.
func (p *Project) Changelog(w io.Writer) error {
	if len(p.Released) == 0 {
		return errors.New("changelog: no released contract to compare with")
	}
	latest := p.Released[len(p.Released)-1]
	changes, err := Compare(latest, p.Working, p.Policy)
	if err != nil {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "## API changes since %s (%s → %s, info.version %s)\n\n", latest.Version, latest.File, p.Working.File, p.Working.Version)
	if len(changes) == 0 {
		b.WriteString("No API changes.\n")
	}
	for _, c := range changes {
		fmt.Fprintf(&b, "- %s", c)
		if c.AcknowledgedBy != nil {
			fmt.Fprintf(&b, " (acknowledged: %s:%d)", c.AcknowledgedBy.File, c.AcknowledgedBy.Line)
		}
		b.WriteString("\n")
	}
	_, err = io.WriteString(w, b.String())
	return err
}
