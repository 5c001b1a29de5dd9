package apicompat

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/oasdiff/oasdiff/checker"
	"github.com/oasdiff/oasdiff/diff"
	"github.com/oasdiff/oasdiff/load"
)

// localizer renders oasdiff's messages in English, the language of acknowledgement lines.
var localizer = checker.NewDefaultLocalizer()

// Policy is what the repository adds to oasdiff: breaking-severity.txt and breaking-ignore.txt.
type Policy struct {
	Severity             map[string]checker.Level
	Acknowledgements     []Acknowledgement
	AcknowledgementsFile string
}

// Change is one API change oasdiff found between two specs, at the level the policy gives it.
type Change struct {
	ID        string        // oasdiff's check id, such as "response-property-became-optional"
	Level     checker.Level // ERR changes break generated clients
	Operation string        // "POST /v1/channels/{channelId}/connect"; "" outside operations
	Text      string        // oasdiff's sentence, such as "the response property `success` became optional…"

	// AcknowledgedBy is the acknowledgement that accepts this ERR change, or nil.
	AcknowledgedBy *Acknowledgement

	section string // oasdiff's section: "paths", "components", ...
}

// Breaking reports whether c breaks clients and is not acknowledged.
func (c Change) Breaking() bool { return c.Level == checker.ERR && c.AcknowledgedBy == nil }

// String returns the change on one line: "error [check-id] POST /path: text".
func (c Change) String() string {
	s := fmt.Sprintf("%s [%s] ", c.Level, c.ID)
	if c.Operation != "" {
		s += c.Operation + ": "
	}
	return s + c.Text
}

// AcknowledgementLine is the line of openapi/breaking-ignore.txt that would acknowledge c.
func (c Change) AcknowledgementLine() string { return cmp.Or(c.Operation, c.section) + " " + c.Text }

// Compare returns oasdiff's changes from base to revision at INFO level or above, as p rates them.
func Compare(base, revision *Spec, p Policy) ([]Change, error) {
	report, sources, err := diff.GetWithOperationsSourcesMap(diff.NewConfig(),
		&load.SpecInfo{Url: base.File, Spec: base.Doc, Version: base.Version.String()},
		&load.SpecInfo{Url: revision.File, Spec: revision.Doc, Version: revision.Version.String()})
	if err != nil {
		return nil, fmt.Errorf("oasdiff %s → %s: %w", base.File, revision.File, err)
	}
	config := checker.NewConfig(checker.GetAllChecks(), checker.WithSeverityLevels(p.Severity))
	found := checker.CheckBackwardCompatibilityUntilLevel(config, report, sources, checker.INFO)
	changes := make([]Change, 0, len(found))
	for _, f := range found {
		c := Change{ID: f.GetId(), Level: f.GetLevel(), Text: f.GetUncolorizedText(localizer), section: f.GetSection()}
		if c.section == "paths" {
			c.Operation = f.GetOperation() + " " + f.GetPath()
		}
		if i := slices.IndexFunc(p.Acknowledgements, func(a Acknowledgement) bool {
			return f.MatchIgnore(a.path, a.lower, localizer)
		}); i >= 0 && c.Level == checker.ERR {
			c.AcknowledgedBy = &p.Acknowledgements[i]
		}
		changes = append(changes, c)
	}
	return changes, nil
}
