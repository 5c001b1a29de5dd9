package client

import (
	"context"
	"io"
	"net/http"

	"github.com/hubmessage/hubmessage-go/gen"
)

// ChannelType is the platform a channel serves, the spec's ChannelType enum (gen's type). Its
// values, the constants below:
//
//	ChannelTypeMetaWhatsApp   META_WHATSAPP   the only type connect accepts
//	ChannelTypeMetaInstagram  META_INSTAGRAM
//	ChannelTypeMetaMessenger  META_MESSENGER
//	ChannelTypeBotTelegram    BOT_TELEGRAM
type ChannelType = gen.ChannelType

// The channel types the spec allows (see [ChannelType]).
const (
	ChannelTypeMetaWhatsApp  = gen.ChannelTypeMETAWHATSAPP
	ChannelTypeMetaInstagram = gen.ChannelTypeMETAINSTAGRAM
	ChannelTypeMetaMessenger = gen.ChannelTypeMETAMESSENGER
	ChannelTypeBotTelegram   = gen.ChannelTypeBOTTELEGRAM
)

// CreateChannelRequest is the channel to create.
type CreateChannelRequest struct {
	// Name is the channel's display name: not empty, at most 1024 characters.
	Name string `json:"name"`
	// Type is the platform the channel serves, one of the ChannelType constants.
	Type ChannelType `json:"type"`
}

// CreateResult is a successful CreateChannel call.
type CreateResult struct {
	// ChannelID is the new channel's ID, the channelID of every other method.
	ChannelID string
	// Attempts is how many requests were started (see [RetryPolicy]).
	Attempts int
}

// CreateChannel creates a channel of the given type and returns its ID (the API's 201 {id}).
// It needs the account's ENTERPRISE role ([ErrEnterpriseRequired] otherwise). It is not
// idempotent: every request that reaches the server creates a channel, so an attempt is
// retried only when it certainly was never sent, and a failure after sending (a timeout, a
// 503) may still have created one.
//
// API: POST /v1/channels
func (c *Client) CreateChannel(ctx context.Context, req CreateChannelRequest) (*CreateResult, error) {
	r, attempts, err := do(ctx, c, call[*gen.PartnerCreateChannelResponse]{
		op:    "CreateChannel",
		rules: &gen.PartnerCreateChannelRules,
		retry: retryUnsent,
		body:  gen.CreateChannelRequest{Name: req.Name, Type: req.Type},
		build: func(server string, body io.Reader) (*http.Request, error) {
			return gen.NewPartnerCreateChannelRequestWithBody(server, jsonContentType, body)
		},
		parse: gen.ParsePartnerCreateChannelResponse,
		check: func(r *gen.PartnerCreateChannelResponse) error {
			return documented(r.JSON201, func(v *gen.CreateChannelResponse) bool { return v.Id != "" }, `"id" is empty`)
		},
	})
	if err != nil {
		return nil, err
	}
	return &CreateResult{ChannelID: r.JSON201.Id, Attempts: attempts}, nil
}
