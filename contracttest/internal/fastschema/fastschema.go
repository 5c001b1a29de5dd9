// Package fastschema compiles the small subset of OpenAPI 3.0 schemas this spec uses into
// checkers that scan a JSON document once, without decoding it into maps.
//
// A checker answers one question: is this document certainly valid, in exactly the sense
// kin-openapi's openapi3filter would judge it (json.Decoder with UseNumber, then
// Schema.VisitJSON)? It says yes only on the common, plain shape — an object of known
// properties with scalar values, or a bare scalar — and says "not sure" for everything else
// (escapes, unknown properties, nulls, nesting, duplicates, exotic numbers). Callers then ask
// kin-openapi, so a fast answer never differs from the slow one; it only skips work on the
// happy path.
package fastschema

import (
	"encoding/json"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"
)

type kind uint8

const (
	kindObject kind = iota + 1
	kindString
	kindBoolean
	kindInteger
)

// Schema is a compiled schema. The zero value is not usable; use [Compile].
type Schema struct {
	kind kind

	// object
	props    []property // in declaration order; few, so a slice beats a map
	required uint64     // bit i set: props[i] is required

	// string
	pattern        *regexp.Regexp // nil when none
	minLen, maxLen int            // maxLen < 0: unbounded
	enum           []string       // nil: any string

	// integer
	min, max float64 // ±Inf when unbounded
}

type property struct {
	name   string
	schema *Schema
}

// Compile compiles s, or reports false when s uses anything outside the supported subset
// (then there is no fast path and every document must go to kin-openapi).
func Compile(s *openapi3.Schema) (*Schema, bool) {
	if s == nil || !plain(s) {
		return nil, false
	}
	if len(s.Enum) > 0 && !s.Type.Is("string") {
		return nil, false // enum is implemented for strings only
	}
	switch {
	case s.Type.Is("object"):
		return compileObject(s)
	case s.Type.Is("string"):
		if s.MinLength > math.MaxInt32 {
			return nil, false
		}
		c := &Schema{kind: kindString, minLen: int(s.MinLength), maxLen: -1}
		if s.MaxLength != nil {
			if *s.MaxLength > math.MaxInt32 {
				return nil, false
			}
			c.maxLen = int(*s.MaxLength)
		}
		if s.Pattern != "" {
			// kin-openapi rewrites \uXXXX before compiling; rather than copy that, refuse it.
			if strings.Contains(s.Pattern, `\u`) {
				return nil, false
			}
			re, err := regexp.Compile(s.Pattern)
			if err != nil {
				return nil, false
			}
			c.pattern = re
		}
		for _, v := range s.Enum {
			// kin-openapi compares a string to a string enum value with reflect.DeepEqual:
			// byte for byte. A value of any other type (a number, a bool) never equals a
			// string there, but refusing it is simpler than proving that.
			str, ok := v.(string)
			if !ok {
				return nil, false
			}
			c.enum = append(c.enum, str)
		}
		return c, true
	case s.Type.Is("boolean"):
		return &Schema{kind: kindBoolean}, true
	case s.Type.Is("integer"):
		c := &Schema{kind: kindInteger, min: math.Inf(-1), max: math.Inf(1)}
		if s.Min != nil {
			c.min = *s.Min
		}
		if s.Max != nil {
			c.max = *s.Max
		}
		return c, true
	}
	return nil, false
}

// allowed are the keywords this package implements, plus annotations that do not validate.
// Specification extensions (x-…) are allowed too: kin-openapi keeps them in
// Schema.Extensions and never reads them when validating. Anything else (nullable, readOnly,
// allOf, format, any 3.1 keyword, an unknown key) means no fast path.
var allowed = map[string]bool{
	"type": true, "properties": true, "required": true, "pattern": true,
	"minLength": true, "maxLength": true, "minimum": true, "maximum": true, "enum": true,
	"description": true, "title": true, "example": true,
}

// plain reports whether s uses only allowed keywords. It looks at s as JSON so that a keyword
// kin-openapi adds in a later version is refused rather than silently ignored.
func plain(s *openapi3.Schema) bool {
	if s.Type == nil || len(*s.Type) != 1 {
		return false
	}
	raw, err := json.Marshal(s)
	if err != nil {
		return false
	}
	var keys map[string]json.RawMessage
	if json.Unmarshal(raw, &keys) != nil {
		return false
	}
	for k := range keys {
		if !allowed[k] && !strings.HasPrefix(k, "x-") {
			return false
		}
	}
	return true
}

func compileObject(s *openapi3.Schema) (*Schema, bool) {
	c := &Schema{kind: kindObject}
	for name, ref := range s.Properties {
		if ref == nil {
			return nil, false
		}
		ps, ok := Compile(ref.Value)
		if !ok {
			return nil, false
		}
		c.props = append(c.props, property{name: name, schema: ps})
	}
	if len(c.props) > 64 {
		return nil, false
	}
	// Map order is random; sort so the compiled form is deterministic.
	for i := 1; i < len(c.props); i++ {
		for j := i; j > 0 && c.props[j].name < c.props[j-1].name; j-- {
			c.props[j], c.props[j-1] = c.props[j-1], c.props[j]
		}
	}
	for _, r := range s.Required {
		i := c.index(r)
		if i < 0 {
			return nil, false // required but undeclared: leave it to kin-openapi
		}
		c.required |= 1 << i
	}
	return c, true
}

func (s *Schema) index(name string) int {
	for i, p := range s.props {
		if p.name == name {
			return i
		}
	}
	return -1
}

// Valid reports whether data is certainly a valid document for s. False means "not sure":
// the document may still be valid. A nil Schema, what Compile refuses with, is never sure.
func (s *Schema) Valid(data []byte) bool {
	if s == nil {
		return false
	}
	i := skipSpace(data, 0)
	i, ok := s.scan(data, i)
	if !ok {
		return false
	}
	return skipSpace(data, i) == len(data)
}

func (s *Schema) scan(data []byte, i int) (int, bool) {
	if i >= len(data) {
		return i, false
	}
	switch s.kind {
	case kindObject:
		return s.scanObject(data, i)
	case kindString:
		if data[i] != '"' {
			return i, false
		}
		str, next, ok := plainString(data, i)
		if !ok || !s.validString(str) {
			return i, false
		}
		return next, true
	case kindBoolean:
		if hasPrefix(data[i:], "true") {
			return i + 4, true
		}
		if hasPrefix(data[i:], "false") {
			return i + 5, true
		}
		return i, false
	case kindInteger:
		j := i
		if j < len(data) && data[j] == '-' {
			j++
		}
		start := j
		for j < len(data) && data[j] >= '0' && data[j] <= '9' {
			j++
		}
		n := j - start
		// A plain JSON integer of at most 15 digits is exact as a float64.
		if n == 0 || n > 15 || (n > 1 && data[start] == '0') {
			return i, false
		}
		v, err := strconv.ParseInt(string(data[i:j]), 10, 64)
		if err != nil || float64(v) < s.min || float64(v) > s.max {
			return i, false
		}
		return j, true
	}
	return i, false
}

func (s *Schema) scanObject(data []byte, i int) (int, bool) {
	if data[i] != '{' {
		return i, false
	}
	i = skipSpace(data, i+1)
	var seen uint64
	if i < len(data) && data[i] == '}' {
		return i + 1, s.required == 0
	}
	for {
		if i >= len(data) || data[i] != '"' {
			return i, false
		}
		name, next, ok := plainString(data, i)
		if !ok {
			return i, false
		}
		idx := -1
		for k, p := range s.props {
			if p.name == name {
				idx = k
				break
			}
		}
		if idx < 0 || seen&(1<<idx) != 0 {
			return i, false // unknown or duplicate property: not sure
		}
		seen |= 1 << idx
		i = skipSpace(data, next)
		if i >= len(data) || data[i] != ':' {
			return i, false
		}
		i = skipSpace(data, i+1)
		if i, ok = s.props[idx].schema.scan(data, i); !ok {
			return i, false
		}
		i = skipSpace(data, i)
		if i >= len(data) {
			return i, false
		}
		switch data[i] {
		case ',':
			i = skipSpace(data, i+1)
		case '}':
			return i + 1, seen&s.required == s.required
		default:
			return i, false
		}
	}
}

func (s *Schema) validString(v string) bool {
	if s.minLen > 0 || s.maxLen >= 0 {
		n := utf8.RuneCountInString(v)
		if n < s.minLen || (s.maxLen >= 0 && n > s.maxLen) {
			return false
		}
	}
	if s.enum != nil && !slices.Contains(s.enum, v) {
		return false
	}
	return s.pattern == nil || s.pattern.MatchString(v)
}

// plainString returns the contents of the JSON string starting at data[i] when it holds
// no escapes, no control characters and only valid UTF-8, so its bytes are its value.
func plainString(data []byte, i int) (string, int, bool) {
	for j := i + 1; j < len(data); j++ {
		switch c := data[j]; {
		case c == '"':
			v := data[i+1 : j]
			if !utf8.Valid(v) {
				return "", i, false
			}
			return unsafeString(v), j + 1, true
		case c == '\\' || c < 0x20:
			return "", i, false
		}
	}
	return "", i, false
}

func skipSpace(data []byte, i int) int {
	for i < len(data) {
		switch data[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

func hasPrefix(b []byte, p string) bool { return len(b) >= len(p) && string(b[:len(p)]) == p }

// ValidString reports whether v is certainly valid for a string schema (path parameters).
func (s *Schema) ValidString(v string) bool {
	return s != nil && s.kind == kindString && s.validString(v)
}
