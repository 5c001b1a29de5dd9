// Package contracttest checks HTTP traffic against the Hub Message OpenAPI spec (package
// openapi), using kin-openapi's openapi3filter. It is a kit for any team that calls or serves
// the API, in plain Go and `go test`, in place of Prism, Schemathesis or Dredd.
//
// Three lines add contract checking to a Go test that talks to the API or to a fake of it:
//
//	httpClient := &http.Client{Transport: contracttest.Transport(t, http.DefaultTransport)}
//	// ... use httpClient (or a client built on it) as usual: every exchange is checked ...
//	handler = contracttest.MustNew(t).Middleware(handler, contracttest.WithTB(t))
//
// A violation fails the test with a message naming the side, the operation, the location and
// the reason, for example:
//
//	contract violation: connectMetaChannel response: body /success: property "success" is missing
//
// # Validator
//
// A [Validator] is built from the spec ([New], [NewForSpec], or [MustNew] in tests) and is
// safe for concurrent use. What it compiles from a document is shared by every Validator of
// that document, so one per test or per Secret Key costs little. [Validator.ValidateRequest]
// checks the route, parameters, bearer security and body; [Validator.ValidateResponse] checks
// that the status is documented (or covered by default), and the Content-Type, headers and
// body. Every problem is reported at once as [Violations]; each [Violation] has a Location such
// as "body /wabaId", "path parameter channelId", "header Authorization", "header Content-Type"
// or "status". Validation never changes the request: no defaults are injected and the body is
// put back unread. Violations unwrap to kin-openapi's errors (routers.ErrPathNotFound,
// routers.ErrMethodNotAllowed, *openapi3filter.SecurityRequirementsError) for errors.Is and
// errors.As. With [WithSecretKey] only that bearer token is accepted; without it any
// well-formed one is.
//
// One router serves every check. As OpenAPI says and Go's net/http.ServeMux does, a literal
// path segment beats a template (/items/latest before /items/{id}). The path is matched
// first, then the method: a path that does not document the method is a 405 whose Allow lists
// the path's methods. The path is matched as sent, segment by segment: an encoded slash (%2F)
// is part of its segment, so /v1/channels/x%2Fconnect is not the connect operation. Path
// parameters reach kin-openapi unescaped.
//
// A JSON request body must read the same to the validator as to a Go handler decoding it with
// encoding/json, which matches keys to fields in any case and turns invalid UTF-8 into U+FFFD.
// So a body that kin-openapi accepts is rejected if an object has a duplicate key or a key
// that differs only in case from a declared property ("body /CODE: key differs only in case
// from the declared property "code"), or a string has invalid UTF-8 or half a UTF-16
// surrogate pair.
//
// # Transport
//
// [Transport] wraps any http.RoundTripper: the request is validated before it is sent and the
// response after it arrives. Violations fail the given [TB] (a *testing.T) or go to
// [OnViolation]. The request is sent unchanged. The response body is buffered up to
// [DefaultMaxBody] (1 MiB, see [WithMaxBody]) and the caller reads an equivalent body; a longer
// one is passed on whole, streaming, unvalidated, and that is reported.
//
// # Middleware
//
// [Validator.Middleware] (or [Middleware] for a chain) wraps a server's handler. In [Enforce]
// mode, the default, an invalid request is answered with the error body the spec documents for
// the status (for this API {"error":<status>,"message":"..."}; for a spec documenting RFC 7807
// problem+json, that; see [WithRejectFunc]): 404 for an unknown path, 405 with Allow for an
// undocumented method, 401 for a missing or wrong token (before any body check), 413 for a body
// over the limit, 408 for a body not received within [DefaultBodyTimeout] (10 s, see
// [WithBodyTimeout]), 400 for everything else with every problem in the message;
// [WithRejectFunc] writes rejections your way. The handler's response is buffered and
// validated; an invalid one is reported and replaced by a 500 error body. In [ReportOnly] mode
// nothing is rejected or replaced; violations are only reported ([WithTB], [OnViolation]).
//
// Some requests never reach a handler, so neither the middleware nor the spec's error shape
// applies: net/http's server answers them itself, in text/plain, and closes the connection.
// They are 431 Request Header Fields Too Large for headers over the server's MaxHeaderBytes
// (1 MB by default), 400 Bad Request for a malformed request line, header or Host, 505 for an
// unsupported HTTP version, 501 for an unknown Transfer-Encoding and 417 for an Expect header
// other than 100-continue.
//
// # Coverage
//
// A [Coverage] records which documented (operationId, response) pairs were exercised: a status
// counts for itself when documented, else for "default". [Coverage.Missing] lists the others
// and [Coverage.Require] fails a test naming them. Plug it into Transport or Middleware with
// [WithCoverage], or into Verify. The middleware counts what the wrapped handler answered, not
// its own rejections nor the 500 it puts in place of an invalid response. It is safe for
// concurrent use.
//
// # Cases
//
// [Cases] generates requests for every operation of the spec, named
// "<check>/<operationId>/<detail>" after Schemathesis's checks and unique across the spec:
// positive_data_acceptance (valid requests from the examples or schemas; they change state),
// ignored_auth (want 401), negative_data_rejection (each rule of the parameter and body
// schemas broken in turn, malformed JSON, a wrong Content-Type; want 4XX),
// unsupported_method (want 405 with Allow) and unknown_path (want 404), the last two only
// where the spec's router finds no operation. [CaseOptions] Values set any parameter or body
// property by name.
//
// # Verify
//
// [Verify] runs those cases against a live server at a base URL and checks every response with
// status_code_conformance, content_type_conformance, response_schema_conformance and
// not_a_server_error as well as the case's own expectation. It is safe by default: the cases
// that can change state run only with VerifyOptions.Positive, and the stateful checks that
// follow the spec's links (create, use, delete; [CodeSource] for single-use values) only
// with VerifyOptions.Stateful. The [Report] is written as text, JSON or JUnit XML, or fails a
// test with [Report.Require]. Neither the Secret Key nor a single-use value is ever written
// to a report: a server echoing one back is shown as [REDACTED].
//
// A verdict a CI can trust: Verify needs the Secret Key ([ErrNoSecretKey]) unless
// VerifyOptions.NoAuth asks for the cases that send none; a case that sent the key and got 401
// or 403, or a run where no case ran, is a [Report.SetupError] and the report has not passed,
// whatever its counts; [Report.Validated] counts the data cases that reached the server's own
// validation ([Result.ReachedValidation]). Every failure is reproducible: its [Result.Curl] is
// a shell command naming the key "$HUBMESSAGE_SECRET_KEY", and [Report.WriteGoTest] writes a Go
// test replaying the failed exchanges against the reference server. The command
// `hubmessage verify` runs Verify from the command line.
package contracttest
