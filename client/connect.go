package client

import (
	"context"
	"fmt"
	"io"
	"net/http"

	"github.com/hubmessage/hubmessage-go/gen"
)

// ConnectRequest is what the @hubmessage/connect browser SDK hands your frontend after
// Embedded Signup. Its JSON form is the SDK's, so a payload your frontend forwards unchanged
// decodes into it with json.Unmarshal.
type ConnectRequest struct {
	// WabaID is the WhatsApp Business Account the user picked: decimal digits.
	WabaID string `json:"wabaId"`
	// PhoneID is the phone number the user picked: decimal digits.
	PhoneID string `json:"phoneId"`
	// Code is Meta's single-use code, valid for about 30 seconds.
	Code string `json:"code"`
	// Coexistence says the number stays in use in the WhatsApp Business app as well.
	Coexistence bool `json:"coexistence"`
}

// Format prints r with its Code redacted, whatever the verb, so a request logged with %v or
// %+v never spends the single-use code in a log line.
func (r ConnectRequest) Format(f fmt.State, _ rune) {
	code := ""
	if r.Code != "" {
		code = "[REDACTED]"
	}
	fmt.Fprintf(f, "client.ConnectRequest{WabaID: %q, PhoneID: %q, Code: %s, Coexistence: %t}", r.WabaID, r.PhoneID, code, r.Coexistence)
}

// ConnectResult is a successful ConnectChannel call.
type ConnectResult struct {
	// ChannelID is the channel that is now connected.
	ChannelID string
	// Attempts is how many requests were started (see [RetryPolicy]).
	Attempts int
}

// ConnectChannel connects an existing META_WHATSAPP channel to the WhatsApp Business Account
// and phone number the user picked in the browser SDK, exchanging the single-use code with
// Meta; success is the API's 200 {"success": true}. channelID is a UUID or 32 hexadecimal
// digits. Call it at most once per code: a code that reached the server is spent, so only an
// attempt the API certainly did not process is retried ([RetryPolicy]).
//
// API: POST /v1/channels/{channelId}/connect
func (c *Client) ConnectChannel(ctx context.Context, channelID string, req ConnectRequest) (*ConnectResult, error) {
	_, attempts, err := do(ctx, c, call[*gen.ConnectMetaChannelResponse]{
		op:     "ConnectChannel",
		rules:  &gen.ConnectMetaChannelRules,
		retry:  retryUnprocessed,
		params: map[string]string{channelParam: channelID},
		body:   gen.ConnectChannelRequest{WabaId: req.WabaID, PhoneId: req.PhoneID, Code: req.Code, Coexistence: req.Coexistence},
		build: func(server string, body io.Reader) (*http.Request, error) {
			return gen.NewConnectMetaChannelRequestWithBody(server, channelID, jsonContentType, body)
		},
		parse: gen.ParseConnectMetaChannelResponse,
		check: func(r *gen.ConnectMetaChannelResponse) error {
			return documented(r.JSON200, func(v *gen.ConnectChannelResponse) bool { return v.Success }, `"success" is not true`)
		},
	})
	if err != nil {
		return nil, err
	}
	return &ConnectResult{ChannelID: channelID, Attempts: attempts}, nil
}
