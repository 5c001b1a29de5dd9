package client

import (
	"regexp"

	"github.com/hubmessage/hubmessage-go/gen"
	"github.com/hubmessage/hubmessage-go/internal/pattern"
)

// patternMatchers holds, for each pattern in gen's constraints, a function that answers
// exactly as its MatchString does. The spec's patterns are anchored runs of character
// classes (digits, a UUID or 32 hex digits): matched rune by rune in one pass they cost a
// fraction of a regexp run, which every call pays. A pattern of any other shape keeps its
// MatchString.
var patternMatchers = func() map[*regexp.Regexp]func(string) bool {
	m := map[*regexp.Regexp]func(string) bool{}
	for _, c := range append([]gen.Constraint{gen.ChannelIdConstraint}, gen.ConnectChannelRequestConstraints...) {
		if c.Pattern != nil {
			m[c.Pattern] = pattern.Compile(c.Pattern)
		}
	}
	return m
}()

// matchPattern reports whether s matches re, as re.MatchString does.
func matchPattern(re *regexp.Regexp, s string) bool {
	if match := patternMatchers[re]; match != nil {
		return match(s)
	}
	return re.MatchString(s)
}
