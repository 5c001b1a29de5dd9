package apicompat_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/hubmessage/hubmessage-go/internal/apicompat"
	"github.com/hubmessage/hubmessage-go/openapi"
)

// repoRoot is the module root, from this package's directory.
const repoRoot = "../.."

// edit is one change to the spec's YAML text; old must occur in it.
type edit struct{ old, new string }

// Edits of the real spec, each small and valid (examples included).
var (
	addOptionalNote = edit{
		"        coexistence:\n          type: boolean\n",
		"        note:\n          type: string\n          description: A free-text note.\n        coexistence:\n          type: boolean\n"}
	successOptional = edit{"      required: [success]\n", ""}
	removeSuccess   = edit{
		"      required: [success]\n      properties:\n        success:\n          type: boolean\n          description: Whether the channel was connected. Only `true` means it was.\n          example: true\n",
		"      properties: {}\n"}
	addConnectedAt = edit{
		"          example: true\n    Error:",
		"          example: true\n        connectedAt:\n          type: string\n          description: When the channel was connected.\n    Error:"}
	narrowWabaPattern = edit{"          pattern: '^[0-9]+$'\n          minLength: 1\n          maxLength: 32\n          example: '428083093730937'",
		"          pattern: '^[1-9][0-9]*$'\n          minLength: 1\n          maxLength: 32\n          example: '428083093730937'"}
	renamePath   = edit{"  /v1/channels/{channelId}/connect:\n", "  /v2/channels/{channelId}/connect:\n"}
	remove404    = edit{"        '404':\n          $ref: '#/components/responses/NotFound'\n", ""}
	add409       = edit{"        '422':\n", "        '409':\n          $ref: '#/components/responses/UnprocessableEntity'\n        '422':\n"}
	renameOpID   = edit{"operationId: connectMetaChannel", "operationId: connectChannel"}
	rewordResult = edit{"description: Result of a connect call.", "description: What a connect call returns."}
)

// requireNote makes the request property "note" required (examples are not re-validated).
func requireNote(doc *openapi3.T) {
	schema := doc.Components.Schemas["ConnectChannelRequest"].Value
	schema.Required = append(schema.Required, "note")
}

// addRequiredNote adds a required request property "note".
func addRequiredNote(doc *openapi3.T) {
	schema := doc.Components.Schemas["ConnectChannelRequest"].Value
	schema.Properties["note"] = openapi3.NewSchemaRef("", openapi3.NewStringSchema())
	schema.Required = append(schema.Required, "note")
}

// version sets info.version.
func version(v string) edit { return edit{"  version: 1.0.0\n", "  version: " + v + "\n"} }

// specYAML applies edits, in order, to the real spec's text.
func specYAML(t testing.TB, edits ...edit) []byte {
	t.Helper()
	s := string(openapi.YAML())
	for _, e := range edits {
		if !strings.Contains(s, e.old) {
			t.Fatalf("spec edit: %q is not in the spec", e.old)
		}
		s = strings.Replace(s, e.old, e.new, 1)
	}
	return []byte(s)
}

// spec parses the real spec with edits applied, then lets mutate change the parsed copy.
func spec(t testing.TB, file string, mutate func(*openapi3.T), edits ...edit) *apicompat.Spec {
	t.Helper()
	s, err := apicompat.ParseSpec(file, specYAML(t, edits...))
	if err != nil {
		t.Fatal(err)
	}
	if mutate != nil {
		mutate(s.Doc)
	}
	return s
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
