package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"strings"

	"github.com/hubmessage/hubmessage-go/client"
	"github.com/hubmessage/hubmessage-go/mockserver"
)

// The README's "Connect a channel in five lines", run against the reference server. Only
// client.WithBaseURL(srv.URL) is added; in production the Client calls client.DefaultBaseURL.
// A test holds the lines between the README markers to the README's snippet.
func Example() {
	reference, err := mockserver.New(mockserver.WithSecretKey("sk_test_readme_example"))
	if err != nil {
		fmt.Println(err)
		return
	}
	srv := httptest.NewServer(reference)
	defer srv.Close()
	defer setenv("HUBMESSAGE_SECRET_KEY", "sk_test_readme_example")()

	connect := func(ctx context.Context, channelID string, payload []byte) error {
		// README snippet begins.
		c, err := client.New(os.Getenv("HUBMESSAGE_SECRET_KEY"), client.WithBaseURL(srv.URL)) // once; share it
		if err != nil {
			return err
		}
		var req client.ConnectRequest // payload: the browser SDK's JSON, as your frontend forwards it
		if err := json.Unmarshal(payload, &req); err != nil {
			return err
		}
		if _, err := c.ConnectChannel(ctx, channelID, req); err != nil {
			return err // errors.Is(err, client.ErrCodeAlreadyUsed): the code is spent; sign up again
		}
		// README snippet ends.
		return nil
	}

	payload := []byte(`{"wabaId":"428083093730937","phoneId":"123456789012345","code":"ABC123DEF456","coexistence":false}`)
	fmt.Println("first call:", connect(context.Background(), mockserver.ChannelUUID, payload))
	fmt.Println("same code again:", connect(context.Background(), mockserver.ChannelUUID, payload))
	// Output:
	// first call: <nil>
	// same code again: hubmessage: ConnectChannel: channel a1b2c3d4-e5f6-7890-abcd-ef1234567890: 422 Unprocessable Entity: error 422: CODE_ALREADY_USED
}

// setenv sets an environment variable and returns what restores it.
func setenv(key, value string) (restore func()) {
	old, had := os.LookupEnv(key)
	os.Setenv(key, value)
	return func() {
		if had {
			os.Setenv(key, old)
		} else {
			os.Unsetenv(key)
		}
	}
}

// A backend's tests run against the reference server (package mockserver): it answers as the
// API does, so each documented outcome can be exercised without a real key or code.
func ExampleClient_ConnectChannel_referenceServer() {
	reference, err := mockserver.New(mockserver.WithSecretKey("sk_test_example"))
	if err != nil {
		fmt.Println(err)
		return
	}
	srv := httptest.NewServer(reference)
	defer srv.Close()

	c, err := client.New("sk_test_example", client.WithBaseURL(srv.URL))
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	req := client.ConnectRequest{WabaID: "428083093730937", PhoneID: "123456789012345", Code: "ABC123DEF456"}
	res, err := c.ConnectChannel(ctx, mockserver.ChannelUUID, req)
	if err != nil {
		fmt.Println(err)
		return
	}
	ch, _ := reference.Channel(res.ChannelID)
	fmt.Println("connected:", ch.Connected, "wabaId", ch.WabaID, "phoneId", ch.PhoneID)

	for _, call := range []struct{ channelID, code string }{
		{mockserver.ChannelUUID, "DEF456GHI789"},                       // connected already
		{mockserver.ChannelInstagram, "GHI789JKL012"},                  // not a WhatsApp channel
		{"00000000-0000-4000-8000-000000000000", "JKL012MNO345"},       // no such channel
		{mockserver.ChannelHex, mockserver.ExpiredCodePrefix + "_MNO"}, // a magic code: expired
	} {
		req.Code = call.code
		_, err := c.ConnectChannel(ctx, call.channelID, req)
		switch {
		case errors.Is(err, client.ErrChannelConnected):
			fmt.Println("already connected: disconnect it first")
		case errors.Is(err, client.ErrChannelType):
			fmt.Println("not a META_WHATSAPP channel")
		case errors.Is(err, client.ErrChannelNotFound):
			fmt.Println("no such channel")
		case errors.Is(err, client.ErrCodeExpired):
			fmt.Println("code expired: sign up again")
		default:
			fmt.Println("unexpected:", err)
		}
	}
	// Output:
	// connected: true wabaId 428083093730937 phoneId 123456789012345
	// already connected: disconnect it first
	// not a META_WHATSAPP channel
	// no such channel
	// code expired: sign up again
}

// A reused code is a 422 CODE_ALREADY_USED: errors.As gives the details, errors.Is matches
// the sentinel (and ErrRejected, which every 422 matches).
func ExampleAPIError() {
	reference, err := mockserver.New(mockserver.WithSecretKey("sk_test_example"))
	if err != nil {
		fmt.Println(err)
		return
	}
	srv := httptest.NewServer(reference)
	defer srv.Close()

	c, err := client.New("sk_test_example", client.WithBaseURL(srv.URL))
	if err != nil {
		fmt.Println(err)
		return
	}
	req := client.ConnectRequest{WabaID: "428083093730937", PhoneID: "123456789012345", Code: "ABC123DEF456"}
	if _, err := c.ConnectChannel(context.Background(), mockserver.ChannelUUID, req); err != nil {
		fmt.Println(err)
		return
	}
	// The same code again, even on another channel.
	_, err = c.ConnectChannel(context.Background(), mockserver.ChannelHex, req)

	var apiErr *client.APIError
	if errors.As(err, &apiErr) {
		fmt.Println("status:", apiErr.StatusCode)
		fmt.Println("error:", apiErr.Code)
		fmt.Println("message:", apiErr.Message)
		fmt.Println("body:", strings.TrimSpace(string(apiErr.Body)))
	}
	fmt.Println("ErrCodeAlreadyUsed:", errors.Is(err, client.ErrCodeAlreadyUsed))
	fmt.Println("ErrRejected:", errors.Is(err, client.ErrRejected))
	fmt.Println("ErrCodeExpired:", errors.Is(err, client.ErrCodeExpired))
	// Output:
	// status: 422
	// error: 422
	// message: CODE_ALREADY_USED
	// body: {"error":422,"message":"CODE_ALREADY_USED"}
	// ErrCodeAlreadyUsed: true
	// ErrRejected: true
	// ErrCodeExpired: false
}

// The channel lifecycle against the reference server: create, connect, delete refused while
// connected, disconnect, delete, and the ID unknown afterwards.
func ExampleClient_lifecycle() {
	reference, err := mockserver.New(mockserver.WithSecretKey("sk_test_example"))
	if err != nil {
		fmt.Println(err)
		return
	}
	srv := httptest.NewServer(reference)
	defer srv.Close()

	c, err := client.New("sk_test_example", client.WithBaseURL(srv.URL))
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	created, err := c.CreateChannel(ctx, client.CreateChannelRequest{Name: "Sales channel", Type: client.ChannelTypeMetaWhatsApp})
	if err != nil {
		fmt.Println(err)
		return
	}
	id := created.ChannelID
	_, err = c.ConnectChannel(ctx, id, client.ConnectRequest{WabaID: "428083093730937", PhoneID: "123456789012345", Code: "ABC123DEF456"})
	fmt.Println("connect:", err)
	_, err = c.DeleteChannel(ctx, id, nil)
	fmt.Println("delete while connected is refused:", errors.Is(err, client.ErrChannelConnected))
	_, err = c.DisconnectChannel(ctx, id)
	fmt.Println("disconnect:", err)
	_, err = c.DeleteChannel(ctx, id, &client.DeleteOptions{Reason: "Customer closed the company"})
	fmt.Println("delete:", err)
	_, err = c.ConnectChannel(ctx, id, client.ConnectRequest{WabaID: "428083093730937", PhoneID: "123456789012345", Code: "NEW-CODE"})
	fmt.Println("gone for good:", errors.Is(err, client.ErrChannelNotFound))
	// Output:
	// connect: <nil>
	// delete while connected is refused: true
	// disconnect: <nil>
	// delete: <nil>
	// gone for good: true
}
