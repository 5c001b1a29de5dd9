// Command genconstraints writes gen/constraints.gen.go: for every operation of the spec, the
// rules of its path and query parameters and JSON request-body properties (required, type,
// pattern, length, enum, integer bounds), as plain Go values keyed by operationId. client/
// checks input against them before any network call without compiling kin-openapi, and they
// cannot drift from the spec because `make check-generated` regenerates them. A schema it
// cannot express as such rules (arrays, nested objects, allOf, formats, ...) fails the
// generation instead of being checked halfway. It runs from gen/generate.go.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"go/format"
	"go/token"
	"maps"
	"math"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/hubmessage/hubmessage-go/openapi"
)

// patternDescription is the vendor extension, on a parameter or a schema, that says in words
// what the pattern accepts, so an error can read "must be a UUID or 32 hexadecimal digits".
const patternDescription = "x-pattern-description"

func main() {
	out := flag.String("o", "constraints.gen.go", "output file")
	flag.Parse()
	if err := run(*out); err != nil {
		fmt.Fprintln(os.Stderr, "genconstraints:", err)
		os.Exit(1)
	}
}

func run(out string) error {
	doc, err := openapi.Spec()
	if err != nil {
		return err
	}
	src, err := generate(doc, openapi.FileName)
	if err != nil {
		return err
	}
	return os.WriteFile(out, src, 0o644)
}

// rule is one input value's rules, as read from the spec.
type rule struct {
	name, in, typ      string
	required, nullable bool
	minLength          uint64
	maxLength          int64 // -1: none
	pattern, patDesc   string
	patternVar         string // the named variable holding the compiled pattern, or ""
	enum               []string
	minimum, maximum   *bound
}

type bound struct {
	value     int64
	exclusive bool
}

// operation is one operation's input, with the names of the shared variables it refers to.
type operation struct {
	id, method, path string
	params           []string // Go expressions, each a Rule
	body             *body
}

type body struct {
	required   bool
	properties string // a Go expression of type []Rule
}

// generator collects the output: operations, and the variables shared by operations that
// reference the same component ($ref), each emitted once.
type generator struct {
	source   string
	ops      []operation
	params   map[string]rule   // component parameter name -> its rule
	schemas  map[string][]rule // component schema name -> its properties' rules
	varNames map[string]string // Go name -> what it was made for, to catch collisions
}

// generate returns the gofmt'd source of constraints.gen.go for doc, read from source (a
// path shown in the header and in errors). The output depends only on doc: operations are
// sorted by operationId, parameters by location and name, properties by name.
func generate(doc *openapi3.T, source string) ([]byte, error) {
	g := &generator{source: source, params: map[string]rule{}, schemas: map[string][]rule{}, varNames: map[string]string{}}
	for _, path := range slices.Sorted(maps.Keys(doc.Paths.Map())) {
		item := doc.Paths.Value(path)
		ops := item.Operations()
		for _, method := range slices.Sorted(maps.Keys(ops)) {
			if err := g.addOperation(path, method, item, ops[method]); err != nil {
				return nil, err
			}
		}
	}
	if len(g.ops) == 0 {
		return nil, fmt.Errorf("%s: no operations", source)
	}
	slices.SortFunc(g.ops, func(a, b operation) int { return strings.Compare(a.id, b.id) })
	return g.emit()
}

func (g *generator) addOperation(path, method string, item *openapi3.PathItem, op *openapi3.Operation) error {
	where := fmt.Sprintf("%s: %s %s", g.source, method, path)
	if op.OperationID == "" {
		return fmt.Errorf("%s: no operationId", where)
	}
	o := operation{id: op.OperationID, method: method, path: path}
	if slices.ContainsFunc(g.ops, func(prev operation) bool { return prev.id == o.id }) {
		return fmt.Errorf("%s: operationId %q is used twice", where, o.id)
	}
	if _, err := g.claim(exported(o.id)+"Rules", "operation "+o.id, where); err != nil {
		return err
	}
	where = fmt.Sprintf("%s: operation %s", g.source, o.id)

	// Path-level parameters apply unless the operation redefines them (same name and location).
	params := slices.Clone(op.Parameters)
	for _, p := range item.Parameters {
		if p.Value == nil || op.Parameters.GetByInAndName(p.Value.In, p.Value.Name) == nil {
			params = append(params, p)
		}
	}
	for _, p := range params {
		if p.Value == nil {
			return fmt.Errorf("%s: unresolved parameter %s", where, p.Ref)
		}
	}
	slices.SortFunc(params, func(a, b *openapi3.ParameterRef) int {
		if c := strings.Compare(locationOrder(a.Value), locationOrder(b.Value)); c != 0 {
			return c
		}
		return strings.Compare(a.Value.Name, b.Value.Name)
	})
	for _, p := range params {
		expr, err := g.parameter(where, p)
		if err != nil {
			return err
		}
		o.params = append(o.params, expr)
	}

	if op.RequestBody != nil {
		b, err := g.requestBody(where, op.RequestBody)
		if err != nil {
			return err
		}
		o.body = b
	}
	g.ops = append(g.ops, o)
	return nil
}

// locationOrder sorts path parameters before query ones; other locations fail later.
func locationOrder(p *openapi3.Parameter) string {
	if p.In == openapi3.ParameterInPath {
		return "0"
	}
	return "1" + p.In
}

// parameter returns the Go expression of p's rule: a shared variable for a component
// parameter, a literal otherwise.
func (g *generator) parameter(where string, ref *openapi3.ParameterRef) (string, error) {
	p := ref.Value
	component := componentName(ref.Ref, "#/components/parameters/")
	where = fmt.Sprintf("%s: %s parameter %s", where, p.In, p.Name)
	if component != "" {
		where = fmt.Sprintf("%s: parameter %s (%s)", g.source, p.Name, ref.Ref)
		if _, done := g.params[component]; done {
			return exported(component) + "Rule", nil
		}
	}
	switch {
	case p.In != openapi3.ParameterInPath && p.In != openapi3.ParameterInQuery:
		return "", fmt.Errorf("%s: only path and query parameters are supported", where)
	case p.Content != nil:
		return "", fmt.Errorf("%s: a parameter with content is not supported; give it a schema", where)
	case p.Schema == nil || p.Schema.Value == nil:
		return "", fmt.Errorf("%s: no schema", where)
	}
	desc, err := extensionString(where, p.Extensions)
	if err != nil {
		return "", err
	}
	r, err := readRule(where, p.Name, p.In, p.Required, p.Schema.Value, desc)
	if err != nil {
		return "", err
	}
	if r.nullable {
		return "", fmt.Errorf("%s: a nullable parameter is not supported", where)
	}
	if component == "" {
		return literal(r, false), nil
	}
	if _, err := g.claim(exported(component)+"Rule", ref.Ref, where); err != nil {
		return "", err
	}
	if r.pattern != "" {
		if r.patternVar, err = g.claim(exported(component)+"Pattern", ref.Ref+" pattern", where); err != nil {
			return "", err
		}
	}
	g.params[component] = r
	return exported(component) + "Rule", nil
}

// requestBody reads a JSON request body whose schema is an object of supported properties.
func (g *generator) requestBody(where string, ref *openapi3.RequestBodyRef) (*body, error) {
	rb := ref.Value
	where += ": request body"
	if rb == nil {
		return nil, fmt.Errorf("%s: unresolved %s", where, ref.Ref)
	}
	media := rb.Content.Get("application/json")
	if len(rb.Content) != 1 || media == nil {
		return nil, fmt.Errorf("%s: want exactly one media type, application/json; have %v", where, slices.Sorted(maps.Keys(rb.Content)))
	}
	if media.Schema == nil || media.Schema.Value == nil {
		return nil, fmt.Errorf("%s: no schema", where)
	}
	b := &body{required: rb.Required}
	component := componentName(media.Schema.Ref, "#/components/schemas/")
	if component != "" {
		b.properties = exported(component) + "Rules"
		if _, done := g.schemas[component]; done {
			return b, nil
		}
		where = fmt.Sprintf("%s: schema %s", g.source, component)
	}
	props, err := objectRules(where, media.Schema.Value)
	if err != nil {
		return nil, err
	}
	if component == "" {
		b.properties = rulesLiteral(props)
		return b, nil
	}
	if _, err := g.claim(b.properties, media.Schema.Ref, where); err != nil {
		return nil, err
	}
	g.schemas[component] = props
	return b, nil
}

// objectRules reads the properties of an object schema, sorted by name.
func objectRules(where string, s *openapi3.Schema) ([]rule, error) {
	if s.Type != nil && !s.Type.Is(openapi3.TypeObject) {
		return nil, fmt.Errorf("%s: want an object, have type %v", where, s.Type.Slice())
	}
	rest := *s
	rest.Type, rest.Properties, rest.Required = nil, nil, nil
	if ap := s.AdditionalProperties; ap.Schema == nil {
		rest.AdditionalProperties = openapi3.AdditionalProperties{} // true or false: a generated struct sends only its own properties
	}
	if err := onlyAnnotations(where, rest); err != nil {
		return nil, err
	}
	if len(s.Properties) == 0 {
		return nil, fmt.Errorf("%s: an object without properties is not supported", where)
	}
	for _, name := range s.Required {
		if s.Properties[name] == nil {
			return nil, fmt.Errorf("%s: required property %q is not defined", where, name)
		}
	}
	var rules []rule
	for _, name := range slices.Sorted(maps.Keys(s.Properties)) {
		ref := s.Properties[name]
		pwhere := where + ": property " + name
		if ref == nil || ref.Value == nil {
			return nil, fmt.Errorf("%s: no schema", pwhere)
		}
		r, err := readRule(pwhere, name, "body", slices.Contains(s.Required, name), ref.Value, "")
		if err != nil {
			return nil, err
		}
		rules = append(rules, r)
	}
	return rules, nil
}

// readRule reads the rules of one primitive schema. desc is the parameter's own
// x-pattern-description, if any.
func readRule(where, name, in string, required bool, s *openapi3.Schema, desc string) (rule, error) {
	types := s.Type.Slice()
	if len(types) != 1 {
		return rule{}, fmt.Errorf("%s: want exactly one type, have %v", where, types)
	}
	r := rule{name: name, in: in, typ: types[0], required: required, nullable: s.Nullable, minLength: s.MinLength, maxLength: -1, pattern: s.Pattern}
	switch r.typ {
	case openapi3.TypeString, openapi3.TypeInteger, openapi3.TypeNumber, openapi3.TypeBoolean:
	default:
		return rule{}, fmt.Errorf("%s: type %s is not supported (only string, integer, number and boolean)", where, r.typ)
	}

	rest := *s
	rest.Type, rest.Nullable, rest.Enum = nil, false, nil
	rest.MinLength, rest.MaxLength, rest.Pattern = 0, nil, ""
	rest.Min, rest.Max, rest.ExclusiveMin, rest.ExclusiveMax = nil, nil, openapi3.ExclusiveBound{}, openapi3.ExclusiveBound{}
	switch {
	case s.Format == "" || allowedFormat(r.typ, s.Format):
		rest.Format = "" // int32 and the like: the generated Go type already holds the value
	case r.typ == openapi3.TypeString:
		return rule{}, fmt.Errorf("%s: format %q is not supported (use a pattern)", where, s.Format)
	default:
		return rule{}, fmt.Errorf("%s: format %q is not supported on %s", where, s.Format, r.typ)
	}
	if err := onlyAnnotations(where, rest); err != nil {
		return rule{}, err
	}

	if r.typ != openapi3.TypeString && (s.MinLength != 0 || s.MaxLength != nil || s.Pattern != "") {
		return rule{}, fmt.Errorf("%s: minLength, maxLength and pattern apply to strings, not to %s", where, r.typ)
	}
	if s.MaxLength != nil {
		if *s.MaxLength > math.MaxInt32 {
			return rule{}, fmt.Errorf("%s: maxLength %d is too large", where, *s.MaxLength)
		}
		r.maxLength = int64(*s.MaxLength)
	}
	if s.MinLength > math.MaxInt32 {
		return rule{}, fmt.Errorf("%s: minLength %d is too large", where, s.MinLength)
	}

	schemaDesc, err := extensionString(where, s.Extensions)
	if err != nil {
		return rule{}, err
	}
	switch {
	case desc != "" && schemaDesc != "" && desc != schemaDesc:
		return rule{}, fmt.Errorf("%s: the parameter and its schema give different %s", where, patternDescription)
	case desc == "":
		desc = schemaDesc
	}
	if desc != "" && r.pattern == "" {
		return rule{}, fmt.Errorf("%s: %s without a pattern", where, patternDescription)
	}
	r.patDesc = desc
	if r.pattern != "" {
		if _, err := regexp.Compile(r.pattern); err != nil {
			return rule{}, fmt.Errorf("%s: pattern is not valid Go regexp syntax: %w", where, err)
		}
	}

	if r.minimum, err = readBound(where, "minimum", r.typ, s.Min, s.ExclusiveMin); err != nil {
		return rule{}, err
	}
	if r.maximum, err = readBound(where, "maximum", r.typ, s.Max, s.ExclusiveMax); err != nil {
		return rule{}, err
	}

	for _, v := range s.Enum {
		switch v := v.(type) {
		case string:
			if r.typ == openapi3.TypeString {
				r.enum = append(r.enum, v)
				continue
			}
		case float64:
			if r.typ == openapi3.TypeInteger && v == math.Trunc(v) && math.Abs(v) < 1<<53 {
				r.enum = append(r.enum, strconv.FormatInt(int64(v), 10))
				continue
			}
		}
		return rule{}, fmt.Errorf("%s: enum value %v: only string enums of strings and integer enums of integers are supported", where, v)
	}
	return r, nil
}

// allowedFormat reports the formats that only say which Go type holds a value.
func allowedFormat(typ, f string) bool {
	switch typ {
	case openapi3.TypeInteger:
		return f == "int32" || f == "int64"
	case openapi3.TypeNumber:
		return f == "float" || f == "double"
	}
	return false
}

func readBound(where, keyword, typ string, v *float64, exclusive openapi3.ExclusiveBound) (*bound, error) {
	if exclusive.Value != nil {
		return nil, fmt.Errorf("%s: exclusive%s as a number (OpenAPI 3.1) is not supported", where, exported(keyword))
	}
	if v == nil {
		if exclusive.IsTrue() {
			return nil, fmt.Errorf("%s: exclusive%s without %s", where, exported(keyword), keyword)
		}
		return nil, nil
	}
	if typ != openapi3.TypeInteger {
		return nil, fmt.Errorf("%s: %s is supported on integers only, not on %s", where, keyword, typ)
	}
	if *v != math.Trunc(*v) || math.Abs(*v) >= 1<<53 {
		return nil, fmt.Errorf("%s: %s %v is not an integer the rules can hold", where, keyword, *v)
	}
	return &bound{value: int64(*v), exclusive: exclusive.IsTrue()}, nil
}

// onlyAnnotations fails, naming the keyword, when s sets anything besides annotations
// (descriptions, examples, ...) and extensions: a keyword the rules cannot express.
func onlyAnnotations(where string, s openapi3.Schema) error {
	s.Extensions, s.Origin = nil, nil
	s.Title, s.Description, s.Default, s.Example, s.Examples, s.ExternalDocs = "", "", nil, nil, nil, nil
	s.Deprecated, s.ReadOnly, s.WriteOnly, s.XML, s.Comment = false, false, false, nil, ""
	v := reflect.ValueOf(s)
	for i := range v.NumField() {
		if !v.Field(i).IsZero() {
			keyword, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("json"), ",")
			if keyword == "" || keyword == "-" {
				keyword = v.Type().Field(i).Name
			}
			return fmt.Errorf("%s: keyword %q is not supported by the generated input rules", where, keyword)
		}
	}
	return nil
}

// extensionString returns the x-pattern-description in ext, or "".
func extensionString(where string, ext map[string]any) (string, error) {
	v, ok := ext[patternDescription]
	if !ok {
		return "", nil
	}
	s, ok := v.(string)
	if !ok || strings.TrimSpace(s) == "" || strings.ContainsFunc(s, unicode.IsControl) {
		return "", fmt.Errorf("%s: %s must be a non-empty single-line string", where, patternDescription)
	}
	return s, nil
}

// claim reserves a Go variable name, failing when two things of the spec would share it.
func (g *generator) claim(name, what, where string) (string, error) {
	if !token.IsIdentifier(name) || !token.IsExported(name) {
		return "", fmt.Errorf("%s: %s does not make a Go name (%q)", where, what, name)
	}
	if prev, ok := g.varNames[name]; ok {
		return "", fmt.Errorf("%s: %s and %s would both be named %s", where, prev, what, name)
	}
	g.varNames[name] = what
	return name, nil
}

func componentName(ref, prefix string) string {
	name, ok := strings.CutPrefix(ref, prefix)
	if !ok {
		return ""
	}
	return name
}

// exported is name with its first letter upper-cased, as oapi-codegen names operations.
func exported(name string) string {
	r, n := utf8.DecodeRuneInString(name)
	return string(unicode.ToUpper(r)) + name[n:]
}

func (g *generator) emit() ([]byte, error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, header, g.source)

	b.WriteString("// Operations holds the input rules of every operation of the spec, keyed by operationId.\n")
	b.WriteString("var Operations = map[string]*OperationRules{\n")
	for _, o := range g.ops {
		fmt.Fprintf(&b, "%q: &%sRules,\n", o.id, exported(o.id))
	}
	b.WriteString("}\n\n")

	for _, o := range g.ops {
		fmt.Fprintf(&b, "// %sRules holds the input rules of %s, %s %s.\n", exported(o.id), o.id, o.method, o.path)
		fmt.Fprintf(&b, "var %sRules = OperationRules{\n", exported(o.id))
		fmt.Fprintf(&b, "OperationID: %q,\nMethod: %q,\nPath: %q,\n", o.id, o.method, o.path)
		switch {
		case len(o.params) > 0 && !slices.ContainsFunc(o.params, func(p string) bool { return !token.IsIdentifier(p) }): // shared variables only
			fmt.Fprintf(&b, "Params: []Rule{%s},\n", strings.Join(o.params, ", "))
		case len(o.params) > 0:
			fmt.Fprintf(&b, "Params: []Rule{\n%s,\n},\n", strings.Join(o.params, ",\n"))
		}
		if o.body != nil {
			fmt.Fprintf(&b, "Body: &BodyRules{Required: %t, Properties: %s},\n", o.body.required, o.body.properties)
		}
		b.WriteString("}\n\n")
	}

	for _, name := range slices.Sorted(maps.Keys(g.params)) {
		r := g.params[name]
		fmt.Fprintf(&b, "// %sRule holds the rules of the %s parameter (#/components/parameters/%s).\n", exported(name), r.name, name)
		fmt.Fprintf(&b, "var %sRule = %s\n\n", exported(name), literal(r, true))
		if r.patternVar != "" {
			fmt.Fprintf(&b, "// %s is the pattern of the %s parameter.\n", r.patternVar, r.name)
			fmt.Fprintf(&b, "var %s = regexp.MustCompile(%s)\n\n", r.patternVar, goString(r.pattern))
		}
	}
	for _, name := range slices.Sorted(maps.Keys(g.schemas)) {
		fmt.Fprintf(&b, "// %sRules holds the rules of the %s schema's properties, sorted by name.\n", exported(name), name)
		fmt.Fprintf(&b, "var %sRules = %s\n\n", exported(name), rulesLiteral(g.schemas[name]))
	}

	src, err := format.Source(b.Bytes())
	if err != nil {
		return nil, errors.Join(errors.New("generated source does not parse"), err)
	}
	return src, nil
}

func rulesLiteral(rules []rule) string {
	var b strings.Builder
	b.WriteString("[]Rule{\n")
	for _, r := range rules {
		b.WriteString(literal(r, false) + ",\n")
	}
	b.WriteString("}")
	return b.String()
}

// literal writes r as a Rule composite literal, leaving out zero fields but MaxLength.
func literal(r rule, typed bool) string {
	fields := []string{
		fmt.Sprintf("Name: %q", r.name),
		fmt.Sprintf("In: %q", r.in),
		fmt.Sprintf("Type: %q", r.typ),
	}
	add := func(cond bool, format string, args ...any) {
		if cond {
			fields = append(fields, fmt.Sprintf(format, args...))
		}
	}
	add(r.required, "Required: true")
	add(r.nullable, "Nullable: true")
	add(r.minLength > 0, "MinLength: %d", r.minLength)
	add(true, "MaxLength: %d", r.maxLength)
	switch {
	case r.patternVar != "":
		add(true, "Pattern: %s", r.patternVar)
	case r.pattern != "":
		add(true, "Pattern: regexp.MustCompile(%s)", goString(r.pattern))
	}
	add(r.patDesc != "", "PatternDescription: %q", r.patDesc)
	if len(r.enum) > 0 {
		quoted := make([]string, len(r.enum))
		for i, v := range r.enum {
			quoted[i] = strconv.Quote(v)
		}
		add(true, "Enum: []string{%s}", strings.Join(quoted, ", "))
	}
	add(r.minimum != nil, "Minimum: %s", boundLiteral(r.minimum))
	add(r.maximum != nil, "Maximum: %s", boundLiteral(r.maximum))
	lit := "{" + strings.Join(fields, ", ") + "}"
	if typed {
		lit = "Rule" + lit
	}
	return lit
}

func boundLiteral(b *bound) string {
	if b == nil {
		return ""
	}
	if b.exclusive {
		return fmt.Sprintf("&Bound{Value: %d, Exclusive: true}", b.value)
	}
	return fmt.Sprintf("&Bound{Value: %d}", b.value)
}

// goString quotes s as a raw string literal when it can, which keeps regexps readable.
func goString(s string) string {
	if s == "" || strings.ContainsAny(s, "`\r") || !strconv.CanBackquote(s) {
		return strconv.Quote(s)
	}
	return "`" + s + "`"
}

const header = `// Code generated by genconstraints from %s. DO NOT EDIT.

package gen

import "regexp"

// OperationRules holds what the spec requires of one operation's input, so a client can
// reject bad input before sending it.
type OperationRules struct {
	// OperationID is the spec's operationId, e.g. "connectMetaChannel".
	OperationID string
	// Method and Path are the operation's route, e.g. "POST" and "/v1/channels/{channelId}/connect".
	Method, Path string
	// Params holds the rules of its path parameters, then its query parameters, each sorted by
	// name.
	Params []Rule
	// Body holds the rules of its application/json request body; nil when it takes none.
	Body *BodyRules
}

// BodyRules holds the rules of a JSON request body: an object with these properties.
type BodyRules struct {
	// Required is whether the body must be sent.
	Required bool
	// Properties holds the rules of its properties, sorted by name.
	Properties []Rule
}

// Rule holds the rules the spec sets on one input value: a parameter, or a property of the
// request body.
type Rule struct {
	// Name is the parameter or JSON property name.
	Name string
	// In is where the value goes: "path", "query" or "body".
	In string
	// Type is the schema type: "string", "integer", "number" or "boolean".
	Type string
	// Required is whether the value must be present.
	Required bool
	// Nullable is whether JSON null is allowed (body properties only).
	Nullable bool
	// MinLength is the schema's minLength, in characters (0 when it has none).
	MinLength int
	// MaxLength is the schema's maxLength in characters, or -1 when it has none.
	MaxLength int
	// Pattern is the schema's pattern, compiled; nil when it has none.
	Pattern *regexp.Regexp
	// PatternDescription says in words what Pattern accepts, e.g. "a UUID or 32 hexadecimal
	// digits" (the spec's x-pattern-description); empty when the spec gives none.
	PatternDescription string
	// Enum lists the allowed values, integers in decimal; nil when any value is allowed.
	Enum []string
	// Minimum and Maximum bound an integer; nil when the schema sets none.
	Minimum, Maximum *Bound
}

// Bound is an integer's minimum or maximum.
type Bound struct {
	// Value is the bound.
	Value int64
	// Exclusive is whether Value itself is out of range.
	Exclusive bool
}

`
