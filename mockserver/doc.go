// Package mockserver is the reference server of the Hub Message API: a stateful, in-memory
// stand-in for the real API that behaves as openapi/hubmessage.yaml documents it, operation by
// operation. Tests, CI and demos run against it because the real API cannot be called from
// there: a real `code` is single-use and lives 30 seconds.
//
// It is built on the strict server stubs in package gen: each operation of the spec is one
// method of [Server] (gen.StrictServerInterface, so the compiler names a missing one). It
// answers only what the spec documents: every request is validated against the spec (package
// contracttest) before the method runs, the method binds the body by exact member names (as
// the validator reads them), and every rejection carries the spec's error body,
// {"error":N,"message":"..."}.
//
// # Starting it
//
// In a test, mocktest.Start (package [github.com/hubmessage/hubmessage-go/mockserver/mocktest])
// runs it on httptest and closes it when the test ends:
//
//	ts := mocktest.Start(t)
//	// call ts.URL + "/v1/channels/" + mockserver.ChannelUUID + "/connect"
//	// with "Authorization: Bearer " + ts.SecretKey
//
// Elsewhere, [New] returns a [Server], an http.Handler; [Server.Serve] runs it on a listener
// until its context is cancelled. The command `hubmessage mock` runs it standalone.
//
// # Channels
//
// The server starts with three channels: [ChannelUUID] and [ChannelHex] (META_WHATSAPP, one in
// each id form the API uses) and [ChannelInstagram] (META_INSTAGRAM). [WithChannel] and
// [Server.AddChannel] add more. Channel ids are matched case-insensitively.
//
// # Behaviour
//
// After validation (400), authentication (401) and the Prefer header (below), a connect call
// (POST /v1/channels/{channelId}/connect) is checked in this order:
//
//  1. unknown channel: 404 "Channel not found";
//  2. channel not META_WHATSAPP: 422 CHANNEL_TYPE_NOT_SUPPORTED;
//  3. code already accepted, on any channel: 422 CODE_ALREADY_USED;
//  4. code expired ([Server.ExpireCode], or a code starting with [ExpiredCodePrefix]):
//     422 CODE_EXPIRED;
//  5. channel already connected: 422 INSTANCE_STILL_CONNECTED (the vendor's own code; call
//     [Server.Disconnect] to connect it again);
//  6. upstream failure ([Server.FailUpstream], or a code starting with [UpstreamErrorPrefix]):
//     502 "Integration error";
//  7. otherwise the code is consumed, the channel records wabaId, phoneId and coexistence
//     (see [Server.Channel]) and the answer is 200 {"success":true}.
//
// An expired code or an upstream failure neither consumes the code nor connects the channel.
// Codes are compared exactly (the magic prefixes too); the server keeps only their SHA-256.
//
// # Prefer header
//
// As with Prism's mock, `Prefer: code=404` answers that documented status with its example
// (the first by name when it has several),
// `Prefer: example=codeExpired` answers a named example, and both combine:
// `Prefer: code=422, example=instanceStillConnected`. Statuses and examples are read from the
// spec, for whichever operation the request is: a response's named `examples`, its lone
// `example` (named "example"), or for a status documented without content (such as 204) an
// empty answer (named "noContent"); `default` is reached with the status of its example
// (code=500). An undocumented status or unknown example is a 400 that says so. Prefer applies
// only to a valid, authorised request and never changes state.
//
// # Rejections
//
// Invalid JSON, a missing or ill-typed field, a pattern violation, a bad channel id or a wrong
// content type: 400, naming the location. So is a body that the validator and encoding/json
// would read differently: a repeated member, a case variant of a member's name ("CODE" beside
// "code"), a string that is not UTF-8. No or wrong Secret Key: 401 "Unauthorized". Body
// over the limit ([WithMaxBodyBytes], 64 KiB by default): 413. Unknown path: 404. Wrong
// method: 405 with an Allow header. All in the error shape above.
//
// # Logs
//
// [WithLogger] logs one line per request: method, path template, status and duration. The
// Secret Key and the code are never logged.
//
// A Server is safe for concurrent use by multiple goroutines.
package mockserver
