package client

import (
	"context"
	"io"
	"net/http"

	"github.com/hubmessage/hubmessage-go/gen"
)

// DeleteOptions are DeleteChannel's optional inputs.
type DeleteOptions struct {
	// Reason says why the channel is deleted, for auditing (the API's cancelReason); at most
	// 4096 characters. Empty sends no reason.
	Reason string
}

// DeleteResult is a successful DeleteChannel call.
type DeleteResult struct {
	// ChannelID is the channel that is now deleted.
	ChannelID string
	// Attempts is how many requests were started (see [RetryPolicy]).
	Attempts int
}

// DeleteChannel permanently deletes a channel; opts may be nil. It needs the account's
// ENTERPRISE role, and is refused while the channel is connected ([ErrChannelConnected]:
// disconnect it first) or its subscription is active ([ErrActiveSubscription]). Afterwards
// every call on channelID fails with [ErrChannelNotFound]. Success is the API's 204. Without
// a reason no request body is sent.
//
// API: DELETE /v1/channels/{channelId}
func (c *Client) DeleteChannel(ctx context.Context, channelID string, opts *DeleteOptions) (*DeleteResult, error) {
	var body any // none unless there is a reason
	if opts != nil && opts.Reason != "" {
		body = gen.DeleteChannelRequest{CancelReason: &opts.Reason}
	}
	_, attempts, err := do(ctx, c, call[*gen.PartnerDeleteChannelResponse]{
		op:     "DeleteChannel",
		rules:  &gen.PartnerDeleteChannelRules,
		retry:  retryUnprocessed,
		params: map[string]string{channelParam: channelID},
		body:   body,
		build: func(server string, body io.Reader) (*http.Request, error) {
			return gen.NewPartnerDeleteChannelRequestWithBody(server, channelID, jsonContentType, body)
		},
		parse: gen.ParsePartnerDeleteChannelResponse,
		check: func(r *gen.PartnerDeleteChannelResponse) error {
			if r.StatusCode() != http.StatusNoContent {
				return errUndocumented
			}
			return nil
		},
	})
	if err != nil {
		return nil, err
	}
	return &DeleteResult{ChannelID: channelID, Attempts: attempts}, nil
}
