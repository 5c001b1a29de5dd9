package apicompat

import (
	"cmp"
	"fmt"
	"strconv"
	"strings"
)

// Version is a release version, MAJOR.MINOR.PATCH as semver defines it. Pre-release and build
// suffixes are refused: a released contract is a plain version, and its snapshot file name
// must sort without ambiguity.
type Version struct{ Major, Minor, Patch int }

// ParseVersion parses "MAJOR.MINOR.PATCH" (decimal, no leading zeros, no sign, no "v").
func ParseVersion(s string) (Version, error) {
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		return Version{}, fmt.Errorf("version %q: want MAJOR.MINOR.PATCH, such as 1.2.0", s)
	}
	var n [3]int
	for i, p := range parts {
		var err error
		n[i], err = strconv.Atoi(p)
		switch {
		case p == "" || strings.Trim(p, "0123456789") != "":
			return Version{}, fmt.Errorf("version %q: %q is not a decimal number", s, p)
		case len(p) > 1 && p[0] == '0':
			return Version{}, fmt.Errorf("version %q: %q has a leading zero", s, p)
		case err != nil || n[i] > 1<<30:
			return Version{}, fmt.Errorf("version %q: %q is too large", s, p)
		}
	}
	return Version{n[0], n[1], n[2]}, nil
}

// String returns v as MAJOR.MINOR.PATCH.
func (v Version) String() string { return fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Patch) }

// Compare returns -1, 0 or +1 as v is lower than, equal to or higher than w.
func (v Version) Compare(w Version) int {
	return cmp.Or(cmp.Compare(v.Major, w.Major), cmp.Compare(v.Minor, w.Minor), cmp.Compare(v.Patch, w.Patch))
}

// NextMajor is the lowest version a breaking change may ship as.
func (v Version) NextMajor() Version { return Version{Major: v.Major + 1} }

// NextMinor is the lowest version an additive change may ship as.
func (v Version) NextMinor() Version { return Version{Major: v.Major, Minor: v.Minor + 1} }
