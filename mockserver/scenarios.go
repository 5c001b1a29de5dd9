package mockserver

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/hubmessage/hubmessage-go/contracttest"
	"github.com/hubmessage/hubmessage-go/gen"
	"github.com/hubmessage/hubmessage-go/internal/printable"
)

// MaxQueuedResponses is how many queued responses ([Server.QueueResponses]) may wait at once,
// per account (per Secret Key in sandbox mode): enough for any scenario, and a bound on memory.
const MaxQueuedResponses = 1000

// QueueResponses makes the next len(statuses) requests of the operation (its operationId in
// the spec, e.g. "connectMetaChannel") answered with these statuses, one each, in order: two
// 502s and then the real answer is QueueResponses("connectMetaChannel", "", 502, 502). With a
// channelID, only requests naming that channel (matched case-insensitively) take them; those
// queued for the channel are served before those queued for any.
//
// Each status must be one the spec documents for the operation (default's example counts as
// its status, 500); the answer is the spec's example for it, as `Prefer: code=N` gives, with
// "Retry-After: 1" where the response documents one. It goes to the next request that gets
// that far ([Server.ServeHTTP]) and changes no state. At most [MaxQueuedResponses] wait at
// once.
func (s *Server) QueueResponses(operationID, channelID string, statuses ...int) error {
	s.own.mu.Lock()
	defer s.own.mu.Unlock()
	if _, err := s.enqueue(s.own, operationID, channelID, statuses); err != nil {
		return fmt.Errorf("mockserver: QueueResponses: %w", err)
	}
	return nil
}

// queuedRetryAfter is short so that a client's retry path runs at once: the spec's own
// example, 30, is past the client's default cap on waits (it would not retry at all). Prefer
// answers send none, so a test of the no-retry path can use them.
const queuedRetryAfter = "1"

// queueKey is what queued responses wait for: an operation and a channel's canonical id, or "".
type queueKey struct{ operation, channel string }

// enqueue checks a QueueResponses request against the spec, its errors naming the field as
// POST /_mock/scenarios calls it, queues the answers on st and returns the statuses now
// waiting for that operation and channel. st.mu must be held.
func (s *Server) enqueue(st *state, operationID, channelID string, statuses []int) ([]int, error) {
	oe, ok := s.examples.ops[operationID]
	switch {
	case !ok:
		return nil, fmt.Errorf("operationId: %q is not an operation of the spec; its operations: %s",
			printable.String(operationID), strings.Join(slices.Sorted(maps.Keys(s.examples.ops)), ", "))
	case channelID != "" && !slices.ContainsFunc(gen.Operations[operationID].Params, func(r gen.Rule) bool { return r.Name == gen.ChannelIdRule.Name }):
		return nil, fmt.Errorf("channelId: %s names no channel; queue its responses for any (no channelId)", operationID)
	case channelID != "" && !gen.ChannelIdPattern.MatchString(channelID):
		return nil, errors.New("channelId: must be a UUID or 32 hexadecimal digits")
	case len(statuses) == 0:
		return nil, errors.New("statuses: none given; queue at least one")
	}
	exs := make([]example, len(statuses))
	for i, status := range statuses {
		if exs[i], ok = oe.forStatus(status, ""); !ok {
			return nil, fmt.Errorf("statuses[%d]: %d is not documented for %s; documented: %s", i, status, operationID, oe.statuses())
		}
	}
	queued := 0
	for _, q := range st.queue {
		queued += len(q)
	}
	if queued+len(exs) > MaxQueuedResponses {
		return nil, fmt.Errorf("statuses: %d more would pass the limit of %d queued responses (%d wait already)",
			len(exs), MaxQueuedResponses, queued)
	}
	key := queueKey{operation: operationID, channel: canonical(channelID)}
	st.queue[key] = append(st.queue[key], exs...)
	pending := make([]int, len(st.queue[key]))
	for i, ex := range st.queue[key] {
		pending[i] = ex.status
	}
	return pending, nil
}

// dequeue takes the next response queued for the route's operation: one queued for its
// channel first, else one queued for any.
func (st *state) dequeue(route *contracttest.Route) (example, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if len(st.queue) == 0 { // the common path: an emptied queue's key is deleted
		return example{}, false
	}
	op := route.OperationID()
	for _, key := range []queueKey{{op, canonical(route.PathParams()[gen.ChannelIdRule.Name])}, {op, ""}} {
		if q := st.queue[key]; len(q) > 0 {
			if st.queue[key] = q[1:]; len(q) == 1 {
				delete(st.queue, key)
			}
			return q[0], true
		}
	}
	return example{}, false
}
