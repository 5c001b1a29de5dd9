package contracttest

import (
	"fmt"
	"maps"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// badValue is a value that breaks one rule of a schema: its name for the case, what it breaks.
type badValue struct {
	name, desc string
	value      any
}

// paramCases are the requests with one path or query parameter breaking its schema.
func (g *opGen) paramCases() []Case {
	var out []Case
	for _, p := range g.params {
		for _, bad := range paramViolations(schemaOf(p.Schema)) {
			c := g.base(CheckNegativeDataRejection, p.In+"/"+p.Name+"/"+bad.name, fmt.Sprintf("%s parameter %s %s", p.In, p.Name, bad.desc))
			c.Path = g.target(p, bad.value.(string))
			out = append(out, c)
		}
	}
	return out
}

// bodyCases are the request bodies that break the operation's body schema or media type.
func (g *opGen) bodyCases() []Case {
	if g.media == "" {
		return nil
	}
	type rawBody struct{ name, ct, body, desc string }
	raw := []rawBody{{"body/malformed_json", g.media, `{"`, "a body that is not JSON"}}
	if g.bodyRequired {
		raw = append(raw, rawBody{"body/empty", g.media, "", "an empty body"})
	}
	if g.schema != nil && flatten(g.schema).Type.Is("object") {
		raw = append(raw, rawBody{"body/not_an_object", g.media, "[]", "a JSON array instead of an object"})
	}
	if len(g.bodies) > 0 {
		raw = append(raw, rawBody{"header/content_type/text_plain", "text/plain", string(mustJSON(g.bodies[0].value)), "a valid body sent as text/plain"})
	}
	for _, bad := range g.schemaViolations() {
		raw = append(raw, rawBody{"body" + bad.name, g.media, string(mustJSON(bad.value)), "body " + bad.desc})
	}
	var out []Case
	for _, r := range raw {
		c := g.base(CheckNegativeDataRejection, r.name, r.desc)
		c.Header.Set("Content-Type", r.ct)
		c.Body = []byte(r.body)
		out = append(out, c)
	}
	return out
}

// schemaViolations are the bodies that break the body schema, starting from the first valid
// body (or one built from the schema) when it is an object.
func (g *opGen) schemaViolations() []badValue {
	if g.schema == nil {
		return nil
	}
	var valid map[string]any
	if len(g.bodies) > 0 {
		valid, _ = g.bodies[0].value.(map[string]any)
	} else {
		v, _ := sample(g.schema)
		valid, _ = v.(map[string]any)
	}
	if valid == nil {
		return nil
	}
	return bodyViolations(flatten(g.schema), valid, "")
}

// bodyViolations derives invalid variants of the valid object value from schema, one problem
// each; names are JSON pointers plus the kind of problem: "/wabaId/missing".
func bodyViolations(schema *openapi3.Schema, value map[string]any, prefix string) []badValue {
	var out []badValue
	with := func(name string, v any) map[string]any {
		c := maps.Clone(value)
		c[name] = v
		return c
	}
	for _, name := range slices.Sorted(maps.Keys(schema.Properties)) {
		ref := schema.Properties[name]
		if ref == nil || ref.Value == nil {
			continue
		}
		s, ptr := ref.Value, prefix+"/"+pointerEscaper.Replace(name)
		if slices.Contains(schema.Required, name) {
			c := maps.Clone(value)
			delete(c, name)
			out = append(out, badValue{ptr + "/missing", ptr + ": required property missing", c})
		}
		if wrong, ok := wrongType(s); ok {
			out = append(out, badValue{ptr + "/wrong_type", fmt.Sprintf("%s: %T instead of %s", ptr, wrong, typeName(s)), with(name, wrong)})
		}
		if !s.Nullable && !s.Type.IsEmpty() && !s.Type.Includes("null") {
			out = append(out, badValue{ptr + "/null", ptr + ": null", with(name, nil)})
		}
		for _, bad := range valueViolations(s) {
			out = append(out, badValue{ptr + "/" + bad.name, ptr + ": " + bad.desc, with(name, bad.value)})
		}
		if inner, ok := value[name].(map[string]any); ok && s.Type.Is("object") {
			for _, bad := range bodyViolations(s, inner, ptr) {
				out = append(out, badValue{bad.name, bad.desc, with(name, bad.value)})
			}
		}
	}
	return out
}

// paramViolations are URL-safe values that break a parameter's schema (scalars only).
func paramViolations(s *openapi3.Schema) []badValue {
	if s == nil {
		return nil
	}
	var out []badValue
	if s.Type.Is("integer") || s.Type.Is("number") || s.Type.Is("boolean") {
		out = append(out, badValue{"wrong_type", "a word instead of " + typeName(s), "contracttest"})
	}
	for _, bad := range valueViolations(s) {
		if f, ok := bad.value.(float64); ok {
			bad.value = strconv.FormatFloat(f, 'f', -1, 64)
		}
		if _, ok := bad.value.(string); ok {
			out = append(out, bad)
		}
	}
	return out
}

// valueViolations are values of s's own type that break another of its rules.
func valueViolations(s *openapi3.Schema) []badValue {
	var out []badValue
	if s.Type.Is("string") {
		out = stringViolations(s)
	}
	if s.Type.Is("integer") {
		out = append(out, badValue{"not_an_integer", "a fraction instead of an integer", 1.5})
	}
	return slices.Concat(out, rangeViolations(s), enumViolations(s))
}

// rangeViolations are the numbers just outside s's minimum and maximum (exclusive or not).
func rangeViolations(s *openapi3.Schema) []badValue {
	if !s.Type.Is("integer") && !s.Type.Is("number") {
		return nil
	}
	var out []badValue
	if lo, excl := lowerBound(s); lo != nil {
		v, desc := *lo-1, fmt.Sprintf("below minimum %v", *lo)
		if excl {
			v, desc = *lo, fmt.Sprintf("equal to exclusive minimum %v", *lo)
		}
		out = append(out, badValue{"below_minimum", desc, v})
	}
	if hi, excl := upperBound(s); hi != nil {
		v, desc := *hi+1, fmt.Sprintf("above maximum %v", *hi)
		if excl {
			v, desc = *hi, fmt.Sprintf("equal to exclusive maximum %v", *hi)
		}
		out = append(out, badValue{"above_maximum", desc, v})
	}
	return out
}

// lowerBound is s's minimum and whether it is exclusive, in either OpenAPI 3.0's form (a
// boolean beside minimum) or 3.1's (exclusiveMinimum a number).
func lowerBound(s *openapi3.Schema) (*float64, bool) {
	if v := s.ExclusiveMin.Value; v != nil && (s.Min == nil || *v >= *s.Min) {
		return v, true
	}
	return s.Min, s.Min != nil && s.ExclusiveMin.IsTrue()
}

// upperBound is lowerBound for the maximum.
func upperBound(s *openapi3.Schema) (*float64, bool) {
	if v := s.ExclusiveMax.Value; v != nil && (s.Max == nil || *v <= *s.Max) {
		return v, true
	}
	return s.Max, s.Max != nil && s.ExclusiveMax.IsTrue()
}

// enumViolations is a value outside s's enum, breaking no other rule of s where one is found.
func enumViolations(s *openapi3.Schema) []badValue {
	if len(s.Enum) == 0 {
		return nil
	}
	rest := *s
	rest.Enum = nil
	var candidates []any
	switch {
	case s.Type.Is("string"):
		candidates = append(candidates, "contracttest-not-in-enum")
		if v, ok := build(&rest, 0); ok {
			candidates = append(candidates, v)
		}
	case s.Type.Is("integer"), s.Type.Is("number"):
		start := 0.0
		if lo, _ := lowerBound(s); lo != nil {
			start = math.Floor(*lo)
		}
		for i := range len(s.Enum) + 2 {
			candidates = append(candidates, start+float64(i))
		}
	case s.Type.Is("boolean"):
		candidates = append(candidates, true, false)
	}
	var outside []any
	for _, c := range candidates {
		if !slices.ContainsFunc(s.Enum, func(e any) bool { return string(mustJSON(e)) == string(mustJSON(c)) }) {
			outside = append(outside, c)
		}
	}
	for _, c := range outside {
		if rest.VisitJSON(c) == nil {
			return []badValue{{"not_in_enum", "a value outside the enum", c}}
		}
	}
	if len(outside) > 0 {
		return []badValue{{"not_in_enum", "a value outside the enum", outside[0]}}
	}
	return nil
}

// flatten is s with the properties, required names and object type of its allOf parts merged
// in, so a composed body gets the same violations as a plain one.
func flatten(s *openapi3.Schema) *openapi3.Schema {
	if len(s.AllOf) == 0 {
		return s
	}
	out := *s
	out.AllOf, out.Properties, out.Required = nil, maps.Clone(s.Properties), slices.Clone(s.Required)
	if out.Properties == nil {
		out.Properties = openapi3.Schemas{}
	}
	for _, ref := range s.AllOf {
		part := schemaOf(ref)
		if part == nil {
			continue
		}
		part = flatten(part)
		maps.Copy(out.Properties, part.Properties)
		out.Required = append(out.Required, part.Required...)
		if out.Type.IsEmpty() && part.Type.Is("object") {
			out.Type = part.Type
		}
	}
	return &out
}

// wrongType is a JSON value of a type the schema does not allow.
func wrongType(s *openapi3.Schema) (any, bool) {
	switch {
	case s.Type.Is("string"):
		return 12345, true
	case s.Type.Is("boolean"):
		return "true", true
	case s.Type.Is("integer"), s.Type.Is("number"):
		return "1", true
	case s.Type.Is("object"):
		return []any{}, true
	case s.Type.Is("array"):
		return map[string]any{}, true
	}
	return nil, false
}

// patternMisses are tried in order for a string that fails a pattern; URL-path safe.
var patternMisses = []string{"not-a-valid-value", "x", "0", "-1", "zz_zz", "~"}

// stringViolations break s's pattern, minLength and maxLength, each that rule alone if possible.
func stringViolations(s *openapi3.Schema) []badValue {
	var re *regexp.Regexp
	if s.Pattern != "" {
		re, _ = regexp.Compile(s.Pattern)
	}
	fitsLength := func(v string) bool {
		n := uint64(len([]rune(v)))
		return n >= s.MinLength && (s.MaxLength == nil || n <= *s.MaxLength)
	}
	var out []badValue
	if re != nil {
		if i := slices.IndexFunc(patternMisses, func(v string) bool { return !re.MatchString(v) && fitsLength(v) }); i >= 0 {
			out = append(out, badValue{"pattern", fmt.Sprintf("%q does not match %s", patternMisses[i], s.Pattern), patternMisses[i]})
		}
	}
	if s.MaxLength != nil && *s.MaxLength < 1<<16 {
		for _, ch := range []string{"1", "a", "A", "0", "f"} {
			if v := strings.Repeat(ch, int(*s.MaxLength)+1); re == nil || re.MatchString(v) {
				out = append(out, badValue{"max_length", fmt.Sprintf("longer than maxLength %d", *s.MaxLength), v})
				break
			}
		}
	}
	if s.MinLength > 0 && s.MinLength < 1<<16 {
		v := strings.Repeat("1", int(s.MinLength)-1)
		out = append(out, badValue{"min_length", fmt.Sprintf("shorter than minLength %d", s.MinLength), v})
	}
	return out
}
