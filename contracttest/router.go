package contracttest

import (
	"cmp"
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
)

// The router is the one place a request meets an operation: FindRoute, AllowedMethods, the
// fast path and the slow path (kin-openapi's openapi3filter, handed the route and path
// parameters found here) all use it.
//
// Precedence is OpenAPI's, which Go 1.22's net/http.ServeMux also implements: comparing
// segment by segment from the left, a literal beats a template, so /items/latest is matched
// before /items/{id}. A path is matched first, then the method: a path that matches but does
// not document the method answers 405 with that path's methods.
//
// It routes on the escaped path, segment by segment, unescaping each segment on its own: an
// encoded slash (%2F) stays inside its segment, so /v1/channels/x%2Fconnect is the segments
// "v1", "channels" and "x/connect", never the connect operation.

// router holds a spec's path templates, most specific first: the first that matches wins.
type router struct {
	paths []*pathTemplate
}

type pathTemplate struct {
	template string
	segments []segment
	ops      map[string]*operation // by method
	allow    []string              // the documented methods, sorted
}

// segment is one segment of a path template: a literal, or a whole-segment parameter.
type segment struct {
	literal string
	param   string // the parameter's name; "" for a literal
}

// operation is one operation of the spec, compiled once per document.
type operation struct {
	route    *routers.Route
	template *pathTemplate
	fast     *fastOp // nil: no fast path
}

func newRouter(doc *openapi3.T) (*router, error) {
	rt := &router{}
	if doc.Paths == nil {
		return rt, nil
	}
	for path, item := range doc.Paths.Map() {
		p := &pathTemplate{template: path, ops: map[string]*operation{}}
		if !strings.HasPrefix(path, "/") {
			return nil, fmt.Errorf("path %q does not start with /", path)
		}
		for _, seg := range strings.Split(path[1:], "/") {
			name, isParam := strings.CutPrefix(seg, "{")
			name, closed := strings.CutSuffix(name, "}")
			switch {
			case isParam && closed && name != "" && !strings.ContainsAny(name, "{}"):
				p.segments = append(p.segments, segment{param: name})
			case strings.ContainsAny(seg, "{}"):
				return nil, fmt.Errorf("path %q: segment %q: only whole-segment parameters such as {id} are supported", path, seg)
			default:
				p.segments = append(p.segments, segment{literal: seg})
			}
		}
		for method, op := range item.Operations() {
			p.ops[method] = &operation{
				route:    &routers.Route{Spec: doc, Path: path, PathItem: item, Method: method, Operation: op},
				template: p,
			}
			p.allow = append(p.allow, method)
		}
		slices.Sort(p.allow)
		rt.paths = append(rt.paths, p)
	}
	slices.SortStableFunc(rt.paths, func(a, b *pathTemplate) int {
		if c := compareSpecificity(a.segments, b.segments); c != 0 {
			return c
		}
		return strings.Compare(a.template, b.template)
	})
	return rt, nil
}

// compareSpecificity orders templates so that, of two that match a request, the one with a
// literal where the other has a parameter at the first position they differ comes first.
// (Two templates of the same shape, /a/{x} and /a/{y}, never get here: doc.Validate refuses
// them.)
func compareSpecificity(a, b []segment) int {
	for i := range min(len(a), len(b)) {
		if ap, bp := a[i].param != "", b[i].param != ""; ap != bp {
			if bp {
				return -1
			}
			return 1
		}
	}
	return cmp.Compare(len(a), len(b))
}

// find returns the most specific template escaped (a URL's EscapedPath) matches, or nil.
func (rt *router) find(escaped string) *pathTemplate {
	for _, p := range rt.paths {
		if p.match(escaped) {
			return p
		}
	}
	return nil
}

func (p *pathTemplate) match(escaped string) bool {
	rest := escaped
	for _, seg := range p.segments {
		if rest == "" || rest[0] != '/' {
			return false
		}
		var value string
		value, rest = cutSegment(rest[1:])
		if seg.param != "" {
			if value == "" {
				return false // a path parameter is required, so never empty
			}
			continue
		}
		if strings.IndexByte(value, '%') >= 0 {
			var err error
			if value, err = url.PathUnescape(value); err != nil {
				return false
			}
		}
		if value != seg.literal {
			return false
		}
	}
	return rest == ""
}

// params returns the (unescaped) path parameters of escaped, a path p matches.
func (p *pathTemplate) params(escaped string) map[string]string {
	out := make(map[string]string, 1)
	rest := escaped
	for _, seg := range p.segments {
		var value string
		value, rest = cutSegment(rest[1:])
		if seg.param == "" {
			continue
		}
		if unescaped, err := url.PathUnescape(value); err == nil {
			value = unescaped
		}
		out[seg.param] = value
	}
	return out
}

// cutSegment splits s at its first slash: the segment before it, and the rest from it on.
func cutSegment(s string) (seg, rest string) {
	if i := strings.IndexByte(s, '/'); i >= 0 {
		return s[:i], s[i:]
	}
	return s, ""
}

// compiledSpec is everything a Validator derives from a document alone, shared by every
// Validator of that document.
type compiledSpec struct {
	router *router
}

func compileSpec(doc *openapi3.T) (*compiledSpec, error) {
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("contracttest: invalid spec: %w", err)
	}
	rt, err := newRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("contracttest: build router: %w", err)
	}
	for _, p := range rt.paths {
		for _, op := range p.ops {
			op.fast = compileFastOp(op)
		}
	}
	return &compiledSpec{router: rt}, nil
}

// maxCachedSpecs bounds the cache: a program uses a handful of documents, a test that parses
// fixtures in a loop many, and the oldest are forgotten (then compiled again if used again).
const maxCachedSpecs = 16

// specCache holds compiled documents by identity, so a Validator per test or per Secret Key
// costs a map lookup. Documents are treated as read-only (see [NewForSpec]).
var specCache = struct {
	sync.Mutex
	m     map[*openapi3.T]*compiledSpec
	order []*openapi3.T // oldest first
}{m: map[*openapi3.T]*compiledSpec{}}

func compiledFor(doc *openapi3.T) (*compiledSpec, error) {
	specCache.Lock()
	c := specCache.m[doc]
	specCache.Unlock()
	if c != nil {
		return c, nil
	}
	c, err := compileSpec(doc) // outside the lock: two first callers may both compile; one wins
	if err != nil {
		return nil, err
	}
	specCache.Lock()
	defer specCache.Unlock()
	if cached := specCache.m[doc]; cached != nil {
		return cached, nil
	}
	if len(specCache.order) == maxCachedSpecs {
		delete(specCache.m, specCache.order[0])
		specCache.order = slices.Delete(specCache.order, 0, 1)
	}
	specCache.m[doc] = c
	specCache.order = append(specCache.order, doc)
	return c, nil
}
