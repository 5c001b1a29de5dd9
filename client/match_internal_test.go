package client

import (
	"regexp"
	"testing"

	"github.com/hubmessage/hubmessage-go/gen"
	"github.com/hubmessage/hubmessage-go/internal/pattern"
)

// specPatterns are the patterns ConnectChannel checks input against.
func specPatterns() []*regexp.Regexp {
	var res []*regexp.Regexp
	for _, c := range append([]gen.Constraint{gen.ChannelIdConstraint}, gen.ConnectChannelRequestConstraints...) {
		if c.Pattern != nil {
			res = append(res, c.Pattern)
		}
	}
	return res
}

// TestSpecPatternsAreFast: every pattern of the spec gets the rune-by-rune matcher, so the
// pre-flight check costs no regexp run. A new pattern of another shape fails here: it still
// works (through regexp), but says the fast path no longer covers the spec.
func TestSpecPatternsAreFast(t *testing.T) {
	t.Parallel()
	for _, re := range specPatterns() {
		if !pattern.Fast(re.String()) {
			t.Errorf("pattern %s falls back to regexp", re)
		}
	}
}

// FuzzMatchPattern: on any input, each spec pattern's matcher agrees with regexp.
func FuzzMatchPattern(f *testing.F) {
	for _, s := range []string{"", "123", "12a", "a1b2c3d4-e5f6-7890-abcd-ef1234567890", "019E4C54B1B375A28970B605CA9B03C3", "\xff\xfe", "٣"} {
		f.Add(s)
	}
	patterns := specPatterns()
	f.Fuzz(func(t *testing.T, s string) {
		for _, re := range patterns {
			if got, want := matchPattern(re, s), re.MatchString(s); got != want {
				t.Fatalf("%s: match(%q) = %t, regexp says %t", re, s, got, want)
			}
		}
	})
}
