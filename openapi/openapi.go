// Package openapi holds the hand-written OpenAPI 3.0 description of the Hub Message connect
// endpoint, the single source of truth of this module: gen/ is generated from it, client/
// follows its schema rules and contracttest/ checks traffic against it.
package openapi

import (
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
)

//go:embed hubmessage.yaml
var specYAML []byte

// FileName is the name of the embedded spec file, as used in error messages.
const FileName = "openapi/hubmessage.yaml"

// YAML returns a copy of the embedded spec's bytes, exactly as written.
func YAML() []byte { return bytes.Clone(specYAML) }

var loadEmbedded = sync.OnceValues(func() (*openapi3.T, error) {
	return Parse(FileName, specYAML)
})

// Spec returns the embedded spec, parsed and validated once. It is safe for concurrent use;
// every caller shares the same *openapi3.T, which must be treated as read-only.
func Spec() (*openapi3.T, error) { return loadEmbedded() }

// Parse parses and validates an OpenAPI 3.0 document, examples included. The error names
// the file (name) and, where kin-openapi knows it, the path inside the document.
func Parse(name string, data []byte) (*openapi3.T, error) {
	loader := openapi3.NewLoader()
	loader.IsExternalRefsAllowed = false
	doc, err := loader.LoadFromData(data)
	if err != nil {
		return nil, fmt.Errorf("%s: parse: %w", name, err)
	}
	if err := doc.Validate(context.Background(), openapi3.EnableExamplesValidation()); err != nil {
		return nil, fmt.Errorf("%s: invalid: %w", name, err)
	}
	return doc, nil
}
