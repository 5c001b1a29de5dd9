package contracttest

import (
	"net/http"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/hubmessage/hubmessage-go/contracttest/internal/fastschema"
)

// The fast path answers "certainly valid" for the plain exchanges that make up nearly all
// traffic — a well-formed bearer token, unescaped path parameters, application/json bodies of
// the usual shape — without decoding bodies into maps. It runs after the one router, on the
// route the slow path would get. Anything it is not sure about goes the slow way
// (openapi3filter, then checkJSONBody), which alone writes violations. A body it accepts has
// only declared keys, once each, and plain valid UTF-8 strings, so checkJSONBody has nothing
// to find in it. TestFastPathAgreesWithSlowPath, TestFastPathAgreesOnTheLifecycle and their
// fuzz targets hold the two paths to the same verdicts, the fastschema tests hold the schemas
// to kin-openapi's, and TestFastPathCoversTheLiveSpec says what the live spec leaves slow.

// fastOp is the fast path of one operation. A nil *fastOp means "no fast path".
type fastOp struct {
	params   []*fastschema.Schema // per path segment: nil for a literal
	body     *fastschema.Schema   // request body (application/json); nil: the operation documents none
	bodyReq  bool                 // request body required
	status   map[int]fastResponse // documented responses
	fallback *fastResponse        // the default response, if documented
}

// fastResponse is the fast path of one documented response.
type fastResponse struct {
	schema *fastschema.Schema // application/json body; nil: no fast path (unless empty)
	empty  bool               // no content documented: kin-openapi accepts any body
}

// compileFastOp compiles op's fast path, or returns nil when op uses anything the fast path
// does not implement.
func compileFastOp(op *operation) *fastOp {
	route := op.route
	if len(route.Operation.Callbacks) > 0 || !bearerOnly(route.Spec, route.Operation) {
		return nil
	}
	f := &fastOp{status: map[int]fastResponse{}}
	params := map[string]*openapi3.Parameter{}
	for _, p := range append(slices.Clip(route.PathItem.Parameters), route.Operation.Parameters...) {
		if p.Value == nil || p.Value.In != openapi3.ParameterInPath || p.Value.Schema == nil || p.Value.Style != "" || p.Value.Explode != nil {
			return nil // header, query and cookie parameters, and styled ones, go the slow way
		}
		params[p.Value.Name] = p.Value
	}
	for _, seg := range op.template.segments {
		if seg.param == "" {
			f.params = append(f.params, nil)
			continue
		}
		p := params[seg.param]
		if p == nil {
			return nil
		}
		s, ok := fastschema.Compile(p.Schema.Value)
		if !ok {
			return nil
		}
		f.params = append(f.params, s)
		delete(params, seg.param)
	}
	if len(params) > 0 {
		return nil // a path parameter the template lacks: kin-openapi's to judge
	}
	if rb := route.Operation.RequestBody; rb != nil {
		if rb.Value == nil {
			return nil
		}
		media := onlyJSON(rb.Value.Content)
		if media == nil {
			return nil
		}
		s, ok := fastschema.Compile(media.Schema.Value)
		if !ok {
			return nil
		}
		f.body, f.bodyReq = s, rb.Value.Required
	}
	for code, resp := range route.Operation.Responses.Map() {
		s := compileResponse(resp)
		if code == "default" {
			f.fallback = &s
			continue
		}
		n := 0
		for _, c := range code {
			if c < '0' || c > '9' {
				return nil // 2XX-style ranges go the slow way
			}
			n = n*10 + int(c-'0')
		}
		f.status[n] = s
	}
	return f
}

// bearerOnly reports whether op's security is exactly one http bearer scheme, the one the
// fast path checks (with the same code as the AuthenticationFunc).
func bearerOnly(doc *openapi3.T, op *openapi3.Operation) bool {
	reqs := doc.Security
	if op.Security != nil {
		reqs = *op.Security
	}
	if len(reqs) != 1 || len(reqs[0]) != 1 || doc.Components == nil {
		return false
	}
	for name := range reqs[0] {
		scheme := doc.Components.SecuritySchemes[name]
		return scheme != nil && scheme.Value != nil && scheme.Value.Type == "http" && strings.EqualFold(scheme.Value.Scheme, "bearer")
	}
	return false
}

func compileResponse(resp *openapi3.ResponseRef) fastResponse {
	// Documented headers (a 503's Retry-After) are decoded and checked by kin-openapi alone.
	if resp == nil || resp.Value == nil || len(resp.Value.Headers) > 0 {
		return fastResponse{}
	}
	if len(resp.Value.Content) == 0 {
		return fastResponse{empty: true}
	}
	media := onlyJSON(resp.Value.Content)
	if media == nil {
		return fastResponse{}
	}
	s, _ := fastschema.Compile(media.Schema.Value)
	return fastResponse{schema: s}
}

// onlyJSON returns the application/json media type when it is the only one, with a schema.
func onlyJSON(c openapi3.Content) *openapi3.MediaType {
	m := c["application/json"]
	if len(c) != 1 || m == nil || m.Schema == nil || m.Schema.Value == nil || len(m.Encoding) > 0 {
		return nil
	}
	return m
}

// validPath reports whether escaped, a path of f's template, certainly has valid path
// parameters. Escaped segments go the slow way.
func (f *fastOp) validPath(escaped string) bool {
	if strings.IndexByte(escaped, '%') >= 0 {
		return false
	}
	rest := escaped
	for _, param := range f.params {
		var value string
		value, rest = cutSegment(rest[1:])
		if param != nil && !param.ValidString(value) {
			return false
		}
	}
	return true
}

// validRequest reports whether r, on path escaped and with body, is certainly valid, its
// bearer token aside.
func (f *fastOp) validRequest(r *http.Request, escaped string, body []byte) bool {
	if r.URL.RawQuery != "" || !f.validPath(escaped) {
		return false
	}
	switch {
	case f.body == nil:
		return true // kin-openapi reads no body the operation does not document (RejectWhenRequestBodyNotSpecified is off)
	case len(body) == 0:
		return !f.bodyReq
	}
	return plainJSON(r.Header) && f.body.Valid(body)
}

// validResponse reports whether a response is certainly valid.
func (f *fastOp) validResponse(status int, header http.Header, body []byte) bool {
	resp, ok := f.status[status]
	if !ok {
		if f.fallback == nil {
			return false
		}
		resp = *f.fallback
	}
	return resp.empty || resp.schema != nil && plainJSON(header) && resp.schema.Valid(body)
}

// plainJSON reports whether the Content-Type is application/json, optionally with charset=utf-8.
func plainJSON(h http.Header) bool {
	vs := h["Content-Type"]
	if len(vs) != 1 {
		return false
	}
	ct := vs[0]
	if len(ct) < len("application/json") || !strings.EqualFold(ct[:len("application/json")], "application/json") {
		return false
	}
	rest := ct[len("application/json"):]
	return rest == "" || strings.EqualFold(strings.TrimSpace(strings.TrimPrefix(rest, ";")), "charset=utf-8") && strings.HasPrefix(rest, ";")
}
