package openapi_test

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/hubmessage/hubmessage-go/openapi"
)

func mustSpec(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := openapi.Spec()
	if err != nil {
		t.Fatalf("embedded spec: %v", err)
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
			if media.Example != nil {
				check(where+" "+mt+" example", media.Schema, media.Example)
			}
			for name, ex := range media.Examples {
				check(where+" "+mt+" examples/"+name, media.Schema, ex.Value.Value)
			}
		}
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			at := method + " " + path
			for _, p := range op.Parameters {
				for name, ex := range p.Value.Examples {
					check(at+" parameter "+p.Value.Name+" examples/"+name, p.Value.Schema, ex.Value.Value)
				}
			}
			if op.RequestBody != nil {
				checkContent(at+" requestBody", op.RequestBody.Value.Content)
			}
			for status, resp := range op.Responses.Map() {
				checkContent(at+" response "+status, resp.Value.Content)
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
	if checked < 15 {
		t.Fatalf("checked only %d examples; the walk is missing some", checked)
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

func TestConnectRequestSchema(t *testing.T) {
	schema := mustSpec(t).Components.Schemas["ConnectChannelRequest"].Value
	if got, want := slices.Sorted(slices.Values(schema.Required)), []string{"code", "coexistence", "phoneId", "wabaId"}; !slices.Equal(got, want) {
		t.Fatalf("required = %v, want %v", got, want)
	}
	valid := map[string]any{"wabaId": "428083093730937", "phoneId": "123456789012345", "code": "ABC123DEF456", "coexistence": false}
	if err := schema.VisitJSON(valid); err != nil {
		t.Fatalf("seed payload rejected: %v", err)
	}
	for _, tc := range []struct {
		name  string
		field string
		value any
	}{
		{"wabaId letters", "wabaId", "42808x093730937"},
		{"wabaId empty", "wabaId", ""},
		{"wabaId too long", "wabaId", strings.Repeat("1", 33)},
		{"wabaId number", "wabaId", 428083093730937},
		{"phoneId signed", "phoneId", "-123"},
		{"phoneId spaces", "phoneId", " 123"},
		{"code empty", "code", ""},
		{"coexistence string", "coexistence", "false"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := map[string]any{}
			for k, v := range valid {
				body[k] = v
			}
			body[tc.field] = tc.value
			if err := schema.VisitJSON(body); err == nil {
				t.Errorf("%s=%#v was accepted", tc.field, tc.value)
			}
		})
	}
}

func TestErrorResponsesUseTheErrorSchema(t *testing.T) {
	doc := mustSpec(t)
	errSchema := doc.Components.Schemas["Error"]
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			statuses := op.Responses.Map()
			for _, want := range []string{"200", "400", "401", "404", "422", "502", "default"} {
				if statuses[want] == nil {
					t.Errorf("%s %s: response %s is not documented", method, path, want)
				}
			}
			for status, resp := range statuses {
				if resp.Value.Description == nil || *resp.Value.Description == "" {
					t.Errorf("%s %s %s: response has no description", method, path, status)
				}
				if strings.HasPrefix(status, "2") {
					continue
				}
				if resp.Ref == "" {
					t.Errorf("%s %s %s: error response is inline; use components/responses", method, path, status)
				}
				media := resp.Value.Content.Get("application/json")
				if media == nil || media.Schema.Value != errSchema.Value {
					t.Errorf("%s %s %s: error response does not use #/components/schemas/Error", method, path, status)
				}
			}
		}
	}
}

func TestOperationsAreDocumented(t *testing.T) {
	doc := mustSpec(t)
	ops := 0
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			ops++
			at := method + " " + path
			if op.OperationID == "" || op.Summary == "" || op.Description == "" || len(op.Tags) == 0 {
				t.Errorf("%s: operationId=%q summary=%q description set=%v tags=%v; all are required",
					at, op.OperationID, op.Summary, op.Description != "", op.Tags)
			}
		}
	}
	if op := doc.Paths.Find("/v1/channels/{channelId}/connect"); op == nil || op.Post == nil || op.Post.OperationID != "connectMetaChannel" {
		t.Errorf("POST /v1/channels/{channelId}/connect with operationId connectMetaChannel is missing")
	}
	if ops == 0 {
		t.Fatal("spec has no operations")
	}
}

func TestEverySchemaPropertyHasADescription(t *testing.T) {
	for name, s := range mustSpec(t).Components.Schemas {
		for prop, ps := range s.Value.Properties {
			if ps.Value.Description == "" {
				t.Errorf("schema %s property %s has no description", name, prop)
			}
		}
	}
}

func TestParseNamesTheBrokenPlace(t *testing.T) {
	broken := bytes.Replace(openapi.YAML(), []byte("code: ABC123DEF456"), []byte("code: ''"), 1)
	_, err := openapi.Parse("broken.yaml", broken)
	if err == nil {
		t.Fatal("a request example with an empty code was accepted")
	}
	for _, want := range []string{"broken.yaml", "sdkPayload"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
	_, err = openapi.Parse("syntax.yaml", []byte("openapi: 3.0.3\ninfo: [\n"))
	if err == nil || !strings.Contains(err.Error(), "syntax.yaml") {
		t.Errorf("YAML syntax error = %v, want one naming the file", err)
	}
}

func ExampleSpec() {
	doc, err := openapi.Spec()
	if err != nil {
		panic(err)
	}
	op := doc.Paths.Find("/v1/channels/{channelId}/connect").Post
	fmt.Println(op.OperationID, "-", op.Summary)
	// Output: connectMetaChannel - Connect Meta WhatsApp channel
}
