package contracttest_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
	"github.com/google/go-cmp/cmp"

	"github.com/hubmessage/hubmessage-go/contracttest"
	"github.com/hubmessage/hubmessage-go/openapi"
)

// fixtureDoc parses testdata/name afresh.
func fixtureDoc(tb testing.TB, name string) *openapi3.T {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	doc, err := openapi.Parse(name, data)
	if err != nil {
		tb.Fatal(err)
	}
	return doc
}

func fixtureValidator(tb testing.TB, name string, opts ...contracttest.Option) *contracttest.Validator {
	tb.Helper()
	v, err := contracttest.NewForSpec(fixtureDoc(tb, name), opts...)
	if err != nil {
		tb.Fatal(err)
	}
	return v
}

func authorized(method, target string) *http.Request {
	r := httptest.NewRequest(method, target, nil)
	r.Header.Set("Authorization", "Bearer k")
	return r
}

// Every freshly built validator routes GET /items/latest to its literal path, so it rejects a
// response that only /items/{id} documents. (Map order once decided, so most validators
// accepted it.)
func TestRouterLiteralSegmentBeatsTemplate(t *testing.T) {
	t.Parallel()
	jsonCT := http.Header{"Content-Type": {"application/json"}}
	for i := range 64 {
		v, err := contracttest.NewForSpec(fixtureDoc(t, "router-precedence.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		latest := authorized("GET", "/items/latest")
		route, err := v.FindRoute(latest)
		if err != nil || route.OperationID() != "getLatestItem" {
			t.Fatalf("validator %d: GET /items/latest routed to %v, %v; want getLatestItem", i, route, err)
		}
		if err := v.ValidateResponse(latest, 200, jsonCT, []byte(`{"id":"7"}`)); err == nil || !strings.Contains(err.Error(), "body /latest") {
			t.Fatalf("validator %d: invalid /items/latest response: %v, want a violation at body /latest", i, err)
		}
		if err := v.ValidateResponse(authorized("GET", "/items/7"), 200, jsonCT, []byte(`{"id":"7"}`)); err != nil {
			t.Fatalf("validator %d: valid /items/7 response: %v", i, err)
		}
	}
}

func TestRouterMethodsAndEncodedSlashes(t *testing.T) {
	t.Parallel()
	v := fixtureValidator(t, "router-methods.yaml")
	for _, tc := range []struct {
		method, target string
		want           string   // operationId, or the error
		allow          []string // AllowedMethods
	}{
		{"GET", "/things", "listThings", []string{"GET", "POST"}},
		{"POST", "/things", "createThing", []string{"GET", "POST"}},
		{"DELETE", "/things", routers.ErrMethodNotAllowed.Error(), []string{"GET", "POST"}},
		{"HEAD", "/things", routers.ErrMethodNotAllowed.Error(), []string{"GET", "POST"}}, // ServeMux would route it to GET
		{"DELETE", "/things/1", "deleteThing", []string{"DELETE"}},
		{"GET", "/things/1", routers.ErrMethodNotAllowed.Error(), []string{"DELETE"}},
		{"POST", "/things/1/archive", "archiveThing", []string{"POST"}},
		{"POST", "/things/1/%61rchive", "archiveThing", []string{"POST"}}, // an escaped letter is the letter
		{"POST", "/things/1%2Farchive", routers.ErrMethodNotAllowed.Error(), []string{"DELETE"}},
		{"POST", "/things/1%2farchive", routers.ErrMethodNotAllowed.Error(), []string{"DELETE"}},
		{"POST", "/channels/AB/connect", "connectChannel", []string{"POST"}},
		{"POST", "/channels/AB%2Fconnect", routers.ErrPathNotFound.Error(), nil},
		{"POST", "/channels/AB%2Fx/connect", "connectChannel", []string{"POST"}}, // one segment, an invalid id
		{"POST", "/channels//connect", routers.ErrPathNotFound.Error(), nil},
		{"POST", "/channels/AB/connect/", routers.ErrPathNotFound.Error(), nil},
		{"GET", "/nowhere", routers.ErrPathNotFound.Error(), nil},
	} {
		r := authorized(tc.method, tc.target)
		got := ""
		route, err := v.FindRoute(r)
		if err != nil {
			var vs contracttest.Violations
			if !errors.As(err, &vs) || len(vs) != 1 || vs[0].Location != "route" {
				t.Errorf("%s %s: error %v is not one route violation", tc.method, tc.target, err)
			}
			got = vs[0].Err.Error()
		} else {
			got = route.OperationID()
		}
		if got != tc.want {
			t.Errorf("%s %s: routed to %q, want %q", tc.method, tc.target, got, tc.want)
		}
		if diff := cmp.Diff(tc.allow, v.AllowedMethods(r)); diff != "" {
			t.Errorf("%s %s: AllowedMethods (-want +got):\n%s", tc.method, tc.target, diff)
		}
	}
}

// Path parameters reach kin-openapi unescaped, as the handler sees them.
func TestRouterHandsKinOpenAPIUnescapedPathParameters(t *testing.T) {
	t.Parallel()
	v := fixtureValidator(t, "router-methods.yaml")
	for target, wantValid := range map[string]bool{
		"/channels/%41B/connect":   true,  // "AB"
		"/channels/AB%2Fx/connect": false, // "AB/x"
		"/channels/ZZ/connect":     false,
	} {
		_, err := v.ValidateRequest(authorized("POST", target))
		if (err == nil) != wantValid {
			t.Errorf("POST %s: %v, want valid=%v", target, err, wantValid)
		}
		if !wantValid && (err == nil || !strings.Contains(err.Error(), "path parameter channelId")) {
			t.Errorf("POST %s: %v, want a violation at path parameter channelId", target, err)
		}
	}
}

// The middleware answers from the same router: 405 with the matched path's methods, and 404
// for an encoded slash that would otherwise reach another operation.
func TestMiddlewareRoutes(t *testing.T) {
	t.Parallel()
	v := fixtureValidator(t, "router-methods.yaml")
	h := v.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("handler called for %s %s", r.Method, r.URL)
	}), contracttest.WithTB(noopTB{}))
	for _, tc := range []struct {
		method, target string
		status         int
		allow          string
	}{
		{"DELETE", "/things", 405, "GET, POST"},
		{"POST", "/channels/AB%2Fconnect", 404, ""},
		{"POST", "/things/1%2Farchive", 405, "DELETE"},
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, authorized(tc.method, tc.target))
		if rec.Code != tc.status || rec.Header().Get("Allow") != tc.allow {
			t.Errorf("%s %s: %d Allow %q, want %d Allow %q; body %s", tc.method, tc.target, rec.Code, rec.Header().Get("Allow"), tc.status, tc.allow, rec.Body)
		}
	}
}

func TestNewForSpecRejectsAmbiguousTemplates(t *testing.T) {
	t.Parallel()
	for want, paths := range map[string]string{
		"only whole-segment parameters": `
  /things/{id}.json:
    get:
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses: {'200': {description: ok}}`,
		"conflicting paths": `
  /things/{id}:
    get:
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses: {'200': {description: ok}}
  /things/{name}:
    delete:
      parameters: [{name: name, in: path, required: true, schema: {type: string}}]
      responses: {'200': {description: ok}}`,
	} {
		doc, err := openapi3.NewLoader().LoadFromData([]byte("openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:" + paths + "\n"))
		if err != nil {
			t.Fatalf("%s: %v", want, err)
		}
		if _, err := contracttest.NewForSpec(doc); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("NewForSpec: %v, want an error saying %q", err, want)
		}
	}
}

// FuzzRouterAgreesWithServeMux: FindRoute and AllowedMethods answer as a plain ServeMux with
// the fixture's patterns: which operation, or 404, or 405 and its Allow. Left out: what
// ServeMux redirects (unclean paths, which match nothing here), HEAD (which ServeMux routes to
// GET and the router does not), and a segment that is exactly %2F (which ServeMux mistakes for
// a trailing slash).
func FuzzRouterAgreesWithServeMux(f *testing.F) {
	for _, seed := range [][2]string{
		{"GET", "/things"}, {"DELETE", "/things"}, {"DELETE", "/things/1"}, {"POST", "/things/1/archive"},
		{"POST", "/things/1%2Farchive"}, {"POST", "/channels/AB%2Fconnect"}, {"POST", "/channels/A%42/c%6Fnnect"},
		{"PUT", "/channels/AB/connect"}, {"GET", "/things/archive"}, {"POST", "/things/a%2F/archive"},
	} {
		f.Add(seed[0], seed[1])
	}
	doc := fixtureDoc(f, "router-methods.yaml")
	v, err := contracttest.NewForSpec(doc)
	if err != nil {
		f.Fatal(err)
	}
	mux := http.NewServeMux()
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			mux.HandleFunc(method+" "+path, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, op.OperationID) })
		}
	}
	f.Fuzz(func(t *testing.T, method, target string) {
		if !validMethod(method) || method == "HEAD" || method == "CONNECT" {
			return
		}
		u, err := url.ParseRequestURI(target)
		if err != nil || u.Path == "" || path.Clean(u.EscapedPath()) != u.EscapedPath() || u.Host != "" {
			return
		}
		for _, seg := range strings.Split(u.EscapedPath(), "/") {
			if strings.EqualFold(seg, "%2F") {
				return
			}
		}
		r := &http.Request{Method: method, URL: u, Header: http.Header{}, Host: "api.test"}
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, r)
		if rec.Code/100 == 3 {
			return // a redirect: ServeMux's, not routing
		}
		want := rec.Body.String()
		if rec.Code != 200 {
			want = strconv.Itoa(rec.Code) + " " + strings.ReplaceAll(strings.ReplaceAll(rec.Header().Get("Allow"), "HEAD, ", ""), ", HEAD", "")
		}
		got := ""
		if route, err := v.FindRoute(r); err == nil {
			got = route.OperationID()
		} else if errors.Is(err, routers.ErrMethodNotAllowed) {
			got = "405 " + strings.Join(v.AllowedMethods(r), ", ")
		} else {
			got = "404 "
		}
		if got != want {
			t.Errorf("%s %s: router %q, ServeMux %q", method, target, got, want)
		}
	})
}

// A path parameter whose name is no Go identifier (ServeMux's rule for its wildcards) still
// routes, and reaches kin-openapi and RouteOf under its own name.
func TestRouterParameterNamesOfAnyForm(t *testing.T) {
	t.Parallel()
	doc, err := openapi3.NewLoader().LoadFromData([]byte(`openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /things/{thing-id}/parts/{part.no}:
    get:
      operationId: getPart
      parameters:
        - {name: thing-id, in: path, required: true, schema: {type: string, pattern: '^[a-z]+$'}}
        - {name: part.no, in: path, required: true, schema: {type: integer}}
      responses: {'204': {description: ok}}
`))
	if err != nil {
		t.Fatal(err)
	}
	v, err := contracttest.NewForSpec(doc)
	if err != nil {
		t.Fatal(err)
	}
	route, err := v.ValidateRequest(httptest.NewRequest("GET", "/things/abc/parts/7", nil))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]string{"thing-id": "abc", "part.no": "7"}, route.PathParams()); diff != "" {
		t.Errorf("PathParams (-want +got):\n%s", diff)
	}
	if _, err := v.ValidateRequest(httptest.NewRequest("GET", "/things/ABC/parts/x", nil)); err == nil ||
		!strings.Contains(err.Error(), "path parameter thing-id") || !strings.Contains(err.Error(), "path parameter part.no") {
		t.Errorf("invalid parameters: %v, want violations naming thing-id and part.no", err)
	}
}
