package pattern_test

import (
	"regexp"
	"testing"

	"github.com/hubmessage/hubmessage-go/gen"
	"github.com/hubmessage/hubmessage-go/internal/pattern"
)

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
			if fast := pattern.Fast(tc.expr); fast != tc.fast {
				t.Errorf("fast path taken %t, want %t", fast, tc.fast)
			}
			match := pattern.Compile(re)
			for _, s := range tc.inputs {
				if got, want := match(s), re.MatchString(s); got != want {
					t.Errorf("match(%q) = %t, regexp says %t", s, got, want)
				}
			}
		})
	}
}
