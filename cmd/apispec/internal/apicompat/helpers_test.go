package apicompat_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/hubmessage/hubmessage-go/cmd/apispec/internal/apicompat"
	"github.com/hubmessage/hubmessage-go/openapi"
)

// repoRoot is the module root, from this package's directory.
const repoRoot = "../../../.."

// baseFile is the frozen spec every case starts from (three operations, version 1.0.0). Tests
// never read the live spec to build a variant: it is meant to change.
const baseFile = "testdata/base.yaml"

// Paths of the fixture's operations.
const (
	connectPath    = "/v1/channels/{channelId}/connect"
	disconnectPath = "/v1/channels/{channelId}/disconnect"
)

// A variant changes the parsed fixture. Each one fails the test if what it changes is missing,
// so a case cannot silently test the unchanged fixture. Variants do not re-validate examples.
type variant func(testing.TB, *openapi3.T)

// version sets info.version.
func version(v string) variant {
	return func(_ testing.TB, doc *openapi3.T) { doc.Info.Version = v }
}

// component returns the schema components/schemas/name.
func component(t testing.TB, doc *openapi3.T, name string) *openapi3.Schema {
	t.Helper()
	ref := doc.Components.Schemas[name]
	if ref == nil {
		t.Fatalf("%s: no schema %s", baseFile, name)
	}
	return ref.Value
}

// property returns the property prop of components/schemas/name.
func property(t testing.TB, doc *openapi3.T, name, prop string) *openapi3.Schema {
	t.Helper()
	ref := component(t, doc, name).Properties[prop]
	if ref == nil {
		t.Fatalf("%s: schema %s has no property %s", baseFile, name, prop)
	}
	return ref.Value
}

// connect returns the fixture's POST connect operation.
func connect(t testing.TB, doc *openapi3.T) *openapi3.Operation {
	t.Helper()
	item := doc.Paths.Value(connectPath)
	if item == nil || item.Post == nil {
		t.Fatalf("%s: no POST %s", baseFile, connectPath)
	}
	return item.Post
}

// The variants the cases share, named after what they change.
var (
	rewordResult variant = func(t testing.TB, doc *openapi3.T) {
		component(t, doc, "ConnectResponse").Description = "What a connect call returns."
	}
	addOptionalNote variant = func(t testing.TB, doc *openapi3.T) {
		component(t, doc, "ConnectRequest").Properties["note"] = openapi3.NewSchemaRef("", openapi3.NewStringSchema())
	}
	requireNote variant = func(t testing.TB, doc *openapi3.T) {
		s := component(t, doc, "ConnectRequest")
		s.Required = append(s.Required, "note")
	}
	addConnectedAt variant = func(t testing.TB, doc *openapi3.T) {
		component(t, doc, "ConnectResponse").Properties["connectedAt"] = openapi3.NewSchemaRef("", openapi3.NewStringSchema())
	}
	successOptional variant = func(t testing.TB, doc *openapi3.T) {
		component(t, doc, "ConnectResponse").Required = nil
	}
	removeSuccess variant = func(t testing.TB, doc *openapi3.T) {
		property(t, doc, "ConnectResponse", "success") // must exist
		s := component(t, doc, "ConnectResponse")
		s.Required = nil
		delete(s.Properties, "success")
	}
	narrowWabaPattern variant = func(t testing.TB, doc *openapi3.T) {
		property(t, doc, "ConnectRequest", "wabaId").Pattern = "^[1-9][0-9]*$"
	}
	coexistenceAsString variant = func(t testing.TB, doc *openapi3.T) {
		property(t, doc, "ConnectRequest", "coexistence").Type = &openapi3.Types{openapi3.TypeString}
	}
	renameConnectPath variant = func(t testing.TB, doc *openapi3.T) {
		connect(t, doc)
		doc.Paths.Set("/v2/channels/{channelId}/connect", doc.Paths.Value(connectPath))
		doc.Paths.Delete(connectPath)
	}
	removeDisconnect variant = func(t testing.TB, doc *openapi3.T) {
		if doc.Paths.Value(disconnectPath) == nil {
			t.Fatalf("%s: no path %s", baseFile, disconnectPath)
		}
		doc.Paths.Delete(disconnectPath)
	}
	remove404 variant = func(t testing.TB, doc *openapi3.T) {
		responses := connect(t, doc).Responses
		if responses.Value("404") == nil {
			t.Fatalf("%s: connect documents no 404", baseFile)
		}
		responses.Delete("404")
	}
	add409 variant = func(t testing.TB, doc *openapi3.T) {
		connect(t, doc).Responses.Set("409", &openapi3.ResponseRef{
			Ref: "#/components/responses/Error", Value: doc.Components.Responses["Error"].Value})
	}
	renameConnectID variant = func(t testing.TB, doc *openapi3.T) { connect(t, doc).OperationID = "connectMetaChannel" }
)

// addRequiredNote adds a required request property "note".
func addRequiredNote(t testing.TB, doc *openapi3.T) {
	addOptionalNote(t, doc)
	requireNote(t, doc)
}

// errorMessagePattern sets a pattern on the error body's message.
func errorMessagePattern(p string) variant {
	return func(t testing.TB, doc *openapi3.T) { property(t, doc, "Error", "message").Pattern = p }
}

// readBase returns the fixture's bytes.
func readBase(t testing.TB) []byte {
	t.Helper()
	data, err := os.ReadFile(baseFile)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// parseBase parses the fixture as file and applies the variants in order.
func parseBase(t testing.TB, file string, variants ...variant) *openapi3.T {
	t.Helper()
	doc, err := openapi.Parse(file, readBase(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range variants {
		v(t, doc)
	}
	return doc
}

// spec is the fixture with the variants applied, as read from file.
func spec(t testing.TB, file string, variants ...variant) *apicompat.Spec {
	t.Helper()
	doc := parseBase(t, file, variants...)
	v, err := apicompat.ParseVersion(doc.Info.Version)
	if err != nil {
		t.Fatal(err)
	}
	return &apicompat.Spec{File: file, Version: v, Doc: doc}
}

// specFile is the text of the fixture with the variants applied: the fixture itself without
// variants, else the changed document as JSON (which is YAML too).
func specFile(t testing.TB, variants ...variant) []byte {
	t.Helper()
	if len(variants) == 0 {
		return readBase(t)
	}
	data, err := json.Marshal(parseBase(t, baseFile, variants...))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// repoPolicy is the repository's own severity file, and the given acknowledgements.
func repoPolicy(t testing.TB, acks string) apicompat.Policy {
	t.Helper()
	file := filepath.Join(repoRoot, "openapi", "breaking-severity.txt")
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	severity, err := apicompat.ParseSeverity(file, data)
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := apicompat.ParseAcknowledgements("breaking-ignore.txt", []byte(acks))
	if err != nil {
		t.Fatal(err)
	}
	return apicompat.Policy{Severity: severity, Acknowledgements: parsed, AcknowledgementsFile: "breaking-ignore.txt"}
}
