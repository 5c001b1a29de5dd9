// Package pattern matches the spec's regular expressions without running regexp. The spec's
// patterns are anchored runs of character classes (digits; a UUID or 32 hex digits): matched
// rune by rune in one pass they cost a fraction of a regexp run, which the client's pre-flight
// checks and the contract validator's fast path pay on every call. Any other shape keeps
// regexp, so a matcher always answers as regexp's MatchString does.
package pattern

import (
	"regexp"
	"regexp/syntax"
	"unicode/utf8"
)

// Compile returns a function that answers exactly as re.MatchString, matching rune by rune in
// one pass when re has the shape classSequences accepts, else re.MatchString itself.
func Compile(re *regexp.Regexp) func(string) bool {
	alternatives := classSequences(re.String())
	if alternatives == nil {
		return re.MatchString
	}
	return func(s string) bool {
		for _, seq := range alternatives {
			if seq.match(s) {
				return true
			}
		}
		return false
	}
}

// classSequences parses expr as ^(A|B|...)$ where each alternative is a sequence of
// character classes (or literal runes), each repeated a fixed number of times except the
// last, which may repeat between min and max times. It returns nil for any other shape.
// Fast reports whether Compile gives expr its one-pass matcher rather than regexp's.
func Fast(expr string) bool { return classSequences(expr) != nil }

func classSequences(expr string) []classSequence {
	re, err := syntax.Parse(expr, syntax.Perl) // the flags regexp.Compile uses
	if err != nil || re.Op != syntax.OpConcat || len(re.Sub) < 3 {
		return nil
	}
	first, last := re.Sub[0], re.Sub[len(re.Sub)-1]
	if first.Op != syntax.OpBeginText || last.Op != syntax.OpEndText {
		return nil
	}
	body := re.Sub[1 : len(re.Sub)-1]
	for len(body) == 1 && body[0].Op == syntax.OpCapture {
		body = body[0].Sub
	}
	var alternatives [][]*syntax.Regexp
	if len(body) == 1 && body[0].Op == syntax.OpAlternate {
		for _, alt := range body[0].Sub {
			alternatives = append(alternatives, []*syntax.Regexp{alt})
		}
	} else {
		alternatives = [][]*syntax.Regexp{body}
	}
	var seqs []classSequence
	for _, alt := range alternatives {
		var seq classSequence
		if !seq.add(alt) || len(seq) == 0 {
			return nil
		}
		for _, p := range seq[:len(seq)-1] {
			if p.min != p.max {
				return nil // a variable run before the end would need backtracking
			}
		}
		seqs = append(seqs, seq)
	}
	return seqs
}

// classSequence is one alternative of classSequences.
type classSequence []classRun

// classRun is a character class (syntax.Regexp.Rune's ranges) repeated min to max times; max
// is -1 for no limit.
type classRun struct {
	ranges   []rune
	min, max int
}

// add appends the runs res stand for, reporting false for anything but classes, literals
// and their repetitions.
func (seq *classSequence) add(res []*syntax.Regexp) bool {
	for _, re := range res {
		switch re.Op {
		case syntax.OpConcat:
			if !seq.add(re.Sub) {
				return false
			}
		case syntax.OpLiteral:
			if re.Flags&syntax.FoldCase != 0 {
				return false
			}
			for _, r := range re.Rune {
				*seq = append(*seq, classRun{ranges: []rune{r, r}, min: 1, max: 1})
			}
		case syntax.OpCharClass:
			*seq = append(*seq, classRun{ranges: re.Rune, min: 1, max: 1})
		case syntax.OpRepeat, syntax.OpPlus, syntax.OpStar, syntax.OpQuest:
			ranges, ok := oneRune(re.Sub[0])
			if !ok {
				return false
			}
			run := classRun{ranges: ranges}
			switch re.Op {
			case syntax.OpRepeat:
				run.min, run.max = re.Min, re.Max
			case syntax.OpPlus:
				run.min, run.max = 1, -1
			case syntax.OpStar:
				run.min, run.max = 0, -1
			case syntax.OpQuest:
				run.min, run.max = 0, 1
			}
			*seq = append(*seq, run)
		default:
			return false
		}
	}
	return true
}

// oneRune returns the ranges of a character class or a one-rune literal; ok is false for
// anything else.
func oneRune(re *syntax.Regexp) (ranges []rune, ok bool) {
	switch {
	case re.Op == syntax.OpCharClass:
		return re.Rune, true
	case re.Op == syntax.OpLiteral && re.Flags&syntax.FoldCase == 0 && len(re.Rune) == 1:
		return []rune{re.Rune[0], re.Rune[0]}, true
	}
	return nil, false
}

// match reports whether s is exactly seq. Every run but the last has a fixed length, so one
// greedy pass decides. Invalid UTF-8 reads as U+FFFD, one byte at a time, as in regexp.
func (seq classSequence) match(s string) bool {
	i := 0
	for _, run := range seq {
		n := 0
		for (run.max < 0 || n < run.max) && i < len(s) {
			r, w := utf8.DecodeRuneInString(s[i:])
			if !inRanges(run.ranges, r) {
				break
			}
			i += w
			n++
		}
		if n < run.min {
			return false
		}
	}
	return i == len(s)
}

func inRanges(ranges []rune, r rune) bool {
	for i := 0; i+1 < len(ranges); i += 2 {
		if ranges[i] <= r && r <= ranges[i+1] {
			return true
		}
	}
	return false
}
