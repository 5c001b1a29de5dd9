package webdemo

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"

	"github.com/hubmessage/hubmessage-go/internal/errorbody"
	"github.com/hubmessage/hubmessage-go/internal/printable"
)

// apiCall is one call the backend made to the API, as the page shows it: no header, no body
// sent (the Secret Key and the code stay on the backend).
type apiCall struct {
	Method  string `json:"method"`
	Path    string `json:"path"`              // as the API's spec names it, without the demo's /api mount
	Status  int    `json:"status,omitempty"`  // 0: no answer
	Message string `json:"message,omitempty"` // the API's error message, e.g. CODE_EXPIRED
	Error   string `json:"error,omitempty"`   // why there was no answer
}

type sessionKey struct{}

// traced records, in the request's session, the calls to the API that h makes while it
// answers: the page reads them (GET /backend/demo/trace) once h has answered.
func (d *Demo) traced(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s, err := d.sessions.get(r); err == nil {
			s.resetCalls()
			r = r.WithContext(context.WithValue(r.Context(), sessionKey{}, s))
		}
		h.ServeHTTP(w, r)
	})
}

// tracingTransport records each call made with a context that traced marked.
type tracingTransport struct {
	base http.RoundTripper
}

// maxTracedBody is how much of an error answer is read for its message.
const maxTracedBody = 4 << 10

func (t *tracingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	res, err := t.base.RoundTrip(req)
	s, _ := req.Context().Value(sessionKey{}).(*session)
	if s == nil {
		return res, err
	}
	call := apiCall{Method: req.Method, Path: strings.TrimPrefix(req.URL.Path, APIPath)}
	if err != nil {
		call.Error = "the request failed"
		s.record(call)
		return res, err
	}
	call.Status = res.StatusCode
	if res.StatusCode >= 300 {
		// Read the start of the body for its message, then hand the whole body on.
		head, _ := io.ReadAll(io.LimitReader(res.Body, maxTracedBody))
		var e errorbody.Body
		if json.Unmarshal(head, &e) == nil {
			call.Message = printable.String(e.Message)
		}
		res.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(strings.NewReader(string(head)), res.Body), res.Body}
	}
	s.record(call)
	return res, err
}
