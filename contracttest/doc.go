// Package contracttest checks HTTP traffic against an OpenAPI 3.0 spec (by default the Hub
// Message one, package openapi), in plain Go and `go test`, in place of Prism, Schemathesis or
// Dredd. Three lines add it to a test that talks to the API or to a fake of it:
//
//	httpClient := &http.Client{Transport: contracttest.Transport(t, http.DefaultTransport)}
//	handler = contracttest.MustNew(t).Middleware(handler, contracttest.WithTB(t))
//	cov, _ := contracttest.NewCoverage(nil) // + WithCoverage(cov) on both; then cov.Require(t)
//
// A violation fails the test naming the side, the operation, the location and the reason:
//
//	contract violation: connectMetaChannel response: body /success: property "success" is missing
//
// # Validator
//
// A [Validator] ([New], [NewForSpec], [MustNew]) is safe for concurrent use; those from New
// share what they compile from the embedded spec. kin-openapi's openapi3filter is the one
// validator: requests (route, parameters, bearer security, body) and responses (a documented
// status, Content-Type, headers, body), every problem reported at once as [Violations], each
// located ("body /wabaId", "path parameter channelId", "header Authorization", "status") and
// unwrapping to kin-openapi's errors. Validation never changes the request.
//
// One router serves every check: net/http.ServeMux, one pattern per operation. A literal
// segment beats a template (/items/latest before /items/{id}); the path is matched segment by
// segment as sent, so an encoded slash (%2F) stays inside its segment; a path that matches
// under another method is a 405 whose Allow lists the path's methods.
//
// A JSON request body must read the same to the validator as to a Go handler decoding it with
// encoding/json, which matches keys in any case, keeps the last of two, and turns invalid
// UTF-8 into U+FFFD: a duplicate key, a key that differs only in case from a declared
// property, invalid UTF-8, half a surrogate pair or data after the value is a violation.
//
// # Transport and Middleware
//
// [Transport] validates the request before it is sent and the response after it arrives,
// sending the request unchanged. [Validator.Middleware] (or [Middleware] for a chain) wraps a
// handler. In [Enforce] mode, the default, an invalid request is answered with the error body
// the spec documents for the status ([WithRejectFunc] for another): 404, 405 with Allow, 401
// (before any body check), 413 over [DefaultMaxBody], 408 for a body not received within
// [DefaultBodyTimeout], 400 for the rest; an invalid response is replaced by a 500. A request
// it passes on carries its route ([RouteOf]) and the body value it validated, so the handler
// neither routes nor decodes again. [ReportOnly] only reports ([WithTB], [OnViolation]).
// Bodies are buffered up to [DefaultMaxBody]; a longer response passes unvalidated, reported.
//
// net/http answers some requests before any handler, in text/plain: 431 for headers over
// MaxHeaderBytes, 400 for a malformed request line or header, 505, 501 and 417.
//
// # Coverage, Cases and Verify
//
// A [Coverage] records which documented (operationId, response) pairs were exercised, by the
// handler itself (not the middleware's rejections); [Coverage.Require] names the missing ones.
//
// [Cases] generates requests for every operation, named "<check>/<operationId>/<detail>" after
// Schemathesis's checks: positive_data_acceptance, ignored_auth, negative_data_rejection,
// unsupported_method and unknown_path. [Verify] runs them against a server and checks every
// response (status_code_conformance, content_type_conformance, response_schema_conformance,
// not_a_server_error); cases that change state run only with VerifyOptions.Positive, and the
// stateful checks along the spec's links only with VerifyOptions.Stateful. A [Report] is
// written as text, JSON or JUnit XML, or fails a test ([Report.Require]); a rejected key or a
// run where nothing ran is a [Report.SetupError], never a pass. Every failure has a curl line
// ([Result.Curl]); the Secret Key and single-use values never appear in a report.
// [Report.WriteRegressionTest] turns the failures into a Go test that replays them.
//
// # Proxy, recordings and replay
//
// [Validator.Proxy] is a reverse proxy to an upstream that checks every exchange as
// [Validator.Middleware] does, in [ReportOnly] mode by default; [EnforceRequests] keeps invalid
// requests from the upstream but passes its answers on unchanged, reported. The Authorization
// header goes upstream untouched; an upstream that gives no answer gets the client a 502 in the
// spec's error shape and goes to [OnUpstreamError], not to the violations, the recording or
// the [Coverage]. [OnExchange] hands over each exchange with its violations.
//
// A [Recorder] ([WithRecorder]) appends exchanges as JSON Lines as they end, the Authorization
// header and every value named "code" (or [WithRedact]'s names) replaced at write time by a
// stable placeholder ("<code-1>"), so the same code is recognisable and never kept;
// [ReadRecording] reads a recording back, and [Recorder.Redact] with
// [RecordedExchange.SentRequest] gives a curl line with no secret.
//
// [Replay] sends a recording's requests in order to a server and compares each answer with
// the recorded one: the status, an error's message and the body's shape. Ids the recorded
// service chose are mapped to the server's (the spec's links, else a 201's "id"), each
// "<code-N>" gets a value from a [CodeSource] (the same placeholder, the same value), an id
// used but never created is created first, and an exchange whose answer cannot be compared
// (a redacted value, a withheld body, what [ReplayOptions].NotComparable names) is not sent.
// The [FidelityReport] gives a verdict per exchange, a table by operation and the fidelity
// (identical ÷ comparable), as text, JSON or JUnit; a server that refused the key or never
// answered is a [FidelityReport.SetupError], never a pass.
package contracttest
