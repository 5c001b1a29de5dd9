// Package gen is generated from ../openapi/hubmessage.yaml: models, a client and strict server
// stubs on net/http by oapi-codegen, and, by cmd/genconstraints, the input rules of
// every operation (Operations, keyed by operationId) that client/ checks before sending. Do not
// edit it; change the spec and run `make generate`.
package gen

//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config oapi-codegen.yaml ../openapi/hubmessage.yaml
//go:generate go run ../cmd/genconstraints -o constraints.gen.go
