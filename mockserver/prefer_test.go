package mockserver_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hubmessage/hubmessage-go/mockserver"
	"github.com/hubmessage/hubmessage-go/mockserver/mocktest"
	"github.com/hubmessage/hubmessage-go/openapi"
)

func TestPrefer(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		prefer []string
		auth   bool   // send the right key
		body   string // "" means a valid payload
		status int
		want   string // exact body, or a substring of the error message when status is 400 by Prefer
	}{
		{name: "code=200", prefer: []string{"code=200"}, auth: true, status: 200, want: `{"success":true}`},
		{name: "code=404", prefer: []string{"code=404"}, auth: true, status: 404, want: `{"error":404,"message":"Channel not found"}`},
		{name: "code=502", prefer: []string{"code=502, example=integrationError"}, auth: true, status: 502, want: `{"error":502,"message":"Integration error"}`},
		{name: "code=500 reaches default", prefer: []string{"code=500"}, auth: true, status: 500, want: `{"error":500,"message":"Internal server error"}`},
		{name: "code=401 on a valid request", prefer: []string{"code=401"}, auth: true, status: 401, want: `{"error":401,"message":"Unauthorized"}`},
		{name: "code=400 on a valid request", prefer: []string{"code=400, example=invalidBody"}, auth: true, status: 400, want: `{"error":400,"message":"request body: property \"wabaId\" is missing"}`},
		{name: "example alone", prefer: []string{"example=codeExpired"}, auth: true, status: 422, want: `{"error":422,"message":"CODE_EXPIRED"}`},
		{name: "code and example", prefer: []string{"code=422, example=instanceStillConnected"}, auth: true, status: 422, want: `{"error":422,"message":"INSTANCE_STILL_CONNECTED"}`},
		{name: "semicolon, quotes, case", prefer: []string{`Code=422; EXAMPLE="codeAlreadyUsed"`}, auth: true, status: 422, want: `{"error":422,"message":"CODE_ALREADY_USED"}`},
		{name: "two headers", prefer: []string{"code=422", "example=codeAlreadyUsed"}, auth: true, status: 422, want: `{"error":422,"message":"CODE_ALREADY_USED"}`},
		{name: "other preferences ignored: the handler answers", prefer: []string{"return=minimal, respond-async"}, auth: true, status: 404, want: `{"error":404,"message":"Channel not found"}`},
		{name: "undocumented code", prefer: []string{"code=418"}, auth: true, status: 400, want: "code=418 is not documented for connectMetaChannel; documented: 200, 400, "},
		{name: "code not a number", prefer: []string{"code=abc"}, auth: true, status: 400, want: `code="abc" is not an HTTP status`},
		{name: "unknown example", prefer: []string{"example=nope"}, auth: true, status: 400, want: `example "nope" is not documented for connectMetaChannel`},
		{name: "example of another status", prefer: []string{"code=404, example=codeExpired"}, auth: true, status: 400, want: `example "codeExpired" is not documented for connectMetaChannel status 404; its examples: channelNotFound`},
		{name: "code given twice", prefer: []string{"code=404", "code=422"}, auth: true, status: 400, want: "code is given twice"},
		{name: "does not bypass auth", prefer: []string{"code=200"}, auth: false, status: 401, want: `{"error":401,"message":"Unauthorized"}`},
		{name: "bad Prefer without auth is 401", prefer: []string{"code=999"}, auth: false, status: 401, want: `{"error":401,"message":"Unauthorized"}`},
		{name: "does not bypass validation", prefer: []string{"code=200"}, auth: true, body: `{}`, status: 400, want: "wabaId"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ts := mocktest.Start(t)
			body := tc.body
			if body == "" {
				body = payload("prefer-code")
			}
			req := connectRequest(t, ts, otherUUID, body) // an unknown channel: only Prefer can make it 200
			if !tc.auth {
				req.Header.Del("Authorization")
			}
			for _, p := range tc.prefer {
				req.Header.Add("Prefer", p)
			}
			res := send(t, ts, req)
			if res.status != tc.status {
				t.Fatalf("status %d body %s, want %d", res.status, res.body, tc.status)
			}
			got := strings.TrimSpace(string(res.body))
			if strings.HasPrefix(tc.want, "{") {
				if got != tc.want {
					t.Errorf("body %s, want %s", got, tc.want)
				}
				return
			}
			if msg := res.errorBody(t).Message; !strings.Contains(msg, tc.want) {
				t.Errorf("message %q does not contain %q", msg, tc.want)
			}
		})
	}
}

// Every status every operation documents is reachable with Prefer, with each of its examples
// (a status without content as an empty answer), and Prefer changes nothing: no channel is
// created, connected or deleted, no code consumed.
func TestPreferReachesEveryDocumentedExample(t *testing.T) {
	t.Parallel()
	doc, err := openapi.Spec()
	if err != nil {
		t.Fatal(err)
	}
	ts := mocktest.Start(t)
	if err := ts.Server.SetSubscription(mockserver.ChannelHex, mockserver.SubscriptionPaid); err != nil {
		t.Fatal(err)
	}
	before := ts.Server.Channels()
	reached := 0
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			newRequest, ok := operationRequests[op.OperationID]
			if !ok {
				t.Errorf("%s %s: no request for %s in operationRequests", method, path, op.OperationID)
				continue
			}
			for key, ref := range op.Responses.Map() {
				type example struct {
					name   string
					status int
					body   string
				}
				var examples []example
				media := ref.Value.Content.Get("application/json")
				if media == nil { // documented without content: the empty answer
					status, err := strconv.Atoi(key)
					if err != nil {
						t.Fatal(err)
					}
					examples = append(examples, example{"noContent", status, ""})
				} else {
					for name, ex := range media.Examples {
						want, err := json.Marshal(ex.Value.Value)
						if err != nil {
							t.Fatal(err)
						}
						status, err := strconv.Atoi(key)
						if key == "default" {
							status, err = int(ex.Value.Value.(map[string]any)["error"].(float64)), nil
						}
						if err != nil {
							t.Fatal(err)
						}
						examples = append(examples, example{name, status, string(want)})
					}
				}
				if len(examples) == 0 {
					t.Errorf("%s %s: no example to reach", op.OperationID, key)
				}
				for _, ex := range examples {
					req := newRequest(t, ts, mockserver.ChannelUUID)
					req.Header.Set("Prefer", "code="+strconv.Itoa(ex.status)+", example="+ex.name)
					res := send(t, ts, req)
					if res.status != ex.status || strings.TrimSpace(string(res.body)) != ex.body {
						t.Errorf("%s %s %s: got %d %s, want %d %s", op.OperationID, key, ex.name, res.status, res.body, ex.status, ex.body)
					}
					reached++
				}
			}
		}
	}
	if reached < len(operationRequests) {
		t.Errorf("reached %d examples, fewer than the %d operations", reached, len(operationRequests))
	}
	if diff := cmp.Diff(before, ts.Server.Channels()); diff != "" {
		t.Errorf("Prefer changed the channels (-before +after):\n%s", diff)
	}
	mustConnect(t, ts, mockserver.ChannelUUID, "op-request-code") // the code Prefer saw is unused
}

func TestPreferCodeAlonePicksFirstExampleByName(t *testing.T) {
	t.Parallel()
	ts := mocktest.Start(t)
	req := connectRequest(t, ts, mockserver.ChannelUUID, payload("c1"))
	req.Header.Set("Prefer", "code="+strconv.Itoa(http.StatusUnprocessableEntity))
	if res := send(t, ts, req); res.errorBody(t).Message != "CHANNEL_TYPE_NOT_SUPPORTED" {
		t.Errorf("code=422 alone answered %s, want the first example by name (channelTypeNotSupported)", res.body)
	}
}
