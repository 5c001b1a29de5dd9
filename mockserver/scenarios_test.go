package mockserver_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/hubmessage/hubmessage-go/client"
	"github.com/hubmessage/hubmessage-go/mockserver"
	"github.com/hubmessage/hubmessage-go/mockserver/mocktest"
	"github.com/hubmessage/hubmessage-go/openapi"
)

func withDebugLog(w io.Writer) mockserver.Option {
	return mockserver.WithLogger(slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug})))
}

// Two 502s, then the real answer, in that order; the 502s change nothing, so the code they
// saw still connects.
func TestQueuedResponsesInOrder(t *testing.T) {
	t.Parallel()
	ts := mocktest.Start(t)
	if err := ts.Server.QueueResponses("connectMetaChannel", "", 502, 502); err != nil {
		t.Fatal(err)
	}
	var got []string
	for range 3 {
		got = append(got, connect(t, ts, mockserver.ChannelUUID, "scenario-code").outcome(t))
	}
	want := []string{"502 Integration error", "502 Integration error", `200 {"success":true}`}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("answers (-want +got):\n%s", diff)
	}
	got = got[:0]
	for range 2 { // the queue is empty: the lifecycle answers
		got = append(got, connect(t, ts, mockserver.ChannelUUID, "scenario-code").outcome(t))
	}
	if diff := cmp.Diff([]string{"422 CODE_ALREADY_USED", "422 CODE_ALREADY_USED"}, got); diff != "" {
		t.Errorf("after the queue (-want +got):\n%s", diff)
	}
}

// The same over POST /_mock/scenarios, for one channel: other channels and operations are
// not affected, and the answer lists what waits.
func TestQueuedResponsesOverHTTPForOneChannel(t *testing.T) {
	t.Parallel()
	ts := mocktest.Start(t)
	var queued struct {
		OperationID string `json:"operationId"`
		ChannelID   string `json:"channelId"`
		Pending     []int  `json:"pending"`
	}
	body := `{"operationId":"connectMetaChannel","channelId":"` + strings.ToLower(mockserver.ChannelHex) + `","statuses":[502,502]}`
	decode(t, postTest(t, ts, ts.SecretKey, "/_mock/scenarios", body), http.StatusCreated, &queued)
	decode(t, postTest(t, ts, ts.SecretKey, "/_mock/scenarios", body), http.StatusCreated, &queued)
	if queued.OperationID != "connectMetaChannel" || !strings.EqualFold(queued.ChannelID, mockserver.ChannelHex) ||
		!cmp.Equal(queued.Pending, []int{502, 502, 502, 502}) {
		t.Errorf("answer %+v, want connectMetaChannel, the channel and four pending 502s", queued)
	}
	steps := []struct{ name, got, want string }{
		{"another channel", connect(t, ts, mockserver.ChannelUUID, "c1").outcome(t), `200 {"success":true}`},
		{"another operation", disconnectCall(t, ts, mockserver.ChannelHex).outcome(t), "200 true"},
	}
	for i := range 4 {
		steps = append(steps, struct{ name, got, want string }{"the channel, #" + strconv.Itoa(i+1),
			connect(t, ts, mockserver.ChannelHex, "c2").outcome(t), "502 Integration error"})
	}
	steps = append(steps, struct{ name, got, want string }{"the channel, after", connect(t, ts, mockserver.ChannelHex, "c2").outcome(t), `200 {"success":true}`})
	for _, s := range steps {
		if s.got != s.want {
			t.Errorf("%s: %s, want %s", s.name, s.got, s.want)
		}
	}
}

// Answers queued for the request's channel come before those queued for any channel.
func TestQueuedForChannelBeforeAny(t *testing.T) {
	t.Parallel()
	ts := mocktest.Start(t)
	if err := ts.Server.QueueResponses("disconnectMetaChannel", "", 500); err != nil {
		t.Fatal(err)
	}
	if err := ts.Server.QueueResponses("disconnectMetaChannel", mockserver.ChannelHex, 404); err != nil {
		t.Fatal(err)
	}
	var got []string
	for range 3 {
		got = append(got, disconnectCall(t, ts, mockserver.ChannelHex).outcome(t))
	}
	if diff := cmp.Diff([]string{"404 Channel not found", "500 Internal server error", "200 true"}, got); diff != "" {
		t.Errorf("answers (-want +got):\n%s", diff)
	}
}

// Validation, authentication and Prefer come before a queued answer, which waits for a
// request that passes them; a queued answer changes no state, even a success.
func TestQueuedResponseNeedsAValidRequest(t *testing.T) {
	t.Parallel()
	ts := mocktest.Start(t)
	if err := ts.Server.QueueResponses("connectMetaChannel", "", 200); err != nil {
		t.Fatal(err)
	}
	noKey := connectRequest(t, ts, otherUUID, payload("c"))
	noKey.Header.Del("Authorization")
	prefer := connectRequest(t, ts, otherUUID, payload("c"))
	prefer.Header.Set("Prefer", "code=422, example=codeExpired")
	for _, step := range []struct {
		name string
		req  *http.Request
		want string
	}{
		{"no Secret Key", noKey, "401 Unauthorized"},
		{"invalid body", connectRequest(t, ts, otherUUID, `{"code":"c"}`), "400 "},
		{"invalid channel id", connectRequest(t, ts, "not-an-id", payload("c")), "400 "},
		{"Prefer", prefer, "422 CODE_EXPIRED"},
		{"valid, for an unknown channel: the queued success", connectRequest(t, ts, otherUUID, payload("c")), `200 {"success":true}`},
		{"the queue is empty", connectRequest(t, ts, otherUUID, payload("c")), "404 Channel not found"},
	} {
		if got := send(t, ts, step.req).outcome(t); !strings.HasPrefix(got, step.want) {
			t.Errorf("%s: %s, want %s", step.name, got, step.want)
		}
	}

	before := ts.Server.Channels()
	if err := ts.Server.QueueResponses("partnerDeleteChannel", mockserver.ChannelUUID, 204); err != nil {
		t.Fatal(err)
	}
	if err := ts.Server.QueueResponses("partnerCreateChannel", "", 201); err != nil {
		t.Fatal(err)
	}
	if got := deleteCall(t, ts, mockserver.ChannelUUID, "").outcome(t); got != "204" {
		t.Errorf("queued delete: %s", got)
	}
	if got := create(t, ts, mockserver.BotTelegram).outcome(t); got != "201" {
		t.Errorf("queued create: %s", got)
	}
	if diff := cmp.Diff(before, ts.Server.Channels()); diff != "" {
		t.Errorf("queued answers changed the channels (-before +after):\n%s", diff)
	}
}

// Every status every operation documents can be queued, and is answered with a response the
// spec documents (send checks it).
func TestEveryDocumentedStatusCanBeQueued(t *testing.T) {
	t.Parallel()
	doc, err := openapi.Spec()
	if err != nil {
		t.Fatal(err)
	}
	ts := mocktest.Start(t)
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			newRequest, ok := operationRequests[op.OperationID]
			if !ok {
				t.Errorf("%s %s: no request for %s in operationRequests", method, path, op.OperationID)
				continue
			}
			for key, ref := range op.Responses.Map() {
				status, err := strconv.Atoi(key)
				if key == "default" {
					status, err = http.StatusInternalServerError, nil // its example's status
				}
				if err != nil {
					t.Fatal(err)
				}
				if err := ts.Server.QueueResponses(op.OperationID, "", status); err != nil {
					t.Errorf("%s %d: %v", op.OperationID, status, err)
					continue
				}
				res := send(t, ts, newRequest(t, ts, mockserver.ChannelUUID))
				if res.status != status {
					t.Errorf("%s: queued %d, answered %d %s", op.OperationID, status, res.status, res.body)
				}
				_, documentsRetryAfter := ref.Value.Headers["Retry-After"]
				if got := res.header.Get("Retry-After"); documentsRetryAfter != (got != "") {
					t.Errorf("%s %d: Retry-After %q; the spec documents it: %v", op.OperationID, status, got, documentsRetryAfter)
				}
				// Prefer answers the same example without Retry-After: a client does not retry it.
				req := newRequest(t, ts, mockserver.ChannelUUID)
				req.Header.Set("Prefer", "code="+strconv.Itoa(status))
				if res := send(t, ts, req); res.status != status || res.header.Get("Retry-After") != "" {
					t.Errorf("%s Prefer: code=%d: %d, Retry-After %q; want %d and none", op.OperationID, status, res.status, res.header.Get("Retry-After"), status)
				}
			}
		}
	}
}

func TestQueueResponsesErrors(t *testing.T) {
	t.Parallel()
	ts := mocktest.Start(t)
	many := make([]int, mockserver.MaxQueuedResponses+1)
	for i := range many {
		many[i] = 502
	}
	for _, tc := range []struct {
		name, op, channel string
		statuses          []int
		want              []string
	}{
		{"unknown operation", "connectChannel", "", []int{502}, []string{`operationId: "connectChannel" is not an operation of the spec; its operations: `, "connectMetaChannel"}},
		{"undocumented status", "connectMetaChannel", "", []int{502, 418}, []string{"statuses[1]: 418 is not documented for connectMetaChannel; documented: ", "502"}},
		{"no statuses", "connectMetaChannel", "", nil, []string{"statuses: none given"}},
		{"a channel for an operation without one", "partnerCreateChannel", mockserver.ChannelHex, []int{502}, []string{"channelId: partnerCreateChannel names no channel"}},
		{"a malformed channel id", "connectMetaChannel", "sk_live_oops", []int{502}, []string{"channelId: must be a UUID or 32 hexadecimal digits"}},
		{"too many", "connectMetaChannel", "", many, []string{"limit of " + strconv.Itoa(mockserver.MaxQueuedResponses)}},
	} {
		err := ts.Server.QueueResponses(tc.op, tc.channel, tc.statuses...)
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		if !strings.HasPrefix(err.Error(), "mockserver: QueueResponses: ") {
			t.Errorf("%s: %q lacks the prefix", tc.name, err)
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %q does not contain %q", tc.name, err, w)
			}
		}
		if strings.Contains(err.Error(), "sk_live_oops") {
			t.Errorf("%s: the error repeats the malformed channel id: %q", tc.name, err)
		}
	}
	// Nothing was queued by a refused call.
	if got := connect(t, ts, mockserver.ChannelUUID, "c").outcome(t); got != `200 {"success":true}` {
		t.Errorf("connect after refused QueueResponses: %s", got)
	}
}

// handlerTransport sends each request to a handler in-process, so synctest's clock runs the
// client's waits.
type handlerTransport struct {
	h   http.Handler
	log *[]string // each answer's status and Retry-After
}

func (t handlerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, req)
	*t.log = append(*t.log, strconv.Itoa(rec.Code)+" Retry-After="+rec.Header().Get("Retry-After"))
	return rec.Result(), nil
}

// A client with retries, given a queued 503, waits its Retry-After and succeeds on the second
// attempt.
func TestClientRetriesQueued503(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, err := mockserver.New()
		if err != nil {
			t.Fatal(err)
		}
		if err := s.QueueResponses("connectMetaChannel", mockserver.ChannelUUID, 503); err != nil {
			t.Fatal(err)
		}
		var answers []string
		c, err := client.New(s.SecretKey(), client.WithBaseURL("http://127.0.0.1"),
			client.WithHTTPClient(&http.Client{Transport: handlerTransport{s, &answers}}))
		if err != nil {
			t.Fatal(err)
		}
		code, _ := s.IssueCode()
		start := time.Now()
		res, err := c.ConnectChannel(context.Background(), mockserver.ChannelUUID,
			client.ConnectRequest{WabaID: "428083093730937", PhoneID: "123456789012345", Code: code})
		if err != nil {
			t.Fatal(err)
		}
		if res.Attempts != 2 {
			t.Errorf("%d attempts, want 2", res.Attempts)
		}
		if diff := cmp.Diff([]string{"503 Retry-After=1", "200 Retry-After="}, answers); diff != "" {
			t.Errorf("answers (-want +got):\n%s", diff)
		}
		if waited := time.Since(start); waited < time.Second {
			t.Errorf("the client retried after %v, before Retry-After's 1s", waited)
		}
		if ch, _ := s.Channel(mockserver.ChannelUUID); !ch.Connected {
			t.Error("the channel is not connected")
		}
	})
}
