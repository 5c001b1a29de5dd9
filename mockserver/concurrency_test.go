package mockserver_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hubmessage/hubmessage-go/mockserver"
	"github.com/hubmessage/hubmessage-go/mockserver/mocktest"
)

func TestConcurrentConnects(t *testing.T) {
	t.Parallel()
	const n = 32
	t.Run("distinct channels all connect", func(t *testing.T) {
		t.Parallel()
		ids := make([]string, n)
		opts := make([]mockserver.Option, n)
		for i := range ids {
			ids[i] = fmt.Sprintf("%032X", i+1)
			opts[i] = mockserver.WithChannel(ids[i], mockserver.MetaWhatsApp)
		}
		ts := mocktest.Start(t, opts...)
		statuses := race(t, n, func(i int) response { return connect(t, ts, ids[i], "code-"+ids[i]) })
		if diff := cmp.Diff(map[string]int{"200": n}, statuses); diff != "" {
			t.Errorf("statuses (-want +got):\n%s", diff)
		}
		for _, id := range ids {
			if ch, _ := ts.Server.Channel(id); !ch.Connected {
				t.Errorf("channel %s not connected", id)
			}
		}
	})
	t.Run("same channel, same code: one wins", func(t *testing.T) {
		t.Parallel()
		ts := mocktest.Start(t)
		statuses := race(t, n, func(int) response { return connect(t, ts, mockserver.ChannelUUID, "the-code") })
		if diff := cmp.Diff(map[string]int{"200": 1, "422 CODE_ALREADY_USED": n - 1}, statuses); diff != "" {
			t.Errorf("statuses (-want +got):\n%s", diff)
		}
	})
	t.Run("same channel, distinct codes: one wins", func(t *testing.T) {
		t.Parallel()
		ts := mocktest.Start(t)
		statuses := race(t, n, func(i int) response { return connect(t, ts, mockserver.ChannelHex, fmt.Sprint("code-", i)) })
		if diff := cmp.Diff(map[string]int{"200": 1, "422 INSTANCE_STILL_CONNECTED": n - 1}, statuses); diff != "" {
			t.Errorf("statuses (-want +got):\n%s", diff)
		}
	})
}

// race runs call n times at once and counts the outcomes ("200", "422 CODE_ALREADY_USED").
func race(t *testing.T, n int, call func(i int) response) map[string]int {
	t.Helper()
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		start    = make(chan struct{})
		outcomes = map[string]int{}
	)
	for i := range n {
		wg.Go(func() {
			<-start
			res := call(i)
			key := fmt.Sprint(res.status)
			if res.status != 200 {
				key += " " + res.errorBody(t).Message
			} else if strings.TrimSpace(string(res.body)) != `{"success":true}` {
				key += " " + string(res.body)
			}
			mu.Lock()
			outcomes[key]++
			mu.Unlock()
		})
	}
	close(start)
	wg.Wait()
	return outcomes
}
