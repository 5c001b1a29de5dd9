package connecthandler_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/hubmessage/hubmessage-go/client"
	"github.com/hubmessage/hubmessage-go/connecthandler"
	"github.com/hubmessage/hubmessage-go/mockserver"
)

// A backend mounts the handler where its frontend posts the SDK's payload. Here the API is
// the reference server, and the frontend is a plain POST: the first payload connects the
// channel, the second carries a code that expired (the reference server's magic prefix).
func ExampleNew() {
	api, err := mockserver.New()
	if err != nil {
		fmt.Println(err)
		return
	}
	apiServer := httptest.NewServer(api)
	defer apiServer.Close()

	// The backend: its client, the channel its signed-in user may connect, the handler.
	c, err := client.New(api.SecretKey(), client.WithBaseURL(apiServer.URL))
	if err != nil {
		fmt.Println(err)
		return
	}
	h, err := connecthandler.New(connecthandler.Config{
		Client:    c,
		ChannelID: func(r *http.Request) (string, error) { return mockserver.ChannelUUID, nil },
		Logger:    slog.New(slog.DiscardHandler),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	mux := http.NewServeMux()
	mux.Handle("/backend/connect", h)
	backend := httptest.NewServer(mux)
	defer backend.Close()

	// The frontend posts what the SDK resolved to.
	for _, code := range []string{"ABC123DEF456", mockserver.ExpiredCodePrefix + "-1"} {
		payload := `{"wabaId":"428083093730937","phoneId":"123456789012345","code":"` + code + `","coexistence":false}`
		res, err := http.Post(backend.URL+"/backend/connect", "application/json", strings.NewReader(payload))
		if err != nil {
			fmt.Println(err)
			return
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		fmt.Print(res.StatusCode, " ", string(body))
	}
	// Output:
	// 200 {"connected":true,"channelId":"a1b2c3d4-e5f6-7890-abcd-ef1234567890"}
	// 422 {"reason":"code_expired","message":"The signup took too long; start it again."}
}
