// Package mockserver is the reference server of the Hub Message API: a stateful, in-memory
// stand-in for the real API that behaves as openapi/hubmessage.yaml documents it, operation by
// operation, through the channel lifecycle (create, connect, disconnect, delete). Tests, CI
// and demos run against it because the real API cannot be called from there: a real `code` is
// single-use and lives 30 seconds.
//
// It is built on the strict server stubs in package gen: each operation of the spec is one
// method of [Server] (gen.StrictServerInterface, so the compiler names a missing one). It
// answers only what the spec documents: every request is routed and validated once, by
// package contracttest's middleware, before the method runs; the method acts on exactly the
// value the validator checked (gen's handler for the route binds it by exact member names);
// every response is validated after it, and every rejection carries the spec's error body,
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
// [Server.AddChannel] add more; create (below) adds them as a client does. Channel ids are
// matched case-insensitively.
//
// # The lifecycle
//
// After validation (400), authentication (401), the Prefer header and queued answers (below),
// each operation checks, in this order:
//
// Create (POST /v1/channels, any [ChannelTypes]):
//
//  1. no ENTERPRISE role: 422 "This action requires ENTERPRISE role";
//  2. otherwise 201 {"id":ID}, ID being 32 upper-case hexadecimal digits from crypto/rand that
//     no channel of the account has or had.
//
// Connect (POST /v1/channels/{channelId}/connect):
//
//  1. unknown or deleted channel: 404 "Channel not found";
//  2. channel not META_WHATSAPP: 422 CHANNEL_TYPE_NOT_SUPPORTED;
//  3. code already accepted, on any channel: 422 CODE_ALREADY_USED;
//  4. code expired: one issued by the server ([Server.IssueCode]) past its [CodeLifetime],
//     or made expired ([Server.ExpireCode], or a code starting with [ExpiredCodePrefix]),
//     or with [WithStrictCodes] one the server did not issue: 422 CODE_EXPIRED;
//  5. channel already connected: 422 INSTANCE_STILL_CONNECTED (disconnect it first);
//  6. upstream failure ([Server.FailUpstream], or a code starting with [UpstreamErrorPrefix]):
//     502 "Integration error";
//  7. otherwise the code is consumed, the channel records wabaId, phoneId and coexistence
//     (see [Server.Channel]) and the answer is 200 {"success":true}.
//
// Disconnect (PUT /v1/channels/{channelId}/disconnect):
//
//  1. unknown or deleted channel: 404 "Channel not found";
//  2. upstream failure ([Server.FailUpstream]): 502 "Integration error";
//  3. otherwise the connection is cleared (wabaId, phoneId, coexistence) and the answer is
//     200 with the body true. A channel that is not connected (of any type) gets the same
//     answer: the vendor documents no business-rule error for disconnect, and the spec reads
//     true as "not connected now", so disconnect is idempotent.
//
// Delete (DELETE /v1/channels/{channelId}, body optional: {"cancelReason":"..."}, not kept):
//
//  1. unknown or already deleted channel: 404 "Channel not found";
//  2. no ENTERPRISE role: 422 "Channel deletion requires ENTERPRISE role";
//  3. channel connected: 422 INSTANCE_STILL_CONNECTED;
//  4. subscription active (PAID or CANCELLATION_PROCESS, see [Server.SetSubscription]):
//     422 INSTANCE_HAS_ACTIVE_SUBSCRIPTION;
//  5. upstream failure ([Server.FailUpstream]): 502 "Hermitage deleteChannel failed";
//  6. otherwise 204. The id then answers 404 to every operation, for good: it is never
//     resurrected ([Server.AddChannel] refuses it) nor issued again.
//
// A refused or failed call changes nothing: an expired code or an upstream failure neither
// consumes the code nor connects the channel. Codes are compared exactly (the magic prefixes
// too); the server keeps only the SHA-256 of the codes connect accepted or ExpireCode named,
// and nothing of those it issued. Each call is atomic: concurrent calls on one channel behave
// as if made one after another.
//
// # Codes with a life
//
// [Server.IssueCode] (or POST /_mock/codes, below) hands out a code the way Embedded Signup
// does: it connects once within [CodeLifetime], 30 seconds on the server's clock; after that,
// 422 CODE_EXPIRED; a second time, 422 CODE_ALREADY_USED. The clock is time.Now unless
// [WithClock] gives another, and [Server.AdvanceClock] moves it forward, so a test expires a
// code at once (or, under testing/synctest, with time.Sleep(mockserver.CodeLifetime)):
//
//	code, _ := ts.Server.IssueCode()
//	ts.Server.AdvanceClock(mockserver.CodeLifetime)
//	// connect with code: 422 CODE_EXPIRED
//
// A code the server did not issue (any string the spec allows) connects once, as ever,
// unless [WithStrictCodes]: then it is answered CODE_EXPIRED, the closest answer the spec
// documents for a code Meta will not exchange ([WithStrictCodes] says why). The magic codes keep their meaning.
//
// # Scenarios
//
// [Server.QueueResponses] (or POST /_mock/scenarios) queues the next answers of an operation,
// for any channel or for one, so a client's retry and error paths can be tested in order:
// QueueResponses("connectMetaChannel", "", 502, 502) answers the next two connects 502 and the
// third as the lifecycle says. Only statuses the spec documents for the operation can be
// queued; each is answered with the spec's example for it (as `Prefer: code=N`), a 503 with
// "Retry-After: 1". A queued answer is given only to a valid, authorised request without a
// Prefer header, and it changes no state.
//
// # Test-only endpoints
//
// Tests in other languages, and the jobs of a shared sandbox, reach the same through HTTP,
// under /_mock/. These endpoints are not part of the API and not in its spec: the real API
// has none of them, they are never validated against the spec and never counted in its
// coverage. They take `Authorization: Bearer <Secret Key>` like the API (in sandbox mode any
// well-formed key, acting on that key's state only), a JSON body with exactly the members
// shown, and answer JSON; every error has the API's shape, {"error":N,"message":"..."}
// (400 naming the member, 401, 404, 405, 408, 413, and 503 for a full sandbox):
//
//	POST /_mock/codes                        201 {"code":"...","expiresAt":"<RFC 3339>"}
//	POST /_mock/clock {"advance":"31s"}      200 {"now":"<RFC 3339>"}  ("0s" reads the clock)
//	POST /_mock/scenarios {"operationId":"connectMetaChannel","channelId":"<id>","statuses":[502,502]}
//	                                         201 {"operationId":...,"channelId":...,"pending":[502,502]}
//
// channelId is optional (any channel); pending lists every status then queued for that
// operation and channel. [TestEndpoints] lists them.
//
// # ENTERPRISE role and subscriptions
//
// The account has the ENTERPRISE role unless [WithEnterpriseRole](false) or
// [Server.SetEnterpriseRole](false) takes it away. A channel has no subscription unless
// [WithSubscription] or [Server.SetSubscription] gives it one ([SubscriptionStatus]).
//
// # Shared sandbox
//
// [WithSandbox] makes one server a sandbox that many CI jobs share: it accepts any
// well-formed Secret Key and keeps a separate state per key (its own channels, codes,
// deletions, seeded channels, role and subscriptions, each starting as the options set them,
// and its own clock offset, issued codes and queued answers),
// so no key sees another's. A key's state is dropped after [SandboxConfig].IdleTimeout without
// a request (on the server's clock, without any key's offset); past [SandboxConfig].MaxKeys keys, a request with a new key is answered 503
// "sandbox is full: N Secret Keys active; retry after Ns, ..." with Retry-After, the seconds
// until the least recently used key expires (the spec's ServiceUnavailable response). Keys
// are held only as SHA-256 digests. The Go API acts on the server's own key
// ([Server.SecretKey]), which never expires and is not counted.
//
// # Prefer header
//
// As with Prism's mock, `Prefer: code=404` answers that documented status with its example
// (the first by name when it has several), `Prefer: example=codeExpired` answers a named
// example, and both combine: `Prefer: code=422, example=instanceStillConnected`. The answers
// are [Examples]' (which also serves any other spec's examples, for tests): an undocumented
// status or unknown example is a 400 that says so. Prefer applies only to a valid, authorised
// request and never changes state (nor, in a sandbox, starts a key's state). The answer is the
// example alone: a 503 carries no Retry-After, so a client does not retry it (a queued 503
// carries one, see Scenarios).
//
// # Rejections
//
// Every request to the API's paths is checked against the spec. Invalid JSON, a missing or
// ill-typed field, a pattern, length or enum violation, a bad
// channel id or a wrong content type: 400, naming the location. So is a body that the
// validator and encoding/json would read differently: a repeated member, a case variant of a
// member's name ("CODE" beside "code"), a string that is not UTF-8. No or wrong Secret Key:
// 401 "Unauthorized". Body over the limit ([WithMaxBodyBytes], 64 KiB by default): 413; not
// received within contracttest's body timeout: 408. Unknown path: 404. Wrong method: 405
// with an Allow header. All in the error shape above.
//
// # Logs
//
// [WithLogger] logs one line per request at level Debug (method, path template, status,
// duration), and above it what an operator should know: a sandbox's new key (Info), a sandbox
// that has become full (Warn), a response that broke the contract, a bug here (Error). The
// Secret Key and the code are never logged.
//
// A Server is safe for concurrent use by multiple goroutines.
package mockserver
