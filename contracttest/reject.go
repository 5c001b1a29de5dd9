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
// status (specErrorBody), else the plain {"error":<status>,"message":"..."} of errorbody.Write.
func (c *checkConfig) writeSpecError(w http.ResponseWriter, r *http.Request, status int, vs Violations) {
	var ops []*openapi3.Operation // the route's, else (404, 405) the first that documents the status
	if route := RouteOf(r); route != nil {
		ops = append(ops, route.op.route.Operation)
	} else if doc := c.validator.Spec(); doc.Paths != nil {
		for _, path := range slices.Sorted(maps.Keys(doc.Paths.Map())) {
			item := doc.Paths.Value(path)
			for _, m := range slices.Sorted(maps.Keys(item.Operations())) {
				ops = append(ops, item.Operations()[m])
			}
		}
	}
	msg := rejectMessage(r, w, status, vs)
	if media, body, ok := specErrorBody(documentedResponse(ops, status), status, msg); ok {
		w.Header().Set("Content-Type", media)
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(status)
		_, _ = w.Write(body)
		return
	}
	errorbody.Write(w, status, msg)
}

// specErrorBody fills resp's JSON error body by its properties' names and types (an integer
// error, status or code; a string message, detail or error; RFC 7807's title and type; any
// other required one from its schema). It must pass the schema and hold the message.
func specErrorBody(resp *openapi3.Response, status int, msg string) (media string, body []byte, ok bool) {
	var schema *openapi3.Schema
	if resp != nil {
		for _, mt := range slices.Sorted(maps.Keys(resp.Content)) {
			if strings.Contains(mt, "json") && resp.Content[mt] != nil && resp.Content[mt].Schema != nil {
				media, schema = mt, resp.Content[mt].Schema.Value
				break
			}
		}
	}
	if schema == nil {
		return "", nil, false
	}
	obj, said := map[string]any{}, false
	s := flatten(schema)
	for _, name := range slices.Sorted(maps.Keys(s.Properties)) {
		prop := schemaOf(s.Properties[name])
		if prop == nil {
			continue
		}
		switch lower := strings.ToLower(name); {
		case prop.Type.Is("integer") && slices.Contains([]string{"error", "status", "code", "statuscode", "status_code"}, lower):
			obj[name] = status
		case prop.Type.Is("string") && slices.Contains([]string{"message", "detail", "error_description", "description", "error"}, lower):
			obj[name], said = msg, true
		case prop.Type.Is("string") && lower == "title":
			obj[name] = http.StatusText(status)
		case prop.Type.Is("string") && lower == "type":
			obj[name] = "about:blank"
		case slices.Contains(s.Required, name):
			if obj[name], ok = sample(prop); !ok {
				return "", nil, false // a required property this cannot fill
			}
		}
	}
	data, err := json.Marshal(obj)
	var decoded any // the schema sees the body as a client would
	if !said || err != nil || json.Unmarshal(data, &decoded) != nil || schema.VisitJSON(decoded) != nil {
		return "", nil, false
	}
	return media, append(data, '\n'), true
}

// documentedResponse is the first of ops' responses for status (see responseKeys).
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
