//go:build tools

// Package tools pins the versions of the tools this module runs with `go run`: the code
// generator, so `make generate` is byte-stable, and benchstat, so `make bench` compares the
// same way everywhere. It is never part of a build.
package tools

import (
	_ "github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen"
	_ "golang.org/x/perf/cmd/benchstat"
)
