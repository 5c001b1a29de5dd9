package contracttest

import (
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// unknownSegment is the path segment unknown_path cases add; no sane spec documents it.
const unknownSegment = "contracttest-unknown"

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

// probes are the unsupported_method and unknown_path cases beside the operation's path.
func (g *opGen) probes(v *Validator) []Case {
	return append(g.unsupportedMethods(v), g.unknownPath(v)...)
}

// unsupportedMethods are requests with each common method the path documents nowhere.
func (g *opGen) unsupportedMethods(v *Validator) []Case {
	documented := slices.Sorted(maps.Keys(g.item.Operations()))
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

// unknownPath is a request to an undocumented path below, beside or under the operation's, as
// the router agrees: a suffix alone is not enough ("/v1/channels" + "/x" is a channel).
func (g *opGen) unknownPath(v *Validator) []Case {
	path := pathOnly(g.target(nil, ""))
	parent := path[:strings.LastIndex(path, "/")]
	for _, cand := range []struct{ path, where string }{
		{path + "/" + unknownSegment, "below"},
		{parent + "/" + unknownSegment, "beside"},
		{"/" + unknownSegment + path, "under an unknown prefix of"},
	} {
		if unknownTo(v, g.method, cand.path) {
			c := g.base(CheckUnknownPath, "nearby", "an undocumented path "+cand.where+" "+g.path)
			c.Operation, c.Path, c.Want = "", cand.path, []string{"404"}
			return []Case{c}
		}
	}
	return nil
}

// rootProbe is the unknown_path case beside no documented path, where the router agrees; it
// sends the key if other cases do, so that it gets past the server's auth.
func rootProbe(v *Validator, keyed bool) []Case {
	root := "/" + unknownSegment + "-path"
	if !unknownTo(v, http.MethodGet, root) {
		return nil
	}
	return []Case{{Name: CheckUnknownPath + "/root", Check: CheckUnknownPath, Description: "a path the spec does not document",
		Method: http.MethodGet, Path: root, Header: http.Header{}, UseSecretKey: keyed, Want: []string{"404"}}}
}
