package apicompat

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// CHANGELOG.md's headings: a release's is "## <MAJOR.MINOR.PATCH>", newest first, below any
// "## Unreleased…" section.
var (
	releaseHeading    = regexp.MustCompile(`^##[ \t]+v?(\d+\.\d+\.\d+)(?:[ \t].*)?$`)
	unreleasedHeading = regexp.MustCompile(`(?i)^##[ \t]+unreleased\b`)
)

// Changelog writes CHANGELOG.md's section for the working spec's info.version to w: the
// heading, text (a placeholder if empty) and the API changes since the previous release, as
// the file lays out every release.
func (p *Project) Changelog(w io.Writer, text string) error {
	section, err := p.changelogSection(text)
	if err != nil {
		return err
	}
	_, err = io.WriteString(w, section)
	return err
}

// WriteChangelog inserts the section [Project.Changelog] prints into the changelog file, above
// its newest release and below any "## Unreleased…" section, and says where on w. It refuses
// an empty text, a version that already has a section and one below the newest section; the
// file's other bytes are kept as they are, and it is replaced only whole, by a rename.
func (p *Project) WriteChangelog(w io.Writer, file, text string) error {
	v := p.Working.Version
	if strings.TrimSpace(text) == "" {
		return fmt.Errorf("changelog: the text is empty: say in a sentence or two what %s is for, as every section of %s does (make: TEXT='…'; apispec: -text '…')", v, file)
	}
	section, err := p.changelogSection(text)
	if err != nil {
		return err
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return fmt.Errorf("changelog: %w", err)
	}
	updated, line, err := insertSection(file, data, v, section)
	if err != nil {
		return err
	}
	if err := replaceFile(file, updated); err != nil {
		return fmt.Errorf("changelog: %w", err)
	}
	_, err = fmt.Fprintf(w, "%s: inserted \"## %s\" at line %d\n", file, v, line)
	return err
}

// changelogSection is the section for info.version: its changes since the latest release, or,
// once info.version is released with no change since, since the release before it.
func (p *Project) changelogSection(text string) (string, error) {
	prev, err := p.previousRelease()
	if err != nil {
		return "", err
	}
	text = strings.TrimSpace(text)
	if text == "" {
		text = fmt.Sprintf("TEXT='…': what %s is for, in a sentence or two.", p.Working.Version)
	}
	for line := range strings.Lines(text) {
		if strings.HasPrefix(line, "#") {
			return "", fmt.Errorf("changelog: the text holds a heading, %q; the heading is written for you", strings.TrimSpace(line))
		}
	}
	changes, err := Compare(prev, p.Working, p.Policy)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "## %s\n\n%s\n\n### API changes since %s (%s → %s, info.version %s)\n\n",
		p.Working.Version, text, prev.Version, prev.File, p.Working.File, p.Working.Version)
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
	return b.String(), nil
}

// previousRelease is the release info.version's section compares with.
func (p *Project) previousRelease() (*Spec, error) {
	v, n := p.Working.Version, len(p.Released)
	if n == 0 {
		return nil, errors.New("changelog: no released contract to compare with")
	}
	latest := p.Released[n-1]
	switch v.Compare(latest.Version) {
	case 1:
		return latest, nil
	case -1:
		return nil, fmt.Errorf("changelog: info.version %s is lower than the latest release %s (%s)", v, latest.Version, latest.File)
	}
	changes, err := Compare(latest, p.Working, p.Policy)
	switch {
	case err != nil:
		return nil, err
	case len(changes) > 0:
		return nil, fmt.Errorf("changelog: info.version %s is already released (%s), and %s has %d API change(s) since: bump info.version first (`make breaking` says to which)",
			v, latest.File, p.Working.File, len(changes))
	case n == 1:
		return nil, fmt.Errorf("changelog: %s is the first release (%s): no earlier one to compare with", v, latest.File)
	}
	return p.Released[n-2], nil
}

// insertSection returns data with section inserted above the newest release's heading (at the
// end if there is none), and the line the section starts on. data's bytes are kept as they are.
func insertSection(file string, data []byte, v Version, section string) ([]byte, int, error) {
	text := string(data)
	at, newestLine, line, offset, fenced := len(text), 0, 0, 0, false
	var newest Version
	for raw := range strings.Lines(text) {
		line++
		l, start := strings.TrimRight(raw, "\r\n"), offset
		offset += len(raw)
		if strings.HasPrefix(l, "```") || strings.HasPrefix(l, "~~~") {
			fenced = !fenced
		}
		if fenced {
			continue
		}
		if unreleasedHeading.MatchString(l) && newestLine > 0 {
			return nil, 0, fmt.Errorf("changelog: %s:%d: %q is below the release at line %d; move it above the releases", file, line, l, newestLine)
		}
		m := releaseHeading.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		got, err := ParseVersion(m[1])
		if err != nil {
			return nil, 0, fmt.Errorf("changelog: %s:%d: %w", file, line, err)
		}
		if got == v {
			return nil, 0, fmt.Errorf("changelog: %s:%d already has a section for %s; nothing written", file, line, v)
		}
		if newestLine == 0 {
			at, newest, newestLine = start, got, line
		}
	}
	if newestLine > 0 && v.Compare(newest) < 0 {
		return nil, 0, fmt.Errorf("changelog: info.version %s is lower than the newest section, %s (%s:%d); the file lists the newest first", v, newest, file, newestLine)
	}
	before, lead, trail := text[:at], "", ""
	switch {
	case before == "" || strings.HasSuffix(before, "\n\n"):
	case strings.HasSuffix(before, "\n"):
		lead = "\n"
	default:
		lead = "\n\n"
	}
	if at < len(text) {
		trail = "\n" // a blank line before the heading below
	}
	return []byte(before + lead + section + trail + text[at:]), strings.Count(before+lead, "\n") + 1, nil
}

// replaceFile writes data to a new file beside file and renames it over file, so that file is
// either as it was or wholly replaced; file's permissions are kept.
func replaceFile(file string, data []byte) error {
	info, err := os.Stat(file)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(file), "."+filepath.Base(file)+".*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(data)
	err = errors.Join(err, tmp.Sync(), tmp.Close())
	if err == nil {
		err = os.Chmod(tmp.Name(), info.Mode().Perm())
	}
	if err == nil {
		err = os.Rename(tmp.Name(), file)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}
