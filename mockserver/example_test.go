package mockserver_test

import (
	"encoding/json"
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

// The channel lifecycle: create, connect, delete refused while connected, disconnect, delete,
// and the id answering 404 afterwards. (The created id is random: the output shows it as ID.)
func Example_lifecycle() {
	s, err := mockserver.New(mockserver.WithSecretKey("sk_test_example"))
	if err != nil {
		panic(err)
	}
	srv := httptest.NewServer(s)
	defer srv.Close()

	id := "" // the created channel's
	call := func(method, path, body string) {
		var rd io.Reader
		if body != "" {
			rd = strings.NewReader(body)
		}
		req, _ := http.NewRequest(method, srv.URL+path, rd)
		req.Header.Set("Authorization", "Bearer sk_test_example")
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			panic(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		var created struct{ ID string }
		if res.StatusCode == http.StatusCreated && json.Unmarshal(b, &created) == nil {
			id = created.ID
		}
		answer := strings.TrimSpace(string(b))
		if id != "" {
			path, answer = strings.ReplaceAll(path, id, "ID"), strings.ReplaceAll(answer, id, "ID")
		}
		fmt.Println(strings.TrimSpace(fmt.Sprint(method, " ", path, " ", res.StatusCode, " ", answer)))
	}
	call(http.MethodPost, "/v1/channels", `{"name":"Sales channel","type":"META_WHATSAPP"}`)
	channel := "/v1/channels/" + id
	call(http.MethodPost, channel+"/connect", `{"wabaId":"428083093730937","phoneId":"123456789012345","code":"ABC123DEF456","coexistence":false}`)
	call(http.MethodDelete, channel, "")
	call(http.MethodPut, channel+"/disconnect", "")
	call(http.MethodDelete, channel, `{"cancelReason":"Customer closed the company"}`)
	call(http.MethodPut, channel+"/disconnect", "")
	// Output:
	// POST /v1/channels 201 {"id":"ID"}
	// POST /v1/channels/ID/connect 200 {"success":true}
	// DELETE /v1/channels/ID 422 {"error":422,"message":"INSTANCE_STILL_CONNECTED"}
	// PUT /v1/channels/ID/disconnect 200 true
	// DELETE /v1/channels/ID 204
	// PUT /v1/channels/ID/disconnect 404 {"error":404,"message":"Channel not found"}
}

// A code from IssueCode connects within 30 seconds on the server's clock; AdvanceClock
// expires it without waiting.
func ExampleServer_IssueCode() {
	s, err := mockserver.New(mockserver.WithSecretKey("sk_test_example"))
	if err != nil {
		panic(err)
	}
	srv := httptest.NewServer(s)
	defer srv.Close()
	connect := func(channelID, code string) {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/v1/channels/"+channelID+"/connect",
			strings.NewReader(`{"wabaId":"428083093730937","phoneId":"123456789012345","code":"`+code+`","coexistence":false}`))
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

	late, _ := s.IssueCode()
	s.AdvanceClock(mockserver.CodeLifetime)
	connect(mockserver.ChannelUUID, late)
	code, _ := s.IssueCode()
	connect(mockserver.ChannelUUID, code)
	connect(mockserver.ChannelHex, code)
	// Output:
	// 422 {"error":422,"message":"CODE_EXPIRED"}
	// 200 {"success":true}
	// 422 {"error":422,"message":"CODE_ALREADY_USED"}
}

// Two 502s, then the real answer: a deterministic upstream failure for a client's retry and
// error paths.
func ExampleServer_QueueResponses() {
	s, err := mockserver.New(mockserver.WithSecretKey("sk_test_example"))
	if err != nil {
		panic(err)
	}
	srv := httptest.NewServer(s)
	defer srv.Close()
	if err := s.QueueResponses("disconnectMetaChannel", mockserver.ChannelHex, 502, 502); err != nil {
		panic(err)
	}
	for range 3 {
		req, _ := http.NewRequest(http.MethodPut, srv.URL+"/v1/channels/"+mockserver.ChannelHex+"/disconnect", nil)
		req.Header.Set("Authorization", "Bearer sk_test_example")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			panic(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		fmt.Print(res.StatusCode, " ", string(body))
	}
	// Output:
	// 502 {"error":502,"message":"Integration error"}
	// 502 {"error":502,"message":"Integration error"}
	// 200 true
}
