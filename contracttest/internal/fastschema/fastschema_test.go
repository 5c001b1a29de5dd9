package fastschema_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
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

// fixture returns the component schemas of testdata/schemas.yaml by name.
func fixture(tb testing.TB) map[string]*openapi3.Schema {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "schemas.yaml"))
	if err != nil {
		tb.Fatal(err)
	}
	doc, err := openapi.Parse("schemas.yaml", data)
	if err != nil {
		tb.Fatal(err)
	}
	out := map[string]*openapi3.Schema{}
	for name, ref := range doc.Components.Schemas {
		out[name] = ref.Value
	}
	return out
}

// liveSchemas returns every schema the live spec validates with: its components, and each
// operation's path parameters and request and response bodies (inline ones included), named
// by where they are. It asserts nothing about their names or number.
func liveSchemas(tb testing.TB) map[string]*openapi3.Schema {
	tb.Helper()
	doc, err := openapi.Spec()
	if err != nil {
		tb.Fatal(err)
	}
	out := map[string]*openapi3.Schema{}
	for name, ref := range doc.Components.Schemas {
		out["components/"+name] = ref.Value
	}
	addMedia := func(where string, c openapi3.Content) {
		for mt, m := range c {
			if m != nil && m.Schema != nil {
				out[where+" "+mt] = m.Schema.Value
			}
		}
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			where := method + " " + path
			for _, p := range append(slices.Clip(item.Parameters), op.Parameters...) {
				if p.Value != nil && p.Value.Schema != nil {
					out[where+" "+p.Value.In+" parameter "+p.Value.Name] = p.Value.Schema.Value
				}
			}
			if op.RequestBody != nil && op.RequestBody.Value != nil {
				addMedia(where+" request", op.RequestBody.Value.Content)
			}
			for code, resp := range op.Responses.Map() {
				if resp.Value != nil {
					addMedia(where+" "+code, resp.Value.Content)
				}
			}
		}
	}
	return out
}

// corpus holds documents of every shape, for every schema: plain ones the fast path must take
// (see plainDocs) and near misses it must leave to kin-openapi.
var corpus = []string{
	// fixture Connect
	`{"wabaId":"4280","code":"ABC123DEF456","coexistence":false}`,
	` { "coexistence" : true , "code":"x","wabaId":"2" } `,
	`{"wabaId":"4280","code":"ABC","coexistence":false,"extra":1}`,
	`{"wabaId":"4280","code":"","coexistence":false}`,
	`{"wabaId":"42x","code":"c","coexistence":false}`,
	`{"wabaId":"1","code":"c"}`,
	`{"wabaId":"1","code":"c","coexistence":"false"}`,
	`{"wabaId":"1","code":"c","coexistence":null}`,
	`{"wabaId":"1","wabaId":"2","code":"c","coexistence":true}`,
	`{"wabaId":"\u0031","code":"c","coexistence":true}`,
	`{"wabaId":"1","code":"c","coexistence":true}x`,
	`{"wabaId":"1","code":"c","coexistence":true,}`,
	`{"wabaId":"12345","code":"c","coexistence":true}`,
	`{"wabaId":"1","code":"ção","coexistence":true}`,
	// fixture Create and Kind: the enum, exact or nearly
	`{"name":"Sales","kind":"META_WHATSAPP"}`,
	`{"kind":"BOT_TELEGRAM","name":"x","tag":"ação"}`,
	`{"name":"Sales","kind":"meta_whatsapp"}`,
	`{"name":"Sales","kind":"META_WHATSAPP "}`,
	`{"name":"Sales","kind":" META_WHATSAPP"}`,
	`{"name":"Sales","kind":"META_WHATSAP"}`,
	`{"name":"Sales","kind":"META\u005fWHATSAPP"}`,
	`{"name":"Sales","kind":""}`,
	`{"name":"Sales","kind":null}`,
	`{"name":"Sales","kind":["META_WHATSAPP"]}`,
	`{"name":"Sales","kind":"META_WHATSAPP","tag":"b"}`,
	"{\"name\":\"Sales\",\"kind\":\"META_WHATSAPP\",\"tag\":\"ac\u0327a\u0303o\"}", // ação, decomposed
	`{"name":"Too long a name","kind":"META_WHATSAPP"}`,
	`{"name":"Sales"}`,
	`"META_INSTAGRAM"`, `"META_INSTAGRAMX"`, `"Meta_Instagram"`, `"0123"`, `"ABCD"`, `"abcd"`,
	// Optional, Flag, Error and other bare values
	`{"reason":"gone"}`, `{"reason":"too long"}`, `{"reason":null}`,
	`true`, ` false `, `True`, `"true"`, `1`, `true true`, `truex`,
	`{"success":true}`, `{"success":false}`, `{}`, `{"success":1}`, `[]`, `null`, ``, `{`,
	`{"error":401,"message":"Unauthorized"}`, `{"error":401.0,"message":"x"}`, `{"error":99,"message":"x"}`,
	`{"error":600,"message":"x"}`, `{"error":-5,"message":"x"}`, `{"error":0401,"message":"x"}`,
	`{"error":1e2,"message":"x"}`, `{"message":"x"}`, `{"error":500,"message":""}`,
	// documents of the live spec's usual shape
	`{"wabaId":"428083093730937","phoneId":"123456789012345","code":"ABC123DEF456","coexistence":false}`,
	`{"name":"Sales channel","type":"META_WHATSAPP"}`,
	`{"name":"Sales channel","type":"WHATSAPP"}`,
	`{"cancelReason":"Customer closed the company"}`,
	`{"id":"019E4C54B1B375A28970B605CA9B03C3"}`,
	`"019E4C54B1B375A28970B605CA9B03C3"`,
}

// plainDocs are the documents of the usual shape, by fixture schema: each must take the fast
// path, or the package is useless.
var plainDocs = map[string][]string{
	"Connect":  {corpus[0], corpus[1]},
	"Create":   {`{"name":"Sales","kind":"META_WHATSAPP"}`, `{"kind":"BOT_TELEGRAM","name":"x","tag":"ação"}`},
	"Kind":     {`"META_INSTAGRAM"`},
	"Optional": {`{}`, `{"reason":"gone"}`},
	"Error":    {`{"error":401,"message":"Unauthorized"}`, `{"error":500,"message":""}`},
	"Flag":     {`true`, ` false `},
	"Id":       {`"0123"`, `"ABCD"`},
}

// Every schema the live spec validates with has a fast path: a keyword fastschema does not
// implement turns the fast path off for every operation that uses it, which only this test
// would notice.
func TestCompilesTheSpecSchemas(t *testing.T) {
	for name, s := range liveSchemas(t) {
		if _, ok := fastschema.Compile(s); !ok {
			t.Errorf("%s has no fast path", name)
		}
	}
}

func TestCompilesTheFixture(t *testing.T) {
	for name, s := range fixture(t) {
		if _, ok := fastschema.Compile(s); !ok {
			t.Errorf("schema %s has no fast path", name)
		}
	}
}

func TestRefusesWhatItDoesNotImplement(t *testing.T) {
	str := openapi3.NewStringSchema()
	unknownKey := openapi3.NewStringSchema()
	unknownKey.Extensions = map[string]any{"patern": "^a$"} // not x-…: a keyword we do not know
	almostExtension := openapi3.NewStringSchema()
	almostExtension.Extensions = map[string]any{"xpattern": "^a$"}
	for name, s := range map[string]*openapi3.Schema{
		"integer enum":               openapi3.NewIntegerSchema().WithEnum(1, 2),
		"boolean enum":               openapi3.NewBoolSchema().WithEnum(true),
		"object enum":                openapi3.NewObjectSchema().WithEnum(map[string]any{}),
		"string enum with a number":  openapi3.NewStringSchema().WithEnum("a", 1),
		"string enum with a null":    openapi3.NewStringSchema().WithEnum("a", nil),
		"nullable":                   openapi3.NewStringSchema().WithNullable(),
		"format":                     openapi3.NewStringSchema().WithFormat("uuid"),
		"array":                      openapi3.NewArraySchema().WithItems(str),
		"allOf":                      openapi3.NewAllOfSchema(str),
		"additionalProperties false": openapi3.NewObjectSchema().WithProperty("a", str).WithoutAdditionalProperties(),
		"number":                     openapi3.NewFloat64Schema(),
		"untyped":                    {},
		`pattern with \u`:            openapi3.NewStringSchema().WithPattern(`^\u0041$`),
		"unknown keyword":            unknownKey,
		"unknown keyword with an x":  almostExtension,
		"property with an enum on an integer": openapi3.NewObjectSchema().WithProperty("n",
			openapi3.NewIntegerSchema().WithEnum(1)),
	} {
		if _, ok := fastschema.Compile(s); ok {
			t.Errorf("%s: compiled, want refused", name)
		}
	}
}

// A nil Schema, what Compile refuses with, is never sure, rather than a panic.
func TestNilSchemaIsNeverSure(t *testing.T) {
	c, ok := fastschema.Compile(openapi3.NewFloat64Schema())
	if ok || c != nil {
		t.Fatalf("Compile(number) = %v, %v; want nil, false", c, ok)
	}
	if c.Valid([]byte(`1`)) || c.ValidString("1") {
		t.Error("a nil Schema said valid")
	}
}

// Extensions never change a verdict: kin-openapi does not read them.
func TestExtensionsAreIgnored(t *testing.T) {
	plain := openapi3.NewStringSchema().WithPattern(`^[0-9]+$`)
	extended := openapi3.NewStringSchema().WithPattern(`^[0-9]+$`)
	extended.Extensions = map[string]any{"x-pattern-description": "decimal digits", "x-nullable": true, "x-enum": []any{"1"}}
	a, okA := fastschema.Compile(plain)
	b, okB := fastschema.Compile(extended)
	if !okA || !okB {
		t.Fatalf("compiled: plain %v, extended %v", okA, okB)
	}
	for _, doc := range []string{`"123"`, `"12a"`, `""`, `null`, `"1"`, `"2"`} {
		if a.Valid([]byte(doc)) != b.Valid([]byte(doc)) {
			t.Errorf("%s: the extensions changed the fast verdict", doc)
		}
		if b.Valid([]byte(doc)) != slowValid(extended, []byte(doc)) {
			t.Errorf("%s: fast %v, kin-openapi %v", doc, b.Valid([]byte(doc)), slowValid(extended, []byte(doc)))
		}
	}
}

// On unescaped strings, a string enum's fast verdict is kin-openapi's, both ways: kin-openapi
// compares strings byte for byte (reflect.DeepEqual), with no case folding, trimming or
// Unicode normalisation, and so does the fast path.
func TestStringEnumIsKinOpenAPIs(t *testing.T) {
	s := openapi3.NewStringSchema().WithEnum("META_WHATSAPP", "ação", "", "a b")
	c, ok := fastschema.Compile(s)
	if !ok {
		t.Fatal("a string enum did not compile")
	}
	for _, v := range []string{"META_WHATSAPP", "meta_whatsapp", "META_WHATSAPP ", " META_WHATSAPP", "META_WHATSAP",
		"META_WHATSAPPP", "ação", "ac\u0327a\u0303o", "AÇÃO", "", " ", "a b", "a  b", "a\u00a0b", "\ufeffMETA_WHATSAPP"} {
		doc := []byte(strconv.Quote(v))
		if !bytes.ContainsRune(doc, '\\') { // escapes are "not sure" by design
			if fast, slow := c.Valid(doc), slowValid(s, doc); fast != slow {
				t.Errorf("%s: fast %v, kin-openapi %v", doc, fast, slow)
			}
		}
		if fast, slow := c.ValidString(v), s.VisitJSON(v) == nil; fast != slow {
			t.Errorf("path value %q: fast %v, kin-openapi %v", v, fast, slow)
		}
	}
}

// The fast verdict may only be "valid" where kin-openapi agrees, on the fixture's schemas and
// on the live spec's.
func TestAgreesWithKinOpenAPI(t *testing.T) {
	all := fixture(t)
	for name, s := range liveSchemas(t) {
		all["live "+name] = s
	}
	fastValid := 0
	for name, s := range all {
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
	for name, docs := range plainDocs {
		c, ok := fastschema.Compile(all[name])
		if !ok {
			t.Errorf("fixture schema %s has no fast path", name)
			continue
		}
		for _, doc := range docs {
			if !c.Valid([]byte(doc)) {
				t.Errorf("%s: plain document %s is not on the fast path", name, doc)
			}
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
	type pair struct {
		name string
		slow *openapi3.Schema
		fast *fastschema.Schema
	}
	var schemas []pair
	add := func(prefix string, m map[string]*openapi3.Schema) {
		for name, s := range m {
			if c, ok := fastschema.Compile(s); ok {
				schemas = append(schemas, pair{prefix + name, s, c})
			}
		}
	}
	add("", fixture(f))
	add("live ", liveSchemas(f))
	slices.SortFunc(schemas, func(a, b pair) int { return bytes.Compare([]byte(a.name), []byte(b.name)) })
	f.Fuzz(func(t *testing.T, doc string) {
		for _, s := range schemas {
			if s.fast.Valid([]byte(doc)) && !slowValid(s.slow, []byte(doc)) {
				t.Fatalf("%s: fast says valid, kin-openapi says invalid: %q", s.name, doc)
			}
		}
	})
}

func BenchmarkValidRequestBody(b *testing.B) {
	for _, name := range []string{"Connect", "Create"} {
		b.Run(name, func(b *testing.B) {
			c, _ := fastschema.Compile(fixture(b)[name])
			doc := []byte(plainDocs[name][0])
			b.ReportAllocs()
			for b.Loop() {
				if !c.Valid(doc) {
					b.Fatal("invalid")
				}
			}
		})
	}
}
