package contracttest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"
)

// Check names, after Schemathesis's checks so users of Schemathesis, Prism or Dredd recognise
// them. The first five name what a case expects of the status; the last five run on every
// response.
const (
	CheckPositiveDataAcceptance = "positive_data_acceptance" // valid data is not rejected: 2XX, or 422 for a business rule
	CheckIgnoredAuth            = "ignored_auth"             // a missing, wrong or malformed token gets 401
	CheckNegativeDataRejection  = "negative_data_rejection"  // invalid data gets 4XX
	CheckUnsupportedMethod      = "unsupported_method"       // an undocumented method gets 405 with Allow
	CheckUnknownPath            = "unknown_path"             // an undocumented path gets 404

	CheckStatusCodeConformance     = "status_code_conformance"      // the status is documented (or covered by default)
	CheckContentTypeConformance    = "content_type_conformance"     // the Content-Type is the documented one
	CheckResponseHeaders           = "response_headers_conformance" // documented response headers are present and valid
	CheckResponseSchemaConformance = "response_schema_conformance"  // the body matches the documented schema
	CheckNotAServerError           = "not_a_server_error"           // the status is below 500
)

// Case is one request generated from the spec and what its response must be. Its Name is
// "<check>/<operation>/<detail>", for example
// "negative_data_rejection/connectMetaChannel/body/wabaId/missing", and is unique among the
// cases of a spec. <operation> is the operationId (or "METHOD /path" for an operation without
// one); for unsupported_method and unknown_path it is the first operation of the documented
// path the case is beside. The one case beside no path is "unknown_path/root".
type Case struct {
	Name        string
	Check       string // the expectation's check, e.g. CheckNegativeDataRejection
	Description string
	Operation   string      // operationId of the documented operation it targets; "" for unknown_path
	Method      string      // HTTP method
	Path        string      // path and query, escaped, relative to the base URL
	Header      http.Header // request headers other than Authorization
	Body        []byte      // nil for no body

	// UseSecretKey sends "Authorization: Bearer <Secret Key>"; otherwise Authorization is
	// set to this field's value, or left out when it is empty.
	UseSecretKey  bool
	Authorization string

	Want         []string // acceptable statuses: "401", "4XX"
	WantAllow    []string // for unsupported_method: the methods the Allow header must list
	ChangesState bool     // positive cases may create, connect or delete; Verify runs them only on request
}

// CaseOptions supplies the values the generated requests are built from. A value not given
// comes from the spec's examples, else from the schema (its default, first enum value or
// bounds).
type CaseOptions struct {
	// Spec is the document to derive cases from; nil means the embedded spec.
	Spec *openapi3.T
	// Values sets, by name, every path or query parameter and every top-level request body
	// property of that name, in every operation that has one, in every case (valid or not):
	// {"channelId": "019E…", "code": "AQB…"}. A value is converted to the type its schema
	// gives ("true" for a boolean, "42" for an integer, JSON for an object or array) and must
	// be valid there. A name the spec does not have, or a value its schema rejects, is a
	// [*ValueError].
	Values map[string]string
}

// ValueError is a [CaseOptions] value the spec cannot take. It never holds the value, which may
// be a secret such as a single-use code.
type ValueError struct {
	Name   string // the value's name, e.g. "channelId"
	Reason string // e.g. "path parameter of connectMetaChannel: string doesn't match the regular expression …"
}

func (e *ValueError) Error() string { return "contracttest: value for " + e.Name + ": " + e.Reason }

// Cases generates the contract cases for every operation in the spec: positive_data_acceptance
// (one per documented request example, one built from the schema when there is none, or one
// without a body when the operation takes none; changes state), ignored_auth,
// negative_data_rejection (derived from the schemas: each required property missing, each
// property of the wrong type or null, each pattern, length, range and enum violation, malformed
// JSON, an empty body, a wrong Content-Type, each path or query parameter breaking its schema),
// unsupported_method and unknown_path; the last two only where the spec's router agrees that
// the method or path is not documented. The order is stable: cases that cannot change state
// first.
func Cases(opts CaseOptions) ([]Case, error) {
	v, err := validatorFor(opts.Spec)
	if err != nil {
		return nil, err
	}
	return generate(v, opts.Values)
}

// validatorFor is the validator of doc, or the shared one of the embedded spec when doc is nil.
func validatorFor(doc *openapi3.T) (*Validator, error) {
	if doc == nil {
		return defaultValidator()
	}
	return NewForSpec(doc)
}

// unknownSegment is the path segment unknown_path cases add; no sane spec documents it.
const unknownSegment = "contracttest-unknown"

func generate(v *Validator, values map[string]string) ([]Case, error) {
	doc := v.Spec()
	used := map[string]bool{} // names in values some operation has
	var out []Case
	for _, path := range slices.Sorted(maps.Keys(doc.Paths.Map())) {
		item := doc.Paths.Value(path)
		ops := item.Operations()
		methods := slices.Sorted(maps.Keys(ops))
		var first *opGen
		for _, m := range methods {
			g, err := newOpGen(doc, path, m, ops[m], item, values, used)
			if err != nil {
				return nil, err
			}
			if first == nil {
				first = g
			}
			out = append(out, g.cases()...)
		}
		if first != nil {
			out = append(out, first.unsupportedMethods(v, methods)...)
			out = append(out, first.unknownPath(v)...)
		}
	}
	if root := "/" + unknownSegment + "-path"; unknownTo(v, http.MethodGet, root) {
		out = append(out, Case{Name: CheckUnknownPath + "/root", Check: CheckUnknownPath, Description: "a path the spec does not document",
			Method: http.MethodGet, Path: root, Header: http.Header{}, UseSecretKey: true, Want: []string{"404"}})
	}
	for _, name := range slices.Sorted(maps.Keys(values)) {
		if !used[name] {
			return nil, &ValueError{name, "no path or query parameter or top-level request body property of that name in the spec"}
		}
	}
	slices.SortStableFunc(out, func(a, b Case) int { return caseOrder(a) - caseOrder(b) })
	// Names are unique whatever the spec's names are (a property "a/b" beside an object "a"
	// with a property "b"): a repeated name gets its rank appended.
	seen := map[string]int{}
	for i := range out {
		if n := seen[out[i].Name]; n > 0 {
			seen[out[i].Name]++
			out[i].Name += "/" + strconv.Itoa(n+1)
		}
		seen[out[i].Name]++
	}
	return out, nil
}

// caseOrder runs the cases that cannot change state first and the positive ones last, DELETE
// after the others: an operation on a deleted resource would fail for that reason alone.
func caseOrder(c Case) int {
	i := slices.Index([]string{CheckIgnoredAuth, CheckUnknownPath, CheckUnsupportedMethod, CheckNegativeDataRejection, CheckPositiveDataAcceptance}, c.Check)
	if c.Check == CheckPositiveDataAcceptance && c.Method == http.MethodDelete {
		i++
	}
	return i
}

// routeRequest is a request for method and target (path and query, escaped) to ask the router about.
func routeRequest(method, target string) (*http.Request, bool) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, false
	}
	return &http.Request{Method: method, URL: u, Header: http.Header{}}, true
}

// unknownTo reports whether the router finds no operation at target for any method.
func unknownTo(v *Validator, method, target string) bool {
	r, ok := routeRequest(method, target)
	if !ok {
		return false
	}
	_, err := v.FindRoute(r)
	return err != nil && len(v.AllowedMethods(r)) == 0
}

// opGen builds the cases of one operation.
type opGen struct {
	op       *openapi3.Operation
	id       string // operationId, or "METHOD /path" when the operation has none
	method   string
	template string
	params   []*openapi3.Parameter          // path and query parameters: path first, then by name
	values   map[*openapi3.Parameter]string // what each parameter sent carries; optional ones without a value are left out
	complete bool                           // every required parameter has a valid value

	media        string           // the JSON media type of the request body; "" when there is none
	bodyRequired bool             // the request body is required
	schema       *openapi3.Schema // the request body's schema, if any
	bodies       []namedBody      // valid bodies: the documented examples by name, else one built from the schema
	secured      bool
}

type namedBody struct {
	name, desc string
	value      any
}

func newOpGen(doc *openapi3.T, path, method string, op *openapi3.Operation, item *openapi3.PathItem, values map[string]string, used map[string]bool) (*opGen, error) {
	g := &opGen{op: op, id: op.OperationID, method: method, template: path, values: map[*openapi3.Parameter]string{}, complete: true}
	if g.id == "" {
		g.id = method + " " + path
	}
	// Operation parameters override path-item ones of the same name and location.
	byKey := map[string]*openapi3.Parameter{}
	for _, ref := range append(slices.Clone(item.Parameters), op.Parameters...) {
		if p := ref.Value; p != nil && (p.In == openapi3.ParameterInPath || p.In == openapi3.ParameterInQuery) {
			byKey[p.In+" "+p.Name] = p
		}
	}
	for _, key := range slices.Sorted(maps.Keys(byKey)) { // "path …" sorts before "query …"
		p := byKey[key]
		g.params = append(g.params, p)
		if raw, ok := values[p.Name]; ok {
			used[p.Name] = true
			if _, err := checkValue(schemaOf(p.Schema), raw); err != nil {
				return nil, &ValueError{p.Name, p.In + " parameter of " + g.id + ": " + err.Error()}
			}
			g.values[p] = raw
			continue
		}
		if !p.Required && p.In != openapi3.ParameterInPath {
			continue
		}
		if s, ok := paramValue(p); ok {
			g.values[p] = s
		} else {
			g.values[p], g.complete = unknownSegment, false // still routable; no positive case
		}
	}
	security := doc.Security
	if op.Security != nil {
		security = *op.Security
	}
	// Secured unless some alternative is the empty requirement {}, which makes auth optional.
	g.secured = len(security) > 0 && !slices.ContainsFunc(security, func(req openapi3.SecurityRequirement) bool { return len(req) == 0 })
	if rb := op.RequestBody; rb != nil && rb.Value != nil {
		for _, mt := range slices.Sorted(maps.Keys(rb.Value.Content)) {
			if strings.Contains(mt, "json") {
				g.media, g.bodyRequired = mt, rb.Value.Required
				if err := g.readBody(rb.Value.Content[mt], values, used); err != nil {
					return nil, err
				}
				break
			}
		}
	}
	return g, nil
}

// readBody sets the body's schema and valid bodies, with values' top-level properties applied.
func (g *opGen) readBody(media *openapi3.MediaType, values map[string]string, used map[string]bool) error {
	g.schema = schemaOf(media.Schema)
	set := map[string]any{}
	if g.schema != nil {
		for _, name := range slices.Sorted(maps.Keys(values)) {
			prop := schemaOf(g.schema.Properties[name])
			if prop == nil {
				continue
			}
			used[name] = true
			v, err := checkValue(prop, values[name])
			if err != nil {
				return &ValueError{name, "request body property of " + g.id + ": " + err.Error()}
			}
			set[name] = v
		}
	}
	apply := func(v any) any {
		if obj, ok := v.(map[string]any); ok && len(set) > 0 {
			obj = maps.Clone(obj)
			maps.Copy(obj, set)
			return obj
		}
		return v
	}
	for _, name := range slices.Sorted(maps.Keys(media.Examples)) {
		if ex := media.Examples[name]; ex != nil && ex.Value != nil && ex.Value.Value != nil {
			g.bodies = append(g.bodies, namedBody{name, "the documented request example " + name, apply(ex.Value.Value)})
		}
	}
	if len(g.bodies) == 0 && media.Example != nil {
		g.bodies = append(g.bodies, namedBody{"example", "the documented request example", apply(media.Example)})
	}
	// Without examples, build a body from the schema when one must be sent (or values were given for it).
	if len(g.bodies) == 0 && g.schema != nil && (g.bodyRequired || len(set) > 0) {
		if v, ok := sample(g.schema); ok {
			g.bodies = append(g.bodies, namedBody{"from_schema", "a request body built from the schema", apply(v)})
		}
	}
	return nil
}

func schemaOf(ref *openapi3.SchemaRef) *openapi3.Schema {
	if ref == nil {
		return nil
	}
	return ref.Value
}

// paramValue is a valid value for p: its first example (by name), else one built from its schema.
func paramValue(p *openapi3.Parameter) (string, bool) {
	var v any
	switch {
	case p.Example != nil:
		v = p.Example
	case len(p.Examples) > 0:
		for _, name := range slices.Sorted(maps.Keys(p.Examples)) {
			if ex := p.Examples[name]; ex != nil && ex.Value != nil && ex.Value.Value != nil {
				v = ex.Value.Value
				break
			}
		}
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
		if f, ok := formatSamples[s.Format]; ok {
			candidates = append(candidates, f)
		}
		candidates = append(candidates, "contracttest")
		n := max(int(min(s.MinLength, 1<<12)), 1)
		for _, ch := range []string{"1", "a", "A", "0", "f", "x"} {
			candidates = append(candidates, strings.Repeat(ch, n))
		}
	case s.Type.Is("integer"), s.Type.Is("number"):
		lo, _ := lowerBound(s)
		hi, _ := upperBound(s)
		for _, bound := range []*float64{lo, hi} {
			if bound != nil {
				candidates = append(candidates, *bound, *bound+1, *bound-1)
			}
		}
		if lo != nil && hi != nil {
			candidates = append(candidates, math.Floor((*lo+*hi)/2), (*lo+*hi)/2)
		}
		candidates = append(candidates, 1.0, 0.0)
		if m := s.MultipleOf; m != nil && *m > 0 {
			start := 0.0
			if lo != nil {
				start = math.Ceil(*lo / *m) * *m
			}
			candidates = append(candidates, start, start+*m)
		}
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
		found := false
		for _, ref := range alts {
			v, ok := build(schemaOf(ref), depth+1)
			if !ok {
				continue
			}
			m := merge(append(slices.Clone(parts), v))
			matching := 0 // oneOf wants exactly one alternative to accept the value
			for _, alt := range alts {
				if s := schemaOf(alt); s != nil && s.VisitJSON(m) == nil {
					matching++
				}
			}
			if schemaOf(ref).VisitJSON(m) == nil && (i == 1 || matching == 1) {
				parts, found = append(parts, v), true
				break
			}
		}
		if !found {
			return nil, false
		}
	}
	v := merge(parts)
	return v, v != nil
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

// target is the operation's path and query with valid values, except that p (if not nil)
// carries value.
func (g *opGen) target(p *openapi3.Parameter, value string) string {
	path, query := g.template, url.Values{}
	for _, param := range g.params {
		v, ok := g.values[param]
		if param == p {
			v, ok = value, true
		}
		switch {
		case !ok:
		case param.In == openapi3.ParameterInPath:
			path = strings.ReplaceAll(path, "{"+param.Name+"}", url.PathEscape(v))
		default:
			query.Add(param.Name, v)
		}
	}
	if len(query) > 0 {
		path += "?" + query.Encode()
	}
	return path
}

// base is a valid request for the operation under the given check and detail name.
func (g *opGen) base(check, detail, description string) Case {
	c := Case{
		Name: check + "/" + g.id + "/" + detail, Check: check, Description: description,
		Operation: g.op.OperationID, Method: g.method, Path: g.target(nil, ""), Header: http.Header{},
		UseSecretKey: true, Want: []string{"4XX"},
	}
	if len(g.bodies) > 0 {
		c.Header.Set("Content-Type", g.media)
		c.Body = mustJSON(g.bodies[0].value)
	}
	return c
}

func (g *opGen) cases() []Case {
	out := g.positive()
	if g.secured {
		for _, a := range []struct{ name, value, desc string }{
			{"no_token", "", "no Authorization header"},
			{"wrong_token", "Bearer hm_contracttest_wrong_token", "a well-formed token that is not the Secret Key"},
			{"malformed_header/basic", "Basic aG06Y29udHJhY3R0ZXN0", "Basic instead of Bearer"},
			{"malformed_header/empty_bearer", "Bearer ", "Bearer with no token"},
		} {
			c := g.base(CheckIgnoredAuth, a.name, a.desc)
			c.UseSecretKey, c.Authorization, c.Want = false, a.value, []string{"401"}
			out = append(out, c)
		}
	}
	for _, p := range g.params {
		for _, bad := range paramViolations(schemaOf(p.Schema)) {
			c := g.base(CheckNegativeDataRejection, p.In+"/"+p.Name+"/"+bad.name, fmt.Sprintf("%s parameter %s %s", p.In, p.Name, bad.desc))
			c.Path = g.target(p, bad.value.(string))
			out = append(out, c)
		}
	}
	return append(out, g.bodyViolations()...)
}

// positive is one valid request per valid body, or one without a body when none is required.
func (g *opGen) positive() []Case {
	if !g.complete {
		return nil
	}
	var out []Case
	for _, b := range g.bodies {
		c := g.base(CheckPositiveDataAcceptance, b.name, b.desc)
		c.Body = mustJSON(b.value)
		out = append(out, c)
	}
	if len(g.bodies) == 0 && !g.bodyRequired {
		out = append(out, g.base(CheckPositiveDataAcceptance, "no_body", "a valid request without a body"))
	}
	for i := range out {
		out[i].Want, out[i].ChangesState = []string{"2XX", "422"}, true
	}
	return out
}

// paramViolations are the values of a parameter that break its schema, as they are sent; URL-path
// safe. Arrays and objects need a serialisation style and get none.
func paramViolations(s *openapi3.Schema) []badValue {
	if s == nil {
		return nil
	}
	var out []badValue
	switch {
	case s.Type.Is("string"):
		out = stringViolations(s)
	case s.Type.Is("integer"):
		out = append(out, badValue{"not_an_integer", "a fraction instead of an integer", "1.5"},
			badValue{"wrong_type", "a word instead of an integer", "contracttest"})
	case s.Type.Is("number"):
		out = append(out, badValue{"wrong_type", "a word instead of a number", "contracttest"})
	case s.Type.Is("boolean"):
		out = append(out, badValue{"wrong_type", "a word instead of true or false", "contracttest"})
	}
	nonString := append(rangeViolations(s), enumViolations(s)...)
	for _, bad := range nonString {
		if f, ok := bad.value.(float64); ok {
			bad.value = strconv.FormatFloat(f, 'f', -1, 64)
		}
		if str, ok := bad.value.(string); ok {
			out = append(out, badValue{bad.name, bad.desc, str})
		}
	}
	return out
}

// rangeViolations are the numbers just outside s's minimum and maximum, exclusive bounds
// included: "below_minimum", "above_maximum".
func rangeViolations(s *openapi3.Schema) []badValue {
	if !s.Type.Is("integer") && !s.Type.Is("number") {
		return nil
	}
	var out []badValue
	lo, loExcl := lowerBound(s)
	if lo != nil {
		v, desc := *lo-1, fmt.Sprintf("below minimum %v", *lo)
		if loExcl {
			v, desc = *lo, fmt.Sprintf("equal to exclusive minimum %v", *lo)
		}
		out = append(out, badValue{"below_minimum", desc, v})
	}
	hi, hiExcl := upperBound(s)
	if hi != nil {
		v, desc := *hi+1, fmt.Sprintf("above maximum %v", *hi)
		if hiExcl {
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

// enumViolations is a value outside s's enum that breaks no other rule of s where one is found:
// "not_in_enum".
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
	default:
		return nil
	}
	inEnum := func(v any) bool {
		return slices.ContainsFunc(s.Enum, func(e any) bool { return string(mustJSON(e)) == string(mustJSON(v)) })
	}
	var outside []any
	for _, c := range candidates {
		if !inEnum(c) {
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

// bodyViolations are the request bodies that break the operation's body schema or media type.
func (g *opGen) bodyViolations() []Case {
	if g.media == "" {
		return nil
	}
	var valid map[string]any // the object the schema's violations start from
	if len(g.bodies) > 0 {
		valid, _ = g.bodies[0].value.(map[string]any)
	} else if g.schema != nil {
		v, _ := sample(g.schema)
		valid, _ = v.(map[string]any)
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
	var out []Case
	for _, r := range raw {
		c := g.base(CheckNegativeDataRejection, r.name, r.desc)
		c.Header.Set("Content-Type", r.ct)
		c.Body = []byte(r.body)
		out = append(out, c)
	}
	if g.schema != nil && valid != nil {
		for _, bad := range bodyViolations(flatten(g.schema), valid, "") {
			c := g.base(CheckNegativeDataRejection, "body"+bad.name, "body "+bad.desc)
			c.Header.Set("Content-Type", g.media)
			c.Body = mustJSON(bad.value)
			out = append(out, c)
		}
	}
	return out
}

// unsupportedMethods are requests to the operation's path with each common method the path
// does not document and the router does not route elsewhere.
func (g *opGen) unsupportedMethods(v *Validator, documented []string) []Case {
	var out []Case
	for _, m := range []string{http.MethodGet, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodPost} {
		if slices.Contains(documented, m) {
			continue
		}
		c := g.base(CheckUnsupportedMethod, m, "the path documents "+strings.Join(documented, ", ")+" only")
		r, ok := routeRequest(m, c.Path)
		if !ok {
			continue
		}
		if _, err := v.FindRoute(r); err == nil {
			continue
		}
		c.Method, c.Want, c.WantAllow = m, []string{"405"}, documented
		out = append(out, c)
	}
	return out
}

// unknownPath is a request to an undocumented path next to the operation's: below it, else
// beside it, else under an unknown first segment, whichever the router finds nothing at. A
// suffix alone is not enough: "/v1/channels" + "/x" is "/v1/channels/{channelId}".
func (g *opGen) unknownPath(v *Validator) []Case {
	path, _, _ := strings.Cut(g.target(nil, ""), "?")
	parent := path[:strings.LastIndex(path, "/")]
	for _, cand := range []struct{ path, where string }{
		{path + "/" + unknownSegment, "below"},
		{parent + "/" + unknownSegment, "beside"},
		{"/" + unknownSegment + path, "under an unknown prefix of"},
	} {
		if unknownTo(v, g.method, cand.path) {
			c := g.base(CheckUnknownPath, "nearby", "an undocumented path "+cand.where+" "+g.template)
			c.Operation, c.Path, c.Want = "", cand.path, []string{"404"}
			return []Case{c}
		}
	}
	return nil
}

type badValue struct {
	name, desc string
	value      any
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
		if s.Type.Is("string") {
			for _, bad := range stringViolations(s) {
				out = append(out, badValue{ptr + "/" + bad.name, ptr + " " + bad.desc, with(name, bad.value)})
			}
		}
		if s.Type.Is("integer") {
			out = append(out, badValue{ptr + "/not_an_integer", ptr + ": a fraction instead of an integer", with(name, 1.5)})
		}
		for _, bad := range append(rangeViolations(s), enumViolations(s)...) {
			out = append(out, badValue{ptr + "/" + bad.name, ptr + ": " + bad.desc, with(name, bad.value)})
		}
		if s.Type.Is("object") {
			if inner, ok := value[name].(map[string]any); ok {
				for _, bad := range bodyViolations(s, inner, ptr) {
					out = append(out, badValue{bad.name, bad.desc, with(name, bad.value)})
				}
			}
		}
	}
	return out
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

func typeName(s *openapi3.Schema) string {
	if t := s.Type.Slice(); len(t) > 0 {
		return strings.Join(t, "|")
	}
	return "any"
}

// wrongType is a JSON value of a type the schema does not allow.
func wrongType(s *openapi3.Schema) (any, bool) {
	switch {
	case s.Type.IsEmpty():
		return nil, false
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

// stringViolations returns strings that break s's pattern, minLength and maxLength, each
// breaking only that rule where possible.
func stringViolations(s *openapi3.Schema) []badValue {
	var re *regexp.Regexp
	if s.Pattern != "" {
		re, _ = regexp.Compile(s.Pattern)
	}
	matches := func(v string) bool { return re == nil || re.MatchString(v) }
	fitsLength := func(v string) bool {
		n := uint64(len([]rune(v)))
		return n >= s.MinLength && (s.MaxLength == nil || n <= *s.MaxLength)
	}
	var out []badValue
	if re != nil {
		for _, v := range patternMisses {
			if !re.MatchString(v) && fitsLength(v) {
				out = append(out, badValue{"pattern", fmt.Sprintf("%q does not match %s", v, s.Pattern), v})
				break
			}
		}
	}
	if s.MaxLength != nil && *s.MaxLength < 1<<16 {
		for _, ch := range []string{"1", "a", "A", "0", "f"} {
			if v := strings.Repeat(ch, int(*s.MaxLength)+1); matches(v) {
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

func mustJSON(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(err) // values come from a parsed spec or this file; always encodable
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}
