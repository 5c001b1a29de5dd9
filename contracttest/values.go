package contracttest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"
)

func schemaOf(ref *openapi3.SchemaRef) *openapi3.Schema {
	if ref == nil {
		return nil
	}
	return ref.Value
}

// examples are the documented examples that have a value, by name.
func examples(exs openapi3.Examples) []namedBody {
	var out []namedBody
	for _, name := range slices.Sorted(maps.Keys(exs)) {
		if ex := exs[name]; ex != nil && ex.Value != nil && ex.Value.Value != nil {
			out = append(out, namedBody{name: name, value: ex.Value.Value})
		}
	}
	return out
}

// paramValue is a valid value for p: its first example (by name), else one built from its schema.
func paramValue(p *openapi3.Parameter) (string, bool) {
	v := p.Example
	if exs := examples(p.Examples); v == nil && len(exs) > 0 {
		v = exs[0].value
	}
	if v == nil {
		s := schemaOf(p.Schema)
		if s == nil {
			return "", false
		}
		var ok bool
		if v, ok = sample(s); !ok {
			return "", false
		}
	}
	switch v := v.(type) {
	case string:
		return v, true
	case bool:
		return strconv.FormatBool(v), true
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), true
	case int, int64:
		return fmt.Sprint(v), true
	}
	return "", false // arrays and objects need a serialisation style; not built
}

// checkValue converts raw to the type s gives and checks it against s. Its errors never
// contain raw.
func checkValue(s *openapi3.Schema, raw string) (any, error) {
	if !utf8.ValidString(raw) {
		return nil, errors.New("not valid UTF-8") // JSON would silently replace the bad bytes
	}
	if s == nil {
		return raw, nil
	}
	var v any
	var err error
	switch {
	case s.Type.IsEmpty(), s.Type.Is("string"):
		v = raw
	case s.Type.Is("boolean"):
		v, err = raw == "true", nil
		if raw != "true" && raw != "false" {
			err = errors.New("want true or false")
		}
	case s.Type.Is("integer"):
		if v, err = strconv.ParseInt(raw, 10, 64); err != nil {
			err = errors.New("want an integer")
		}
	case s.Type.Is("number"):
		if v, err = strconv.ParseFloat(raw, 64); err != nil {
			err = errors.New("want a number")
		}
	default:
		if err = json.Unmarshal([]byte(raw), &v); err != nil {
			err = fmt.Errorf("want JSON (%s)", typeName(s))
		}
	}
	if err != nil {
		return nil, err
	}
	if err := s.VisitJSON(v); err != nil {
		var se *openapi3.SchemaError
		if errors.As(err, &se) && se.Reason != "" {
			return nil, errors.New(se.Reason)
		}
		return nil, errors.New("does not match its schema")
	}
	return v, nil
}

// sample builds a value s accepts: its example, default or first enum value, else one made
// from its type and bounds. It reports false when it finds none (a pattern none of the tried
// strings match, a composed schema).
func sample(s *openapi3.Schema) (any, bool) {
	v, ok := build(s, 0)
	if !ok || s.VisitJSON(v) != nil {
		return nil, false
	}
	return v, true
}

func build(s *openapi3.Schema, depth int) (any, bool) {
	switch {
	case s == nil || depth > 8: // a recursive schema
		return nil, false
	case s.Example != nil:
		return s.Example, true
	case s.Default != nil:
		return s.Default, true
	case len(s.Enum) > 0:
		return s.Enum[0], true
	case len(s.AllOf) > 0 || len(s.OneOf) > 0 || len(s.AnyOf) > 0:
		return buildComposed(s, depth)
	}
	var candidates []any
	switch {
	case s.Type.Is("string"):
		candidates = stringCandidates(s)
	case s.Type.Is("integer"), s.Type.Is("number"):
		candidates = numberCandidates(s)
	case s.Type.Is("boolean"):
		candidates = append(candidates, true)
	case s.Type.Is("array"):
		item := []any{}
		if s.MinItems > 0 {
			v, ok := build(schemaOf(s.Items), depth+1)
			if !ok || s.MinItems > 1 && s.UniqueItems || s.MinItems > 64 {
				return nil, false
			}
			for range s.MinItems {
				item = append(item, v)
			}
		}
		candidates = append(candidates, item)
	case s.Type.Is("object"), s.Type.IsEmpty() && len(s.Properties) > 0:
		obj := map[string]any{}
		for _, name := range s.Required {
			v, ok := build(schemaOf(s.Properties[name]), depth+1)
			if !ok {
				return nil, false
			}
			obj[name] = v
		}
		candidates = append(candidates, obj)
	}
	for _, c := range candidates {
		if s.VisitJSON(c) == nil {
			return c, true
		}
	}
	return nil, false
}

// formatSamples are valid strings of the common formats, tried before plain words.
var formatSamples = map[string]string{
	"date-time": "2024-01-02T03:04:05Z", "date": "2024-01-02", "email": "contracttest@example.com",
	"uuid": "0b6f0c8e-5d5a-4b7e-9c1a-2f3e4d5c6b7a", "uri": "https://example.com/contracttest",
	"ipv4": "192.0.2.1", "ipv6": "2001:db8::1", "hostname": "example.com",
}

// stringCandidates are the strings build tries for s: its format's sample, a word, then runs
// of one character as long as minLength asks.
func stringCandidates(s *openapi3.Schema) []any {
	var out []any
	if f, ok := formatSamples[s.Format]; ok {
		out = append(out, f)
	}
	out = append(out, "contracttest")
	n := max(int(min(s.MinLength, 1<<12)), 1)
	for _, ch := range []string{"1", "a", "A", "0", "f", "x"} {
		out = append(out, strings.Repeat(ch, n))
	}
	return out
}

// numberCandidates are the numbers build tries for s: its bounds and their neighbours, the
// middle, 1 and 0, and multiples of its multipleOf.
func numberCandidates(s *openapi3.Schema) []any {
	var out []any
	lo, _ := lowerBound(s)
	hi, _ := upperBound(s)
	for _, bound := range []*float64{lo, hi} {
		if bound != nil {
			out = append(out, *bound, *bound+1, *bound-1)
		}
	}
	if lo != nil && hi != nil {
		out = append(out, math.Floor((*lo+*hi)/2), (*lo+*hi)/2)
	}
	out = append(out, 1.0, 0.0)
	if m := s.MultipleOf; m != nil && *m > 0 {
		start := 0.0
		if lo != nil {
			start = math.Ceil(*lo / *m) * *m
		}
		out = append(out, start, start+*m)
	}
	return out
}

// buildComposed builds a value for a schema with allOf, oneOf or anyOf: the allOf parts and the
// schema's own properties merged, with the first oneOf and anyOf alternative that makes the
// whole acceptable.
func buildComposed(s *openapi3.Schema, depth int) (any, bool) {
	own := *s
	own.AllOf, own.OneOf, own.AnyOf = nil, nil, nil
	var parts []any
	if !own.Type.IsEmpty() || len(own.Properties) > 0 {
		v, ok := build(&own, depth+1)
		if !ok {
			return nil, false
		}
		parts = append(parts, v)
	}
	for _, ref := range s.AllOf {
		v, ok := build(schemaOf(ref), depth+1)
		if !ok {
			return nil, false
		}
		parts = append(parts, v)
	}
	for i, alts := range []openapi3.SchemaRefs{s.OneOf, s.AnyOf} {
		if len(alts) == 0 {
			continue
		}
		v, ok := pickAlternative(alts, parts, i == 0, depth)
		if !ok {
			return nil, false
		}
		parts = append(parts, v)
	}
	v := merge(parts)
	return v, v != nil
}

// pickAlternative is the value of the first of alts that, merged with parts, its alternative
// accepts (and, for oneOf, no other).
func pickAlternative(alts openapi3.SchemaRefs, parts []any, oneOf bool, depth int) (any, bool) {
	for _, ref := range alts {
		v, ok := build(schemaOf(ref), depth+1)
		if !ok {
			continue
		}
		m := merge(append(slices.Clone(parts), v))
		matching := 0
		for _, alt := range alts {
			if s := schemaOf(alt); s != nil && s.VisitJSON(m) == nil {
				matching++
			}
		}
		if schemaOf(ref).VisitJSON(m) == nil && (!oneOf || matching == 1) {
			return v, true
		}
	}
	return nil, false
}

// merge is the objects of parts merged into one, or the last part when they are not all objects.
func merge(parts []any) any {
	if len(parts) == 0 {
		return nil
	}
	out := map[string]any{}
	for _, p := range parts {
		obj, ok := p.(map[string]any)
		if !ok {
			return parts[len(parts)-1]
		}
		maps.Copy(out, obj)
	}
	return out
}

func typeName(s *openapi3.Schema) string {
	if t := s.Type.Slice(); len(t) > 0 {
		return strings.Join(t, "|")
	}
	return "any"
}

func mustJSON(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(err) // values come from a parsed spec or this file; always encodable
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}
