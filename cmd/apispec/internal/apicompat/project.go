package apicompat

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Layout names the files the gate reads.
type Layout struct {
	Spec             string // the working spec
	Released         string // the directory of released snapshots, <version>.yaml
	Acknowledgements string // acknowledged breaking changes (oasdiff --err-ignore format)
	Severity         string // raised check levels (oasdiff --severity-levels format)
}

// DefaultLayout is the repository's layout under the module root dir.
func DefaultLayout(root string) Layout {
	return Layout{
		Spec:             filepath.Join(root, "openapi", "hubmessage.yaml"),
		Released:         filepath.Join(root, "openapi", "released"),
		Acknowledgements: filepath.Join(root, "openapi", "breaking-ignore.txt"),
		Severity:         filepath.Join(root, "openapi", "breaking-severity.txt"),
	}
}

// Project is everything the gate needs, read and parsed from a [Layout].
type Project struct {
	Layout   Layout
	Working  *Spec
	Released []*Spec // oldest first
	Policy   Policy
}

// Load reads and parses every file of the layout. Each error names the file it comes from
// (and the line, for the policy files). Both policy files must exist.
func Load(l Layout) (*Project, error) {
	data, err := os.ReadFile(l.Spec)
	if err != nil {
		return nil, err
	}
	working, err := ParseSpec(l.Spec, data)
	if err != nil {
		return nil, err
	}
	released, err := LoadReleases(l.Released)
	if err != nil {
		return nil, err
	}
	data, err = os.ReadFile(l.Severity)
	if err != nil {
		return nil, err
	}
	severity, err := ParseSeverity(l.Severity, data)
	if err != nil {
		return nil, err
	}
	data, err = os.ReadFile(l.Acknowledgements)
	if err != nil {
		return nil, err
	}
	acks, err := ParseAcknowledgements(l.Acknowledgements, data)
	if err != nil {
		return nil, err
	}
	return &Project{Layout: l, Working: working, Released: released,
		Policy: Policy{Severity: severity, Acknowledgements: acks, AcknowledgementsFile: l.Acknowledgements}}, nil
}

// Gate runs [Gate] on the project.
func (p *Project) Gate() (*Verdict, error) { return Gate(p.Released, p.Working, p.Policy) }

// Release snapshots the working spec as <Released>/<info.version>.yaml, byte for byte, and
// returns the new file's path. It refuses when the gate fails (once a release exists), when
// the version is already released or lower than the latest release, and never overwrites a
// file.
func (p *Project) Release() (string, error) {
	v := p.Working.Version
	if n := len(p.Released); n > 0 {
		latest := p.Released[n-1]
		for _, rel := range p.Released {
			if rel.Version == v {
				return "", fmt.Errorf("release: info.version %s is already released as %s; bump info.version in %s", v, rel.File, p.Working.File)
			}
		}
		if v.Compare(latest.Version) < 0 {
			return "", fmt.Errorf("release: info.version %s is lower than the latest release %s (%s)", v, latest.Version, latest.File)
		}
		verdict, err := p.Gate()
		if err != nil {
			return "", err
		}
		if err := verdict.Err(); err != nil {
			return "", fmt.Errorf("release %s: %w", v, err)
		}
	}
	data, err := os.ReadFile(p.Layout.Spec)
	if err != nil {
		return "", err
	}
	if now, err := ParseSpec(p.Layout.Spec, data); err != nil || now.Version != v { // changed since Load
		return "", fmt.Errorf("release: %s changed while releasing; run it again", p.Layout.Spec)
	}
	file := filepath.Join(p.Layout.Released, v.String()+".yaml")
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, fs.ErrExist) {
		return "", fmt.Errorf("release: %s already exists; a released contract is never overwritten", file)
	}
	if err != nil {
		return "", fmt.Errorf("release: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(file)
		return "", fmt.Errorf("release: write %s: %w", file, err)
	}
	if err := f.Close(); err != nil {
		os.Remove(file)
		return "", fmt.Errorf("release: write %s: %w", file, err)
	}
	return file, nil
}
