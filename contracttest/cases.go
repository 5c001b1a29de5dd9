package contracttest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// Check names, after Schemathesis's checks so users of Schemathesis, Prism or Dredd recognise
// them. The first five name what a case expects of the status; the last four run on every
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

// Case is one request generated from the spec and what its response must be. Its Name starts
// with the check that states the expectation: "negative_data_rejection/body/wabaId/missing".
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
	ChangesState bool     // positive cases may connect a channel; Verify runs them only on request
}

// CaseOptions supplies the values the generated requests are built from. Anything left empty
// comes from the spec's examples.
type CaseOptions struct {
	// Spec is the document to derive cases from; nil means the embedded spec.
	Spec *openapi3.T
	// PathParams overrides path parameters by name, e.g. {"channelId": "…"}.
	PathParams map[string]string
	// BodyValues overrides top-level request body properties by name in every request
	// (positive and negative), e.g. {"code": "AQB…", "wabaId": "…"}.
	BodyValues map[string]any
}

// Cases generates the contract cases for every operation in the spec: positive_data_acceptance
// (one per documented request example, changing state), ignored_auth, negative_data_rejection
// (derived from the request schema: each required property missing, each property of the wrong
// type or null, each pattern, length, range and enum violation, plus malformed JSON, an empty
// body, a wrong Content-Type and each path parameter violating its schema), unsupported_method
// and unknown_path. The order is stable.
func Cases(opts CaseOptions) ([]Case, error) {
	doc := opts.Spec
	if doc == nil {
		v, err := defaultValidator()
		if err != nil {
			return nil, err
		}
		doc = v.doc
	}
	var out []Case
	paths := doc.Paths.Keys()
	slices.Sort(paths)
	for _, p := range paths {
		item := doc.Paths.Value(p)
		ops := item.Operations()
		methods := slices.Sorted(maps.Keys(ops))
		for _, m := range methods {
			out = append(out, newOpGen(doc, p, m, ops[m], item, opts).cases()...)
		}
		if len(methods) == 0 {
			continue
		}
		g := newOpGen(doc, p, methods[0], ops[methods[0]], item, opts)
		for _, m := range []string{http.MethodGet, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodPost} {
			if ops[m] != nil {
				continue
			}
			c := g.base(CheckUnsupportedMethod, m, "the path documents "+strings.Join(methods, ", ")+" only")
			c.Method, c.Want, c.WantAllow = m, []string{"405"}, methods
			out = append(out, c)
		}
		c := g.base(CheckUnknownPath, "suffix", "an undocumented path below a documented one")
		c.Operation, c.Path, c.Want = "", g.path+"/contracttest-unknown", []string{"404"}
		out = append(out, c)
	}
	c := Case{Name: CheckUnknownPath + "/root", Check: CheckUnknownPath, Description: "a path the spec does not document",
		Method: http.MethodGet, Path: "/contracttest-unknown-path", Header: http.Header{}, UseSecretKey: true, Want: []string{"404"}}
	out = append(out, c)
	slices.SortStableFunc(out, func(a, b Case) int { return caseOrder(a) - caseOrder(b) })
	return out, nil
}

// caseOrder runs the cases that cannot change state first and the positive ones last.
func caseOrder(c Case) int {
	return slices.Index([]string{CheckIgnoredAuth, CheckUnknownPath, CheckUnsupportedMethod, CheckNegativeDataRejection, CheckPositiveDataAcceptance}, c.Check)
}

// opGen builds the cases of one operation.
type opGen struct {
	op         *openapi3.Operation
	opts       CaseOptions
	method     string
	template   string
	path       string // template filled with valid values
	params     map[string]*openapi3.Parameter
	pathValues map[string]string
	mediaType  string
	schema     *openapi3.Schema
	examples   []namedBody // valid bodies, sorted by name
	secured    bool
}

type namedBody struct {
	name  string
	value map[string]any
}

func newOpGen(doc *openapi3.T, path, method string, op *openapi3.Operation, item *openapi3.PathItem, opts CaseOptions) *opGen {
	g := &opGen{op: op, opts: opts, method: method, template: path, params: map[string]*openapi3.Parameter{}, pathValues: map[string]string{}}
	for _, ref := range append(slices.Clone(item.Parameters), op.Parameters...) {
		if p := ref.Value; p != nil && p.In == openapi3.ParameterInPath {
			g.params[p.Name] = p
			g.pathValues[p.Name] = exampleString(p)
		}
	}
	for k, v := range opts.PathParams {
		if _, ok := g.params[k]; ok {
			g.pathValues[k] = v
		}
	}
	g.path = g.fill(nil)
	security := doc.Security
	if op.Security != nil {
		security = *op.Security
	}
	// Secured unless some alternative is the empty requirement {}, which makes auth optional.
	g.secured = len(security) > 0 && !slices.ContainsFunc(security, func(req openapi3.SecurityRequirement) bool { return len(req) == 0 })
	if rb := op.RequestBody; rb != nil && rb.Value != nil {
		for _, mt := range slices.Sorted(maps.Keys(rb.Value.Content)) {
			if strings.Contains(mt, "json") {
				media := rb.Value.Content[mt]
				g.mediaType = mt
				if media.Schema != nil {
					g.schema = media.Schema.Value
				}
				for _, name := range slices.Sorted(maps.Keys(media.Examples)) {
					if ex := media.Examples[name]; ex != nil && ex.Value != nil {
						if obj, ok := ex.Value.Value.(map[string]any); ok {
							g.examples = append(g.examples, namedBody{name, g.override(obj)})
						}
					}
				}
				if len(g.examples) == 0 {
					if obj, ok := media.Example.(map[string]any); ok {
						g.examples = append(g.examples, namedBody{"example", g.override(obj)})
					}
				}
				break
			}
		}
	}
	return g
}

func (g *opGen) override(obj map[string]any) map[string]any {
	out := maps.Clone(obj)
	maps.Copy(out, g.opts.BodyValues)
	return out
}

// exampleString is a path parameter's first example (by name), or "" when it has none.
func exampleString(p *openapi3.Parameter) string {
	if p.Example != nil {
		return fmt.Sprint(p.Example)
	}
	for _, name := range slices.Sorted(maps.Keys(p.Examples)) {
		if ex := p.Examples[name]; ex != nil && ex.Value != nil {
			return fmt.Sprint(ex.Value.Value)
		}
	}
	if p.Schema != nil && p.Schema.Value != nil && p.Schema.Value.Example != nil {
		return fmt.Sprint(p.Schema.Value.Example)
	}
	return ""
}

// fill expands the path template with valid values, replaced by those in with.
func (g *opGen) fill(with map[string]string) string {
	path := g.template
	for name, value := range g.pathValues {
		if w, ok := with[name]; ok {
			value = w
		}
		path = strings.ReplaceAll(path, "{"+name+"}", url.PathEscape(value))
	}
	return path
}

// base is a valid request for the operation under the given check and detail name.
func (g *opGen) base(check, detail, description string) Case {
	c := Case{
		Name: check + "/" + detail, Check: check, Description: description,
		Operation: g.op.OperationID, Method: g.method, Path: g.path, Header: http.Header{},
		UseSecretKey: true, Want: []string{"4XX"},
	}
	if g.mediaType != "" && len(g.examples) > 0 {
		c.Header.Set("Content-Type", g.mediaType)
		c.Body = mustJSON(g.examples[0].value)
	}
	return c
}

func (g *opGen) cases() []Case {
	var out []Case
	for _, ex := range g.examples {
		c := g.base(CheckPositiveDataAcceptance, ex.name, "the documented request example "+ex.name)
		c.Body, c.Want, c.ChangesState = mustJSON(ex.value), []string{"2XX", "422"}, true
		out = append(out, c)
	}
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
	for _, name := range slices.Sorted(maps.Keys(g.params)) {
		s := g.params[name].Schema
		if s == nil || s.Value == nil {
			continue
		}
		for _, bad := range stringViolations(s.Value) {
			c := g.base(CheckNegativeDataRejection, "path/"+name+"/"+bad.name, fmt.Sprintf("path parameter %s %s", name, bad.desc))
			c.Path = g.fill(map[string]string{name: bad.value.(string)})
			out = append(out, c)
		}
	}
	if g.mediaType == "" || len(g.examples) == 0 {
		return out
	}
	raw := []struct{ name, ct, body, desc string }{
		{"body/malformed_json", g.mediaType, `{"`, "a body that is not JSON"},
		{"body/empty", g.mediaType, "", "an empty body"},
		{"body/not_an_object", g.mediaType, "[]", "a JSON array instead of an object"},
		{"header/content_type/text_plain", "text/plain", string(mustJSON(g.examples[0].value)), "a valid body sent as text/plain"},
	}
	for _, r := range raw {
		c := g.base(CheckNegativeDataRejection, r.name, r.desc)
		c.Header.Set("Content-Type", r.ct)
		c.Body = []byte(r.body)
		out = append(out, c)
	}
	if g.schema != nil {
		for _, bad := range bodyViolations(g.schema, g.examples[0].value, "") {
			c := g.base(CheckNegativeDataRejection, "body"+bad.name, "body "+bad.desc)
			c.Body = mustJSON(bad.value)
			out = append(out, c)
		}
	}
	return out
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
		s, ptr := ref.Value, prefix+"/"+name
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
		if s.Type.Is("integer") || s.Type.Is("number") {
			if s.Min != nil {
				out = append(out, badValue{ptr + "/below_minimum", fmt.Sprintf("%s: below minimum %v", ptr, *s.Min), with(name, *s.Min-1)})
			}
			if s.Max != nil {
				out = append(out, badValue{ptr + "/above_maximum", fmt.Sprintf("%s: above maximum %v", ptr, *s.Max), with(name, *s.Max+1)})
			}
		}
		if len(s.Enum) > 0 && s.Type.Is("string") {
			out = append(out, badValue{ptr + "/not_in_enum", ptr + ": a value outside the enum", with(name, "contracttest-not-in-enum")})
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
