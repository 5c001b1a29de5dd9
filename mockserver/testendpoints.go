package mockserver

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/hubmessage/hubmessage-go/contracttest"
	"github.com/hubmessage/hubmessage-go/internal/errorbody"
	"github.com/hubmessage/hubmessage-go/internal/jsonobject"
	"github.com/hubmessage/hubmessage-go/internal/secretkey"
)

// The test-only endpoints, under testPrefix: the Go API's IssueCode, AdvanceClock and
// QueueResponses over HTTP, for tests in other languages and for a shared sandbox. They are
// not in the spec, so they never pass through its middleware (nor its coverage) and are
// never validated against it; they answer JSON, errors in the API's shape.

// testPrefix is the path prefix of the test-only endpoints; New refuses a spec with a path
// under it.
const testPrefix = "/_mock/"

// checkTestPrefix refuses a spec with a path under testPrefix: the test endpoints would hide it.
func checkTestPrefix(templates map[string]string) error {
	for _, op := range slices.Sorted(maps.Keys(templates)) {
		if strings.HasPrefix(templates[op], testPrefix) {
			return fmt.Errorf("the spec's %s (%s) is under %s, where the test-only endpoints are", op, templates[op], testPrefix)
		}
	}
	return nil
}

// testEndpoint answers one test-only endpoint for the state of the request's key, with its
// body (empty when none was sent). An error is the client's: 400 with its text.
type testEndpoint func(s *Server, st *state, body []byte) (status int, response any, err error)

var testEndpoints = map[string]testEndpoint{
	testPrefix + "codes":     (*Server).postCodes,
	testPrefix + "clock":     (*Server).postClock,
	testPrefix + "scenarios": (*Server).postScenarios,
}

// testEndpointList names them for messages: "POST /_mock/clock, POST /_mock/codes, ...".
var testEndpointList = func() string {
	var names []string
	for _, p := range slices.Sorted(maps.Keys(testEndpoints)) {
		names = append(names, "POST "+p)
	}
	return strings.Join(names, ", ")
}()

// serveTest answers a request under testPrefix: 404 for an unknown endpoint, 405 for a method
// other than POST, then the Secret Key (401; 503 when a sandbox is full), then the body (413,
// 408, 400), then the endpoint.
func (s *Server) serveTest(w http.ResponseWriter, r *http.Request) {
	endpoint, ok := testEndpoints[r.URL.EscapedPath()]
	if !ok {
		errorbody.Write(w, http.StatusNotFound, "no such test endpoint; they are "+testEndpointList)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		errorbody.Write(w, http.StatusMethodNotAllowed, fmt.Sprintf("method %s is not allowed here; allowed: POST", r.Method))
		return
	}
	st := s.testState(w, r)
	if st == nil {
		return
	}
	body, ok := s.readTestBody(w, r)
	if !ok {
		return
	}
	status, response, err := endpoint(s, st, body)
	if err != nil {
		errorbody.Write(w, http.StatusBadRequest, err.Error())
		return
	}
	data, err := json.Marshal(response)
	if err != nil { // only a time past year 9999, after AdvanceClock by centuries
		errorbody.Write(w, http.StatusInternalServerError, msgInternal)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store") // a code is a secret
	w.WriteHeader(status)
	_, _ = w.Write(append(data, '\n'))
}

// testState is the state the request's Secret Key acts on, as for the API: the server's own
// key's, or in sandbox mode any well-formed key's. On nil the answer (401, 503) is written.
func (s *Server) testState(w http.ResponseWriter, r *http.Request) *state {
	scheme, key, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "Bearer") || secretkey.Check(key) != nil {
		errorbody.Write(w, http.StatusUnauthorized, msgUnauthorized)
		return nil
	}
	d := keyDigest(sha256.Sum256([]byte(key)))
	if subtle.ConstantTimeCompare(d[:], s.ownKey[:]) == 1 {
		return s.own
	}
	if s.sandbox == nil {
		errorbody.Write(w, http.StatusUnauthorized, msgUnauthorized)
		return nil
	}
	st, keys, retry := s.sandbox.state(r.Context(), d, s.clock())
	if st == nil {
		writeFull(w, keys, retry)
	}
	return st
}

// readTestBody reads the request body within the server's limit (413) and the contract
// middleware's time limit (408); a body must be JSON (400). On false the answer is written.
func (s *Server) readTestBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, true
	}
	tooLarge := fmt.Sprintf("request body: larger than %d bytes", s.maxBody)
	if r.ContentLength > s.maxBody {
		errorbody.Write(w, http.StatusRequestEntityTooLarge, tooLarge)
		return nil, false
	}
	rc := http.NewResponseController(w)
	deadline := rc.SetReadDeadline(time.Now().Add(contracttest.DefaultBodyTimeout)) == nil
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.maxBody))
	var maxErr *http.MaxBytesError
	switch {
	case errors.As(err, &maxErr):
		errorbody.Write(w, http.StatusRequestEntityTooLarge, tooLarge)
		return nil, false
	case errors.Is(err, os.ErrDeadlineExceeded):
		errorbody.Write(w, http.StatusRequestTimeout, fmt.Sprintf("request body: not received within %v", contracttest.DefaultBodyTimeout))
		return nil, false
	case err != nil:
		errorbody.Write(w, http.StatusBadRequest, "request body: "+err.Error())
		return nil, false
	}
	if deadline {
		_ = rc.SetReadDeadline(time.Time{})
	}
	if len(bytes.TrimSpace(data)) > 0 {
		if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
			errorbody.Write(w, http.StatusBadRequest, "header Content-Type: want application/json")
			return nil, false
		}
	}
	return data, true
}

// readObject reads body, a JSON object whose member names are all among names, matched
// exactly and each at most once (jsonobject.Members). An empty body is an empty object.
func readObject(body []byte, names ...string) (map[string]json.RawMessage, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return map[string]json.RawMessage{}, nil
	}
	members, err := jsonobject.Members(body, names...)
	if err != nil {
		return nil, fmt.Errorf("request body: %w", err)
	}
	return members, nil
}

// member decodes members[name] into v; a missing member is an error when required. It
// reports whether the member was there.
func member(members map[string]json.RawMessage, name string, required bool, v any, want string) (bool, error) {
	raw, ok := members[name]
	if !ok {
		if required {
			return false, fmt.Errorf("%s: is missing; want %s", name, want)
		}
		return false, nil
	}
	if bytes.Equal(bytes.TrimSpace(raw), []byte("null")) || json.Unmarshal(raw, v) != nil {
		return false, fmt.Errorf("%s: want %s", name, want)
	}
	return true, nil
}

// codeResponse is POST /_mock/codes's answer.
type codeResponse struct {
	Code      string    `json:"code"`
	ExpiresAt time.Time `json:"expiresAt"` // RFC 3339, UTC
}

// postCodes is POST /_mock/codes: IssueCode for the key. No body, or {}.
func (s *Server) postCodes(st *state, body []byte) (int, any, error) {
	if _, err := readObject(body); err != nil {
		return 0, nil, err
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	code, expires := st.issueCode()
	return http.StatusCreated, codeResponse{Code: code, ExpiresAt: expires.UTC()}, nil
}

// clockResponse is POST /_mock/clock's answer.
type clockResponse struct {
	Now time.Time `json:"now"` // the key's clock after the advance, RFC 3339, UTC
}

// postClock is POST /_mock/clock {"advance":"31s"}: AdvanceClock for the key. "0s" reads the
// clock.
func (s *Server) postClock(st *state, body []byte) (int, any, error) {
	members, err := readObject(body, "advance")
	if err != nil {
		return 0, nil, err
	}
	const want = `a duration such as "31s" or "1m30s"`
	var text string
	if _, err := member(members, "advance", true, &text, want); err != nil {
		return 0, nil, err
	}
	d, err := time.ParseDuration(text)
	if err != nil {
		return 0, nil, errors.New("advance: want " + want)
	}
	if d < 0 {
		return 0, nil, errors.New("advance: must not be negative: the clock only moves forward")
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	st.advance(d)
	return http.StatusOK, clockResponse{Now: st.now().UTC()}, nil
}

// scenarioResponse is POST /_mock/scenarios's answer.
type scenarioResponse struct {
	OperationID string `json:"operationId"`
	ChannelID   string `json:"channelId,omitempty"`
	Pending     []int  `json:"pending"` // every status now queued for this operation and channel, in order
}

// postScenarios is POST /_mock/scenarios {"operationId","channelId"?,"statuses":[…]}:
// QueueResponses for the key.
func (s *Server) postScenarios(st *state, body []byte) (int, any, error) {
	members, err := readObject(body, "operationId", "channelId", "statuses")
	if err != nil {
		return 0, nil, err
	}
	var op, channelID string
	var statuses []int
	if _, err := member(members, "operationId", true, &op, "an operationId of the spec, such as \"connectMetaChannel\""); err != nil {
		return 0, nil, err
	}
	if _, err := member(members, "channelId", false, &channelID, "a channel id (a UUID or 32 hexadecimal digits)"); err != nil {
		return 0, nil, err
	}
	if _, err := member(members, "statuses", true, &statuses, "an array of HTTP statuses, such as [502, 502]"); err != nil {
		return 0, nil, err
	}
	key, exs, err := s.scenario(op, channelID, statuses)
	if err != nil {
		return 0, nil, err
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	pending, err := st.enqueue(key, exs)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, scenarioResponse{OperationID: op, ChannelID: channelID, Pending: pending}, nil
}
