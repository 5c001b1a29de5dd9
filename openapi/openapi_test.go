package openapi_test

import (
	"bytes"
	"fmt"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/google/go-cmp/cmp"

	"github.com/hubmessage/hubmessage-go/openapi"
)

// The spec's self-tests read the live spec, loop over its operations and hold each one to the
// same rules; none depends on its version or on which operations it has. Each rule is also run
// against testdata/flawed.yaml, which breaks every rule once, so none can pass by checking
// nothing.

func mustSpec(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := openapi.Spec()
	if err != nil {
		t.Fatalf("embedded spec: %v", err)
	}
	return doc
}

func mustParseFile(t *testing.T, file string) *openapi3.T {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := openapi.Parse(file, data)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func TestSpecIsParsedOnceAndShared(t *testing.T) {
	var wg sync.WaitGroup
	docs := make([]*openapi3.T, 8)
	for i := range docs {
		wg.Go(func() { docs[i], _ = openapi.Spec() })
	}
	wg.Wait()
	for i, d := range docs {
		if d == nil || d != docs[0] {
			t.Fatalf("Spec() call %d returned %p, want the shared %p", i, d, docs[0])
		}
	}
	if docs[0].OpenAPI != "3.0.3" {
		t.Errorf("openapi version = %q, want 3.0.3", docs[0].OpenAPI)
	}
}

func TestYAMLReturnsACopy(t *testing.T) {
	a := openapi.YAML()
	if !bytes.HasPrefix(a, []byte("openapi: 3.0.3")) {
		t.Fatalf("YAML() does not start with the openapi version: %q", a[:min(len(a), 40)])
	}
	a[0] = 'X'
	if openapi.YAML()[0] != 'o' {
		t.Fatal("YAML() exposes the embedded bytes: a caller's write changed them")
	}
}

// operation is one operation of a spec, with where it is.
type operation struct {
	method, path string
	op           *openapi3.Operation
}

func (o operation) String() string {
	return fmt.Sprintf("%s %s (%s)", o.method, o.path, o.op.OperationID)
}

// operations returns every operation of doc, sorted by path then method.
func operations(doc *openapi3.T) []operation {
	var ops []operation
	for _, path := range slices.Sorted(maps.Keys(doc.Paths.Map())) {
		item := doc.Paths.Value(path)
		for _, method := range slices.Sorted(maps.Keys(item.Operations())) {
			ops = append(ops, operation{method, path, item.GetOperation(method)})
		}
	}
	return ops
}

// examples returns the examples of a media type: its example and its named examples.
func examples(media *openapi3.MediaType) map[string]any {
	out := map[string]any{}
	if media.Example != nil {
		out["example"] = media.Example
	}
	for name, ex := range media.Examples {
		out["examples/"+name] = ex.Value.Value
	}
	return out
}

// secured reports whether op needs credentials: its own security, else the document's, lists a
// requirement and none of them is empty (an empty one makes credentials optional).
func secured(doc *openapi3.T, op *openapi3.Operation) bool {
	reqs := doc.Security
	if op.Security != nil {
		reqs = *op.Security
	}
	return len(reqs) > 0 && !slices.ContainsFunc(reqs, func(r openapi3.SecurityRequirement) bool { return len(r) == 0 })
}

// noContent are the 2xx statuses whose responses have no body (RFC 9110).
var noContent = []string{"204", "205"}

// rules returns every way doc breaks the house rules, one line each, sorted. The rules hold for
// every operation, whatever its name:
//
//   - operationId, summary, description and tags are set;
//   - every parameter is a $ref to components/parameters, so a rule such as a pattern lives once;
//   - a request body has an example (contracttest builds positive cases from them);
//   - at least one 2xx, and `default`, are documented; 400 when the operation takes input, 401
//     when it needs credentials, 404 when its path has a parameter;
//   - every response has a description; a 2xx is JSON with an example, or has no content
//     (always so for 204);
//   - every other response is a $ref to components/responses, JSON with the Error schema, and
//     has examples whose `error` is the status;
//   - 429 and 503 document Retry-After;
//   - a link names a real operation by operationId, passes only parameters it has and every
//     required one, and a `$response.body#/…` value names a property of the response;
//   - every property of a component schema has a description; x-pattern-description, where
//     present, is a non-empty string.
func rules(doc *openapi3.T) []string {
	var out []string
	bad := func(where fmt.Stringer, format string, args ...any) {
		out = append(out, where.String()+": "+fmt.Sprintf(format, args...))
	}
	ops := operations(doc)
	byID := map[string]operation{}
	for _, o := range ops {
		byID[o.op.OperationID] = o
	}
	errSchema := doc.Components.Schemas["Error"]
	for _, o := range ops {
		op := o.op
		if op.OperationID == "" || op.Summary == "" || op.Description == "" || len(op.Tags) == 0 {
			bad(o, "operationId, summary, description and tags are all required")
		}
		pathParams := false
		for _, p := range op.Parameters {
			if p.Ref == "" {
				bad(o, "parameter %s is inline; use a $ref to components/parameters", p.Value.Name)
			}
			pathParams = pathParams || p.Value.In == openapi3.ParameterInPath
		}
		if body := op.RequestBody; body != nil {
			for mt, media := range body.Value.Content {
				if len(examples(media)) == 0 {
					bad(o, "request body %s has no example", mt)
				}
			}
		}

		statuses := op.Responses.Map()
		if !slices.ContainsFunc(slices.Collect(maps.Keys(statuses)), func(s string) bool { return strings.HasPrefix(s, "2") }) {
			bad(o, "no 2xx response is documented")
		}
		for _, need := range []struct {
			status string
			when   bool
			why    string
		}{
			{"default", true, "every operation"},
			{"400", len(op.Parameters) > 0 || op.RequestBody != nil, "it takes input"},
			{"401", secured(doc, op), "it needs credentials"},
			{"404", pathParams, "its path has a parameter"},
		} {
			if need.when && statuses[need.status] == nil {
				bad(o, "response %s is not documented (%s)", need.status, need.why)
			}
		}

		for _, status := range slices.Sorted(maps.Keys(statuses)) {
			ref := statuses[status]
			resp, at := ref.Value, fmt.Sprintf("response %s", status)
			if resp.Description == nil || *resp.Description == "" {
				bad(o, "%s has no description", at)
			}
			if status == "429" || status == "503" {
				if _, ok := resp.Headers["Retry-After"]; !ok {
					bad(o, "%s does not document Retry-After", at)
				}
			}
			for name, link := range resp.Links {
				checkLink(func(format string, args ...any) {
					bad(o, "%s link %s: %s", at, name, fmt.Sprintf(format, args...))
				}, byID, link.Value, resp)
			}
			if strings.HasPrefix(status, "2") {
				if slices.Contains(noContent, status) {
					if len(resp.Content) > 0 {
						bad(o, "%s has content; a %s never has a body", at, status)
					}
					continue
				}
				media := resp.Content.Get("application/json")
				switch {
				case media == nil || media.Schema == nil:
					bad(o, "%s has no application/json schema", at)
				case len(examples(media)) == 0:
					bad(o, "%s has no example", at)
				}
				continue
			}
			if ref.Ref == "" {
				bad(o, "%s is inline; use a $ref to components/responses", at)
			}
			media := resp.Content.Get("application/json")
			if media == nil || media.Schema == nil || errSchema == nil || media.Schema.Value != errSchema.Value {
				bad(o, "%s does not use #/components/schemas/Error", at)
				continue
			}
			exs := examples(media)
			if len(exs) == 0 {
				bad(o, "%s has no example", at)
			}
			code, err := strconv.Atoi(status)
			if err != nil {
				continue // default
			}
			for _, name := range slices.Sorted(maps.Keys(exs)) {
				if body, ok := exs[name].(map[string]any); !ok || body["error"] != float64(code) {
					bad(o, "%s %s: error is %v, want %d", at, name, body["error"], code)
				}
			}
		}
	}

	for _, name := range slices.Sorted(maps.Keys(doc.Components.Schemas)) {
		s := doc.Components.Schemas[name].Value
		for _, prop := range slices.Sorted(maps.Keys(s.Properties)) {
			if s.Properties[prop].Value.Description == "" {
				out = append(out, fmt.Sprintf("schema %s: property %s has no description", name, prop))
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(doc.Components.Parameters)) {
		p := doc.Components.Parameters[name].Value
		if d, ok := p.Schema.Value.Extensions["x-pattern-description"]; ok {
			if s, _ := d.(string); s == "" {
				out = append(out, fmt.Sprintf("parameter %s: x-pattern-description is %#v, want a non-empty string", name, d))
			}
		}
	}
	slices.Sort(out)
	return out
}

// checkLink reports what is wrong with a link of the response resp.
func checkLink(bad func(string, ...any), byID map[string]operation, link *openapi3.Link, resp *openapi3.Response) {
	target, ok := byID[link.OperationID]
	if !ok {
		bad("operationId %q is not an operation of the spec", link.OperationID)
		return
	}
	params := map[string]*openapi3.Parameter{}
	for _, p := range target.op.Parameters {
		params[p.Value.Name] = p.Value
	}
	for _, name := range slices.Sorted(maps.Keys(params)) {
		if _, ok := link.Parameters[name]; params[name].Required && !ok {
			bad("does not pass %s, which %s requires", name, link.OperationID)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(link.Parameters)) {
		if params[name] == nil {
			bad("%s has no parameter %s", link.OperationID, name)
		}
		expr, _ := link.Parameters[name].(string)
		pointer, ok := strings.CutPrefix(expr, "$response.body#/")
		if !ok {
			continue
		}
		var schema *openapi3.SchemaRef
		if media := resp.Content.Get("application/json"); media != nil {
			schema = media.Schema
		}
		for _, key := range strings.Split(pointer, "/") {
			if schema == nil || schema.Value.Properties[key] == nil {
				bad("%s: the response has no property %s", expr, pointer)
				schema = nil
				break
			}
			schema = schema.Value.Properties[key]
		}
	}
}

func TestSpecFollowsTheRules(t *testing.T) {
	doc := mustSpec(t)
	if len(operations(doc)) == 0 {
		t.Fatal("the spec has no operations")
	}
	for _, p := range rules(doc) {
		t.Error(p)
	}
}

// testdata/flawed.yaml breaks each rule; the rules must find exactly these flaws.
func TestRulesFindEveryFlaw(t *testing.T) {
	want := []string{
		"DELETE /things/{thingId} (deleteThing): response 202 has no application/json schema",
		"DELETE /things/{thingId} (deleteThing): response 204 has content; a 204 never has a body",
		"DELETE /things/{thingId} (deleteThing): response 400 does not use #/components/schemas/Error",
		"DELETE /things/{thingId} (deleteThing): response 400 is inline; use a $ref to components/responses",
		"DELETE /things/{thingId} (deleteThing): response 404 example: error is 400, want 404",
		"DELETE /things/{thingId} (deleteThing): response 503 does not document Retry-After",
		"DELETE /things/{thingId} (deleteThing): response 503 has no description",
		"GET /things/{thingId} (getThing): operationId, summary, description and tags are all required",
		"GET /things/{thingId} (getThing): parameter thingId is inline; use a $ref to components/parameters",
		"GET /things/{thingId} (getThing): response 200 has no example",
		"GET /things/{thingId} (getThing): response 200 link badPointer: $response.body#/nope: the response has no property nope",
		"GET /things/{thingId} (getThing): response 200 link extraParameter: deleteThing has no parameter other",
		"GET /things/{thingId} (getThing): response 200 link missingParameter: does not pass thingId, which deleteThing requires",
		"GET /things/{thingId} (getThing): response 200 link unknownOperation: operationId \"noSuchOperation\" is not an operation of the spec",
		"GET /things/{thingId} (getThing): response 400 is not documented (it takes input)",
		"GET /things/{thingId} (getThing): response 401 is not documented (it needs credentials)",
		"GET /things/{thingId} (getThing): response 404 is not documented (its path has a parameter)",
		"GET /things/{thingId} (getThing): response default is not documented (every operation)",
		"POST /things (createThing): no 2xx response is documented",
		"POST /things (createThing): request body application/json has no example",
		"POST /things (createThing): response 401 has no example",
		"parameter ThingId: x-pattern-description is 7, want a non-empty string",
		"schema Thing: property name has no description",
	}
	got := rules(mustParseFile(t, "testdata/flawed.yaml"))
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("flaws found (-want +got):\n%s", diff)
	}
}

// Every example in the spec, named ones included, must validate against the schema beside it.
// This walks them itself rather than trusting Validate's options, and names each one it checks.
func TestEveryExampleMatchesItsSchema(t *testing.T) {
	doc := mustSpec(t)
	checked := 0
	check := func(where string, schema *openapi3.SchemaRef, value any) {
		t.Helper()
		checked++
		if err := schema.Value.VisitJSON(value); err != nil {
			t.Errorf("example %s does not match its schema: %v", where, err)
		}
	}
	checkContent := func(where string, content openapi3.Content) {
		for mt, media := range content {
			for name, value := range examples(media) {
				check(where+" "+mt+" "+name, media.Schema, value)
			}
		}
	}
	for _, o := range operations(doc) {
		at := o.method + " " + o.path
		for _, p := range o.op.Parameters {
			for name, ex := range p.Value.Examples {
				check(at+" parameter "+p.Value.Name+" examples/"+name, p.Value.Schema, ex.Value.Value)
			}
		}
		if o.op.RequestBody != nil {
			checkContent(at+" requestBody", o.op.RequestBody.Value.Content)
		}
		for status, resp := range o.op.Responses.Map() {
			checkContent(at+" response "+status, resp.Value.Content)
			for name, h := range resp.Value.Headers {
				if h.Value.Example != nil {
					check(at+" response "+status+" header "+name, h.Value.Schema, h.Value.Example)
				}
			}
		}
	}
	for name, s := range doc.Components.Schemas {
		for prop, ps := range s.Value.Properties {
			if ps.Value.Example != nil {
				check("schema "+name+"."+prop, ps, ps.Value.Example)
			}
		}
	}
	if checked == 0 {
		t.Fatal("checked no example")
	}
}

func TestChannelIDParameter(t *testing.T) {
	doc := mustSpec(t)
	param := doc.Components.Parameters["ChannelId"]
	if param == nil {
		t.Fatal("components/parameters/ChannelId is missing")
	}
	schema := param.Value.Schema.Value
	if schema.Format != "" {
		t.Errorf("channelId has format %q; both id forms must pass, so it must have none", schema.Format)
	}
	for _, tc := range []struct {
		id string
		ok bool
	}{
		{"a1b2c3d4-e5f6-7890-abcd-ef1234567890", true},
		{"A1B2C3D4-E5F6-7890-ABCD-EF1234567890", true},
		{"019E4C54B1B375A28970B605CA9B03C3", true},
		{"019e4c54b1b375a28970b605ca9b03c3", true},
		{"", false},
		{"not-a-channel", false},
		{"019E4C54B1B375A28970B605CA9B03C", false},   // 31 hex digits
		{"019E4C54B1B375A28970B605CA9B03C3A", false}, // 33
		{"a1b2c3d4e5f6-7890-abcd-ef1234567890", false},
		{"g1b2c3d4-e5f6-7890-abcd-ef1234567890", false},
		{"a1b2c3d4-e5f6-7890-abcd-ef1234567890\n", false},
		{"../../admin", false},
	} {
		err := schema.VisitJSON(tc.id)
		if (err == nil) != tc.ok {
			t.Errorf("channelId %q: valid=%v, want %v (err: %v)", tc.id, err == nil, tc.ok, err)
		}
	}
}

// Facts about what the real service accepts (../shared/reference), per operation: the request
// body's required properties, a body it accepts, and changes to it that it must refuse. An
// operation listed here must exist; a new one adds a row.
func TestRequestBodiesHoldTheReferenceFacts(t *testing.T) {
	for _, tc := range []struct {
		operationID string
		required    []string
		valid       map[string]any
		invalid     map[string]map[string]any // what makes valid invalid, by name
	}{
		{
			operationID: "connectMetaChannel",
			required:    []string{"code", "coexistence", "phoneId", "wabaId"},
			valid:       map[string]any{"wabaId": "428083093730937", "phoneId": "123456789012345", "code": "ABC123DEF456", "coexistence": false},
			invalid: map[string]map[string]any{
				"wabaId letters":     {"wabaId": "42808x093730937"},
				"wabaId empty":       {"wabaId": ""},
				"wabaId too long":    {"wabaId": strings.Repeat("1", 33)},
				"wabaId number":      {"wabaId": 428083093730937},
				"phoneId signed":     {"phoneId": "-123"},
				"phoneId spaces":     {"phoneId": " 123"},
				"code empty":         {"code": ""},
				"coexistence string": {"coexistence": "false"},
			},
		},
	} {
		t.Run(tc.operationID, func(t *testing.T) {
			var body *openapi3.RequestBodyRef
			for _, o := range operations(mustSpec(t)) {
				if o.op.OperationID == tc.operationID {
					body = o.op.RequestBody
				}
			}
			if body == nil || body.Value.Content.Get("application/json") == nil {
				t.Fatalf("no operation %s with a JSON request body", tc.operationID)
			}
			schema := body.Value.Content.Get("application/json").Schema.Value
			if got := slices.Sorted(slices.Values(schema.Required)); !slices.Equal(got, tc.required) {
				t.Errorf("required = %v, want %v", got, tc.required)
			}
			if err := schema.VisitJSON(tc.valid); err != nil {
				t.Fatalf("valid body %v rejected: %v", tc.valid, err)
			}
			for name, change := range tc.invalid {
				body := maps.Clone(tc.valid)
				maps.Copy(body, change)
				if err := schema.VisitJSON(body); err == nil {
					t.Errorf("%s: %v was accepted", name, change)
				}
			}
		})
	}
}

func TestParseNamesTheBrokenPlace(t *testing.T) {
	const file = "testdata/bad-example.yaml"
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	_, err = openapi.Parse(file, data)
	if err == nil {
		t.Fatalf("%s: a request example that breaks its schema was accepted", file)
	}
	for _, want := range []string{file, "emptyName"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
	_, err = openapi.Parse("syntax.yaml", []byte("openapi: 3.0.3\ninfo: [\n"))
	if err == nil || !strings.Contains(err.Error(), "syntax.yaml") {
		t.Errorf("YAML syntax error = %v, want one naming the file", err)
	}
}

// ExampleSpec finds an operation by its operationId, the name generated code and the contract
// suite use for it.
func ExampleSpec() {
	doc, err := openapi.Spec()
	if err != nil {
		panic(err)
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if op.OperationID == "connectMetaChannel" {
				fmt.Println(method, path)
			}
		}
	}
	// Output: POST /v1/channels/{channelId}/connect
}

// Parse reads any input without panicking (verify --spec hands it a user's file): a document,
// or an error that names the file.
func FuzzParse(f *testing.F) {
	f.Add(string(openapi.YAML()))
	f.Add("openapi: 3.0.3\ninfo: {title: x, version: '1'}\npaths: {}\n")
	f.Add(`{"openapi":"3.0.3","info":{"title":"x","version":"1"},"paths":{"/a/{b}":{"get":{"responses":{"200":{"description":"ok"}}}}}}`)
	f.Add("{")
	f.Fuzz(func(t *testing.T, data string) {
		doc, err := openapi.Parse("fuzz.yaml", []byte(data))
		if err != nil && !strings.HasPrefix(err.Error(), "fuzz.yaml") {
			t.Fatalf("error %q does not name the file", err)
		}
		if err == nil && doc == nil {
			t.Fatal("no document and no error")
		}
	})
}
