package contracttest

import (
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

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
// (each documented request example, else a body built from the schema; changes state),
// ignored_auth, negative_data_rejection (each rule of the parameter and body schemas broken in
// turn, malformed JSON, an empty body, a wrong Content-Type), and unsupported_method and
// unknown_path where the router agrees. Cases that cannot change state come first.
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
		return embedded()
	}
	return NewForSpec(doc)
}

func generate(v *Validator, values map[string]string) ([]Case, error) {
	doc := v.Spec()
	used := map[string]bool{} // names in values some operation has
	var out []Case
	for _, ops := range operationsOf(doc) {
		var first *opGen // the path's probes are beside its first operation
		for i, ref := range ops {
			g, err := newOpGen(doc, ref, values, used)
			if err != nil {
				return nil, err
			}
			if i == 0 {
				first = g
			}
			out = append(out, g.cases()...)
		}
		out = append(out, first.probes(v)...)
	}
	out = append(out, rootProbe(v, slices.ContainsFunc(out, func(c Case) bool { return c.UseSecretKey }))...)
	for _, name := range slices.Sorted(maps.Keys(values)) {
		if !used[name] {
			return nil, &ValueError{name, "no path or query parameter or top-level request body property of that name in the spec"}
		}
	}
	slices.SortStableFunc(out, func(a, b Case) int { return caseOrder(a) - caseOrder(b) })
	uniqueNames(out)
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

// uniqueNames makes the names unique whatever the spec's names are (a property "a/b" beside
// an object "a" with a property "b"): a repeated name gets its rank appended.
func uniqueNames(cases []Case) {
	seen := map[string]int{}
	for i := range cases {
		if n := seen[cases[i].Name]; n > 0 {
			seen[cases[i].Name]++
			cases[i].Name += "/" + strconv.Itoa(n+1)
		}
		seen[cases[i].Name]++
	}
}

// opRef is one operation of the spec.
type opRef struct {
	id     string // operationId, or "METHOD /path" when the operation has none
	method string
	path   string // the path template
	op     *openapi3.Operation
	item   *openapi3.PathItem
}

// operationsOf is the spec's operations by path, the paths and each path's methods sorted.
func operationsOf(doc *openapi3.T) [][]opRef {
	var out [][]opRef
	for _, path := range slices.Sorted(maps.Keys(doc.Paths.Map())) {
		item := doc.Paths.Value(path)
		ops := item.Operations()
		var refs []opRef
		for _, m := range slices.Sorted(maps.Keys(ops)) {
			ref := opRef{id: ops[m].OperationID, method: m, path: path, op: ops[m], item: item}
			if ref.id == "" {
				ref.id = m + " " + path
			}
			refs = append(refs, ref)
		}
		if len(refs) > 0 {
			out = append(out, refs)
		}
	}
	return out
}

// opGen builds the cases of one operation.
type opGen struct {
	opRef
	params   []*openapi3.Parameter          // path and query parameters: path first, then by name
	values   map[*openapi3.Parameter]string // what each parameter sent carries; optional ones without a value are left out
	complete bool                           // every required parameter has a valid value

	media        string           // the JSON media type of the request body; "" when there is none
	bodyRequired bool             // the request body is required
	schema       *openapi3.Schema // the request body's schema, if any
	bodies       []namedBody      // valid bodies: the documented examples by name, else one built from the schema
	secured      bool             // a token is required
	keyed        bool             // a token is accepted (required or optional): valid requests send the key
}

type namedBody struct {
	name, desc string
	value      any
}

// newOpGen reads ref's parameters, security and JSON body, with values applied (marked used).
func newOpGen(doc *openapi3.T, ref opRef, values map[string]string, used map[string]bool) (*opGen, error) {
	security := doc.Security
	if ref.op.Security != nil {
		security = *ref.op.Security
	}
	g := &opGen{opRef: ref, values: map[*openapi3.Parameter]string{}, complete: true, keyed: len(security) > 0,
		secured: len(security) > 0 && !slices.ContainsFunc(security, func(req openapi3.SecurityRequirement) bool { return len(req) == 0 })}
	if err := g.readParams(values, used); err != nil {
		return nil, err
	}
	if rb := ref.op.RequestBody; rb != nil && rb.Value != nil {
		for _, mt := range slices.Sorted(maps.Keys(rb.Value.Content)) {
			if strings.Contains(mt, "json") {
				g.media, g.bodyRequired = mt, rb.Value.Required
				return g, g.readBody(rb.Value.Content[mt], values, used)
			}
		}
	}
	return g, nil
}

// readParams sets the path and query parameters and the value each carries: the one in
// values, else a valid one (required and path parameters only).
func (g *opGen) readParams(values map[string]string, used map[string]bool) error {
	// Operation parameters override path-item ones of the same name and location.
	byKey := map[string]*openapi3.Parameter{}
	for _, ref := range append(slices.Clone(g.item.Parameters), g.op.Parameters...) {
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
				return &ValueError{p.Name, p.In + " parameter of " + g.id + ": " + err.Error()}
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
	return nil
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
	for _, ex := range examples(media.Examples) {
		g.bodies = append(g.bodies, namedBody{ex.name, "the documented request example " + ex.name, apply(ex.value)})
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

// target is the operation's path and query with valid values, but p (if not nil) carrying value.
func (g *opGen) target(p *openapi3.Parameter, value string) string {
	path, query := g.path, url.Values{}
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
		UseSecretKey: g.keyed, Want: []string{"4XX"},
	}
	if len(g.bodies) > 0 {
		c.Header.Set("Content-Type", g.media)
		c.Body = mustJSON(g.bodies[0].value)
	}
	return c
}

// cases are the operation's own cases: positive, ignored_auth and negative_data_rejection.
func (g *opGen) cases() []Case {
	return slices.Concat(g.positive(), g.authCases(), g.paramCases(), g.bodyCases())
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

// authCases are the requests of a secured operation with a missing, wrong or malformed token.
func (g *opGen) authCases() []Case {
	if !g.secured {
		return nil
	}
	var out []Case
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
	return out
}
