package mockserver_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hubmessage/hubmessage-go/mockserver"
	"github.com/hubmessage/hubmessage-go/mockserver/mocktest"
)

// createdID is the form of the ids create issues: the vendor's 32 upper-case hex digits.
var createdID = regexp.MustCompile(`^[0-9A-F]{32}$`)

// The whole lifecycle, as a client walks it: create, connect, delete refused while connected,
// disconnect, delete, and then 404 from every operation on that id, for good.
func TestLifecycle(t *testing.T) {
	t.Parallel()
	ts := mocktest.Start(t)
	id := mustCreate(t, ts, mockserver.MetaWhatsApp)
	if !createdID.MatchString(id) {
		t.Fatalf("created id %q is not 32 upper-case hex digits", id)
	}
	steps := []struct {
		name string
		call func() response
		want string
	}{
		{"connect", func() response { return connect(t, ts, id, "life-1") }, `200 {"success":true}`},
		{"delete while connected", func() response { return deleteCall(t, ts, id, "") }, "422 INSTANCE_STILL_CONNECTED"},
		{"disconnect", func() response { return disconnectCall(t, ts, id) }, "200 true"},
		{"disconnect again", func() response { return disconnectCall(t, ts, id) }, "200 true"},
		{"delete", func() response { return deleteCall(t, ts, id, `{"cancelReason":"Customer closed the company"}`) }, "204"},
		{"connect after delete", func() response { return connect(t, ts, id, "life-2") }, "404 Channel not found"},
		{"disconnect after delete", func() response { return disconnectCall(t, ts, id) }, "404 Channel not found"},
		{"delete after delete", func() response { return deleteCall(t, ts, id, "") }, "404 Instance not found"},
		{"delete in lower case after delete", func() response { return deleteCall(t, ts, strings.ToLower(id), "") }, "404 Instance not found"},
	}
	for _, step := range steps {
		if got := step.call().outcome(t); got != step.want {
			t.Fatalf("%s: %s, want %s", step.name, got, step.want)
		}
	}
	if _, ok := ts.Server.Channel(id); ok {
		t.Error("Channel reports the deleted channel")
	}
	if err := ts.Server.AddChannel(id, mockserver.MetaWhatsApp); err == nil || !strings.Contains(err.Error(), "was deleted") {
		t.Errorf("AddChannel of a deleted id: %v, want an error saying it was deleted", err)
	}
	if res := connect(t, ts, id, "life-3"); res.status != 404 {
		t.Errorf("AddChannel resurrected the deleted channel: connect %d %s", res.status, res.body)
	}
}

func TestCreate(t *testing.T) {
	t.Parallel()
	ts := mocktest.Start(t)
	seen := map[string]bool{}
	for _, typ := range mockserver.ChannelTypes() {
		id := mustCreate(t, ts, typ)
		if !createdID.MatchString(id) || seen[id] {
			t.Fatalf("%s: id %q is not 32 upper-case hex digits, or was issued before", typ, id)
		}
		seen[id] = true
		want := mockserver.Channel{ID: id, Type: typ, Name: "Test " + string(typ)}
		if got, _ := ts.Server.Channel(id); got != want {
			t.Errorf("%s: channel %+v, want %+v", typ, got, want)
		}
		wantConnect := `200 {"success":true}`
		if typ != mockserver.MetaWhatsApp {
			wantConnect = "422 CHANNEL_TYPE_NOT_SUPPORTED"
		}
		if got := connect(t, ts, id, "create-"+string(typ)).outcome(t); got != wantConnect {
			t.Errorf("connect a created %s channel: %s, want %s", typ, got, wantConnect)
		}
	}
	for _, tc := range []struct{ name, body, message string }{
		{"unknown type", `{"name":"x","type":"SMS"}`, "body /type"},
		{"empty name", `{"name":"","type":"BOT_TELEGRAM"}`, "body /name"},
		{"name too long", `{"name":"` + strings.Repeat("n", 1025) + `","type":"BOT_TELEGRAM"}`, "body /name"},
		{"no type", `{"name":"x"}`, "type"},
	} {
		res := send(t, ts, authorised(t, ts, http.MethodPost, "/v1/channels", tc.body))
		if res.status != 400 || !strings.Contains(res.errorBody(t).Message, tc.message) {
			t.Errorf("%s: %d %s, want 400 naming %q", tc.name, res.status, res.body, tc.message)
		}
	}
	if got := len(ts.Server.Channels()); got != 3+len(mockserver.ChannelTypes()) {
		t.Errorf("%d channels, want the 3 seeded and one per type", got)
	}
}

func TestDisconnect(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		setup     func(t *testing.T, ts *mocktest.Server)
		channelID string
		want      string
		connected bool // after
	}{
		{name: "connected", channelID: mockserver.ChannelUUID, want: "200 true",
			setup: func(t *testing.T, ts *mocktest.Server) { mustConnect(t, ts, mockserver.ChannelUUID, "d1") }},
		{name: "not connected: idempotent", channelID: mockserver.ChannelUUID, want: "200 true"},
		{name: "not a META_WHATSAPP channel: never connected", channelID: mockserver.ChannelInstagram, want: "200 true"},
		{name: "unknown", channelID: otherUUID, want: "404 Channel not found"},
		{name: "upstream failure keeps the connection", channelID: mockserver.ChannelHex, want: "502 Integration error", connected: true,
			setup: func(t *testing.T, ts *mocktest.Server) {
				mustConnect(t, ts, mockserver.ChannelHex, "d2")
				if err := ts.Server.FailUpstream(mockserver.ChannelHex); err != nil {
					t.Fatal(err)
				}
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ts := mocktest.Start(t)
			if tc.setup != nil {
				tc.setup(t, ts)
			}
			before, _ := ts.Server.Channel(tc.channelID)
			if got := disconnectCall(t, ts, tc.channelID).outcome(t); got != tc.want {
				t.Fatalf("disconnect: %s, want %s", got, tc.want)
			}
			after, _ := ts.Server.Channel(tc.channelID)
			want := before
			if !tc.connected {
				want.Connected, want.WabaID, want.PhoneID, want.Coexistence = false, "", "", false
			}
			if diff := cmp.Diff(want, after); diff != "" {
				t.Errorf("channel after disconnect (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDelete(t *testing.T) {
	t.Parallel()
	setSubscription := func(status mockserver.SubscriptionStatus) func(t *testing.T, ts *mocktest.Server) {
		return func(t *testing.T, ts *mocktest.Server) {
			if err := ts.Server.SetSubscription(mockserver.ChannelHex, status); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, tc := range []struct {
		name  string
		opts  []mockserver.Option
		setup func(t *testing.T, ts *mocktest.Server)
		body  string
		want  string
	}{
		{name: "no body", want: "204"},
		{name: "with a reason", body: `{"cancelReason":"Customer closed the company"}`, want: "204"},
		{name: "empty object", body: `{}`, want: "204"},
		{name: "reason not a string", body: `{"cancelReason":1}`, want: "400 body /cancelReason"},
		{name: "connected", want: "422 INSTANCE_STILL_CONNECTED",
			setup: func(t *testing.T, ts *mocktest.Server) { mustConnect(t, ts, mockserver.ChannelHex, "del-1") }},
		{name: "subscription PAID", setup: setSubscription(mockserver.SubscriptionPaid), want: "422 INSTANCE_HAS_ACTIVE_SUBSCRIPTION"},
		{name: "subscription CANCELLATION_PROCESS", setup: setSubscription(mockserver.SubscriptionCancellationProcess), want: "422 INSTANCE_HAS_ACTIVE_SUBSCRIPTION"},
		{name: "subscription by option", opts: []mockserver.Option{mockserver.WithSubscription(strings.ToLower(mockserver.ChannelHex), mockserver.SubscriptionPaid)},
			want: "422 INSTANCE_HAS_ACTIVE_SUBSCRIPTION"},
		{name: "subscription CANCELED", setup: setSubscription(mockserver.SubscriptionCanceled), want: "204"},
		{name: "subscription TRIAL", setup: setSubscription(mockserver.SubscriptionTrial), want: "204"},
		{name: "subscription PENDING", setup: setSubscription(mockserver.SubscriptionPending), want: "204"},
		{name: "subscription ended", want: "204", setup: func(t *testing.T, ts *mocktest.Server) {
			setSubscription(mockserver.SubscriptionPaid)(t, ts)
			setSubscription("")(t, ts)
		}},
		{name: "no ENTERPRISE role", opts: []mockserver.Option{mockserver.WithEnterpriseRole(false)}, want: "422 Channel deletion requires ENTERPRISE role"},
		{name: "ENTERPRISE role taken away", want: "422 Channel deletion requires ENTERPRISE role",
			setup: func(t *testing.T, ts *mocktest.Server) { ts.Server.SetEnterpriseRole(false) }},
		{name: "upstream failure", want: "502 Hermitage deleteChannel failed",
			setup: func(t *testing.T, ts *mocktest.Server) {
				if err := ts.Server.FailUpstream(mockserver.ChannelHex); err != nil {
					t.Fatal(err)
				}
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ts := mocktest.Start(t, tc.opts...)
			if tc.setup != nil {
				tc.setup(t, ts)
			}
			before, _ := ts.Server.Channel(mockserver.ChannelHex)
			got := deleteCall(t, ts, mockserver.ChannelHex, tc.body).outcome(t)
			if !strings.HasPrefix(got, tc.want) {
				t.Fatalf("delete: %s, want %s", got, tc.want)
			}
			after, exists := ts.Server.Channel(mockserver.ChannelHex)
			if tc.want == "204" {
				if exists {
					t.Error("the deleted channel still exists")
				}
				return
			}
			if diff := cmp.Diff(before, after); diff != "" || !exists {
				t.Errorf("a refused delete changed the channel (exists %v; -before +after):\n%s", exists, diff)
			}
		})
	}
	t.Run("unknown", func(t *testing.T) {
		t.Parallel()
		ts := mocktest.Start(t)
		if got := deleteCall(t, ts, otherUUID, "").outcome(t); got != "404 Instance not found" {
			t.Errorf("delete: %s", got)
		}
	})
}

func TestEnterpriseRole(t *testing.T) {
	t.Parallel()
	ts := mocktest.Start(t, mockserver.WithEnterpriseRole(false))
	if got := create(t, ts, mockserver.MetaWhatsApp).outcome(t); got != "422 This action requires ENTERPRISE role" {
		t.Errorf("create without the role: %s", got)
	}
	if n := len(ts.Server.Channels()); n != 3 {
		t.Errorf("%d channels after a refused create, want the 3 seeded", n)
	}
	ts.Server.SetEnterpriseRole(true)
	id := mustCreate(t, ts, mockserver.MetaMessenger)
	if got := deleteCall(t, ts, id, "").outcome(t); got != "204" {
		t.Errorf("delete with the role: %s", got)
	}
}

func TestSubscriptionErrors(t *testing.T) {
	t.Parallel()
	s, err := mockserver.New()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetSubscription(mockserver.ChannelHex, "ACTIVE"); err == nil || !strings.Contains(err.Error(), `"ACTIVE" is not one of PAID`) {
		t.Errorf("unknown status: %v", err)
	}
	if err := s.SetSubscription(otherUUID, mockserver.SubscriptionPaid); err == nil {
		t.Error("unknown channel: no error")
	}
	for status, active := range map[mockserver.SubscriptionStatus]bool{"": false, mockserver.SubscriptionPaid: true,
		mockserver.SubscriptionCancellationProcess: true, mockserver.SubscriptionCanceled: false,
		mockserver.SubscriptionTrial: false, mockserver.SubscriptionPending: false} {
		if status.Active() != active {
			t.Errorf("%q.Active() = %v", status, !active)
		}
	}
}
