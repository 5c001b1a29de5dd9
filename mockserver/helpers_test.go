package mockserver_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/routers"

	"github.com/hubmessage/hubmessage-go/contracttest"
	"github.com/hubmessage/hubmessage-go/gen"
	"github.com/hubmessage/hubmessage-go/internal/errorbody"
	"github.com/hubmessage/hubmessage-go/mockserver"
	"github.com/hubmessage/hubmessage-go/mockserver/mocktest"
)

// testClient sends the tests' requests on a transport of its own: httptest.Server.Close calls
// CloseIdleConnections on http.DefaultTransport, which can break a connection another parallel
// test has just taken from the idle pool ("transport connection broken").
var testClient = &http.Client{Transport: &http.Transport{}}

// specValidator checks every response the tests see against the spec.
var specValidator = func() *contracttest.Validator {
	v, err := contracttest.New()
	if err != nil {
		panic(err)
	}
	return v
}()

// checkDocumented fails t unless the response is one the spec documents for req. A request
// no route matches (unknown path, wrong method) has no operation of its own: its response
// must then be an error in the spec's error shape.
func checkDocumented(t testing.TB, req *http.Request, status int, header http.Header, body []byte) {
	t.Helper()
	if err := documented(req, status, header, body); err != nil {
		t.Errorf("%s %s answered %d %s: %v", req.Method, req.URL.Path, status, body, err)
	}
}

func documented(req *http.Request, status int, header http.Header, body []byte) error {
	err := specValidator.ValidateResponse(req, status, header, body)
	if errors.Is(err, routers.ErrPathNotFound) || errors.Is(err, routers.ErrMethodNotAllowed) {
		return errorShape(status, header, body)
	}
	return err
}

// errorShape reports whether a response is the spec's error: a 4xx or 5xx with a JSON body
// holding exactly error (the status) and a message.
func errorShape(status int, header http.Header, body []byte) error {
	if status < 400 {
		return fmt.Errorf("status %d is not an error", status)
	}
	if ct := header.Get("Content-Type"); ct != "application/json" {
		return fmt.Errorf("Content-Type %q, want application/json", ct)
	}
	var e errorbody.Body
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		return fmt.Errorf("not the error shape: %w", err)
	}
	if e.Error != status || e.Message == "" {
		return fmt.Errorf("error %d with message %q, want %d with a message", e.Error, e.Message, status)
	}
	return nil
}

// response is what a test sees of one exchange.
type response struct {
	status int
	header http.Header
	body   []byte
}

// errorBody decodes the error shape.
func (r response) errorBody(t testing.TB) gen.Error {
	t.Helper()
	var e gen.Error
	if err := json.Unmarshal(r.body, &e); err != nil {
		t.Fatalf("body %q is not the error shape: %v", r.body, err)
	}
	if e.Error != r.status {
		t.Errorf("body error %d differs from status %d", e.Error, r.status)
	}
	return e
}

// send makes one request to ts and checks its response against the spec.
func send(t testing.TB, ts *mocktest.Server, req *http.Request) response {
	t.Helper()
	res, err := testClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	checkDocumented(t, req, res.StatusCode, res.Header, body)
	return response{status: res.StatusCode, header: res.Header, body: body}
}

// connectPath is the path of POST /v1/channels/{channelId}/connect for channelID, used as
// given so tests can send invalid ids too.
func connectPath(channelID string) string { return "/v1/channels/" + channelID + "/connect" }

// connectRequest builds an authorised connect request for channelID with body.
func connectRequest(t testing.TB, ts *mocktest.Server, channelID, body string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, ts.URL+connectPath(channelID), strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+ts.SecretKey)
	return req
}

// payload is a valid connect body with this code.
func payload(code string) string {
	b, _ := json.Marshal(gen.ConnectChannelRequest{WabaId: "428083093730937", PhoneId: "123456789012345", Code: code, Coexistence: true})
	return string(b)
}

// connect sends a valid connect call and returns the response.
func connect(t testing.TB, ts *mocktest.Server, channelID, code string) response {
	t.Helper()
	return send(t, ts, connectRequest(t, ts, channelID, payload(code)))
}

// operationRequests builds, for every operation of the spec (by operationId), a valid and
// authorised request on channelID (ignored by create). A test that loops over the spec's
// operations fails for one missing here: adding an operation adds one line.
var operationRequests = map[string]func(t testing.TB, ts *mocktest.Server, channelID string) *http.Request{
	"partnerCreateChannel": func(t testing.TB, ts *mocktest.Server, _ string) *http.Request {
		return authorised(t, ts, http.MethodPost, "/v1/channels", `{"name":"Sales channel","type":"META_WHATSAPP"}`)
	},
	"connectMetaChannel": func(t testing.TB, ts *mocktest.Server, id string) *http.Request {
		return connectRequest(t, ts, id, payload("op-request-code"))
	},
	"disconnectMetaChannel": func(t testing.TB, ts *mocktest.Server, id string) *http.Request {
		return authorised(t, ts, http.MethodPut, "/v1/channels/"+id+"/disconnect", "")
	},
	"partnerDeleteChannel": func(t testing.TB, ts *mocktest.Server, id string) *http.Request {
		return authorised(t, ts, http.MethodDelete, "/v1/channels/"+id, "")
	},
}

// authorised builds a request to ts with ts's key; a body makes it JSON.
func authorised(t testing.TB, ts *mocktest.Server, method, path, body string) *http.Request {
	t.Helper()
	return withKey(t, ts.URL, ts.SecretKey, method, path, body)
}

// withKey builds a request to base+path with Secret Key key; a body makes it JSON.
func withKey(t testing.TB, base, key, method, path, body string) *http.Request {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+key)
	return req
}

// createBody is a create request's body.
func createBody(typ mockserver.ChannelType) string {
	b, _ := json.Marshal(gen.CreateChannelRequest{Name: "Test " + string(typ), Type: gen.ChannelType(typ)})
	return string(b)
}

// create sends a create call and returns the response.
func create(t testing.TB, ts *mocktest.Server, typ mockserver.ChannelType) response {
	t.Helper()
	return send(t, ts, authorised(t, ts, http.MethodPost, "/v1/channels", createBody(typ)))
}

// mustCreate creates a channel and returns its id.
func mustCreate(t testing.TB, ts *mocktest.Server, typ mockserver.ChannelType) string {
	t.Helper()
	res := create(t, ts, typ)
	var body gen.CreateChannelResponse
	if res.status != http.StatusCreated || json.Unmarshal(res.body, &body) != nil {
		t.Fatalf("create %s: %d %s", typ, res.status, res.body)
	}
	return body.Id
}

// disconnectCall sends a disconnect call.
func disconnectCall(t testing.TB, ts *mocktest.Server, channelID string) response {
	t.Helper()
	return send(t, ts, operationRequests["disconnectMetaChannel"](t, ts, channelID))
}

// deleteCall sends a delete call with body ("" for none).
func deleteCall(t testing.TB, ts *mocktest.Server, channelID, body string) response {
	t.Helper()
	return send(t, ts, authorised(t, ts, http.MethodDelete, "/v1/channels/"+channelID, body))
}

// outcome is a response in a word: "201", "200 true", "204", "422 INSTANCE_STILL_CONNECTED".
func (r response) outcome(t testing.TB) string {
	t.Helper()
	switch {
	case r.status >= 400:
		return fmt.Sprint(r.status, " ", r.errorBody(t).Message)
	case r.status == http.StatusOK:
		return fmt.Sprint(r.status, " ", strings.TrimSpace(string(r.body)))
	}
	return fmt.Sprint(r.status)
}
