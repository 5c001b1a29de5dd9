// Package contracttest checks HTTP traffic against the Hub Message OpenAPI spec (package
// openapi), using kin-openapi's openapi3filter. A [Validator] validates requests and responses
// and reports every problem at once as [Violations], each naming the side, the operation, the
// location and the reason.
package contracttest
