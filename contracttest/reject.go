package contracttest

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
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/hubmessage/hubmessage-go/internal/errorbody"
)

// rejectStatus is the status an enforcing middleware answers a request's violations with.
func rejectStatus(vs Violations) int {
	var sec *openapi3filter.SecurityRequirementsError
	switch {
	case errors.Is(vs, errTooLarge):
		return http.StatusRequestEntityTooLarge
	case errors.Is(vs, errBodyTimeout):
		return http.StatusRequestTimeout
	case errors.Is(vs, routers.ErrPathNotFound):
		return http.StatusNotFound
	case errors.Is(vs, routers.ErrMethodNotAllowed):
		return http.StatusMethodNotAllowed
	case errors.As(vs, &sec):
		return http.StatusUnauthorized
	}
	return http.StatusBadRequest
}

// rejectMessage is what a rejection of r says: every problem for 400, what was refused for
// 404, 405, 408 and 413, and no more than the status text for the others, so that a 401 says
// nothing about the request and a 500 nothing about the response.
func rejectMessage(r *http.Request, w http.ResponseWriter, status int, vs Violations) string {
	switch {
	case status == http.StatusNotFound:
		return "no such endpoint"
	case status == http.StatusMethodNotAllowed:
		return fmt.Sprintf("method %s is not allowed here; allowed: %s", r.Method, w.Header().Get("Allow"))
	case (status == http.StatusRequestTimeout || status == http.StatusRequestEntityTooLarge) && len(vs) > 0:
		return "request " + vs[0].Location + ": " + vs[0].Reason
	case status == http.StatusBadRequest && len(vs) > 0:
		parts := make([]string, 0, len(vs))
		for _, v := range vs {
			parts = append(parts, v.Location+": "+v.Reason)
		}
		return strings.Join(parts, "; ")
	}
	return http.StatusText(status)
}

// writeSpecError is the default [RejectFunc]: the error body the spec documents for the
// status, filled by [errorTemplate], else the plain {"error":<status>,"message":"..."} body
// of errorbody.Write.
func (c *checkConfig) writeSpecError(w http.ResponseWriter, r *http.Request, status int, vs Violations) {
	var op *openapi3.Operation // nil: no operation matched, as for 404 and 405
	if route := RouteOf(r); route != nil {
		op = route.op.route.Operation
	}
	key := shapeKey{op, status}
	t, ok := c.shapes.Load(key)
	if !ok {
		t, _ = c.shapes.LoadOrStore(key, newErrorTemplate(c.validator.Spec(), op, status))
	}
	tmpl := t.(*errorTemplate)
	msg := rejectMessage(r, w, status, vs)
	if body, ok := tmpl.fill(status, msg); ok {
		h := w.Header()
		h.Set("Content-Type", tmpl.media)
		h.Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(status)
		_, _ = w.Write(body)
		return
	}
	errorbody.Write(w, status, msg)
}

type shapeKey struct {
	op     *openapi3.Operation
	status int
}

// errorTemplate is how to fill the error body a spec documents for one status: the response
// of the request's operation for that status (exact, then its range such as 4XX, then
// default) or, for a request no operation matches, of the first operation that documents one.
// Each property of the body's schema gets a role from its name and type: an integer named
// error, status, code or statusCode carries the status; a string named message, detail,
// error_description, description or error the message; title the status text; type
// "about:blank" (RFC 7807). A required property of another name gets a value built from its
// schema. The filled body must pass the schema, or the plain {"error","message"} body is sent.
type errorTemplate struct {
	media  string // the documented JSON media type; "" when there is none
	schema *openapi3.Schema
	roles  map[string]string // property -> "status", "message", "title", "type"
	consts map[string]any    // other required properties
}

func newErrorTemplate(doc *openapi3.T, op *openapi3.Operation, status int) *errorTemplate {
	t := &errorTemplate{roles: map[string]string{}, consts: map[string]any{}}
	if doc == nil || doc.Paths == nil {
		return t
	}
	ops := []*openapi3.Operation{op}
	if op == nil {
		ops = nil
		for _, path := range slices.Sorted(maps.Keys(doc.Paths.Map())) {
			item := doc.Paths.Value(path)
			for _, m := range slices.Sorted(maps.Keys(item.Operations())) {
				ops = append(ops, item.Operations()[m])
			}
		}
	}
	resp := documentedResponse(ops, status)
	if resp == nil {
		return t
	}
	for _, mt := range slices.Sorted(maps.Keys(resp.Content)) {
		if strings.Contains(mt, "json") && resp.Content[mt] != nil && resp.Content[mt].Schema != nil {
			t.media, t.schema = mt, resp.Content[mt].Schema.Value
			break
		}
	}
	if t.schema == nil {
		t.media = ""
		return t
	}
	s := flatten(t.schema)
	for _, name := range slices.Sorted(maps.Keys(s.Properties)) {
		prop := schemaOf(s.Properties[name])
		if prop == nil {
			continue
		}
		lower := strings.ToLower(name)
		switch {
		case prop.Type.Is("integer") && slices.Contains([]string{"error", "status", "code", "statuscode", "status_code"}, lower):
			t.roles[name] = "status"
		case prop.Type.Is("string") && slices.Contains([]string{"message", "detail", "error_description", "description", "error"}, lower):
			t.roles[name] = "message"
		case prop.Type.Is("string") && lower == "title":
			t.roles[name] = "title"
		case prop.Type.Is("string") && lower == "type":
			t.roles[name] = "type"
		case slices.Contains(s.Required, name):
			v, ok := sample(prop)
			if !ok {
				t.media = "" // a required property this cannot fill
				return t
			}
			t.consts[name] = v
		}
	}
	if !slices.ContainsFunc(slices.Collect(maps.Values(t.roles)), func(r string) bool { return r == "message" }) {
		t.media = "" // nowhere to say what was wrong
	}
	return t
}

// documentedResponse is the first of ops' responses for status, as the spec resolves it (see
// responseKeys).
func documentedResponse(ops []*openapi3.Operation, status int) *openapi3.Response {
	for _, key := range responseKeys(status) {
		for _, op := range ops {
			if op == nil || op.Responses == nil {
				continue
			}
			if ref := op.Responses.Value(key); ref != nil && ref.Value != nil {
				return ref.Value
			}
		}
	}
	return nil
}

// responseKeys are the keys a response with status is documented under, in the order the
// spec resolves them: the status, its range (4XX), default.
func responseKeys(status int) []string {
	return []string{strconv.Itoa(status), strconv.Itoa(status/100) + "XX", "default"}
}

// fill is the body for status and msg, encoded, if the spec's schema accepts it.
func (t *errorTemplate) fill(status int, msg string) ([]byte, bool) {
	if t.media == "" {
		return nil, false
	}
	body := maps.Clone(t.consts)
	for name, role := range t.roles {
		switch role {
		case "status":
			body[name] = status
		case "message":
			body[name] = msg
		case "title":
			body[name] = http.StatusText(status)
		case "type":
			body[name] = "about:blank"
		}
	}
	data, err := json.Marshal(body)
	if err != nil {
		return nil, false
	}
	var decoded any // the schema sees the body as a client would
	if json.Unmarshal(data, &decoded) != nil || t.schema.VisitJSON(decoded) != nil {
		return nil, false
	}
	return append(data, '\n'), true
}
