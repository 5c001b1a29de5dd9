package mockserver_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hubmessage/hubmessage-go/contracttest"
	"github.com/hubmessage/hubmessage-go/mockserver"
)

// A recorded connect answered CODE_EXPIRED is not comparable and not sent (with a fresh code
// it would connect the channel); the rest of the lifecycle replays identically.
func TestReplayCodeExpiredIsNotComparable(t *testing.T) {
	t.Parallel()
	const id = "0123456789ABCDEF0123456789ABCDEF"
	auth := map[string][]string{"Authorization": {"<authorization-1>"}, "Content-Type": {"application/json"}}
	connect := func(code string) json.RawMessage {
		return json.RawMessage(`{"wabaId":"428083093730937","phoneId":"123456789012345","code":"` + code + `","coexistence":false}`)
	}
	line := func(op, method, path string, body json.RawMessage, status int, answer string) string {
		x := contracttest.RecordedExchange{Time: time.Unix(1, 0).UTC(), Operation: op, Method: method, Path: path,
			Request: contracttest.RecordedMessage{Header: auth, Body: body}, Status: status}
		if answer != "" {
			x.Response.Body = json.RawMessage(answer)
		}
		b, _ := json.Marshal(x)
		return string(b) + "\n"
	}
	file := line("partnerCreateChannel", "POST", "/v1/channels", json.RawMessage(`{"name":"Sales","type":"META_WHATSAPP"}`), 201, `{"id":"`+id+`"}`) +
		line("connectMetaChannel", "POST", "/v1/channels/"+id+"/connect", connect("<code-1>"), 422, `{"error":422,"message":"CODE_EXPIRED"}`) +
		line("connectMetaChannel", "POST", "/v1/channels/"+id+"/connect", connect("<code-2>"), 200, `{"success":true}`) +
		line("disconnectMetaChannel", "PUT", "/v1/channels/"+id+"/disconnect", nil, 200, `true`) +
		line("partnerDeleteChannel", "DELETE", "/v1/channels/"+id, nil, 204, "")

	srv, err := mockserver.New(mockserver.WithStrictCodes())
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	opts := mockserver.ReplayOptions()
	opts.SecretKey, opts.CodeSource, opts.HTTPClient = srv.SecretKey(), srv.CodeSource(), testClient
	report, err := contracttest.Replay(context.Background(), hs.URL, contracttest.ReadRecording(strings.NewReader(file)), opts)
	if err != nil {
		t.Fatal(err)
	}
	for i, x := range report.Exchanges {
		want := contracttest.VerdictIdentical
		if i == 1 {
			want = contracttest.VerdictNotComparable
			if x.Why != "CODE_EXPIRED depends on the code's age when it was used, which a recording cannot hold" || x.Request != nil {
				t.Errorf("line 2: why %q, sent %v", x.Why, x.Request != nil)
			}
		}
		if x.Verdict != want {
			t.Errorf("line %d: %s %s %v; want %s", x.Line, x.Verdict, x.Why, x.Differences, want)
		}
	}
	if !report.Passed(1) {
		t.Errorf("%s", report.Summary())
	}
}

// Only a 422 whose message is CODE_EXPIRED is not comparable.
func TestCodeExpiredNotComparable(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		status int
		body   string
		want   bool
	}{
		{422, `{"error":422,"message":"CODE_EXPIRED"}`, true},
		{422, `{"error":422,"message":"CODE_ALREADY_USED"}`, false},
		{400, `{"error":400,"message":"CODE_EXPIRED"}`, false},
		{422, `not json`, false},
		{http.StatusOK, `{"success":true}`, false},
	} {
		x := contracttest.RecordedExchange{Status: tc.status, Response: contracttest.RecordedMessage{Body: json.RawMessage(tc.body)}}
		if got := mockserver.CodeExpiredNotComparable(x) != ""; got != tc.want {
			t.Errorf("%d %s: not comparable %v, want %v", tc.status, tc.body, got, tc.want)
		}
	}
}

// Server.CodeSource issues a fresh code each call, one the server accepts.
func TestServerCodeSource(t *testing.T) {
	t.Parallel()
	srv, err := mockserver.New(mockserver.WithStrictCodes())
	if err != nil {
		t.Fatal(err)
	}
	a, err1 := srv.CodeSource()(context.Background())
	b, err2 := srv.CodeSource()(context.Background())
	if err1 != nil || err2 != nil || a == b {
		t.Fatalf("codes equal %v, errors %v %v", a == b, err1, err2)
	}
	if _, ok := srv.Issued(a); !ok {
		t.Error("the server did not issue the code")
	}
}
