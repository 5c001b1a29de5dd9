package contracttest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/hubmessage/hubmessage-go/internal/errorbody"
)

// Middleware returns a function that wraps handlers with [Validator.Middleware]; handy in a
// middleware chain. A nil v means the embedded spec, accepting any well-formed bearer token.
func Middleware(v *Validator, opts ...CheckOption) (func(http.Handler) http.Handler, error) {
	if v == nil {
		var err error
		if v, err = defaultValidator(); err != nil {
			return nil, err
		}
	}
	return func(next http.Handler) http.Handler { return v.Middleware(next, opts...) }, nil
}

// Middleware wraps next, a server of this API, with contract checks: requests in, responses
// out. Violations go to [WithTB] and [OnViolation].
//
// In [Enforce] mode (the default) an invalid request never reaches next: it gets the error
// body the spec documents for the status (see [WithRejectFunc]; for this API's spec
// {"error":<status>,"message":"..."}) with 404 for an unknown path, 405 and an Allow
// header for an undocumented method, 401 for a missing or wrong bearer token (checked before
// the body, so nothing about the body leaks to unauthenticated callers), 413 for a body over
// the max body size, 408 for a body not received within the body timeout ([WithBodyTimeout])
// and 400 for anything else (parameters, content type, body), the message listing every
// problem. [WithRejectFunc] changes how rejections are written. A response that
// breaks the contract is replaced by a 500 error body, so a client under test sees the server
// failed rather than a subtly wrong answer; the violations are reported either way.
//
// In [ReportOnly] mode requests and responses pass unchanged and violations are only reported.
//
// The response is buffered up to the max body size so it can be validated before it is
// sent; Flush calls are absorbed. A longer response is streamed on unvalidated, and reported.
func (v *Validator) Middleware(next http.Handler, opts ...CheckOption) http.Handler {
	c, _ := newCheckConfig(append([]CheckOption{WithValidator(v)}, opts...))
	return &middleware{next: next, cfg: c}
}

type middleware struct {
	next http.Handler
	cfg  *checkConfig
}

func (m *middleware) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	enforce := m.cfg.mode == Enforce
	route, err := m.checkRequest(w, r)
	if route != nil {
		r = route.withRoute(r.Context(), r.Body) // the handler (and a RejectFunc) need not route again
	}
	if err != nil {
		vs := asViolations(err, Request, r.Method+" "+r.URL.Path)
		m.cfg.report(vs)
		if enforce {
			status := rejectStatus(vs)
			if status == http.StatusMethodNotAllowed {
				w.Header().Set("Allow", strings.Join(m.cfg.validator.AllowedMethods(r), ", "))
			}
			m.cfg.reject(w, r, status, vs)
			return
		}
	}
	if route == nil {
		m.next.ServeHTTP(w, r)
		return
	}
	rec := &recorder{real: w, header: http.Header{}, limit: m.cfg.maxBody}
	m.next.ServeHTTP(rec, r)
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	// Coverage counts what the handler answered, not what the middleware answers for it.
	m.cfg.coverage.record(route.OperationID(), rec.status)
	if rec.passthrough {
		m.cfg.report(tooLong(route.OperationID(), m.cfg.maxBody))
		return
	}
	if rec.header.Get("Content-Type") == "" && rec.body.Len() > 0 {
		rec.header.Set("Content-Type", http.DetectContentType(rec.body.Bytes()))
	}
	err = m.cfg.validator.ValidateResponseFor(route, r, rec.status, rec.header, rec.body.Bytes())
	if err != nil {
		vs := asViolations(err, Response, route.OperationID())
		m.cfg.report(vs)
		if enforce {
			m.cfg.reject(w, r, http.StatusInternalServerError, vs)
			return
		}
	}
	rec.commit()
}

var (
	// errTooLarge marks a request body over the middleware's limit: 413.
	errTooLarge = errors.New("request body too large")
	// errBodyTimeout marks a request body not received within the body timeout: 408.
	errBodyTimeout = errors.New("request body not received in time")
)

// checkRequest validates r, reading its body once (up to the limit, within the body timeout)
// and leaving r.Body for the handler: the body kin-openapi validated (with its decoded value)
// or, when it is invalid, an unread copy. route is nil when r matches no operation.
func (m *middleware) checkRequest(w http.ResponseWriter, r *http.Request) (*Route, error) {
	route, err := m.cfg.validator.FindRoute(r)
	if err != nil {
		return nil, err
	}
	op := route.OperationID()
	if r.ContentLength > m.cfg.maxBody {
		return route, m.tooLarge(op)
	}
	var body []byte
	if r.Body != nil && r.Body != http.NoBody {
		// A body that never ends would hold the connection until the server's own timeouts,
		// if any. The deadline stays for a body that failed, whose connection net/http closes;
		// it is lifted once the body is read, so the handler runs unhurried.
		rc := http.NewResponseController(w)
		deadline := rc.SetReadDeadline(time.Now().Add(m.cfg.bodyTimeout)) == nil // else http.ErrNotSupported: none
		data, complete, err := bufferBody(r.Body, m.cfg.maxBody)
		if !complete {
			// Put back what was read, so a ReportOnly handler still sees the whole body.
			r.Body = readCloser{io.MultiReader(bytes.NewReader(data), errReaderOrEOF(err), r.Body), r.Body}
			return route, m.tooLarge(op)
		}
		r.Body.Close()
		if err != nil {
			r.Body = readCloser{io.MultiReader(bytes.NewReader(data), errReader{err}), http.NoBody}
			if errors.Is(err, os.ErrDeadlineExceeded) {
				return route, Violations{{Side: Request, Operation: op, Location: "body",
					Reason: fmt.Sprintf("not received within %v", m.cfg.bodyTimeout), Err: errBodyTimeout}}
			}
			return route, Violations{{Side: Request, Operation: op, Location: "body", Reason: "read body: " + err.Error(), Err: err}}
		}
		if deadline {
			_ = rc.SetReadDeadline(time.Time{})
		}
		body = data
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	validated, err := m.cfg.validator.checkRequest(route, r, body)
	if err == nil {
		r.Body = validated
	}
	return route, err
}

func (m *middleware) tooLarge(op string) Violations {
	return Violations{{Side: Request, Operation: op, Location: "body",
		Reason: fmt.Sprintf("longer than the %d-byte limit", m.cfg.maxBody), Err: errTooLarge}}
}

func errReaderOrEOF(err error) io.Reader {
	if err == nil {
		return strings.NewReader("")
	}
	return errReader{err}
}

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

// recorder buffers a handler's response until it is validated, or until it grows past limit,
// when it switches to writing through.
type recorder struct {
	real        http.ResponseWriter
	header      http.Header
	status      int
	body        bytes.Buffer
	limit       int64
	passthrough bool
}

func (r *recorder) Header() http.Header {
	if r.passthrough {
		return r.real.Header()
	}
	return r.header
}

func (r *recorder) WriteHeader(status int) {
	if r.status != 0 || status < 200 && status >= 100 {
		return // duplicate, or an informational status the server sends on its own terms
	}
	r.status = status
}

func (r *recorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	if r.passthrough {
		return r.real.Write(p)
	}
	if int64(r.body.Len()+len(p)) <= r.limit {
		return r.body.Write(p)
	}
	r.passthrough = true
	if err := r.commit(); err != nil {
		return 0, err
	}
	return r.real.Write(p)
}

// Flush is absorbed while buffering, so a handler that flushes still gets validated.
func (r *recorder) Flush() {
	if f, ok := r.real.(http.Flusher); ok && r.passthrough {
		f.Flush()
	}
}

// commit sends what was buffered to the real writer.
func (r *recorder) commit() error {
	h := r.real.Header()
	for k, v := range r.header {
		h[k] = v
	}
	status := r.status
	if status == 0 {
		status = http.StatusOK
	}
	r.real.WriteHeader(status)
	_, err := r.real.Write(r.body.Bytes())
	return err
}
