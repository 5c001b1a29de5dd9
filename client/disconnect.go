package client

import (
	"context"
	"io"
	"net/http"

	"github.com/hubmessage/hubmessage-go/gen"
)

// DisconnectResult is a successful DisconnectChannel call.
type DisconnectResult struct {
	// ChannelID is the channel that is now disconnected.
	ChannelID string
	// Attempts is how many requests were started (see [RetryPolicy]).
	Attempts int
}

// DisconnectChannel disconnects a META_WHATSAPP channel from its WhatsApp Business number,
// so it can be connected again or deleted. Success, the API's 200 true, means the channel is
// not connected now, whether or not it was before.
//
// API: PUT /v1/channels/{channelId}/disconnect
func (c *Client) DisconnectChannel(ctx context.Context, channelID string) (*DisconnectResult, error) {
	_, attempts, err := do(ctx, c, call[*gen.DisconnectMetaChannelResponse]{
		op:     "DisconnectChannel",
		rules:  &gen.DisconnectMetaChannelRules,
		retry:  retryUnprocessed,
		params: map[string]string{channelParam: channelID},
		build: func(server string, _ io.Reader) (*http.Request, error) {
			return gen.NewDisconnectMetaChannelRequest(server, channelID)
		},
		parse: gen.ParseDisconnectMetaChannelResponse,
		check: func(r *gen.DisconnectMetaChannelResponse) error {
			return documented(r.JSON200, func(v *bool) bool { return *v }, "false, not true")
		},
	})
	if err != nil {
		return nil, err
	}
	return &DisconnectResult{ChannelID: channelID, Attempts: attempts}, nil
}
