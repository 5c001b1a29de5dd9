package mockserver

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/hubmessage/hubmessage-go/contracttest"
	"github.com/hubmessage/hubmessage-go/internal/errorbody"
)

// Examples answers each request with an example response its operation documents, as Prism's
// static mock does, for any OpenAPI 3.0 spec: a conformant stand-in that keeps no state (the
// reference server answers Prefer and queued answers from it). It is safe for concurrent use.
//
// Without a Prefer header the answer is the first example (by name) of the lowest documented
// 2XX; `Prefer: code=404` that status's first example (under a range such as 4XX, or default,
// one whose body names no status or that one, in an integer "error", "status" or "code");
// `Prefer: example=name` that example; both, the one of that name for that status. A status
// without content answers no body; a Prefer header it cannot answer, 400 naming what is
// documented.
//
// It checks nothing: behind contracttest's middleware it answers the route found
// ([contracttest.RouteOf]); alone it routes a request itself (404, 405 with Allow).
type Examples struct {
	v   *contracttest.Validator
	ops map[string]opExamples // by operationId
}

// opExamples are an operation's examples by response key ("200", "4XX", "default"), by name.
type opExamples map[string][]example

// example is one example response.
type example struct {
	name       string
	status     int  // the status it answers: its key's, or the one its body names; 0 for any
	value      any  // the JSON body; nil with noBody
	noBody     bool // a response documented without content, such as 204
	retryAfter bool // the response documents a Retry-After header (503)
}

// NewExamples reads doc's example responses: the named `examples` of each JSON response, its
// lone `example` (named "example"), or for a response without content an empty answer named
// "noContent".
func NewExamples(doc *openapi3.T) (*Examples, error) {
	v, err := contracttest.NewForSpec(doc)
	if err != nil {
		return nil, err
	}
	e := &Examples{v: v, ops: map[string]opExamples{}}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			oe := opExamples{}
			for key, ref := range op.Responses.Map() {
				if ref.Value != nil {
					oe[key] = readExamples(key, ref.Value)
				}
			}
			e.ops[op.OperationID] = oe
		}
	}
	return e, nil
}

func readExamples(key string, resp *openapi3.Response) []example {
	status, _ := strconv.Atoi(key) // 0 for a range or default
	retryAfter := slices.ContainsFunc(slices.Collect(maps.Keys(resp.Headers)), func(h string) bool { return strings.EqualFold(h, "Retry-After") })
	if len(resp.Content) == 0 {
		return []example{{name: "noContent", status: status, noBody: true, retryAfter: retryAfter}}
	}
	media := resp.Content.Get("application/json")
	if media == nil {
		return nil
	}
	values := map[string]any{}
	for name, ex := range media.Examples {
		if ex.Value != nil {
			values[name] = ex.Value.Value
		}
	}
	if len(values) == 0 && media.Example != nil {
		values["example"] = media.Example
	}
	var out []example
	for _, name := range slices.Sorted(maps.Keys(values)) {
		out = append(out, example{name: name, status: cmp.Or(status, namedStatus(key, values[name])), value: values[name], retryAfter: retryAfter})
	}
	return out
}

// namedStatus is the status an example body of a range or default response names in an
// integer "error", "status" or "code" member (this API's error shape, RFC 7807's), if it
// falls under key; else 0.
func namedStatus(key string, value any) int {
	obj, _ := value.(map[string]any)
	for _, name := range []string{"error", "status", "code"} {
		if n, ok := obj[name].(float64); ok && n == float64(int(n)) && n >= 100 && n <= 599 &&
			(key == "default" || strings.EqualFold(key, strconv.Itoa(int(n)/100)+"XX")) {
			return int(n)
		}
	}
	return 0
}

// forStatus is the example (of that name, unless "") answering status: of the status's own
// response if documented, else the first of its range's and default's that answers it.
func (oe opExamples) forStatus(status int, name string) (example, bool) {
	for i, key := range []string{strconv.Itoa(status), strconv.Itoa(status/100) + "XX", "default"} {
		for _, ex := range oe[key] {
			if (ex.status == status || ex.status == 0) && (name == "" || ex.name == name) {
				ex.status = status
				return ex, true
			}
		}
		if _, exact := oe[key]; exact && i == 0 {
			break
		}
	}
	return example{}, false
}

// ServeHTTP answers r with an example of its operation (see [Examples]).
func (e *Examples) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	route := contracttest.RouteOf(r)
	if route == nil {
		var err error
		if route, err = e.v.FindRoute(r); err != nil {
			if allow := e.v.AllowedMethods(r); len(allow) > 0 {
				w.Header().Set("Allow", strings.Join(allow, ", "))
				errorbody.Write(w, http.StatusMethodNotAllowed, "method "+r.Method+" is not allowed here")
				return
			}
			errorbody.Write(w, http.StatusNotFound, msgNoSuchEndpoint)
			return
		}
	}
	pref, err := parsePrefer(r.Header.Values("Prefer"))
	if err == nil {
		var ex example
		if ex, err = e.pick(route.OperationID(), pref); err == nil {
			ex.write(w)
			return
		}
	}
	errorbody.Write(w, http.StatusBadRequest, err.Error())
}

// pick chooses the example p asks for (see [Examples]).
func (e *Examples) pick(operation string, p preference) (example, error) {
	oe, ok := e.ops[operation]
	if !ok {
		return example{}, fmt.Errorf("no operation %q", operation)
	}
	if p.code != 0 {
		if ex, ok := oe.forStatus(p.code, p.example); ok {
			return ex, nil
		}
		if ex, ok := oe.forStatus(p.code, ""); ok {
			return example{}, fmt.Errorf("Prefer: example %q is not documented for %s status %d; its examples: %s",
				p.example, operation, p.code, oe.list(ex.status, func(ex example) string { return ex.name }))
		}
		return example{}, fmt.Errorf("Prefer: code=%d is not documented for %s; documented: %s",
			p.code, operation, oe.statuses())
	}
	for _, key := range slices.Sorted(maps.Keys(oe)) {
		for i, ex := range oe[key] { // by name; without one, the first of the lowest 2XX
			if ex.status != 0 && (p.example != "" && ex.name == p.example || p.example == "" && i == 0 && strings.HasPrefix(key, "2")) {
				return ex, nil
			}
		}
	}
	if p.example == "" {
		return example{}, fmt.Errorf("%s documents no 2XX example", operation)
	}
	return example{}, fmt.Errorf("Prefer: example %q is not documented for %s; documented: %s",
		p.example, operation, oe.list(0, func(ex example) string { return ex.name }))
}

// statuses lists the statuses documented with an example that names its own: "200, 400, 404".
func (oe opExamples) statuses() string {
	return oe.list(-1, func(ex example) string { return strconv.Itoa(ex.status) })
}

// list is f of the examples answering status (any, for 0; any naming its own, for -1),
// sorted, each once, joined by commas.
func (oe opExamples) list(status int, f func(example) string) string {
	var out []string
	for _, exs := range oe {
		for _, ex := range exs {
			if status == ex.status || status == 0 || status == -1 && ex.status != 0 {
				out = append(out, f(ex))
			}
		}
	}
	slices.Sort(out)
	return strings.Join(slices.Compact(out), ", ")
}

// write answers with the example.
func (ex example) write(w http.ResponseWriter) {
	if ex.noBody {
		w.WriteHeader(ex.status)
		return
	}
	body, _ := json.Marshal(ex.value) // cannot fail: the value was decoded from the spec's JSON (kin-openapi reads YAML as JSON)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(ex.status)
	_, _ = w.Write(append(body, '\n'))
}

// preference is what a Prefer header asks of the server, as Prism reads it.
type preference struct {
	code    int    // 0: not given
	example string // "": not given
}

func (p preference) set() bool { return p.code != 0 || p.example != "" }

// parsePrefer reads the Prefer header values (RFC 7240): comma-separated preferences, each
// `name[=value]` with optional `;` parameters. It reads `code` and `example` and, as the RFC
// asks, ignores any other preference. Semicolons also separate preferences, since
// `code=422; example=codeExpired` is a common spelling.
func parsePrefer(values []string) (preference, error) {
	var p preference
	for _, value := range values {
		for _, item := range strings.FieldsFunc(value, func(r rune) bool { return r == ',' || r == ';' }) {
			name, val, _ := strings.Cut(strings.TrimSpace(item), "=")
			name = strings.ToLower(strings.TrimSpace(name))
			val = strings.Trim(strings.TrimSpace(val), `"`)
			switch name {
			case "code":
				code, err := strconv.Atoi(val)
				if err != nil || code < 100 || code > 599 {
					return preference{}, fmt.Errorf("Prefer: code=%q is not an HTTP status", val)
				}
				if p.code != 0 && p.code != code {
					return preference{}, fmt.Errorf("Prefer: code is given twice (%d and %d)", p.code, code)
				}
				p.code = code
			case "example":
				if val == "" {
					return preference{}, errors.New("Prefer: example= names no example")
				}
				if p.example != "" && p.example != val {
					return preference{}, fmt.Errorf("Prefer: example is given twice (%q and %q)", p.example, val)
				}
				p.example = val
			}
		}
	}
	return p, nil
}
