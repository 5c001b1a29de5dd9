package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"

	"github.com/hubmessage/hubmessage-go/client"
)

// A backend handler forwards the browser SDK's payload to the API, and tells an expired or
// reused code (the user must sign up again) from other failures.
func ExampleClient_ConnectChannel() {
	// A stand-in for the API, mounted under a path like a proxy would be.
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct{ Code string }
		json.NewDecoder(r.Body).Decode(&body)
		w.Header().Set("Content-Type", "application/json")
		if body.Code == "STALE" {
			w.WriteHeader(http.StatusUnprocessableEntity)
			io.WriteString(w, `{"error":422,"message":"CODE_EXPIRED"}`)
			return
		}
		io.WriteString(w, `{"success":true}`)
	}))
	defer api.Close()

	c, err := client.New("sk_example", client.WithBaseURL(api.URL+"/hub"))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, payload := range []string{
		`{"wabaId":"428083093730937","phoneId":"123456789012345","code":"ABC123DEF456","coexistence":false}`,
		`{"wabaId":"428083093730937","phoneId":"123456789012345","code":"STALE","coexistence":false}`,
		`{"wabaId":"WABA-1","phoneId":"123456789012345","code":"ABC123DEF456","coexistence":false}`,
	} {
		var req client.ConnectRequest
		if err := json.Unmarshal([]byte(payload), &req); err != nil {
			fmt.Println(err)
			return
		}
		res, err := c.ConnectChannel(context.Background(), "019E4C54B1B375A28970B605CA9B03C3", req)
		switch {
		case err == nil:
			fmt.Println("connected", res.ChannelID)
		case errors.Is(err, client.ErrCodeExpired), errors.Is(err, client.ErrCodeAlreadyUsed):
			fmt.Println("sign up again:", err)
		default:
			fmt.Println(err)
		}
	}
	// Output:
	// connected 019E4C54B1B375A28970B605CA9B03C3
	// sign up again: hubmessage: ConnectChannel: channel 019E4C54B1B375A28970B605CA9B03C3: 422 Unprocessable Entity: error 422: CODE_EXPIRED
	// hubmessage: ConnectChannel: channel 019E4C54B1B375A28970B605CA9B03C3: wabaId: must be decimal digits
}

// Create a channel, and tell a missing ENTERPRISE role from other failures. A failed create
// whose request was sent may still have created the channel: it is never retried blindly.
func ExampleClient_CreateChannel() {
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"id":"019E4C54B1B375A28970B605CA9B03C3"}`)
	}))
	defer api.Close()

	c, err := client.New("sk_example", client.WithBaseURL(api.URL))
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := c.CreateChannel(context.Background(), client.CreateChannelRequest{Name: "Sales channel", Type: client.ChannelTypeMetaWhatsApp})
	switch {
	case errors.Is(err, client.ErrEnterpriseRequired):
		fmt.Println("creating channels needs the ENTERPRISE role")
	case err != nil:
		fmt.Println(err)
	default:
		fmt.Println("created", res.ChannelID)
	}
	// Output:
	// created 019E4C54B1B375A28970B605CA9B03C3
}

// Delete a channel: a connected channel is refused until it is disconnected.
func ExampleClient_DeleteChannel() {
	var connected atomic.Bool
	connected.Store(true)
	mux := http.NewServeMux()
	mux.HandleFunc("PUT /v1/channels/{channelId}/disconnect", func(w http.ResponseWriter, r *http.Request) {
		connected.Store(false)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, "true")
	})
	mux.HandleFunc("DELETE /v1/channels/{channelId}", func(w http.ResponseWriter, r *http.Request) {
		if connected.Load() {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnprocessableEntity)
			io.WriteString(w, `{"error":422,"message":"INSTANCE_STILL_CONNECTED"}`)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	api := httptest.NewServer(mux)
	defer api.Close()

	c, err := client.New("sk_example", client.WithBaseURL(api.URL))
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	const channelID = "019E4C54B1B375A28970B605CA9B03C3"
	reason := &client.DeleteOptions{Reason: "Customer closed the company"}
	_, err = c.DeleteChannel(ctx, channelID, reason)
	if errors.Is(err, client.ErrChannelConnected) {
		fmt.Println("still connected; disconnecting first")
		if _, err := c.DisconnectChannel(ctx, channelID); err != nil {
			fmt.Println(err)
			return
		}
		_, err = c.DeleteChannel(ctx, channelID, reason)
	}
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("deleted", channelID)
	// Output:
	// still connected; disconnecting first
	// deleted 019E4C54B1B375A28970B605CA9B03C3
}
