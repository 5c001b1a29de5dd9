package mockserver_test

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/hubmessage/hubmessage-go/gen"
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

// lifecycleCall is one call of TestConcurrentLifecycle, with when it ran.
type lifecycleCall struct {
	op         string // create, connect, disconnect, delete
	id         string
	wabaID     string // connect's, unique per call
	outcome    string
	start, end time.Time
}

// Workers create, connect, disconnect and delete at once, on channels they share and on their
// own. Afterwards: ids are unique; no channel was connected twice without a disconnect in
// between; a deleted channel was deleted once, answered 404 to every call that started after
// its delete ended and is gone; no other channel was lost; a connected channel holds the
// wabaId of one of its successful connects.
func TestConcurrentLifecycle(t *testing.T) {
	t.Parallel()
	const workers, rounds = 16, 50
	ts := mocktest.Start(t)
	shared := []string{mockserver.ChannelUUID, mockserver.ChannelHex}
	for range 3 {
		shared = append(shared, mustCreate(t, ts, mockserver.MetaWhatsApp))
	}
	// One shared channel has an active subscription: it is never deleted.
	if err := ts.Server.SetSubscription(shared[4], mockserver.SubscriptionPaid); err != nil {
		t.Fatal(err)
	}
	allowed := map[string][]string{
		"create":     {"201"},
		"connect":    {`200 {"success":true}`, "422 INSTANCE_STILL_CONNECTED", "404 Channel not found"},
		"disconnect": {"200 true", "404 Channel not found"},
		"delete":     {"204", "422 INSTANCE_STILL_CONNECTED", "422 INSTANCE_HAS_ACTIVE_SUBSCRIPTION", "404 Instance not found"},
	}
	calls := make([][]lifecycleCall, workers)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for w := range workers {
		wg.Go(func() {
			<-start
			rng := rand.New(rand.NewPCG(uint64(w), 11))
			var own []string
			for r := range rounds {
				c := lifecycleCall{wabaID: fmt.Sprintf("%d%04d", w+1, r)}
				if len(own) > 0 && rng.IntN(2) == 0 {
					c.id = own[rng.IntN(len(own))]
				} else {
					c.id = shared[rng.IntN(len(shared))]
				}
				var req *http.Request
				switch n := rng.IntN(10); {
				case n < 2:
					c.op, req = "create", withKey(t, ts.URL, ts.SecretKey, http.MethodPost, "/v1/channels", createBody(mockserver.MetaWhatsApp))
				case n < 5:
					body := fmt.Sprintf(`{"wabaId":%q,"phoneId":"1","code":"code-%s","coexistence":false}`, c.wabaID, c.wabaID)
					c.op, req = "connect", withKey(t, ts.URL, ts.SecretKey, http.MethodPost, connectPath(c.id), body)
				case n < 8:
					c.op, req = "disconnect", withKey(t, ts.URL, ts.SecretKey, http.MethodPut, "/v1/channels/"+c.id+"/disconnect", "")
				default:
					c.op, req = "delete", withKey(t, ts.URL, ts.SecretKey, http.MethodDelete, "/v1/channels/"+c.id, "")
				}
				c.start = time.Now()
				res, err := exchange(req)
				c.end = time.Now()
				if err != nil {
					t.Errorf("worker %d: %s %s: %v", w, c.op, c.id, err)
					return
				}
				c.outcome = res.outcome(t)
				if !slices.Contains(allowed[c.op], c.outcome) {
					t.Errorf("worker %d: %s %s: %s, want one of %q", w, c.op, c.id, c.outcome, allowed[c.op])
				}
				if c.op == "create" && res.status == http.StatusCreated {
					var body gen.CreateChannelResponse
					if err := json.Unmarshal(res.body, &body); err != nil {
						t.Errorf("worker %d: create: %s", w, res.body)
						return
					}
					c.id = body.Id
					own = append(own, c.id)
				}
				calls[w] = append(calls[w], c)
			}
		})
	}
	close(start)
	wg.Wait()

	type history struct {
		connects, disconnects int
		wabaIDs               []string
		deleted               *lifecycleCall
		calls                 []lifecycleCall
	}
	channels := map[string]*history{}
	for _, id := range shared {
		channels[id] = &history{}
	}
	for _, cs := range calls {
		for _, c := range cs {
			h := channels[c.id]
			if c.op == "create" {
				if h != nil {
					t.Errorf("create issued %s twice", c.id)
				}
				h = &history{}
				channels[c.id] = h
			}
			h.calls = append(h.calls, c)
			switch c.outcome {
			case `200 {"success":true}`:
				h.connects++
				h.wabaIDs = append(h.wabaIDs, c.wabaID)
			case "200 true":
				h.disconnects++
			case "204":
				if h.deleted != nil {
					t.Errorf("%s deleted twice", c.id)
				}
				h.deleted = &c
			}
		}
	}
	for id, h := range channels {
		if h.connects > h.disconnects+1 {
			t.Errorf("%s: %d successful connects but %d disconnects: connected twice", id, h.connects, h.disconnects)
		}
		ch, exists := ts.Server.Channel(id)
		if h.deleted == nil {
			if !exists {
				t.Errorf("%s was never deleted but is gone", id)
			} else if ch.Connected && !slices.Contains(h.wabaIDs, ch.WabaID) {
				t.Errorf("%s is connected to %q, which none of its successful connects sent", id, ch.WabaID)
			}
			continue
		}
		if exists {
			t.Errorf("%s was deleted but exists", id)
		}
		for _, c := range h.calls {
			if c.start.After(h.deleted.end) && !strings.HasPrefix(c.outcome, "404 ") {
				t.Errorf("%s: %s started after its delete and answered %s, want 404", id, c.op, c.outcome)
			}
		}
		for op, req := range operationRequests {
			if op == "partnerCreateChannel" {
				continue
			}
			if got := send(t, ts, req(t, ts, id)).outcome(t); !strings.HasPrefix(got, "404 ") {
				t.Errorf("%s after the run: %s answered %s, want 404", id, op, got)
			}
		}
	}
	if _, ok := ts.Server.Channel(shared[4]); !ok {
		t.Error("the channel with an active subscription was deleted")
	}
}

// exchange makes one request and reads its answer, without failing a test (so goroutines may
// call it), checking it against the spec.
func exchange(req *http.Request) (response, error) {
	res, err := testClient.Do(req)
	if err != nil {
		return response{}, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return response{}, err
	}
	if err := documented(req, res.StatusCode, res.Header, body); err != nil {
		return response{}, fmt.Errorf("answered %d %s: %w", res.StatusCode, body, err)
	}
	return response{status: res.StatusCode, header: res.Header, body: body}, nil
}
