package mockserver

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/hubmessage/hubmessage-go/contracttest"
	"github.com/hubmessage/hubmessage-go/internal/errorbody"
	"github.com/hubmessage/hubmessage-go/internal/strictjson"
)

// testPrefix is the path prefix of the test-only endpoints; no path of the spec may be under
// it (a test holds the spec to this).
const testPrefix = "/_mock/"

// TestEndpoint is one of the test-only endpoints under /_mock/ (see [TestEndpoints]).
type TestEndpoint struct {
	Method, Path string
	Summary      string // what it does, in a few words
	serve        func(s *Server, st *state, body []byte) (status int, response any, err error)
}

// testEndpoints are the test-only endpoints. Each acts on the request's key's state, under its
// lock, with the body (empty when none was sent); an error is the client's: 400 with its text.
var testEndpoints = []TestEndpoint{
	{http.MethodPost, testPrefix + "codes", fmt.Sprintf("issue a code that connects once within %v", CodeLifetime), (*Server).postCodes},
	{http.MethodPost, testPrefix + "clock", `move the clock: {"advance":"31s"}`, (*Server).postClock},
	{http.MethodPost, testPrefix + "scenarios", `queue answers: {"operationId":"...","statuses":[502,502]}`, (*Server).postScenarios},
}

// TestEndpoints lists the test-only endpoints, for a command's help:
//
//	POST /_mock/codes                        201 {"code":"...","expiresAt":"<RFC 3339>"}
//	POST /_mock/clock {"advance":"31s"}      200 {"now":"<RFC 3339>"}  ("0s" reads the clock)
//	POST /_mock/scenarios {"operationId":"connectMetaChannel","channelId":"<id>","statuses":[502,502]}
//	                                         201 {"operationId":...,"channelId":...,"pending":[502,502]}
//
// They are the Go API's [Server.IssueCode], [Server.AdvanceClock] and [Server.QueueResponses]
// for the request's Secret Key (in sandbox mode any well-formed key's), taking
// `Authorization: Bearer <key>` and a JSON body with exactly the members shown (channelId is
// optional; pending is every status then queued for the operation and channel). Not in the
// spec, they are never validated against it nor counted in its coverage. Every error has the
// API's shape: 400 naming the member, 401, 404, 405, 408, 413, and 503 for a full sandbox.
func TestEndpoints() []TestEndpoint { return slices.Clone(testEndpoints) }

// testEndpoints routes the test-only endpoints: 405 for another method, 404 for another path.
func (s *Server) testEndpoints() *http.ServeMux {
	mux := http.NewServeMux()
	var names []string
	for _, e := range testEndpoints {
		mux.HandleFunc(e.Method+" "+e.Path, func(w http.ResponseWriter, r *http.Request) { s.serveTest(w, r, e) })
		mux.HandleFunc(e.Path, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Allow", e.Method)
			errorbody.Write(w, http.StatusMethodNotAllowed, fmt.Sprintf("method %s is not allowed here; allowed: %s", r.Method, e.Method))
		})
		names = append(names, e.Method+" "+e.Path)
	}
	slices.Sort(names)
	mux.HandleFunc(testPrefix, func(w http.ResponseWriter, r *http.Request) {
		errorbody.Write(w, http.StatusNotFound, "no such test endpoint; they are "+strings.Join(names, ", "))
	})
	return mux
}

// serveTest answers a request for the test endpoint e.
func (s *Server) serveTest(w http.ResponseWriter, r *http.Request, e TestEndpoint) {
	st := s.keyState(w, r, bearer(r))
	if st == nil {
		return
	}
	body, ok := s.readTestBody(w, r)
	if !ok {
		return
	}
	st.mu.Lock()
	status, response, err := e.serve(s, st, body)
	st.mu.Unlock()
	if err != nil {
		errorbody.Write(w, http.StatusBadRequest, err.Error())
		return
	}
	data, err := json.Marshal(response)
	if err != nil { // only a time past year 9999, from a WithClock set in the far future
		errorbody.Write(w, http.StatusInternalServerError, msgInternal)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store") // a code is a secret
	w.WriteHeader(status)
	_, _ = w.Write(append(data, '\n'))
}

// readTestBody reads the request body within the server's limit (413) and the contract
// middleware's time limit (408); a body must be JSON (400). On false the answer is written.
func (s *Server) readTestBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	if r.Body == nil || r.Body == http.NoBody { // nil when ServeHTTP is called directly
		return nil, true
	}
	tooLarge := fmt.Sprintf("request body: longer than the %d-byte limit", s.maxBody)
	if r.ContentLength > s.maxBody { // declared: no need to wait for it
		errorbody.Write(w, http.StatusRequestEntityTooLarge, tooLarge)
		return nil, false
	}
	rc := http.NewResponseController(w)
	deadline := rc.SetReadDeadline(time.Now().Add(contracttest.DefaultBodyTimeout)) == nil
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.maxBody))
	mt, _, mtErr := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var maxErr *http.MaxBytesError
	switch {
	case errors.As(err, &maxErr):
		errorbody.Write(w, http.StatusRequestEntityTooLarge, tooLarge)
	case errors.Is(err, os.ErrDeadlineExceeded):
		errorbody.Write(w, http.StatusRequestTimeout, fmt.Sprintf("request body: not received within %v", contracttest.DefaultBodyTimeout))
	case err != nil:
		errorbody.Write(w, http.StatusBadRequest, "request body: "+err.Error())
	case len(bytes.TrimSpace(data)) > 0 && (mtErr != nil || mt != "application/json"):
		errorbody.Write(w, http.StatusBadRequest, "header Content-Type: want application/json")
	default:
		if deadline {
			_ = rc.SetReadDeadline(time.Time{})
		}
		return data, true
	}
	return nil, false
}

// decodeBody reads body, a JSON object, into v (internal/strictjson: member names exact and
// once each, every non-omitempty one given); an empty body is an empty object.
func decodeBody(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}")
	}
	if err := strictjson.Decode(body, v); err != nil {
		return fmt.Errorf("request body: %w", err)
	}
	return nil
}

// codeResponse is POST /_mock/codes's answer.
type codeResponse struct {
	Code      string    `json:"code"`
	ExpiresAt time.Time `json:"expiresAt"` // RFC 3339, UTC
}

// postCodes is POST /_mock/codes: IssueCode for the key. No body, or {}.
func (s *Server) postCodes(st *state, body []byte) (int, any, error) {
	if err := decodeBody(body, &struct{}{}); err != nil {
		return 0, nil, err
	}
	code, expires := st.issueCode()
	return http.StatusCreated, codeResponse{Code: code, ExpiresAt: expires.UTC()}, nil
}

// postClock is POST /_mock/clock {"advance":"31s"}: AdvanceClock for the key, answering the
// key's clock after it.
func (s *Server) postClock(st *state, body []byte) (int, any, error) {
	var in struct {
		Advance string `json:"advance"`
	}
	if err := decodeBody(body, &in); err != nil {
		return 0, nil, err
	}
	d, err := time.ParseDuration(in.Advance)
	if err != nil {
		return 0, nil, errors.New(`advance: want a duration such as "31s" or "1m30s"`)
	}
	if d < 0 {
		return 0, nil, errors.New("advance: must not be negative: the clock only moves forward")
	}
	st.advance(d)
	return http.StatusOK, struct {
		Now time.Time `json:"now"`
	}{st.now().UTC()}, nil
}

// postScenarios is POST /_mock/scenarios: QueueResponses for the key, answering every status
// then queued for the operation and channel, in order.
func (s *Server) postScenarios(st *state, body []byte) (int, any, error) {
	var in struct {
		OperationID string `json:"operationId"`
		ChannelID   string `json:"channelId,omitempty"`
		Statuses    []int  `json:"statuses"`
	}
	if err := decodeBody(body, &in); err != nil {
		return 0, nil, err
	}
	pending, err := s.enqueue(st, in.OperationID, in.ChannelID, in.Statuses)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, struct {
		OperationID string `json:"operationId"`
		ChannelID   string `json:"channelId,omitempty"`
		Pending     []int  `json:"pending"`
	}{in.OperationID, in.ChannelID, pending}, nil
}
