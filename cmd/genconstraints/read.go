package main

import (
	"cmp"
	"fmt"
	"go/token"
	"maps"
	"math"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"
)

// patternDescription says in words what a parameter's or schema's pattern accepts.
const patternDescription = "x-pattern-description"

// generator collects operations and the component variables they share, keyed in output order.
type generator struct {
	Source   string
	Ops      map[string]operation // by operationId
	Params   map[string]decl      // by component name
	Schemas  map[string]decl      // by component name
	varNames map[string]string    // Go name -> what it was made for, to catch collisions
}

// generate returns constraints.gen.go for doc, from openapi.Parse(source, ...): refs resolved.
func generate(doc *openapi3.T, source string) ([]byte, error) {
	g := &generator{Source: source, Ops: map[string]operation{}, Params: map[string]decl{}, Schemas: map[string]decl{}, varNames: map[string]string{}}
	for _, path := range slices.Sorted(maps.Keys(doc.Paths.Map())) { // so the first error is always the same
		item := doc.Paths.Value(path)
		ops := item.Operations()
		for _, method := range slices.Sorted(maps.Keys(ops)) {
			if err := g.addOperation(path, method, item, ops[method]); err != nil {
				return nil, err
			}
		}
	}
	return g.emit()
}

func (g *generator) addOperation(path, method string, item *openapi3.PathItem, op *openapi3.Operation) error {
	where := fmt.Sprintf("%s: %s %s", g.Source, method, path)
	o := operation{ID: op.OperationID, Name: exported(op.OperationID), Method: method, Path: path}
	switch _, dup := g.Ops[o.ID]; {
	case o.ID == "":
		return fmt.Errorf("%s: no operationId", where)
	case dup:
		return fmt.Errorf("%s: operationId %q is used twice", where, o.ID)
	}
	if err := g.claim(o.Name+"Rules", "operation "+o.ID, where); err != nil {
		return err
	}
	where = fmt.Sprintf("%s: operation %s", g.Source, o.ID)
	var params []string
	for _, p := range parameters(item.Parameters, op.Parameters) {
		expr, err := g.parameter(where, p)
		if err != nil {
			return err
		}
		params = append(params, expr)
	}
	if len(params) > 0 {
		o.Params = rulesLiteral(params)
	}
	if op.RequestBody != nil {
		var err error
		if o.Body, err = g.requestBody(where, op.RequestBody.Value); err != nil {
			return err
		}
	}
	g.Ops[o.ID] = o
	return nil
}

// parameters merges an operation's parameters with its path's, path before query, by name.
func parameters(pathLevel, own openapi3.Parameters) openapi3.Parameters {
	params := slices.Clone(own)
	for _, p := range pathLevel {
		if own.GetByInAndName(p.Value.In, p.Value.Name) == nil {
			params = append(params, p)
		}
	}
	slices.SortFunc(params, func(a, b *openapi3.ParameterRef) int { // "path" < "query"; others fail in parameter
		return cmp.Or(strings.Compare(a.Value.In, b.Value.In), strings.Compare(a.Value.Name, b.Value.Name))
	})
	return params
}

// parameter returns the Go expression of p's rule.
func (g *generator) parameter(where string, ref *openapi3.ParameterRef) (string, error) {
	p := ref.Value
	what := fmt.Sprintf("parameter %s (%s)", p.Name, ref.Ref)
	where = fmt.Sprintf("%s: %s parameter %s", where, p.In, p.Name)
	return g.shared(g.Params, ref.Ref, "#/components/parameters/", "Rule", what, where, func(stem, where string) (decl, error) {
		switch {
		case p.In != openapi3.ParameterInPath && p.In != openapi3.ParameterInQuery:
			return decl{}, fmt.Errorf("%s: only path and query parameters are supported", where)
		case p.Content != nil: // kin-openapi's validation leaves it a schema otherwise
			return decl{}, fmt.Errorf("%s: a parameter with content is not supported; give it a schema", where)
		}
		s, d := p.Schema.Value, decl{Param: p.Name}
		patternVar := ""
		if stem != "" && s.Pattern != "" { // a shared parameter's pattern is compiled once, in a variable of its own
			patternVar, d.Pattern = stem+"Pattern", goString(s.Pattern)
		}
		var err error
		d.Literal, err = readRule(where, p.Name, p.In, p.Required, s, p.Extensions, patternVar)
		if err == nil && s.Nullable {
			err = fmt.Errorf("%s: a nullable parameter is not supported", where)
		}
		return d, err
	})
}

// requestBody returns the Go expression of a JSON request body's rules.
func (g *generator) requestBody(where string, rb *openapi3.RequestBody) (string, error) {
	where += ": request body"
	media := rb.Content.Get("application/json")
	if len(rb.Content) != 1 || media == nil {
		return "", fmt.Errorf("%s: want exactly one media type, application/json; have %v", where, slices.Sorted(maps.Keys(rb.Content)))
	}
	if media.Schema == nil {
		return "", fmt.Errorf("%s: no schema", where)
	}
	const prefix = "#/components/schemas/"
	what := "schema " + strings.TrimPrefix(media.Schema.Ref, prefix)
	props, err := g.shared(g.Schemas, media.Schema.Ref, prefix, "Rules", what, where, func(_, where string) (decl, error) {
		rules, err := objectRules(where, media.Schema.Value)
		return decl{Literal: rulesLiteral(rules)}, err
	})
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("&BodyRules{Required: %t, Properties: %s}", rb.Required, props), nil
}

// shared returns the rules read makes: inline, their literal; for a component (ref, below
// prefix), a variable named stem+suffix, declared once in decls, whose errors name it (what).
func (g *generator) shared(decls map[string]decl, ref, prefix, suffix, what, where string, read func(stem, where string) (decl, error)) (string, error) {
	component, isComponent := strings.CutPrefix(ref, prefix)
	stem := ""
	if isComponent {
		stem, where = exported(component), g.Source+": "+what
		if _, done := decls[component]; done {
			return stem + suffix, nil
		}
	}
	d, err := read(stem, where)
	switch {
	case err != nil:
		return "", err
	case !isComponent:
		return d.Literal, nil
	}
	if err := g.claim(stem+suffix, ref, where); err != nil {
		return "", err
	}
	d.Name, d.Component = stem, component
	decls[component] = d
	return stem + suffix, nil
}

// claim reserves a Go variable name, failing when two things of the spec would share it.
func (g *generator) claim(name, what, where string) error {
	if !token.IsIdentifier(name) || !token.IsExported(name) {
		return fmt.Errorf("%s: %s does not make a Go name (%q)", where, what, name)
	}
	if prev, ok := g.varNames[name]; ok {
		return fmt.Errorf("%s: %s and %s would both be named %s", where, prev, what, name)
	}
	g.varNames[name] = what
	return nil
}

// exported is name with its first letter upper-cased, as oapi-codegen names operations.
func exported(name string) string {
	r, n := utf8.DecodeRuneInString(name)
	return string(unicode.ToUpper(r)) + name[n:]
}

// objectRules reads the properties of an object schema, sorted by name, as Rule literals.
func objectRules(where string, s *openapi3.Schema) ([]string, error) {
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
	var rules []string
	for _, name := range slices.Sorted(maps.Keys(s.Properties)) {
		r, err := readRule(where+": property "+name, name, "body", slices.Contains(s.Required, name), s.Properties[name].Value, nil, "")
		if err != nil {
			return nil, err
		}
		rules = append(rules, r)
	}
	return rules, nil
}

// readRule reads one primitive schema as a Rule literal, without zero fields but MaxLength.
// paramExt are a parameter's own extensions; patternVar, if any, holds the compiled pattern.
func readRule(where, name, in string, required bool, s *openapi3.Schema, paramExt map[string]any, patternVar string) (string, error) {
	types := s.Type.Slice()
	if len(types) != 1 {
		return "", fmt.Errorf("%s: want exactly one type, have %v", where, types)
	}
	typ := types[0]
	if err := onlyPrimitive(where, typ, s); err != nil {
		return "", err
	}
	desc, err1 := readString(where, typ, s, paramExt)
	minimum, err2 := readBound(where, "minimum", typ, s.Min, s.ExclusiveMin)
	maximum, err3 := readBound(where, "maximum", typ, s.Max, s.ExclusiveMax)
	enum, err4 := readEnum(where, typ, s.Enum)
	if err := cmp.Or(err1, err2, err3, err4); err != nil { // the first, in that order
		return "", err
	}
	maxLength := int64(-1)
	if s.MaxLength != nil {
		maxLength = int64(*s.MaxLength)
	}
	fields := []string{fmt.Sprintf("Name: %q, In: %q, Type: %q", name, in, typ)}
	add := func(cond bool, format string, args ...any) {
		if cond {
			fields = append(fields, fmt.Sprintf(format, args...))
		}
	}
	add(required, "Required: true")
	add(s.Nullable, "Nullable: true")
	add(s.MinLength > 0, "MinLength: %d", s.MinLength)
	add(true, "MaxLength: %d", maxLength)
	add(patternVar != "", "Pattern: %s", patternVar)
	add(patternVar == "" && s.Pattern != "", "Pattern: regexp.MustCompile(%s)", goString(s.Pattern))
	add(desc != "", "PatternDescription: %q", desc)
	add(len(enum) > 0, "Enum: %#v", enum) // []string{"a", "b"}
	add(minimum != "", "Minimum: %s", minimum)
	add(maximum != "", "Maximum: %s", maximum)
	return "{" + strings.Join(fields, ", ") + "}", nil
}

// goTypeFormats are the types a rule can hold, with the formats that only pick a Go type.
var goTypeFormats = map[string][]string{
	openapi3.TypeString: nil, openapi3.TypeBoolean: nil,
	openapi3.TypeInteger: {"int32", "int64"},
	openapi3.TypeNumber:  {"float", "double"},
}

// onlyPrimitive fails unless s has a type and format of goTypeFormats and only a rule's keywords.
func onlyPrimitive(where, typ string, s *openapi3.Schema) error {
	formats, ok := goTypeFormats[typ]
	switch {
	case !ok:
		return fmt.Errorf("%s: type %s is not supported (only string, integer, number and boolean)", where, typ)
	case s.Format == "" || slices.Contains(formats, s.Format):
	case typ == openapi3.TypeString:
		return fmt.Errorf("%s: format %q is not supported (use a pattern)", where, s.Format)
	default:
		return fmt.Errorf("%s: format %q is not supported on %s", where, s.Format, typ)
	}
	rest := *s
	rest.Type, rest.Format, rest.Nullable, rest.Enum = nil, "", false, nil
	rest.MinLength, rest.MaxLength, rest.Pattern = 0, nil, ""
	rest.Min, rest.Max, rest.ExclusiveMin, rest.ExclusiveMax = nil, nil, openapi3.ExclusiveBound{}, openapi3.ExclusiveBound{}
	return onlyAnnotations(where, rest)
}

// readString checks string-only keywords and returns the pattern's x-pattern-description.
func readString(where, typ string, s *openapi3.Schema, paramExt map[string]any) (string, error) {
	if typ != openapi3.TypeString && (s.MinLength != 0 || s.MaxLength != nil || s.Pattern != "") {
		return "", fmt.Errorf("%s: minLength, maxLength and pattern apply to strings, not to %s", where, typ)
	}
	if s.MinLength > math.MaxInt32 || s.MaxLength != nil && *s.MaxLength > math.MaxInt32 {
		return "", fmt.Errorf("%s: minLength or maxLength is too large", where)
	}
	desc, err1 := extensionString(where, paramExt)
	schemaDesc, err2 := extensionString(where, s.Extensions)
	switch {
	case err1 != nil || err2 != nil:
		return "", cmp.Or(err1, err2)
	case desc != "" && schemaDesc != "" && desc != schemaDesc:
		return "", fmt.Errorf("%s: the parameter and its schema give different %s", where, patternDescription)
	case desc == "":
		desc = schemaDesc
	}
	if desc != "" && s.Pattern == "" {
		return "", fmt.Errorf("%s: %s without a pattern", where, patternDescription)
	}
	if _, err := regexp.Compile(s.Pattern); err != nil {
		return "", fmt.Errorf("%s: pattern is not valid Go regexp syntax: %w", where, err)
	}
	return desc, nil
}

// readBound reads minimum or maximum as a *Bound, or "".
func readBound(where, keyword, typ string, v *float64, exclusive openapi3.ExclusiveBound) (string, error) {
	switch {
	case exclusive.Value != nil:
		return "", fmt.Errorf("%s: exclusive%s as a number (OpenAPI 3.1) is not supported", where, exported(keyword))
	case v == nil && exclusive.IsTrue():
		return "", fmt.Errorf("%s: exclusive%s without %s", where, exported(keyword), keyword)
	case v == nil:
		return "", nil
	case typ != openapi3.TypeInteger:
		return "", fmt.Errorf("%s: %s is supported on integers only, not on %s", where, keyword, typ)
	case !exactInt(*v):
		return "", fmt.Errorf("%s: %s %v is not an integer the rules can hold", where, keyword, *v)
	case exclusive.IsTrue():
		return fmt.Sprintf("&Bound{Value: %d, Exclusive: true}", int64(*v)), nil
	}
	return fmt.Sprintf("&Bound{Value: %d}", int64(*v)), nil
}

// readEnum reads the values of a string enum, or of an integer enum in decimal.
func readEnum(where, typ string, values []any) ([]string, error) {
	var enum []string
	for _, v := range values {
		s, isString := v.(string)
		f, isNumber := v.(float64)
		switch {
		case isString && typ == openapi3.TypeString:
			enum = append(enum, s)
		case isNumber && typ == openapi3.TypeInteger && exactInt(f):
			enum = append(enum, strconv.FormatInt(int64(f), 10))
		default:
			return nil, fmt.Errorf("%s: enum value %v: only string enums of strings and integer enums of integers are supported", where, v)
		}
	}
	return enum, nil
}

// exactInt reports whether v is an integer that a float64 holds exactly.
func exactInt(v float64) bool { return v == math.Trunc(v) && math.Abs(v) < 1<<53 }

// onlyAnnotations fails, naming it, on any keyword but annotations: one the rules cannot express.
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
