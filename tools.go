//go:build tools

// Package tools pins the versions of the code generators this module runs with `go run`,
// so `make generate` is byte-stable. It is never part of a build.
package tools

import (
	_ "github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen"
)
