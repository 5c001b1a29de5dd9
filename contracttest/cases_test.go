package contracttest_test

import (
	"bytes"
	"errors"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/google/go-cmp/cmp"

	"github.com/hubmessage/hubmessage-go/contracttest"
	"github.com/hubmessage/hubmessage-go/openapi"
)

// request builds the request a case describes, against no server.
func request(c contracttest.Case, key string) *http.Request {
	r := httptest.NewRequest(c.Method, c.Path, bytes.NewReader(c.Body))
	for k, v := range c.Header {
		r.Header[k] = v
	}
	switch {
	case c.UseSecretKey:
		r.Header.Set("Authorization", "Bearer "+key)
	case c.Authorization != "":
		r.Header.Set("Authorization", c.Authorization)
	}
	return r
}

// fixture is a spec from testdata; tests never depend on the live spec's text.
func fixture(t testing.TB, name string) *openapi3.T {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := openapi.Parse(name, data)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func mustCases(t testing.TB, opts contracttest.CaseOptions) []contracttest.Case {
	t.Helper()
	cases, err := contracttest.Cases(opts)
	if err != nil {
		t.Fatal(err)
	}
	return cases
}

func mustValidator(t testing.TB, doc *openapi3.T, opts ...contracttest.Option) *contracttest.Validator {
	t.Helper()
	v, err := contracttest.NewForSpec(doc, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// operations are the spec's operations: operationId -> "METHOD /path".
func operations(doc *openapi3.T) map[string]string {
	out := map[string]string{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			out[op.OperationID] = method + " " + path
		}
	}
	return out
}

// Names are "<check>/<operationId>/<detail>" and unique across a multi-operation spec.
func TestCaseNamesAreUniqueAndNameTheOperation(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"multiop.yaml", "multiop-pets.yaml", "multiop-catchall.yaml", "composed.yaml"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			checkCaseNames(t, fixture(t, name))
		})
	}
}

func checkCaseNames(t *testing.T, doc *openapi3.T) {
	ops := operations(doc)
	names := map[string]bool{}
	for _, c := range mustCases(t, contracttest.CaseOptions{Spec: doc}) {
		if names[c.Name] {
			t.Errorf("duplicate case name %s", c.Name)
		}
		names[c.Name] = true
		check, rest, _ := strings.Cut(c.Name, "/")
		op, detail, _ := strings.Cut(rest, "/")
		switch {
		case check != c.Check:
			t.Errorf("case %s is not named after its check %s", c.Name, c.Check)
		case c.Name == "unknown_path/root":
		case ops[op] == "" || detail == "":
			t.Errorf("case %s: %q is not an operationId of the spec, or no detail follows it", c.Name, op)
		case c.Operation != "" && c.Operation != op:
			t.Errorf("case %s targets %s but is named after %s", c.Name, c.Operation, op)
		}
	}
	// Every operation has cases of its own, named after it.
	for op := range ops {
		if !slices.ContainsFunc(slices.Collect(maps.Keys(names)), func(n string) bool { return strings.Contains(n, "/"+op+"/") }) {
			t.Errorf("no case names operation %s", op)
		}
	}
}

// The validator is the spec's judge: every generated negative request must break it, and every
// positive one must pass it. Otherwise a case tests nothing, or tests the wrong thing.
func TestCasesAgreeWithTheValidator(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"multiop.yaml", "multiop-pets.yaml", "multiop-catchall.yaml", "composed.yaml"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			doc := fixture(t, name)
			v := mustValidator(t, doc, contracttest.WithSecretKey(secretKey))
			for _, c := range mustCases(t, contracttest.CaseOptions{Spec: doc}) {
				_, err := v.ValidateRequest(request(c, secretKey))
				if valid := err == nil; valid != (c.Check == contracttest.CheckPositiveDataAcceptance) {
					t.Errorf("%s: %s %s %s: validator says valid=%v (%v)", c.Name, c.Method, c.Path, c.Body, valid, err)
				}
				if c.ChangesState != (c.Check == contracttest.CheckPositiveDataAcceptance) {
					t.Errorf("%s: ChangesState=%v", c.Name, c.ChangesState)
				}
			}
		})
	}
}

// Every operation gets a positive case, with or without a request body: parameters come from
// their examples or schemas, bodies from their examples or schemas.
func TestEveryOperationHasAPositiveCase(t *testing.T) {
	t.Parallel()
	doc := fixture(t, "multiop.yaml")
	positive := map[string][]string{}
	for _, c := range mustCases(t, contracttest.CaseOptions{Spec: doc}) {
		if c.Check == contracttest.CheckPositiveDataAcceptance {
			positive[c.Operation] = append(positive[c.Operation], strings.TrimPrefix(c.Name, c.Check+"/"+c.Operation+"/")+" "+c.Path)
		}
	}
	want := map[string][]string{
		"listChannels":          {"no_body /v1/channels?pageSize=10"}, // the first enum value, within the bounds
		"partnerCreateChannel":  {"from_schema /v1/channels"},         // no example: built from the schema
		"partnerDeleteChannel":  {"no_body /v1/channels/019E4C54B1B375A28970B605CA9B03C3"},
		"disconnectMetaChannel": {"no_body /v1/channels/019E4C54B1B375A28970B605CA9B03C3/disconnect"},
		"connectMetaChannel": {
			"coexistence /v1/channels/019E4C54B1B375A28970B605CA9B03C3/connect",
			"sdkPayload /v1/channels/019E4C54B1B375A28970B605CA9B03C3/connect",
		},
	}
	if diff := cmp.Diff(want, positive); diff != "" {
		t.Errorf("positive cases (-want +got):\n%s", diff)
	}
}

// unknown_path candidates are paths the spec's router finds nothing at. The naive one (a suffix
// on a documented path) would hit a route in multiop.yaml: /v1/channels + /x is
// /v1/channels/{channelId}.
func TestUnknownPathCasesFindNoRoute(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		spec string
		want []string // the unknown_path cases
	}{
		{"multiop.yaml", []string{
			"unknown_path/listChannels/nearby", "unknown_path/partnerDeleteChannel/nearby", "unknown_path/connectMetaChannel/nearby",
			"unknown_path/disconnectMetaChannel/nearby", "unknown_path/root",
		}},
		// Every path of one to three segments is routed: only /{a}/{b}/{c} has an unknown neighbour.
		{"multiop-catchall.yaml", []string{"unknown_path/c/nearby"}},
	} {
		t.Run(tc.spec, func(t *testing.T) {
			t.Parallel()
			doc := fixture(t, tc.spec)
			v := mustValidator(t, doc)
			var got []string
			for _, c := range mustCases(t, contracttest.CaseOptions{Spec: doc}) {
				if c.Check != contracttest.CheckUnknownPath {
					continue
				}
				got = append(got, c.Name)
				r := request(c, secretKey)
				if route, err := v.FindRoute(r); err == nil {
					t.Errorf("%s: %s %s is routed to %s", c.Name, c.Method, c.Path, route.OperationID())
				}
				if allowed := v.AllowedMethods(r); len(allowed) > 0 {
					t.Errorf("%s: %s allows %v", c.Name, c.Path, allowed)
				}
			}
			slices.Sort(got)
			slices.Sort(tc.want)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("unknown_path cases (-want +got):\n%s", diff)
			}
		})
	}
	// The fixture does exercise the trap.
	v := mustValidator(t, fixture(t, "multiop.yaml"))
	naive := httptest.NewRequest(http.MethodGet, "/v1/channels/contracttest-unknown", nil)
	if len(v.AllowedMethods(naive)) == 0 {
		t.Error("multiop.yaml: the naive suffix finds no route; the fixture no longer tests the trap")
	}
}

// unsupported_method cases name only methods the router does not route at that path, and want
// the path's documented methods in Allow.
func TestUnsupportedMethodCases(t *testing.T) {
	t.Parallel()
	doc := fixture(t, "multiop.yaml")
	v := mustValidator(t, doc)
	var n int
	cases := mustCases(t, contracttest.CaseOptions{Spec: doc})
	for _, c := range cases {
		if c.Check != contracttest.CheckUnsupportedMethod {
			continue
		}
		n++
		r := request(c, secretKey)
		if route, err := v.FindRoute(r); err == nil {
			t.Errorf("%s: %s %s is routed to %s", c.Name, c.Method, c.Path, route.OperationID())
		}
		_, path, _ := strings.Cut(operations(doc)[c.Operation], " ")
		item := doc.Paths.Value(path)
		if want := slices.Sorted(maps.Keys(item.Operations())); !slices.Equal(c.WantAllow, want) {
			t.Errorf("%s: WantAllow %v, want %v", c.Name, c.WantAllow, want)
		}
		if !strings.HasSuffix(c.Name, "/"+c.Method) || c.Operation == "" {
			t.Errorf("%s: method %s, operation %q", c.Name, c.Method, c.Operation)
		}
	}
	if n == 0 {
		t.Error("no unsupported_method case")
	}
	// The collection path has GET and POST, its item path DELETE: DELETE on the collection is
	// not the item's operation with an empty id.
	i := slices.IndexFunc(cases, func(c contracttest.Case) bool { return c.Name == "unsupported_method/listChannels/DELETE" })
	if i < 0 {
		t.Fatal("no unsupported_method case for DELETE on the collection /v1/channels")
	}
	if c := cases[i]; c.Method != http.MethodDelete || !strings.HasPrefix(c.Path, "/v1/channels?") || !slices.Equal(c.WantAllow, []string{"GET", "POST"}) {
		t.Errorf("%s: %s %s Allow %v, want DELETE /v1/channels?… Allow [GET POST]", c.Name, c.Method, c.Path, c.WantAllow)
	}
}

// Path and query parameters of every type get type, range and enum violations, exclusive
// bounds respected, each as the value sent.
func TestParameterViolations(t *testing.T) {
	t.Parallel()
	want := map[string]map[string]string{ // fixture -> case name -> the parameter's value
		"multiop.yaml": {
			"negative_data_rejection/listChannels/query/pageSize/not_an_integer": "pageSize=1.5",
			"negative_data_rejection/listChannels/query/pageSize/wrong_type":     "pageSize=contracttest",
			"negative_data_rejection/listChannels/query/pageSize/below_minimum":  "pageSize=9",
			"negative_data_rejection/listChannels/query/pageSize/above_maximum":  "pageSize=51",
			"negative_data_rejection/listChannels/query/pageSize/not_in_enum":    "pageSize=11", // within the bounds: only the enum breaks
			"negative_data_rejection/listChannels/query/type/not_in_enum":        "type=contracttest-not-in-enum",
		},
		"composed.yaml": {
			"negative_data_rejection/listOrders/query/minTotal/wrong_type":    "minTotal=contracttest",
			"negative_data_rejection/listOrders/query/minTotal/below_minimum": "minTotal=0", // exclusiveMinimum: 0
			"negative_data_rejection/listOrders/query/minTotal/above_maximum": "minTotal=1000",
			"negative_data_rejection/listOrders/query/open/wrong_type":        "open=contracttest",
			"negative_data_rejection/listOrders/query/limit/below_minimum":    "limit=0",
			"negative_data_rejection/deleteOrder/path/orderId/not_an_integer": "/orders/1.5",
			"negative_data_rejection/deleteOrder/path/orderId/below_minimum":  "/orders/0",
		},
	}
	for name, cases := range want {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got := map[string]string{}
			for _, c := range mustCases(t, contracttest.CaseOptions{Spec: fixture(t, name)}) {
				got[c.Name] = c.Path
			}
			for caseName, value := range cases {
				path, ok := got[caseName]
				switch {
				case !ok:
					t.Errorf("no case %s", caseName)
				case !strings.Contains(path, value):
					t.Errorf("%s: path %s, want it to carry %s", caseName, path, value)
				}
			}
		})
	}
}

// A body without examples is built from its schema, composed ones (allOf, oneOf) included, and
// its violations come from every allOf part.
func TestCasesBuildComposedBodies(t *testing.T) {
	t.Parallel()
	cases := mustCases(t, contracttest.CaseOptions{Spec: fixture(t, "composed.yaml")})
	names := map[string]contracttest.Case{}
	for _, c := range cases {
		names[c.Name] = c
	}
	pos, ok := names["positive_data_acceptance/createOrder/from_schema"]
	if !ok {
		t.Fatal("no positive case built from the composed schema")
	}
	if want := `"quantity":1`; !strings.Contains(string(pos.Body), want) {
		t.Errorf("from_schema body %s does not use quantity's default (%s)", pos.Body, want)
	}
	for _, n := range []string{"customer/missing", "customer/min_length", "quantity/not_an_integer", "quantity/above_maximum", "payment/missing"} {
		if _, ok := names["negative_data_rejection/createOrder/body/"+n]; !ok {
			t.Errorf("no case body/%s from the allOf parts", n)
		}
	}
}

func TestCasesUseSuppliedValues(t *testing.T) {
	t.Parallel()
	doc := fixture(t, "multiop.yaml")
	cases := mustCases(t, contracttest.CaseOptions{Spec: doc, Values: map[string]string{
		"channelId": knownUUID, "code": "FRESHCODE", "wabaId": "999", "coexistence": "false", "pageSize": "20", "type": "META_INSTAGRAM",
	}})
	v := mustValidator(t, doc, contracttest.WithSecretKey(secretKey))
	for _, c := range cases {
		if c.Check != contracttest.CheckPositiveDataAcceptance {
			continue
		}
		if _, err := v.ValidateRequest(request(c, secretKey)); err != nil {
			t.Errorf("%s: supplied values made it invalid: %v", c.Name, err)
		}
		var want []string
		switch c.Operation {
		case "connectMetaChannel":
			want = []string{knownUUID, `"code":"FRESHCODE"`, `"wabaId":"999"`, `"coexistence":false`}
		case "partnerDeleteChannel", "disconnectMetaChannel":
			want = []string{knownUUID}
		case "listChannels":
			want = []string{"pageSize=20", "type=META_INSTAGRAM"} // an optional parameter is sent when given
		case "partnerCreateChannel":
			want = []string{`"type":"META_INSTAGRAM"`}
		}
		for _, w := range want {
			if !strings.Contains(c.Path+" "+string(c.Body), w) {
				t.Errorf("%s: %s %s does not carry %s", c.Name, c.Path, c.Body, w)
			}
		}
	}
}

// A value the spec cannot take is an error naming it, never repeating the value (it may be a
// single-use code).
func TestCasesRejectBadValues(t *testing.T) {
	t.Parallel()
	doc := fixture(t, "multiop.yaml")
	for _, tc := range []struct {
		name, value, want string
	}{
		{"chanelId", "x", "no path or query parameter or top-level request body property of that name"},
		{"channelId", "sekret-1", "path parameter of "},
		{"coexistence", "sekret-2", "want true or false"},
		{"pageSize", "sekret-3", "want an integer"},
		{"pageSize", "15", "allowed values"},
		{"pageSize", "60", ""},
		{"wabaId", "sekret-4", "request body property of connectMetaChannel"},
		{"type", "sekret-5", "allowed values"},
		{"code", "sekret-\xff", "not valid UTF-8"},
	} {
		_, err := contracttest.Cases(contracttest.CaseOptions{Spec: doc, Values: map[string]string{tc.name: tc.value}})
		var ve *contracttest.ValueError
		switch {
		case !errors.As(err, &ve) || ve.Name != tc.name:
			t.Errorf("%s=%s: error %v, want a *ValueError for %s", tc.name, tc.value, err, tc.name)
		case !strings.Contains(err.Error(), tc.want):
			t.Errorf("%s=%s: error %q, want it to say %q", tc.name, tc.value, err, tc.want)
		case strings.Contains(err.Error(), tc.value) && strings.HasPrefix(tc.value, "sekret"):
			t.Errorf("%s=%s: error %q repeats the value", tc.name, tc.value, err)
		}
	}
}

// Cases come from the schema, not from a list of this API's fields: another spec gets its own.
func TestCasesDeriveFromAnySchema(t *testing.T) {
	t.Parallel()
	doc := fixture(t, "multiop-pets.yaml")
	cases := mustCases(t, contracttest.CaseOptions{Spec: doc, Values: map[string]string{"petId": "12"}})
	var got []string
	for _, c := range cases {
		if c.Check == contracttest.CheckNegativeDataRejection && strings.Contains(c.Name, "/body/") {
			got = append(got, strings.TrimPrefix(c.Name, "negative_data_rejection/putPet/"))
		}
	}
	want := []string{
		"body/malformed_json", "body/empty", "body/not_an_object",
		"body/age/missing", "body/age/wrong_type", "body/age/null", "body/age/not_an_integer", "body/age/below_minimum", "body/age/above_maximum",
		"body/kind/missing", "body/kind/wrong_type", "body/kind/null", "body/kind/not_in_enum",
		"body/owner/wrong_type", "body/owner/null",
		"body/owner/name/missing", "body/owner/name/wrong_type", "body/owner/name/null", "body/owner/name/min_length",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("body cases (-want +got):\n%s", diff)
	}
	if !slices.ContainsFunc(cases, func(c contracttest.Case) bool {
		return c.Name == "negative_data_rejection/putPet/path/petId/max_length"
	}) {
		t.Error("no case for petId's maxLength")
	}
	if slices.ContainsFunc(cases, func(c contracttest.Case) bool { return c.Check == contracttest.CheckIgnoredAuth }) {
		t.Error("ignored_auth cases for a spec without security")
	}
}

// Values come from the command line: whatever they are, Cases either rejects them with a
// *ValueError naming them or builds positive cases the validator accepts.
func FuzzCaseValues(f *testing.F) {
	doc := fixture(f, "multiop.yaml")
	v := mustValidator(f, doc, contracttest.WithSecretKey(secretKey))
	for _, seed := range [][2]string{
		{"channelId", knownUUID}, {"channelId", "x/../y"}, {"pageSize", "20"}, {"pageSize", "1e1"},
		{"coexistence", "true"}, {"code", "\xff"}, {"code", "A\u00e9"}, {"type", "META_INSTAGRAM"}, {"cancelReason", ""}, {"nope", "1"},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, name, value string) {
		cases, err := contracttest.Cases(contracttest.CaseOptions{Spec: doc, Values: map[string]string{name: value}})
		if err != nil {
			var ve *contracttest.ValueError
			if !errors.As(err, &ve) || ve.Name != name {
				t.Fatalf("%s=%q: error %v is not a *ValueError naming %s", name, value, err, name)
			}
			return
		}
		for _, c := range cases {
			if c.Check != contracttest.CheckPositiveDataAcceptance {
				continue
			}
			if _, err := v.ValidateRequest(request(c, secretKey)); err != nil {
				t.Errorf("%s=%q accepted, but %s is invalid: %v", name, value, c.Name, err)
			}
		}
	})
}
