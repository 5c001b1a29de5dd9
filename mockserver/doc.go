// Package mockserver is the reference server of the Hub Message API: a stateful, in-memory
// stand-in that behaves as openapi/hubmessage.yaml documents, through the channel lifecycle
// (create, connect, disconnect, delete). Tests, CI and demos run against it because the real
// API cannot be called from there: a real `code` is single-use and lives 30 seconds.
//
// Each operation of the spec is one method of [Server] (gen.StrictServerInterface), whose doc
// gives its answers in the order it checks them. Package contracttest's middleware validates
// every request before the method runs and every response after it; [Server.ServeHTTP] gives
// the steps between. Every error is the spec's {"error":N,"message":"..."}.
//
// # Starting it
//
// In a test, mocktest.Start (package [github.com/hubmessage/hubmessage-go/mockserver/mocktest])
// runs it on httptest until the test ends:
//
//	ts := mocktest.Start(t)
//	// POST ts.URL + "/v1/channels/" + mockserver.ChannelUUID + "/connect"
//	// with "Authorization: Bearer " + ts.SecretKey
//
// Elsewhere [New] returns a [Server], an http.Handler, and [Server.Serve] runs it on a
// listener; the command `hubmessage mock` runs it standalone.
//
// # Where each behaviour is documented
//
//   - channels: [New] (the seeded ones), [WithChannel], [Server.AddChannel], [Server.Channel]
//   - the account: [WithEnterpriseRole], [WithSubscription] and their Server methods
//   - codes: [ExpiredCodePrefix] and [UpstreamErrorPrefix] (magic codes), [Server.IssueCode]
//     and [Server.AdvanceClock] (codes with a life), [WithStrictCodes]
//   - failures and scripted answers: [Server.FailUpstream], [Server.QueueResponses]
//   - the Prefer header: [Examples]
//   - the test-only HTTP endpoints under /_mock/, for tests in other languages: [TestEndpoints]
//   - one server shared by many CI jobs: [WithSandbox]
//   - logs and limits: [WithLogger], [WithMaxBodyBytes], [MaxQueuedResponses]
//
// The Go API acts on the state of the server's own Secret Key ([Server.SecretKey]). A Server
// is safe for concurrent use by multiple goroutines.
package mockserver
