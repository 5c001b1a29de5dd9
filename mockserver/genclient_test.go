package mockserver_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/hubmessage/hubmessage-go/gen"
	"github.com/hubmessage/hubmessage-go/mockserver"
	"github.com/hubmessage/hubmessage-go/mockserver/mocktest"
)

// The generated client understands every answer: each lands in its typed field.
func TestGeneratedClient(t *testing.T) {
	t.Parallel()
	ts := mocktest.Start(t)
	c, err := gen.NewClientWithResponses(ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	bearer := func(key string) gen.RequestEditorFn {
		return func(_ context.Context, r *http.Request) error {
			r.Header.Set("Authorization", "Bearer "+key)
			return nil
		}
	}
	body := gen.ConnectChannelRequest{WabaId: "428083093730937", PhoneId: "123456789012345", Code: "ABC123DEF456"}
	call := func(channelID, key string) *gen.ConnectMetaChannelResponse {
		t.Helper()
		res, err := c.ConnectMetaChannelWithResponse(t.Context(), channelID, body, bearer(key))
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	if res := call(mockserver.ChannelUUID, ts.SecretKey); res.JSON200 == nil || !res.JSON200.Success {
		t.Errorf("connect: %d %s", res.StatusCode(), res.Body)
	}
	if res := call(mockserver.ChannelHex, ts.SecretKey); res.JSON422 == nil || res.JSON422.Message != "CODE_ALREADY_USED" {
		t.Errorf("reused code: %d %s", res.StatusCode(), res.Body)
	}
	if res := call(mockserver.ChannelHex, "sk_wrong"); res.JSON401 == nil || res.JSON401.Message != "Unauthorized" {
		t.Errorf("wrong key: %d %s", res.StatusCode(), res.Body)
	}
	if res := call("00000000000000000000000000000000", ts.SecretKey); res.JSON404 == nil {
		t.Errorf("unknown channel: %d %s", res.StatusCode(), res.Body)
	}
	body.Code = mockserver.UpstreamErrorPrefix
	if res := call(mockserver.ChannelHex, ts.SecretKey); res.JSON502 == nil {
		t.Errorf("upstream error: %d %s", res.StatusCode(), res.Body)
	}
}

func TestContentTypeWithCharset(t *testing.T) {
	t.Parallel()
	ts := mocktest.Start(t)
	req := connectRequest(t, ts, mockserver.ChannelUUID, payload("charset"))
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	if res := send(t, ts, req); res.status != 200 {
		t.Errorf("%d %s", res.status, res.body)
	}
}
