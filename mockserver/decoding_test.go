package mockserver_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hubmessage/hubmessage-go/mockserver"
	"github.com/hubmessage/hubmessage-go/mockserver/mocktest"
)

// TestBodyIsReadExactlyAsValidated holds the regressions of issue 10's "validator and
// handler read different keys" and "invalid UTF-8 folded to U+FFFD": a body the validator
// and encoding/json would read differently (a case variant or a repeat of a field, a string
// that is not UTF-8) is a 400 in the spec's shape, and changes no state: no code consumed,
// nothing stored. It needs contracttest's validator to reject such bodies.
func TestBodyIsReadExactlyAsValidated(t *testing.T) {
	t.Parallel()
	const other = "0000000000000000000000000000000A" // a third META_WHATSAPP channel

	t.Run("case variant of code consumes neither code", func(t *testing.T) {
		t.Parallel()
		ts := mocktest.Start(t, mockserver.WithChannel(other, mockserver.MetaWhatsApp))
		rejected(t, ts, mockserver.ChannelUUID, `{"wabaId":"1","phoneId":"1","code":"X-ONE","coexistence":false,"CODE":"Y-ONE"}`)
		mustConnect(t, ts, mockserver.ChannelHex, "X-ONE") // another channel: X-ONE is still unused
		mustConnect(t, ts, other, "Y-ONE")                 // and so is Y-ONE
	})
	t.Run("case variant of wabaId stores nothing", func(t *testing.T) {
		t.Parallel()
		ts := mocktest.Start(t)
		rejected(t, ts, mockserver.ChannelUUID, `{"wabaId":"1","phoneId":"1","code":"c1","coexistence":false,"WABAID":"not-digits!"}`)
		mustConnect(t, ts, mockserver.ChannelUUID, "c1")
	})
	t.Run("Unicode case variant of coexistence", func(t *testing.T) {
		t.Parallel()
		ts := mocktest.Start(t)
		// U+017F (long s) folds to s: encoding/json binds "coexiſtence" to coexistence.
		rejected(t, ts, mockserver.ChannelUUID, `{"wabaId":"1","phoneId":"1","code":"c1","coexistence":false,"coexiſtence":true}`)
		mustConnect(t, ts, mockserver.ChannelUUID, "c1")
	})
	t.Run("repeated code consumes neither code", func(t *testing.T) {
		t.Parallel()
		ts := mocktest.Start(t)
		rejected(t, ts, mockserver.ChannelUUID, `{"wabaId":"1","phoneId":"1","code":"X-ONE","coexistence":false,"code":"Y-ONE"}`)
		mustConnect(t, ts, mockserver.ChannelUUID, "X-ONE")
		if err := ts.Server.Disconnect(mockserver.ChannelUUID); err != nil {
			t.Fatal(err)
		}
		mustConnect(t, ts, mockserver.ChannelUUID, "Y-ONE")
	})
	t.Run("codes that are not UTF-8 do not collide", func(t *testing.T) {
		t.Parallel()
		ts := mocktest.Start(t)
		// Both would decode to "\uFFFD-A": the second would be CODE_ALREADY_USED.
		rejected(t, ts, mockserver.ChannelUUID, "{\"wabaId\":\"1\",\"phoneId\":\"1\",\"code\":\"\xff-A\",\"coexistence\":false}")
		rejected(t, ts, mockserver.ChannelHex, "{\"wabaId\":\"1\",\"phoneId\":\"1\",\"code\":\"\xfe-A\",\"coexistence\":false}")
	})
}

// rejected sends body to channelID's connect and requires a 400 in the error shape that left
// every channel as it was.
func rejected(t *testing.T, ts *mocktest.Server, channelID, body string) {
	t.Helper()
	before := ts.Server.Channels()
	res := send(t, ts, connectRequest(t, ts, channelID, body))
	if res.status != 400 {
		t.Errorf("%q: %d %s, want 400", body, res.status, res.body)
	} else {
		res.errorBody(t)
	}
	if diff := cmp.Diff(before, ts.Server.Channels()); diff != "" {
		t.Errorf("%q changed the channels (-before +after):\n%s", body, diff)
	}
}
