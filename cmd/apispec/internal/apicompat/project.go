package apicompat

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
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

// Load reads and parses every file of the layout; each error names its file (and line).
func Load(l Layout) (*Project, error) {
	p := &Project{Layout: l, Policy: Policy{AcknowledgementsFile: l.Acknowledgements}}
	var err error
	if p.Working, err = parseFile(l.Spec, ParseSpec); err != nil {
		return nil, err
	}
	if p.Released, err = LoadReleases(l.Released); err != nil {
		return nil, err
	}
	if p.Policy.Severity, err = parseFile(l.Severity, ParseSeverity); err != nil {
		return nil, err
	}
	if p.Policy.Acknowledgements, err = parseFile(l.Acknowledgements, ParseAcknowledgements); err != nil {
		return nil, err
	}
	return p, nil
}

// Release copies the spec, as loaded, to <Released>/<info.version>.yaml once the gate passes.
func (p *Project) Release(w io.Writer) error {
	v := p.Working.Version
	if n := len(p.Released); n > 0 {
		latest := p.Released[n-1]
		if i := slices.IndexFunc(p.Released, func(rel *Spec) bool { return rel.Version == v }); i >= 0 {
			return fmt.Errorf("release: info.version %s is already released as %s; bump info.version in %s", v, p.Released[i].File, p.Working.File)
		}
		if v.Compare(latest.Version) < 0 {
			return fmt.Errorf("release: info.version %s is lower than the latest release %s (%s)", v, latest.Version, latest.File)
		}
		if err := p.Breaking(io.Discard); err != nil {
			return fmt.Errorf("release %s: %w", v, err)
		}
	}
	file := filepath.Join(p.Layout.Released, v.String()+".yaml")
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("release: %s already exists; a released contract is never overwritten", file)
	}
	if err != nil {
		return fmt.Errorf("release: %w", err)
	}
	_, err = f.Write(p.Working.data)
	if err = errors.Join(err, f.Close()); err != nil {
		os.Remove(file)
		return fmt.Errorf("release: write %s: %w", file, err)
	}
	_, err = fmt.Fprintf(w, "released %s as %s\n", v, file)
	return err
}
