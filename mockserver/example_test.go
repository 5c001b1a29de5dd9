package mockserver_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/hubmessage/hubmessage-go/mockserver"
)

// A code is single-use: the second identical call is rejected. (In a test, prefer
// mocktest.Start(t), which does the httptest wiring and the cleanup.)
func Example() {
	s, err := mockserver.New(mockserver.WithSecretKey("sk_test_example"))
	if err != nil {
		panic(err)
	}
	srv := httptest.NewServer(s)
	defer srv.Close()

	for range 2 {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/v1/channels/"+mockserver.ChannelHex+"/connect",
			strings.NewReader(`{"wabaId":"428083093730937","phoneId":"123456789012345","code":"ABC123DEF456","coexistence":false}`))
		req.Header.Set("Authorization", "Bearer sk_test_example")
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			panic(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		fmt.Print(res.StatusCode, " ", string(body))
	}
	ch, _ := s.Channel(mockserver.ChannelHex)
	fmt.Println(ch.Connected, ch.WabaID)
	// Output:
	// 200 {"success":true}
	// 422 {"error":422,"message":"CODE_ALREADY_USED"}
	// true 428083093730937
}
