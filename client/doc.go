// Package client is the Go client of the Hub Message channel API, for backends: create,
// connect, disconnect and delete channels. It wraps the generated package gen with what
// callers need: checked options, input validated against the spec before sending, typed
// errors, and retries that never repeat a request the API may have processed.
//
//	c, err := client.New(os.Getenv("HUBMESSAGE_SECRET_KEY"))
//	if err != nil { return err }
//	var req client.ConnectRequest // the browser SDK's payload
//	if err := json.Unmarshal(payload, &req); err != nil { return err }
//	_, err = c.ConnectChannel(ctx, channelID, req)
//
// A [Client] is safe for concurrent use by multiple goroutines; create one and share it.
//
// # Authentication
//
// [New] takes the Secret Key from the Hub Message Security panel and sends it as
// "Authorization: Bearer <key>". It belongs on a backend only (the browser SDK uses the Public
// Key). The key never appears in an error, nor in any fmt verb applied to a Client. Requests
// go over https, or plain http to a loopback host for tests; [WithInsecureHTTP] allows any
// http host. Redirects are never followed, so the key and the code go nowhere but the base
// URL; a 3xx reaches the caller as an [*APIError].
//
// # Operations
//
// A channel's lifecycle is four methods, one per operation of the spec (each method's doc
// names its route, "API: POST /v1/…"):
//
//   - [Client.CreateChannel] creates a channel of a [ChannelType] and returns its ID (needs
//     the account's ENTERPRISE role);
//   - [Client.ConnectChannel] connects a META_WHATSAPP channel to the number the user picked
//     in the browser SDK;
//   - [Client.DisconnectChannel] disconnects it again;
//   - [Client.DeleteChannel] deletes it for good, with an optional reason ([DeleteOptions]);
//     it is refused while the channel is connected, and every call on its ID then answers
//     404.
//
// Every method goes through one generic call path. The method only says which generated
// rules its input must meet, which retry rule applies, how gen builds its request and how
// gen's parser reads its response; the call path does the rest, the same for every
// operation:
//
//   - the input, as it will be sent (parameters as URL text, the body as JSON), is checked
//     against the rules gen generates from the spec for that operation (gen.Operations);
//   - every request carries the Secret Key, the User-Agent and Accept: application/json, and
//     each attempt is bounded by [WithTimeout]; a request without a body (disconnect, a
//     delete without a reason) carries no Content-Type;
//   - success is what the spec documents for the operation's 2xx, as gen's parser decodes it:
//     create's 201 with a JSON object holding the id, connect's 200 {"success": true},
//     disconnect's 200 with the bare JSON boolean true, delete's 204 with no content. Any
//     other 2xx is an [*APIError] matching [ErrUnexpectedResponse]; so is a documented body
//     saying the call failed, such as connect's "success": false.
//
// # Errors
//
// Every failed call returns an [*OperationError] naming the method and the channel, which
// wraps the cause:
//
//   - a [*ValidationError] (matching [ErrInvalidInput]) when the input breaks a rule of the
//     spec, such as "channelId: must be a UUID or 32 hexadecimal digits"; nothing was sent;
//   - an [*APIError] for every non-2xx response, and for a 2xx that is not the operation's
//     documented success. It holds the status, the API's "error" and "message", and the raw
//     body (up to [MaxBodySize]), even when the body is not JSON. Match it with errors.Is:
//     [ErrInvalidRequest] (400), [ErrUnauthorized] (401), [ErrChannelNotFound] (404),
//     [ErrRejected] (422), [ErrRateLimited] (429), [ErrUpstream] (502), [ErrServer] (other
//     5xx), [ErrServiceUnavailable] (503, also ErrServer), [ErrUnexpectedResponse] (2xx);
//   - a transport or context error (from net/http) otherwise.
//
// Each 422 message the spec documents has its own sentinel, also matching ErrRejected:
//
//	sentinel                 message                                    operations
//	ErrCodeAlreadyUsed       CODE_ALREADY_USED                          connect
//	ErrCodeExpired           CODE_EXPIRED                               connect
//	ErrChannelType           CHANNEL_TYPE_NOT_SUPPORTED                 connect
//	ErrChannelConnected      INSTANCE_STILL_CONNECTED                   connect, delete
//	ErrActiveSubscription    INSTANCE_HAS_ACTIVE_SUBSCRIPTION           delete
//	ErrEnterpriseRequired    This action requires ENTERPRISE role       create
//	                         Channel deletion requires ENTERPRISE role  delete
//
// For example:
//
//	switch {
//	case errors.Is(err, client.ErrCodeExpired), errors.Is(err, client.ErrCodeAlreadyUsed):
//		// ask the user to go through Embedded Signup again
//	case errors.Is(err, client.ErrChannelConnected):
//		// disconnect the channel first
//	case errors.Is(err, client.ErrUnauthorized):
//		// fix the Secret Key
//	}
//
// [New] reports a bad [Option] as an [*OptionError] naming it.
//
// # Retries
//
// Each operation has its own rule for which failed attempts are safe to repeat, and
// [RetryPolicy] bounds how often and how long. No rule ever repeats a request the API may
// have processed: not after a timeout, not after a connection reset once the request was
// sent, not after any status but the two below. An attempt is repeated only when
//
//  1. the connection could not be made (e.g. connection refused, DNS failure) and no byte of
//     the request was written, as net/http/httptrace reports; or
//  2. the API answered 429 or 503 with a Retry-After header no longer than MaxDelay; the
//     wait is then at least what Retry-After asks.
//
// The operations follow them as:
//
//	operation          retried on   why
//	CreateChannel      1 only       not idempotent: a request that reached the server may have
//	                                created a channel, whatever the answer (a 503 may come
//	                                from a proxy after the API acted), and a second channel is
//	                                worse than a failed call
//	ConnectChannel     1 and 2      Meta's code can be exchanged once, within about 30 seconds:
//	                                repeating a processed request would spend it and turn a
//	                                success into CODE_ALREADY_USED
//	DisconnectChannel  1 and 2      the API refused the request unprocessed
//	DeleteChannel      1 and 2      the API refused the request unprocessed
//
// So a failed CreateChannel whose request may have been sent (Attempts ≥ 1 and not a
// refused connection) may still have created a channel. Waits grow from
// [RetryPolicy.BaseDelay], doubling with jitter up to [RetryPolicy.MaxDelay], and a wait that
// would outlive the context's deadline is not started: the last error is returned at once.
// [DefaultRetryPolicy] allows 3 attempts; [WithRetryPolicy] changes it and [NoRetry] turns
// retries off. Each attempt is bounded by [WithTimeout] (default [DefaultTimeout]) and all of
// them by the call's context.
package client
