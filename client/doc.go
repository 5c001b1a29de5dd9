// Package client is the Go client of the Hub Message channel API, for backends. It wraps the
// generated package gen with checked options, input validated against the spec before
// sending, typed errors, and retries that never repeat a request the API may have processed.
//
//	c, err := client.New(os.Getenv("HUBMESSAGE_SECRET_KEY"))
//	if err != nil { return err }
//	var req client.ConnectRequest // the browser SDK's payload
//	if err := json.Unmarshal(payload, &req); err != nil { return err }
//	_, err = c.ConnectChannel(ctx, channelID, req)
//
// # Operations
//
// [New] makes a [Client] from the Secret Key and [Option]s. Its methods, one per operation,
// name their routes ("API: POST /v1/…"): [Client.CreateChannel], [Client.ConnectChannel],
// [Client.DisconnectChannel], [Client.DeleteChannel]. All go through one call path that checks
// the input against the spec's rules (gen.Operations), sends it with the key over https,
// retries within the operation's rule and the [RetryPolicy], never follows a redirect, and
// accepts only the success the spec documents.
//
// # Errors
//
// Every failure is an [*OperationError] wrapping a [*ValidationError] (nothing was sent), an
// [*APIError] (any non-2xx, or a 2xx that is not the documented success) or a transport
// error. Match with errors.As, or errors.Is against a status's sentinel ([ErrUnauthorized],
// [ErrChannelNotFound], [ErrRejected], …) or, for a 422, its message's (also ErrRejected):
//
//	sentinel                 message                                    operations
//	ErrCodeAlreadyUsed       CODE_ALREADY_USED                          connect
//	ErrCodeExpired           CODE_EXPIRED                               connect
//	ErrChannelType           CHANNEL_TYPE_NOT_SUPPORTED                 connect
//	ErrChannelConnected      INSTANCE_STILL_CONNECTED                   connect, delete
//	ErrActiveSubscription    INSTANCE_HAS_ACTIVE_SUBSCRIPTION           delete
//	ErrEnterpriseRequired    This action requires ENTERPRISE role       create
//	                         Channel deletion requires ENTERPRISE role  delete
package client
