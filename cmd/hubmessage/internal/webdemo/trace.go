package webdemo

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/hubmessage/hubmessage-go/cmd/hubmessage/internal/wiretap"
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

// traceCall records a call of the backend's client in the session of the request that made
// it, if traced marked one.
func traceCall(ex wiretap.Exchange) {
	s, _ := ex.Request.Context().Value(sessionKey{}).(*session)
	if s == nil {
		return
	}
	call := apiCall{Method: ex.Request.Method, Path: strings.TrimPrefix(ex.Request.URL.Path, APIPath)}
	if ex.Err != nil {
		call.Error = "the request failed"
	} else {
		call.Status = ex.Response.StatusCode
	}
	var e errorbody.Body
	if call.Status >= 300 && json.Unmarshal(ex.ResponseBody, &e) == nil {
		call.Message = printable.String(e.Message)
	}
	s.record(call)
}
