// Package mockserver is the reference server of the Hub Message API: a stateful, in-memory
// stand-in that behaves as openapi/hubmessage.yaml documents, for tests, CI and demos (a real
// `code` is single-use and lives 30 seconds). Each operation is one method of [Server]
// (gen.StrictServerInterface), whose doc gives its answers in the order it checks them;
// contracttest's middleware validates every request before and every response after, and
// [Server.ServeHTTP] gives the steps between. Every error is {"error":N,"message":"..."}.
//
// In a test, mocktest.Start (package [github.com/hubmessage/hubmessage-go/mockserver/mocktest])
// runs it on httptest; elsewhere [New] returns a [Server], an http.Handler, and [Server.Serve]
// runs it on a listener; `hubmessage mock` runs it standalone.
//
// The rest is documented where it is implemented: channels (ids match in any case) at [New]
// and [WithChannel]; the account at [WithEnterpriseRole] and [WithSubscription]; codes at
// [ExpiredCodePrefix], [Server.IssueCode] and [WithStrictCodes]; failures and scripted answers
// at [Server.FailUpstream] and [Server.QueueResponses]; the Prefer header at [Examples]; the
// test-only endpoints under /_mock/ at [TestEndpoints]; one server shared by many CI jobs at
// [WithSandbox] and [SandboxConfig]; logs and limits at [WithLogger], [WithMaxBodyBytes],
// [WithMaxConns] and [MaxQueuedResponses].
// The Go API acts on the server's own Secret Key's state ([Server.SecretKey]).
//
// A Server is safe for concurrent use by multiple goroutines; each call is atomic.
package mockserver
