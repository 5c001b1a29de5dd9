package client

import (
	"regexp"
	"testing"

	"github.com/hubmessage/hubmessage-go/gen"
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
		if classSequences(re.String()) == nil {
			t.Errorf("pattern %s falls back to regexp", re)
		}
	}
}

// TestMatchPattern holds the matcher to regexp's MatchString on patterns of every shape it
// takes or refuses, and inputs around their edges.
func TestMatchPattern(t *testing.T) {
	t.Parallel()
	cases := []struct {
		expr   string
		fast   bool
		inputs []string
	}{
		{expr: `^[0-9]+$`, fast: true, inputs: []string{"", "0", "0123456789", "12a", "a12", "١٢", "1\n", "\xff"}},
		{expr: gen.ChannelIdPattern.String(), fast: true, inputs: []string{
			"a1b2c3d4-e5f6-7890-abcd-ef1234567890", "A1B2C3D4-E5F6-7890-ABCD-EF1234567890", "019E4C54B1B375A28970B605CA9B03C3",
			"a1b2c3d4-e5f6-7890-abcd-ef123456789", "a1b2c3d4-e5f6-7890-abcd-ef12345678901", "a1b2c3d4e5f6-7890-abcd-ef1234567890-",
			"019E4C54B1B375A28970B605CA9B03C", "019E4C54B1B375A28970B605CA9B03C3F", "g19E4C54B1B375A28970B605CA9B03C3", "",
		}},
		{expr: `^ab{2}c{1,3}$`, fast: true, inputs: []string{"abbc", "abbccc", "abbcccc", "abc", "abb", "xabbc"}},
		{expr: `^(x?|[a-c]*)$`, fast: true, inputs: []string{"", "x", "xx", "abcabc", "abd"}},
		{expr: `^a.b$`, inputs: []string{"axb", "ab"}},
		{expr: `^[0-9]+x$`, inputs: []string{"1x", "x", "12"}},
		{expr: `[0-9]+`, inputs: []string{"a1", "1"}},
		{expr: `^(?i)ab$`, inputs: []string{"AB", "ab", "ac"}},
		{expr: `^(ab|c)+$`, inputs: []string{"abc", "abab", "a"}},
	}
	for _, tc := range cases {
		t.Run(tc.expr, func(t *testing.T) {
			t.Parallel()
			re := regexp.MustCompile(tc.expr)
			if fast := classSequences(tc.expr) != nil; fast != tc.fast {
				t.Errorf("fast path taken %t, want %t", fast, tc.fast)
			}
			match := compileMatcher(re)
			for _, s := range tc.inputs {
				if got, want := match(s), re.MatchString(s); got != want {
					t.Errorf("match(%q) = %t, regexp says %t", s, got, want)
				}
			}
		})
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
