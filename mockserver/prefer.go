package mockserver

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/hubmessage/hubmessage-go/internal/errorbody"
)

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
			val = strings.TrimSpace(val)
			if len(val) >= 2 && val[0] == '"' && val[len(val)-1] == '"' {
				val = val[1 : len(val)-1]
			}
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

// namedExample is one example response of an operation.
type namedExample struct {
	name       string
	status     int
	value      any  // the JSON body; nil with noBody
	noBody     bool // a status documented without content, such as 204
	retryAfter bool // the response documents a Retry-After header (503): a queued answer sends one
}

// noContentName names the example of a status documented without content.
const noContentName = "noContent"

// singleExampleName names a media type's lone `example`.
const singleExampleName = "example"

// write answers with the example.
func (ex namedExample) write(w http.ResponseWriter) {
	if ex.noBody {
		w.WriteHeader(ex.status)
		return
	}
	body, err := json.Marshal(ex.value)
	if err != nil { // cannot happen: the value was decoded from the spec's JSON or YAML
		errorbody.Write(w, http.StatusInternalServerError, msgInternal)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(ex.status)
	_, _ = w.Write(append(body, '\n'))
}

// operationExamples holds an operation's example responses, read from the spec.
type operationExamples struct {
	operation string
	byStatus  map[int][]namedExample // each sorted by name
}

// readExamples reads every operation's example responses and path template from doc: the
// named `examples` of a JSON response, its lone `example` (named "example"), or for a status
// documented without content (such as 204), an empty answer named "noContent". A `default`
// response's examples answer with the status their `error` field holds.
func readExamples(doc *openapi3.T) (map[string]*operationExamples, map[string]string, error) {
	examples := map[string]*operationExamples{}
	templates := map[string]string{}
	for template, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			oe := &operationExamples{operation: op.OperationID, byStatus: map[int][]namedExample{}}
			for key, ref := range op.Responses.Map() {
				if ref.Value == nil {
					continue
				}
				retryAfter := documentsRetryAfter(ref.Value.Headers)
				if len(ref.Value.Content) == 0 && key != "default" {
					status, err := strconv.Atoi(key)
					if err != nil {
						return nil, nil, fmt.Errorf("%s response %s: %w", op.OperationID, key, err)
					}
					oe.byStatus[status] = append(oe.byStatus[status], namedExample{name: noContentName, status: status, noBody: true, retryAfter: retryAfter})
					continue
				}
				media := ref.Value.Content.Get("application/json")
				if media == nil {
					continue
				}
				values := map[string]any{}
				for name, ex := range media.Examples {
					if ex.Value != nil {
						values[name] = ex.Value.Value
					}
				}
				if len(values) == 0 && media.Example != nil {
					values[singleExampleName] = media.Example
				}
				for name, value := range values {
					status, err := exampleStatus(key, value)
					if err != nil {
						return nil, nil, fmt.Errorf("%s response %s example %s: %w", op.OperationID, key, name, err)
					}
					oe.byStatus[status] = append(oe.byStatus[status], namedExample{name: name, status: status, value: value, retryAfter: retryAfter})
				}
			}
			for _, exs := range oe.byStatus {
				slices.SortFunc(exs, func(a, b namedExample) int { return strings.Compare(a.name, b.name) })
			}
			examples[op.OperationID] = oe
			templates[op.OperationID] = template
		}
	}
	return examples, templates, nil
}

// documentsRetryAfter reports whether a response documents the Retry-After header.
func documentsRetryAfter(headers openapi3.Headers) bool {
	for name := range headers {
		if strings.EqualFold(name, "Retry-After") {
			return true
		}
	}
	return false
}

func exampleStatus(key string, value any) (int, error) {
	if key != "default" {
		return strconv.Atoi(key)
	}
	obj, ok := value.(map[string]any)
	if !ok {
		return 0, errors.New("default example is not an object with an error status")
	}
	switch n := obj["error"].(type) {
	case float64:
		return int(n), nil
	case int:
		return n, nil
	}
	return 0, errors.New("default example has no numeric error field")
}

// pick chooses the example p asks for: with a code alone, the status's first example by name;
// with an example alone, that example wherever it is (the lowest status if the name repeats).
func (oe *operationExamples) pick(p preference) (namedExample, error) {
	statuses := slices.Sorted(maps.Keys(oe.byStatus))
	if p.code != 0 {
		exs, ok := oe.byStatus[p.code]
		if !ok {
			return namedExample{}, fmt.Errorf("Prefer: code=%d is not documented for %s; documented: %s",
				p.code, oe.operation, joinInts(statuses))
		}
		if p.example == "" {
			return exs[0], nil
		}
		for _, ex := range exs {
			if ex.name == p.example {
				return ex, nil
			}
		}
		return namedExample{}, fmt.Errorf("Prefer: example %q is not documented for %s status %d; its examples: %s",
			p.example, oe.operation, p.code, joinNames(exs))
	}
	var all []namedExample
	for _, status := range statuses {
		for _, ex := range oe.byStatus[status] {
			if ex.name == p.example {
				return ex, nil
			}
		}
		all = append(all, oe.byStatus[status]...)
	}
	return namedExample{}, fmt.Errorf("Prefer: example %q is not documented for %s; documented: %s",
		p.example, oe.operation, joinNames(all))
}

func joinInts(ns []int) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ", ")
}

func joinNames(exs []namedExample) string {
	s := make([]string, len(exs))
	for i, ex := range exs {
		s[i] = ex.name
	}
	return strings.Join(s, ", ")
}
