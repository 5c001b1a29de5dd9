package mockserver_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"

	"github.com/hubmessage/hubmessage-go/contracttest"
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

// Is the mock still the API? A validating proxy records what a "real API" (here another
// reference server, whose connect says something else) answers, and a replay against a fresh
// reference server measures how faithful it is. (hubmessage proxy and hubmessage fidelity do
// the same from the command line.)
func Example_fidelity() {
	real, _ := mockserver.New(mockserver.WithSecretKey("sk_test_real"))
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/connect") {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnprocessableEntity)
			io.WriteString(w, `{"error":422,"message":"WABA_NOT_FOUND"}`)
			return
		}
		real.ServeHTTP(w, r)
	}))
	defer api.Close()

	// The proxy a team points its backend at, recording every exchange.
	var recording bytes.Buffer
	recorder, _ := contracttest.NewRecorder(&recording)
	upstream, _ := url.Parse(api.URL)
	v, _ := contracttest.New()
	proxy := httptest.NewServer(v.Proxy(upstream, contracttest.WithRecorder(recorder)))
	send := func(method, path, body string) {
		req, _ := http.NewRequest(method, proxy.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer sk_test_real")
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			panic(err)
		}
		res.Body.Close()
	}
	send("PUT", "/v1/channels/"+mockserver.ChannelHex+"/disconnect", "")
	send("POST", "/v1/channels/"+mockserver.ChannelHex+"/connect",
		`{"wabaId":"428083093730937","phoneId":"123456789012345","code":"AQB-secret","coexistence":false}`)
	proxy.Close() // every exchange recorded
	fmt.Println(strings.Contains(recording.String(), "AQB-secret"), strings.Contains(recording.String(), "<code-1>"))

	// The replay against a fresh reference server, with this API's rules and codes.
	mock, _ := mockserver.New(mockserver.WithStrictCodes())
	target := httptest.NewServer(mock)
	defer target.Close()
	opts := mockserver.ReplayOptions()
	opts.SecretKey, opts.CodeSource = mock.SecretKey(), mock.CodeSource()
	report, err := contracttest.Replay(context.Background(), target.URL, contracttest.ReadRecording(&recording), opts)
	if err != nil {
		panic(err)
	}
	for _, x := range report.Exchanges {
		fmt.Println(x.Line, x.Operation, x.Verdict, x.Differences)
	}
	fmt.Println(report.Summary())
	// Output:
	// false true
	// 1 disconnectMetaChannel identical []
	// 2 connectMetaChannel different [status: recorded 422, replayed 200]
	// fidelity 50.0%: 1 of 2 comparable exchanges identical, 1 different; 0 not comparable
}
