package fastschema_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/hubmessage/hubmessage-go/contracttest/internal/fastschema"
	"github.com/hubmessage/hubmessage-go/openapi"
)

// slowValid is kin-openapi's verdict, decoded the way openapi3filter decodes JSON bodies.
func slowValid(s *openapi3.Schema, data []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return false
	}
	if dec.More() { // trailing data: openapi3filter's verdict is not ours to guess
		return false
	}
	return s.VisitJSON(v) == nil
}

func schemas(t testing.TB) map[string]*openapi3.Schema {
	doc, err := openapi.Spec()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*openapi3.Schema{}
	for name, ref := range doc.Components.Schemas {
		out[name] = ref.Value
	}
	return out
}

var corpus = []string{
	`{"wabaId":"428083093730937","phoneId":"123456789012345","code":"ABC123DEF456","coexistence":false}`,
	` { "coexistence" : true , "code":"x","phoneId":"1","wabaId":"2" } `,
	`{"wabaId":"428083093730937","phoneId":"123456789012345","code":"ABC","coexistence":false,"extra":1}`,
	`{"wabaId":"428083093730937","phoneId":"123456789012345","code":"","coexistence":false}`,
	`{"wabaId":"4280x","phoneId":"1","code":"c","coexistence":false}`,
	`{"wabaId":"1","phoneId":"1","code":"c"}`,
	`{"wabaId":"1","phoneId":"1","code":"c","coexistence":"false"}`,
	`{"wabaId":"1","phoneId":"1","code":"c","coexistence":null}`,
	`{"wabaId":"1","wabaId":"2","phoneId":"1","code":"c","coexistence":true}`,
	`{"wabaId":"\u0031","phoneId":"1","code":"c","coexistence":true}`,
	`{"wabaId":"1","phoneId":"1","code":"c","coexistence":true}x`,
	`{"wabaId":"1","phoneId":"1","code":"c","coexistence":true,}`,
	`{"wabaId":"123456789012345678901234567890123","phoneId":"1","code":"c","coexistence":true}`,
	`{"wabaId":"1","phoneId":"1","code":"ção","coexistence":true}`,
	`{"success":true}`, `{"success":false}`, `{}`, `{"success":1}`, `[]`, `null`, ``, `{`,
	`{"error":401,"message":"Unauthorized"}`, `{"error":401.0,"message":"x"}`, `{"error":99,"message":"x"}`,
	`{"error":600,"message":"x"}`, `{"error":-5,"message":"x"}`, `{"error":0401,"message":"x"}`,
	`{"error":1e2,"message":"x"}`, `{"message":"x"}`, `{"error":500,"message":""}`,
}

func TestCompilesTheSpecSchemas(t *testing.T) {
	for name, s := range schemas(t) {
		if _, ok := fastschema.Compile(s); !ok {
			t.Errorf("schema %s has no fast path", name)
		}
	}
}

func TestRefusesWhatItDoesNotImplement(t *testing.T) {
	str := openapi3.NewStringSchema()
	for name, s := range map[string]*openapi3.Schema{
		"enum":                       openapi3.NewStringSchema().WithEnum("a", "b"),
		"nullable":                   openapi3.NewStringSchema().WithNullable(),
		"format":                     openapi3.NewStringSchema().WithFormat("uuid"),
		"array":                      openapi3.NewArraySchema().WithItems(str),
		"allOf":                      openapi3.NewAllOfSchema(str),
		"additionalProperties false": openapi3.NewObjectSchema().WithProperty("a", str).WithoutAdditionalProperties(),
		"number":                     openapi3.NewFloat64Schema(),
		"untyped":                    {},
		`pattern with \u`:            openapi3.NewStringSchema().WithPattern(`^\u0041$`),
	} {
		if _, ok := fastschema.Compile(s); ok {
			t.Errorf("%s: compiled, want refused", name)
		}
	}
}

// The fast verdict may only be "valid" where kin-openapi agrees.
func TestAgreesWithKinOpenAPI(t *testing.T) {
	fastValid := 0
	for name, s := range schemas(t) {
		c, _ := fastschema.Compile(s)
		for _, doc := range corpus {
			fast, slow := c.Valid([]byte(doc)), slowValid(s, []byte(doc))
			if fast && !slow {
				t.Errorf("%s: %s: fast says valid, kin-openapi says invalid", name, doc)
			}
			if fast {
				fastValid++
			}
		}
	}
	// The plain documents must take the fast path, or the package is useless.
	for _, tc := range []struct{ schema, doc string }{
		{"ConnectChannelRequest", corpus[0]},
		{"ConnectChannelRequest", corpus[1]},
		{"ConnectChannelResponse", `{"success":true}`},
		{"Error", `{"error":401,"message":"Unauthorized"}`},
	} {
		c, _ := fastschema.Compile(schemas(t)[tc.schema])
		if !c.Valid([]byte(tc.doc)) {
			t.Errorf("%s: plain document %s is not on the fast path", tc.schema, tc.doc)
		}
	}
	if fastValid == 0 {
		t.Fatal("nothing took the fast path")
	}
}

func FuzzAgreesWithKinOpenAPI(f *testing.F) {
	for _, doc := range corpus {
		f.Add(doc)
	}
	all := schemas(f)
	names := []string{"ConnectChannelRequest", "ConnectChannelResponse", "Error"}
	compiled := map[string]*fastschema.Schema{}
	for _, n := range names {
		compiled[n], _ = fastschema.Compile(all[n])
	}
	f.Fuzz(func(t *testing.T, doc string) {
		for _, n := range names {
			if compiled[n].Valid([]byte(doc)) && !slowValid(all[n], []byte(doc)) {
				t.Fatalf("%s: fast says valid, kin-openapi says invalid: %q", n, doc)
			}
		}
	})
}

func BenchmarkValidRequestBody(b *testing.B) {
	c, _ := fastschema.Compile(schemas(b)["ConnectChannelRequest"])
	doc := []byte(corpus[0])
	b.ReportAllocs()
	for b.Loop() {
		if !c.Valid(doc) {
			b.Fatal("invalid")
		}
	}
}
