package contracttest

import (
	"net/http"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"

	"github.com/hubmessage/hubmessage-go/contracttest/internal/fastschema"
)

// The fast path answers "certainly valid" for the plain exchanges that make up nearly all
// traffic — a known route, a well-formed bearer token, application/json bodies of the usual
// shape — without decoding bodies into maps. Anything it is not sure about goes to
// openapi3filter, which alone writes violations. So verdicts are always openapi3filter's;
// the differential tests and fuzz targets hold the fast path to that.

// fastOp is one operation of the spec, precompiled. A nil *fastOp means "no fast path".
type fastOp struct {
	shared   *Route // what FindRoute returns for requests on this path
	route    *routers.Route
	method   string
	segments []pathSegment
	body     *fastschema.Schema         // request body (application/json); nil: no body allowed on the fast path
	bodyReq  bool                       // request body required
	status   map[int]*fastschema.Schema // documented responses; a nil value: no fast path for that status
	fallback *fastschema.Schema         // the default response, if any and compilable
	hasDef   bool
}

type pathSegment struct {
	literal string             // when param is nil
	param   *fastschema.Schema // a path parameter
	name    string
}

// compileFastOps compiles the operations of doc that the fast path supports. Their routes are
// built as kin-openapi's legacy router builds them, so the slow path can take over any time.
func compileFastOps(doc *openapi3.T) []*fastOp {
	var ops []*fastOp
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			route := &routers.Route{Spec: doc, Path: path, PathItem: item, Method: method, Operation: op}
			if f := compileFastOp(path, method, op, route); f != nil {
				f.shared = &Route{route: route, fast: f}
				ops = append(ops, f)
			}
		}
	}
	return ops
}

func compileFastOp(path, method string, op *openapi3.Operation, route *routers.Route) *fastOp {
	if route == nil || len(op.Callbacks) > 0 || !bearerOnly(route.Spec, op) {
		return nil
	}
	f := &fastOp{route: route, method: method, status: map[int]*fastschema.Schema{}}
	params := map[string]*openapi3.Parameter{}
	for _, p := range append(route.PathItem.Parameters, op.Parameters...) {
		if p.Value == nil || p.Value.In != openapi3.ParameterInPath || p.Value.Schema == nil || p.Value.Style != "" || p.Value.Explode != nil {
			return nil // header, query and cookie parameters, and styled ones, go the slow way
		}
		params[p.Value.Name] = p.Value
	}
	for _, seg := range strings.Split(strings.TrimPrefix(path, "/"), "/") {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			name := seg[1 : len(seg)-1]
			p := params[name]
			if p == nil {
				return nil
			}
			s, ok := fastschema.Compile(p.Schema.Value)
			if !ok {
				return nil
			}
			f.segments = append(f.segments, pathSegment{param: s, name: name})
			continue
		}
		if strings.ContainsAny(seg, "{}") {
			return nil
		}
		f.segments = append(f.segments, pathSegment{literal: seg})
	}
	if rb := op.RequestBody; rb != nil && rb.Value != nil {
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
	for code, resp := range op.Responses.Map() {
		s := compileResponse(resp)
		if code == "default" {
			f.fallback, f.hasDef = s, true
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

func compileResponse(resp *openapi3.ResponseRef) *fastschema.Schema {
	if resp == nil || resp.Value == nil || len(resp.Value.Headers) > 0 {
		return nil
	}
	media := onlyJSON(resp.Value.Content)
	if media == nil {
		return nil
	}
	s, _ := fastschema.Compile(media.Schema.Value)
	return s
}

// onlyJSON returns the application/json media type when it is the only one, with a schema.
func onlyJSON(c openapi3.Content) *openapi3.MediaType {
	m := c["application/json"]
	if len(c) != 1 || m == nil || m.Schema == nil || m.Schema.Value == nil || len(m.Encoding) > 0 {
		return nil
	}
	return m
}

// matchPath reports whether r's method and path certainly match f, with valid path parameters.
func (f *fastOp) matchPath(r *http.Request) bool {
	if r.Method != f.method || r.URL.RawPath != "" || r.URL.RawQuery != "" {
		return false
	}
	rest := r.URL.Path
	for _, seg := range f.segments {
		if len(rest) == 0 || rest[0] != '/' {
			return false
		}
		rest = rest[1:]
		end := strings.IndexByte(rest, '/')
		if end < 0 {
			end = len(rest)
		}
		value := rest[:end]
		rest = rest[end:]
		if seg.param == nil {
			if value != seg.literal {
				return false
			}
		} else if value == "" || !seg.param.ValidString(value) {
			return false
		}
	}
	return rest == ""
}

func (f *fastOp) validRequest(r *http.Request, body []byte) bool {
	if len(body) == 0 {
		return !f.bodyReq && f.body == nil
	}
	return f.body != nil && plainJSON(r.Header) && f.body.Valid(body)
}

func (f *fastOp) validResponse(status int, header http.Header, body []byte) bool {
	s, ok := f.status[status]
	if !ok {
		if !f.hasDef {
			return false
		}
		s = f.fallback
	}
	return s != nil && plainJSON(header) && s.Valid(body)
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

// params returns the path parameter values of a request matchPath accepted.
func (f *fastOp) params(r *http.Request) map[string]string {
	out := make(map[string]string, 1)
	segs := strings.Split(strings.TrimPrefix(r.URL.Path, "/"), "/")
	for i, seg := range f.segments {
		if seg.param != nil && i < len(segs) {
			out[seg.name] = segs[i]
		}
	}
	return out
}
