package contracttest

import (
	"context"
	"fmt"
	"go/token"
	"io"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
)

// The router is the one place a request meets an operation, for every check: Go's
// net/http.ServeMux, one pattern per operation ("POST /v1/channels/{channelId}/connect"), whose
// precedence and matching the package documentation describes. A path ServeMux would redirect
// (not clean) matches nothing, and HEAD is not routed to GET unless the spec documents HEAD.

type router struct {
	mux     *http.ServeMux
	methods []string // every method the spec documents, sorted: what Allow may list
}

// operation is one operation of the spec, the ServeMux handler of its pattern.
type operation struct {
	route  *routers.Route
	params []wildcard
}

// wildcard is a path parameter's name in the spec and in the pattern (a Go identifier).
type wildcard struct{ name, mux string }

func newRouter(doc *openapi3.T) (rt *router, err error) {
	rt = &router{mux: http.NewServeMux()}
	defer func() { // ServeMux panics on a pattern it refuses and on two that conflict
		if p := recover(); p != nil {
			rt, err = nil, fmt.Errorf("conflicting paths: %v", p)
		}
	}()
	for _, path := range slices.Sorted(maps.Keys(doc.Paths.Map())) {
		pattern, params, err := muxPattern(path)
		if err != nil {
			return nil, err
		}
		item := doc.Paths.Value(path)
		for method, op := range item.Operations() {
			rt.mux.Handle(method+" "+pattern, &operation{
				route:  &routers.Route{Spec: doc, Path: path, PathItem: item, Method: method, Operation: op},
				params: params,
			})
			if !slices.Contains(rt.methods, method) {
				rt.methods = append(rt.methods, method)
			}
		}
	}
	slices.Sort(rt.methods)
	return rt, nil
}

// muxPattern is the ServeMux pattern of an OpenAPI path template: {name} stays when name is a
// Go identifier and becomes {pN} otherwise; a trailing slash gets {$}, which ServeMux needs
// to match the path alone rather than everything below it.
func muxPattern(path string) (string, []wildcard, error) {
	if !strings.HasPrefix(path, "/") {
		return "", nil, fmt.Errorf("path %q does not start with /", path)
	}
	segs := strings.Split(path, "/")
	var params []wildcard
	for i, seg := range segs {
		name, isParam := strings.CutPrefix(seg, "{")
		name, closed := strings.CutSuffix(name, "}")
		switch {
		case isParam && closed && name != "" && !strings.ContainsAny(name, "{}"):
			w := wildcard{name, name}
			if !token.IsIdentifier(name) {
				w.mux = "p" + strconv.Itoa(i)
			}
			params = append(params, w)
			segs[i] = "{" + w.mux + "}"
		case strings.ContainsAny(seg, "{}"):
			return "", nil, fmt.Errorf("path %q: segment %q: only whole-segment parameters such as {id} are supported", path, seg)
		}
	}
	pattern := strings.Join(segs, "/")
	if strings.HasSuffix(pattern, "/") {
		pattern += "{$}"
	}
	return pattern, params, nil
}

func (o *operation) ServeHTTP(w http.ResponseWriter, _ *http.Request) { w.(*match).op = o }

// match is what ServeMux writes to in a lookup: the matched operation names itself there.
type match struct {
	op     *operation
	header http.Header
}

func (m *match) Header() http.Header {
	if m.header == nil {
		m.header = http.Header{}
	}
	return m.header
}
func (m *match) Write(p []byte) (int, error) { return len(p), nil }
func (m *match) WriteHeader(int)             {}

// lookup routes a copy of r under method: the operation, and the copy with its path values.
func (rt *router) lookup(r *http.Request, method string) (*operation, *http.Request) {
	probe := *r
	probe.Method = method
	var m match
	rt.mux.ServeHTTP(&m, &probe)
	if m.op == nil || m.op.route.Method != method {
		return nil, nil
	}
	for _, p := range m.op.params {
		if p.mux != p.name {
			probe.SetPathValue(p.name, probe.PathValue(p.mux))
		}
	}
	return m.op, &probe
}

// Route is a matched operation of the spec.
type Route struct {
	op     *operation
	req    *http.Request // the routed request: PathValue gives its path parameters
	params map[string]string
}

// OperationID returns the matched operation's id.
func (r *Route) OperationID() string { return r.op.route.Operation.OperationID }

// Method returns the operation's method, e.g. "POST".
func (r *Route) Method() string { return r.op.route.Method }

// Path returns the operation's path template as the spec writes it, e.g.
// "/v1/channels/{channelId}/connect".
func (r *Route) Path() string { return r.op.route.Path }

// PathParams returns the path parameters by name, unescaped, as a handler sees them; treat
// the map as read-only.
func (r *Route) PathParams() map[string]string {
	if r.params == nil {
		r.params = make(map[string]string, len(r.op.params))
		for _, p := range r.op.params {
			r.params[p.name] = r.req.PathValue(p.name)
		}
	}
	return r.params
}

// FindRoute matches r to an operation of the spec (see the package documentation's Validator
// section for the rules). On failure the error is a [Violations] with Location "route" that
// wraps routers.ErrMethodNotAllowed when the path is known but not the method (see
// [Validator.AllowedMethods]), and routers.ErrPathNotFound otherwise.
func (v *Validator) FindRoute(r *http.Request) (*Route, error) {
	if op, routed := v.router.lookup(r, r.Method); op != nil {
		return &Route{op: op, req: routed}, nil
	}
	cause := routers.ErrPathNotFound
	if len(v.AllowedMethods(r)) > 0 {
		cause = routers.ErrMethodNotAllowed
	}
	return nil, Violations{{Side: Request, Operation: r.Method + " " + r.URL.Path, Location: "route", Reason: cause.Error(), Err: cause}}
}

// AllowedMethods returns the methods the spec documents for r's path, sorted, for an Allow
// header; none when the path is unknown.
func (v *Validator) AllowedMethods(r *http.Request) []string {
	var out []string
	for _, m := range v.router.methods {
		if op, _ := v.router.lookup(r, m); op != nil {
			out = append(out, m)
		}
	}
	return out
}

// routeKey is the context key under which [Validator.Middleware] hands the route on.
type routeKey struct{}

// RouteOf returns the route [Validator.Middleware] found for r, a request it passed on to
// its handler (whose PathValue also gives the path parameters); nil for any other request.
// A handler behind the middleware need not route again.
func RouteOf(r *http.Request) *Route {
	route, _ := r.Context().Value(routeKey{}).(*Route)
	return route
}

// withRoute is route's request as the middleware passes it on: with the route in its
// context and body as its body.
func (r *Route) withRoute(ctx context.Context, body io.ReadCloser) *http.Request {
	out := r.req.WithContext(context.WithValue(ctx, routeKey{}, r))
	out.Body = body
	return out
}
